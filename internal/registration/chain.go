package registration

import (
	"fmt"
	"slices"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Approver says who may give one step of an approval chain.
type Approver string

// The approvers a step may ask for.
const (
	// ApproverReviewer is any reviewer (an admin or a partner manager).
	ApproverReviewer Approver = "reviewer"
	// ApproverPartnerManager is the partner's own manager (its owner). A partner
	// without one, or whose owner does not review registrations, falls back to any
	// reviewer, so a chain never waits on nobody.
	ApproverPartnerManager Approver = "partner_manager"
	// ApproverAdmin is any admin.
	ApproverAdmin Approver = "admin"
)

// Label is the approver as reviewers read it.
func (a Approver) Label() string {
	switch a {
	case ApproverReviewer:
		return "any reviewer"
	case ApproverPartnerManager:
		return "the partner's manager"
	case ApproverAdmin:
		return "an admin"
	}
	return string(a)
}

// ApprovalChain is an ordered list of approvals a registration needs before it is
// approved (SPEC E6 multi-step approvers). It applies to registrations of its motions
// (empty: every motion) whose deal size is at least From (whole units; 0: any size).
type ApprovalChain struct {
	Motions []tandem.Motion `json:"motions,omitempty"`
	From    int64           `json:"from"`
	Steps   []Approver      `json:"steps"`
}

// Limits on approval chains.
const (
	maxChains = 20
	maxSteps  = 10
)

// StepApproval records who approved one step of a registration's chain, and when.
type StepApproval struct {
	Step      int       `json:"step"` // 0-based index into the chain's steps
	Approver  Approver  `json:"approver"`
	UserID    string    `json:"user_id"`
	Name      string    `json:"name"`
	At        time.Time `json:"at"`
	Rationale string    `json:"rationale,omitempty"`
}

// singleStep is the chain of a registration no configured chain covers: one approval
// by any reviewer.
var singleStep = []Approver{ApproverReviewer}

// Chain returns the steps r needs: those of the first of s.ApprovalChains that
// applies to r's motion and deal size, or a single reviewer's approval.
func (s Settings) Chain(r Registration) []Approver {
	for _, c := range s.ApprovalChains {
		if (len(c.Motions) == 0 || slices.Contains(c.Motions, r.Motion)) && r.AmountMinor >= c.From*100 {
			return c.Steps
		}
	}
	return singleStep
}

// migrateTwoStep gives settings in the shape used before approval chains
// (two_step_from with an optional second_approver "admin") their meaning as a chain,
// and clears the old fields: from that deal size, any reviewer and then another
// reviewer (or an admin). A two_step_from sent by an older client replaces the
// chains; without it, chains stay as they are.
func (s *Settings) migrateTwoStep() {
	if s.TwoStepFrom > 0 {
		second := ApproverReviewer
		if s.SecondApprover == AdminSignOff {
			second = ApproverAdmin
		}
		s.ApprovalChains = []ApprovalChain{{From: s.TwoStepFrom, Steps: []Approver{ApproverReviewer, second}}}
	}
	s.TwoStepFrom, s.SecondApprover = 0, ""
}

// chainProblems reports every invalid chain, with paths such as
// "approval_chains[1].steps[0]".
func (s Settings) chainProblems() tandem.Problems {
	var p tandem.Problems
	if len(s.ApprovalChains) > maxChains {
		p.Add("approval_chains", "may hold at most %d chains", maxChains)
	}
	for i, c := range s.ApprovalChains {
		at := fmt.Sprintf("approval_chains[%d]", i)
		if c.From < 0 || c.From > 1e13 {
			p.Add(at+".from", "must be 0 (any deal size) or a deal size")
		}
		for _, m := range c.Motions {
			if _, err := tandem.ParseMotion(string(m)); err != nil {
				p.Add(at+".motions", "%s", tandem.MessageOf(err))
			}
		}
		if len(c.Steps) == 0 || len(c.Steps) > maxSteps {
			p.Add(at+".steps", "must list 1 to %d approvers", maxSteps)
		}
		for j, a := range c.Steps {
			switch a {
			case ApproverReviewer, ApproverPartnerManager, ApproverAdmin:
			default:
				p.Add(fmt.Sprintf("%s.steps[%d]", at, j), "unknown approver %q: use reviewer, partner_manager or admin", a)
			}
		}
	}
	return p
}

// Approving is who wants to give the next approval of a registration.
type Approving struct {
	UserID string
	Role   tandem.Role
	// OwnerReviews says whether the partner has a manager (owner) who reviews
	// registrations; PartnerOwnerID is that manager.
	PartnerOwnerID string
	OwnerReviews   bool
}

// MayApprove decides whether a may give step next of chain, after the approvals
// given so far: nil when a may, otherwise an error whose sentence the reviewer reads.
// A complete chain or a second approval by the same person is a KindConflict; a chain
// of several steps approved by no named person, or a step whose approver a does not
// fit, is KindForbidden.
func MayApprove(chain []Approver, done []StepApproval, a Approving) error {
	next := len(done)
	if next >= len(chain) {
		return tandem.Errorf(tandem.KindConflict, "Every approval this registration needs has been given.")
	}
	if len(chain) > 1 && a.UserID == "" {
		return tandem.Errorf(tandem.KindForbidden, "This registration needs %d approvals from named people; approve it signed in as a reviewer.", len(chain))
	}
	for _, d := range done {
		if d.UserID == a.UserID {
			return tandem.Errorf(tandem.KindConflict, "%s gave approval %d of %d already; each approval must come from a different reviewer.", d.Name, d.Step+1, len(chain))
		}
	}
	switch chain[next] {
	case ApproverAdmin:
		if a.Role != tandem.RoleAdmin {
			return tandem.Errorf(tandem.KindForbidden, "Approval %d of %d must come from an admin.", next+1, len(chain))
		}
	case ApproverPartnerManager:
		if a.OwnerReviews && a.UserID != a.PartnerOwnerID {
			return tandem.Errorf(tandem.KindForbidden, "Approval %d of %d must come from the partner's manager.", next+1, len(chain))
		}
	}
	return nil
}

// Waiting describes the step a registration waits on, for the queue: "Approval 2 of 3:
// an admin", or "" when its chain has one step or none is waiting.
func Waiting(chain []Approver, done []StepApproval) string {
	if len(chain) < 2 || len(done) >= len(chain) {
		return ""
	}
	return fmt.Sprintf("Approval %d of %d: %s", len(done)+1, len(chain), chain[len(done)].Label())
}

// StepView is one step of a registration's chain as reviewers see it: who may give
// it and, once given, who did and when.
type StepView struct {
	Step     int
	Approver Approver
	Given    *StepApproval
}

// Steps returns r's chain under s with the approvals given so far. Approvals given
// under a chain since changed are shown as recorded.
func (s Settings) Steps(r Registration) []StepView {
	chain := s.Chain(r)
	n := max(len(chain), len(r.Approvals))
	out := make([]StepView, n)
	for i := range out {
		out[i].Step = i
		if i < len(chain) {
			out[i].Approver = chain[i]
		}
		if i < len(r.Approvals) {
			a := r.Approvals[i]
			out[i].Given, out[i].Approver = &a, a.Approver
		}
	}
	return out
}

// WaitingOn describes the step an open registration waits on ("Approval 2 of 3: an
// admin"), or "" when it needs a single approval or is not waiting for one.
func (s Settings) WaitingOn(r Registration) string {
	if !r.Status.Open() {
		return ""
	}
	return Waiting(s.Chain(r), r.Approvals)
}
