// Package calendar is a workspace's business calendar (SPEC A1): the time zone,
// working weekdays, daily working hours and holidays that service levels are counted
// in. "Decide within 48 business hours" and "resolution plan within 5 business days"
// are computed here.
//
// # What counts as business time
//
// An instant is business time when, read on the wall clock of the calendar's zone,
// its date is a working weekday that is not a holiday and its time of day is within
// [Hours.Start, Hours.End). Durations are real elapsed time: on the day clocks go
// forward, a 00:00–24:00 working day lasts 23 hours, and on the day they go back,
// 25 hours; wall-clock times that do not exist are never business time, and
// wall-clock times that happen twice are business time both times. Ordinary
// 09:00–17:00 days are not affected by daylight saving time at all.
//
// # Functions
//
// All calculations are pure functions of the calendar and their arguments: no clock
// is read and nothing is stored. Results are in the calendar's location. A Calendar
// is immutable and safe for concurrent use. The only I/O is in New, which loads the
// zone with time.LoadLocation; binaries should import time/tzdata so that zones
// load on hosts without a zoneinfo database.
package calendar

import (
	"fmt"
	"time"
)

// Calendar is a validated business calendar. Build one with New; the zero value is
// not usable.
type Calendar struct {
	loc      *time.Location
	workdays [7]bool
	start    int // minutes after midnight
	end      int // minutes after midnight, up to 1440
	holidays map[date]bool
	config   Config
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Config returns the calendar's configuration in canonical form (weekdays as
// "mon".."sun" in week order, holidays sorted), ready to store.
func (c *Calendar) Config() Config {
	out := c.config
	out.Weekdays = append([]string(nil), c.config.Weekdays...)
	out.Holidays = append([]string(nil), c.config.Holidays...)
	return out
}

// WorkdayLength is the wall-clock length of one working day (End − Start). Days on
// which the clocks change may be longer or shorter in real time.
func (c *Calendar) WorkdayLength() time.Duration {
	return time.Duration(c.end-c.start) * time.Minute
}

// IsWorkingDate reports whether the date of t, read in the calendar's zone, is a
// working weekday and not a holiday.
func (c *Calendar) IsWorkingDate(t time.Time) bool {
	y, m, d := t.In(c.loc).Date()
	return c.working(date{y, m, d})
}

// IsBusinessTime reports whether t is business time.
func (c *Calendar) IsBusinessTime(t time.Time) bool {
	s, _ := c.nextInterval(t)
	return s.Equal(t)
}

// NextBusinessStart returns t itself when t is business time, and otherwise the
// first instant of business time after t.
func (c *Calendar) NextBusinessStart(t time.Time) time.Time {
	s, _ := c.nextInterval(t)
	return s
}

// AddBusiness returns the instant that lies d of business time after start: the
// earliest instant r ≥ start such that BusinessBetween(start, r) == d. When the
// target is the very end of a working day, the end of that day is returned (17:00
// Friday, not 09:00 Monday). AddBusiness(start, 0) is start. A negative d counts
// backwards: the latest instant r ≤ start with BusinessBetween(r, start) == −d,
// which is what a reminder "4 business hours before the deadline" needs.
func (c *Calendar) AddBusiness(start time.Time, d time.Duration) time.Time {
	switch {
	case d == 0:
		return start.In(c.loc)
	case d > 0:
		t := start
		for {
			s, e := c.nextInterval(t)
			if span := e.Sub(s); d <= span {
				return s.Add(d)
			} else {
				d -= span
			}
			t = e
		}
	default:
		rem := -d
		if rem < 0 { // d was math.MinInt64
			rem = 1<<63 - 1
		}
		t := start
		for {
			s, e := c.prevInterval(t)
			if span := e.Sub(s); rem <= span {
				return e.Add(-rem)
			} else {
				rem -= span
			}
			t = s
		}
	}
}

// BusinessBetween returns how much business time lies in [a, b). It is negative
// when b is before a: BusinessBetween(a, b) == −BusinessBetween(b, a).
func (c *Calendar) BusinessBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessBetween(b, a)
	}
	var total time.Duration
	t := a
	for t.Before(b) {
		s, e := c.nextInterval(t)
		if !s.Before(b) {
			break
		}
		if e.After(b) {
			e = b
		}
		total += e.Sub(s)
		t = e
	}
	return total
}

