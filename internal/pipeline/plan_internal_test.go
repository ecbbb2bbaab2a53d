package pipeline

import (
	"testing"
	"time"
)

// TestNudgeAtIsTheFirstMomentAfterTheDueDay: the nudge comes when the due day ends
// in the workspace's zone, also where a clock change skips midnight.
func TestNudgeAtIsTheFirstMomentAfterTheDueDay(t *testing.T) {
	for _, c := range []struct {
		zone, due, want string // want in RFC 3339, in the zone
	}{
		{"Europe/Amsterdam", "2026-03-03", "2026-03-04T00:00:00+01:00"},
		{"Europe/Amsterdam", "2026-03-28", "2026-03-29T00:00:00+01:00"}, // the switch is at 02:00
		{"America/Santiago", "2024-09-07", "2024-09-08T01:00:00-03:00"}, // midnight is skipped
		{"UTC", "2026-12-31", "2027-01-01T00:00:00Z"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		got := nudgeAt(Milestone{DueOn: c.due, Status: MilestoneOpen}, loc)
		want, _ := time.Parse(time.RFC3339, c.want)
		if !got.Equal(want) {
			t.Errorf("%s, due %s: nudge at %s, want %s", c.zone, c.due, got.In(loc).Format(time.RFC3339), c.want)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s: nudge time not in UTC", c.zone)
		}
	}
	if !nudgeAt(Milestone{DueOn: "2026-03-03", Status: MilestoneDone}, time.UTC).IsZero() || !nudgeAt(Milestone{Status: MilestoneOpen}, time.UTC).IsZero() {
		t.Error("a done or undated milestone has a nudge time")
	}
}
