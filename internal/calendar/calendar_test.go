package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

func mustNew(t *testing.T, c Config) *Calendar {
	t.Helper()
	cal, err := New(c)
	if err != nil {
		t.Fatalf("New(%+v): %v", c, err)
	}
	return cal
}

// at reads "2006-01-02 15:04" (optionally with seconds) as wall time in loc. When
// the wall time happens twice, a trailing " +0200" style offset picks one.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02 15:04 -0700", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if strings.Contains(layout, "-0700") {
			if v, err := time.Parse(layout, s); err == nil {
				return v.In(loc)
			}
			continue
		}
		if v, err := time.ParseInLocation(layout, s, loc); err == nil {
			return v
		}
	}
	t.Fatalf("bad time %q", s)
	return time.Time{}
}

// office is a Berlin office: Monday to Friday 09:00–17:00, with Good Friday and
// Easter Monday 2026 off. Berlin moves its clocks on 2026-03-29 and 2026-10-25.
func office(t *testing.T) *Calendar {
	return mustNew(t, Config{
		TimeZone: "Europe/Berlin",
		Weekdays: []string{"mon", "tue", "wed", "thu", "fri"},
		Hours:    Hours{Start: "09:00", End: "17:00"},
		Holidays: []string{"2026-04-03", "2026-04-06", "2026-12-25"},
	})
}