// AddBusinessDays returns the instant n working days after t, the way people count
// them: from business time, the same time of day on the n-th following working day
// (Friday 16:00 plus 2 business days is Tuesday 16:00); from outside business time,
// the end of the n-th working day counting the next one as the first (Saturday plus
// 2 business days is the end of Tuesday). For days of equal length the result is the
// same moment in business time as AddBusiness(t, n × WorkdayLength()), though it may
// be the next working day's opening where AddBusiness gives the previous close
// (Monday 09:00 plus 1 business day is Tuesday 09:00). n ≤ 0 returns t.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	if n <= 0 {
		return t.In(c.loc)
	}
	if c.IsBusinessTime(t) {
		lt := t.In(c.loc)
		y, m, d := lt.Date()
		target := c.nthWorkingDate(date{y, m, d}, n)
		start, _ := c.window(target)
		sinceMidnight := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
			time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
		wall := start.Add(sinceMidnight - time.Duration(c.start)*time.Minute)
		// NextBusinessStart only moves the result when that wall time does not exist
		// on the target day.
		return c.NextBusinessStart(c.instantAt(wall))
	}
	s := c.NextBusinessStart(t)
	y, m, d := s.Date()
	target := date{y, m, d}
	if n > 1 {
		target = c.nthWorkingDate(target, n-1)
	}
	// The end of the target day's working time: the end of the last business
	// interval that starts on that date (a day's working time is one interval,
	// unless the clocks change during it). The scan starts the day before, at noon,
	// a wall time that exists in every zone.
	noon, _ := c.window(target)
	noon = noon.Add(-time.Duration(c.start)*time.Minute - 12*time.Hour)
	r := c.instantAt(noon)
	var end time.Time
	for {
		s, e := c.nextInterval(r)
		y, m, d := s.Date()
		day := date{y, m, d}
		if target.before(day) {
			if end.IsZero() { // the date never happened in this zone
				return s
			}
			return end
		}
		if day == target {
			end = e
		}
		r = e
	}
}

func (d date) before(o date) bool {
	if d.year != o.year {
		return d.year < o.year
	}
	if d.month != o.month {
		return d.month < o.month
	}
	return d.day < o.day
}

// working reports whether d is a working weekday and not a holiday.
func (c *Calendar) working(d date) bool {
	wd := time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday()
	return c.workdays[wd] && !c.holidays[d]
}

// nthWorkingDate returns the n-th working date after d (n ≥ 1).
func (c *Calendar) nthWorkingDate(d date, n int) date {
	limit := c.searchLimit() * n
	for i := 1; i <= limit; i++ {
		t := time.Date(d.year, d.month, d.day+i, 12, 0, 0, 0, time.UTC)
		nd := date{t.Year(), t.Month(), t.Day()}
		if c.working(nd) {
			n--
			if n == 0 {
				return nd
			}
		}
	}
	panic(c.unusable())
}

// searchLimit is how many consecutive dates can be non-working at most: every
// week has a working weekday, and each holiday removes at most one of them.
func (c *Calendar) searchLimit() int { return 7 * (len(c.holidays) + 2) }

func (c *Calendar) unusable() string {
	return fmt.Sprintf("calendar: no working time found; build calendars with New (config %+v)", c.config)
}

// Wall-clock arithmetic: a wall time is represented as a time.Time in UTC whose
// fields are the wall clock's fields. Within one zone period (a span of constant UTC
// offset, from Time.ZoneBounds) instant = wall − offset exactly, so business
// intervals are computed per period and clipped to it.

func toWall(t time.Time, offset int) time.Time {
	return t.UTC().Add(time.Duration(offset) * time.Second)
}

func fromWall(w time.Time, offset int) time.Time {
	return w.Add(-time.Duration(offset) * time.Second)
}

