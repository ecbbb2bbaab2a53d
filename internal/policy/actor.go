package policy

import (
	"errors"
	"fmt"

	"github.com/tandemprm/tandem/internal/tandem"
)

// ActorKind says what kind of caller an Actor is. It is also what the audit log
// records as the actor type.
type ActorKind string

// The actor kinds.
const (
	ActorUser        ActorKind = "user"         // a signed-in internal (vendor) user
	ActorPartnerUser ActorKind = "partner_user" // a signed-in user of one partner organisation
	ActorToken       ActorKind = "token"        // a request carrying an API token
	ActorSystem      ActorKind = "system"       // a background job acting for the workspace
	ActorLink        ActorKind = "link"         // the holder of a signed action link
)

// Actor is who is asking. Authentication builds it once per request (or per job) and
// every service call passes it to Authorize.
type Actor struct {
	Kind        ActorKind
	WorkspaceID string // required for every kind

	// UserID identifies the person: the internal or partner user, or for a token the
	// user who created it. Required for ActorUser and ActorPartnerUser.
	UserID string

	// PartnerID is the partner organisation the actor belongs to. Required for
	// partner users, for links and for tokens with a partner role; empty otherwise.
	PartnerID string

	// Role is the actor's role. For a token it is the role the token acts with, which
	// should be the current role of the user who created it, capped by whatever role
	// was chosen at creation; the token is further limited by Scopes. Empty for
	// system and link actors.
	Role tandem.Role

	// TokenID is the API token's id (its public id). Required for ActorToken.
	TokenID string

	// Scopes limit what an API token may do, on top of its role. Only for ActorToken;
	// nil means nothing.
	Scopes Scopes

	// Link is what a signed action link grants. Only for ActorLink.
	Link *LinkGrant
}

// LinkGrant is what a verified signed action link allows its holder: one action on
// one kind, for the partner in Actor.PartnerID, optionally pinned to one resource.
type LinkGrant struct {
	LinkID     string // the link's id, for the audit log
	Kind       Kind
	Action     Action
	ResourceID string // when set, only the resource with this ID; empty for Create
}

// linkActions names the only (kind, action) pairs a signed link may grant, under the
// action names the links carry. Each is something a partner does without signing in
// (SPEC principle 1). A grant pinned to a resource also lets its holder read that
// resource, so the page can show what is being acknowledged.
//
// Replying to an update by link is not here yet: a shared note is created on a
// parent record, and the grant would have to pin the parent, which Resource does not
// describe. Add a parent to Resource before adding it.
var linkActions = map[string]struct {
	kind   Kind
	action Action
}{
	"registration.create": {Registrations, Create},      // subject: the partner; register a deal for it
	"announcement.ack":    {Announcements, Acknowledge}, // subject: the announcement
}

// LinkAction returns the kind and action that a signed link's action name grants,
// and false for names that links may not carry.
func LinkAction(name string) (Kind, Action, bool) {
	la, ok := linkActions[name]
	return la.kind, la.action, ok
}

// Linkable reports whether a signed link may grant action on kind.
func Linkable(kind Kind, action Action) bool {
	for _, la := range linkActions {
		if la.kind == kind && la.action == action {
			return true
		}
	}
	return false
}

// System returns the actor for background jobs of a workspace.
func System(workspaceID string) Actor {
	return Actor{Kind: ActorSystem, WorkspaceID: workspaceID}
}

// IsPartner reports whether the actor acts for a partner organisation, which means
// everything it sees is restricted to that organisation.
func (a Actor) IsPartner() bool {
	return a.Kind == ActorPartnerUser || a.Kind == ActorLink || a.Role.IsPartner()
}

// PartnerOnly returns the partner organisation that every row of a list or export
// must belong to when ok is true. Stores must apply it as a filter before reading
// rows (for owned kinds, rows on which this partner is owner or attributed; for
// announcements and content, rows published to all partners or to this one); the
// per-row results must still be reduced with Redact before they leave the service.
func (a Actor) PartnerOnly() (partnerID string, ok bool) {
	if a.IsPartner() {
		return a.PartnerID, true
	}
	return "", false
}

// Validate reports whether the actor is well formed: a known kind, a workspace, and
// the identifiers and role its kind requires. Authorize refuses any actor that fails
// it, so a bug in authentication fails closed.
func (a Actor) Validate() error {
	var errs []error
	if a.WorkspaceID == "" {
		errs = append(errs, errors.New("no workspace"))
	}
	switch a.Kind {
	case ActorUser:
		if a.UserID == "" {
			errs = append(errs, errors.New("user without a user id"))
		}
		if !a.Role.Valid() || a.Role.IsPartner() {
			errs = append(errs, fmt.Errorf("user with role %q, which is not an internal role", a.Role))
		}
		if a.PartnerID != "" {
			errs = append(errs, errors.New("internal user with a partner id"))
		}
	case ActorPartnerUser:
		if a.UserID == "" {
			errs = append(errs, errors.New("partner user without a user id"))
		}
		if !a.Role.IsPartner() {
			errs = append(errs, fmt.Errorf("partner user with role %q, which is not a partner role", a.Role))
		}
		if a.PartnerID == "" {
			errs = append(errs, errors.New("partner user without a partner id"))
		}
	case ActorToken:
		if a.TokenID == "" {
			errs = append(errs, errors.New("token without a token id"))
		}
		if !a.Role.Valid() {
			errs = append(errs, fmt.Errorf("token with unknown role %q", a.Role))
		}
		if a.Role.IsPartner() != (a.PartnerID != "") {
			errs = append(errs, errors.New("token must have a partner id exactly when its role is a partner role"))
		}
	case ActorSystem:
		if a.Role != "" || a.PartnerID != "" {
			errs = append(errs, errors.New("system actor with a role or partner"))
		}
	case ActorLink:
		if a.PartnerID == "" {
			errs = append(errs, errors.New("link without a partner id"))
		}
		if a.Role != "" {
			errs = append(errs, errors.New("link with a role"))
		}
		if a.Link == nil {
			errs = append(errs, errors.New("link actor without a grant"))
		} else {
			if !Linkable(a.Link.Kind, a.Link.Action) {
				errs = append(errs, fmt.Errorf("links cannot grant %s on %s", a.Link.Action, a.Link.Kind))
			}
			if a.Link.Action.collection() != (a.Link.ResourceID == "") {
				errs = append(errs, fmt.Errorf("a link granting %s must be pinned to a resource exactly when the action addresses one", a.Link.Action))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("unknown actor kind %q", a.Kind))
	}
	if a.Kind != ActorToken && a.Scopes != nil {
		errs = append(errs, errors.New("scopes on an actor that is not a token"))
	}
	if a.Kind != ActorLink && a.Link != nil {
		errs = append(errs, errors.New("link grant on an actor that is not a link"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid actor: %w", err)
	}
	return nil
}
