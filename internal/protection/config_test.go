package protection

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestDefaultsMatchTheSpec(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, m := range tandem.Motions {
		if c.WindowFor(m) != 90 {
			t.Errorf("window for %s = %d, want 90", m, c.WindowFor(m))
		}
	}
	if c.ReminderDays != 7 || c.ConversionSLAHours != 24 || c.ReviewSLABusinessHours != 48 || c.AutoExtend {
		t.Errorf("defaults = %+v", c)
	}
}

func TestWindowForUsesTheMotionOverride(t *testing.T) {
	c := Default()
	c.MotionWindowDays = map[tandem.Motion]int{tandem.MotionReferral: 60}
	if c.WindowFor(tandem.MotionReferral) != 60 || c.WindowFor(tandem.MotionResale) != 90 {
		t.Errorf("got %d and %d", c.WindowFor(tandem.MotionReferral), c.WindowFor(tandem.MotionResale))
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Config)
		paths []string
	}{
		{"default", func(c *Config) {}, nil},
		{"everything off", func(c *Config) {
			c.MaxExtensions, c.MaxExtensionDays, c.ReminderDays, c.NoTouchDays, c.AppealDays, c.MaxAppeals, c.ConversionSLAHours = 0, 0, 0, 0, 0, 0, 0
		}, nil},
		{"auto extension on", func(c *Config) { c.AutoExtend = true }, nil},
		{"window zero", func(c *Config) { c.WindowDays = 0 }, []string{"window_days"}},
		{"window too long", func(c *Config) { c.WindowDays = 731 }, []string{"window_days"}},
		{"unknown motion", func(c *Config) { c.MotionWindowDays = map[tandem.Motion]int{"barter": 30} }, []string{"motion_window_days.barter"}},
		{"motion window zero", func(c *Config) { c.MotionWindowDays = map[tandem.Motion]int{"resale": 0} }, []string{"motion_window_days.resale"}},
		{"motion problems sorted", func(c *Config) {
			c.MotionWindowDays = map[tandem.Motion]int{"tech": -1, "marketplace": 999}
		}, []string{"motion_window_days.marketplace", "motion_window_days.tech"}},
		{"negative extensions", func(c *Config) { c.MaxExtensions = -1 }, []string{"max_extensions"}},
		{"too many extensions", func(c *Config) { c.MaxExtensions = 13 }, []string{"max_extensions"}},
		{"extensions without length", func(c *Config) { c.MaxExtensionDays = 0 }, []string{"max_extension_days"}},
		{"auto extension without extensions", func(c *Config) { c.AutoExtend, c.MaxExtensions, c.MaxExtensionDays = true, 0, 0 }, []string{"auto_extend"}},
		{"auto extension longer than allowed", func(c *Config) { c.AutoExtend, c.AutoExtendDays = true, 31 }, []string{"auto_extend_days"}},
		{"auto extension without activity days", func(c *Config) { c.AutoExtend, c.AutoExtendActivityDays = true, 0 }, []string{"auto_extend_activity_days"}},
		{"reminder as long as the window", func(c *Config) { c.ReminderDays = 90 }, []string{"reminder_days"}},
		{"reminder as long as a motion window", func(c *Config) {
			c.MotionWindowDays = map[tandem.Motion]int{tandem.MotionReferral: 7}
		}, []string{"reminder_days"}},
		{"reminder negative", func(c *Config) { c.ReminderDays = -1 }, []string{"reminder_days"}},
		{"no-touch negative", func(c *Config) { c.NoTouchDays = -3 }, []string{"no_touch_days"}},
		{"appeals without count", func(c *Config) { c.MaxAppeals = 0 }, []string{"max_appeals"}},
		{"appeal window too long", func(c *Config) { c.AppealDays = 366 }, []string{"appeal_days"}},
		{"conversion too long", func(c *Config) { c.ConversionSLAHours = 721 }, []string{"conversion_sla_hours"}},
		{"review SLA zero", func(c *Config) { c.ReviewSLABusinessHours, c.AppealSLABusinessHours = 0, 0 },
			[]string{"review_sla_business_hours", "appeal_sla_business_hours"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			var got []string
			for _, f := range tandem.FieldsOf(err) {
				got = append(got, f.Path)
			}
			if !slices.Equal(got, tt.paths) {
				t.Errorf("paths = %v, want %v (%v)", got, tt.paths, err)
			}
			if tt.paths != nil && tandem.KindOf(err) != tandem.KindInvalid {
				t.Errorf("kind = %q", tandem.KindOf(err))
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`{"window_days":60,"motion_window_days":{"resale":120},"auto_extend":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.WindowFor(tandem.MotionReferral) != 60 || c.WindowFor(tandem.MotionResale) != 120 || !c.AutoExtend || c.ReminderDays != 7 {
		t.Errorf("got %+v", c)
	}
	for _, bad := range []string{
		``, `[]`, `{"window_days":"90"}`, `{"windows":90}`, `{} x`, `{"motion_window_days":{"barter":30}}`,
		`{"window_days":0}`, `{"reminder_days":` + strings.Repeat("9", maxConfigBytes) + `}`,
	} {
		if _, err := ParseConfig([]byte(bad)); tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("ParseConfig(%.40q) = %v, want invalid", bad, err)
		}
	}
}
