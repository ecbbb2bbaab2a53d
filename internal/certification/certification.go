// Package certification keeps a workspace's certification catalogue and the
// certifications partner organisations and their people hold (SPEC C2, C3): when each
// was earned, when it expires, whether it was revoked, who recorded it and on what
// evidence.
//
// The rules — whether a certification is valid at a time, whether it expires soon,
// how many valid certifications a partner counts — are pure functions of the records
// and a time. Deal registration (eligibility and the conflict policy's certification
// rule) and the program's tier reviews read them through the Service; none of them
// keeps its own idea of what "certified" means.
//
// Dates are calendar days in UTC. A certification earned on day E with a validity of
// M months expires on E plus M months (the last day of the month when that day does
// not exist) and no longer counts from that day on. A validity of 0 means it never
// expires. The expiry is fixed when the certification is recorded: changing the
// catalogue later does not move it.
package certification

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// DateLayout is how certification dates are written and stored.
const DateLayout = "2006-01-02"

// Limits on catalogue entries and records.
const (
	MaxKeyLen         = 40
	MaxNameLen        = 120
	MaxProductLen     = 80
	MaxValidityMonths = 120
	MaxEvidenceLen    = 2000
	MaxReasonLen      = 2000
	MaxCatalogue      = 500
)

// ReminderDays is how long before a certification expires its partner's admins and
// partner manager are reminded, and how soon counts as "expiring" on pages.
const ReminderDays = 30

// Definition is one certification of a workspace's catalogue.
type Definition struct {
	WorkspaceID string
	// Key identifies the certification in rules (registration eligibility, the
	// conflict policy's certification list): 1 to 40 of a-z, 0-9 and _, starting with
	// a letter. It never changes.
	Key  string
	Name string
	// ValidityMonths is how long a certification stays valid after it is earned; 0
	// means it never expires.
	ValidityMonths int
	// Motion and Product say what the certification is about; both optional.
	Motion  tandem.Motion
	Product string
	// Retired certifications cannot be recorded any more; those already held count
	// until they expire.
	Retired   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefinitionInput is a new catalogue entry, or the changes to one (Key is then
// ignored: keys never change).
type DefinitionInput struct {
	Key            string
	Name           string
	ValidityMonths int
	Motion         tandem.Motion
	Product        string
	Retired        bool
}

// normalize trims the input's text.
func (in DefinitionInput) normalize() DefinitionInput {
	in.Key = strings.TrimSpace(in.Key)
	in.Name = strings.TrimSpace(in.Name)
	in.Product = strings.TrimSpace(in.Product)
	in.Motion = tandem.Motion(strings.TrimSpace(string(in.Motion)))
	return in
}

// validate reports every invalid field of a catalogue entry; checkKey is false for
// changes to an existing entry.
func (in DefinitionInput) validate(checkKey bool) error {
	var p tandem.Problems
	if checkKey && !ValidKey(in.Key) {
		p.Add("key", "must be 1 to %d of a-z, 0-9 and _, starting with a letter (e.g. resale_pro)", MaxKeyLen)
	}
	switch {
	case in.Name == "":
		p.Add("name", "is required")
	case len(in.Name) > MaxNameLen:
		p.Add("name", "must be at most %d characters", MaxNameLen)
	case strings.ContainsAny(in.Name, "\r\n\t"):
		p.Add("name", "must be on one line")
	}
	if in.ValidityMonths < 0 || in.ValidityMonths > MaxValidityMonths {
		p.Add("validity_months", "must be between 0 (never expires) and %d months", MaxValidityMonths)
	}
	if in.Motion != "" {
		if _, err := tandem.ParseMotion(string(in.Motion)); err != nil {
			p.Add("motion", "%s", tandem.MessageOf(err))
		}
	}
	if len(in.Product) > MaxProductLen || strings.ContainsAny(in.Product, "\r\n\t") {
		p.Add("product", "must be one line of at most %d characters", MaxProductLen)
	}
	return p.Err("The certification is not valid.")
}

// ValidKey reports whether k can be a catalogue key.
func ValidKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Held is one certification held by a partner organisation, or by one of its people
// (ContactID set), which then counts for the organisation too.
type Held struct {
	WorkspaceID string
	ID          string
	PartnerID   string
	// ContactID is the partner's person who earned it; empty when the organisation
	// holds it as a whole.
	ContactID string
	Key       string
	EarnedOn  time.Time // a UTC midnight
	ExpiresOn time.Time // a UTC midnight; zero: never expires
	// RevokedAt is when the certification was revoked; zero while it stands.
	RevokedAt     time.Time
	RevokedBy     string // actor id
	RevokerName   string
	RevokeReason  string
	RecordedBy    string // actor id
	RecorderName  string
	Evidence      string // internal: how the certification was verified
	CreatedAt     time.Time
	RemindedUntil time.Time // the expiry a reminder was sent for; zero: none yet

	// Filled when read for display.
	Name       string // the catalogue name (the key when the entry is gone)
	HolderName string // the person's name; empty for the organisation
}

// Revoked reports whether the certification was revoked.
func (h Held) Revoked() bool { return !h.RevokedAt.IsZero() }

// Day returns the UTC calendar day of t, as a UTC midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDate reads a YYYY-MM-DD date as a UTC midnight.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(DateLayout, strings.TrimSpace(s))
}

// FormatDate writes a date as YYYY-MM-DD, and the zero time as "".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(DateLayout)
}

