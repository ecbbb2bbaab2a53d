package protection

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Registration is what the protection rules need to know about one registration. The
// service layer fills it from the store; the *At fields that record what has already
// been done make Due idempotent.
type Registration struct {
	Motion tandem.Motion
	// ApprovedAt starts the window. Zero means not approved: no protection, no actions.
	ApprovedAt time.Time
	// WindowDays is the window granted at approval. Record Config.WindowFor at approval
	// so a later change of settings does not move existing windows. Zero means "use
	// the current settings".
	WindowDays int
	// Extensions granted so far, manual and automatic, in any order.
	Extensions []Extension
	// LastActivityAt is the latest touch on the registration or its opportunity; zero
	// when there has been none since approval.
	LastActivityAt time.Time
	// ConvertedAt is when the registration became (or was linked to) an opportunity.
	ConvertedAt time.Time
	// EndedAt is when protection ended: expired by the expiry job, withdrawn, closed,
	// reassigned. Once set, no action is due.
	EndedAt time.Time
	// RemindedFor is the expiry that the last expiry reminder was sent for.
	RemindedFor time.Time
	// NoTouchFlaggedAt is when the registration was last flagged for going untouched.
	NoTouchFlaggedAt time.Time
	// ConversionFlaggedAt is when a missed conversion SLA was flagged.
	ConversionFlaggedAt time.Time
}

// Extension is one extension of a window.
type Extension struct {
	At   time.Time // when it was granted
	Days int
	Auto bool // granted by AutoExtend rather than by a person
}

// addDays adds calendar days on the clock of t's location, so that a window keeps its
// wall-clock time across daylight-saving changes. Pass times in the workspace's zone.
func addDays(t time.Time, days int) time.Time { return t.AddDate(0, 0, days) }

// Expiry returns the instant protection ends: approval plus the window plus every
// extension, in calendar days. At that instant the registration is no longer protected.
// It returns the zero time for a registration that is not approved.
func Expiry(c Config, r Registration) time.Time {
	if r.ApprovedAt.IsZero() {
		return time.Time{}
	}
	days := r.WindowDays
	if days <= 0 {
		days = c.WindowFor(r.Motion)
	}
	for _, e := range r.Extensions {
		days += e.Days
	}
	return addDays(r.ApprovedAt, days)
}

// Protected reports whether the registration is protected at now: approved, not ended,
// and now strictly before Expiry.
func Protected(c Config, r Registration, now time.Time) bool {
	return !r.ApprovedAt.IsZero() && r.EndedAt.IsZero() && now.Before(Expiry(c, r))
}

// ExtensionsLeft returns how many more extensions the registration may have.
func ExtensionsLeft(c Config, r Registration) int {
	return max(0, c.MaxExtensions-len(r.Extensions))
}

// CanExtend says whether a person may extend the registration by days at now. It returns
// nil when allowed; a KindConflict error when the registration's state forbids any
// extension (not approved, ended or expired — including exactly at expiry — or out of
// extensions); a KindInvalid error on the "days" field when the length is out of range.
func CanExtend(c Config, r Registration, days int, now time.Time) error {
	switch {
	case r.ApprovedAt.IsZero():
		return tandem.Errorf(tandem.KindConflict, "Only an approved registration can be extended.")
	case !r.EndedAt.IsZero():
		return tandem.Errorf(tandem.KindConflict, "Protection for this registration ended on %s; it can no longer be extended.", stamp(r.EndedAt))
	case !now.Before(Expiry(c, r)):
		return tandem.Errorf(tandem.KindConflict, "Protection for this registration expired on %s; it can no longer be extended.", stamp(Expiry(c, r)))
	case c.MaxExtensions == 0:
		return tandem.Errorf(tandem.KindConflict, "This program does not allow extensions.")
	case ExtensionsLeft(c, r) == 0:
		return tandem.Errorf(tandem.KindConflict, "This registration has already had its %d extension(s); no more are allowed.", c.MaxExtensions)
	case days < 1 || days > c.MaxExtensionDays:
		return tandem.Invalid("The extension is not valid.", tandem.FieldError{Path: "days", Detail: fmt.Sprintf("must be between 1 and %d", c.MaxExtensionDays)})
	}
	return nil
}

