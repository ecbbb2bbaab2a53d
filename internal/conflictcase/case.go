package conflictcase

import (
	"slices"
	"sort"
	"time"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Case is a conflict the vendor is working on, as stored.
type Case struct {
	WorkspaceID string
	ID          string
	Key         string
	Cause       Cause
	Type        conflict.Type
	Status      Status
	Summary     string
	Evidence    string
	Refs        []Ref
	PartnerIDs  []string
	Direct      bool
	Motion      tandem.Motion
	Region      string

	OpenedAt       time.Time
	AckDueAt       time.Time
	AcknowledgedAt time.Time
	AcknowledgedBy string
	AckBreachedAt  time.Time

	PlanDueAt      time.Time
	Plan           string
	PlanAt         time.Time
	PlanBreachedAt time.Time

	ResolvedAt time.Time
	ResolvedBy string
	Ruling     string
	Rationale  string

	Notes     []Note
	UpdatedAt time.Time
	Version   int
}

// Note is a remark on a case (internal).
type Note struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Text string    `json:"text"`
}

// Open reports whether the case still needs someone.
func (c Case) Open() bool { return c.Status != Resolved }

// Metrics summarise conflict cases over a period (SPEC F4).
type Metrics struct {
	From, To time.Time
	// Opened counts cases opened in the period; Registrations the registrations
	// submitted in it; Rate is cases per 100 registrations (0 without registrations).
	Opened, Registrations int
	Rate                  float64
	Resolved              int
	ByCause               []Count
	ByType                []Count
	ByMotion              []Count
	ByRegion              []Count
	ByPartner             []Count
	// Median and 90th-percentile times from opening to acknowledgement and to
	// resolution, over the cases of the period that got there; AckMet counts those
	// acknowledged within the deadline.
	AckMedian, AckP90, ResolveMedian, ResolveP90 time.Duration
	Acknowledged, AckMet                         int
}

// Count is a number of cases for one value of a dimension.
type Count struct {
	Key   string
	Label string
	N     int
}

// Measure computes the metrics of the cases opened in [from, to), given how many
// registrations were submitted then and how to name partners. It is a pure function.
func Measure(cases []Case, registrations int, from, to time.Time, partnerName func(string) string) Metrics {
	m := Metrics{From: from, To: to, Registrations: registrations}
	counts := map[string]map[string]int{}
	inc := func(dim, key string) {
		if counts[dim] == nil {
			counts[dim] = map[string]int{}
		}
		counts[dim][key]++
	}
	var acks, resolves []time.Duration
	for _, c := range cases {
		if c.OpenedAt.Before(from) || !c.OpenedAt.Before(to) {
			continue
		}
		m.Opened++
		inc("cause", string(c.Cause))
		inc("type", string(c.Type))
		if c.Motion != "" {
			inc("motion", string(c.Motion))
		}
		if c.Region != "" {
			inc("region", c.Region)
		}
		for _, p := range c.PartnerIDs {
			inc("partner", p)
		}
		if !c.AcknowledgedAt.IsZero() {
			m.Acknowledged++
			acks = append(acks, c.AcknowledgedAt.Sub(c.OpenedAt))
			if c.AcknowledgedAt.Before(c.AckDueAt) {
				m.AckMet++
			}
		}
		if !c.ResolvedAt.IsZero() {
			m.Resolved++
			resolves = append(resolves, c.ResolvedAt.Sub(c.OpenedAt))
		}
	}
	if registrations > 0 {
		m.Rate = float64(m.Opened) * 100 / float64(registrations)
	}
	m.AckMedian, m.AckP90 = quantile(acks, 0.5), quantile(acks, 0.9)
	m.ResolveMedian, m.ResolveP90 = quantile(resolves, 0.5), quantile(resolves, 0.9)
	label := map[string]func(string) string{
		"cause":   func(k string) string { return Cause(k).Label() },
		"type":    func(k string) string { return k },
		"motion":  func(k string) string { return tandem.Motion(k).Label() },
		"region":  func(k string) string { return k },
		"partner": partnerName,
	}
	list := func(dim string) []Count {
		var out []Count
		for k, n := range counts[dim] {
			out = append(out, Count{Key: k, Label: label[dim](k), N: n})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].N != out[j].N {
				return out[i].N > out[j].N
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	m.ByCause, m.ByType, m.ByMotion, m.ByRegion, m.ByPartner = list("cause"), list("type"), list("motion"), list("region"), list("partner")
	return m
}

// quantile returns the q-quantile (nearest rank) of ds, or 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}