// ExpiryFor returns when a certification earned on the day earned expires with a
// validity of months: the same day months later, or that month's last day when the
// day does not exist (earned 31 January, 1 month: 28 or 29 February). Zero months
// gives the zero time: it never expires.
func ExpiryFor(earned time.Time, months int) time.Time {
	if months <= 0 {
		return time.Time{}
	}
	e := Day(earned)
	y, m, d := e.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC)
}

// ValidAt reports whether the certification counts at t: not revoked, earned on or
// before t's day, and not expired (t's day is before the expiry day).
func (h Held) ValidAt(t time.Time) bool {
	day := Day(t)
	if h.Revoked() || day.Before(Day(h.EarnedOn)) {
		return false
	}
	return h.ExpiresOn.IsZero() || day.Before(Day(h.ExpiresOn))
}

// ExpiringWithin reports whether the certification is valid at t and expires within
// days days of t's day (on the day itself counting as within).
func (h Held) ExpiringWithin(t time.Time, days int) bool {
	if !h.ValidAt(t) || h.ExpiresOn.IsZero() {
		return false
	}
	return !Day(h.ExpiresOn).After(Day(t).AddDate(0, 0, days))
}

// Status is how a held certification stands at a time.
type Status string

// The statuses.
const (
	StatusValid    Status = "valid"
	StatusExpiring Status = "expiring" // valid, expires within ReminderDays
	StatusExpired  Status = "expired"
	StatusRevoked  Status = "revoked"
	StatusUpcoming Status = "upcoming" // earned on a later day than t
)

// StatusAt returns how h stands at t.
func (h Held) StatusAt(t time.Time) Status {
	switch {
	case h.Revoked():
		return StatusRevoked
	case Day(t).Before(Day(h.EarnedOn)):
		return StatusUpcoming
	case !h.ValidAt(t):
		return StatusExpired
	case h.ExpiringWithin(t, ReminderDays):
		return StatusExpiring
	}
	return StatusValid
}

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case StatusExpiring:
		return "expiring soon"
	case StatusUpcoming:
		return "not yet earned"
	}
	return string(s)
}

// holding is who holds which certification: a renewal of the same certification by
// the same holder is the same holding.
type holding struct{ partner, contact, key string }

// CountValid returns, per partner, how many distinct certifications its organisation
// and its people hold valid at t: each person (and the organisation itself) counts
// each certification once however many times it was renewed, and two people holding
// the same certification count twice.
func CountValid(hs []Held, t time.Time) map[string]int {
	seen := map[holding]bool{}
	out := map[string]int{}
	for _, h := range hs {
		k := holding{h.PartnerID, h.ContactID, h.Key}
		if !h.ValidAt(t) || seen[k] {
			continue
		}
		seen[k] = true
		out[h.PartnerID]++
	}
	return out
}

