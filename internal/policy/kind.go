package policy

import (
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Kind names a kind of resource the policy knows about. Every resource a service
// protects is described as one of these kinds.
type Kind string

// The resource kinds. Adding one means adding its row to kindInfos, to the role
// grants, to the expectations in the policy tests and to the table in the package doc;
// the tests fail until all of them agree.
const (
	Settings       Kind = "settings"        // workspace settings: name, time zone, calendar, currency, SSO
	Users          Kind = "users"           // the vendor's own (internal) users
	PartnerUsers   Kind = "partner_users"   // people of a partner organisation who may sign in
	Partners       Kind = "partners"        // the vendor's record of a partner organisation (tier, owner, lifecycle, internal fields)
	PartnerProfile Kind = "partner_profile" // the partner organisation's own profile, as the partner sees and edits it
	Registrations  Kind = "registrations"   // deal and lead registrations
	ConflictCases  Kind = "conflict_cases"  // channel-conflict cases: who collides with whom, and the ruling
	Accounts       Kind = "accounts"        // customer companies
	Contacts       Kind = "contacts"        // people at customer companies
	Opportunities  Kind = "opportunities"   // deals in the pipeline
	Attribution    Kind = "attribution"     // partner credit (sourced/influenced shares) on opportunities
	InternalNotes  Kind = "internal_notes"  // notes only the vendor's people see
	PartnerNotes   Kind = "partner_notes"   // notes shared between the vendor and one partner
	PlanItems      Kind = "plan_items"      // mutual-action-plan milestones on opportunities, owned by either side
	Announcements  Kind = "announcements"   // program announcements and their acknowledgements
	Content        Kind = "content"         // content hub assets
	Payouts        Kind = "payouts"         // commission statements and payouts
	AuditLog       Kind = "audit_log"       // the append-only audit log
	APITokens      Kind = "api_tokens"      // API tokens
	Outbox         Kind = "outbox"          // messages kept for admins when no SMTP server is configured
)

// Action is something an actor does to a resource.
type Action string

// The actions. Collection actions (List, Export, Create) address a kind, optionally
// within one partner; instance actions (Read, Update, Delete, Decide, Acknowledge)
// address one existing resource.
const (
	Read        Action = "read"        // see one resource
	List        Action = "list"        // see a collection (search, filter)
	Create      Action = "create"      // add a resource
	Update      Action = "update"      // change a resource
	Delete      Action = "delete"      // delete, deactivate, revoke or offboard a resource
	Decide      Action = "decide"      // approve or decline (registrations, applications, payouts)
	Export      Action = "export"      // download a collection as a file
	Acknowledge Action = "acknowledge" // confirm having read (announcements)
)

var actionOrder = [...]Action{Read, List, Create, Update, Delete, Decide, Export, Acknowledge}

// Actions lists every action in table order.
func Actions() []Action {
	out := make([]Action, len(actionOrder))
	copy(out, actionOrder[:])
	return out
}

// Kinds lists every resource kind in table order.
func Kinds() []Kind {
	out := make([]Kind, len(kindOrder))
	copy(out, kindOrder)
	return out
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindInfos[k]; return ok }

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return actionBit(a) != 0 }

// Area returns the API scope area that covers k. ok is false for kinds that API
// tokens can never reach (API tokens themselves and the outbox).
func (k Kind) Area() (area Area, ok bool) {
	info, found := kindInfos[k]
	if !found || info.area == "" {
		return "", false
	}
	return info.area, true
}

// Applies reports whether action means something for kind k (e.g. registrations can
// be decided but not acknowledged). Nobody, not even a system job, is allowed an
// action that does not apply.
func (k Kind) Applies(action Action) bool {
	return kindInfos[k].applicable.has(action)
}

// collection reports whether a addresses a collection rather than one resource.
func (a Action) collection() bool { return a == List || a == Export || a == Create }

// visibility says how partner actors may see resources of a kind.
type visibility int

