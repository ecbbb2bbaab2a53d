package fitscore

import (
	"math"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// only returns a config with the one criterion, weight 1.
func only(c Criterion, missing Missing) Config {
	if c.Weight == 0 {
		c.Weight = 1
	}
	return Config{Missing: missing, Criteria: []Criterion{c}}
}

func TestEachCriterionAlone(t *testing.T) {
	industries := Criterion{Kind: Industries, Targets: []string{"Finance", "Health care", "Retail", "Public sector"}}
	band := Criterion{Kind: DealSize, MinDeal: 25_000, MaxDeal: 100_000}
	tests := []struct {
		name  string
		crit  Criterion
		in    Inputs
		score int
		value float64
		why   string
	}{
		{"industries: 3 of 4, case and spaces ignored", industries,
			Inputs{Industries: []string{"finance", "HEALTH  care", "Retail", "Gaming"}},
			75, 0.75, "Works in 3 of 4 target industries (Finance, Health care and Retail)."},
		{"industries: none", industries, Inputs{Industries: []string{"Gaming"}},
			0, 0, "Works in none of 4 target industries."},
		{"industries: full marks at 2", Criterion{Kind: Industries, Targets: industries.Targets, Full: 2},
			Inputs{Industries: []string{"Retail"}},
			50, 0.5, "Works in 1 of 4 target industries (Retail). 2 earn full marks."},
		{"industries: more matches than full are capped", Criterion{Kind: Industries, Targets: industries.Targets, Full: 2},
			Inputs{Industries: []string{"Retail", "Finance", "Public Sector"}},
			100, 1, "Works in 3 of 4 target industries (Finance, Retail and Public sector). 2 earn full marks."},
		{"geography", Criterion{Kind: Geography, Targets: []string{"EMEA", "NA", "APAC"}},
			Inputs{Regions: []string{"emea", "apac"}},
			67, 2.0 / 3, "Covers 2 of 3 target regions (EMEA and APAC)."},
		{"tech stack, one of five", Criterion{Kind: TechStack, Targets: []string{"Salesforce", "HubSpot", "Slack", "Snowflake", "Zendesk"}},
			Inputs{Technologies: []string{"HubSpot"}},
			20, 0.2, "Works with 1 of our 5 integrations (HubSpot)."},
		{"complementarity, list truncated", Criterion{Kind: Complementarity, Targets: []string{"implementation", "training", "managed services", "data migration"}},
			Inputs{Services: []string{"Training", "Implementation", "Managed services", "Data migration"}},
			100, 1, "Offers 4 of 4 services we lack (implementation, training, managed services and 1 more)."},
		{"deal size inside band", band, Inputs{DealSize: ptr[int64](40_000)},
			100, 1, "Typical deal of 40,000 is within the band of 25,000 to 100,000."},
		{"deal size on the band's edges", band, Inputs{DealSize: ptr[int64](25_000)},
			100, 1, "Typical deal of 25,000 is within the band of 25,000 to 100,000."},
		{"deal size below band", band, Inputs{DealSize: ptr[int64](10_000)},
			40, 0.4, "Typical deal of 10,000 is below the band of 25,000 to 100,000 (40% of the minimum)."},
		{"deal size above band", band, Inputs{DealSize: ptr[int64](400_000)},
			25, 0.25, "Typical deal of 400,000 is above the band of 25,000 to 100,000 (the maximum is 25% of it)."},
		{"deal size with no upper bound", Criterion{Kind: DealSize, MinDeal: 5_000}, Inputs{DealSize: ptr[int64](9_000_000)},
			100, 1, "Typical deal of 9,000,000 is within the band of 5,000 or more."},
		{"customer overlap share", Criterion{Kind: CustomerOverlap},
			Inputs{Customers: ptr(400), CustomersInICP: ptr(120)},
			30, 0.3, "120 of 400 customers (30%) fit our ICP."},
		{"customer overlap share above total is capped", Criterion{Kind: CustomerOverlap},
			Inputs{Customers: ptr(10), CustomersInICP: ptr(15)},
			100, 1, "10 of 10 customers (100%) fit our ICP."},
		{"customer overlap accounts", Criterion{Kind: CustomerOverlap, Basis: BasisAccounts, Full: 100},
			Inputs{SharedAccounts: ptr(45)},
			45, 0.45, "45 shared accounts; 100 earn full marks."},
		{"reach linear", Criterion{Kind: Reach, Full: 1000}, Inputs{Customers: ptr(250)},
			25, 0.25, "250 customers; 1,000 earn full marks."},
		{"reach log", Criterion{Kind: Reach, Full: 999, Scale: ScaleLog}, Inputs{Customers: ptr(31)},
			50, math.Log(32) / math.Log(1000), "31 customers; 999 earn full marks, on a log scale."},
		{"reach sellers, one seller", Criterion{Kind: Reach, Basis: BasisSellers, Full: 4}, Inputs{Sellers: ptr(1)},
			25, 0.25, "1 seller; 4 earn full marks."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range []Missing{MissingExclude, MissingZero} {
				cfg := only(tt.crit, m)
				if err := cfg.Validate(); err != nil {
					t.Fatal(err)
				}
				r := Score(cfg, tt.in)
				if r.Score != tt.score {
					t.Errorf("score %d, want %d", r.Score, tt.score)
				}
				if len(r.Contributions) != 1 {
					t.Fatalf("%d contributions", len(r.Contributions))
				}
				c := r.Contributions[0]
				if math.Abs(c.Value-tt.value) > 1e-12 || c.Points != tt.score || c.Share != 1 || c.NoData {
					t.Errorf("contribution %+v", c)
				}
				if c.Explanation != tt.why {
					t.Errorf("explanation\n got %q\nwant %q", c.Explanation, tt.why)
				}
				if r.Coverage != 1 || r.Summary != "Based on the one criterion switched on." {
					t.Errorf("coverage %v, summary %q", r.Coverage, r.Summary)
				}
			}
		})
	}
}

