package segment

import (
	"fmt"
	"testing"
	"time"
)

// partner is a record shaped the way a caller's own type would be: typed fields and
// getters that switch on the name, so matching never boxes a value.
type partner struct {
	id, tier, region, motion string
	engagement, fit          float64
	tags                     []string
	lastActivity             time.Time
}

func (p *partner) ID() string { return p.id }

func (p *partner) Text(f string) (string, bool) {
	switch f {
	case "tier":
		return p.tier, p.tier != ""
	case "region":
		return p.region, p.region != ""
	case "motion":
		return p.motion, p.motion != ""
	}
	return "", false
}

func (p *partner) Number(f string) (float64, bool) {
	switch f {
	case "engagement":
		return p.engagement, true
	case "fit":
		return p.fit, true
	}
	return 0, false
}

func (p *partner) List(f string) ([]string, bool) {
	if f == "tags" {
		return p.tags, true
	}
	return nil, false
}

func (p *partner) Time(f string) (time.Time, bool) {
	if f == "last_activity" {
		return p.lastActivity, !p.lastActivity.IsZero()
	}
	return time.Time{}, false
}

func population(n int) []Record {
	tiers := []string{"Gold", "Silver", "Bronze", "Platinum"}
	regions := []string{"AMER", "EMEA", "APAC"}
	motions := []string{"referral", "resale", "marketplace", "services-led", "tech"}
	out := make([]Record, n)
	for i := range out {
		out[i] = &partner{
			id:           fmt.Sprintf("prt_%06d", i),
			tier:         tiers[i%len(tiers)],
			region:       regions[i%len(regions)],
			motion:       motions[i%len(motions)],
			engagement:   float64(i % 100),
			fit:          float64((i * 37) % 101),
			tags:         []string{"cloud", []string{"strategic", "smb", "enterprise"}[i%3]},
			lastActivity: now.Add(-time.Duration(i%120) * 24 * time.Hour),
		}
	}
	return out
}

const benchRule = `(tier = "Gold" and engagement < 30) or (motion in ("resale", "marketplace") and not region = "EMEA") or fit >= 70 or tags contains "strategic" or last_activity older than 60 days`

func TestMatchDoesNotAllocate(t *testing.T) {
	r := MustParse(benchRule+` or region contains "zz" or tags in ("x", "y")`, schema)
	recs := population(50)
	m := Map{"tier": "Gold", "engagement": 3, "tags": []string{"a"}, "last_activity": daysAgo(1)}
	allocs := testing.AllocsPerRun(100, func() {
		for _, rec := range recs {
			r.Match(rec, now)
		}
		r.Match(m, now)
	})
	if allocs != 0 {
		t.Fatalf("Match allocates %v times per run", allocs)
	}
}

// BenchmarkEvaluate10k matches one rule that touches every field type against 10,000
// partners; the budget is 200 ms for the whole population.
func BenchmarkEvaluate10k(b *testing.B) {
	r := MustParse(benchRule, schema)
	recs := population(10000)
	b.ReportAllocs()
	matched := 0
	for b.Loop() {
		matched = 0
		for _, rec := range recs {
			if r.Match(rec, now) {
				matched++
			}
		}
	}
	b.ReportMetric(float64(matched), "matched")
}

func BenchmarkTopPercent10k(b *testing.B) {
	recs := population(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TopPercent(recs, "fit", 20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchRule, schema); err != nil {
			b.Fatal(err)
		}
	}
}
