package web

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/partner"
)

func TestTerritoryLinesRoundTrip(t *testing.T) {
	names, cov := parseTerritoryLines("Benelux: be, NL ,LU\r\n\n  Nordics  \nUS West:\n: NL\n")
	if !reflect.DeepEqual(names, []string{"Benelux", "Nordics", "US West"}) {
		t.Fatalf("names %q", names)
	}
	if !reflect.DeepEqual(cov, map[string][]string{"Benelux": {"be", "NL", "LU"}}) {
		t.Fatalf("coverage %v", cov)
	}
	set := partner.Settings{Territories: []string{"Benelux", "Nordics"}, Coverage: map[string][]string{"Benelux": {"BE", "LU", "NL"}}}
	text := territoryLines(set)
	if text != "Benelux: BE, LU, NL\nNordics" {
		t.Fatalf("written as %q", text)
	}
	if n, c := parseTerritoryLines(text); !reflect.DeepEqual(n, set.Territories) || !reflect.DeepEqual(c, set.Coverage) {
		t.Fatalf("read back as %q %v", n, c)
	}
}

// FuzzParseTerritoryLines: any text yields names without blanks or colons, and every
// coverage entry belongs to a listed name.
func FuzzParseTerritoryLines(f *testing.F) {
	for _, seed := range []string{"Benelux: BE, NL", "a:b:c\n:\n\n,,", "US West\r\nEMEA: ,DE,", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		names, cov := parseTerritoryLines(text)
		listed := map[string]bool{}
		for _, n := range names {
			if n == "" || strings.Contains(n, ":") || strings.ContainsAny(n, "\r\n") {
				t.Fatalf("bad name %q from %q", n, text)
			}
			listed[n] = true
		}
		for n, cs := range cov {
			if !listed[n] {
				t.Fatalf("coverage for %q, which is not listed, from %q", n, text)
			}
			for _, c := range cs {
				if c == "" || strings.Contains(c, ",") {
					t.Fatalf("bad country %q from %q", c, text)
				}
			}
		}
	})
}
