package registration

import (
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestChainIsTheFirstThatFits(t *testing.T) {
	s := Settings{ApprovalChains: []ApprovalChain{
		{Motions: []tandem.Motion{tandem.MotionResale}, From: 50000, Steps: []Approver{ApproverReviewer, ApproverPartnerManager, ApproverAdmin}},
		{From: 100000, Steps: []Approver{ApproverReviewer, ApproverAdmin}},
	}}
	tests := []struct {
		name   string
		motion tandem.Motion
		amount int64 // whole units
		steps  int
	}{
		{"small resale deal", tandem.MotionResale, 10000, 1},
		{"resale from its threshold", tandem.MotionResale, 50000, 3},
		{"large resale deal takes the first line", tandem.MotionResale, 200000, 3},
		{"referral below the general threshold", tandem.MotionReferral, 60000, 1},
		{"referral at the general threshold", tandem.MotionReferral, 100000, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Chain(Registration{Motion: tt.motion, AmountMinor: tt.amount * 100}); len(got) != tt.steps {
				t.Fatalf("%d steps, want %d", len(got), tt.steps)
			}
		})
	}
}

func TestMayApproveWalksTheChainInOrder(t *testing.T) {
	chain := []Approver{ApproverReviewer, ApproverPartnerManager, ApproverAdmin}
	ada := Approving{UserID: "ada", Role: tandem.RoleAdmin, PartnerOwnerID: "paul", OwnerReviews: true}
	paul := Approving{UserID: "paul", Role: tandem.RolePartnerManager, PartnerOwnerID: "paul", OwnerReviews: true}
	pia := Approving{UserID: "pia", Role: tandem.RolePartnerManager, PartnerOwnerID: "paul", OwnerReviews: true}
	given := func(ids ...string) []StepApproval {
		var out []StepApproval
		for i, id := range ids {
			out = append(out, StepApproval{Step: i, UserID: id, Name: id})
		}
		return out
	}
	tests := []struct {
		name string
		done []StepApproval
		who  Approving
		kind tandem.Kind // "" when allowed
	}{
		{"anyone reviews first", nil, pia, ""},
		{"the partner's manager second", given("pia"), paul, ""},
		{"another partner manager may not give the manager's step", given("pia"), Approving{UserID: "max", Role: tandem.RolePartnerManager, PartnerOwnerID: "paul", OwnerReviews: true}, tandem.KindForbidden},
		{"an admin may not stand in for the manager", given("pia"), ada, tandem.KindForbidden},
		{"no manager who reviews: any reviewer", given("pia"), Approving{UserID: "max", Role: tandem.RolePartnerManager}, ""},
		{"the admin last", given("pia", "paul"), ada, ""},
		{"a partner manager may not give the admin's step", given("ada", "paul"), pia, tandem.KindForbidden},
		{"nobody gives two steps", given("paul", "pia"), Approving{UserID: "paul", Role: tandem.RoleAdmin}, tandem.KindConflict},
		{"a complete chain", given("pia", "paul", "ada"), ada, tandem.KindConflict},
		{"a chain needs named people", nil, Approving{Role: tandem.RoleAdmin}, tandem.KindForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MayApprove(chain, tt.done, tt.who)
			if tandem.KindOf(err) != tt.kind {
				t.Fatalf("got %v (%q), want kind %q", err, tandem.KindOf(err), tt.kind)
			}
		})
	}
	// A single approval needs no name (automatic approvals, API tokens).
	if err := MayApprove(singleStep, nil, Approving{Role: tandem.RoleAdmin}); err != nil {
		t.Fatalf("a single step by a token: %v", err)
	}
}

func TestOldTwoStepSettingsBecomeAChain(t *testing.T) {
	tests := []struct {
		from   int64
		second string
		want   []Approver
	}{
		{0, "", nil},
		{100000, "", []Approver{ApproverReviewer, ApproverReviewer}},
		{100000, AdminSignOff, []Approver{ApproverReviewer, ApproverAdmin}},
	}
	for _, tt := range tests {
		s := Settings{TwoStepFrom: tt.from, SecondApprover: tt.second}
		s.migrateTwoStep()
		if s.TwoStepFrom != 0 || s.SecondApprover != "" {
			t.Fatalf("old fields kept: %+v", s)
		}
		if tt.want == nil {
			if len(s.ApprovalChains) != 0 {
				t.Fatalf("a chain from nothing: %+v", s.ApprovalChains)
			}
			continue
		}
		if len(s.ApprovalChains) != 1 || s.ApprovalChains[0].From != tt.from || len(s.ApprovalChains[0].Steps) != 2 || s.ApprovalChains[0].Steps[1] != tt.want[1] {
			t.Fatalf("from %d/%q: %+v", tt.from, tt.second, s.ApprovalChains)
		}
	}
	// Without the old field, chains stay; with it (an older client), it replaces them.
	s := Settings{ApprovalChains: []ApprovalChain{{Steps: []Approver{ApproverAdmin}}}}
	s.migrateTwoStep()
	if len(s.ApprovalChains) != 1 || s.ApprovalChains[0].Steps[0] != ApproverAdmin {
		t.Fatalf("chains changed: %+v", s.ApprovalChains)
	}
	s.TwoStepFrom = 5
	s.migrateTwoStep()
	if len(s.ApprovalChains) != 1 || s.ApprovalChains[0].From != 5 || len(s.ApprovalChains[0].Steps) != 2 {
		t.Fatalf("an old client's two_step_from: %+v", s.ApprovalChains)
	}
}

func TestChainsAreValidated(t *testing.T) {
	s := DefaultSettings()
	s.ApprovalChains = []ApprovalChain{{From: -1, Steps: []Approver{"director"}, Motions: []tandem.Motion{"barter"}}, {}}
	paths := map[string]bool{}
	for _, f := range tandem.FieldsOf(s.Validate()) {
		paths[f.Path] = true
	}
	for _, p := range []string{"approval_chains[0].from", "approval_chains[0].steps[0]", "approval_chains[0].motions", "approval_chains[1].steps"} {
		if !paths[p] {
			t.Errorf("no problem at %s (got %v)", p, paths)
		}
	}
}
