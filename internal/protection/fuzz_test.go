package protection

import (
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseConfig parses arbitrary settings and, for every valid result, plays the life
// of a registration through Due and Next: time must move forward, no action may fire
// twice, and the registration must end.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{}`), int16(80))
	f.Add([]byte(`{"window_days":1,"reminder_days":0,"no_touch_days":1,"auto_extend":true,"auto_extend_days":1,"max_extension_days":1,"max_extensions":12}`), int16(0))
	f.Add([]byte(`{"motion_window_days":{"resale":730},"conversion_sla_hours":720}`), int16(-5))
	f.Add([]byte(`{"appeal_days":0,"max_appeals":0}`), int16(3))
	f.Fuzz(func(t *testing.T, data []byte, activityDay int16) {
		c, err := ParseConfig(data)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			return
		}
		r := Registration{Motion: tandem.MotionResale, ApprovedAt: approved}
		if activityDay > 0 {
			r.LastActivityAt = approved.AddDate(0, 0, int(activityDay)%800)
		}
		seen := map[string]bool{}
		now := approved
		for step := 0; ; step++ {
			if step > 10_000 {
				t.Fatal("the registration never ends")
			}
			for _, a := range Due(c, r, now) {
				if seen[a.Key()] {
					t.Fatalf("%s fired twice", a.Key())
				}
				seen[a.Key()] = true
				switch a.Kind {
				case ActionRemind:
					r.RemindedFor = Expiry(c, r)
				case ActionFlagNoTouch:
					r.NoTouchFlaggedAt = now
				case ActionConversionOverdue:
					r.ConversionFlaggedAt = now
				case ActionAutoExtend:
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
				t.Fatalf("Next does not move forward from %v", now)
			}
			now = next
		}
		if !r.EndedAt.Equal(now) || r.EndedAt.Before(Expiry(c, r)) {
			t.Fatalf("ended at %v, expiry %v", r.EndedAt, Expiry(c, r))
		}
	})
}
