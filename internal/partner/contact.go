package partner

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Role is what a partner's contact does at the partner (SPEC B2).
type Role string

// The partner roles.
const (
	RoleBDR       Role = "bdr"
	RoleAE        Role = "ae"
	RoleSE        Role = "se"
	RoleCS        Role = "cs"
	RoleMarketing Role = "marketing"
	RoleExec      Role = "exec"
)

// Roles lists every partner role.
var Roles = []Role{RoleBDR, RoleAE, RoleSE, RoleCS, RoleMarketing, RoleExec}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleBDR:
		return "BDR"
	case RoleAE:
		return "Account executive"
	case RoleSE:
		return "Sales engineer"
	case RoleCS:
		return "Customer success"
	case RoleMarketing:
		return "Marketing"
	case RoleExec:
		return "Executive"
	}
	return string(r)
}

func (r Role) valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return r == ""
}

// Contact is a person at a partner organisation. A contact may also be a portal
// user: PortalStatus says so, matched by email among the partner's users.
type Contact struct {
	WorkspaceID string
	ID          string
	PartnerID   string
	Name        string
	Email       string
	Phone       string
	Title       string
	Role        Role
	// PortalStatus is the status of the partner's portal user with the contact's
	// email (invited, active, deactivated), or "" when there is none.
	PortalStatus string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// normalize trims c's fields and lower-cases its email.
func (c *Contact) normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.Phone = strings.TrimSpace(c.Phone)
	c.Title = strings.TrimSpace(c.Title)
	c.Role = Role(strings.ToLower(strings.TrimSpace(string(c.Role))))
}

// Validate reports every invalid field of c, or nil.
func (c Contact) Validate() error {
	var pr tandem.Problems
	if c.Name == "" {
		pr.Add("name", "is required")
	} else if len(c.Name) > 200 {
		pr.Add("name", "must be at most 200 characters")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 254 {
			pr.Add("email", "must be a plain email address such as ana@partner.example")
		}
	}
	if len(c.Phone) > 40 || strings.IndexFunc(c.Phone, func(r rune) bool { return !strings.ContainsRune("0123456789+-() ./x", r) }) >= 0 {
		pr.Add("phone", "must be a phone number of digits, spaces and + - ( ) . / x, at most 40 characters")
	}
	if len(c.Title) > 200 {
		pr.Add("title", "must be at most 200 characters")
	}
	if !c.Role.valid() {
		pr.Add("role", "must be one of bdr, ae, se, cs, marketing, exec (or empty)")
	}
	return pr.Err("The contact is not valid.")
}

// ContactStore is what partner contacts need from persistence.
type ContactStore interface {
	// PartnerContacts returns the partner's contacts in name order, with their
	// portal status.
	PartnerContacts(ctx context.Context, workspaceID, partnerID string) ([]Contact, error)
	// PartnerContact returns one contact of the partner, or a not-found error.
	PartnerContact(ctx context.Context, workspaceID, partnerID, id string) (Contact, error)
	// SavePartnerContact inserts c (expected 0) or updates it when its stored
	// version is expected (else a conflict), with e, in one transaction.
	SavePartnerContact(ctx context.Context, c Contact, expected int, e audit.Entry) error
	// CreatePartnerContacts inserts every contact and its audit entry in one
	// transaction.
	CreatePartnerContacts(ctx context.Context, cs []Contact, es []audit.Entry) error
	// AllPartnerContacts returns the workspace's partner contacts matching the
	// partner (every partner when empty), in partner then name order.
	AllPartnerContacts(ctx context.Context, workspaceID, partnerID string) ([]Contact, error)
}

// Inviter makes a portal user of a partner organisation and emails them a sign-in
// link; the identity service does it.
type Inviter interface {
	InvitePartnerUser(ctx context.Context, actor policy.Actor, actorName, email, name string, role tandem.Role, partnerID string) error
}

// Contacts is the one place partner contacts are kept and invited; every transport
// calls it. Internal users with the right to manage partner users act on any
// partner; a partner admin acts on its own organisation only.
type Contacts struct {
	Store    ContactStore
	Partners Store
	Invite   Inviter
	Now      func() time.Time
}

func contactResource(actor policy.Actor, partnerID, id string) policy.Resource {
	return policy.Resource{Kind: policy.PartnerUsers, WorkspaceID: actor.WorkspaceID, ID: id, Partners: []string{partnerID}}
}

// partner checks that the partner exists in the actor's workspace.
func (s *Contacts) partner(ctx context.Context, actor policy.Actor, partnerID string) error {
	_, err := s.Partners.PartnerByID(ctx, actor.WorkspaceID, partnerID)
	return err
}

