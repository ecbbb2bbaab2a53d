package conflict

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestDefaultPolicyIsValidAndListsEveryRuleOnce(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	var keys []RuleKey
	for _, r := range p.Rules {
		keys = append(keys, r.Key)
	}
	if !slices.Equal(keys, AllRules()) {
		t.Errorf("default rules = %v, want %v", keys, AllRules())
	}
	if slices.Contains(p.Enabled(), RuleTierPriority) {
		t.Error("tier priority should be off by default (first come, first served is on)")
	}
	if p.DirectOwnership != DirectManual || p.PossibleMatches != PossibleEvaluate {
		t.Errorf("default modes = %q, %q", p.DirectOwnership, p.PossibleMatches)
	}
}

func TestRuleLabelsAreDistinctAndHuman(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range AllRules() {
		l := k.Label()
		if l == string(k) || seen[l] {
			t.Errorf("rule %q has label %q", k, l)
		}
		seen[l] = true
	}
	if RuleKey("nope").Label() != "nope" {
		t.Error("unknown keys should label as themselves")
	}
}

func TestPolicyValidateReportsEveryProblemWithItsPath(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(p *Policy)
		paths []string
	}{
		{"valid default", func(p *Policy) {}, nil},
		{"no rules at all is allowed", func(p *Policy) { p.Rules = nil }, nil},
		{"empty key", func(p *Policy) { p.Rules[1].Key = "" }, []string{"rules[1].key"}},
		{"unknown key", func(p *Policy) { p.Rules[0].Key = "loudest_wins" }, []string{"rules[0].key"}},
		{"duplicate key", func(p *Policy) { p.Rules[3].Key = RuleNamedAccount }, []string{"rules[3].key"}},
		{"duplicate disabled key still counts", func(p *Policy) {
			p.Rules = append(p.Rules, RuleSetting{Key: RuleFirstCome})
		}, []string{"rules[8].key"}},
		{"missing direct mode", func(p *Policy) { p.DirectOwnership = "" }, []string{"direct_ownership"}},
		{"unknown direct mode", func(p *Policy) { p.DirectOwnership = "coin_flip" }, []string{"direct_ownership"}},
		{"missing possible mode", func(p *Policy) { p.PossibleMatches = "" }, []string{"possible_matches"}},
		{"unknown possible mode", func(p *Policy) { p.PossibleMatches = "maybe" }, []string{"possible_matches"}},
		{"empty certification", func(p *Policy) { p.Certifications = []string{"a", " "} }, []string{"certifications[1]"}},
		{"padded certification", func(p *Policy) { p.Certifications = []string{" a"} }, []string{"certifications[0]"}},
		{"duplicate certification", func(p *Policy) { p.Certifications = []string{"a", "b", "a"} }, []string{"certifications[2]"}},
		{"too many certifications", func(p *Policy) {
			for i := range maxCertifications + 1 {
				p.Certifications = append(p.Certifications, strings.Repeat("x", i+1))
			}
		}, []string{"certifications"}},
		{"several problems at once", func(p *Policy) {
			p.Rules[0].Key = "x"
			p.DirectOwnership = "y"
			p.PossibleMatches = "z"
		}, []string{"rules[0].key", "direct_ownership", "possible_matches"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.edit(&p)
			err := p.Validate()
			if tt.paths == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind = %q (%v), want invalid", tandem.KindOf(err), err)
			}
			var got []string
			for _, f := range tandem.FieldsOf(err) {
				got = append(got, f.Path)
				if f.Detail == "" {
					t.Errorf("%s has no detail", f.Path)
				}
			}
			if !slices.Equal(got, tt.paths) {
				t.Errorf("paths = %v, want %v", got, tt.paths)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
		check   func(t *testing.T, p Policy)
	}{
		{name: "empty object keeps defaults", in: `{}`, check: func(t *testing.T, p Policy) {
			if !slices.Equal(p.Enabled(), DefaultPolicy().Enabled()) {
				t.Errorf("enabled = %v", p.Enabled())
			}
		}},
		{name: "rules replace the default list", in: `{"rules":[{"key":"tier_priority","enabled":true},{"key":"first_come_first_served","enabled":false}],"direct_ownership":"direct_wins"}`,
			check: func(t *testing.T, p Policy) {
				if !slices.Equal(p.Enabled(), []RuleKey{RuleTierPriority}) || p.DirectOwnership != DirectWins {
					t.Errorf("got %+v", p)
				}
			}},
		{name: "certifications", in: `{"certifications":["resale_pro"]}`, check: func(t *testing.T, p Policy) {
			if !slices.Equal(p.Certifications, []string{"resale_pro"}) {
				t.Errorf("got %v", p.Certifications)
			}
		}},
		{name: "unknown field", in: `{"rulez":[]}`, wantErr: true},
		{name: "unknown rule", in: `{"rules":[{"key":"shouting","enabled":true}]}`, wantErr: true},
		{name: "wrong type", in: `{"rules":"all"}`, wantErr: true},
		{name: "trailing data", in: `{} {}`, wantErr: true},
		{name: "not json", in: `rules: all`, wantErr: true},
		{name: "empty input", in: ``, wantErr: true},
		{name: "too large", in: `{"certifications":["` + strings.Repeat("a", maxPolicyBytes) + `"]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tt.in))
			if tt.wantErr {
				if tandem.KindOf(err) != tandem.KindInvalid {
					t.Fatalf("want invalid error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}
