package partner

import (
	"strings"

	"github.com/tandemprm/tandem/internal/match"
)

// HoldsNamedAccount reports whether the customer with the given company name and web
// domain is on p's named-account list, and which entry says so. An entry that looks like
// a web domain (one word with a dot) names the customer when both reduce to the same
// registrable domain ("https://www.acme.co.uk/x" and "acme.co.uk" agree); any other
// entry is a company name, compared the way the company matcher compares names, so
// "Acme Corp." and "ACME Corporation" agree but "Acme Foods" and "Acme Tools" do not.
// A customer without a name or domain matches nothing through it.
func HoldsNamedAccount(p Partner, customerName, customerDomain string) (entry string, ok bool) {
	dom, hasDom := match.RegistrableDomain(customerDomain)
	var name *match.Prepared
	for _, e := range p.NamedAccounts {
		if isDomainEntry(e) {
			if d, ok := match.RegistrableDomain(e); ok && hasDom && d == dom {
				return e, true
			}
			continue
		}
		if strings.TrimSpace(customerName) == "" {
			continue
		}
		if name == nil {
			name = match.Prepare(match.Record{Name: customerName})
		}
		r := match.ComparePrepared(name, match.Prepare(match.Record{Name: e}), match.DefaultConfig())
		if r.Decision == match.Match {
			return e, true
		}
	}
	return "", false
}

// isDomainEntry tells a web-domain entry ("acme.com", "https://acme.com/") from a
// company name ("Acme Inc.", "Acme Co. Ltd").
func isDomainEntry(e string) bool {
	e = strings.TrimSpace(e)
	return e != "" && !strings.ContainsAny(e, " \t") && strings.Contains(strings.TrimSuffix(e, "."), ".")
}
