package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/platform/apitoken"
	"github.com/tandemprm/tandem/internal/platform/ratelimit"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/platform/sso"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Store is what the identity service needs from persistence. Methods that take an
// audit entry write it in the same transaction as the change; methods that take
// messages store them in the outbox and schedule their delivery in that transaction.
type Store interface {
	WorkspaceByID(ctx context.Context, id string) (workspace.Workspace, error)
	WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error)
	CreateWorkspaceWithAdmin(ctx context.Context, w workspace.Workspace, admin User, e audit.Entry) error
	// PartnerName returns the partner's name, or a not-found error.
	PartnerName(ctx context.Context, workspaceID, partnerID string) (string, error)

	// UsersByEmail returns the users with the address in every workspace, except
	// deactivated ones. It is the only user query not limited to one workspace: the
	// person asking to sign in has not said which workspace they belong to.
	UsersByEmail(ctx context.Context, email string) ([]User, error)
	UserByID(ctx context.Context, workspaceID, id string) (User, error)
	ListUsers(ctx context.Context, workspaceID, partnerID string) ([]User, error)
	CreateUser(ctx context.Context, u User, link SignInLink, m outbox.Message, e audit.Entry) error
	// DeactivateUser marks the user deactivated, ends their sessions and revokes the
	// tokens they created. It refuses with a conflict error to deactivate an admin
	// when no other active admin would remain, checking in the same transaction.
	DeactivateUser(ctx context.Context, workspaceID, userID string, now time.Time, e audit.Entry) error
	// SetManager records managerID (empty: none) as the manager of the internal user
	// userID, with e, in one transaction, unless check, given every internal user's
	// manager as read inside that transaction (changes to managers take turns),
	// returns an error: then nothing is saved and that error is returned.
	SetManager(ctx context.Context, workspaceID, userID, managerID string, now time.Time, check func(managers map[string]string) error, e audit.Entry) error
	// CountActiveAdmins counts the admins whose status is active: they have signed
	// in and are not deactivated.
	CountActiveAdmins(ctx context.Context, workspaceID string) (int, error)

	CreateSignInLink(ctx context.Context, l SignInLink, m outbox.Message) error
	// ConsumeSignInLink marks the link used, activates its user, stores the session
	// (whose UserID it fills in) and writes e (whose actor and subject it fills in),
	// all at once; or returns why the link cannot be used.
	ConsumeSignInLink(ctx context.Context, workspaceID, linkID string, now time.Time, s Session, e audit.Entry) (User, error)

	// StartSession stores a session begun without a sign-in link (single sign-on),
	// creating newUser first when it is set, and writes e, in one transaction.
	StartSession(ctx context.Context, s Session, newUser *User, e audit.Entry) error
	SessionUser(ctx context.Context, workspaceID, sessionID string) (Session, User, error)
	TouchSession(ctx context.Context, workspaceID, sessionID string, now time.Time) error
	DeleteSession(ctx context.Context, workspaceID, sessionID string) error
	DeleteUserSessions(ctx context.Context, workspaceID, userID string, e audit.Entry) error

	CreateToken(ctx context.Context, t Token, e audit.Entry) error
	// TokenByID finds a token by its public id in any workspace (the token itself does
	// not name its workspace).
	TokenByID(ctx context.Context, id string) (Token, error)
	TouchToken(ctx context.Context, workspaceID, id string, now time.Time) error
	RevokeToken(ctx context.Context, workspaceID, id string, now time.Time, e audit.Entry) error
	ListTokens(ctx context.Context, workspaceID, partnerID string) ([]Token, error)
}

// Service is the one place people are invited, signed in and out, deactivated, and
// API tokens made and checked. The web UI, the API and the command line all call it.
type Service struct {
	Store   Store
	Mail    outbox.Renderer
	Now     func() time.Time
	BaseURL string // e.g. https://partners.example.com, for links in email

	signInPerAddress *ratelimit.Limiter
	signInPerIP      *ratelimit.Limiter
	perToken         *ratelimit.Limiter
}

