package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Resource describes what an action is aimed at. Services fill it from the loaded
// record (for instance actions) or from the request (for collection actions) before
// asking Authorize.
type Resource struct {
	Kind        Kind
	WorkspaceID string // the workspace the resource lives in; required

	// ID identifies one resource for instance actions. It is optional for Authorize
	// but required when a link grant is pinned to a resource.
	ID string

	// Partners lists the partner organisations that own the resource or are
	// attributed on it (a registration's submitter, every partner credited on an
	// opportunity, the partner a shared note or payout belongs to). For collection
	// actions it names the partner the collection is limited to, if any (e.g. the
	// registrations of partner P, or the partner a new registration is for). For
	// announcements and content it is the audience; empty means every partner.
	Partners []string
}

// roleGrants is what each role may do to resources in its own workspace (and, for
// partner roles, to resources its organisation may see). Anything not listed is
// refused. Actions that do not apply to a kind are refused even when listed here.
var roleGrants = map[tandem.Role]map[Kind]actionSet{
	tandem.RoleAdmin: everythingBut(Announcements, Acknowledge),
	tandem.RolePartnerManager: {
		Settings:       set(Read),
		Users:          set(Read, List),
		PartnerUsers:   set(Read, List, Create, Update, Delete),
		Partners:       set(Read, List, Create, Update, Delete, Decide, Export),
		PartnerProfile: set(Read, List, Update),
		Registrations:  set(Read, List, Create, Update, Decide, Export),
		ConflictCases:  set(Read, List, Update, Decide, Export),
		Accounts:       set(Read, List, Create, Update, Export),
		Contacts:       set(Read, List, Create, Update, Export),
		Opportunities:  set(Read, List, Create, Update, Export),
		Attribution:    set(Read, List, Update, Export),
		InternalNotes:  set(Read, List, Create),
		PartnerNotes:   set(Read, List, Create),
		PlanItems:      set(Read, List, Create, Update, Delete),
		Announcements:  set(Read, List, Create, Update, Delete),
		Content:        set(Read, List, Create, Update, Delete),
		Payouts:        set(Read, List, Create, Update, Export),
		AuditLog:       set(Read, List),
	},
	tandem.RoleSales: {
		Users:          set(Read, List),
		PartnerUsers:   set(Read, List),
		Partners:       set(Read, List, Export),
		PartnerProfile: set(Read, List),
		Registrations:  set(Read, List, Export),
		ConflictCases:  set(Read, List, Update),
		Accounts:       set(Read, List, Create, Update, Export),
		Contacts:       set(Read, List, Create, Update, Export),
		Opportunities:  set(Read, List, Create, Update, Export),
		Attribution:    set(Read, List),
		InternalNotes:  set(Read, List, Create),
		PartnerNotes:   set(Read, List, Create),
		PlanItems:      set(Read, List, Create, Update),
		Announcements:  set(Read, List),
		Content:        set(Read, List),
	},
	tandem.RoleViewer: {
		Settings:       set(Read),
		Users:          set(Read, List),
		PartnerUsers:   set(Read, List),
		Partners:       set(Read, List, Export),
		PartnerProfile: set(Read, List),
		Registrations:  set(Read, List, Export),
		ConflictCases:  set(Read, List, Export),
		Accounts:       set(Read, List, Export),
		Contacts:       set(Read, List, Export),
		Opportunities:  set(Read, List, Export),
		Attribution:    set(Read, List, Export),
		InternalNotes:  set(Read, List),
		PartnerNotes:   set(Read, List),
		PlanItems:      set(Read, List),
		Announcements:  set(Read, List),
		Content:        set(Read, List),
		Payouts:        set(Read, List, Export),
		AuditLog:       set(Read, List),
	},
	tandem.RolePartnerAdmin: {
		PartnerUsers:   set(Read, List, Create, Update, Delete),
		PartnerProfile: set(Read, Update),
		Registrations:  set(Read, List, Create, Update, Export),
		Opportunities:  set(Read, List, Export),
		Attribution:    set(Read, List),
		PartnerNotes:   set(Read, List, Create),
		PlanItems:      set(Read, List, Update),
		Announcements:  set(Read, List, Acknowledge),
		Content:        set(Read, List),
		Payouts:        set(Read, List),
		APITokens:      set(Read, List, Create, Delete),
	},
	tandem.RolePartnerSeller: {
		PartnerUsers:   set(Read, List),
		PartnerProfile: set(Read),
		Registrations:  set(Read, List, Create, Update),
		Opportunities:  set(Read, List),
		Attribution:    set(Read, List),
		PartnerNotes:   set(Read, List, Create),
		PlanItems:      set(Read, List, Update),
		Announcements:  set(Read, List, Acknowledge),
		Content:        set(Read, List),
	},
	tandem.RolePartnerMarketer: {
		PartnerUsers:   set(Read, List),
		PartnerProfile: set(Read),
		Announcements:  set(Read, List, Acknowledge),
		Content:        set(Read, List),
	},
}

// everythingBut grants every action that applies, on every kind, except one action
// on one kind.
func everythingBut(kind Kind, action Action) map[Kind]actionSet {
	m := make(map[Kind]actionSet, len(kindInfos))
	for k, info := range kindInfos {
		m[k] = info.applicable
	}
	m[kind] &^= actionBit(action)
	return m
}