const (
	// vendorOnly kinds are never shown to partner actors.
	vendorOnly visibility = iota
	// owned kinds are shown to a partner actor only when its organisation is listed
	// on the resource (it owns it or is attributed on it).
	owned
	// published kinds are shown to every partner when no organisation is listed
	// (published to all) and otherwise only to the listed ones.
	published
)

type kindInfo struct {
	noun       string // singular, for messages
	plural     string // for messages
	area       Area   // API scope area; "" means tokens cannot reach it
	partner    visibility
	applicable actionSet
}

var kindOrder = []Kind{
	Settings, Users, PartnerUsers, Partners, PartnerProfile, Registrations, ConflictCases, Accounts,
	Contacts, Opportunities, Attribution, InternalNotes, PartnerNotes, PlanItems, Announcements,
	Content, Payouts, AuditLog, APITokens, Outbox,
}

var kindInfos = map[Kind]kindInfo{
	Settings:       {"workspace settings", "workspace settings", AreaSettings, vendorOnly, set(Read, Update)},
	Users:          {"user", "users", AreaUsers, vendorOnly, set(Read, List, Create, Update, Delete)},
	PartnerUsers:   {"partner user", "partner users", AreaPartners, owned, set(Read, List, Create, Update, Delete)},
	Partners:       {"partner", "partners", AreaPartners, vendorOnly, set(Read, List, Create, Update, Delete, Decide, Export)},
	PartnerProfile: {"partner profile", "partner profiles", AreaPartners, owned, set(Read, List, Update)},
	Registrations:  {"registration", "registrations", AreaRegistrations, owned, set(Read, List, Create, Update, Decide, Export)},
	ConflictCases:  {"conflict case", "conflict cases", AreaRegistrations, vendorOnly, set(Read, List, Update, Decide, Export)},
	Accounts:       {"account", "accounts", AreaAccounts, vendorOnly, set(Read, List, Create, Update, Delete, Export)},
	Contacts:       {"contact", "contacts", AreaContacts, vendorOnly, set(Read, List, Create, Update, Delete, Export)},
	Opportunities:  {"opportunity", "opportunities", AreaOpportunities, owned, set(Read, List, Create, Update, Delete, Export)},
	Attribution:    {"attribution", "attribution", AreaAttribution, owned, set(Read, List, Update, Export)},
	InternalNotes:  {"note", "internal notes", AreaNotes, vendorOnly, set(Read, List, Create, Delete)},
	PartnerNotes:   {"note", "shared notes", AreaNotes, owned, set(Read, List, Create, Delete)},
	PlanItems:      {"plan item", "plan items", AreaOpportunities, owned, set(Read, List, Create, Update, Delete)},
	Announcements:  {"announcement", "announcements", AreaAnnouncements, published, set(Read, List, Create, Update, Delete, Acknowledge)},
	Content:        {"content item", "content", AreaContent, published, set(Read, List, Create, Update, Delete)},
	Payouts:        {"payout", "payouts", AreaPayouts, owned, set(Read, List, Create, Update, Decide, Export)},
	AuditLog:       {"audit log entry", "the audit log", AreaAudit, vendorOnly, set(Read, List, Export)},
	APITokens:      {"API token", "API tokens", "", owned, set(Read, List, Create, Delete)},
	Outbox:         {"message", "the outbox", "", vendorOnly, set(Read, List)},
}

// actionSet is a set of actions as a bit mask.
type actionSet uint16

func actionBit(a Action) actionSet {
	for i, x := range actionOrder {
		if x == a {
			return 1 << i
		}
	}
	return 0
}

func set(actions ...Action) actionSet {
	var s actionSet
	for _, a := range actions {
		s |= actionBit(a)
	}
	return s
}

func (s actionSet) has(a Action) bool {
	b := actionBit(a)
	return b != 0 && s&b != 0
}

// verb returns how an action reads in a sentence ("you cannot <verb> registrations").
func (a Action) verb() string {
	switch a {
	case Read:
		return "view"
	case Update:
		return "change"
	case Decide:
		return "decide on"
	}
	return string(a)
}

// roleLabel returns a role's name as it reads in a sentence ("partner seller").
func roleLabel(r tandem.Role) string { return strings.ReplaceAll(string(r), "_", " ") }
