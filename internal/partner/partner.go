// Package partner holds partner organisations: the companies that refer, resell, list
// on marketplaces, deliver services or integrate with the vendor's product.
package partner

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Lifecycle is where a partner stands in the program.
type Lifecycle string

// The lifecycle stages, in their usual order.
const (
	Applied    Lifecycle = "applied"
	Onboarding Lifecycle = "onboarding"
	Active     Lifecycle = "active"
	Dormant    Lifecycle = "dormant"
	Offboarded Lifecycle = "offboarded"
)

// Lifecycles lists every stage in order.
var Lifecycles = []Lifecycle{Applied, Onboarding, Active, Dormant, Offboarded}

// Partner is a partner organisation.
type Partner struct {
	WorkspaceID string
	ID          string
	Name        string
	Domain      string // the partner's own web domain
	Motions     []tandem.Motion
	Tier        string
	Region      string
	Lifecycle   Lifecycle
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate reports every invalid field of p, or nil.
func (p Partner) Validate() error {
	var pr tandem.Problems
	if strings.TrimSpace(p.Name) == "" {
		pr.Add("name", "is required")
	} else if len(p.Name) > 200 {
		pr.Add("name", "must be at most 200 characters")
	}
	seen := map[tandem.Motion]bool{}
	for i, m := range p.Motions {
		if _, err := tandem.ParseMotion(string(m)); err != nil {
			pr.Add("motions["+strconv.Itoa(i)+"]", "%s", tandem.MessageOf(err))
		} else if seen[m] {
			pr.Add("motions["+strconv.Itoa(i)+"]", "%s is listed twice", m)
		}
		seen[m] = true
	}
	valid := false
	for _, l := range Lifecycles {
		valid = valid || l == p.Lifecycle
	}
	if !valid {
		pr.Add("lifecycle", "must be one of applied, onboarding, active, dormant, offboarded")
	}
	return pr.Err("The partner is not valid.")
}

// FilterFromQuery reads a filter from query parameters q, motion, tier, region and
// lifecycle; absent parameters do not filter.
func FilterFromQuery(q url.Values) Filter {
	return Filter{Query: strings.TrimSpace(q.Get("q")), Motion: tandem.Motion(q.Get("motion")), Tier: q.Get("tier"),
		Region: q.Get("region"), Lifecycle: Lifecycle(q.Get("lifecycle"))}
}

// Filter narrows a partner list. Zero values do not filter.
type Filter struct {
	Motion    tandem.Motion
	Tier      string
	Region    string
	Lifecycle Lifecycle
	Query     string // case-insensitive substring of the name
}
