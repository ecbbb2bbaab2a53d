package protection

import (
	"reflect"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the DST test needs a real zone on machines without tzdata

	"github.com/tandemprm/tandem/internal/tandem"
)

var approved = time.Date(2026, 1, 5, 10, 30, 0, 0, time.UTC)

const day = 24 * time.Hour

func reg() Registration {
	return Registration{Motion: tandem.MotionResale, ApprovedAt: approved}
}

// days returns the instant n calendar days after approval.
func days(n int) time.Time { return approved.AddDate(0, 0, n) }

func kinds(as []Action) []ActionKind {
	var out []ActionKind
	for _, a := range as {
		out = append(out, a.Kind)
	}
	return out
}

func TestExpiry(t *testing.T) {
	c := Default()
	c.MotionWindowDays = map[tandem.Motion]int{tandem.MotionReferral: 60}
	withExt := reg()
	withExt.Extensions = []Extension{{Days: 30}, {Days: 10, Auto: true}}
	snapshot := reg()
	snapshot.WindowDays = 120
	referral := reg()
	referral.Motion = tandem.MotionReferral
	tests := []struct {
		name string
		r    Registration
		want time.Time
	}{
		{"default 90 days", reg(), days(90)},
		{"motion override", referral, days(60)},
		{"window recorded at approval wins over settings", snapshot, days(120)},
		{"extensions add up", withExt, days(130)},
		{"not approved", Registration{Motion: tandem.MotionResale}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Expiry(c, tt.r); !got.Equal(tt.want) {
				t.Errorf("Expiry = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExpiryKeepsWallClockAcrossDaylightSaving(t *testing.T) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	r := reg()
	r.ApprovedAt = time.Date(2026, 3, 1, 9, 0, 0, 0, brussels) // winter time; expiry in summer time
	got := Expiry(Default(), r)
	if want := time.Date(2026, 5, 30, 9, 0, 0, 0, brussels); !got.Equal(want) {
		t.Errorf("Expiry = %v, want %v", got, want)
	}
	if got.Sub(r.ApprovedAt) != 90*day-time.Hour {
		t.Errorf("90 calendar days across the spring change should be one hour short of 90×24h, got %v", got.Sub(r.ApprovedAt))
	}
}

func TestProtectedBoundaries(t *testing.T) {
	c := Default()
	ended := reg()
	ended.EndedAt = days(10)
	tests := []struct {
		name string
		r    Registration
		now  time.Time
		want bool
	}{
		{"at approval", reg(), approved, true},
		{"one nanosecond before expiry", reg(), days(90).Add(-1), true},
		{"exactly at expiry", reg(), days(90), false},
		{"after expiry", reg(), days(91), false},
		{"ended early", ended, days(20), false},
		{"not approved", Registration{}, approved, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Protected(c, tt.r, tt.now); got != tt.want {
				t.Errorf("Protected = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCanExtend(t *testing.T) {
	c := Default() // 2 extensions of at most 30 days
	oneUsed := reg()
	oneUsed.Extensions = []Extension{{At: days(80), Days: 30}}
	twoUsed := reg()
	twoUsed.Extensions = []Extension{{At: days(80), Days: 30}, {At: days(110), Days: 30, Auto: true}}
	ended := reg()
	ended.EndedAt = days(30)
	off := Default()
	off.MaxExtensions, off.MaxExtensionDays = 0, 0
	tests := []struct {
		name string
		c    Config
		r    Registration
		days int
		now  time.Time
		kind tandem.Kind
	}{
		{"first extension", c, reg(), 30, days(85), ""},
		{"one nanosecond before expiry", c, reg(), 1, days(90).Add(-1), ""},
		{"exactly at expiry", c, reg(), 30, days(90), tandem.KindConflict},
		{"after expiry", c, reg(), 30, days(100), tandem.KindConflict},
		{"the last allowed extension", c, oneUsed, 30, days(115), ""},
		{"the last extension's window is later", c, oneUsed, 30, days(119).Add(23 * time.Hour), ""},
		{"no extensions left", c, twoUsed, 1, days(130), tandem.KindConflict},
		{"extensions off", off, reg(), 10, days(50), tandem.KindConflict},
		{"ended early", c, ended, 10, days(40), tandem.KindConflict},
		{"not approved", c, Registration{}, 10, approved, tandem.KindConflict},
		{"zero days", c, reg(), 0, days(50), tandem.KindInvalid},
		{"negative days", c, reg(), -5, days(50), tandem.KindInvalid},
		{"one day too long", c, reg(), 31, days(50), tandem.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanExtend(tt.c, tt.r, tt.days, tt.now)
			if tandem.KindOf(err) != tt.kind {
				t.Fatalf("kind = %q (%v), want %q", tandem.KindOf(err), err, tt.kind)
			}
			if tt.kind == tandem.KindInvalid {
				if f := tandem.FieldsOf(err); len(f) != 1 || f[0].Path != "days" {
					t.Errorf("fields = %v", f)
				}
			}
			if err != nil && tandem.MessageOf(err) == "" {
				t.Error("no message")
			}
		})
	}
}

func TestExtendRecordsWithoutTouchingTheInput(t *testing.T) {
	c := Default()
	r := reg()
	r.Extensions = make([]Extension, 0, 4) // spare capacity must not be shared
	got, err := Extend(c, r, 20, false, days(80))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Extensions) != 0 || len(got.Extensions) != 1 {
		t.Fatalf("input changed or extension missing: %v / %v", r.Extensions, got.Extensions)
	}
	again, _ := Extend(c, r, 5, true, days(80))
	if got.Extensions[0].Days != 20 || again.Extensions[0].Days != 5 {
		t.Errorf("extensions share storage: %v %v", got.Extensions, again.Extensions)
	}
	if !Expiry(c, got).Equal(days(110)) {
		t.Errorf("expiry after extension = %v", Expiry(c, got))
	}
	if _, err := Extend(c, r, 99, false, days(80)); tandem.KindOf(err) != tandem.KindInvalid {
		t.Errorf("want invalid, got %v", err)
	}
}

func TestAutoExtend(t *testing.T) {
	c := Default()
	c.AutoExtend = true
	active := reg()
	active.LastActivityAt = days(85)
	got, err := AutoExtend(c, active, days(90))
	if err != nil {
		t.Fatal(err)
	}
	if len(active.Extensions) != 0 || !reflect.DeepEqual(got.Extensions, []Extension{{At: days(90), Days: 30, Auto: true}}) {
		t.Errorf("extensions = %v (input %v)", got.Extensions, active.Extensions)
	}
	if !Expiry(c, got).Equal(days(120)) {
		t.Errorf("expiry = %v", Expiry(c, got))
	}
	off := Default()
	stale := reg()
	stale.LastActivityAt = days(10)
	ended := active
	ended.EndedAt = days(90)
	for name, tc := range map[string]struct {
		c   Config
		r   Registration
		now time.Time
	}{
		"before expiry":      {c, active, days(90).Add(-1)},
		"no recent activity": {c, stale, days(90)},
		"off":                {off, active, days(90)},
		"ended":              {c, ended, days(91)},
		"not approved":       {c, Registration{}, days(91)},
	} {
		if _, err := AutoExtend(tc.c, tc.r, tc.now); tandem.KindOf(err) != tandem.KindConflict {
			t.Errorf("%s: got %v, want a conflict", name, err)
		}
	}
}

func TestReminderAt(t *testing.T) {
	short := Default()
	short.WindowDays = 7
	short.ReminderDays = 7 // would fall on approval: no reminder
	off := Default()
	off.ReminderDays = 0
	extended := reg()
	extended.Extensions = []Extension{{Days: 30}}
	tests := []struct {
		name string
		c    Config
		r    Registration
		want time.Time
		ok   bool
	}{
		{"seven days before expiry", Default(), reg(), days(83), true},
		{"moves with an extension", Default(), extended, days(113), true},
		{"off", off, reg(), time.Time{}, false},
		{"would not fall after approval", short, reg(), time.Time{}, false},
		{"not approved", Default(), Registration{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ReminderAt(tt.c, tt.r)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("ReminderAt = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDue(t *testing.T) {
	plain := Default()
	plain.NoTouchDays, plain.ConversionSLAHours = 0, 0
	auto := plain
	auto.AutoExtend = true // activity within 14 days before expiry adds 30 days
	withRem := func(r Registration, f func(*Registration)) Registration { f(&r); return r }
	reminded := withRem(reg(), func(r *Registration) { r.RemindedFor = days(90) })
	remindedThenExtended := withRem(reminded, func(r *Registration) { r.Extensions = []Extension{{At: days(85), Days: 10}} })
	active := withRem(reg(), func(r *Registration) { r.LastActivityAt = days(76) }) // exactly 14 days before expiry
	stale := withRem(reg(), func(r *Registration) { r.LastActivityAt = days(76).Add(-1) })
	activeNoneLeft := withRem(active, func(r *Registration) {
		r.Extensions = []Extension{{Days: 1}, {Days: 1}}
		r.LastActivityAt = days(90)
	})
	tests := []struct {
		name string
		c    Config
		r    Registration
		now  time.Time
		want []Action
	}{
		{"nothing early on", plain, reg(), days(10), nil},
		{"one nanosecond before the reminder", plain, reg(), days(83).Add(-1), nil},
		{"exactly at the reminder", plain, reg(), days(83), []Action{{Kind: ActionRemind, At: days(83)}}},
		{"reminder already sent", plain, reminded, days(85), nil},
		{"an extension re-arms the reminder", plain, remindedThenExtended, days(93), []Action{{Kind: ActionRemind, At: days(93)}}},
		{"exactly at expiry", plain, reg(), days(90), []Action{{Kind: ActionExpire, At: days(90)}}},
		{"expiry replaces an unsent reminder", plain, reg(), days(95), []Action{{Kind: ActionExpire, At: days(90)}}},
		{"auto-extension on recent activity", auto, active, days(90), []Action{{Kind: ActionAutoExtend, At: days(90), Days: 30}}},
		{"activity just too old", auto, stale, days(90), []Action{{Kind: ActionExpire, At: days(90)}}},
		{"no extensions left", auto, activeNoneLeft, days(92), []Action{{Kind: ActionExpire, At: days(92)}}},
		{"auto-extension off", plain, active, days(90), []Action{{Kind: ActionExpire, At: days(90)}}},
		{"ended", plain, withRem(reg(), func(r *Registration) { r.EndedAt = days(90) }), days(200), nil},
		{"not approved", plain, Registration{}, days(200), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Due(tt.c, tt.r, tt.now); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Due = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDueNoTouchAndConversion(t *testing.T) {
	c := Default() // no-touch 30 days, conversion 24 hours
	c.ReminderDays = 0
	flagged := reg()
	flagged.NoTouchFlaggedAt = days(30)
	touchedAfterFlag := flagged
	touchedAfterFlag.LastActivityAt = days(40)
	converted := reg()
	converted.ConvertedAt = approved.Add(2 * time.Hour)
	convFlagged := reg()
	convFlagged.ConversionFlaggedAt = approved.Add(25 * time.Hour)
	tests := []struct {
		name string
		r    Registration
		now  time.Time
		want []ActionKind
	}{
		{"one nanosecond before the conversion deadline", reg(), approved.Add(24*time.Hour - 1), nil},
		{"exactly at the conversion deadline", reg(), approved.Add(24 * time.Hour), []ActionKind{ActionConversionOverdue}},
		{"converted in time", converted, approved.Add(48 * time.Hour), nil},
		{"conversion already flagged", convFlagged, approved.Add(48 * time.Hour), nil},
		{"untouched for 30 days, both due in order", reg(), days(30), []ActionKind{ActionConversionOverdue, ActionFlagNoTouch}},
		{"no-touch already flagged", flagged, days(45), []ActionKind{ActionConversionOverdue}},
		{"activity after the flag restarts the count", touchedAfterFlag, days(70), []ActionKind{ActionConversionOverdue, ActionFlagNoTouch}},
		{"but not before the new threshold", touchedAfterFlag, days(70).Add(-1), []ActionKind{ActionConversionOverdue}},
		{"no-touch stops at expiry", reg(), days(90), []ActionKind{ActionConversionOverdue, ActionExpire}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kinds(Due(c, tt.r, tt.now)); !slices.Equal(got, tt.want) {
				t.Errorf("Due kinds = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSchedulerWalk plays the job system: wake at Next, run Due, record each action, and
// check the whole life of a registration fires each action exactly once and ends.
func TestSchedulerWalk(t *testing.T) {
	c := Default()
	c.AutoExtend = true
	r := reg()
	activity := days(80) // recent activity: the first expiry becomes an extension
	type fired struct {
		kind ActionKind
		at   time.Time
	}
	var log []fired
	now := approved
	keys := map[string]bool{}
	for range 100 {
		for _, a := range Due(c, r, now) {
			if keys[a.Key()] {
				t.Fatalf("action %s fired twice", a.Key())
			}
			keys[a.Key()] = true
			log = append(log, fired{a.Kind, a.At})
			switch a.Kind {
			case ActionRemind:
				r.RemindedFor = Expiry(c, r)
			case ActionFlagNoTouch:
				r.NoTouchFlaggedAt = now
			case ActionConversionOverdue:
				r.ConvertedAt = now // converted once someone was chased
			case ActionAutoExtend:
				var err error
				if r, err = AutoExtend(c, r, now); err != nil {
					t.Fatal(err)
				}
			case ActionExpire:
				r.EndedAt = now
			}
		}
		next, ok := Next(c, r, now)
		if !ok {
			break
		}
		if !next.After(now) {
			t.Fatalf("Next(%v) = %v does not move forward", now, next)
		}
		if !activity.IsZero() && !activity.After(next) {
			now, r.LastActivityAt, activity = activity, activity, time.Time{}
			continue
		}
		now = next
	}
	want := []fired{
		{ActionConversionOverdue, approved.Add(24 * time.Hour)},
		{ActionFlagNoTouch, days(30)}, // once per idle stretch, not again at day 60
		{ActionRemind, days(83)},
		{ActionAutoExtend, days(90)},
		{ActionFlagNoTouch, days(110)}, // 30 days after the activity on day 80
		{ActionRemind, days(113)},
		{ActionExpire, days(120)}, // no activity since: the extended window lapses
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("fired:\n%v\nwant:\n%v", log, want)
	}
	if _, ok := Next(c, r, now); ok {
		t.Error("an ended registration still schedules work")
	}
}

func TestNextPicksTheEarliestPendingMoment(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		r    Registration
		now  time.Time
		want time.Time
		ok   bool
	}{
		{"conversion first", reg(), approved, approved.Add(24 * time.Hour), true},
		{"then no-touch", reg(), approved.Add(24 * time.Hour), days(30), true},
		{"reminder skipped once sent", Registration{Motion: tandem.MotionResale, ApprovedAt: approved, RemindedFor: days(90), NoTouchFlaggedAt: days(80), ConvertedAt: approved}, days(80), days(90), true},
		{"not approved", Registration{}, approved, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Next(c, tt.r, tt.now)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("Next = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestAppeals(t *testing.T) {
	c := Default() // 14 days, one appeal
	decided := approved
	deadline, ok := AppealDeadline(c, decided)
	if !ok || !deadline.Equal(decided.AddDate(0, 0, 14)) {
		t.Fatalf("deadline = %v, %v", deadline, ok)
	}
	off := Default()
	off.AppealDays, off.MaxAppeals = 0, 0
	if _, ok := AppealDeadline(off, decided); ok {
		t.Error("appeals off still has a deadline")
	}
	tests := []struct {
		name    string
		c       Config
		appeals int
		now     time.Time
		ok      bool
	}{
		{"right after the decision", c, 0, decided, true},
		{"one nanosecond before the deadline", c, 0, deadline.Add(-1), true},
		{"exactly at the deadline", c, 0, deadline, false},
		{"already appealed", c, 1, decided.Add(day), false},
		{"appeals off", off, 0, decided, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanAppeal(tt.c, decided, tt.appeals, tt.now)
			if (err == nil) != tt.ok {
				t.Fatalf("CanAppeal = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && tandem.KindOf(err) != tandem.KindConflict {
				t.Errorf("kind = %q", tandem.KindOf(err))
			}
		})
	}
}

func TestActionKeyIsStableAcrossZones(t *testing.T) {
	a := Action{Kind: ActionExpire, At: days(90)}
	b := Action{Kind: ActionExpire, At: days(90).In(time.FixedZone("x", 3600))}
	if a.Key() != b.Key() || a.Key() == (Action{Kind: ActionRemind, At: days(90)}).Key() {
		t.Errorf("keys %q %q", a.Key(), b.Key())
	}
}