// NewService returns a service with the default limits: 5 sign-in emails per address
// and 30 sign-in requests per IP per 15 minutes, and 20 requests per second (burst
// 100) per API token.
func NewService(st Store, mail outbox.Renderer, now func() time.Time, baseURL string) *Service {
	s := &Service{Store: st, Mail: mail, Now: now, BaseURL: strings.TrimRight(baseURL, "/")}
	s.signInPerAddress, _ = ratelimit.New(ratelimit.Limit{Events: 5, Per: 15 * time.Minute}, 100_000, now)
	s.signInPerIP, _ = ratelimit.New(ratelimit.Limit{Events: 30, Per: 15 * time.Minute}, 100_000, now)
	s.perToken, _ = ratelimit.New(ratelimit.Limit{Events: 100, Per: 5 * time.Second}, 100_000, now)
	return s
}

func rateLimited(d ratelimit.Decision, what string) error {
	return &tandem.Error{Kind: tandem.KindRateLimited, RetryAfter: d.RetryAfter,
		Message: fmt.Sprintf("Too many %s. Please wait %d seconds and try again.", what, d.RetryAfterSeconds())}
}

// RequestSignIn emails a sign-in link, valid 15 minutes and usable once, for every
// workspace where the address belongs to a person who may sign in. It answers the
// same way whether or not the address is known, so it reveals nothing; a malformed
// address or too many requests (per address or per IP) are the only errors.
func (s *Service) RequestSignIn(ctx context.Context, email, ip string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if d := s.signInPerIP.Allow("ip:" + ip); !d.Allowed {
		return rateLimited(d, "sign-in requests from your network")
	}
	if d := s.signInPerAddress.Allow("email:" + email); !d.Allowed {
		return rateLimited(d, "sign-in requests for this address")
	}
	users, err := s.Store.UsersByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("request sign-in: %w", err)
	}
	for _, u := range users {
		ws, err := s.Store.WorkspaceByID(ctx, u.WorkspaceID)
		if err != nil {
			return fmt.Errorf("request sign-in: %w", err)
		}
		now := s.Now().UTC()
		secret, hash := newSecret()
		link := SignInLink{WorkspaceID: u.WorkspaceID, ID: hash, UserID: u.ID, Purpose: "signin", CreatedAt: now, ExpiresAt: now.Add(SignInLinkTTL)}
		msg, err := s.message(u, now, "signin", map[string]any{
			"WorkspaceName": ws.Name, "PersonName": u.DisplayName(), "Link": s.BaseURL + "/signin/" + joinToken(u.WorkspaceID, secret),
			"ExpiresInMinutes": int(SignInLinkTTL.Minutes()), "RequestedFromIP": ip,
		})
		if err != nil {
			return err
		}
		if err := s.Store.CreateSignInLink(ctx, link, msg); err != nil {
			return fmt.Errorf("request sign-in: %w", err)
		}
	}
	return nil
}

func (s *Service) message(u User, now time.Time, template string, data map[string]any) (outbox.Message, error) {
	subject, text, html, err := s.Mail.Render(template, data)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("render %s email: %w", template, err)
	}
	return outbox.Message{WorkspaceID: u.WorkspaceID, ID: tandem.NewID("msg", now), To: u.Email, ToName: u.Name,
		Subject: subject, Text: text, HTML: html, Status: outbox.Queued, CreatedAt: now}, nil
}

// Link errors shown on the page a sign-in link opens.
var (
	ErrLinkInvalid = tandem.Errorf(tandem.KindUnauthenticated, "This sign-in link is not valid. It may have been copied incompletely.")
	ErrLinkExpired = tandem.Errorf(tandem.KindUnauthenticated, "This sign-in link has expired.")
	ErrLinkUsed    = tandem.Errorf(tandem.KindUnauthenticated, "This sign-in link has already been used.")
	ErrNoAccess    = tandem.Errorf(tandem.KindUnauthenticated, "This account no longer has access.")
)

