// Package application is the public partner application (SPEC B5): a prospective
// partner fills in a form on the workspace's embeddable page; Tandem keeps one
// applicant record per company and contact — matched by normalised email address
// and website domain against earlier applications, partners and their people — and a
// manager accepts it into onboarding (creating the partner and inviting the contact)
// or rejects it with a reason that is emailed to the applicant. Applicants never
// learn whether they matched an existing partner.
package application

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/tandem"
)

// The application statuses.
const (
	New      = "new"
	Accepted = "accepted"
	Rejected = "rejected"
)

// Application is one applicant record.
type Application struct {
	WorkspaceID  string
	ID           string
	Status       string
	Company      string
	Website      string
	Domain       string // registrable domain of the website (or of the email, if not free mail)
	ContactName  string
	ContactEmail string // normalised: trimmed, lower case
	Motions      []tandem.Motion
	Region       string
	Message      string
	// MatchedPartnerID is an existing partner the application matched, with the
	// reason; shown to reviewers only.
	MatchedPartnerID string
	MatchReason      string
	// Submissions counts how often the form was sent for this record.
	Submissions int
	PartnerID   string // the partner it became, once accepted
	DecidedAt   time.Time
	DecidedBy   string
	DeciderName string
	Reason      string // rejection reason, as emailed
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// MatchedPartnerName is filled when read for display.
	MatchedPartnerName string
}

// Form is the public form as submitted.
type Form struct {
	Company      string
	Website      string
	ContactName  string
	ContactEmail string
	Motions      []tandem.Motion
	Region       string
	Message      string
	// Honeypot is a field hidden from people; robots fill it in.
	Honeypot string
}

// Limits on the form's fields.
const (
	maxShort   = 200
	maxMessage = 5000
)

// ParseForm reads the public form's fields — company, website, contact_name,
// contact_email, motions (repeated), region, message, and the hidden field
// "nickname" — trims them, lower-cases the email, and reports every invalid field in
// one KindInvalid error. It never panics, whatever the input.
func ParseForm(v url.Values) (Form, error) {
	f := Form{
		Company:      strings.TrimSpace(v.Get("company")),
		Website:      strings.TrimSpace(v.Get("website")),
		ContactName:  strings.TrimSpace(v.Get("contact_name")),
		ContactEmail: strings.ToLower(strings.TrimSpace(v.Get("contact_email"))),
		Region:       strings.TrimSpace(v.Get("region")),
		Message:      strings.TrimSpace(v.Get("message")),
		Honeypot:     v.Get("nickname"),
	}
	var p tandem.Problems
	text := func(field, val string, required bool, limit int) {
		switch {
		case required && val == "":
			p.Add(field, "is required")
		case !utf8.ValidString(val):
			p.Add(field, "must be text")
		case utf8.RuneCountInString(val) > limit:
			p.Add(field, "must be at most %d characters", limit)
		}
	}
	text("company", f.Company, true, maxShort)
	text("website", f.Website, false, maxShort)
	text("contact_name", f.ContactName, true, maxShort)
	text("region", f.Region, false, 100)
	text("message", f.Message, false, maxMessage)
	if f.Website != "" && utf8.ValidString(f.Website) && len(f.Website) <= maxShort {
		if _, ok := WebsiteDomain(f.Website); !ok {
			p.Add("website", "must be a web address such as acme.example or https://www.acme.example")
		}
	}
	if a, err := mail.ParseAddress(f.ContactEmail); err != nil || a.Address != f.ContactEmail || len(f.ContactEmail) > 254 {
		p.Add("contact_email", "must be your work email address, such as you@company.example")
	}
	seen := map[tandem.Motion]bool{}
	for _, raw := range v["motions"] {
		m, err := tandem.ParseMotion(strings.TrimSpace(raw))
		if err != nil {
			p.Add("motions", "%s", tandem.MessageOf(err))
			continue
		}
		if !seen[m] {
			f.Motions = append(f.Motions, m)
		}
		seen[m] = true
	}
	if len(v["motions"]) == 0 {
		p.Add("motions", "choose at least one way you would like to work with us")
	}
	return f, p.Err("Please check the application.")
}

// WebsiteDomain returns the registrable domain of a website given as a host name
// or a URL ("https://www.acme.example/about" → "acme.example").
func WebsiteDomain(website string) (string, bool) {
	w := strings.TrimSpace(strings.ToLower(website))
	if w == "" {
		return "", false
	}
	if !strings.Contains(w, "://") {
		w = "http://" + w
	}
	u, err := url.Parse(w)
	if err != nil || u.Hostname() == "" {
		return "", false
	}
	return match.RegistrableDomain(u.Hostname())
}

// EmailDomain returns the registrable domain of an email address, unless it is a
// free mail provider's (which says nothing about the company).
func EmailDomain(email string) (string, bool) {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", false
	}
	d, ok := match.RegistrableDomain(email[at+1:])
	if !ok || match.IsFreeMail(d) {
		return "", false
	}
	return d, true
}

// MatchDomain is the domain an application is matched on: the website's, or else
// the email's when it is not free mail.
func (f Form) MatchDomain() string {
	if d, ok := WebsiteDomain(f.Website); ok {
		return d
	}
	d, _ := EmailDomain(f.ContactEmail)
	return d
}
