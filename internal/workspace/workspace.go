// Package workspace holds the tenant: one vendor's partner program, with its own
// settings. Nothing crosses from one workspace to another.
package workspace

import (
	"regexp"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Workspace is one vendor's partner program.
type Workspace struct {
	ID       string
	Slug     string // short name used in URLs and commands, e.g. "demo"
	Name     string
	TimeZone string // IANA name, e.g. "Europe/Amsterdam"
	Currency string // ISO 4217 code, e.g. "EUR"
	// Calendar holds the working days, hours and holidays that SLAs are counted in;
	// its TimeZone always equals the workspace's.
	Calendar  calendar.Config
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BusinessCalendar returns the workspace's calendar ready for deadline arithmetic.
func (w Workspace) BusinessCalendar() (*calendar.Calendar, error) {
	c := w.Calendar
	c.TimeZone = w.TimeZone
	return calendar.New(c)
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)
var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate reports every invalid field of w, or nil.
func (w Workspace) Validate() error {
	var p tandem.Problems
	if !slugPattern.MatchString(w.Slug) {
		p.Add("slug", "must be 1–40 lowercase letters, digits or dashes, not starting or ending with a dash")
	}
	if strings.TrimSpace(w.Name) == "" {
		p.Add("name", "is required")
	} else if len(w.Name) > 200 {
		p.Add("name", "must be at most 200 characters")
	}
	if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "" || w.TimeZone == "Local" {
		p.Add("time_zone", "must be an IANA time zone such as Europe/Amsterdam or UTC")
	}
	if !currencyPattern.MatchString(w.Currency) {
		p.Add("currency", "must be a three-letter ISO 4217 code such as EUR or USD")
	}
	c := w.Calendar
	c.TimeZone = w.TimeZone
	var cp tandem.Problems
	c.Check(&cp, "calendar")
	for _, f := range cp {
		if f.Path != "calendar.time_zone" { // the zone is the workspace's, reported above
			p = append(p, f)
		}
	}
	return p.Err("The workspace settings are not valid.")
}