// CompleteSignIn uses a sign-in or invitation link: it checks the link, starts a new
// session (a fresh id, so nothing from before sign-in carries over) and returns the
// person and the session token for the cookie. A used, expired or unknown link changes
// nothing and returns one of the Err* link errors.
func (s *Service) CompleteSignIn(ctx context.Context, token, ip, userAgent string) (User, string, error) {
	wsID, secret, ok := splitToken(token)
	if !ok {
		return User{}, "", ErrLinkInvalid
	}
	now := s.Now().UTC()
	sessSecret, sessHash := newSecret()
	sess := Session{WorkspaceID: wsID, ID: sessHash, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(SessionAbsolute), IP: ip, UserAgent: truncate(userAgent, 300)}
	e := audit.Entry{WorkspaceID: wsID, ID: tandem.NewID("aud", now), At: now, Action: "user.sign_in", SubjectType: "user",
		IP: ip, RequestID: reqid.From(ctx)}
	u, err := s.Store.ConsumeSignInLink(ctx, wsID, hashSecret(secret), now, sess, e)
	if err != nil {
		return User{}, "", err
	}
	return u, joinToken(wsID, sessSecret), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Authenticate returns the person and session behind a session token, or an
// unauthenticated error when the session is unknown, idle for too long, past its
// absolute end, or its person no longer has access.
func (s *Service) Authenticate(ctx context.Context, token string) (User, Session, error) {
	wsID, secret, ok := splitToken(token)
	if !ok {
		return User{}, Session{}, tandem.Errorf(tandem.KindUnauthenticated, "Please sign in.")
	}
	sess, u, err := s.Store.SessionUser(ctx, wsID, hashSecret(secret))
	if tandem.KindOf(err) == tandem.KindNotFound {
		return User{}, Session{}, tandem.Errorf(tandem.KindUnauthenticated, "Please sign in.")
	}
	if err != nil {
		return User{}, Session{}, err
	}
	now := s.Now().UTC()
	if now.After(sess.ExpiresAt) || now.Sub(sess.SeenAt) > SessionIdle || u.Status == Deactivated {
		_ = s.Store.DeleteSession(ctx, wsID, sess.ID)
		return User{}, Session{}, tandem.Errorf(tandem.KindUnauthenticated, "Your session has ended. Please sign in again.")
	}
	if now.Sub(sess.SeenAt) > sessionTouchEvery {
		if err := s.Store.TouchSession(ctx, wsID, sess.ID, now); err != nil {
			return User{}, Session{}, err
		}
	}
	return u, sess, nil
}

// SignOut ends the session behind token, if any.
func (s *Service) SignOut(ctx context.Context, token string) error {
	wsID, secret, ok := splitToken(token)
	if !ok {
		return nil
	}
	return s.Store.DeleteSession(ctx, wsID, hashSecret(secret))
}

// SignOutEverywhere ends every session of the acting person.
func (s *Service) SignOutEverywhere(ctx context.Context, actor policy.Actor, name string) error {
	if actor.UserID == "" {
		return tandem.Errorf(tandem.KindForbidden, "Only a signed-in person can sign out everywhere.")
	}
	e := audit.New(ctx, actor, name, s.Now(), "user.sign_out_everywhere", "user", actor.UserID, nil, nil, "")
	return s.Store.DeleteUserSessions(ctx, actor.WorkspaceID, actor.UserID, e)
}

// Invitation describes a person to invite.
type Invitation struct {
	Email     string
	Name      string
	Role      tandem.Role
	PartnerID string // required for partner roles, empty for internal ones
}

// Invite adds a person to the workspace and emails them a link, valid 7 days, that
// signs them in. Internal roles need the users area, partner roles the partner users
// area of the policy; nobody may grant a role above their own. A partner actor who
// invites someone to a partner role without naming a partner invites into their own.
func (s *Service) Invite(ctx context.Context, actor policy.Actor, actorName string, in Invitation) (User, error) {
	pi, err := s.PrepareInvite(ctx, actor, actorName, in, "")
	if err != nil {
		return User{}, err
	}
	if err := s.Store.CreateUser(ctx, pi.User, pi.Link, pi.Message, pi.Audit); err != nil {
		return User{}, err
	}
	return pi.User, nil
}

// PendingInvite is an invitation ready to save: the person, their sign-in link, the
// email carrying it and the audit entry. Whoever saves it stores all four in one
// transaction (Store.CreateUser does).
type PendingInvite struct {
	User    User
	Link    SignInLink
	Message outbox.Message
	Audit   audit.Entry
}

// PrepareInvite checks an invitation exactly as Invite does and builds it without
// saving it, for callers that save it in the same transaction as another change
// (accepting a partner application creates the partner and invites its contact
// together). partnerName names a partner that is being created in that transaction;
// when empty, the partner is looked up.
func (s *Service) PrepareInvite(ctx context.Context, actor policy.Actor, actorName string, in Invitation, partnerName string) (PendingInvite, error) {
	if pid, ok := actor.PartnerOnly(); ok && in.PartnerID == "" && in.Role.IsPartner() {
		in.PartnerID = pid // partner people invite colleagues into their own organisation
	}
	var p tandem.Problems
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		p = append(p, tandem.FieldsOf(err)...)
	}
	name := strings.TrimSpace(in.Name)
	if len(name) > 200 {
		p.Add("name", "must be at most 200 characters")
	}
	switch {
	case !in.Role.Valid():
		p.Add("role", "must be one of admin, partner_manager, sales, viewer, partner_admin, partner_seller, partner_marketer")
	case in.Role.IsPartner() && in.PartnerID == "":
		p.Add("partner_id", "is required for a partner role")
	case !in.Role.IsPartner() && in.PartnerID != "":
		p.Add("partner_id", "must be empty for an internal role")
	}
	if err := p.Err("The invitation is not valid."); err != nil {
		return PendingInvite{}, err
	}
	kind := policy.Users
	res := policy.Resource{Kind: kind, WorkspaceID: actor.WorkspaceID}
	if in.Role.IsPartner() {
		res = policy.Resource{Kind: policy.PartnerUsers, WorkspaceID: actor.WorkspaceID, Partners: []string{in.PartnerID}}
	}
	if err := policy.Authorize(actor, policy.Create, res); err != nil {
		return PendingInvite{}, err
	}
	if !mayGrant(actor, in.Role) {
		return PendingInvite{}, tandem.Errorf(tandem.KindForbidden, "You cannot give someone the %s role.", RoleLabel(in.Role))
	}
	if in.PartnerID != "" && partnerName == "" {
		partnerName, err = s.Store.PartnerName(ctx, actor.WorkspaceID, in.PartnerID)
		if tandem.KindOf(err) == tandem.KindNotFound {
			return PendingInvite{}, tandem.Invalid("The invitation is not valid.", tandem.FieldError{Path: "partner_id", Detail: "no such partner"})
		}
		if err != nil {
			return PendingInvite{}, err
		}
	}
	ws, err := s.Store.WorkspaceByID(ctx, actor.WorkspaceID)
	if err != nil {
		return PendingInvite{}, err
	}
	now := s.Now().UTC()
	u := User{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("usr", now), Email: email, Name: name, Role: in.Role,
		PartnerID: in.PartnerID, Status: Invited, InvitedBy: audit.ActorID(actor), CreatedAt: now, UpdatedAt: now}
	secret, hash := newSecret()
	link := SignInLink{WorkspaceID: u.WorkspaceID, ID: hash, UserID: u.ID, Purpose: "invitation", CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	inviter := actorName
	if inviter == "" {
		inviter = "The " + ws.Name + " team"
	}
	msg, err := s.message(u, now, "invitation", map[string]any{
		"WorkspaceName": ws.Name, "InviterName": inviter, "RoleLabel": RoleLabel(in.Role),
		"Link": s.BaseURL + "/signin/" + joinToken(u.WorkspaceID, secret), "ExpiresInDays": int(InvitationTTL.Hours() / 24),
		"IsPartner": in.PartnerID != "", "PartnerName": partnerName,
	})
	if err != nil {
		return PendingInvite{}, err
	}
	e := audit.New(ctx, actor, actorName, now, "user.invite", "user", u.ID, nil, u, "")
	return PendingInvite{User: u, Link: link, Message: msg, Audit: e}, nil
}

// Deactivate ends a person's access at once — sessions, sign-in links and the API
// tokens they made — and keeps their history. An admin can be deactivated only while
// another admin is active (has signed in), so a workspace is never left without an
// admin who can sign in; an admin who was invited but never signed in, perhaps at a
// mistyped address, does not count.
func (s *Service) Deactivate(ctx context.Context, actor policy.Actor, actorName, userID, rationale string) (User, error) {
	u, err := s.Store.UserByID(ctx, actor.WorkspaceID, userID)
	if err != nil {
		return User{}, err
	}
	res := policy.Resource{Kind: policy.Users, WorkspaceID: actor.WorkspaceID, ID: u.ID}
	if u.PartnerID != "" {
		res = policy.Resource{Kind: policy.PartnerUsers, WorkspaceID: actor.WorkspaceID, ID: u.ID, Partners: []string{u.PartnerID}}
	}
	if err := policy.Authorize(actor, policy.Update, res); err != nil {
		return User{}, err
	}
	if !mayGrant(actor, u.Role) {
		return User{}, tandem.Errorf(tandem.KindForbidden, "You cannot deactivate someone with the %s role.", RoleLabel(u.Role))
	}
	if u.Status == Deactivated {
		return u, nil
	}
	if u.Role == tandem.RoleAdmin {
		others, err := s.Store.CountActiveAdmins(ctx, actor.WorkspaceID)
		if err != nil {
			return User{}, err
		}
		if u.Status == Active {
			others--
		}
		if others < 1 {
			return User{}, tandem.Errorf(tandem.KindConflict, "%s cannot be deactivated: no other admin of this workspace has signed in, and the last admin must stay. Make someone else an admin first.", u.DisplayName())
		}
	}
	now := s.Now().UTC()
	after := u
	after.Status, after.UpdatedAt = Deactivated, now
	e := audit.New(ctx, actor, actorName, now, "user.deactivate", "user", u.ID, u, after, rationale)
	if err := s.Store.DeactivateUser(ctx, actor.WorkspaceID, u.ID, now, e); err != nil {
		return User{}, err
	}
	return after, nil
}

// ListUsers returns the workspace's people the actor may see: everyone for internal
// roles allowed to list users, the own organisation's people for partner admins.
func (s *Service) ListUsers(ctx context.Context, actor policy.Actor) ([]User, error) {
	if pid, ok := actor.PartnerOnly(); ok {
		if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.PartnerUsers, WorkspaceID: actor.WorkspaceID, Partners: []string{pid}}); err != nil {
			return nil, err
		}
		return s.Store.ListUsers(ctx, actor.WorkspaceID, pid)
	}
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.Users, WorkspaceID: actor.WorkspaceID}); err != nil {
		return nil, err
	}
	return s.Store.ListUsers(ctx, actor.WorkspaceID, "")
}