// List returns the partner's contacts.
func (s *Contacts) List(ctx context.Context, actor policy.Actor, partnerID string) ([]Contact, error) {
	if err := policy.Authorize(actor, policy.List, contactResource(actor, partnerID, "")); err != nil {
		return nil, err
	}
	if err := s.partner(ctx, actor, partnerID); err != nil {
		return nil, err
	}
	return s.Store.PartnerContacts(ctx, actor.WorkspaceID, partnerID)
}

// ContactInput is a contact's fields as given; nil fields stay as they are on
// update and are empty on create.
type ContactInput struct {
	Name, Email, Phone, Title *string
	Role                      *Role
}

func (in ContactInput) apply(c *Contact) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.Email, in.Email)
	set(&c.Phone, in.Phone)
	set(&c.Title, in.Title)
	if in.Role != nil {
		c.Role = *in.Role
	}
}

// Add creates a contact of the partner.
func (s *Contacts) Add(ctx context.Context, actor policy.Actor, actorName, partnerID string, in ContactInput) (Contact, error) {
	if err := policy.Authorize(actor, policy.Create, contactResource(actor, partnerID, "")); err != nil {
		return Contact{}, err
	}
	if err := s.partner(ctx, actor, partnerID); err != nil {
		return Contact{}, err
	}
	now := s.Now().UTC()
	c := Contact{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("con", now), PartnerID: partnerID, CreatedAt: now, UpdatedAt: now, Version: 1}
	in.apply(&c)
	c.normalize()
	if err := c.Validate(); err != nil {
		return Contact{}, err
	}
	e := audit.New(ctx, actor, actorName, now, "partner_contact.create", "contact", c.ID, nil, c, "")
	if err := s.Store.SavePartnerContact(ctx, c, 0, e); err != nil {
		return Contact{}, err
	}
	return c, nil
}

// Get returns one contact of the partner.
func (s *Contacts) Get(ctx context.Context, actor policy.Actor, partnerID, id string) (Contact, error) {
	if err := policy.Authorize(actor, policy.Read, contactResource(actor, partnerID, id)); err != nil {
		return Contact{}, err
	}
	return s.Store.PartnerContact(ctx, actor.WorkspaceID, partnerID, id)
}

// Update changes a contact of the partner.
func (s *Contacts) Update(ctx context.Context, actor policy.Actor, actorName, partnerID, id string, in ContactInput) (Contact, error) {
	if err := policy.Authorize(actor, policy.Update, contactResource(actor, partnerID, id)); err != nil {
		return Contact{}, err
	}
	before, err := s.Store.PartnerContact(ctx, actor.WorkspaceID, partnerID, id)
	if err != nil {
		return Contact{}, err
	}
	after := before
	in.apply(&after)
	after.normalize()
	if err := after.Validate(); err != nil {
		return Contact{}, err
	}
	after.UpdatedAt, after.Version = s.Now().UTC(), before.Version+1
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "partner_contact.update", "contact", id, before, after, "")
	if err := s.Store.SavePartnerContact(ctx, after, before.Version, e); err != nil {
		return Contact{}, err
	}
	return after, nil
}

// PortalRole is the portal role a contact gets by default from its partner role:
// marketers become partner marketers, executives partner admins, everyone else
// partner sellers.
func PortalRole(r Role) tandem.Role {
	switch r {
	case RoleMarketing:
		return tandem.RolePartnerMarketer
	case RoleExec:
		return tandem.RolePartnerAdmin
	}
	return tandem.RolePartnerSeller
}

// InviteToPortal invites the contact as a portal user of its partner with role (or
// PortalRole of its partner role when empty), through the same emailed sign-in link
// as every invitation. A contact without an email, or already a portal user, is
// refused with a reason.
func (s *Contacts) InviteToPortal(ctx context.Context, actor policy.Actor, actorName, partnerID, id string, role tandem.Role) (Contact, error) {
	c, err := s.Get(ctx, actor, partnerID, id)
	if err != nil {
		return Contact{}, err
	}
	if c.Email == "" {
		return Contact{}, tandem.Invalid("The contact cannot be invited.", tandem.FieldError{Path: "email", Detail: "the contact has no email address to send the sign-in link to"})
	}
	if c.PortalStatus != "" {
		return Contact{}, tandem.Errorf(tandem.KindConflict, "%s is already a portal user (%s).", c.Name, c.PortalStatus)
	}
	if role == "" {
		role = PortalRole(c.Role)
	}
	if !role.IsPartner() {
		return Contact{}, tandem.Invalid("The contact cannot be invited.", tandem.FieldError{Path: "role", Detail: "must be partner_admin, partner_seller or partner_marketer"})
	}
	if err := s.Invite.InvitePartnerUser(ctx, actor, actorName, c.Email, c.Name, role, partnerID); err != nil {
		return Contact{}, err
	}
	return s.Store.PartnerContact(ctx, actor.WorkspaceID, partnerID, id)
}
