package conflict

import (
	"fmt"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// RuleKey names one rule of the conflict hierarchy. The keys are stable: they are stored
// in workspace settings and written into the audit log with each ruling.
type RuleKey string

// The rules a Policy can switch on, off and reorder.
const (
	// RuleNamedAccount: a party that holds the customer as a named account wins
	// against one that does not. Applies against partners and direct sales.
	RuleNamedAccount RuleKey = "named_account"
	// RuleTerritoryExclusivity: a partner holding exclusivity for the customer's
	// territory wins against a partner that does not. Partners only.
	RuleTerritoryExclusivity RuleKey = "territory_exclusivity"
	// RuleDirectOwnership: how a claim of the vendor's direct sales team is settled,
	// according to Policy.DirectOwnership. Direct sales only.
	RuleDirectOwnership RuleKey = "direct_ownership"
	// RuleRegistered: a registration in force beats a claim without one; an approved,
	// still-protected registration beats a new submission. Partners only.
	RuleRegistered RuleKey = "registered_beats_unregistered"
	// RuleIncumbent: the incumbent on the account beats a net-new claim. Applies
	// against partners and direct sales.
	RuleIncumbent RuleKey = "incumbent_beats_net_new"
	// RuleCertification: a certified partner beats an uncertified one (see
	// Policy.Certifications). Partners only.
	RuleCertification RuleKey = "certification"
	// RuleFirstCome: the earlier claim wins. Partners only.
	RuleFirstCome RuleKey = "first_come_first_served"
	// RuleTierPriority: the partner at the higher program tier wins. Partners only.
	RuleTierPriority RuleKey = "tier_priority"
)

// AllRules returns every rule key, in the order of the default policy.
func AllRules() []RuleKey {
	return []RuleKey{
		RuleNamedAccount, RuleTerritoryExclusivity, RuleDirectOwnership, RuleRegistered,
		RuleIncumbent, RuleCertification, RuleFirstCome, RuleTierPriority,
	}
}

// Label returns the rule's name as shown to people, or the key itself when unknown.
func (k RuleKey) Label() string {
	switch k {
	case RuleNamedAccount:
		return "Named accounts"
	case RuleTerritoryExclusivity:
		return "Territory exclusivity"
	case RuleDirectOwnership:
		return "Direct-sales ownership"
	case RuleRegistered:
		return "Registered beats unregistered"
	case RuleIncumbent:
		return "Incumbent beats net-new"
	case RuleCertification:
		return "Certification breaks ties"
	case RuleFirstCome:
		return "First come, first served"
	case RuleTierPriority:
		return "Tier priority"
	}
	return string(k)
}

func (k RuleKey) known() bool {
	for _, r := range AllRules() {
		if r == k {
			return true
		}
	}
	return false
}

// DirectMode says how RuleDirectOwnership settles a collision with direct sales.
type DirectMode string

// The direct-sales ownership modes.
const (
	// DirectWins: direct sales keeps the customer; the partner's claim loses.
	DirectWins DirectMode = "direct_wins"
	// DirectRegisteredFirst: the partner wins when it registered before direct sales
	// engaged the customer (Party.ClaimedAt), and loses otherwise.
	DirectRegisteredFirst DirectMode = "registered_first"
	// DirectManual: a person decides; the ruling is always "review".
	DirectManual DirectMode = "manual"
)

// PossibleMode says what to do with candidates the matcher was unsure about.
type PossibleMode string

// The ways of handling "possible" matches.
const (
	// PossibleEvaluate runs the rules against a possible match as if it were certain.
	// A possible match can never cause a decline: where the submitter would lose or tie,
	// the ruling becomes "review"; where it would win, the match does not stand in the way.
	PossibleEvaluate PossibleMode = "evaluate"
	// PossibleReview sends every registration with a possible match to review.
	PossibleReview PossibleMode = "review"
	// PossibleIgnore leaves possible matches out of the ruling entirely.
	PossibleIgnore PossibleMode = "ignore"
)

// RuleSetting switches one rule on or off at its position in Policy.Rules.
type RuleSetting struct {
	Key     RuleKey `json:"key"`
	Enabled bool    `json:"enabled"`
}

// Policy is a workspace's conflict hierarchy: rules applied in order, the first rule that
// separates two claims deciding between them. A rule missing from Rules is off.
type Policy struct {
	Rules           []RuleSetting `json:"rules"`
	DirectOwnership DirectMode    `json:"direct_ownership"`
	// Certifications lists the certification keys that count for RuleCertification: a
	// partner holding any of them is certified. Empty means any certification counts.
	Certifications  []string     `json:"certifications"`
	PossibleMatches PossibleMode `json:"possible_matches"`
}

// DefaultPolicy returns the hierarchy a new workspace starts with: program commitments
// first (named accounts, territory exclusivity), direct-sales collisions to a person,
// then registered beats unregistered, incumbent beats net-new, certification breaks
// ties and finally first come, first served. Tier priority is present but off.
func DefaultPolicy() Policy {
	p := Policy{
		DirectOwnership: DirectManual,
		PossibleMatches: PossibleEvaluate,
	}
	for _, k := range AllRules() {
		p.Rules = append(p.Rules, RuleSetting{Key: k, Enabled: k != RuleTierPriority})
	}
	return p
}

// Enabled returns the keys of the rules that are on, in the order they apply.
func (p Policy) Enabled() []RuleKey {
	var out []RuleKey
	for _, r := range p.Rules {
		if r.Enabled {
			out = append(out, r.Key)
		}
	}
	return out
}

// maxCertifications bounds the certification list so a policy stays small.
const maxCertifications = 100

// Validate reports every problem with the policy at once, as a KindInvalid error whose
// field paths follow the JSON form ("rules[2].key"). It returns nil for a usable policy.
func (p Policy) Validate() error {
	var probs tandem.Problems
	seen := map[RuleKey]int{}
	for i, r := range p.Rules {
		path := fmt.Sprintf("rules[%d].key", i)
		switch {
		case r.Key == "":
			probs.Add(path, "is required")
		case !r.Key.known():
			probs.Add(path, "unknown rule %q: use one of %s", r.Key, ruleList())
		default:
			if j, dup := seen[r.Key]; dup {
				probs.Add(path, "rule %q is already listed at rules[%d]", r.Key, j)
			} else {
				seen[r.Key] = i
			}
		}
	}
	switch p.DirectOwnership {
	case DirectWins, DirectRegisteredFirst, DirectManual:
	case "":
		probs.Add("direct_ownership", "is required: use direct_wins, registered_first or manual")
	default:
		probs.Add("direct_ownership", "unknown mode %q: use direct_wins, registered_first or manual", p.DirectOwnership)
	}
	switch p.PossibleMatches {
	case PossibleEvaluate, PossibleReview, PossibleIgnore:
	case "":
		probs.Add("possible_matches", "is required: use evaluate, review or ignore")
	default:
		probs.Add("possible_matches", "unknown mode %q: use evaluate, review or ignore", p.PossibleMatches)
	}
	if len(p.Certifications) > maxCertifications {
		probs.Add("certifications", "lists %d certifications; at most %d are allowed", len(p.Certifications), maxCertifications)
	}
	certs := map[string]int{}
	for i, c := range p.Certifications {
		path := fmt.Sprintf("certifications[%d]", i)
		switch {
		case strings.TrimSpace(c) == "":
			probs.Add(path, "must not be empty")
		case c != strings.TrimSpace(c):
			probs.Add(path, "must not start or end with spaces")
		default:
			if j, dup := certs[c]; dup {
				probs.Add(path, "certification %q is already listed at certifications[%d]", c, j)
			} else {
				certs[c] = i
			}
		}
	}
	return probs.Err("The conflict policy is not valid.")
}

func ruleList() string {
	keys := AllRules()
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// maxPolicyBytes bounds the JSON a policy is parsed from.
const maxPolicyBytes = 64 << 10

// ParsePolicy decodes a policy from JSON and validates it. Fields left out keep the
// values of DefaultPolicy (a "rules" list, when present, replaces the default list
// entirely); unknown fields, trailing data and documents over 64 KiB are refused. Every
// error is KindInvalid.
func ParsePolicy(data []byte) (Policy, error) {
	p := DefaultPolicy()
	if err := tandem.DecodeSettings(data, maxPolicyBytes, "The conflict policy", &p); err != nil {
		return Policy{}, err
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}