// NewToken describes an API token to create.
type NewToken struct {
	Name   string
	Role   tandem.Role // default: the creator's role
	Scopes string      // e.g. "partners:read,registrations:write"; empty means every area the role allows
}

// CreateToken makes an API token and returns it with the whole secret, which is shown
// this once and never stored.
func (s *Service) CreateToken(ctx context.Context, actor policy.Actor, actorName string, in NewToken) (string, Token, error) {
	var p tandem.Problems
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		p.Add("name", "is required, at most 100 characters")
	}
	role := in.Role
	if role == "" {
		role = actor.Role
	}
	if !role.Valid() {
		p.Add("role", "must be one of admin, partner_manager, sales, viewer, partner_admin, partner_seller, partner_marketer")
	}
	scopes := policy.AllScopes()
	if strings.TrimSpace(in.Scopes) != "" {
		sc, err := apitoken.ParseScopes(in.Scopes)
		if err != nil {
			p.Add("scopes", "%s", tandem.MessageOf(err))
		}
		scopes = sc
	}
	if err := p.Err("The API token is not valid."); err != nil {
		return "", Token{}, err
	}
	partnerID := actor.PartnerID
	if role.IsPartner() && partnerID == "" {
		return "", Token{}, tandem.Invalid("The API token is not valid.", tandem.FieldError{Path: "role", Detail: "a partner role needs a partner; create the token as a partner admin"})
	}
	if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.APITokens, WorkspaceID: actor.WorkspaceID, Partners: nonEmpty(partnerID)}); err != nil {
		return "", Token{}, err
	}
	if !mayGrant(actor, role) || (actor.Kind != policy.ActorSystem && role.IsPartner() != actor.Role.IsPartner()) {
		return "", Token{}, tandem.Errorf(tandem.KindForbidden, "You cannot create a token with the %s role.", RoleLabel(role))
	}
	g, err := apitoken.Generate(rand.Reader)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	now := s.Now().UTC()
	t := Token{WorkspaceID: actor.WorkspaceID, ID: g.PublicID, Name: name, Hash: g.Hash, Role: role, Scopes: scopes.String(),
		PartnerID: partnerID, CreatedBy: audit.ActorID(actor), CreatedAt: now}
	e := audit.New(ctx, actor, actorName, now, "api_token.create", "api_token", t.ID, nil, t, "")
	if err := s.Store.CreateToken(ctx, t, e); err != nil {
		return "", Token{}, err
	}
	return g.Token, t, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// RevokeToken stops a token working at once.
