package partner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/tandem"
)

// normalizeCoverage spells every territory of s.Coverage as s.Territories does and
// every country as an upper-case two-letter code where it is one, drops repeats and
// empty entries, and leaves what it cannot read for Validate to report.
func (s *Settings) normalizeCoverage() {
	if len(s.Coverage) == 0 {
		s.Coverage = nil
		return
	}
	out := make(map[string][]string, len(s.Coverage))
	for name, countries := range s.Coverage {
		key := name
		if x, ok := s.territory(strings.Join(strings.Fields(name), " ")); ok {
			key = x
		}
		for _, c := range countries {
			c = strings.TrimSpace(c)
			if n := match.NormalizeCountry(c); len(n) == 2 {
				c = strings.ToUpper(n)
			}
			if c != "" && !slices.Contains(out[key], c) {
				out[key] = append(out[key], c)
			}
		}
		if _, ok := out[key]; !ok {
			out[key] = []string{}
		}
	}
	for k, v := range out {
		if len(v) == 0 {
			delete(out, k)
		} else {
			slices.Sort(v)
		}
	}
	s.Coverage = out
}

// coverageProblems reports coverage entries for unknown territories and countries
// that are not two-letter codes, with paths such as "coverage.Benelux[1]".
func (s Settings) coverageProblems() tandem.Problems {
	var pr tandem.Problems
	for name, countries := range s.Coverage {
		if _, ok := s.territory(strings.Join(strings.Fields(name), " ")); !ok {
			pr.Add("coverage."+name, "%q is not one of the territories; add it to the list first", name)
			continue
		}
		for i, c := range countries {
			if n := match.NormalizeCountry(c); len(n) != 2 || !strings.EqualFold(n, c) {
				pr.Add(fmt.Sprintf("coverage.%s[%d]", name, i), "%q is not a two-letter country code such as NL or US", c)
			}
		}
	}
	return pr
}

// Covering returns the territories whose coverage includes the customer country
// (a two-letter code, any case), in the order of s.Territories.
func (s Settings) Covering(country string) []string {
	country = strings.ToUpper(strings.TrimSpace(country))
	var out []string
	if country == "" {
		return nil
	}
	for _, t := range s.Territories {
		if slices.Contains(s.Coverage[t], country) {
			out = append(out, t)
		}
	}
	return out
}

// InTerritory reports whether p may take a customer in country under a rule that
// partners work only their own territories: always when p has no territories (the
// rule does not bind partners nobody assigned), otherwise when one of p's territories
// covers the country. It says why not in a sentence the partner can act on, naming
// only p's own territories. An unknown country (empty) is refused when p has
// territories, since nothing can be checked.
func (s Settings) InTerritory(p Partner, country string) (ok bool, why string) {
	if len(p.Territories) == 0 {
		return true, ""
	}
	mine := strings.Join(p.Territories, ", ")
	if strings.TrimSpace(country) == "" {
		return false, fmt.Sprintf("the customer's country is needed to check it against your territories (%s)", mine)
	}
	for _, t := range s.Covering(country) {
		if slices.ContainsFunc(p.Territories, func(x string) bool { return strings.EqualFold(x, t) }) {
			return true, ""
		}
	}
	return false, fmt.Sprintf("%s is outside your territories (%s); ask your partner manager if this customer should be yours", strings.ToUpper(strings.TrimSpace(country)), mine)
}
