package registration

import (
	"slices"
	"time"
)

// PartnerView is a registration as its own partner may see it, in the portal and
// through the API: the fields on the policy's safe list for registrations and
// nothing else — no candidates, no conflict details, no internal rationale, no
// reviewer. A test pins it to policy.SafeFields.
type PartnerView struct {
	ID                  string     `json:"id"`
	Reference           string     `json:"reference"`
	Status              string     `json:"status"`
	Motion              string     `json:"motion"`
	CustomerName        string     `json:"customer_name"`
	CustomerDomain      string     `json:"customer_domain"`
	CustomerCountry     string     `json:"customer_country"`
	ContactName         string     `json:"contact_name"`
	ContactEmail        string     `json:"contact_email"`
	DealSize            string     `json:"deal_size"`
	Currency            string     `json:"currency"`
	ExpectedCloseOn     string     `json:"expected_close_on"`
	Description         string     `json:"description"`
	SubmittedByName     string     `json:"submitted_by_name"`
	SubmittedAt         time.Time  `json:"submitted_at"`
	DecidedAt           *time.Time `json:"decided_at"`
	PartnerMessage      string     `json:"partner_message"`
	ProtectionExpiresAt *time.Time `json:"protection_expires_at"`
	OpportunityID       string     `json:"opportunity_id"`
	UpdatedAt           time.Time  `json:"updated_at"`
	// CustomFields are the partner's answers to the workspace's own questions.
	CustomFields []CustomAnswer `json:"custom_fields"`
}

// CustomAnswer is one answer to a workspace's own registration field.
type CustomAnswer struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// Answers lists r's answers to the workspace's fields in the order they are defined;
// answers to fields since removed are listed last under their key.
func Answers(r Registration, fields []CustomField) []CustomAnswer {
	out := []CustomAnswer{}
	seen := map[string]bool{}
	for _, f := range fields {
		if v, ok := r.Custom[f.Key]; ok {
			out = append(out, CustomAnswer{Key: f.Key, Label: f.Label, Value: v})
			seen[f.Key] = true
		}
	}
	var rest []string
	for k := range r.Custom {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, CustomAnswer{Key: k, Label: k, Value: r.Custom[k]})
	}
	return out
}

// ToPartnerView returns what the submitting partner may see of r, with the
// protection expiry and the field labels taken from the workspace's settings.
func ToPartnerView(r Registration, set Settings) PartnerView {
	c := set.Protection
	v := PartnerView{
		ID: r.ID, Reference: r.Reference(), Status: string(r.Status), Motion: string(r.Motion),
		CustomerName: r.CustomerName, CustomerDomain: r.CustomerDomain, CustomerCountry: r.CustomerCountry,
		ContactName: r.ContactName, ContactEmail: r.ContactEmail, Currency: r.Currency, ExpectedCloseOn: r.ExpectedCloseOn,
		Description: r.Description, SubmittedByName: r.SubmitterName, SubmittedAt: r.CreatedAt,
		PartnerMessage: r.PartnerMessage, OpportunityID: r.OpportunityID, UpdatedAt: r.UpdatedAt,
		CustomFields: Answers(r, set.CustomFields),
	}
	if r.AmountMinor != 0 {
		v.DealSize = FormatAmount(r.AmountMinor)
	}
	if !r.DecidedAt.IsZero() && !r.Status.Open() {
		t := r.DecidedAt
		v.DecidedAt = &t
	}
	if exp := r.ProtectionExpiresAt(c); !exp.IsZero() {
		v.ProtectionExpiresAt = &exp
	}
	return v
}