func (s *Service) RevokeToken(ctx context.Context, actor policy.Actor, actorName, id string) error {
	ts, err := s.Store.ListTokens(ctx, actor.WorkspaceID, "")
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID != id {
			continue
		}
		if err := policy.Authorize(actor, policy.Delete, policy.Resource{Kind: policy.APITokens, WorkspaceID: actor.WorkspaceID, ID: id, Partners: nonEmpty(t.PartnerID)}); err != nil {
			return err
		}
		if !t.RevokedAt.IsZero() {
			return nil
		}
		now := s.Now().UTC()
		after := t
		after.RevokedAt = now
		e := audit.New(ctx, actor, actorName, now, "api_token.revoke", "api_token", id, t, after, "")
		return s.Store.RevokeToken(ctx, actor.WorkspaceID, id, now, e)
	}
	return tandem.Errorf(tandem.KindNotFound, "That API token was not found.")
}

// ListTokens returns the tokens the actor may see.
func (s *Service) ListTokens(ctx context.Context, actor policy.Actor) ([]Token, error) {
	pid, _ := actor.PartnerOnly()
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.APITokens, WorkspaceID: actor.WorkspaceID, Partners: nonEmpty(pid)}); err != nil {
		return nil, err
	}
	return s.Store.ListTokens(ctx, actor.WorkspaceID, pid)
}

