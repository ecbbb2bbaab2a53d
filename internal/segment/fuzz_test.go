package segment

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParse checks that whatever a person types as a rule, Parse neither panics nor
// returns anything but a KindInvalid error at "rule", and that an accepted rule's
// canonical form parses back to itself and can be matched.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`tier = "Gold" and engagement < 30`,
		`motion in ("resale", "marketplace") and not region = "EMEA"`,
		`fit >= 70 or tags contains "strategic"`,
		`last_activity older than 60 days`,
		`last_activity >= 2026-01-31 and tags is not empty`,
		`not (fit > 1 or fit < -2.5) and tier != 'si\'lver'`,
		`tierr = Gold`,
		`(((`,
		"tier = \"\xff\"",
	} {
		f.Add(s)
	}
	recs := []Map{
		{"id": "a", "tier": "Gold", "fit": 71.0, "tags": []string{"strategic"}, "last_activity": daysAgo(70)},
		{"id": "b"},
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := Parse(src, schema)
		if err != nil {
			var e *tandem.Error
			if !errors.As(err, &e) || e.Kind != tandem.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Path != "rule" {
				t.Fatalf("Parse(%q) error %#v is not one invalid field at rule", src, err)
			}
			return
		}
		canon := r.String()
		if len([]rune(canon)) <= MaxLength {
			again, err := Parse(canon, schema)
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", canon, src, err)
			}
			if again.String() != canon {
				t.Fatalf("canonical form is not stable: %q -> %q", canon, again.String())
			}
			for _, rec := range recs {
				if again.Match(rec, now) != r.Match(rec, now) {
					t.Fatalf("%q and its canonical form %q disagree on %v", src, canon, rec)
				}
			}
		}
	})
}

func TestParseIsQuickOnLongHostileInput(t *testing.T) {
	inputs := []string{
		strings.Repeat("a", MaxLength),
		strings.Repeat("not ", MaxLength/4),
		strings.Repeat("(", MaxLength),
		strings.Repeat("fit > 1 or ", MaxLength/11),
		"tier = \"" + strings.Repeat("\\\"", MaxLength/2-5) + "\"",
		"tier in (" + strings.Repeat("a,", MaxLength/2-6) + "a)",
		"tags contains " + strings.Repeat("é", MaxLength-20),
		strings.Repeat("9", MaxLength),
		strings.Repeat("2026-", MaxLength/5),
	}
	for _, in := range inputs {
		start := time.Now()
		_, _ = Parse(in, schema)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Parse of a %d-byte input starting %.20q took %v", len(in), in, d)
		}
	}
}