// Extend returns r with an extension of days granted at now, after checking CanExtend
// (whose error it returns unchanged). auto marks an automatic extension. r is not
// modified.
func Extend(c Config, r Registration, days int, auto bool, now time.Time) (Registration, error) {
	if err := CanExtend(c, r, days, now); err != nil {
		return r, err
	}
	r.Extensions = append(slices.Clone(r.Extensions), Extension{At: now, Days: days, Auto: auto})
	return r, nil
}

// AutoExtend returns r with the automatic extension that Due reports at now recorded
// (AutoExtendDays, stamped now). It is how the expiry job acts on ActionAutoExtend: a
// person's extension must come before expiry (CanExtend), an automatic one comes at it.
// It returns a KindConflict error, and r unchanged, when no automatic extension is due
// at now. r is not modified.
func AutoExtend(c Config, r Registration, now time.Time) (Registration, error) {
	exp := Expiry(c, r)
	if r.ApprovedAt.IsZero() || !r.EndedAt.IsZero() || now.Before(exp) || !autoExtendable(c, r, exp) {
		return r, tandem.Errorf(tandem.KindConflict, "No automatic extension is due for this registration.")
	}
	r.Extensions = append(slices.Clone(r.Extensions), Extension{At: now, Days: c.AutoExtendDays, Auto: true})
	return r, nil
}

// ReminderAt returns when the expiry reminder for the current window is due: ReminderDays
// calendar days before Expiry. ok is false when reminders are off, the registration is
// not approved, or that moment would not fall after approval.
func ReminderAt(c Config, r Registration) (at time.Time, ok bool) {
	if c.ReminderDays <= 0 || r.ApprovedAt.IsZero() {
		return time.Time{}, false
	}
	at = addDays(Expiry(c, r), -c.ReminderDays)
	if !at.After(r.ApprovedAt) {
		return time.Time{}, false
	}
	return at, true
}

// NoTouchAt returns when the registration becomes a reassignment candidate if nothing
// happens: NoTouchDays after the later of approval and the last activity. ok is false
// when the check is off or the registration is not approved.
func NoTouchAt(c Config, r Registration) (at time.Time, ok bool) {
	if c.NoTouchDays <= 0 || r.ApprovedAt.IsZero() {
		return time.Time{}, false
	}
	idle := r.ApprovedAt
	if r.LastActivityAt.After(idle) {
		idle = r.LastActivityAt
	}
	return addDays(idle, c.NoTouchDays), true
}

// ConversionDueAt returns the deadline for turning the approved registration into an
// opportunity: approval plus ConversionSLAHours elapsed hours. ok is false when the
// check is off or the registration is not approved.
func ConversionDueAt(c Config, r Registration) (at time.Time, ok bool) {
	if c.ConversionSLAHours <= 0 || r.ApprovedAt.IsZero() {
		return time.Time{}, false
	}
	return r.ApprovedAt.Add(time.Duration(c.ConversionSLAHours) * time.Hour), true
}

// autoExtendable reports whether, at expiry, the window would be extended automatically.
func autoExtendable(c Config, r Registration, expiry time.Time) bool {
	if !c.AutoExtend || ExtensionsLeft(c, r) == 0 || r.LastActivityAt.IsZero() {
		return false
	}
	return !r.LastActivityAt.Before(addDays(expiry, -c.AutoExtendActivityDays))
}

// ActionKind names something the scheduler must do for a registration.
type ActionKind string

// The actions Due can return.
const (
	ActionRemind            ActionKind = "remind_expiry"      // tell the partner protection ends soon
	ActionExpire            ActionKind = "expire"             // end protection; set EndedAt
	ActionAutoExtend        ActionKind = "auto_extend"        // record an automatic extension of Days
	ActionFlagNoTouch       ActionKind = "flag_no_touch"      // flag for reassignment; set NoTouchFlaggedAt
	ActionConversionOverdue ActionKind = "conversion_overdue" // escalate; set ConversionFlaggedAt
)

// Action is one thing due for a registration.
type Action struct {
	Kind ActionKind
	// At is when the action became due (not when it is observed).
	At time.Time
	// Days is the extension length for ActionAutoExtend.
	Days int
}

