package calendar

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Zones with the awkward cases: clock changes at 02:00, at midnight and by half an
// hour, a skipped date, quarter-hour offsets and no changes at all.
var propertyZones = []string{
	"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Beirut",
	"America/Santiago", "Pacific/Apia", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns",
}

// Instants are drawn from two years around Samoa's skipped date and two recent ones.
var propertySpans = [][2]time.Time{
	{time.Date(2011, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2012, 6, 1, 0, 0, 0, 0, time.UTC)},
	{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)},
}

func randomConfig(r *rand.Rand) Config {
	c := Config{TimeZone: propertyZones[r.IntN(len(propertyZones))]}
	for len(c.Weekdays) == 0 {
		for _, wd := range weekdayNames {
			if r.IntN(3) > 0 {
				c.Weekdays = append(c.Weekdays, wd)
			}
		}
	}
	start := r.IntN(96) * 15 // a quarter hour from 00:00 to 23:45
	end := start + 15 + r.IntN((1440-start)/15)*15
	if r.IntN(4) == 0 {
		start, end = 0, 1440
	}
	c.Hours = Hours{formatClock(start), formatClock(end)}
	span := propertySpans[r.IntN(len(propertySpans))]
	for range r.IntN(25) {
		d := randomInstant(r, span).Format(time.DateOnly)
		if !contains(c.Holidays, d) {
			c.Holidays = append(c.Holidays, d)
		}
	}
	return c
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func randomInstant(r *rand.Rand, span [2]time.Time) time.Time {
	return span[0].Add(time.Duration(r.Int64N(int64(span[1].Sub(span[0])))))
}

// nearTransition returns an instant close to a clock change of loc after t, or t
// when loc has none.
func nearTransition(r *rand.Rand, t time.Time, loc *time.Location) time.Time {
	_, end := t.In(loc).ZoneBounds()
	if end.IsZero() {
		return t
	}
	return end.Add(time.Duration(r.Int64N(int64(6*time.Hour))) - 3*time.Hour)
}

// naiveIsBusiness is the definition of business time, applied directly.
func naiveIsBusiness(c *Calendar, t time.Time) bool {
	lt := t.In(c.loc)
	y, m, d := lt.Date()
	if !c.working(date{y, m, d}) {
		return false
	}
	min := lt.Hour()*60 + lt.Minute()
	return min >= c.start && min < c.end
}

func TestPropertyIsBusinessTimeMatchesTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		cfg := randomConfig(r)
		cal := mustNew(t, cfg)
		span := propertySpans[r.IntN(len(propertySpans))]
		for range 50 {
			x := randomInstant(r, span)
			if r.IntN(2) == 0 {
				x = nearTransition(r, x, cal.loc)
			}
			for _, probe := range []time.Time{x, x.Truncate(time.Minute), x.Truncate(time.Minute).Add(-time.Nanosecond)} {
				if got, want := cal.IsBusinessTime(probe), naiveIsBusiness(cal, probe); got != want {
					t.Fatalf("case %d %+v: IsBusinessTime(%s) = %v, definition says %v", i, cfg, probe.In(cal.loc), got, want)
				}
			}
		}
	}
}

func TestPropertyBusinessBetweenCountsTheMinutes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 150 {
		cfg := randomConfig(r)
		cal := mustNew(t, cfg)
		span := propertySpans[r.IntN(len(propertySpans))]
		a := randomInstant(r, span)
		if r.IntN(2) == 0 {
			a = nearTransition(r, a, cal.loc).Add(-36 * time.Hour)
		}
		a = a.Truncate(time.Minute)
		b := a.Add(time.Duration(r.IntN(4*24*60)) * time.Minute)
		var want time.Duration
		for m := a; m.Before(b); m = m.Add(time.Minute) {
			if naiveIsBusiness(cal, m) {
				want += time.Minute
			}
		}
		if got := cal.BusinessBetween(a, b); got != want {
			t.Fatalf("case %d %+v: BusinessBetween(%s, %s) = %s, counting minutes gives %s",
				i, cfg, a.In(cal.loc), b.In(cal.loc), got, want)
		}
	}
}

func TestPropertyAddBusinessRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		cfg := randomConfig(r)
		cal := mustNew(t, cfg)
		span := propertySpans[r.IntN(len(propertySpans))]
		s := randomInstant(r, span)
		if r.IntN(3) == 0 {
			s = nearTransition(r, s, cal.loc)
		}
		d := time.Duration(r.Int64N(int64(300 * time.Hour)))
		if r.IntN(3) == 0 {
			d = d.Truncate(time.Hour)
		}
		where := fmt.Sprintf("case %d %+v, start %s, d %s", i, cfg, s.In(cal.loc), d)

		e := cal.AddBusiness(s, d)
		if e.Before(s) {
			t.Fatalf("%s: AddBusiness went backwards to %s", where, e)
		}
		if got := cal.BusinessBetween(s, e); got != d {
			t.Fatalf("%s: AddBusiness = %s but BusinessBetween gives back %s", where, e, got)
		}
		if got := cal.BusinessBetween(e, s); got != -d {
			t.Fatalf("%s: BusinessBetween reversed = %s, want %s", where, got, -d)
		}
		if d > 0 && !cal.IsBusinessTime(e.Add(-time.Nanosecond)) {
			t.Fatalf("%s: AddBusiness = %s is not the earliest such instant", where, e)
		}
		back := cal.AddBusiness(e, -d)
		if d > 0 && !back.Equal(cal.NextBusinessStart(s)) {
			t.Fatalf("%s: AddBusiness(%s, -d) = %s, want NextBusinessStart(start) = %s", where, e, back, cal.NextBusinessStart(s))
		}
		if d > 0 && !cal.IsBusinessTime(back) {
			t.Fatalf("%s: going back landed outside business time at %s", where, back)
		}
		next := cal.NextBusinessStart(s)
		if next.Before(s) || !cal.IsBusinessTime(next) || cal.BusinessBetween(s, next) != 0 {
			t.Fatalf("%s: NextBusinessStart = %s is wrong", where, next)
		}
		// Additivity over a point in between.
		mid := s.Add(time.Duration(r.Int64N(int64(e.Sub(s)) + 1)))
		if got := cal.BusinessBetween(s, mid) + cal.BusinessBetween(mid, e); got != d {
			t.Fatalf("%s: split at %s sums to %s", where, mid, got)
		}
		// Days: whole working days from business time keep the wall-clock time.
		n := 1 + r.IntN(6)
		days := cal.AddBusinessDays(s, n)
		if !days.After(s) {
			t.Fatalf("%s: AddBusinessDays(%d) = %s did not move forward", where, n, days)
		}
	}
}

func BenchmarkAddBusiness48Hours(b *testing.B) {
	cal, err := New(Config{TimeZone: "Europe/Berlin", Weekdays: []string{"mon", "tue", "wed", "thu", "fri"}, Hours: Hours{"09:00", "17:00"}, Holidays: []string{"2026-04-03", "2026-04-06"}})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 3, 27, 15, 0, 0, 0, time.UTC)
	for b.Loop() {
		cal.AddBusiness(start, 48*time.Hour)
	}
}
