// Package pipeline holds the co-selling pipeline (SPEC G1–G7): opportunities on
// accounts, their stages, the partners attributed on them and the notes shared with
// those partners. Deal registration creates opportunities here when it approves a
// registration (E9).
package pipeline

import (
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Status is whether an opportunity is still being worked.
type Status string

// The opportunity statuses.
const (
	Open Status = "open"
	Won  Status = "won"
	Lost Status = "lost"
)

// Opportunity is one deal in the pipeline.
type Opportunity struct {
	WorkspaceID    string
	ID             string
	AccountID      string
	Name           string
	AmountMinor    int64 // hundredths of Currency
	Currency       string
	CloseOn        string // YYYY-MM-DD or empty
	Motion         tandem.Motion
	Stage          string // a stage key of the motion's model
	Status         Status
	OwnerUserID    string
	NextStep       string
	PartnerID      string // the sourcing partner, if any
	RegistrationID string // the registration it came from, if any
	LastActivityAt time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int
}

// FirstStage returns the first stage key of the motion's default model, or "" when
// the motion has none.
func FirstStage(m tandem.Motion) string {
	if model, ok := stage.Default(m); ok && len(model.Stages) > 0 {
		return model.Stages[0].Key
	}
	return ""
}

// Validate reports every invalid field of o, or nil.
func (o Opportunity) Validate() error {
	var p tandem.Problems
	if strings.TrimSpace(o.Name) == "" {
		p.Add("name", "is required")
	}
	if o.AccountID == "" {
		p.Add("account_id", "is required")
	}
	if _, err := tandem.ParseMotion(string(o.Motion)); err != nil {
		p.Add("motion", "%s", tandem.MessageOf(err))
	}
	if o.AmountMinor < 0 {
		p.Add("amount", "must not be negative")
	}
	return p.Err("The opportunity is not valid.")
}
