package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Account is a customer or prospect as the pipeline keeps it: the account itself,
// who owns it and a version that guards concurrent edits.
type Account struct {
	account.Account
	OwnerUserID        string // the direct-sales owner, if any
	IncumbentPartnerID string // the partner of record on the customer, if any (G6)
	Version            int
}

// AccountFilter narrows a list of accounts. Zero values do not filter.
type AccountFilter struct {
	Query       string // name or domain contains, case-insensitive
	OwnerUserID string
	Country     string
	Industry    string
}

// Contact is a person at an account, with a version that guards concurrent edits.
// Contacts of partner organisations belong to the partner records, not here.
type Contact struct {
	account.Contact
	UpdatedAt time.Time
	Version   int
}

// ContactFilter narrows a list of contacts. Zero values do not filter.
type ContactFilter struct {
	AccountID string
	Query     string // name or email contains, case-insensitive
}

// Filter narrows a list of opportunities. Zero values do not filter.
type Filter struct {
	Motion      tandem.Motion
	Stage       string
	Status      Status
	PartnerID   string // attributed on the opportunity (sourcing or influencing)
	OwnerUserID string
	AccountID   string
	Query       string // name contains, case-insensitive
	// CloseFrom and CloseTo bound the close date (YYYY-MM-DD, both days included);
	// either may be empty. An opportunity without a close date matches neither.
	CloseFrom, CloseTo string
	// Attention is AttentionStale or AttentionFollowUp; the service turns it into
	// InactiveBefore (open and quiet since before it) or FollowUpDueBy (a follow-up
	// owed that was due by it), which the store applies.
	Attention      string
	InactiveBefore time.Time
	FollowUpDueBy  time.Time
}

// StageChange is one move of an opportunity between stages, kept for velocity and
// leakage metrics. From is empty for the stage an opportunity was created in.
type StageChange struct {
	WorkspaceID   string
	ID            string
	OpportunityID string
	From, To      string
	At            time.Time
	ActorID       string
	ActorName     string
}

// Write is one change to an opportunity, saved in one transaction: the row itself
// (inserted when Expected is 0, else updated only while the stored version is still
// Expected, then to Expected+1), its attribution when not nil (replacing every
// recorded entry), a stage change when not nil, and the audit entries.
type Write struct {
	Opportunity Opportunity
	Expected    int
	Attribution *[]attribution.Entry
	Stage       *StageChange
	Audit       []audit.Entry
	// Effects are what the change tells people (notifications, emails), saved with it.
	Effects Effects
	// SetRenewal saves Opportunity.Renewal (the renewal timer and its confirmation)
	// and schedules a RenewalArgs job for a non-zero WakeAt.
	SetRenewal bool
	// IncumbentPartnerID, when set, becomes the account's incumbent partner.
	IncumbentPartnerID string
	// Account, when not nil, is a new account the opportunity is on, inserted first.
	Account *Account
	// ModelVersion, when not nil, is the version of the motion's stored stage model
	// (0: none stored) by which the opportunity's stage was judged; the write fails
	// with a conflict when the model changed before it commits.
	ModelVersion *int
}

// ErrStageModelChanged is the cause of a KindConflict error returned when the stage
// model an opportunity's stage was judged by was replaced before the change committed.
var ErrStageModelChanged = errors.New("the stage model changed while the change was checked")

// StaleError is the cause of a KindConflict error returned when a record changed
// after the caller read it: Current is the record as it is now (an Account, Contact
// or Opportunity), so the caller can show it and apply the change again.
type StaleError struct {
	Current any
}

func (e *StaleError) Error() string { return "the record changed since it was read" }

// stale returns the conflict error for a record the caller read at an older version.
func stale(noun string, current any, version int) error {
	return &tandem.Error{Kind: tandem.KindConflict,
		Message: fmt.Sprintf("Someone else changed this %s a moment ago (it is now at version %d). Its current state is included; apply your change to it and try again.", noun, version),
		Err:     &StaleError{Current: current}}
}

// CurrentOf returns the current state carried by a conflict error from this package,
// and false when err carries none.
func CurrentOf(err error) (any, bool) {
	var e *StaleError
	if tandem.KindOf(err) == tandem.KindConflict && errors.As(err, &e) {
		return e.Current, true
	}
	return nil, false
}
