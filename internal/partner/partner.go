// Package partner holds partner organisations: the companies that refer, resell, list
// on marketplaces, deliver services or integrate with the vendor's product.
package partner

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tandemprm/tandem/internal/fitscore"
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
	Domain      string // the partner's own web domain (its website)
	Motions     []tandem.Motion
	Tier        string
	// Region is the partner's first region, kept for callers that know one region;
	// Regions lists them all, Region first.
	Region    string
	Regions   []string
	Lifecycle Lifecycle
	// Verticals are the industries the partner works in.
	Verticals []string
	// Territories are the partner's assigned territories, each one of the
	// workspace's territories (Settings.Territories).
	Territories []string
	// NamedAccounts are the customers (web domains or names) assigned to the partner.
	NamedAccounts []string
	Tags          []string
	// Notes are internal: never shown to the partner's own people.
	Notes string
	// OwnerUserID is the vendor user who manages the partner (partner manager).
	OwnerUserID string
	// Fit holds the inputs of the fit score beyond verticals and regions.
	Fit FitInputs
	// FitResult is the stored fit score with its breakdown; nil while no criterion
	// had data to score.
	FitResult *fitscore.Result
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FitInputs are what the partner manager records about a partner for the fit score
// (SPEC B3); the partner's verticals and regions count too.
type FitInputs struct {
	Technologies   []string `json:"technologies,omitempty"`
	Services       []string `json:"services,omitempty"`
	DealSize       *int64   `json:"deal_size,omitempty"`
	Customers      *int     `json:"customers,omitempty"`
	CustomersInICP *int     `json:"customers_in_icp,omitempty"`
	SharedAccounts *int     `json:"shared_accounts,omitempty"`
	Sellers        *int     `json:"sellers,omitempty"`
}

// ScoreInputs returns everything the fit score reads about p.
func (p Partner) ScoreInputs() fitscore.Inputs {
	return fitscore.Inputs{Industries: p.Verticals, Regions: p.Regions, Technologies: p.Fit.Technologies, Services: p.Fit.Services,
		DealSize: p.Fit.DealSize, Customers: p.Fit.Customers, CustomersInICP: p.Fit.CustomersInICP, SharedAccounts: p.Fit.SharedAccounts, Sellers: p.Fit.Sellers}
}

// Score returns p's fit score, or -1 while it has none.
func (p Partner) Score() int {
	if p.FitResult == nil {
		return -1
	}
	return p.FitResult.Score
}

// Rescore sets p's fit result from cfg; a result resting on no data at all is none.
func (p *Partner) Rescore(cfg fitscore.Config) {
	r := fitscore.Score(cfg, p.ScoreInputs())
	counted := false
	for _, c := range r.Contributions {
		counted = counted || !c.NoData || r.Missing == fitscore.MissingZero
	}
	if !counted {
		p.FitResult = nil
		return
	}
	p.FitResult = &r
}

// Limits on list values of a profile.
const (
	MaxListValues = 200
	MaxValueLen   = 200
	MaxNotesLen   = 20_000
)

// normalize trims and orders p's fields the way they are stored: lists trimmed and
// without case-insensitive repeats, the domain in lower case, Region the first of
// Regions.
func (p *Partner) normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Domain = NormalizeDomain(p.Domain)
	p.Tier = strings.TrimSpace(p.Tier)
	if len(p.Regions) == 0 && strings.TrimSpace(p.Region) != "" {
		p.Regions = []string{p.Region}
	}
	p.Regions = cleanList(p.Regions)
	p.Region = ""
	if len(p.Regions) > 0 {
		p.Region = p.Regions[0]
	}
	p.Verticals = cleanList(p.Verticals)
	p.Territories = cleanList(p.Territories)
	p.NamedAccounts = cleanList(p.NamedAccounts)
	p.Tags = cleanList(p.Tags)
	p.Notes = strings.TrimSpace(p.Notes)
	p.OwnerUserID = strings.TrimSpace(p.OwnerUserID)
	p.Fit.Technologies = cleanList(p.Fit.Technologies)
	p.Fit.Services = cleanList(p.Fit.Services)
}

// NormalizeDomain reduces a website or domain to its lower-case host without
// "www.": "https://www.Acme.example/about" becomes "acme.example".
func NormalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "www.")
}