func TestWeightsAreNormalised(t *testing.T) {
	crits := []Criterion{
		{Kind: Industries, Targets: []string{"Finance"}},
		{Kind: Geography, Targets: []string{"EMEA", "NA"}},
		{Kind: Reach, Full: 100},
	}
	in := Inputs{Industries: []string{"Finance"}, Regions: []string{"EMEA"}, Customers: ptr(0)}
	// values: 1, 0.5, 0
	tests := []struct {
		weights []int
		score   int
		points  []int
	}{
		{[]int{1, 1, 1}, 50, []int{33, 17, 0}}, // 33.3 + 16.7 = 50
		{[]int{10, 10, 10}, 50, []int{33, 17, 0}},
		{[]int{50, 30, 20}, 65, []int{50, 15, 0}},
		{[]int{3, 0, 0}, 100, []int{100, 0, 0}},
		{[]int{0, 1, 0}, 50, []int{0, 50, 0}},
		{[]int{0, 0, 7}, 0, []int{0, 0, 0}},
		{[]int{1000, 1, 1}, 100, []int{100, 0, 0}}, // 99.80 + 0.05 = 99.85 rounds to 100
		{[]int{2, 1, 0}, 83, []int{67, 16, 0}},     // 66.67 + 16.67 = 83.33
	}
	for _, tt := range tests {
		cfg := Config{Missing: MissingExclude}
		for i, c := range crits {
			c.Weight = tt.weights[i]
			cfg.Criteria = append(cfg.Criteria, c)
		}
		r := Score(cfg, in)
		if r.Score != tt.score {
			t.Errorf("weights %v: score %d, want %d", tt.weights, r.Score, tt.score)
		}
		total := 0
		for i, c := range r.Contributions {
			total += c.Points
			if c.Points != tt.points[i] {
				t.Errorf("weights %v: %s has %d points, want %d", tt.weights, c.Criterion, c.Points, tt.points[i])
			}
		}
		if total != r.Score {
			t.Errorf("weights %v: points add up to %d, score %d", tt.weights, total, r.Score)
		}
	}
}

