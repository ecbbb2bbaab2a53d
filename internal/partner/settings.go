package partner

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Settings are a workspace's partner program settings kept here: the territories
// partners may be assigned and the fit criteria (partner ICP) they are scored on.
type Settings struct {
	// Territories lists the workspace's territories; a partner's territories must be
	// among them.
	Territories []string `json:"territories"`
	// Fit is the partner ICP the fit score is computed with.
	Fit fitscore.Config `json:"fit"`
	// Coverage lists, by territory (spelled as in Territories), the customer countries
	// it covers as two-letter codes; see coverage.go.
	Coverage map[string][]string `json:"coverage,omitempty"`
	// ExclusivityLimits says, by territory, how many partners may hold exclusivity in
	// it at once; a territory left out allows DefaultExclusivityLimit (see
	// exclusivity.go).
	ExclusivityLimits map[string]int `json:"exclusivity_limits,omitempty"`
}

// MaxTerritories bounds the workspace's list of territories.
const MaxTerritories = 500

// DefaultSettings are the settings of a workspace that has not saved any: no
// territories and fitscore.DefaultConfig.
func DefaultSettings() Settings {
	return Settings{Territories: []string{}, Fit: fitscore.DefaultConfig()}
}

// Validate reports every problem with s, with paths such as "territories[2]" and
// "fit.criteria[0].weight".
func (s Settings) Validate() error {
	var pr tandem.Problems
	if len(s.Territories) > MaxTerritories {
		pr.Add("territories", "must list at most %d territories", MaxTerritories)
	}
	seen := map[string]int{}
	for i, t := range s.Territories {
		path := fmt.Sprintf("territories[%d]", i)
		k := strings.ToLower(strings.Join(strings.Fields(t), " "))
		switch {
		case k == "":
			pr.Add(path, "must not be blank")
		case len(t) > MaxValueLen:
			pr.Add(path, "must be at most %d characters", MaxValueLen)
		default:
			if j, dup := seen[k]; dup {
				pr.Add(path, "repeats territories[%d]", j)
			}
			seen[k] = i
		}
	}
	pr = append(pr, s.coverageProblems()...)
	pr = append(pr, s.exclusivityProblems()...)
	for _, f := range tandem.FieldsOf(s.Fit.Validate()) {
		pr = append(pr, tandem.FieldError{Path: "fit." + f.Path, Detail: f.Detail})
	}
	return pr.Err("The partner program settings are not valid.")
}

// ParseSettings decodes stored settings; empty data means DefaultSettings.
func ParseSettings(data string) (Settings, error) {
	if strings.TrimSpace(data) == "" {
		return DefaultSettings(), nil
	}
	// Decoded into zero values: decoding over the defaults would keep, say, a
	// default criterion's "disabled" where the stored one leaves it out.
	var s Settings
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		return s, fmt.Errorf("stored partner settings: %w", err)
	}
	if s.Territories == nil {
		s.Territories = []string{}
	}
	if s.Fit.Criteria == nil {
		s.Fit = fitscore.DefaultConfig()
	}
	return s, nil
}

// territory returns the workspace's spelling of t, or false when t is not one of
// the workspace's territories.
func (s Settings) territory(t string) (string, bool) {
	for _, x := range s.Territories {
		if strings.EqualFold(strings.Join(strings.Fields(x), " "), t) {
			return x, true
		}
	}
	return "", false
}

// TerritoriesKnown reports, by field, the territories of p that are not the
// workspace's; p is not changed. Stores run it inside a partner write's transaction,
// so a territory removed meanwhile is not saved on a partner.
func (s Settings) TerritoriesKnown(p Partner) error {
	p.Territories = slices.Clone(p.Territories)
	return s.checkTerritories(&p)
}

// TerritoriesInUse reports, on "territories", the territories that partners ps hold
// and s no longer has (the first five, then that there are more), or nil: settings
// that remove a territory still assigned are refused.
func (s Settings) TerritoriesInUse(ps []Partner) error {
	var pr tandem.Problems
	for _, p := range ps {
		for _, t := range p.Territories {
			if _, ok := s.territory(t); !ok {
				pr.Add("territories", "%q is still assigned to %s; change the partner's territories first", t, p.Name)
			}
		}
	}
	if len(pr) > 5 {
		pr = append(pr[:5], tandem.FieldError{Path: "territories", Detail: "and more partners use removed territories"})
	}
	return pr.Err("The partner program settings are not valid.")
}

// checkTerritories replaces each of p's territories by the workspace's spelling and
// reports those that are not the workspace's.
func (s Settings) checkTerritories(p *Partner) error {
	var pr tandem.Problems
	for i, t := range p.Territories {
		if x, ok := s.territory(t); ok {
			p.Territories[i] = x
			continue
		}
		if len(s.Territories) == 0 {
			pr.Add(fmt.Sprintf("territories[%d]", i), "%q is not a territory of this workspace: it has none yet; add territories in the partner program settings first", t)
		} else {
			pr.Add(fmt.Sprintf("territories[%d]", i), "%q is not a territory of this workspace; use one of: %s", t, strings.Join(s.Territories, ", "))
		}
	}
	return pr.Err("The partner is not valid.")
}