// cleanList trims every value, drops blanks and later case-insensitive repeats.
func cleanList(vs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vs {
		v = strings.Join(strings.Fields(v), " ")
		k := strings.ToLower(v)
		if v == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}

// Validate reports every invalid field of p, or nil.
func (p Partner) Validate() error {
	var pr tandem.Problems
	if strings.TrimSpace(p.Name) == "" {
		pr.Add("name", "is required")
	} else if len(p.Name) > 200 {
		pr.Add("name", "must be at most 200 characters")
	}
	if p.Domain != "" && (len(p.Domain) > 253 || strings.ContainsAny(p.Domain, " @,;") || !strings.Contains(p.Domain, ".")) {
		pr.Add("domain", "must be a web domain such as partner.example")
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
	for _, l := range []struct {
		name string
		vs   []string
	}{{"regions", p.Regions}, {"verticals", p.Verticals}, {"territories", p.Territories}, {"named_accounts", p.NamedAccounts},
		{"tags", p.Tags}, {"fit.technologies", p.Fit.Technologies}, {"fit.services", p.Fit.Services}} {
		if len(l.vs) > MaxListValues {
			pr.Add(l.name, "must list at most %d values", MaxListValues)
		}
		for i, v := range l.vs {
			if len(v) > MaxValueLen {
				pr.Add(l.name+"["+strconv.Itoa(i)+"]", "must be at most %d characters", MaxValueLen)
			} else if strings.IndexFunc(v, unicode.IsControl) >= 0 {
				pr.Add(l.name+"["+strconv.Itoa(i)+"]", "must not contain control characters")
			}
		}
	}
	if len(p.Notes) > MaxNotesLen {
		pr.Add("notes", "must be at most %d characters", MaxNotesLen)
	}
	nonNeg := func(path string, v *int) {
		if v != nil && *v < 0 {
			pr.Add(path, "must be 0 or more")
		}
	}
	if p.Fit.DealSize != nil && (*p.Fit.DealSize < 0 || *p.Fit.DealSize > fitscore.MaxDealAmount) {
		pr.Add("fit.deal_size", "must be between 0 and %d", int64(fitscore.MaxDealAmount))
	}
	nonNeg("fit.customers", p.Fit.Customers)
	nonNeg("fit.customers_in_icp", p.Fit.CustomersInICP)
	nonNeg("fit.shared_accounts", p.Fit.SharedAccounts)
	nonNeg("fit.sellers", p.Fit.Sellers)
	if p.Fit.Customers != nil && p.Fit.CustomersInICP != nil && *p.Fit.CustomersInICP > *p.Fit.Customers {
		pr.Add("fit.customers_in_icp", "cannot be more than the partner's customers (%d)", *p.Fit.Customers)
	}
	return pr.Err("The partner is not valid.")
}

// Sort orders a partner list.
type Sort string

// The sort orders. The empty Sort is by id, which is the order of creation.
const (
	SortCreated Sort = ""
	SortName    Sort = "name"
	SortTier    Sort = "tier"
	SortFit     Sort = "fit"     // highest fit first
	SortUpdated Sort = "updated" // most recently changed first
)

// Sorts lists the sort orders a list accepts.
var Sorts = []Sort{SortCreated, SortName, SortTier, SortFit, SortUpdated}

// FilterFromQuery reads a filter from query parameters q, motion, tier, region,
// lifecycle, vertical, territory, tag, owner, segment and sort; absent parameters do
// not filter.
func FilterFromQuery(q url.Values) Filter {
	return Filter{Query: strings.TrimSpace(q.Get("q")), Motion: tandem.Motion(q.Get("motion")), Tier: q.Get("tier"),
		Region: q.Get("region"), Lifecycle: Lifecycle(q.Get("lifecycle")), Vertical: q.Get("vertical"), Territory: q.Get("territory"),
		Tag: q.Get("tag"), OwnerUserID: q.Get("owner"), SegmentID: q.Get("segment"), Sort: Sort(q.Get("sort"))}
}

// Values returns f as query parameters, the inverse of FilterFromQuery.
func (f Filter) Values() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("q", f.Query)
	set("motion", string(f.Motion))
	set("tier", f.Tier)
	set("region", f.Region)
	set("lifecycle", string(f.Lifecycle))
	set("vertical", f.Vertical)
	set("territory", f.Territory)
	set("tag", f.Tag)
	set("owner", f.OwnerUserID)
	set("segment", f.SegmentID)
	set("sort", string(f.Sort))
	return q
}

// Filter narrows a partner list. Zero values do not filter.
type Filter struct {
	Motion      tandem.Motion
	Tier        string
	Region      string // any of the partner's regions, ignoring case
	Lifecycle   Lifecycle
	Query       string // case-insensitive substring of the name or domain
	Vertical    string
	Territory   string
	Tag         string
	OwnerUserID string
	// SegmentID keeps the members of a saved or built-in segment; the service
	// turns it into IDs before the store sees it.
	SegmentID string
	// IDs, when not nil, keeps only these partners (possibly none).
	IDs  []string
	Sort Sort
}