func TestMissingData(t *testing.T) {
	cfg := Config{Criteria: []Criterion{
		{Kind: Industries, Weight: 50, Targets: []string{"Finance"}},
		{Kind: Reach, Weight: 30, Full: 10},
		{Kind: CustomerOverlap, Weight: 20},
	}}
	in := Inputs{Industries: []string{"Finance"}, Customers: ptr(5)} // no CustomersInICP
	t.Run("exclude shares the missing weight among the rest", func(t *testing.T) {
		cfg.Missing = MissingExclude
		r := Score(cfg, in)
		// (50×1 + 30×0.5) / 80 = 81.25
		if r.Score != 81 || r.Coverage != 0.8 || r.Missing != MissingExclude {
			t.Fatalf("%+v", r)
		}
		c := r.Contributions[2]
		if !c.NoData || c.Points != 0 || c.Share != 0 || c.Explanation != "No count of customers fitting our ICP on record. Left out of the score." {
			t.Errorf("%+v", c)
		}
		if r.Summary != "Based on 2 of 3 criteria; customer_overlap had no data and was left out." {
			t.Errorf("summary %q", r.Summary)
		}
	})
	t.Run("zero counts it as the worst value", func(t *testing.T) {
		cfg.Missing = MissingZero
		r := Score(cfg, in)
		// (50×1 + 30×0.5 + 20×0) / 100 = 65
		if r.Score != 65 || r.Coverage != 0.8 || r.Missing != MissingZero {
			t.Fatalf("%+v", r)
		}
		c := r.Contributions[2]
		if !c.NoData || c.Points != 0 || c.Share != 0.2 || c.Explanation != "No count of customers fitting our ICP on record. Counted as 0." {
			t.Errorf("%+v", c)
		}
		if r.Summary != "Based on 2 of 3 criteria; customer_overlap had no data and counted as 0." {
			t.Errorf("summary %q", r.Summary)
		}
	})
	t.Run("nothing known", func(t *testing.T) {
		for _, m := range []Missing{MissingExclude, MissingZero} {
			cfg.Missing = m
			r := Score(cfg, Inputs{Industries: []string{" ", ""}, CustomersInICP: ptr(0)})
			if r.Score != 0 || r.Coverage != 0 || len(r.Contributions) != 3 {
				t.Fatalf("%s: %+v", m, r)
			}
			for _, c := range r.Contributions {
				if !c.NoData || c.Points != 0 {
					t.Errorf("%s: %+v", m, c)
				}
			}
		}
		cfg.Missing = MissingExclude
		if s := Score(cfg, Inputs{}).Summary; s != "None of the weighted criteria have data for this partner, so the score is 0." {
			t.Errorf("summary %q", s)
		}
	})
	t.Run("each kind of missing input", func(t *testing.T) {
		for _, c := range []Criterion{
			{Kind: Industries, Targets: []string{"a"}},
			{Kind: Geography, Targets: []string{"a"}},
			{Kind: TechStack, Targets: []string{"a"}},
			{Kind: Complementarity, Targets: []string{"a"}},
			{Kind: DealSize, MinDeal: 1},
			{Kind: CustomerOverlap},
			{Kind: CustomerOverlap, Basis: BasisAccounts, Full: 1},
			{Kind: Reach, Full: 1},
			{Kind: Reach, Basis: BasisSellers, Full: 1},
		} {
			r := Score(only(c, MissingExclude), Inputs{})
			if r.Score != 0 || !r.Contributions[0].NoData {
				t.Errorf("%s: %+v", c.Kind, r)
			}
		}
	})
}

func TestAllOff(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Missing: MissingZero, Criteria: []Criterion{{Kind: Reach, Full: 1, Disabled: true, Weight: 10}}},
	} {
		r := Score(cfg, Inputs{Customers: ptr(100)})
		if r.Score != 0 || len(r.Contributions) != 0 || r.Contributions == nil || r.Coverage != 1 {
			t.Errorf("%+v", r)
		}
		if r.Summary != "No criteria are switched on, so every partner scores 0." {
			t.Errorf("summary %q", r.Summary)
		}
	}
	r := Score(Config{Criteria: []Criterion{{Kind: Reach, Full: 1}}}, Inputs{Customers: ptr(100)})
	if r.Score != 0 || r.Summary != "Every criterion switched on has weight 0, so every partner scores 0." {
		t.Errorf("%+v", r)
	}
}

func TestDisabledCriteriaAreLeftOut(t *testing.T) {
	cfg := Config{Missing: MissingZero, Criteria: []Criterion{
		{Kind: Industries, Weight: 90, Targets: []string{"x"}, Disabled: true},
		{Kind: Reach, Weight: 10, Full: 10},
	}}
	r := Score(cfg, Inputs{Customers: ptr(10)})
	if r.Score != 100 || len(r.Contributions) != 1 || r.Contributions[0].Criterion != Reach {
		t.Errorf("%+v", r)
	}
}

func TestExtremeInputs(t *testing.T) {
	cfg := Config{Missing: MissingZero, Criteria: []Criterion{
		{Kind: DealSize, Weight: MaxWeight, MinDeal: MaxDealAmount, MaxDeal: MaxDealAmount},
		{Kind: Reach, Weight: MaxWeight, Full: MaxFull, Scale: ScaleLog},
		{Kind: CustomerOverlap, Weight: MaxWeight, Basis: BasisAccounts, Full: 1},
		{Kind: Industries, Weight: MaxWeight, Targets: []string{"a"}},
	}}
	tests := []struct {
		name string
		in   Inputs
		want int
	}{
		{"negative counts read as zero", Inputs{DealSize: ptr[int64](-5), Customers: ptr(-1), SharedAccounts: ptr(math.MinInt)}, 0},
		{"huge counts are capped", Inputs{DealSize: ptr[int64](math.MaxInt64), Customers: ptr(math.MaxInt), SharedAccounts: ptr(math.MaxInt), Industries: []string{"A"}}, 100},
		{"zero deal", Inputs{DealSize: ptr[int64](0)}, 0},
	}
	for _, tt := range tests {
		r := Score(cfg, tt.in)
		// The deal of MaxInt64 is 10^18/9.2×10^18 ≈ 0.11 of the band, so not quite 100.
		if tt.want == 100 && (r.Score < 75 || r.Score > 100) || tt.want == 0 && r.Score != 0 {
			t.Errorf("%s: %+v", tt.name, r)
		}
		checkInvariants(t, r)
	}
	// A config that skipped Validate still yields a score in range.
	bad := Config{Missing: "bogus", Criteria: []Criterion{{Kind: "nope", Weight: 5}, {Kind: Reach, Weight: -7, Full: 0}, {Kind: Geography, Weight: 3}}}
	r := Score(bad, Inputs{Customers: ptr(3), Regions: []string{"EMEA"}})
	if r.Missing != MissingExclude || r.Score != 0 {
		t.Errorf("%+v", r)
	}
	checkInvariants(t, r)
}

func TestPercentNeverOverstates(t *testing.T) {
	for v, want := range map[float64]string{0: "0%", 0.001: "1%", 0.996: "99%", 1: "100%", 0.305: "31%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := amount(n); got != want {
			t.Errorf("amount(%d) = %q, want %q", n, got, want)
		}
	}
}

// checkInvariants holds for every result: a score from 0 to 100, values from 0 to 1,
// and points that add up to the score.
func checkInvariants(t *testing.T, r Result) {
	t.Helper()
	if r.Score < 0 || r.Score > 100 {
		t.Fatalf("score %d out of range", r.Score)
	}
	total := 0
	var shares float64
	for _, c := range r.Contributions {
		if c.Value < 0 || c.Value > 1 || math.IsNaN(c.Value) {
			t.Fatalf("%s: value %v", c.Criterion, c.Value)
		}
		if c.Points < 0 {
			t.Fatalf("%s: %d points", c.Criterion, c.Points)
		}
		if c.Explanation == "" {
			t.Fatalf("%s: no explanation", c.Criterion)
		}
		total += c.Points
		shares += c.Share
	}
	if total != r.Score {
		t.Fatalf("points add up to %d, score is %d: %+v", total, r.Score, r)
	}
	if shares != 0 && math.Abs(shares-1) > 1e-9 {
		t.Fatalf("shares add up to %v", shares)
	}
}
