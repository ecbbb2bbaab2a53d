package policy

import (
	"sort"
	"strings"
)

// Area is a part of the product an API token scope refers to, such as "partners" or
// "registrations". One area covers one or more resource kinds (see Kind.Area).
type Area string

// The scope areas.
const (
	AreaSettings      Area = "settings"      // workspace settings
	AreaUsers         Area = "users"         // internal users
	AreaPartners      Area = "partners"      // partners, partner profiles, partner users
	AreaRegistrations Area = "registrations" // registrations
	AreaAccounts      Area = "accounts"      // accounts
	AreaContacts      Area = "contacts"      // contacts
	AreaOpportunities Area = "opportunities" // opportunities
	AreaAttribution   Area = "attribution"   // attribution
	AreaNotes         Area = "notes"         // internal and shared notes
	AreaAnnouncements Area = "announcements" // announcements
	AreaContent       Area = "content"       // content hub
	AreaPayouts       Area = "payouts"       // payouts
	AreaAudit         Area = "audit"         // audit log
)

var areaOrder = []Area{
	AreaSettings, AreaUsers, AreaPartners, AreaRegistrations, AreaAccounts, AreaContacts,
	AreaOpportunities, AreaAttribution, AreaNotes, AreaAnnouncements, AreaContent,
	AreaPayouts, AreaAudit,
}

// Areas lists every scope area in display order.
func Areas() []Area {
	out := make([]Area, len(areaOrder))
	copy(out, areaOrder)
	return out
}

// Valid reports whether a is a known area.
func (a Area) Valid() bool {
	for _, x := range areaOrder {
		if x == a {
			return true
		}
	}
	return false
}

// Access is how much a scope allows within its area.
type Access int

// Access levels. Write includes Read: a token that may change registrations may also
// see them.
const (
	NoAccess Access = iota
	ReadAccess
	WriteAccess
)

// String returns "read", "write" or "none".
func (a Access) String() string {
	switch a {
	case ReadAccess:
		return "read"
	case WriteAccess:
		return "write"
	}
	return "none"
}

// needed returns the access an action requires: Read, List and Export need read
// access, everything else needs write access.
func needed(action Action) Access {
	switch action {
	case Read, List, Export:
		return ReadAccess
	}
	return WriteAccess
}

// Scopes is the set of areas an API token may use and how far. The zero value (nil)
// allows nothing. A Scopes value is not modified by this package after it is built;
// build one with Grant or apitoken.ParseScopes.
type Scopes map[Area]Access

// AllScopes returns write access to every area that exists today. Areas added later
// are not included in scopes stored earlier, which is the point: a token never gains
// reach it was not given.
func AllScopes() Scopes {
	s := make(Scopes, len(areaOrder))
	for _, a := range areaOrder {
		s[a] = WriteAccess
	}
	return s
}

// Grant records that the scopes allow access to area, keeping the higher of the
// existing and the new access level. It panics on a nil Scopes, like a map would.
func (s Scopes) Grant(area Area, access Access) {
	if access > s[area] {
		s[area] = access
	}
}

// Allows reports whether the scopes cover action on kind.
func (s Scopes) Allows(kind Kind, action Action) bool {
	area, ok := kind.Area()
	if !ok {
		return false
	}
	return s[area] >= needed(action)
}

// String returns the canonical text form, e.g. "partners:read,registrations:write":
// one entry per area with access, in the order of Areas. It is what
// apitoken.ParseScopes reads back.
func (s Scopes) String() string {
	var parts []string
	for _, a := range areaOrder {
		if acc := s[a]; acc != NoAccess {
			parts = append(parts, string(a)+":"+acc.String())
		}
	}
	// Unknown areas cannot get in through Grant or ParseScopes, but a hand-built map
	// could carry them; list them last, sorted, so nothing is hidden.
	var extra []string
	for a, acc := range s {
		if !a.Valid() && acc != NoAccess {
			extra = append(extra, string(a)+":"+acc.String())
		}
	}
	sort.Strings(extra)
	return strings.Join(append(parts, extra...), ",")
}
