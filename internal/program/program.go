// Package program holds the partner program's configuration — its tiers, with the
// requirements a partner meets to hold each and the benefits each brings — and the
// tier review: a scheduled evaluation that measures every active partner against the
// requirements and proposes promotions and demotions for a manager to confirm. No
// tier ever changes without that confirmation.
//
// The rules (Validate, Assess, Evidence) are pure functions of their inputs and a
// clock; the Service around them reads and writes through a Store.
package program

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Requirements are what a partner must show to hold a tier. Zero means "not
// required".
type Requirements struct {
	// RevenueMinor is revenue from won opportunities attributed to the partner over
	// the last 12 months, in hundredths of the workspace currency.
	RevenueMinor int64 `json:"revenue_minor"`
	// Certifications is the number of valid certifications the partner needs: each
	// certification held by the organisation or by one of its people counts once per
	// holder (package certification).
	Certifications int `json:"certifications"`
	// Registrations90d is the number of deal registrations submitted in the last 90
	// days (activity).
	Registrations90d int `json:"registrations_90d"`
}

// Tier is one level of the program.
type Tier struct {
	Name         string       `json:"name"`
	Rank         int          `json:"rank"` // higher is a higher tier; unique in the program
	Requirements Requirements `json:"requirements"`
	Benefits     []string     `json:"benefits"`
}

// Settings are a workspace's program configuration, stored as one JSON document.
type Settings struct {
	Tiers []Tier `json:"tiers"`
	// GraceDays is how long a partner may stay below its tier's requirements before
	// a demotion is proposed.
	GraceDays int `json:"grace_days"`
}

// Limits on the configuration.
const (
	MaxTiers        = 20
	MaxBenefits     = 20
	MaxNameLen      = 40
	MaxBenefitLen   = 200
	MaxGraceDays    = 365
	DefaultGrace    = 60
	maxSettingsSize = 1 << 18
)

// Default is the program of a workspace that has not configured one: Registered <
// Silver < Gold < Platinum, with modest requirements and a 60-day grace period.
func Default() Settings {
	return Settings{GraceDays: DefaultGrace, Tiers: []Tier{
		{Name: "Registered", Rank: 1, Benefits: []string{"Deal registration", "Partner portal access"}},
		{Name: "Silver", Rank: 2, Requirements: Requirements{RevenueMinor: 5_000_000, Registrations90d: 2},
			Benefits: []string{"Deal registration", "Co-marketing templates"}},
		{Name: "Gold", Rank: 3, Requirements: Requirements{RevenueMinor: 25_000_000, Certifications: 2, Registrations90d: 5},
			Benefits: []string{"Deal registration", "Co-marketing funds", "Named partner manager"}},
		{Name: "Platinum", Rank: 4, Requirements: Requirements{RevenueMinor: 100_000_000, Certifications: 5, Registrations90d: 10},
			Benefits: []string{"Deal registration", "Co-marketing funds", "Named partner manager", "Joint business planning"}},
	}}
}

// Parse reads stored settings; empty data gives Default. Unknown fields and invalid
// values are a KindInvalid error naming them.
func Parse(data []byte) (Settings, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return Default(), nil
	}
	var s Settings
	if err := tandem.DecodeSettings(data, maxSettingsSize, "The program settings", &s); err != nil {
		return Settings{}, err
	}
	return s, s.Validate()
}

// Marshal encodes s for storage.
func (s Settings) Marshal() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode program settings: %w", err)
	}
	return b, nil
}

// Normalize trims names and benefits and drops empty benefits, so that what is
// validated and saved is what people meant to type.
func (s Settings) Normalize() Settings {
	out := Settings{GraceDays: s.GraceDays, Tiers: make([]Tier, 0, len(s.Tiers))}
	for _, t := range s.Tiers {
		t.Name = strings.TrimSpace(t.Name)
		var bs []string
		for _, b := range t.Benefits {
			if b = strings.TrimSpace(b); b != "" {
				bs = append(bs, b)
			}
		}
		t.Benefits = bs
		out.Tiers = append(out.Tiers, t)
	}
	return out
}