// AuthenticateToken checks an Authorization header and returns the token's actor.
// Unknown, revoked or malformed tokens are unauthenticated; a token over its rate
// limit is rate limited.
func (s *Service) AuthenticateToken(ctx context.Context, header string) (policy.Actor, error) {
	parsed, err := apitoken.ParseAuthorization(header)
	if err != nil {
		return policy.Actor{}, err
	}
	t, err := s.Store.TokenByID(ctx, parsed.PublicID)
	if err != nil || !parsed.Matches(t.Hash) || !t.RevokedAt.IsZero() {
		if err != nil && tandem.KindOf(err) != tandem.KindNotFound {
			return policy.Actor{}, err
		}
		return policy.Actor{}, tandem.Errorf(tandem.KindUnauthenticated, "The API token is not valid or has been revoked.")
	}
	if d := s.perToken.Allow(t.ID); !d.Allowed {
		return policy.Actor{}, rateLimited(d, "requests with this API token")
	}
	scopes, err := apitoken.ParseScopes(t.Scopes)
	if err != nil {
		return policy.Actor{}, fmt.Errorf("stored scopes of token %s: %w", t.ID, err)
	}
	now := s.Now().UTC()
	if now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.Store.TouchToken(ctx, t.WorkspaceID, t.ID, now); err != nil {
			return policy.Actor{}, err
		}
	}
	return policy.Actor{Kind: policy.ActorToken, WorkspaceID: t.WorkspaceID, UserID: t.CreatedBy, PartnerID: t.PartnerID,
		Role: t.Role, TokenID: t.ID, Scopes: scopes}, nil
}

