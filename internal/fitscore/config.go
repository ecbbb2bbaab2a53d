package fitscore

import (
	"fmt"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Kind names one fit criterion.
type Kind string

// The criteria a workspace can weigh. Each may appear at most once in a Config.
const (
	// Industries: how many of the vendor's target industries the partner works in.
	Industries Kind = "industries"
	// DealSize: whether the partner's typical deal size falls inside the vendor's band.
	DealSize Kind = "deal_size"
	// Geography: how many of the vendor's target regions the partner covers.
	Geography Kind = "geography"
	// TechStack: how many of the vendor's integrations the partner already works with.
	TechStack Kind = "tech_stack"
	// CustomerOverlap: the share of the partner's customers that fit the vendor's ICP
	// (basis "share"), or the number of accounts shared in account mapping (basis
	// "accounts").
	CustomerOverlap Kind = "customer_overlap"
	// Reach: the size of the partner's customer base (basis "customers") or sales team
	// (basis "sellers"), scaled against a count that earns full marks.
	Reach Kind = "reach"
	// Complementarity: how many of the services the vendor lacks the partner provides.
	Complementarity Kind = "complementarity"
)

// Kinds lists every criterion in the order the default settings use.
var Kinds = []Kind{Industries, CustomerOverlap, Geography, TechStack, DealSize, Reach, Complementarity}

func (k Kind) known() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// setBased reports whether the criterion compares the partner's list against targets.
func (k Kind) setBased() bool {
	return k == Industries || k == Geography || k == TechStack || k == Complementarity
}

// counted reports whether the criterion scales a count against Full.
func counted(k Kind, b Basis) bool {
	return k == Reach || (k == CustomerOverlap && b == BasisAccounts)
}

// Basis chooses what Reach and CustomerOverlap measure.
type Basis string

// The bases. The empty basis means BasisCustomers for Reach and BasisShare for
// CustomerOverlap.
const (
	BasisCustomers Basis = "customers" // Reach: number of customers
	BasisSellers   Basis = "sellers"   // Reach: number of sellers
	BasisShare     Basis = "share"     // CustomerOverlap: share of customers inside the ICP
	BasisAccounts  Basis = "accounts"  // CustomerOverlap: accounts shared in account mapping
)

// Scale chooses how a count turns into a value between 0 and 1.
type Scale string

// The scales. The empty scale means ScaleLinear.
const (
	// ScaleLinear: value = count / full, capped at 1.
	ScaleLinear Scale = "linear"
	// ScaleLog: value = log(1+count) / log(1+full), capped at 1, so the first customers
	// count for more than the thousandth.
	ScaleLog Scale = "log"
)

// Missing says what a criterion without data does to the score.
type Missing string

// The ways of treating missing data.
const (
	// MissingExclude leaves a criterion without data out of the score: the remaining
	// criteria share its weight. The score then describes only what is known, and
	// Result.Coverage says how much that is.
	MissingExclude Missing = "exclude"
	// MissingZero counts a criterion without data as the worst value, so an incomplete
	// profile scores lower than a complete one.
	MissingZero Missing = "zero"
)

// Criterion is one weighted criterion of a workspace's partner ICP. Only the fields
// that apply to its Kind may be set.
type Criterion struct {
	Kind Kind `json:"kind"`
	// Weight is the criterion's relative importance: 0 or more, at most MaxWeight.
	// Weights need not add up to 100; each counts as its share of the total.
	Weight int `json:"weight"`
	// Disabled switches the criterion off without losing its settings.
	Disabled bool `json:"disabled,omitempty"`

	// Targets, for industries, geography, tech_stack and complementarity, are the
	// vendor's target industries, target regions, integrations, and services the
	// vendor lacks. Matching ignores case and repeated spaces.
	Targets []string `json:"targets,omitempty"`

	// Full is the count that earns full marks. For the list criteria it is how many
	// targets the partner must match (0: all of them). For reach and for
	// customer_overlap on the accounts basis it is the number of customers, sellers
	// or shared accounts (required, 1 or more).
	Full int `json:"full,omitempty"`

	// MinDeal and MaxDeal, for deal_size, bound the vendor's band of deal sizes in
	// whole units of the workspace currency. A MaxDeal of 0 means no upper bound.
	MinDeal int64 `json:"min_deal,omitempty"`
	MaxDeal int64 `json:"max_deal,omitempty"`

	// Basis, for reach and customer_overlap, chooses what is measured.
	Basis Basis `json:"basis,omitempty"`
	// Scale, for reach and customer_overlap on the accounts basis, chooses how a
	// count becomes a value.
	Scale Scale `json:"scale,omitempty"`
}

// basis returns the criterion's basis with the default filled in.
func (c Criterion) basis() Basis {
	if c.Basis != "" {
		return c.Basis
	}
	switch c.Kind {
	case Reach:
		return BasisCustomers
	case CustomerOverlap:
		return BasisShare
	}
	return ""
}

// Config is a workspace's partner ICP: the criteria a partner is scored on and what
// missing data does to the score.
type Config struct {
	Criteria []Criterion `json:"criteria"`
	// Missing is MissingExclude (the default) or MissingZero.
	Missing Missing `json:"missing"`
}

// DefaultConfig returns the settings a new workspace starts with: every criterion with
// a suggested weight (adding up to 100). The criteria that need the vendor's own lists
// or band (industries, geography, tech stack, complementarity, deal size) start
// switched off until the workspace fills them in; customer overlap and reach need no
// settings and start on. Missing data is left out of the score.
func DefaultConfig() Config {
	return Config{
		Missing: MissingExclude,
		Criteria: []Criterion{
			{Kind: Industries, Weight: 20, Disabled: true},
			{Kind: CustomerOverlap, Weight: 25, Basis: BasisShare},
			{Kind: Geography, Weight: 15, Disabled: true},
			{Kind: TechStack, Weight: 15, Disabled: true},
			{Kind: DealSize, Weight: 10, Disabled: true},
			{Kind: Reach, Weight: 10, Basis: BasisCustomers, Full: 500, Scale: ScaleLog},
			{Kind: Complementarity, Weight: 5, Disabled: true},
		},
	}
}

// Limits on the settings.
const (
	MaxWeight     = 1000
	MaxTargets    = 200
	MaxTargetLen  = 100
	MaxFull       = 1_000_000_000
	MaxDealAmount = 1_000_000_000_000_000 // 10^18, below the int64 limit
)

// Validate reports every problem with the settings at once as a KindInvalid error with
// field paths such as "criteria[2].weight". It returns nil for usable settings.
// Disabled criteria are checked too, except that they may have no targets or band yet.
func (c Config) Validate() error {
	var probs tandem.Problems
	switch c.Missing {
	case MissingExclude, MissingZero:
	default:
		probs.Add("missing", "must be %q or %q", MissingExclude, MissingZero)
	}
	seen := map[Kind]int{}
	for i, cr := range c.Criteria {
		at := func(field string) string { return fmt.Sprintf("criteria[%d].%s", i, field) }
		if !cr.Kind.known() {
			probs.Add(at("kind"), "unknown criterion %q: use %s", cr.Kind, kindList())
			continue
		}
		if j, dup := seen[cr.Kind]; dup {
			probs.Add(at("kind"), "%s already appears as criteria[%d]", cr.Kind, j)
		} else {
			seen[cr.Kind] = i
		}
		if cr.Weight < 0 {
			probs.Add(at("weight"), "must be 0 or more")
		} else if cr.Weight > MaxWeight {
			probs.Add(at("weight"), "must be at most %d", MaxWeight)
		}
		notFor := func(field string, set bool) {
			if set {
				probs.Add(at(field), "does not apply to %s", cr.Kind)
			}
		}

		if cr.Kind.setBased() {
			validateTargets(&probs, at, cr)
		} else {
			notFor("targets", cr.Targets != nil)
		}

		if cr.Kind == DealSize {
			if cr.MinDeal < 0 || cr.MinDeal > MaxDealAmount {
				probs.Add(at("min_deal"), "must be between 0 and %d", int64(MaxDealAmount))
			}
			if cr.MaxDeal < 0 || cr.MaxDeal > MaxDealAmount {
				probs.Add(at("max_deal"), "must be between 0 and %d", int64(MaxDealAmount))
			} else if cr.MaxDeal > 0 && cr.MaxDeal < cr.MinDeal {
				probs.Add(at("max_deal"), "must be 0 (no upper bound) or at least min_deal (%d)", cr.MinDeal)
			}
			if !cr.Disabled && cr.MinDeal <= 0 && cr.MaxDeal <= 0 {
				probs.Add(at("min_deal"), "set min_deal, max_deal or both to score deal size")
			}
		} else {
			notFor("min_deal", cr.MinDeal != 0)
			notFor("max_deal", cr.MaxDeal != 0)
		}

		switch cr.Kind {
		case Reach:
			if cr.Basis != "" && cr.Basis != BasisCustomers && cr.Basis != BasisSellers {
				probs.Add(at("basis"), "must be %q or %q for reach", BasisCustomers, BasisSellers)
			}
		case CustomerOverlap:
			if cr.Basis != "" && cr.Basis != BasisShare && cr.Basis != BasisAccounts {
				probs.Add(at("basis"), "must be %q or %q for customer_overlap", BasisShare, BasisAccounts)
			}
		default:
			notFor("basis", cr.Basis != "")
		}

		if counted(cr.Kind, cr.basis()) {
			if cr.Scale != "" && cr.Scale != ScaleLinear && cr.Scale != ScaleLog {
				probs.Add(at("scale"), "must be %q or %q", ScaleLinear, ScaleLog)
			}
			if cr.Full < 1 || cr.Full > MaxFull {
				probs.Add(at("full"), "must be between 1 and %d: the count that earns full marks", MaxFull)
			}
		} else {
			notFor("scale", cr.Scale != "")
			if !cr.Kind.setBased() {
				notFor("full", cr.Full != 0)
			}
		}
	}
	return probs.Err("The partner fit settings are not valid.")
}

func validateTargets(probs *tandem.Problems, at func(string) string, cr Criterion) {
	if len(cr.Targets) > MaxTargets {
		probs.Add(at("targets"), "must list at most %d entries", MaxTargets)
		return
	}
	if len(cr.Targets) == 0 && !cr.Disabled {
		probs.Add(at("targets"), "needs at least one entry to score %s", cr.Kind)
	}
	first := map[string]int{}
	for j, t := range cr.Targets {
		path := fmt.Sprintf("%s[%d]", at("targets"), j)
		key := fold(t)
		switch {
		case key == "":
			probs.Add(path, "must not be blank")
		case len(t) > MaxTargetLen:
			probs.Add(path, "must be at most %d bytes", MaxTargetLen)
		default:
			if k, dup := first[key]; dup {
				probs.Add(path, "repeats targets[%d]", k)
			} else {
				first[key] = j
			}
		}
	}
	if cr.Full < 0 || cr.Full > len(cr.Targets) {
		probs.Add(at("full"), "must be between 0 (all targets) and %d (the number of targets)", len(cr.Targets))
	}
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// fold is the matching key of a name: lower case, inner spaces collapsed, trimmed.
func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

const maxConfigBytes = 64 << 10

// ParseConfig decodes settings from JSON and validates them. A document without
// "criteria" (or with "criteria": null) keeps the criteria of DefaultConfig; "missing"
// left out means MissingExclude. Unknown fields, trailing data and documents over
// 64 KiB are refused. Every error is KindInvalid.
func ParseConfig(data []byte) (Config, error) {
	c := Config{Missing: MissingExclude}
	if err := tandem.DecodeSettings(data, maxConfigBytes, "The partner fit settings", &c); err != nil {
		return Config{}, err
	}
	if c.Criteria == nil {
		c.Criteria = DefaultConfig().Criteria
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