// Validate reports every invalid field: at least one and at most MaxTiers tiers, each
// with a name (unique without regard to case) and a rank of 1 or more (unique),
// requirements that are not negative, and at most MaxBenefits benefits.
func (s Settings) Validate() error {
	var p tandem.Problems
	if len(s.Tiers) == 0 {
		p.Add("tiers", "the program needs at least one tier")
	}
	if len(s.Tiers) > MaxTiers {
		p.Add("tiers", "may hold at most %d tiers", MaxTiers)
	}
	names, ranks := map[string]int{}, map[int]int{}
	for i, t := range s.Tiers {
		path := fmt.Sprintf("tiers[%d]", i)
		name := strings.TrimSpace(t.Name)
		switch {
		case name == "":
			p.Add(path+".name", "is required")
		case len(name) > MaxNameLen:
			p.Add(path+".name", "must be at most %d characters", MaxNameLen)
		case strings.ContainsAny(name, "\n\r\t"):
			p.Add(path+".name", "must be on one line")
		default:
			if j, ok := names[strings.ToLower(name)]; ok {
				p.Add(path+".name", "%q is also the name of tier %d; tier names must differ", name, j+1)
			}
			names[strings.ToLower(name)] = i
		}
		if t.Rank < 1 || t.Rank > 1000 {
			p.Add(path+".rank", "must be between 1 and 1000 (higher is a higher tier)")
		} else if j, ok := ranks[t.Rank]; ok {
			p.Add(path+".rank", "%d is also the rank of tier %d; ranks must differ", t.Rank, j+1)
		} else {
			ranks[t.Rank] = i
		}
		r := t.Requirements
		if r.RevenueMinor < 0 || r.RevenueMinor > 1e15 {
			p.Add(path+".requirements.revenue_minor", "must be 0 (not required) or a positive amount")
		}
		if r.Certifications < 0 || r.Certifications > 10000 {
			p.Add(path+".requirements.certifications", "must be between 0 (not required) and 10000")
		}
		if r.Registrations90d < 0 || r.Registrations90d > 100000 {
			p.Add(path+".requirements.registrations_90d", "must be between 0 (not required) and 100000")
		}
		if len(t.Benefits) > MaxBenefits {
			p.Add(path+".benefits", "may hold at most %d benefits", MaxBenefits)
		}
		for k, b := range t.Benefits {
			if strings.TrimSpace(b) == "" || len(b) > MaxBenefitLen {
				p.Add(fmt.Sprintf("%s.benefits[%d]", path, k), "must be 1 to %d characters", MaxBenefitLen)
			}
		}
	}
	if s.GraceDays < 0 || s.GraceDays > MaxGraceDays {
		p.Add("grace_days", "must be between 0 and %d days", MaxGraceDays)
	}
	return p.Err("The program's tiers are not valid.")
}

// Sorted returns the tiers from the lowest rank to the highest.
func (s Settings) Sorted() []Tier {
	out := slices.Clone(s.Tiers)
	slices.SortFunc(out, func(a, b Tier) int { return a.Rank - b.Rank })
	return out
}

// Find returns the tier called name, compared without regard to case or surrounding
// space.
func (s Settings) Find(name string) (Tier, bool) {
	name = strings.TrimSpace(name)
	for _, t := range s.Tiers {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Tier{}, false
}

// Ranks maps each tier's lower-cased name to its rank, the form deal registration's
// eligibility and conflict rules read.
func (s Settings) Ranks() map[string]int {
	m := make(map[string]int, len(s.Tiers))
	for _, t := range s.Tiers {
		m[strings.ToLower(strings.TrimSpace(t.Name))] = t.Rank
	}
	return m
}

// Names returns the tier names from the lowest rank to the highest.
func (s Settings) Names() []string {
	var out []string
	for _, t := range s.Sorted() {
		out = append(out, t.Name)
	}
	return out
}

// CheckTier returns nil when name is one of the program's tiers (or empty: not
// tiered yet), and otherwise a KindInvalid error on the field "tier" listing them.
func (s Settings) CheckTier(name string) error {
	if strings.TrimSpace(name) == "" {
		return nil
	}
	if _, ok := s.Find(name); ok {
		return nil
	}
	return tandem.Invalid("The partner is not valid.", tandem.FieldError{Path: "tier",
		Detail: fmt.Sprintf("%q is not one of the program's tiers (%s)", strings.TrimSpace(name), strings.Join(s.Names(), ", "))})
}

// Window lengths of the measured values.
const (
	RevenueWindow  = 365 * 24 * time.Hour
	ActivityWindow = 90 * 24 * time.Hour
)

// Measures are a partner's measured values at one time.
type Measures struct {
	RevenueMinor     int64 // won, attributed, last 12 months, workspace currency
	Registrations90d int   // registrations submitted in the last 90 days
	Certifications   int   // valid certifications of the organisation and its people
	// CertificationsUntracked is set while the workspace keeps no certification
	// catalogue: nobody can hold a certification yet, so a tier's certification
	// requirement is shown as not tracked and neither holds a partner back nor
	// demotes one.
	CertificationsUntracked bool
}