// ValidKeys returns, per partner, the sorted keys of the certifications its
// organisation or any of its people hold valid at t.
func ValidKeys(hs []Held, t time.Time) map[string][]string {
	out := map[string][]string{}
	for _, h := range hs {
		if h.ValidAt(t) && !slices.Contains(out[h.PartnerID], h.Key) {
			out[h.PartnerID] = append(out[h.PartnerID], h.Key)
		}
	}
	for _, ks := range out {
		slices.Sort(ks)
	}
	return out
}

// Superseded reports whether h has been renewed: another record of the same holder
// and certification, not revoked, lasts beyond h's expiry (or never expires). A
// superseded certification needs no expiry reminder.
func Superseded(h Held, all []Held) bool {
	if h.ExpiresOn.IsZero() {
		return false
	}
	for _, o := range all {
		if o.ID == h.ID || o.Revoked() || o.PartnerID != h.PartnerID || o.ContactID != h.ContactID || o.Key != h.Key {
			continue
		}
		if o.ExpiresOn.IsZero() || o.ExpiresOn.After(h.ExpiresOn) {
			return true
		}
	}
	return false
}

// DueReminder reports whether h needs its expiry reminder at now: valid, expiring
// within ReminderDays, not renewed, and not reminded for this expiry yet.
func DueReminder(h Held, all []Held, now time.Time) bool {
	return h.ExpiringWithin(now, ReminderDays) && !h.RemindedUntil.Equal(h.ExpiresOn) && !Superseded(h, all)
}

// RecordInput is a certification to record for a partner.
type RecordInput struct {
	Key       string
	ContactID string // empty: the organisation holds it
	EarnedOn  string // YYYY-MM-DD; empty: today
	Evidence  string
}

// prepare validates in against the catalogue entry d (nil when the key is not in
// the catalogue) at now and returns the record's dates. Errors are KindInvalid and
// name the field.
func (in RecordInput) prepare(d *Definition, now time.Time) (earned, expires time.Time, err error) {
	var p tandem.Problems
	switch {
	case strings.TrimSpace(in.Key) == "":
		p.Add("key", "is required: choose a certification from the catalogue")
	case d == nil:
		p.Add("key", "%q is not in the workspace's certification catalogue", strings.TrimSpace(in.Key))
	case d.Retired:
		p.Add("key", "%s is retired and can no longer be recorded", d.Name)
	}
	earned = Day(now)
	if s := strings.TrimSpace(in.EarnedOn); s != "" {
		e, perr := ParseDate(s)
		switch {
		case perr != nil:
			p.Add("earned_on", "must be a date written YYYY-MM-DD")
		case e.After(Day(now)):
			p.Add("earned_on", "cannot be in the future")
		case e.Year() < 1990:
			p.Add("earned_on", "must be 1990 or later")
		default:
			earned = e
		}
	}
	if len(in.Evidence) > MaxEvidenceLen {
		p.Add("evidence", "must be at most %d characters", MaxEvidenceLen)
	}
	if err := p.Err("The certification was not recorded."); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return earned, ExpiryFor(earned, d.ValidityMonths), nil
}

// Describe is a one-line account of a held certification for notices and the audit
// log.
func (h Held) Describe() string {
	who := "the organisation"
	if h.HolderName != "" {
		who = h.HolderName
	}
	name := h.Name
	if name == "" {
		name = h.Key
	}
	if h.ExpiresOn.IsZero() {
		return fmt.Sprintf("%s held by %s, earned %s, does not expire", name, who, FormatDate(h.EarnedOn))
	}
	return fmt.Sprintf("%s held by %s, earned %s, expires %s", name, who, FormatDate(h.EarnedOn), FormatDate(h.ExpiresOn))
}