func TestOfficeIsBusinessTime(t *testing.T) {
	cal := office(t)
	loc := cal.Location()
	tests := []struct {
		at   string
		want bool
	}{
		{"2026-03-06 16:00", true},     // Friday afternoon
		{"2026-03-06 09:00", true},     // opening instant is business time
		{"2026-03-06 08:59:59", false}, // a second before opening
		{"2026-03-06 16:59:59", true},
		{"2026-03-06 17:00", false}, // closing instant is not
		{"2026-03-07 12:00", false}, // Saturday
		{"2026-04-03 10:00", false}, // Good Friday
		{"2026-04-06 10:00", false}, // Easter Monday
		{"2026-04-07 10:00", true},
		{"2026-03-30 09:00", true}, // first Monday of summer time
	}
	for _, tt := range tests {
		if got := cal.IsBusinessTime(at(t, loc, tt.at)); got != tt.want {
			t.Errorf("IsBusinessTime(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestOfficeNextBusinessStart(t *testing.T) {
	cal := office(t)
	loc := cal.Location()
	tests := []struct{ from, want string }{
		{"2026-03-06 16:00", "2026-03-06 16:00"}, // already business time
		{"2026-03-06 17:00", "2026-03-09 09:00"}, // Friday close to Monday open
		{"2026-03-09 07:30", "2026-03-09 09:00"},
		{"2026-04-02 18:00", "2026-04-07 09:00"}, // over Good Friday, the weekend and Easter Monday
		{"2026-03-27 17:00", "2026-03-30 09:00"}, // over the weekend the clocks change
		{"2026-12-24 17:00", "2026-12-28 09:00"},
	}
	for _, tt := range tests {
		got := cal.NextBusinessStart(at(t, loc, tt.from))
		if want := at(t, loc, tt.want); !got.Equal(want) {
			t.Errorf("NextBusinessStart(%s) = %s, want %s", tt.from, got, want)
		}
	}
}

func TestOfficeAddBusiness(t *testing.T) {
	cal := office(t)
	loc := cal.Location()
	tests := []struct {
		from string
		d    time.Duration
		want string
	}{
		// 1h on Friday, then five 8-hour days, then 7h of the following Monday.
		{"2026-03-06 16:00", 48 * time.Hour, "2026-03-16 16:00"},
		{"2026-03-06 16:00", time.Hour, "2026-03-06 17:00"}, // end of day, not Monday 09:00
		{"2026-03-06 16:00", time.Hour + time.Minute, "2026-03-09 09:01"},
		{"2026-03-07 10:00", 8 * time.Hour, "2026-03-09 17:00"},              // from Saturday
		{"2026-04-02 16:00", 2 * time.Hour, "2026-04-07 10:00"},              // over Easter
		{"2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00"},              // over the clock change
		{"2026-10-23 16:30", 90 * time.Minute, "2026-10-26 10:00"},           // over the change back
		{"2026-03-06 12:00", 0, "2026-03-06 12:00"},                          // zero is the start itself
		{"2026-03-07 12:00", 0, "2026-03-07 12:00"},                          // even outside business time
		{"2026-03-09 10:00", -2 * time.Hour, "2026-03-06 16:00"},             // backwards over a weekend
		{"2026-03-09 09:00", -time.Hour, "2026-03-06 16:00"},                 //
		{"2026-03-09 09:00", -8 * time.Hour, "2026-03-06 09:00"},             // a whole day back lands on its start
		{"2026-04-07 09:30", -time.Hour, "2026-04-02 16:30"},                 // backwards over Easter
		{"2026-03-07 12:00", -30 * time.Minute, "2026-03-06 16:30"},          // backwards from Saturday
		{"2026-03-30 09:00", -8*time.Hour - time.Minute, "2026-03-26 16:59"}, // across the change backwards
	}
	for _, tt := range tests {
		got := cal.AddBusiness(at(t, loc, tt.from), tt.d)
		if want := at(t, loc, tt.want); !got.Equal(want) {
			t.Errorf("AddBusiness(%s, %s) = %s, want %s", tt.from, tt.d, got, want)
		}
		if got.Location() != loc {
			t.Errorf("AddBusiness result is in %s, want the calendar's zone", got.Location())
		}
	}
}

func TestOfficeBusinessBetween(t *testing.T) {
	cal := office(t)
	loc := cal.Location()
	tests := []struct {
		a, b string
		want time.Duration
	}{
		{"2026-03-06 16:00", "2026-03-09 10:00", 2 * time.Hour},
		{"2026-03-09 10:00", "2026-03-06 16:00", -2 * time.Hour},
		{"2026-03-07 00:00", "2026-03-09 00:00", 0},                         // a weekend
		{"2026-03-09 00:00", "2026-03-16 00:00", 40 * time.Hour},            // a week
		{"2026-03-30 00:00", "2026-04-07 00:00", 32 * time.Hour},            // Easter week: Mon–Thu
		{"2026-03-23 00:00", "2026-03-30 12:00", 43 * time.Hour},            // the week of the clock change
		{"2026-03-06 12:00", "2026-03-06 12:00", 0},                         // empty
		{"2026-03-06 12:00", "2026-03-06 12:00:01", time.Second},            //
		{"2026-01-01 00:00", "2027-01-01 00:00", (261 - 3) * 8 * time.Hour}, // 2026 has 261 weekdays
	}
	for _, tt := range tests {
		if got := cal.BusinessBetween(at(t, loc, tt.a), at(t, loc, tt.b)); got != tt.want {
			t.Errorf("BusinessBetween(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestOfficeAddBusinessDays(t *testing.T) {
	cal := office(t)
	loc := cal.Location()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-06 16:00", 2, "2026-03-10 16:00"}, // Friday 16:00 + 2 days = Tuesday 16:00
		{"2026-03-07 11:00", 2, "2026-03-10 17:00"}, // Saturday + 2 days = end of Tuesday
		{"2026-03-06 17:30", 2, "2026-03-10 17:00"}, // Friday evening counts from Monday
		{"2026-03-09 08:00", 2, "2026-03-10 17:00"}, // before opening, Monday is day one
		{"2026-03-09 09:00", 5, "2026-03-16 09:00"},
		{"2026-04-02 10:00", 1, "2026-04-07 10:00"}, // over Easter
		{"2026-03-27 10:15", 1, "2026-03-30 10:15"}, // over the clock change, same wall time
		{"2026-03-06 16:00", 0, "2026-03-06 16:00"},
		{"2026-03-06 16:00", -3, "2026-03-06 16:00"},
	}
	for _, tt := range tests {
		got := cal.AddBusinessDays(at(t, loc, tt.from), tt.n)
		if want := at(t, loc, tt.want); !got.Equal(want) {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.from, tt.n, got, want)
		}
	}
	// With equal days, counting days agrees with counting hours, up to the choice
	// between one day's close and the next day's opening, which are the same moment
	// in business time.
	for _, from := range []string{"2026-03-06 16:00", "2026-03-07 11:00", "2026-03-09 09:00", "2026-04-02 12:34"} {
		for n := 1; n <= 7; n++ {
			a := cal.AddBusinessDays(at(t, loc, from), n)
			b := cal.AddBusiness(at(t, loc, from), time.Duration(n)*cal.WorkdayLength())
			if cal.BusinessBetween(b, a) != 0 || cal.BusinessBetween(a, b) != 0 {
				t.Errorf("from %s, %d days: AddBusinessDays = %s, AddBusiness = %s", from, n, a, b)
			}
		}
	}
}

func TestRoundTheClockWeekdays(t *testing.T) {
	cal := mustNew(t, Config{TimeZone: "America/New_York", Weekdays: []string{"Monday", "TUE", "wed", "thu", "fri"}, Hours: Hours{"00:00", "24:00"}})
	loc := cal.Location()
	// "48 hours, not counting weekends": Friday 16:00 → Tuesday 16:00, although the
	// clocks went forward that weekend.
	got := cal.AddBusiness(at(t, loc, "2026-03-06 16:00"), 48*time.Hour)
	if want := at(t, loc, "2026-03-10 16:00"); !got.Equal(want) {
		t.Errorf("AddBusiness over the weekend = %s, want %s", got, want)
	}
	if d := cal.BusinessBetween(at(t, loc, "2026-03-06 00:00"), at(t, loc, "2026-03-07 00:00")); d != 24*time.Hour {
		t.Errorf("a weekday = %s", d)
	}
	// Friday ends at midnight; Saturday is off.
	if cal.IsBusinessTime(at(t, loc, "2026-03-07 00:00")) || !cal.IsBusinessTime(at(t, loc, "2026-03-06 23:59:59")) {
		t.Error("the day must end exactly at midnight")
	}
	got = cal.AddBusinessDays(at(t, loc, "2026-03-07 12:00"), 1)
	if want := at(t, loc, "2026-03-10 00:00"); !got.Equal(want) {
		t.Errorf("Saturday + 1 day = %s, want the end of Monday %s", got, want)
	}
	got = cal.AddBusiness(at(t, loc, "2026-03-06 23:00"), 2*time.Hour)
	if want := at(t, loc, "2026-03-09 01:00"); !got.Equal(want) {
		t.Errorf("Friday 23:00 + 2h = %s, want %s", got, want)
	}
}

func always(t *testing.T, zone string) *Calendar {
	return mustNew(t, Config{TimeZone: zone, Weekdays: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Hours: Hours{"00:00", "24:00"}})
}

func TestDaylightSavingDaysHaveTheirRealLength(t *testing.T) {
	tests := []struct {
		zone string
		day  string
		want time.Duration
	}{
		{"America/New_York", "2026-03-08", 23 * time.Hour},
		{"America/New_York", "2026-11-01", 25 * time.Hour},
		{"America/New_York", "2026-06-01", 24 * time.Hour},
		{"Europe/Berlin", "2026-03-29", 23 * time.Hour},
		{"Europe/Berlin", "2026-10-25", 25 * time.Hour},
		{"Australia/Lord_Howe", "2026-10-04", 23*time.Hour + 30*time.Minute}, // half-hour shift
		{"Australia/Lord_Howe", "2026-04-05", 24*time.Hour + 30*time.Minute},
		{"Asia/Beirut", "2026-03-29", 23 * time.Hour},      // midnight does not exist that day
		{"America/Santiago", "2026-09-06", 23 * time.Hour}, // nor here
		{"America/Santiago", "2026-04-04", 25 * time.Hour}, // here 23:00 happens twice
		{"Asia/Kolkata", "2026-03-29", 24 * time.Hour},
	}
	for _, tt := range tests {
		cal := always(t, tt.zone)
		loc := cal.Location()
		d, _ := time.Parse(time.DateOnly, tt.day)
		// The day runs from the first instant showing that date to the first instant
		// showing the next one.
		start := cal.instantAt(d)
		end := cal.instantAt(d.AddDate(0, 0, 1))
		if got := end.Sub(start); got != tt.want {
			t.Errorf("%s %s lasts %s, want %s", tt.zone, tt.day, got, tt.want)
		}
		if got := cal.BusinessBetween(start, end); got != tt.want {
			t.Errorf("%s %s: BusinessBetween = %s, want %s", tt.zone, tt.day, got, tt.want)
		}
		if got := cal.AddBusiness(start, tt.want); !got.Equal(end) {
			t.Errorf("%s %s: AddBusiness(start, %s) = %s, want %s", tt.zone, tt.day, tt.want, got, end)
		}
		if !cal.IsBusinessTime(start.In(loc)) {
			t.Errorf("%s %s: start is not business time", tt.zone, tt.day)
		}
	}
}

func TestWorkingHoursThatTheClocksSkipOrRepeat(t *testing.T) {
	night := mustNew(t, Config{TimeZone: "Europe/Berlin", Weekdays: []string{"sun"}, Hours: Hours{"01:00", "04:00"}})
	loc := night.Location()
	// 2026-03-29: 02:00–03:00 does not exist, so the night shift lasts 2 hours.
	if d := night.BusinessBetween(at(t, loc, "2026-03-29 00:00"), at(t, loc, "2026-03-30 00:00")); d != 2*time.Hour {
		t.Errorf("spring night = %s, want 2h", d)
	}
	got := night.AddBusiness(at(t, loc, "2026-03-29 01:00"), 90*time.Minute)
	if want := at(t, loc, "2026-03-29 03:30"); !got.Equal(want) {
		t.Errorf("spring: 01:00 + 90m = %s, want %s", got, want)
	}
	// 2026-10-25: 02:00–03:00 happens twice, so the night shift lasts 4 hours.
	if d := night.BusinessBetween(at(t, loc, "2026-10-25 00:00"), at(t, loc, "2026-10-26 00:00")); d != 4*time.Hour {
		t.Errorf("autumn night = %s, want 4h", d)
	}
	got = night.AddBusiness(at(t, loc, "2026-10-25 01:00"), 3*time.Hour)
	if want := at(t, loc, "2026-10-25 03:00 +0100"); !got.Equal(want) {
		t.Errorf("autumn: 01:00 + 3h = %s, want %s", got, want)
	}
	// The second 02:30 is business time too.
	if !night.IsBusinessTime(at(t, loc, "2026-10-25 02:30 +0100")) || !night.IsBusinessTime(at(t, loc, "2026-10-25 02:30 +0200")) {
		t.Error("both 02:30s must be business time")
	}
}

func TestSkippedDate(t *testing.T) {
	// Samoa skipped Friday 2011-12-30 entirely when it moved across the date line.
	cal := mustNew(t, Config{TimeZone: "Pacific/Apia", Weekdays: []string{"mon", "tue", "wed", "thu", "fri"}, Hours: Hours{"09:00", "17:00"}})
	loc := cal.Location()
	if d := cal.BusinessBetween(at(t, loc, "2011-12-29 09:00"), at(t, loc, "2012-01-02 17:00")); d != 16*time.Hour {
		t.Errorf("over the skipped Friday = %s, want 16h", d)
	}
	got := cal.AddBusiness(at(t, loc, "2011-12-29 16:00"), 2*time.Hour)
	if want := at(t, loc, "2012-01-02 10:00"); !got.Equal(want) {
		t.Errorf("AddBusiness over the skipped Friday = %s, want %s", got, want)
	}
	got = cal.AddBusiness(at(t, loc, "2012-01-02 10:00"), -2*time.Hour)
	if want := at(t, loc, "2011-12-29 16:00"); !got.Equal(want) {
		t.Errorf("backwards over the skipped Friday = %s, want %s", got, want)
	}
}

func TestValidation(t *testing.T) {
	base := func() Config { return DefaultConfig() }
	tests := []struct {
		name   string
		edit   func(*Config)
		fields map[string]string // path -> part of the detail
	}{
		{"no zone", func(c *Config) { c.TimeZone = "" }, map[string]string{"calendar.time_zone": "required"}},
		{"unknown zone", func(c *Config) { c.TimeZone = "Mars/Olympus" }, map[string]string{"calendar.time_zone": "not a known time zone"}},
		{"local zone", func(c *Config) { c.TimeZone = "Local" }, map[string]string{"calendar.time_zone": "local time"}},
		{"no working days", func(c *Config) { c.Weekdays = nil }, map[string]string{"calendar.weekdays": "at least one"}},
		{"bad weekday", func(c *Config) { c.Weekdays = []string{"mon", "funday"} }, map[string]string{"calendar.weekdays[1]": `"funday" is not a weekday`}},
		{"weekday twice", func(c *Config) { c.Weekdays = []string{"mon", "Monday"} }, map[string]string{"calendar.weekdays[1]": "Monday is listed twice"}},
		{"start after end", func(c *Config) { c.Hours = Hours{"17:00", "09:00"} }, map[string]string{"calendar.hours.start": "must be before end"}},
		{"empty span", func(c *Config) { c.Hours = Hours{"09:00", "09:00"} }, map[string]string{"calendar.hours.start": "must be before end"}},
		{"start at 24:00", func(c *Config) { c.Hours = Hours{"24:00", "24:00"} }, map[string]string{"calendar.hours.start": "between 00:00 and 23:59"}},
		{"end at 00:00", func(c *Config) { c.Hours = Hours{"00:00", "00:00"} }, map[string]string{"calendar.hours.end": "between 00:01 and 24:00"}},
		{"sloppy time", func(c *Config) { c.Hours = Hours{"9:00", "17:00"} }, map[string]string{"calendar.hours.start": "HH:MM"}},
		{"signed time", func(c *Config) { c.Hours = Hours{"+9:00", "17:00"} }, map[string]string{"calendar.hours.start": "HH:MM"}},
		{"minutes out of range", func(c *Config) { c.Hours = Hours{"09:00", "17:60"} }, map[string]string{"calendar.hours.end": "HH:MM"}},
		{"after midnight", func(c *Config) { c.Hours = Hours{"09:00", "24:30"} }, map[string]string{"calendar.hours.end": "HH:MM"}},
		{"bad holiday", func(c *Config) { c.Holidays = []string{"2026-12-25", "25.12.2026", "2026-02-30"} }, map[string]string{
			"calendar.holidays[1]": "YYYY-MM-DD", "calendar.holidays[2]": "not a date"}},
		{"holiday twice", func(c *Config) { c.Holidays = []string{"2026-12-25", "2026-12-25"} }, map[string]string{"calendar.holidays[1]": "listed twice"}},
		{"too many holidays", func(c *Config) {
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range MaxHolidays + 1 {
				c.Holidays = append(c.Holidays, start.AddDate(0, 0, i).Format(time.DateOnly))
			}
		}, map[string]string{"calendar.holidays": "at most 1000"}},
		{"everything wrong at once", func(c *Config) { *c = Config{Hours: Hours{"x", "y"}} }, map[string]string{
			"calendar.time_zone": "required", "calendar.weekdays": "at least one",
			"calendar.hours.start": "HH:MM", "calendar.hours.end": "HH:MM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.edit(&c)
			err := c.Validate()
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("Validate() = %v, want an invalid error", err)
			}
			got := map[string]string{}
			for _, f := range tandem.FieldsOf(err) {
				got[f.Path] = f.Detail
			}
			for path, part := range tt.fields {
				if !strings.Contains(got[path], part) {
					t.Errorf("%s: got %q, want it to mention %q", path, got[path], part)
				}
			}
			if len(got) != len(tt.fields) {
				t.Errorf("got problems %v, want exactly %v", got, tt.fields)
			}
			if cal, err2 := New(c); cal != nil || err2 == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestCheckNestsUnderAnyPath(t *testing.T) {
	var p tandem.Problems
	Config{TimeZone: "UTC", Weekdays: []string{"mon"}, Hours: Hours{"17:00", "09:00"}}.Check(&p, "settings.calendar")
	if len(p) != 1 || p[0].Path != "settings.calendar.hours.start" || p[0].Detail != "must be before end (09:00); working hours cannot cross midnight" {
		t.Errorf("Check: %+v", p)
	}
}

func TestCanonicalConfig(t *testing.T) {
	cal := mustNew(t, Config{
		TimeZone: "Asia/Tokyo",
		Weekdays: []string{"SUNDAY", "fri", "Mon"},
		Hours:    Hours{"08:30", "24:00"},
		Holidays: []string{"2026-05-05", "2026-01-01"},
	})
	got := cal.Config()
	want := Config{TimeZone: "Asia/Tokyo", Weekdays: []string{"mon", "fri", "sun"}, Hours: Hours{"08:30", "24:00"}, Holidays: []string{"2026-01-01", "2026-05-05"}}
	if strings.Join(got.Weekdays, ",") != strings.Join(want.Weekdays, ",") || strings.Join(got.Holidays, ",") != strings.Join(want.Holidays, ",") ||
		got.TimeZone != want.TimeZone || got.Hours != want.Hours {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	got.Weekdays[0] = "sat" // the copy is the caller's
	if cal.Config().Weekdays[0] != "mon" {
		t.Error("Config() shares memory with the calendar")
	}
	if cal.WorkdayLength() != 15*time.Hour+30*time.Minute {
		t.Errorf("WorkdayLength = %s", cal.WorkdayLength())
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig is invalid: %v", err)
	}
}

func TestIsWorkingDate(t *testing.T) {
	cal := office(t)
	loc := cal.Location()
	// 2026-04-02 23:30 UTC is already Good Friday in Berlin.
	if cal.IsWorkingDate(time.Date(2026, 4, 2, 23, 30, 0, 0, time.UTC)) {
		t.Error("Good Friday in Berlin counted as a working date")
	}
	if !cal.IsWorkingDate(at(t, loc, "2026-04-02 23:30")) {
		t.Error("Maundy Thursday is a working date")
	}
}

func TestZeroCalendarPanicsInsteadOfLooping(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("the zero Calendar must panic")
		}
	}()
	var c Calendar
	c.NextBusinessStart(time.Now())
}
