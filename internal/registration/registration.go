// Package registration is deal registration (SPEC E1–E9): a partner claims a customer
// deal, every submission is matched against the workspace's accounts, opportunities
// and other registrations, the conflict policy recommends a ruling, a reviewer decides
// within the review SLA, and an approved registration is protected for a window,
// reminded before expiry, extended within limits, expired on time and converted into
// an opportunity.
//
// Every transport (portal form, signed link, public form, API, CSV) calls the same
// Service.Submit; the rules themselves live in the pure packages conflict, protection
// and calendar, and this package only gathers their inputs and records their outputs.
package registration

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/protection"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Status is where a registration stands.
type Status string

// The statuses. Pending and InfoRequested wait for a reviewer; Approved is protected
// until its window ends (then Expired); Declined may be appealed (then Appealed).
const (
	Pending       Status = "pending"
	InfoRequested Status = "info_requested"
	Appealed      Status = "appealed"
	Approved      Status = "approved"
	Declined      Status = "declined"
	Expired       Status = "expired"
	Withdrawn     Status = "withdrawn"
)

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case Pending:
		return "Waiting for review"
	case InfoRequested:
		return "Information requested"
	case Appealed:
		return "Appeal under review"
	case Approved:
		return "Approved"
	case Declined:
		return "Declined"
	case Expired:
		return "Protection expired"
	case Withdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// Open reports whether the registration still waits for a reviewer's decision.
func (s Status) Open() bool { return s == Pending || s == InfoRequested || s == Appealed }

// regStatus is the status as the conflict engine grades registrations.
func (s Status) regStatus() conflict.RegStatus {
	switch s {
	case Pending, InfoRequested, Appealed:
		return conflict.RegPending
	case Approved:
		return conflict.RegApproved
	case Declined:
		return conflict.RegDeclined
	case Expired:
		return conflict.RegExpired
	}
	return conflict.RegWithdrawn
}

// Channel is how a registration arrived.
type Channel string

// The intake channels.
const (
	ChannelPortal Channel = "portal" // a signed-in partner user's form
	ChannelLink   Channel = "link"   // a signed link, no sign-in
	ChannelPublic Channel = "public" // the public embeddable form
	ChannelAPI    Channel = "api"    // the REST API
	ChannelCSV    Channel = "csv"    // a bulk upload
)

