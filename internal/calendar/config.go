package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Config is a business calendar as a workspace stores and edits it. Every field is
// text, so that validation can point at the exact entry a person typed wrong.
type Config struct {
	// TimeZone is an IANA zone name such as "Europe/Berlin" or "UTC". Working hours
	// and holidays are read in this zone.
	TimeZone string `json:"time_zone"`

	// Weekdays are the working days: "mon", "tue", "wed", "thu", "fri", "sat", "sun"
	// (full English names are accepted too, in any case).
	Weekdays []string `json:"weekdays"`

	// Hours are the working hours of every working day, in the zone's wall-clock time.
	Hours Hours `json:"hours"`

	// Holidays are whole non-working dates, as "YYYY-MM-DD".
	Holidays []string `json:"holidays,omitempty"`
}

// Hours is a daily span of working time, "HH:MM" to "HH:MM". Start is from 00:00 to
// 23:59; End is from 00:01 to 24:00 (the end of the day) and must be after Start.
// Working time never crosses midnight.
type Hours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MaxHolidays bounds the holiday list, which also bounds how far any calculation has
// to look for the next working day.
const MaxHolidays = 1000

// DefaultConfig returns Monday to Friday, 09:00 to 17:00, UTC, no holidays.
func DefaultConfig() Config {
	return Config{
		TimeZone: "UTC",
		Weekdays: []string{"mon", "tue", "wed", "thu", "fri"},
		Hours:    Hours{Start: "09:00", End: "17:00"},
	}
}

var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, short := range weekdayNames {
		if s == short || s == strings.ToLower(time.Weekday(i).String()) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// parseClock reads "HH:MM" as minutes after midnight; "24:00" is 1440.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func formatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// date is a calendar date without a time or zone.
type date struct {
	year  int
	month time.Month
	day   int
}

func parseDate(s string) (date, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return date{}, false
	}
	return date{t.Year(), t.Month(), t.Day()}, true
}

func (d date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day) }

// compile checks c, recording every problem under path (e.g. "calendar"), and
// returns the calendar it describes when there are none.
func (c Config) compile(p *tandem.Problems, path string) *Calendar {
	before := len(*p)
	cal := &Calendar{holidays: map[date]bool{}}

	switch {
	case strings.TrimSpace(c.TimeZone) == "":
		p.Add(path+".time_zone", "is required; use an IANA name such as Europe/Berlin or UTC")
	case c.TimeZone == "Local":
		p.Add(path+".time_zone", "must name a zone, not the server's local time; use an IANA name such as Europe/Berlin")
	default:
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			p.Add(path+".time_zone", "%q is not a known time zone; use an IANA name such as Europe/Berlin or UTC", c.TimeZone)
		} else {
			cal.loc = loc
		}
	}

	if len(c.Weekdays) == 0 {
		p.Add(path+".weekdays", "choose at least one working day")
	}
	for i, s := range c.Weekdays {
		wd, ok := parseWeekday(s)
		field := fmt.Sprintf("%s.weekdays[%d]", path, i)
		switch {
		case !ok:
			p.Add(field, "%q is not a weekday; use mon, tue, wed, thu, fri, sat or sun", s)
		case cal.workdays[wd]:
			p.Add(field, "%s is listed twice", time.Weekday(wd))
		default:
			cal.workdays[wd] = true
		}
	}

	start, okStart := parseClock(c.Hours.Start)
	end, okEnd := parseClock(c.Hours.End)
	if !okStart || start == 24*60 {
		p.Add(path+".hours.start", "%q is not a time of day; use the form HH:MM between 00:00 and 23:59", c.Hours.Start)
	}
	if !okEnd || end == 0 {
		p.Add(path+".hours.end", "%q is not a time of day; use the form HH:MM between 00:01 and 24:00", c.Hours.End)
	}
	if okStart && okEnd && start < 24*60 && end > 0 && start >= end {
		p.Add(path+".hours.start", "must be before end (%s); working hours cannot cross midnight", c.Hours.End)
	}
	cal.start, cal.end = start, end

	if len(c.Holidays) > MaxHolidays {
		p.Add(path+".holidays", "lists %d dates; at most %d are allowed", len(c.Holidays), MaxHolidays)
	}
	for i, s := range c.Holidays {
		d, ok := parseDate(s)
		field := fmt.Sprintf("%s.holidays[%d]", path, i)
		switch {
		case !ok:
			p.Add(field, "%q is not a date; use the form YYYY-MM-DD", s)
		case cal.holidays[d]:
			p.Add(field, "%s is listed twice", d)
		default:
			cal.holidays[d] = true
		}
	}

	if len(*p) > before {
		return nil
	}
	cal.config = cal.canonical(c.TimeZone)
	return cal
}

// canonical returns the configuration of a compiled calendar in its one text form:
// short weekday names in week order starting Monday, sorted holidays.
func (c *Calendar) canonical(zone string) Config {
	out := Config{TimeZone: zone, Hours: Hours{Start: formatClock(c.start), End: formatClock(c.end)}}
	for _, wd := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if c.workdays[wd] {
			out.Weekdays = append(out.Weekdays, weekdayNames[wd])
		}
	}
	for d := range c.holidays {
		out.Holidays = append(out.Holidays, d.String())
	}
	slices.Sort(out.Holidays)
	return out
}

// Check validates c and records every problem in p, with field paths under path
// (for example "calendar.hours.start" when path is "calendar"). Use it to validate a
// calendar as part of a larger settings form.
func (c Config) Check(p *tandem.Problems, path string) {
	c.compile(p, path)
}

// Validate returns nil when c describes a usable calendar, and otherwise a
// KindInvalid *tandem.Error listing every problem under "calendar.".
func (c Config) Validate() error {
	var p tandem.Problems
	c.Check(&p, "calendar")
	return p.Err("The business calendar is not valid.")
}

// New returns the calendar c describes, or the KindInvalid error from Validate. A
// valid calendar always has working time: at least one working weekday with a
// non-empty span of hours; holidays are finite, so working time always comes again.
func New(c Config) (*Calendar, error) {
	var p tandem.Problems
	cal := c.compile(&p, "calendar")
	if err := p.Err("The business calendar is not valid."); err != nil {
		return nil, err
	}
	return cal, nil
}