// instantAt returns the first instant whose wall time is at or after w: the instant
// of w itself when that wall time exists (its first occurrence when the clocks went
// back), or the moment the clocks jumped past it.
func (c *Calendar) instantAt(w time.Time) time.Time {
	// UTC offsets stay within ±14 hours, so 15 hours before w is before any instant
	// showing w on the wall.
	t := w.Add(-15 * time.Hour)
	for {
		lt := t.In(c.loc)
		_, offset := lt.Zone()
		periodStart, periodEnd := lt.ZoneBounds()
		cand := fromWall(w, offset).In(c.loc)
		if !periodStart.IsZero() && cand.Before(periodStart) {
			return periodStart // this period begins past w: w fell into a gap
		}
		if periodEnd.IsZero() || cand.Before(periodEnd) {
			return cand
		}
		t = periodEnd
	}
}

// window returns the working span of wall date d, as wall times.
func (c *Calendar) window(d date) (start, end time.Time) {
	midnight := time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC)
	return midnight.Add(time.Duration(c.start) * time.Minute), midnight.Add(time.Duration(c.end) * time.Minute)
}

// nextWallWindow returns the first working window, in wall time, that ends after w.
func (c *Calendar) nextWallWindow(w time.Time) (start, end time.Time) {
	y, m, d := w.Date()
	for i := range c.searchLimit() {
		t := time.Date(y, m, d+i, 0, 0, 0, 0, time.UTC)
		day := date{t.Year(), t.Month(), t.Day()}
		if !c.working(day) {
			continue
		}
		if s, e := c.window(day); e.After(w) {
			return s, e
		}
	}
	panic(c.unusable())
}

// prevWallWindow returns the last working window, in wall time, that starts before w.
func (c *Calendar) prevWallWindow(w time.Time) (start, end time.Time) {
	y, m, d := w.Add(-time.Nanosecond).Date()
	for i := range c.searchLimit() {
		t := time.Date(y, m, d-i, 0, 0, 0, 0, time.UTC)
		day := date{t.Year(), t.Month(), t.Day()}
		if !c.working(day) {
			continue
		}
		if s, e := c.window(day); s.Before(w) {
			return s, e
		}
	}
	panic(c.unusable())
}

// nextInterval returns the first span [s, e) of business time that ends after t,
// clipped so that s ≥ t; s == t exactly when t is business time. The span lies in
// one zone period, so it may end early at a clock change and continue in the next.
func (c *Calendar) nextInterval(t time.Time) (s, e time.Time) {
	if c.loc == nil {
		panic(c.unusable())
	}
	for {
		lt := t.In(c.loc)
		_, offset := lt.Zone()
		_, periodEnd := lt.ZoneBounds()
		ws, we := c.nextWallWindow(toWall(lt, offset))
		s, e = fromWall(ws, offset).In(c.loc), fromWall(we, offset).In(c.loc)
		if !periodEnd.IsZero() && !s.Before(periodEnd) {
			t = periodEnd // the next window falls in a later zone period
			continue
		}
		if s.Before(lt) {
			s = lt
		}
		if !periodEnd.IsZero() && e.After(periodEnd) {
			e = periodEnd
		}
		return s, e
	}
}

// prevInterval returns the last span [s, e) of business time that starts before t,
// clipped so that e ≤ t; e == t exactly when the instant just before t is business
// time.
func (c *Calendar) prevInterval(t time.Time) (s, e time.Time) {
	if c.loc == nil {
		panic(c.unusable())
	}
	for {
		lt := t.In(c.loc)
		// The zone period of the instants just before t.
		before := lt.Add(-time.Nanosecond)
		_, offset := before.Zone()
		periodStart, _ := before.ZoneBounds()
		ws, we := c.prevWallWindow(toWall(lt, offset))
		s, e = fromWall(ws, offset).In(c.loc), fromWall(we, offset).In(c.loc)
		if !periodStart.IsZero() && !e.After(periodStart) {
			t = periodStart // the previous window falls in an earlier zone period
			continue
		}
		if e.After(lt) {
			e = lt
		}
		if !periodStart.IsZero() && s.Before(periodStart) {
			s = periodStart
		}
		return s, e
	}
}
