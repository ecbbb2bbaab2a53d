package protection

import (
	"slices"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Config is a workspace's protection, appeal and SLA settings. Day counts are calendar
// days; hour counts for conversion are elapsed hours. The review and appeal SLAs are in
// business hours and are only carried here: the workspace calendar turns them into
// deadlines elsewhere. A zero in a field documented as "0 turns it off" turns it off.
type Config struct {
	// WindowDays is the protection window for motions without their own (default 90).
	WindowDays int `json:"window_days"`
	// MotionWindowDays overrides WindowDays per motion.
	MotionWindowDays map[tandem.Motion]int `json:"motion_window_days,omitempty"`

	// MaxExtensions is how many times one registration may be extended, automatic
	// extensions included (default 2; 0 turns extensions off).
	MaxExtensions int `json:"max_extensions"`
	// MaxExtensionDays is the longest a single extension may be (default 30).
	MaxExtensionDays int `json:"max_extension_days"`
	// AutoExtend extends a window by AutoExtendDays at its expiry, instead of letting
	// it lapse, when the opportunity showed activity in the last AutoExtendActivityDays
	// before expiry and an extension is still available (default off, 14 and 30 days).
	AutoExtend             bool `json:"auto_extend"`
	AutoExtendActivityDays int  `json:"auto_extend_activity_days"`
	AutoExtendDays         int  `json:"auto_extend_days"`

	// ReminderDays is how long before expiry the partner is reminded (default 7; 0
	// turns the reminder off).
	ReminderDays int `json:"reminder_days"`
	// NoTouchDays is how long a protected registration may go without activity before
	// it is flagged for reassignment (default 30; 0 turns it off).
	NoTouchDays int `json:"no_touch_days"`

	// AppealDays is how long after a decline or an overruling the partner may appeal
	// (default 14; 0 turns appeals off). MaxAppeals is how many appeals one decision
	// allows (default 1).
	AppealDays int `json:"appeal_days"`
	MaxAppeals int `json:"max_appeals"`

	// ConversionSLAHours is how soon after approval the registration must become an
	// opportunity (default 24; 0 turns the check off).
	ConversionSLAHours int `json:"conversion_sla_hours"`

	// ReviewSLABusinessHours and AppealSLABusinessHours are the decision SLAs for a
	// submission and for an appeal (default 48 each), counted on the workspace calendar
	// by the review service.
	ReviewSLABusinessHours int `json:"review_sla_business_hours"`
	AppealSLABusinessHours int `json:"appeal_sla_business_hours"`
}

// Default returns the settings a new workspace starts with.
func Default() Config {
	return Config{
		WindowDays:             90,
		MaxExtensions:          2,
		MaxExtensionDays:       30,
		AutoExtendActivityDays: 14,
		AutoExtendDays:         30,
		ReminderDays:           7,
		NoTouchDays:            30,
		AppealDays:             14,
		MaxAppeals:             1,
		ConversionSLAHours:     24,
		ReviewSLABusinessHours: 48,
		AppealSLABusinessHours: 48,
	}
}

// WindowFor returns the protection window in days for motion m.
func (c Config) WindowFor(m tandem.Motion) int {
	if d, ok := c.MotionWindowDays[m]; ok {
		return d
	}
	return c.WindowDays
}

// Limits on the settings; generous, but they keep dates in a sane range.
const (
	maxWindowDays     = 730
	maxExtensions     = 12
	maxPeriodDays     = 365
	maxAppeals        = 10
	maxConversionHour = 720
	maxSLAHours       = 1000
)

// Validate reports every problem with the settings at once, as a KindInvalid error whose
// field paths are the JSON names ("motion_window_days.resale"). It returns nil for
// usable settings.
func (c Config) Validate() error {
	var probs tandem.Problems
	between := func(path string, v, lo, hi int) bool {
		if v < lo || v > hi {
			probs.Add(path, "must be between %d and %d", lo, hi)
			return false
		}
		return true
	}
	// minWindow is the shortest valid window, which the reminder must fit in.
	minWindow := maxWindowDays + 1
	if between("window_days", c.WindowDays, 1, maxWindowDays) {
		minWindow = c.WindowDays
	}
	motions := make([]tandem.Motion, 0, len(c.MotionWindowDays))
	for m := range c.MotionWindowDays {
		motions = append(motions, m)
	}
	slices.Sort(motions) // report in a stable order
	for _, m := range motions {
		path := "motion_window_days." + string(m)
		if _, err := tandem.ParseMotion(string(m)); err != nil {
			probs.Add(path, "unknown motion %q: use referral, resale, marketplace, services or tech", m)
			continue
		}
		if d := c.MotionWindowDays[m]; between(path, d, 1, maxWindowDays) && d < minWindow {
			minWindow = d
		}
	}

	between("max_extensions", c.MaxExtensions, 0, maxExtensions)
	if c.MaxExtensions > 0 {
		between("max_extension_days", c.MaxExtensionDays, 1, maxPeriodDays)
	} else {
		between("max_extension_days", c.MaxExtensionDays, 0, maxPeriodDays)
	}
	if c.AutoExtend {
		if c.MaxExtensions == 0 {
			probs.Add("auto_extend", "needs max_extensions above 0: an automatic extension counts as an extension")
		}
		between("auto_extend_activity_days", c.AutoExtendActivityDays, 1, maxPeriodDays)
		if between("auto_extend_days", c.AutoExtendDays, 1, maxPeriodDays) && c.MaxExtensions > 0 && c.AutoExtendDays > c.MaxExtensionDays {
			probs.Add("auto_extend_days", "must not exceed max_extension_days (%d)", c.MaxExtensionDays)
		}
	} else {
		between("auto_extend_activity_days", c.AutoExtendActivityDays, 0, maxPeriodDays)
		between("auto_extend_days", c.AutoExtendDays, 0, maxPeriodDays)
	}

	if between("reminder_days", c.ReminderDays, 0, maxWindowDays) && c.ReminderDays > 0 && c.ReminderDays >= minWindow {
		probs.Add("reminder_days", "must be shorter than the shortest protection window (%d days)", minWindow)
	}
	between("no_touch_days", c.NoTouchDays, 0, maxWindowDays)

	between("appeal_days", c.AppealDays, 0, maxPeriodDays)
	if c.AppealDays > 0 {
		between("max_appeals", c.MaxAppeals, 1, maxAppeals)
	} else {
		between("max_appeals", c.MaxAppeals, 0, maxAppeals)
	}
	between("conversion_sla_hours", c.ConversionSLAHours, 0, maxConversionHour)
	between("review_sla_business_hours", c.ReviewSLABusinessHours, 1, maxSLAHours)
	between("appeal_sla_business_hours", c.AppealSLABusinessHours, 1, maxSLAHours)
	return probs.Err("The protection settings are not valid.")
}

const maxConfigBytes = 16 << 10

// ParseConfig decodes settings from JSON and validates them. Fields left out keep the
// values of Default; unknown fields, trailing data and documents over 16 KiB are
// refused. Every error is KindInvalid.
func ParseConfig(data []byte) (Config, error) {
	c := Default()
	if err := tandem.DecodeSettings(data, maxConfigBytes, "The protection settings", &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
