package fitscore

import (
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseConfig parses arbitrary settings: every error must be KindInvalid, and every
// accepted config must validate and score any partner between 0 and 100 with points
// that add up to the score.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{}`), int32(3), int64(40000))
	f.Add([]byte(`{"criteria":[],"missing":"zero"}`), int32(0), int64(0))
	f.Add([]byte(`{"criteria":[{"kind":"industries","weight":30,"targets":["Finance","Health"],"full":1},{"kind":"deal_size","weight":10,"min_deal":20000,"max_deal":150000}]}`), int32(7), int64(-1))
	f.Add([]byte(`{"criteria":[{"kind":"customer_overlap","basis":"accounts","full":100,"scale":"log","weight":1000},{"kind":"reach","basis":"sellers","full":1,"weight":0}]}`), int32(-9), int64(1<<62))
	f.Add([]byte(`{"criteria":[{"kind":"geography","weight":-1}]}`), int32(1), int64(1))
	f.Fuzz(func(t *testing.T, data []byte, n int32, deal int64) {
		cfg, err := ParseConfig(data)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
		c := int(n)
		names := []string{"Finance", "EMEA", "health", "HubSpot"}
		for _, in := range []Inputs{
			{},
			{Industries: names, Regions: names, Technologies: names, Services: names, DealSize: &deal, Customers: &c, CustomersInICP: &c, SharedAccounts: &c, Sellers: &c},
		} {
			checkInvariants(t, Score(cfg, in))
		}
	})
}
