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
	f := Facts(o, true)
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
