package pricing

import (
	"encoding/json"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseConfig parses arbitrary guardrails and checks, for every valid result, that
// each discount from 0 to the ceiling gets an answer other than invalid, and that the
// discounts at and just inside each band's edges land in that band.
func FuzzParseConfig(f *testing.F) {
	b, _ := json.Marshal(sample())
	f.Add(b)
	f.Add([]byte(`{"bands":[{"name":"a","min":0,"max":10},{"name":"b","min":10,"max":20,"approver":"x"}],"ceiling":20}`))
	f.Add([]byte(`{"bands":[{"name":"a","min":0,"max":10},{"name":"b","min":5,"max":20}]}`))
	f.Add([]byte(`{"bands":[],"ceiling":0,"exception_approver":"cfo"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			return
		}
		for _, d := range []Percent{0, min(1, c.Ceiling), c.Ceiling / 2, c.Ceiling} {
			if res := CheckDiscount(c, Request{Tier: "gold", Motion: tandem.MotionResale, Discount: d}, now); res.Verdict == Invalid {
				t.Fatalf("discount %s within the ceiling refused: %s", d, res.Reason)
			}
		}
		if res := CheckDiscount(c, Request{Discount: c.Ceiling + 1}, now); res.Verdict != Invalid {
			t.Fatalf("discount above the ceiling allowed: %+v", res)
		}
		for _, b := range c.Bands {
			ladder := c.Ladder(b.Tier, b.Motion)
			if len(ladder) == 0 || ladder[0].Min != 0 {
				t.Fatalf("ladder for %q/%q does not start at 0: %v", b.Tier, b.Motion, ladder)
			}
			for _, d := range []Percent{b.Min + 1, b.Max} {
				res := CheckDiscount(c, Request{Tier: b.Tier, Motion: b.Motion, Certifications: []string{b.Certification}, Discount: d}, now)
				if res.Band == nil || *res.Band != b {
					t.Fatalf("discount %s should fall in %+v, got %+v", d, b, res)
				}
				if (res.Verdict == Within) != (b.Approver == "") {
					t.Fatalf("band %+v gave %q", b, res.Verdict)
				}
			}
		}
	})
}