// RoleAllows reports whether role may do action on kind, before workspace, partner,
// scope and link checks. It is meant for deciding what to show (menus, buttons);
// decisions about real resources go through Authorize.
func RoleAllows(role tandem.Role, kind Kind, action Action) bool {
	return kind.Applies(action) && roleGrants[role][kind].has(action)
}

// Authorize decides whether actor may do action to resource. It returns nil when the
// action is allowed, and otherwise a *tandem.Error of kind:
//
//   - not_found when the resource is in another workspace, or when a partner actor
//     asks about a resource its organisation may not see (another partner's record,
//     or a vendor-only record addressed by an instance action), so that the answer
//     does not reveal whether the resource exists;
//   - forbidden when the actor may know the resource exists but its role, its token
//     scopes or its link do not allow the action, or the action does not apply to
//     the kind;
//   - internal when the actor or resource is malformed (a bug in the caller); the
//     action is refused.
//
// The checks run in this order: well-formed actor and resource, workspace, whether
// the action applies to the kind, partner visibility, then role, token scopes or
// link grant. Authorize is a pure function.
func Authorize(actor Actor, action Action, resource Resource) error {
	if err := actor.Validate(); err != nil {
		return &tandem.Error{Kind: tandem.KindInternal, Message: "The request could not be authorized.", Err: err}
	}
	info, ok := kindInfos[resource.Kind]
	if !ok || !action.Valid() || resource.WorkspaceID == "" {
		return &tandem.Error{Kind: tandem.KindInternal, Message: "The request could not be authorized.",
			Err: fmt.Errorf("authorize %q on resource kind %q in workspace %q: malformed request", action, resource.Kind, resource.WorkspaceID)}
	}
	if resource.WorkspaceID != actor.WorkspaceID {
		return notFound(info)
	}
	if !info.applicable.has(action) {
		return tandem.Errorf(tandem.KindForbidden, "%s cannot be %s.", capitalize(info.plural), pastTense(action))
	}
	if actor.IsPartner() {
		if err := partnerMaySee(actor.PartnerID, action, resource, info); err != nil {
			return err
		}
	}
	switch actor.Kind {
	case ActorSystem:
		return nil
	case ActorLink:
		return linkAllows(*actor.Link, action, resource, info)
	}
	if !roleGrants[actor.Role][resource.Kind].has(action) {
		if actor.Kind == ActorToken {
			return tandem.Errorf(tandem.KindForbidden, "This API token's role (%s) does not allow it to %s %s.",
				roleLabel(actor.Role), action.verb(), info.plural)
		}
		return tandem.Errorf(tandem.KindForbidden, "Your role (%s) does not allow you to %s %s.",
			roleLabel(actor.Role), action.verb(), info.plural)
	}
	if actor.Kind == ActorToken && !actor.Scopes.Allows(resource.Kind, action) {
		if info.area == "" {
			return tandem.Errorf(tandem.KindForbidden, "API tokens cannot be used to %s %s; sign in instead.", action.verb(), info.plural)
		}
		return tandem.Errorf(tandem.KindForbidden, "This API token needs the scope %s:%s to %s %s.",
			info.area, needed(action), action.verb(), info.plural)
	}
	return nil
}

// partnerMaySee applies the partner wall: a partner actor only ever reaches
// resources of its own organisation, and never vendor-only kinds.
func partnerMaySee(partnerID string, action Action, r Resource, info kindInfo) error {
	if info.partner == vendorOnly {
		if action.collection() {
			return tandem.Errorf(tandem.KindForbidden, "Partners cannot %s %s.", action.verb(), info.plural)
		}
		return notFound(info)
	}
	if action.collection() {
		// A collection may be limited to this partner or to nobody in particular (the
		// store then filters by PartnerOnly); naming any other partner reveals nothing.
		for _, p := range r.Partners {
			if p != partnerID {
				return notFound(info)
			}
		}
		if action == Create && info.partner == owned && len(r.Partners) == 0 {
			return &tandem.Error{Kind: tandem.KindInternal, Message: "The request could not be authorized.",
				Err: fmt.Errorf("create %s for a partner actor without naming the owning partner", info.plural)}
		}
		return nil
	}
	if info.partner == published && len(r.Partners) == 0 {
		return nil
	}
	if !slices.Contains(r.Partners, partnerID) {
		return notFound(info)
	}
	return nil
}

// linkAllows lets a link holder do exactly its granted action, plus read the
// resource the grant is pinned to.
func linkAllows(g LinkGrant, action Action, r Resource, info kindInfo) error {
	if r.Kind != g.Kind {
		return tandem.Errorf(tandem.KindForbidden, "This link does not give access to %s.", info.plural)
	}
	if g.ResourceID != "" && r.ID != g.ResourceID {
		if action.collection() {
			return tandem.Errorf(tandem.KindForbidden, "This link is for one %s only.", info.noun)
		}
		return notFound(info)
	}
	if action == g.Action || (action == Read && g.ResourceID != "") {
		return nil
	}
	return tandem.Errorf(tandem.KindForbidden, "This link only lets you %s %s.", g.Action.verb(), withArticle(info.noun))
}

func notFound(info kindInfo) error {
	return tandem.Errorf(tandem.KindNotFound, "%s not found.", capitalize(info.noun))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if strings.HasPrefix(s, "API") {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiouAEIOU", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func pastTense(a Action) string {
	switch a {
	case Read:
		return "viewed"
	case List:
		return "listed"
	case Update:
		return "changed"
	case Decide:
		return "decided on"
	case Acknowledge, Create, Delete:
		return string(a) + "d"
	}
	return string(a) + "ed"
}