// Key returns a string that identifies the action among all actions of the same
// registration, for use in idempotency keys: two observations of the same due action
// give the same key.
func (a Action) Key() string { return string(a.Kind) + "@" + a.At.UTC().Format(time.RFC3339Nano) }

// Due returns every action due at now, ordered by the time each became due (then by
// kind). Actions already recorded as done (RemindedFor, NoTouchFlaggedAt,
// ConversionFlaggedAt, EndedAt) are not returned again, so calling Due repeatedly is
// safe. At or after Expiry exactly one of ActionExpire and ActionAutoExtend is due, and
// reminders and no-touch flags are no longer returned. A registration that is not
// approved, or has ended, has nothing due.
func Due(c Config, r Registration, now time.Time) []Action {
	if r.ApprovedAt.IsZero() || !r.EndedAt.IsZero() {
		return nil
	}
	var out []Action
	exp := Expiry(c, r)
	if !now.Before(exp) {
		if autoExtendable(c, r, exp) {
			out = append(out, Action{Kind: ActionAutoExtend, At: exp, Days: c.AutoExtendDays})
		} else {
			out = append(out, Action{Kind: ActionExpire, At: exp})
		}
	} else {
		if at, ok := ReminderAt(c, r); ok && !now.Before(at) && !r.RemindedFor.Equal(exp) {
			out = append(out, Action{Kind: ActionRemind, At: at})
		}
		if at, ok := NoTouchAt(c, r); ok && !now.Before(at) && r.NoTouchFlaggedAt.Before(at) {
			out = append(out, Action{Kind: ActionFlagNoTouch, At: at})
		}
	}
	if at, ok := ConversionDueAt(c, r); ok && !now.Before(at) && r.ConvertedAt.IsZero() && r.ConversionFlaggedAt.IsZero() {
		out = append(out, Action{Kind: ActionConversionOverdue, At: at})
	}
	slices.SortFunc(out, func(a, b Action) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Kind, b.Kind)) })
	return out
}

// Next returns the earliest instant after now at which Due will return an action it does
// not return at now, assuming nothing else changes; the scheduler sets one timer for it
// and recomputes after every change to the registration. ok is false when nothing more
// will become due (not approved, or ended).
func Next(c Config, r Registration, now time.Time) (next time.Time, ok bool) {
	if r.ApprovedAt.IsZero() || !r.EndedAt.IsZero() {
		return time.Time{}, false
	}
	consider := func(t time.Time) {
		if t.After(now) && (!ok || t.Before(next)) {
			next, ok = t, true
		}
	}
	exp := Expiry(c, r)
	consider(exp)
	if at, has := ReminderAt(c, r); has && !r.RemindedFor.Equal(exp) && at.Before(exp) {
		consider(at)
	}
	if at, has := NoTouchAt(c, r); has && r.NoTouchFlaggedAt.Before(at) && at.Before(exp) {
		consider(at)
	}
	if at, has := ConversionDueAt(c, r); has && r.ConvertedAt.IsZero() && r.ConversionFlaggedAt.IsZero() {
		consider(at)
	}
	return next, ok
}

// AppealDeadline returns the instant the appeal window on a decision taken at decidedAt
// closes (AppealDays calendar days later); an appeal at that instant is too late. ok is
// false when appeals are off.
func AppealDeadline(c Config, decidedAt time.Time) (deadline time.Time, ok bool) {
	if c.AppealDays <= 0 {
		return time.Time{}, false
	}
	return addDays(decidedAt, c.AppealDays), true
}

// CanAppeal says whether a partner may appeal, at now, a decline or overruling taken at
// decidedAt, having already appealed it appeals times. It returns nil when allowed and a
// KindConflict error saying why not otherwise (appeals off, none left, window closed).
func CanAppeal(c Config, decidedAt time.Time, appeals int, now time.Time) error {
	deadline, ok := AppealDeadline(c, decidedAt)
	switch {
	case !ok:
		return tandem.Errorf(tandem.KindConflict, "This program does not accept appeals.")
	case appeals >= c.MaxAppeals:
		return tandem.Errorf(tandem.KindConflict, "This decision has already been appealed %d time(s), the most allowed.", appeals)
	case !now.Before(deadline):
		return tandem.Errorf(tandem.KindConflict, "The appeal window closed on %s.", stamp(deadline))
	}
	return nil
}

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }
