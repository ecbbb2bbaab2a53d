package fitscore

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestDefaultConfigIsValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, cr := range c.Criteria {
		total += cr.Weight
	}
	if total != 100 {
		t.Errorf("default weights add up to %d, want 100", total)
	}
	if len(c.Criteria) != len(Kinds) {
		t.Errorf("default has %d criteria, want all %d", len(c.Criteria), len(Kinds))
	}
}

func TestValidateReportsFieldPaths(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // "path: detail prefix"
	}{
		{"negative weight", Config{Missing: MissingExclude, Criteria: []Criterion{
			{Kind: Reach, Full: 10}, {Kind: Industries, Targets: []string{"a"}}, {Kind: Geography, Weight: -1, Targets: []string{"EMEA"}},
		}}, []string{"criteria[2].weight: must be 0 or more"}},
		{"weight too large", Config{Missing: MissingZero, Criteria: []Criterion{{Kind: Reach, Full: 1, Weight: MaxWeight + 1}}},
			[]string{"criteria[0].weight: must be at most 1000"}},
		{"unknown missing policy", Config{Missing: "ignore"}, []string{`missing: must be "exclude" or "zero"`}},
		{"unknown kind", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: "vibes"}}},
			[]string{`criteria[0].kind: unknown criterion "vibes"`}},
		{"duplicate kind", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Reach, Full: 5}, {Kind: Reach, Full: 5}}},
			[]string{"criteria[1].kind: reach already appears as criteria[0]"}},
		{"enabled list without targets", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: TechStack}}},
			[]string{"criteria[0].targets: needs at least one entry"}},
		{"blank and repeated targets", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Industries, Targets: []string{"Finance", "  ", "finance "}}}},
			[]string{"criteria[0].targets[1]: must not be blank", "criteria[0].targets[2]: repeats targets[0]"}},
		{"full above targets", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Geography, Targets: []string{"EMEA"}, Full: 2}}},
			[]string{"criteria[0].full: must be between 0 (all targets) and 1"}},
		{"fields of another kind", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Geography, Targets: []string{"EMEA"}, MinDeal: 5, Basis: BasisSellers, Scale: ScaleLog}}},
			[]string{"criteria[0].min_deal: does not apply to geography", "criteria[0].basis: does not apply to geography", "criteria[0].scale: does not apply to geography"}},
		{"targets on reach", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Reach, Full: 3, Targets: []string{"x"}}}},
			[]string{"criteria[0].targets: does not apply to reach"}},
		{"deal band inverted", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: DealSize, MinDeal: 100, MaxDeal: 50}}},
			[]string{"criteria[0].max_deal: must be 0 (no upper bound) or at least min_deal (100)"}},
		{"deal band empty", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: DealSize}}},
			[]string{"criteria[0].min_deal: set min_deal, max_deal or both"}},
		{"negative deal", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: DealSize, MinDeal: -1, MaxDeal: 10}}},
			[]string{"criteria[0].min_deal: must be between 0 and"}},
		{"reach without full", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Reach}}},
			[]string{"criteria[0].full: must be between 1 and"}},
		{"wrong basis", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Reach, Full: 1, Basis: BasisShare}, {Kind: CustomerOverlap, Basis: BasisSellers}}},
			[]string{`criteria[0].basis: must be "customers" or "sellers"`, `criteria[1].basis: must be "share" or "accounts"`}},
		{"share basis takes no full or scale", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: CustomerOverlap, Full: 3, Scale: ScaleLog}}},
			[]string{"criteria[0].scale: does not apply", "criteria[0].full: does not apply"}},
		{"accounts basis needs full", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: CustomerOverlap, Basis: BasisAccounts, Scale: "cubic"}}},
			[]string{`criteria[0].scale: must be "linear" or "log"`, "criteria[0].full: must be between 1 and"}},
		{"too many targets", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Industries, Targets: make([]string, MaxTargets+1)}}},
			[]string{"criteria[0].targets: must list at most 200"}},
		{"target too long", Config{Missing: MissingExclude, Criteria: []Criterion{{Kind: Industries, Targets: []string{strings.Repeat("x", MaxTargetLen+1)}}}},
			[]string{"criteria[0].targets[0]: must be at most 100 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			var got []string
			for _, f := range tandem.FieldsOf(err) {
				got = append(got, f.Path+": "+f.Detail)
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || strings.HasPrefix(g, w)
				}
				if !found {
					t.Errorf("missing %q in %q", w, got)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d problems %q, want %d", len(got), got, len(tt.want))
			}
		})
	}
}

func TestValidateAcceptsDisabledCriteriaWithoutSettings(t *testing.T) {
	c := Config{Missing: MissingZero, Criteria: []Criterion{
		{Kind: Industries, Disabled: true},
		{Kind: DealSize, Disabled: true},
		{Kind: Reach, Weight: 0, Full: 1},
	}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Config{Missing: MissingExclude}).Validate(); err != nil {
		t.Fatalf("no criteria at all should be valid: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	t.Run("empty document keeps the defaults", func(t *testing.T) {
		c, err := ParseConfig([]byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		d := DefaultConfig()
		if c.Missing != d.Missing || len(c.Criteria) != len(d.Criteria) {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("an empty list switches every criterion off", func(t *testing.T) {
		c, err := ParseConfig([]byte(`{"criteria":[],"missing":"zero"}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Criteria) != 0 || c.Missing != MissingZero {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("full document", func(t *testing.T) {
		c, err := ParseConfig([]byte(`{"criteria":[
			{"kind":"industries","weight":30,"targets":["Finance","Health"],"full":1},
			{"kind":"deal_size","weight":10,"min_deal":20000,"max_deal":150000},
			{"kind":"reach","weight":5,"basis":"sellers","full":50,"scale":"log","disabled":true}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Criteria) != 3 || c.Criteria[0].Full != 1 || c.Criteria[1].MaxDeal != 150000 || !c.Criteria[2].Disabled || c.Missing != MissingExclude {
			t.Fatalf("got %+v", c)
		}
	})
	for name, doc := range map[string]string{
		"unknown field":   `{"criteria":[{"kind":"reach","full":1,"wieght":3}]}`,
		"trailing data":   `{} {}`,
		"not json":        `criteria: []`,
		"fractional":      `{"criteria":[{"kind":"reach","full":1,"weight":2.5}]}`,
		"invalid value":   `{"criteria":[{"kind":"reach","full":1,"weight":-3}]}`,
		"too large":       `{"missing":"exclude"` + strings.Repeat(" ", maxConfigBytes) + `}`,
		"wrong type":      `{"criteria":{"kind":"reach"}}`,
		"missing is null": `{"missing":null,"criteria":[{"kind":"reach"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseConfig([]byte(doc))
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
		})
	}
}