// Registration is one deal registration as stored.
type Registration struct {
	WorkspaceID string
	ID          string
	PartnerID   string
	Status      Status
	Channel     Channel

	SubmittedBy    string // user id of a signed-in submitter; empty for links and the public form
	SubmitterName  string
	SubmitterEmail string

	CustomerName    string
	CustomerDomain  string
	CustomerCountry string
	ContactName     string
	ContactEmail    string
	OpportunityName string
	AmountMinor     int64 // deal size in the currency's hundredths
	Currency        string
	ExpectedCloseOn string // YYYY-MM-DD or empty
	Motion          tandem.Motion
	Products        []string
	Description     string
	Proof           string // proof of work: meetings held, pain found, next step agreed
	// Custom holds the answers to the workspace's own fields, by key.
	Custom map[string]string

	// What the uniqueness test and the conflict policy said at submission.
	Ruling              conflict.Ruling
	ConflictType        conflict.Type
	ConflictRule        conflict.RuleKey
	PartnerMessage      string // safe for the partner; later replaced by the reviewer's message
	InternalExplanation string
	Candidates          []Candidate

	// Review.
	ReviewDueAt       time.Time
	ReviewRemindedAt  time.Time
	ReviewEscalatedAt time.Time
	DecidedAt         time.Time
	DecidedBy         string // display name of the reviewer, or "automatic"
	DecisionRationale string // internal
	// ReviewSLAMet is set at the decision: whether it came before ReviewDueAt.
	ReviewSLAMet *bool
	// Approvals are the steps of the registration's approval chain (Settings.Chain)
	// given so far, in order; a decline or a request for information clears them.
	Approvals []StepApproval

	// Protection (see package protection).
	ApprovedAt          time.Time
	WindowDays          int
	Extensions          []protection.Extension
	LastActivityAt      time.Time
	ConvertedAt         time.Time
	EndedAt             time.Time
	RemindedFor         time.Time
	NoTouchFlaggedAt    time.Time
	ConversionFlaggedAt time.Time

	AccountID     string
	OpportunityID string

	Appeals     int
	AppealText  string
	AppealDueAt time.Time

	// WakeAt is when the registration's timer job is due (zero: none scheduled).
	WakeAt time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// Candidate is one record the uniqueness test found for a submission, as reviewers
// see it. Partners never see candidates.
type Candidate struct {
	Kind        conflict.Kind `json:"kind"`
	Ref         string        `json:"ref"`
	Name        string        `json:"name"`
	Domain      string        `json:"domain,omitempty"`
	PartnerID   string        `json:"partner_id,omitempty"`
	PartnerName string        `json:"partner_name,omitempty"`
	Side        conflict.Side `json:"side"`
	Status      string        `json:"status,omitempty"`
	Score       float64       `json:"score"`
	Decision    string        `json:"decision"` // match or possible
	Reasons     []string      `json:"reasons"`
	Outcome     string        `json:"outcome,omitempty"`
	Note        string        `json:"note,omitempty"`
}

// protectionFacts is what the protection rules need from r.
func (r Registration) protectionFacts() protection.Registration {
	return protection.Registration{
		Motion: r.Motion, ApprovedAt: r.ApprovedAt, WindowDays: r.WindowDays, Extensions: r.Extensions,
		LastActivityAt: r.LastActivityAt, ConvertedAt: r.ConvertedAt, EndedAt: r.EndedAt,
		RemindedFor: r.RemindedFor, NoTouchFlaggedAt: r.NoTouchFlaggedAt, ConversionFlaggedAt: r.ConversionFlaggedAt,
	}
}

// withProtection copies the protection facts p back into r.
func (r *Registration) withProtection(p protection.Registration) {
	r.WindowDays, r.Extensions, r.LastActivityAt, r.ConvertedAt, r.EndedAt = p.WindowDays, p.Extensions, p.LastActivityAt, p.ConvertedAt, p.EndedAt
	r.RemindedFor, r.NoTouchFlaggedAt, r.ConversionFlaggedAt = p.RemindedFor, p.NoTouchFlaggedAt, p.ConversionFlaggedAt
}

// ProtectionExpiresAt is when the approved registration's protection ends, or zero
// when it is not protected (not approved, or already ended).
func (r Registration) ProtectionExpiresAt(c protection.Config) time.Time {
	if r.ApprovedAt.IsZero() || !r.EndedAt.IsZero() {
		return time.Time{}
	}
	return protection.Expiry(c, r.protectionFacts())
}

// Amount formats the deal size with two decimals and the currency, e.g. "12,500.00 EUR".
func (r Registration) Amount() string {
	if r.AmountMinor == 0 {
		return ""
	}
	return FormatAmount(r.AmountMinor) + " " + r.Currency
}

// Reference is the short code partners quote: the registration's id.
func (r Registration) Reference() string { return r.ID }

// matchRecord is the company the registration claims, as the matcher reads it.
func (r Registration) matchRecord() match.Record {
	return match.Record{ID: r.ID, Name: r.CustomerName, Domain: r.CustomerDomain, Country: r.CustomerCountry, Email: r.ContactEmail}
}

// Input is a submission as a transport received it: strings as typed, before
// normalisation. Amount is a decimal number such as "12500" or "12,500.50".
type Input struct {
	PartnerID       string
	CustomerName    string
	CustomerDomain  string
	CustomerCountry string
	ContactName     string
	ContactEmail    string
	OpportunityName string
	Amount          string
	Currency        string
	ExpectedCloseOn string
	Motion          string
	Products        []string
	Description     string
	Proof           string
	// Custom answers the workspace's own fields, by key.
	Custom map[string]string
	// Submitter, for links and the public form where nobody is signed in.
	SubmitterName  string
	SubmitterEmail string
}

// Field length limits.
const (
	maxName  = 300
	maxText  = 5000
	maxItems = 20
)

// normalize validates in and returns the registration fields it describes, or a
// KindInvalid error naming every bad field (API field names). Required-by-motion
// fields are checked against required.
func normalize(in Input, ch Channel, set Settings, defaultCurrency string) (Registration, error) {
	required := set.Required
	var p tandem.Problems
	r := Registration{
		PartnerID:       strings.TrimSpace(in.PartnerID),
		CustomerName:    oneLine(in.CustomerName),
		CustomerDomain:  strings.ToLower(strings.TrimSpace(in.CustomerDomain)),
		CustomerCountry: strings.ToUpper(strings.TrimSpace(in.CustomerCountry)),
		ContactName:     oneLine(in.ContactName),
		ContactEmail:    strings.TrimSpace(in.ContactEmail),
		OpportunityName: oneLine(in.OpportunityName),
		Currency:        strings.ToUpper(strings.TrimSpace(in.Currency)),
		ExpectedCloseOn: strings.TrimSpace(in.ExpectedCloseOn),
		Description:     strings.TrimSpace(in.Description),
		Proof:           strings.TrimSpace(in.Proof),
		SubmitterName:   oneLine(in.SubmitterName),
		SubmitterEmail:  strings.TrimSpace(in.SubmitterEmail),
	}
	if r.PartnerID == "" {
		p.Add("partner_id", "is required")
	}
	switch {
	case r.CustomerName == "":
		p.Add("customer_name", "is required: the customer company's name")
	case utf8.RuneCountInString(r.CustomerName) > maxName:
		p.Add("customer_name", "%s", fmt.Sprintf("must be at most %d characters", maxName))
	case !hasLetterOrDigit(r.CustomerName):
		p.Add("customer_name", "must contain letters or digits")
	}
	if r.CustomerDomain != "" {
		d, ok := match.RegistrableDomain(r.CustomerDomain)
		if !ok {
			p.Add("customer_domain", "must be a web address such as acme.com")
		} else if match.IsFreeMail(d) {
			p.Add("customer_domain", "is a free email provider, not the customer's own web address")
		} else {
			r.CustomerDomain = d
		}
	}
	if r.CustomerCountry != "" {
		if c := match.NormalizeCountry(r.CustomerCountry); len(c) == 2 {
			r.CustomerCountry = strings.ToUpper(c)
		} else {
			p.Add("customer_country", "must be a two-letter country code such as NL or US")
		}
	}
	if utf8.RuneCountInString(r.ContactName) > maxName {
		p.Add("contact_name", "%s", fmt.Sprintf("must be at most %d characters", maxName))
	}
	if r.ContactEmail != "" && !plainEmail(r.ContactEmail) {
		p.Add("contact_email", "must be a plain email address such as ana@acme.com")
	}
	if ch == ChannelLink || ch == ChannelPublic {
		// Nobody is signed in: the reviewers need someone to talk to, and the
		// confirmation and decision need an address.
		if r.SubmitterName == "" {
			p.Add("submitter_name", "is required: who should the reviewers talk to?")
		}
		if r.SubmitterEmail == "" {
			p.Add("submitter_email", "is required: the confirmation and the decision are sent there")
		}
	}
	if r.SubmitterEmail != "" && !plainEmail(r.SubmitterEmail) {
		p.Add("submitter_email", "must be a plain email address such as you@partner.com")
	}
	if utf8.RuneCountInString(r.OpportunityName) > maxName {
		p.Add("opportunity_name", "%s", fmt.Sprintf("must be at most %d characters", maxName))
	}
	if a := strings.TrimSpace(in.Amount); a != "" {
		v, err := ParseAmount(a)
		if err != nil {
			p.Add("deal_size", "%s", err.Error())
		}
		r.AmountMinor = v
	}
	if r.Currency == "" && r.AmountMinor != 0 {
		r.Currency = defaultCurrency
	}
	if r.Currency != "" && !isCurrency(r.Currency) {
		p.Add("currency", "must be a three-letter ISO 4217 code such as EUR or USD")
	}
	if r.ExpectedCloseOn != "" {
		if _, err := time.Parse(time.DateOnly, r.ExpectedCloseOn); err != nil {
			p.Add("expected_close_on", "must be a date written YYYY-MM-DD")
		}
	}
	m, err := tandem.ParseMotion(strings.TrimSpace(in.Motion))
	if err != nil {
		p.Add("motion", "%s", tandem.MessageOf(err))
	}
	r.Motion = m
	if len(in.Products) > maxItems {
		p.Add("products", "%s", fmt.Sprintf("may list at most %d products", maxItems))
	}
	for _, pr := range in.Products {
		if pr = oneLine(pr); pr != "" {
			r.Products = append(r.Products, pr)
		}
	}
	if utf8.RuneCountInString(r.Description) > maxText {
		p.Add("description", "%s", fmt.Sprintf("must be at most %d characters", maxText))
	}
	if utf8.RuneCountInString(r.Proof) > maxText {
		p.Add("proof", "%s", fmt.Sprintf("must be at most %d characters", maxText))
	}
	if err == nil {
		for _, f := range required[m] {
			if fieldEmpty(r, f) {
				p.Add(f, "is required for %s registrations", m.Label())
			}
		}
	}
	known := map[string]bool{}
	for _, c := range set.CustomFields {
		known[c.Key] = true
		v := oneLine(in.Custom[c.Key])
		switch {
		case utf8.RuneCountInString(v) > 1000:
			p.Add("custom."+c.Key, "must be at most 1000 characters")
		case v == "" && c.Required && err == nil && c.appliesTo(m):
			p.Add("custom."+c.Key, "is required: %s", c.Label)
		case v != "":
			if r.Custom == nil {
				r.Custom = map[string]string{}
			}
			r.Custom[c.Key] = v
		}
	}
	for k := range in.Custom {
		if !known[k] && strings.TrimSpace(in.Custom[k]) != "" {
			p.Add("custom."+k, "is not a field of this workspace's registrations")
		}
	}
	return r, p.Err("The registration is not complete.")
}

// RequirableFields are the fields a workspace may make required per motion.
var RequirableFields = []string{"customer_domain", "customer_country", "contact_name", "contact_email",
	"opportunity_name", "deal_size", "expected_close_on", "products", "description", "proof"}

func fieldEmpty(r Registration, field string) bool {
	switch field {
	case "customer_domain":
		return r.CustomerDomain == ""
	case "customer_country":
		return r.CustomerCountry == ""
	case "contact_name":
		return r.ContactName == ""
	case "contact_email":
		return r.ContactEmail == ""
	case "opportunity_name":
		return r.OpportunityName == ""
	case "deal_size":
		return r.AmountMinor == 0
	case "expected_close_on":
		return r.ExpectedCloseOn == ""
	case "products":
		return len(r.Products) == 0
	case "description":
		return r.Description == ""
	case "proof":
		return r.Proof == ""
	}
	return false
}

// ParseAmount reads a non-negative decimal amount with at most two decimals and
// optional thousands separators ("12,500", "12500.5", "1 000") into hundredths.
func ParseAmount(s string) (int64, error) {
	s = strings.NewReplacer(",", "", " ", "", "_", "").Replace(strings.TrimSpace(s))
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && (!hasFrac || frac == "") {
		return 0, fmt.Errorf("must be a number such as 12500 or 12500.50")
	}
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("may have at most two decimals")
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			if c == '-' {
				return 0, fmt.Errorf("must not be negative")
			}
			return 0, fmt.Errorf("must be a number such as 12500 or 12500.50")
		}
	}
	if len(whole) > 13 {
		return 0, fmt.Errorf("is too large")
	}
	w := int64(0)
	if whole != "" {
		w, _ = strconv.ParseInt(whole, 10, 64)
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return w*100 + f, nil
}

// FormatAmount writes hundredths as a decimal with thousands separators, e.g.
// 1250050 → "12,500.50"; whole amounts drop the decimals ("12,500").
func FormatAmount(minor int64) string {
	whole, frac := minor/100, minor%100
	s := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != 0 {
		fmt.Fprintf(&b, ".%02d", frac)
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func hasLetterOrDigit(s string) bool {
	for _, c := range s {
		if ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c > 127 {
			return true
		}
	}
	return false
}

func plainEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
