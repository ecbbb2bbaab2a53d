package partner

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestCoverageIsNormalizedAndChecked(t *testing.T) {
	s := Settings{Territories: []string{"Benelux", "Nordics"}, Coverage: map[string][]string{
		" benelux ": {"nl", " be", "NL", "Luxembourg", ""}, "Nordics": {}}}
	s.normalizeCoverage()
	if got := strings.Join(s.Coverage["Benelux"], ","); got != "BE,LU,NL" || len(s.Coverage) != 1 {
		t.Fatalf("normalized coverage %v; want Benelux BE,LU,NL and no empty Nordics", s.Coverage)
	}
	bad := DefaultSettings()
	bad.Territories, bad.Coverage = []string{"Benelux"}, map[string][]string{"Benelux": {"NL", "Holland-ish"}, "Atlantis": {"AT"}}
	got := map[string]bool{}
	for _, f := range tandem.FieldsOf(bad.Validate()) {
		got[f.Path] = true
	}
	if !got["coverage.Benelux[1]"] || !got["coverage.Atlantis"] || len(got) != 2 {
		t.Fatalf("problems %v; want the bad country and the unknown territory", got)
	}
}

func TestInTerritory(t *testing.T) {
	s := Settings{Territories: []string{"Benelux", "DACH", "Nordics"},
		Coverage: map[string][]string{"Benelux": {"BE", "LU", "NL"}, "DACH": {"AT", "CH", "DE"}}}
	benelux := Partner{Territories: []string{"Benelux"}}
	tests := []struct {
		name    string
		p       Partner
		country string
		ok      bool
		why     string
	}{
		{"covered by the partner's territory", benelux, "nl", true, ""},
		{"covered by another territory", benelux, "DE", false, "DE is outside your territories (Benelux)"},
		{"covered by no territory", benelux, "US", false, "US is outside your territories"},
		{"country unknown", benelux, "", false, "country is needed"},
		{"partner without territories is not bound", Partner{}, "US", true, ""},
		{"territory without coverage covers nothing", Partner{Territories: []string{"Nordics"}}, "SE", false, "outside your territories (Nordics)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := s.InTerritory(tc.p, tc.country)
			if ok != tc.ok || !strings.Contains(why, tc.why) || (tc.ok && why != "") {
				t.Fatalf("InTerritory(%v, %q) = %v, %q; want %v containing %q", tc.p.Territories, tc.country, ok, why, tc.ok, tc.why)
			}
			if strings.Contains(why, "DACH") {
				t.Fatalf("the reason names a territory the partner does not hold: %q", why)
			}
		})
	}
}
