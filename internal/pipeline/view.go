package pipeline

import (
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
)

// PartnerView is an opportunity as a partner attributed on it may see it, in the
// portal and through the API: the fields on the policy's safe list for opportunities
// and nothing else — no amount, currency, discount or other pricing, no internal
// fields, no other partners. Of price protection it carries only when it ends, never
// the discount it keeps. A test pins it to policy.SafeFields.
type PartnerView struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	AccountName    string `json:"account_name"`
	Motion         string `json:"motion"`
	Stage          string `json:"stage"`
	OwnerName      string `json:"owner_name"`
	NextStep       string `json:"next_step"`
	RegistrationID string `json:"registration_id"`
	// Kind is new, renewal or expansion.
	Kind string `json:"kind"`
	// ProtectionExpiresAt is when the opportunity's price protection ends (exclusive),
	// or nil when it has none.
	ProtectionExpiresAt *time.Time `json:"protection_expires_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// ToPartnerView returns what a partner attributed on o may see of it.
func ToPartnerView(o Opportunity) PartnerView {
	v := PartnerView{ID: o.ID, Name: o.Name, AccountName: o.AccountName, Motion: string(o.Motion), Stage: o.Stage,
		OwnerName: o.OwnerName, NextStep: o.NextStep, RegistrationID: o.RegistrationID, Kind: string(o.Kind), UpdatedAt: o.UpdatedAt}
	if v.Kind == "" {
		v.Kind = string(KindNew)
	}
	if p := o.Pricing.Protection; p.Enabled && !p.Until.IsZero() {
		until := p.Until.UTC()
		v.ProtectionExpiresAt = &until
	}
	return v
}

// KindLabel names the opportunity kind k for people ("New business").
func KindLabel(k string) string {
	switch Kind(k) {
	case KindRenewal:
		return "Renewal"
	case KindExpansion:
		return "Expansion"
	}
	return "New business"
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
