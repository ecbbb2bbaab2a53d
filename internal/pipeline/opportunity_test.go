package pipeline

import (
	"slices"
	"testing"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestFactsReadTheOpportunity(t *testing.T) {
	o := Opportunity{AmountMinor: 100, CloseOn: "2026-12-31", NextStep: "  ", OwnerUserID: "usr_1",
		Details:     map[string]string{"champion": "Ana", "use_case": " "},
		Attribution: []attribution.Entry{{PartnerID: "p", Kind: attribution.Influenced}}}
	f := Facts(o, true, false)
	for key, want := range map[string]bool{"amount": true, "currency": false, "close_date": true, "next_step": false, "owner": true,
		"champion": true, "use_case": false, "discount": false} {
		if f.Fields[key] != want {
			t.Errorf("field %s: %v, want %v", key, f.Fields[key], want)
		}
	}
	if f.Sourced || !f.Influenced || !f.RegistrationApproved {
		t.Errorf("facts: %+v", f)
	}
}

func TestStatusAt(t *testing.T) {
	m, _ := stage.Default(tandem.MotionResale)
	for key, want := range map[string]Status{"registered": Open, "transacting": Open, "launched": Won, stage.Lost: Lost} {
		if got := StatusAt(m, key); got != want {
			t.Errorf("%s: %s, want %s", key, got, want)
		}
	}
}

func TestDetailFieldsAreTheBuiltinsBeyondTheColumns(t *testing.T) {
	d := DetailFields()
	if slices.Contains(d, "amount") || slices.Contains(d, "owner") || !slices.Contains(d, "champion") || !slices.Contains(d, "loss_reason") {
		t.Errorf("detail fields: %v", d)
	}
	if len(d)+len(coreFields) != len(stage.BuiltinFields()) {
		t.Errorf("%d detail + %d core fields, %d built-in", len(d), len(coreFields), len(stage.BuiltinFields()))
	}
}

func TestPartnersIncludesTheSourcingPartnerOnce(t *testing.T) {
	o := Opportunity{PartnerID: "a", Attribution: []attribution.Entry{{PartnerID: "a"}, {PartnerID: "b"}}}
	if got := o.Partners(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("partners: %v", got)
	}
}

func TestDiscountMet(t *testing.T) {
	written := map[string]string{"discount": "12% on year one"}
	tests := []struct {
		name    string
		details map[string]string
		status  DiscountStatus
		bands   bool
		want    bool
	}{
		{"no bands, nothing written", nil, DiscountNone, false, false},
		{"no bands, discount written down", written, DiscountNone, false, true},
		{"no bands, asked and pending", written, DiscountPending, false, false},
		{"no bands, asked and within", nil, DiscountWithin, false, true},
		{"bands, discount only written down", written, DiscountNone, true, false},
		{"bands, within the band", nil, DiscountWithin, true, true},
		{"bands, approved as an exception", written, DiscountApproved, true, true},
		{"bands, waiting for approval", written, DiscountPending, true, false},
		{"bands, declined", written, DiscountDeclined, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Opportunity{Details: tt.details, Pricing: Pricing{Status: tt.status}}
			if got := DiscountMet(o, tt.bands); got != tt.want {
				t.Errorf("DiscountMet = %v, want %v", got, tt.want)
			}
			if got := Facts(o, false, tt.bands).Fields["discount"]; got != tt.want {
				t.Errorf("Facts discount = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGuardDiscountSaysAGrantedDiscountIsNeeded(t *testing.T) {
	m, _ := stage.Default(tandem.MotionResale)
	m.LostCriteria = append(m.LostCriteria, stage.Criterion{Kind: stage.KindField, Key: "discount", Label: "Our own words"})
	g := GuardDiscount(m)
	quoted := g.Stages[g.Index("quoted")]
	i := slices.IndexFunc(quoted.Exit, func(c stage.Criterion) bool { return c.Key == "discount" })
	if i < 0 || quoted.Exit[i].Text() != guardedDiscount {
		t.Fatalf("guarded quoted stage: %+v", quoted.Exit)
	}
	if g.LostCriteria[1].Label != "Our own words" {
		t.Errorf("a criterion's own label was replaced: %+v", g.LostCriteria)
	}
	if orig := m.Stages[m.Index("quoted")].Exit[i]; orig.Label != "" {
		t.Errorf("the model passed in was changed: %+v", orig)
	}
}
