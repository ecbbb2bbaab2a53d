package program

import (
	"fmt"
	"time"
)

// Direction says which way a tier review would move a partner.
type Direction string

// The directions.
const (
	Promotion Direction = "promotion"
	Demotion  Direction = "demotion"
)

// Check is one requirement of a tier set against what was measured.
type Check struct {
	Requirement string `json:"requirement"` // revenue_12m, certifications or registrations_90d
	Label       string `json:"label"`
	Required    int64  `json:"required"` // 0: not required
	Measured    int64  `json:"measured"`
	// Tracked is false for requirements Tandem could not measure when the review was
	// made (certifications, in reviews from before certifications were recorded or
	// while the workspace has no certification catalogue).
	Tracked bool `json:"tracked"`
	// Met is whether the measured value reaches the requirement (always true when
	// nothing is required, and when the value is not tracked).
	Met bool `json:"met"`
}

// Evidence sets each of t's requirements against m.
func Evidence(t Tier, m Measures) []Check {
	r := t.Requirements
	return []Check{
		{Requirement: "revenue_12m", Label: "Won revenue, last 12 months", Required: r.RevenueMinor, Measured: m.RevenueMinor,
			Tracked: true, Met: m.RevenueMinor >= r.RevenueMinor},
		{Requirement: "certifications", Label: "Valid certifications", Required: int64(r.Certifications), Measured: int64(m.Certifications),
			Tracked: !m.CertificationsUntracked, Met: m.CertificationsUntracked || m.Certifications >= r.Certifications},
		{Requirement: "registrations_90d", Label: "Registrations, last 90 days", Required: int64(r.Registrations90d),
			Measured: int64(m.Registrations90d), Tracked: true, Met: m.Registrations90d >= r.Registrations90d},
	}
}

// Qualifies reports whether m meets every requirement of t.
func Qualifies(t Tier, m Measures) bool {
	for _, c := range Evidence(t, m) {
		if !c.Met {
			return false
		}
	}
	return true
}

// Qualified returns the highest tier whose requirements m meets; the lowest
// tier when it meets none (the entry tier is never taken away by a review).
func Qualified(s Settings, m Measures) Tier {
	sorted := s.Sorted()
	if len(sorted) == 0 {
		return Tier{}
	}
	best := sorted[0]
	for _, t := range sorted[1:] {
		if Qualifies(t, m) {
			best = t
		}
	}
	return best
}

// Outcome is what one evaluation of one partner concludes.
type Outcome struct {
	// Direction is empty when no change is proposed.
	Direction Direction
	From      string // the partner's current tier as recorded
	To        Tier   // the proposed tier (set when Direction is)
	Qualified Tier   // the highest tier the partner meets
	// BelowSince is when the partner was first found below its tier's requirements,
	// zero while it meets them; the caller stores it for the next evaluation.
	BelowSince time.Time
	// GraceEnds is when a demotion will be proposed if the partner stays below (set
	// while the grace period runs).
	GraceEnds time.Time
}

// Assess evaluates a partner whose recorded tier is current, with measured values m,
// first found below its tier's requirements at belowSince (zero if it was not), at
// now. A partner qualifying for a higher tier is proposed for promotion at once; one
// below its tier is proposed for demotion only once the grace period since it was
// first found below has passed. A partner whose recorded tier is not in the program
// (or is empty) is proposed for the tier it qualifies for.
func Assess(s Settings, current string, m Measures, belowSince, now time.Time) Outcome {
	q := Qualified(s, m)
	out := Outcome{From: current, Qualified: q}
	cur, known := s.Find(current)
	switch {
	case !known:
		out.Direction, out.To = Promotion, q
	case q.Rank > cur.Rank:
		out.Direction, out.To = Promotion, q
	case q.Rank < cur.Rank:
		if belowSince.IsZero() {
			belowSince = now
		}
		out.BelowSince = belowSince
		ends := belowSince.Add(time.Duration(s.GraceDays) * 24 * time.Hour)
		if now.Before(ends) {
			out.GraceEnds = ends
		} else {
			out.Direction, out.To = Demotion, q
		}
	}
	return out
}

// Describe is a one-line account of an outcome for the audit log and notices.
func (o Outcome) Describe() string {
	switch o.Direction {
	case Promotion:
		return fmt.Sprintf("qualifies for %s (recorded tier %q)", o.To.Name, o.From)
	case Demotion:
		return fmt.Sprintf("below %s's requirements since %s; qualifies for %s", o.From, o.BelowSince.Format("2006-01-02"), o.To.Name)
	}
	if !o.GraceEnds.IsZero() {
		return fmt.Sprintf("below %s's requirements; grace period ends %s", o.From, o.GraceEnds.Format("2006-01-02"))
	}
	return "meets " + o.From
}
