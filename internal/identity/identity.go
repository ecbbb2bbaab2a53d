// Package identity holds the people of a workspace and how they prove who they are:
// internal users and partner users, passwordless sign-in links, server-side sessions,
// invitations, deactivation and API tokens. Every operation that changes something
// asks the one authorization policy first and writes an audit entry with the change.
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Status is where a person's access stands.
type Status string

// The statuses of a user.
const (
	Invited     Status = "invited"     // invited, has not signed in yet
	Active      Status = "active"      // has signed in at least once
	Deactivated Status = "deactivated" // access ended; history kept
)

// User is a person who can sign in to one workspace: an internal user (PartnerID
// empty) or a partner user of exactly one partner organisation.
type User struct {
	WorkspaceID  string      `json:"-"`
	ID           string      `json:"id"`
	Email        string      `json:"email"`
	Name         string      `json:"name"`
	Role         tandem.Role `json:"role"`
	PartnerID    string      `json:"partner_id,omitempty"`
	Status       Status      `json:"status"`
	InvitedBy    string      `json:"invited_by,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	LastSignInAt time.Time   `json:"last_sign_in_at"`
	// ManagerID is the internal user this internal user reports to (empty: nobody);
	// escalations about what the user owns reach the manager too.
	ManagerID string `json:"manager_id,omitempty"`
}

// Actor returns the policy actor for u.
func (u User) Actor() policy.Actor {
	kind := policy.ActorUser
	if u.PartnerID != "" {
		kind = policy.ActorPartnerUser
	}
	return policy.Actor{Kind: kind, WorkspaceID: u.WorkspaceID, UserID: u.ID, PartnerID: u.PartnerID, Role: u.Role}
}

// DisplayName is the name to show, falling back to the email address.
func (u User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// Session is a signed-in browser. The browser holds a secret; the store keeps only
// its hash (ID).
type Session struct {
	WorkspaceID string
	ID          string
	UserID      string
	CreatedAt   time.Time
	SeenAt      time.Time
	ExpiresAt   time.Time // absolute end, whatever the activity
	IP          string
	UserAgent   string
}

// Token is an API token as stored: never the secret, only its hash.
type Token struct {
	WorkspaceID string      `json:"-"`
	ID          string      `json:"id"` // the public id, shown as tdm_<id>_…
	Name        string      `json:"name"`
	Hash        []byte      `json:"-"`
	Role        tandem.Role `json:"role"`
	Scopes      string      `json:"scopes"`
	PartnerID   string      `json:"partner_id,omitempty"`
	CreatedBy   string      `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
	LastUsedAt  time.Time   `json:"last_used_at"`
	RevokedAt   time.Time   `json:"revoked_at"`
}

// SignInLink is a single-use link that signs a person in (purpose "signin", valid 15
// minutes) or accepts an invitation (purpose "invitation", valid 7 days).
type SignInLink struct {
	WorkspaceID string
	ID          string // hash of the secret
	UserID      string
	Purpose     string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Durations and limits of sign-in.
const (
	SignInLinkTTL     = 15 * time.Minute
	InvitationTTL     = 7 * 24 * time.Hour
	SessionIdle       = 7 * 24 * time.Hour
	SessionAbsolute   = 30 * 24 * time.Hour
	sessionTouchEvery = time.Minute
)

// newSecret returns 160 random bits as lowercase base32 and the hex SHA-256 of it.
func newSecret() (secret, hash string) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("identity: no randomness: " + err.Error())
	}
	secret = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return secret, hashSecret(secret)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte("tandem-identity:" + s))
	return hex.EncodeToString(sum[:])
}

// joinToken and splitToken pair a workspace id with a secret, so the store can look
// the secret's hash up under its workspace.
func joinToken(workspaceID, secret string) string { return workspaceID + "." + secret }

func splitToken(t string) (workspaceID, secret string, ok bool) {
	ws, sec, ok := strings.Cut(t, ".")
	if !ok || ws == "" || len(ws) > 64 || len(sec) != 32 {
		return "", "", false
	}
	for _, c := range sec {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", "", false
		}
	}
	return ws, sec, true
}

// NormalizeEmail lower-cases and trims an address and checks that it is a plain
// address; the error names the field.
func NormalizeEmail(field, s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", tandem.Invalid("The email address is not valid.", tandem.FieldError{Path: field, Detail: "must be a plain email address such as ana@example.com"})
	}
	return e, nil
}

// rank orders roles on each side so that nobody grants more than they hold.
func rank(r tandem.Role) int {
	switch r {
	case tandem.RoleAdmin:
		return 4
	case tandem.RolePartnerManager, tandem.RolePartnerAdmin:
		return 3
	case tandem.RoleSales, tandem.RolePartnerSeller:
		return 2
	case tandem.RoleViewer, tandem.RolePartnerMarketer:
		return 1
	}
	return 0
}

// mayGrant reports whether actor may give someone (or a token) the role: the system
// may grant any; people may grant roles on their own side up to their own rank, and
// internal admins and partner managers may grant partner roles.
func mayGrant(actor policy.Actor, role tandem.Role) bool {
	if actor.Kind == policy.ActorSystem {
		return true
	}
	if actor.Role.IsPartner() != role.IsPartner() {
		return !actor.Role.IsPartner() && (actor.Role == tandem.RoleAdmin || actor.Role == tandem.RolePartnerManager)
	}
	return rank(role) <= rank(actor.Role)
}

// RoleLabel is a role's name as shown to people.
func RoleLabel(r tandem.Role) string {
	switch r {
	case tandem.RoleAdmin:
		return "admin"
	case tandem.RolePartnerManager:
		return "partner manager"
	case tandem.RoleSales:
		return "sales"
	case tandem.RoleViewer:
		return "viewer"
	case tandem.RolePartnerAdmin:
		return "partner admin"
	case tandem.RolePartnerSeller:
		return "partner seller"
	case tandem.RolePartnerMarketer:
		return "partner marketer"
	}
	return string(r)
}
