package apitoken

import (
	"fmt"
	"strings"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// maxScopeEntries bounds the work done on a scope list from outside.
const maxScopeEntries = 100

// ParseScopes reads a scope list as typed on a command line or stored in the
// database: entries of the form area:read or area:write, separated by commas and/or
// spaces, such as "partners:read,registrations:write". Areas are those of
// policy.Areas; write includes read; an area named twice gets the higher access.
// The empty list is refused (a token must be able to do something). Errors are
// KindInvalid *tandem.Errors with one field error per bad entry, at path "scopes",
// each naming the entry and what would be accepted. The result's String() is the
// canonical form to store.
func ParseScopes(s string) (policy.Scopes, error) {
	entries := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	return parseEntries(entries, func(int) string { return "scopes" })
}

// ScopesFromList reads a scope list given as separate entries, as in a JSON array;
// field errors point at the entry ("scopes[2]"). Otherwise it behaves as ParseScopes.
func ScopesFromList(entries []string) (policy.Scopes, error) {
	return parseEntries(entries, func(i int) string { return fmt.Sprintf("scopes[%d]", i) })
}

func parseEntries(entries []string, path func(int) string) (policy.Scopes, error) {
	var p tandem.Problems
	if len(entries) == 0 {
		p.Add("scopes", "choose at least one scope, such as %s", example())
		return nil, p.Err("The scope list is not valid.")
	}
	if len(entries) > maxScopeEntries {
		p.Add("scopes", "lists %d entries; at most %d are allowed", len(entries), maxScopeEntries)
		return nil, p.Err("The scope list is not valid.")
	}
	scopes := policy.Scopes{}
	for i, e := range entries {
		area, access, ok := strings.Cut(strings.TrimSpace(e), ":")
		shown := quote(e)
		switch {
		case !ok:
			p.Add(path(i), "%s is not a scope: write area:read or area:write, such as %s", shown, example())
		case !policy.Area(area).Valid():
			p.Add(path(i), "%s names the unknown area %s; areas are %s", shown, quote(area), areaList())
		case access == "read":
			scopes.Grant(policy.Area(area), policy.ReadAccess)
		case access == "write":
			scopes.Grant(policy.Area(area), policy.WriteAccess)
		default:
			p.Add(path(i), "%s asks for %s access; use read or write", shown, quote(access))
		}
	}
	if err := p.Err("The scope list is not valid."); err != nil {
		return nil, err
	}
	return scopes, nil
}

// quote shows a piece of input in an error message, shortened so that a huge input
// does not make a huge message.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

func example() string { return "partners:read,registrations:write" }

func areaList() string {
	var names []string
	for _, a := range policy.Areas() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}