// SetUpWorkspace creates a workspace with its first admin, who is invited by email
// (the invitation is returned as a sign-in link too, for the command line).
func (s *Service) SetUpWorkspace(ctx context.Context, w workspace.Workspace, adminEmail, adminName string) (workspace.Workspace, User, string, error) {
	now := s.Now().UTC()
	w.ID = tandem.NewID("ws", now)
	w.CreatedAt, w.UpdatedAt = now, now
	if w.TimeZone == "" {
		w.TimeZone = "UTC"
	}
	if w.Currency == "" {
		w.Currency = "USD"
	}
	if len(w.Calendar.Weekdays) == 0 {
		w.Calendar = calendar.DefaultConfig()
	}
	w.Calendar.TimeZone = w.TimeZone
	var p tandem.Problems
	if err := w.Validate(); err != nil {
		p = append(p, tandem.FieldsOf(err)...)
	}
	email, err := NormalizeEmail("admin_email", adminEmail)
	if err != nil {
		p = append(p, tandem.FieldsOf(err)...)
	}
	if err := p.Err("The workspace is not valid."); err != nil {
		return workspace.Workspace{}, User{}, "", err
	}
	admin := User{WorkspaceID: w.ID, ID: tandem.NewID("usr", now), Email: email, Name: strings.TrimSpace(adminName), Role: tandem.RoleAdmin,
		Status: Invited, InvitedBy: "system", CreatedAt: now, UpdatedAt: now}
	e := audit.New(ctx, policy.System(w.ID), "setup", now, "workspace.create", "workspace", w.ID, nil, w, "")
	if err := s.Store.CreateWorkspaceWithAdmin(ctx, w, admin, e); err != nil {
		return workspace.Workspace{}, User{}, "", err
	}
	secret, hash := newSecret()
	link := SignInLink{WorkspaceID: w.ID, ID: hash, UserID: admin.ID, Purpose: "invitation", CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	url := s.BaseURL + "/signin/" + joinToken(w.ID, secret)
	msg, err := s.message(admin, now, "invitation", map[string]any{"WorkspaceName": w.Name, "InviterName": "Tandem", "RoleLabel": RoleLabel(tandem.RoleAdmin),
		"Link": url, "ExpiresInDays": int(InvitationTTL.Hours() / 24), "IsPartner": false, "PartnerName": ""})
	if err != nil {
		return workspace.Workspace{}, User{}, "", err
	}
	if err := s.Store.CreateSignInLink(ctx, link, msg); err != nil {
		return workspace.Workspace{}, User{}, "", err
	}
	return w, admin, url, nil
}

// SignInWithSSO starts a session for the person the workspace's identity provider
// vouched for: the workspace member with that (verified) email address, or — when the
// settings allow just-in-time provisioning for the address's domain — a new internal
// user with the settings' role. Deactivated people and unknown addresses outside the
// allowed domains are refused.
func (s *Service) SignInWithSSO(ctx context.Context, workspaceID string, cfg sso.Config, id sso.Identity, ip, userAgent string) (User, string, error) {
	email, err := NormalizeEmail("email", id.Email)
	if err != nil || !id.EmailVerified {
		return User{}, "", tandem.Errorf(tandem.KindUnauthenticated, "Your identity provider did not confirm your email address, so you cannot be signed in with it.")
	}
	users, err := s.Store.UsersByEmail(ctx, email)
	if err != nil {
		return User{}, "", err
	}
	now := s.Now().UTC()
	var u *User
	for i := range users {
		if users[i].WorkspaceID == workspaceID {
			u = &users[i]
		}
	}
	var created *User
	if u == nil {
		if !sso.JITAllowed(cfg, id) {
			return User{}, "", tandem.Errorf(tandem.KindUnauthenticated, "There is no account for %s in this workspace. Ask an admin to invite you.", email)
		}
		nu := User{WorkspaceID: workspaceID, ID: tandem.NewID("usr", now), Email: email, Name: strings.TrimSpace(id.Name), Role: cfg.ProvisionRole(),
			Status: Invited, InvitedBy: "sso", CreatedAt: now, UpdatedAt: now}
		u, created = &nu, &nu
	}
	secret, hash := newSecret()
	sess := Session{WorkspaceID: workspaceID, ID: hash, UserID: u.ID, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(SessionAbsolute), IP: ip, UserAgent: truncate(userAgent, 300)}
	e := audit.New(ctx, u.Actor(), u.DisplayName(), now, "user.sign_in", "user", u.ID, nil, nil, "single sign-on via "+id.Issuer)
	if created != nil {
		e = audit.New(ctx, u.Actor(), u.DisplayName(), now, "user.provision_sso", "user", u.ID, nil, *created, "signed in with single sign-on; domain allowed for just-in-time accounts")
	}
	if err := s.Store.StartSession(ctx, sess, created, e); err != nil {
		if created != nil && tandem.KindOf(err) == tandem.KindConflict {
			return User{}, "", ErrNoAccess // the address belongs to a deactivated person
		}
		return User{}, "", err
	}
	u.Status, u.LastSignInAt = Active, now
	return *u, joinToken(workspaceID, secret), nil
}
