package stage

import (
	"encoding/json"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseModel parses arbitrary models and checks, for every valid one, the promises
// of CheckMove over every pair of stages: staying put and moving backward are always
// allowed, and a forward move is refused exactly when some skipped exit criterion is
// unmet under the given facts.
func FuzzParseModel(f *testing.F) {
	for _, m := range Defaults() {
		b, _ := json.Marshal(m)
		f.Add(b, uint8(0))
	}
	f.Add([]byte(`{"motion":"tech","stages":[{"key":"a","label":"A","exit":[{"kind":"registration_approved"}]},{"key":"b","label":"B"}],"won_at":"a"}`), uint8(1))
	f.Add([]byte(`{"motion":"tech","stages":[{"key":"a","label":"A"},{"key":"a","label":"B"}]}`), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, bits uint8) {
		m, err := ParseModel(data)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			return
		}
		facts := Facts{Fields: map[string]bool{}, Milestones: map[string]bool{}, Attachments: map[string]bool{},
			Sourced: bits&1 != 0, Influenced: bits&2 != 0, RegistrationApproved: bits&4 != 0}
		// Satisfy roughly every other criterion, chosen by the fuzzer's bits.
		n := 0
		for _, s := range m.Stages {
			for _, c := range s.Exit {
				n++
				if bits>>(3+n%5)&1 == 0 {
					continue
				}
				switch c.Kind {
				case KindField:
					facts.Fields[c.Key] = true
				case KindMilestone:
					facts.Milestones[c.Key] = true
				case KindAttachment:
					facts.Attachments[c.Key] = true
				}
			}
		}
		keys := []string{"", Lost}
		for _, s := range m.Stages {
			keys = append(keys, s.Key)
		}
		for _, from := range keys {
			for _, to := range keys[1:] {
				err := CheckMove(m, from, to, facts)
				fi, ti := m.Index(from), m.Index(to)
				switch {
				case from == to:
					if err != nil {
						t.Fatalf("%q → itself refused: %v", from, err)
					}
				case fi >= 0 && ti >= 0 && ti < fi:
					if err != nil {
						t.Fatalf("backward %q → %q refused: %v", from, to, err)
					}
				case ti >= 0:
					start := max(fi, 0)
					unmet := false
					for _, s := range m.Stages[start:ti] {
						for _, c := range s.Exit {
							unmet = unmet || !facts.Met(c)
						}
					}
					if unmet != (err != nil) {
						t.Fatalf("%q → %q: unmet=%v but err=%v", from, to, unmet, err)
					}
					for _, fe := range tandem.FieldsOf(err) {
						if fe.Path == "" || fe.Detail == "" {
							t.Fatalf("empty field error %+v", fe)
						}
					}
				}
			}
		}
	})
}
