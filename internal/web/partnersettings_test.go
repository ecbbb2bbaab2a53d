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

func TestLimitLinesRoundTrip(t *testing.T) {
	limits, bad := parseLimitLines("Benelux: 2\r\n\n Nordics :1\nno colon\nEMEA: many\n")
	if !reflect.DeepEqual(limits, map[string]int{"Benelux": 2, "Nordics": 1}) || !reflect.DeepEqual(bad, []string{"no colon", "EMEA: many"}) {
		t.Fatalf("limits %v, bad %v", limits, bad)
	}
	set := partner.Settings{Territories: []string{"Benelux", "Nordics", "EMEA"}, ExclusivityLimits: limits}
	if got := limitLines(set); got != "Benelux: 2\nNordics: 1" {
		t.Fatalf("lines %q", got)
	}
}

// FuzzParseLimitLines: any text yields limits under non-blank names, and every line it
// cannot read is reported rather than dropped silently.
func FuzzParseLimitLines(f *testing.F) {
	for _, s := range []string{"Benelux: 2", "a:1\nb:x\n", ":", "\n\r", "Nordics: -3\nUS West : 10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		limits, bad := parseLimitLines(s)
		for name := range limits {
			if strings.TrimSpace(name) == "" || name != strings.TrimSpace(name) {
				t.Fatalf("limit under name %q", name)
			}
		}
		lines := 0
		for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if len(bad) > lines {
			t.Fatalf("%d bad lines out of %d", len(bad), lines)
		}
	})
}
