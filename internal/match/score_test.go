package match

import (
	"strings"
	"testing"
	"time"
)

// TestReasons pins down that reasons say what actually happened.
func TestReasons(t *testing.T) {
	cases := []struct {
		a, b   Record
		want   Decision
		reason string
	}{
		{Record{Name: "Siemens AG"}, Record{Name: "Siemens Aktiengesellschaft"}, Match, "equal after removing legal form"},
		{Record{Name: "Siemens AG"}, Record{Name: "Siemens Aktiengesellschaft"}, Match, "same legal form written differently"},
		{Record{Name: "CRISTALORD LIMITED"}, Record{Name: "CRYSTALORD LTD"}, Match, "one typo in a 10-letter word"},
		{Record{Name: "IBM"}, Record{Name: "International Business Machines"}, Match, `"ibm" is the acronym of "international business machines"`},
		{Record{Name: "Goodwill Company"}, Record{Name: "Good Will Company"}, Match, "same name apart from spacing"},
		{Record{Name: "Vanderbilt Holdings Ltd"}, Record{Name: "Van der Bilt Holdings Limited"}, Match, "same letters, different spacing (vanderbilt, van der bilt)"},
		{Record{Name: "Acme", Domain: "acme.com"}, Record{Name: "Acme Corp", Email: "x@acme.com"}, Match, "same registrable domain acme.com"},
		{Record{Name: "Holdings Acme"}, Record{Name: "Acme Holdings"}, Match, "same words in a different order"},
		{Record{Name: "First National Bank of Omaha"}, Record{Name: "First National Bank of Chicago"}, None, "different places (omaha, chicago)"},
		{Record{Name: "Deutsche Bank AG"}, Record{Name: "Deutsche Bank GmbH"}, Possible, "different legal forms (ag, gmbh)"},
		{Record{Name: "Apex Fund II LP"}, Record{Name: "Apex Fund III LP"}, Possible, "different numbers (ii, iii)"},
		{Record{Name: "Deutsche Bank Trust Company"}, Record{Name: "Deutsche Bank"}, Possible, `"trust" in only one name`},
		{Record{Name: "Banco Santander Chile S.A."}, Record{Name: "Banco Santander S.A."}, Possible, `"chile" in only one name`},
		{Record{Name: "Acme Ltd", Domain: "gmail.com"}, Record{Name: "Beta Ltd", Email: "b@gmail.com"}, None, ""},
		{Record{Name: "Acme Ltd", Country: "US"}, Record{Name: "Acme Ltd", Country: "Germany"}, Possible, "different countries (US, DE)"},
		{Record{Name: "Acme 1st Intl"}, Record{Name: "Acme First International"}, Match, `"intl" = "international"`},
		{Record{Name: "Oscorp Ind."}, Record{Name: "Oscorp Industries"}, Match, `"ind." abbreviates "industries"`},
		{Record{Name: "Cyberdyne Systems Corp., Sunnyvale, CA"}, Record{Name: "Cyberdyne Systems Corporation"}, Match, `"sunnyvale" read as a location`},
	}
	cfg := DefaultConfig()
	for _, c := range cases {
		r := Compare(c.a, c.b, cfg)
		if r.Decision != c.want {
			t.Errorf("%q vs %q: decision %v (%.3f), want %v; reasons %v", c.a.Name, c.b.Name, r.Decision, r.Score, c.want, r.Reasons)
			continue
		}
		if c.reason == "" {
			continue
		}
		found := false
		for _, s := range r.Reasons {
			if strings.Contains(s, c.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q vs %q: reasons %q lack %q", c.a.Name, c.b.Name, r.Reasons, c.reason)
		}
	}
}

// TestCompareSymmetric checks that the order of the two records does not change the
// score (beyond rounding) on the development-style cases.
func TestCompareSymmetric(t *testing.T) {
	for _, oc := range loadOwnCases(t) {
		ab := Compare(oc.a, oc.b, DefaultConfig()).Score
		ba := Compare(oc.b, oc.a, DefaultConfig()).Score
		if d := ab - ba; d > 0.011 || d < -0.011 {
			t.Errorf("line %d: %q/%q scores %.3f one way and %.3f the other", oc.line, oc.a.Name, oc.b.Name, ab, ba)
		}
	}
}

func TestScoreBounds(t *testing.T) {
	names := []string{"", "Acme", "ACME Inc", "Acme Inc Acme Inc Acme Inc", strings.Repeat("a", 10000), strings.Repeat("!?", 5000), strings.Repeat("Acme Holdings ", 800)}
	for _, a := range names {
		for _, b := range names {
			r := Compare(Record{Name: a}, Record{Name: b}, DefaultConfig())
			if r.Score < 0 || r.Score > 1 {
				t.Fatalf("score %v out of [0,1]", r.Score)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{0, 0.5}, {0.9, 0}, {0.5, 0.9}, {1.5, 0.5}} {
		if c.Validate() == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
	c := Config{MatchThreshold: 0.9, PossibleThreshold: 0.5}
	if c.Decide(0.95) != Match || c.Decide(0.9) != Match || c.Decide(0.6) != Possible || c.Decide(0.49) != None {
		t.Error("Decide does not follow the thresholds")
	}
}

// TestLongAndPunctuationNamesAreFast guards against pathological input: a 10,000-letter
// name, a name of 10,000 punctuation marks and a name of thousands of words must each be
// prepared and compared in well under a tenth of a second.
func TestLongAndPunctuationNamesAreFast(t *testing.T) {
	names := []string{
		strings.Repeat("a", 10000),
		strings.Repeat(".,-&/()'", 1250),
		strings.Repeat("Acme Holdings Limited ", 500),
		strings.Repeat("A.", 5000),
		strings.Repeat("ß", 10000),
	}
	for _, n := range names {
		start := time.Now()
		p := Prepare(Record{Name: n, Domain: n, Email: n})
		ComparePrepared(p, Prepare(Record{Name: n[:len(n)/2]}), DefaultConfig())
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("%d-byte name starting %q took %v", len(n), n[:10], d)
		}
	}
}
