package pipeline

import (
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
)

// PartnerView is an opportunity as a partner attributed on it may see it, in the
// portal and through the API: the fields on the policy's safe list for opportunities
// and nothing else — no amount, currency, discount or other pricing, no internal
// fields, no other partners. A test pins it to policy.SafeFields.
type PartnerView struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	AccountName    string    `json:"account_name"`
	Motion         string    `json:"motion"`
	Stage          string    `json:"stage"`
	OwnerName      string    `json:"owner_name"`
	NextStep       string    `json:"next_step"`
	RegistrationID string    `json:"registration_id"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ToPartnerView returns what a partner attributed on o may see of it.
func ToPartnerView(o Opportunity) PartnerView {
	return PartnerView{ID: o.ID, Name: o.Name, AccountName: o.AccountName, Motion: string(o.Motion), Stage: o.Stage,
		OwnerName: o.OwnerName, NextStep: o.NextStep, RegistrationID: o.RegistrationID, UpdatedAt: o.UpdatedAt}
}

// PartnerCreditView is one partner's own credit on an opportunity, as that partner may
// see it. A test pins it to policy.SafeFields.
type PartnerCreditView struct {
	OpportunityID string              `json:"opportunity_id"`
	PartnerID     string              `json:"partner_id"`
	Credit        string              `json:"credit"`
	SharePercent  attribution.Percent `json:"share_percent"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

// ToPartnerCredits returns the entries as partner-facing credit views of o.
func ToPartnerCredits(o Opportunity, entries []attribution.Entry) []PartnerCreditView {
	out := make([]PartnerCreditView, 0, len(entries))
	for _, e := range entries {
		out = append(out, PartnerCreditView{OpportunityID: o.ID, PartnerID: e.PartnerID, Credit: string(e.Kind), SharePercent: e.Percent, UpdatedAt: o.UpdatedAt})
	}
	return out
}
