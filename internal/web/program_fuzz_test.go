package web

import (
	"net/url"
	"testing"

	"github.com/tandemprm/tandem/internal/program"
)

// FuzzParseTiersForm feeds the tiers form parser arbitrary form bodies: it never
// panics, never yields more tiers than the form offers rows for, and what it yields
// either passes the program's validation or is refused with named fields.
func FuzzParseTiersForm(f *testing.F) {
	for _, seed := range []string{
		"tier_name_0=Member&tier_rank_0=1&grace_days=30",
		"tier_name_0=Gold&tier_rank_0=3&tier_revenue_0=1%2C000%2C000&tier_registrations_0=5&tier_certifications_0=2&tier_benefits_0=a%0Ab&grace_days=60",
		"tier_name_1=Skipped+row+zero&tier_rank_1=-1&grace_days=x",
		"tier_name_0=&tier_rank_0=&tier_benefits_0=%0A%0A&grace_days=0",
		"tier_rank_0=99999999999999999999&tier_revenue_0=1e9&grace_days=366",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		set, rows, err := ParseTiersForm(form)
		if len(set.Tiers) > program.MaxTiers+tierFormRows || len(rows) != len(set.Tiers) {
			t.Fatalf("%d tiers from %d rows", len(set.Tiers), len(rows))
		}
		if err != nil {
			return
		}
		if verr := set.Normalize().Validate(); verr == nil {
			if _, err := set.Marshal(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
