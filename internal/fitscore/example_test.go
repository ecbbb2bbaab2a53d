package fitscore_test

import (
	"fmt"

	"github.com/tandemprm/tandem/internal/fitscore"
)

func ExampleScore() {
	cfg, err := fitscore.ParseConfig([]byte(`{"criteria":[
		{"kind":"industries","weight":40,"targets":["Finance","Health care","Retail","Public sector"]},
		{"kind":"deal_size","weight":20,"min_deal":25000,"max_deal":100000},
		{"kind":"reach","weight":20,"full":500,"scale":"log"},
		{"kind":"geography","weight":20,"targets":["EMEA","North America"]}]}`))
	if err != nil {
		panic(err)
	}
	deal, customers := int64(40000), 120
	r := fitscore.Score(cfg, fitscore.Inputs{
		Industries: []string{"finance", "Retail", "Health Care"},
		DealSize:   &deal,
		Customers:  &customers,
	})
	fmt.Println(r.Score, "-", r.Summary)
	for _, c := range r.Contributions {
		fmt.Printf("%s %d: %s\n", c.Criterion, c.Points, c.Explanation)
	}
	// Output:
	// 82 - Based on 3 of 4 criteria; geography had no data and was left out.
	// industries 38: Works in 3 of 4 target industries (Finance, Health care and Retail).
	// deal_size 25: Typical deal of 40,000 is within the band of 25,000 to 100,000.
	// reach 19: 120 customers; 500 earn full marks, on a log scale.
	// geography 0: No regions on record. Left out of the score.
}
