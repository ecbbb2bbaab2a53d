// Package pipeline holds the co-selling pipeline (SPEC G1–G7): opportunities on
// accounts, their stages, the partners attributed on them and the notes shared with
// those partners. Deal registration creates opportunities here when it approves a
// registration (E9).
package pipeline

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/attribution"
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
	// Details holds the further fields exit criteria ask for (champion, use_case,
	// discount…; see DetailFields), by key; only non-empty values are kept.
	Details map[string]string
	// FollowUpDueAt is when the follow-up of the last meeting logged is due (zero:
	// none owed); FollowUpOverdueAt when its timer found it missing. Notes set them.
	FollowUpDueAt     time.Time
	FollowUpOverdueAt time.Time
	// Pricing is the discount asked for, its approval and price protection (internal).
	Pricing Pricing
	// Kind is new business, a renewal or an expansion; RenewalOn is a renewal's
	// contract renewal date (YYYY-MM-DD) and Renewal its ownership confirmation.
	Kind      Kind
	RenewalOn string
	Renewal   Renewal

	// Filled when read from the store, never saved from here.
	AccountName string
	OwnerName   string
	// Attribution is the partners credited on the opportunity: the recorded entries,
	// or, while none are recorded, the sourcing PartnerID at 100%.
	Attribution []attribution.Entry
}

// Partners returns every partner attributed on the opportunity (its sourcing partner
// included), which are the partners that may see it.
func (o Opportunity) Partners() []string {
	var out []string
	if o.PartnerID != "" {
		out = append(out, o.PartnerID)
	}
	for _, e := range o.Attribution {
		if !slices.Contains(out, e.PartnerID) {
			out = append(out, e.PartnerID)
		}
	}
	return out
}

// coreFields are the exit-criteria fields that are columns of the opportunity itself;
// every other built-in field lives in Details.
var coreFields = []string{"amount", "currency", "close_date", "next_step", "owner"}

// DetailFields returns the keys Details may hold, in display order: every built-in
// opportunity field of package stage that is not a column of Opportunity.
func DetailFields() []string {
	var out []string
	for _, f := range stage.BuiltinFields() {
		if !slices.Contains(coreFields, f.Key) {
			out = append(out, f.Key)
		}
	}
	return out
}

// Facts returns what is true of o for its stage model's exit criteria: which fields
// have a value, whether a sourcing or influencing partner is recorded, and whether its
// registration was approved. discountBands says whether the workspace guards
// discounts with bands (see DiscountMet). Milestones done and the kinds of the
// attachments held are added by the service from the plan and the attachments.
func Facts(o Opportunity, registrationApproved, discountBands bool) stage.Facts {
	f := stage.Facts{Fields: map[string]bool{}, Milestones: map[string]bool{}, Attachments: map[string]bool{},
		RegistrationApproved: registrationApproved}
	f.Fields["amount"] = o.AmountMinor > 0
	f.Fields["currency"] = o.Currency != ""
	f.Fields["close_date"] = o.CloseOn != ""
	f.Fields["next_step"] = strings.TrimSpace(o.NextStep) != ""
	f.Fields["owner"] = o.OwnerUserID != ""
	for k, v := range o.Details {
		if strings.TrimSpace(v) != "" {
			f.Fields[k] = true
		}
	}
	f.Fields["discount"] = DiscountMet(o, discountBands)
	for _, e := range o.Attribution {
		switch e.Kind {
		case attribution.Sourced:
			f.Sourced = true
		case attribution.Influenced:
			f.Influenced = true
		}
	}
	return f
}

// DiscountMet reports whether o meets the "discount" exit criterion. Where the
// workspace guards discounts with bands (discountBands), only a discount the
// guardrails granted counts: within its band, or outside it and approved; a discount
// merely written down, pending or declined does not. Without bands, a discount asked
// for through the guardrails counts once granted, and otherwise any discount detail
// written on the opportunity counts.
func DiscountMet(o Opportunity, discountBands bool) bool {
	if discountBands || o.Pricing.Status != DiscountNone {
		return o.Pricing.Granted()
	}
	return strings.TrimSpace(o.Details["discount"]) != ""
}

// guardedDiscount is what a discount criterion asks for where discounts are guarded.
const guardedDiscount = "A discount is granted: within its band or approved as an exception"

// GuardDiscount returns m with every "discount" field criterion that has no label of
// its own saying that a granted discount is needed, for workspaces with discount
// bands. m itself is not changed.
func GuardDiscount(m stage.Model) stage.Model {
	guard := func(cs []stage.Criterion) []stage.Criterion {
		out := slices.Clone(cs)
		for i, c := range out {
			if c.Kind == stage.KindField && c.Key == "discount" && c.Label == "" {
				out[i].Label = guardedDiscount
			}
		}
		return out
	}
	m.Stages = slices.Clone(m.Stages)
	for i := range m.Stages {
		m.Stages[i].Exit = guard(m.Stages[i].Exit)
	}
	m.LostCriteria = guard(m.LostCriteria)
	return m
}

// StatusAt returns the status an opportunity of model m has in stage key: lost in the
// closed-lost state, won from the model's won stage on, open otherwise.
func StatusAt(m stage.Model, key string) Status {
	switch {
	case key == stage.Lost:
		return Lost
	case m.Won(key):
		return Won
	}
	return Open
}

// FirstStage returns the first stage key of the motion's default model, or "" when
// the motion has none. A workspace that edited the model starts opportunities where
// Service.FirstStage says.
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
	if utf8.RuneCountInString(o.Name) > 300 {
		p.Add("name", "must be at most 300 characters")
	}
	if o.Currency != "" && !currencyPattern.MatchString(o.Currency) {
		p.Add("currency", "must be a three-letter ISO 4217 code such as EUR or USD")
	}
	if o.CloseOn != "" {
		if _, err := time.Parse(time.DateOnly, o.CloseOn); err != nil {
			p.Add("close_on", "must be a date written YYYY-MM-DD")
		}
	}
	switch o.Kind {
	case "", KindNew, KindRenewal, KindExpansion: // unset is new business, as stored
	default:
		p.Add("kind", "must be new, renewal or expansion")
	}
	if o.RenewalOn != "" {
		if _, err := time.Parse(time.DateOnly, o.RenewalOn); err != nil {
			p.Add("renewal_on", "must be a date written YYYY-MM-DD")
		}
	}
	if utf8.RuneCountInString(o.NextStep) > 1000 {
		p.Add("next_step", "must be at most 1000 characters")
	}
	allowed := DetailFields()
	keys := make([]string, 0, len(o.Details))
	for k := range o.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(allowed, k):
			p.Add("fields."+k, "is not an opportunity field; use one of %s", strings.Join(allowed, ", "))
		case utf8.RuneCountInString(o.Details[k]) > maxDetailLen:
			p.Add("fields."+k, "must be at most %d characters", maxDetailLen)
		}
	}
	return p.Err("The opportunity is not valid.")
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

const maxDetailLen = 2000
