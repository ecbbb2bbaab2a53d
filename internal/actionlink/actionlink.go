// Package actionlink issues, checks, uses and revokes signed action links: a link
// that lets whoever holds it do one named thing (register a deal for partner P,
// acknowledge announcement N) without signing in. The cryptography is in
// platform/signedlink; this package adds the rules around it — who may issue a link,
// single use and use limits, revocation, the audit trail — and the policy actor a
// verified link acts as.
package actionlink

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Link is an issued link as stored.
type Link struct {
	WorkspaceID string
	ID          string
	Action      string
	Subject     string
	Holder      string
	ExpiresAt   time.Time
	MaxUses     int
	Uses        int
	RevokedAt   time.Time
	CreatedBy   string
	CreatedAt   time.Time
}

// Store is what the service needs from persistence.
type Store interface {
	// CreateActionLink records an issued link with its audit entry.
	CreateActionLink(ctx context.Context, l Link, e audit.Entry) error
	// ActionLink returns a stored link, or a not-found error.
	ActionLink(ctx context.Context, workspaceID, id string) (Link, error)
	// RevokeActionLink marks the link revoked with its audit entry.
	RevokeActionLink(ctx context.Context, workspaceID, id string, now time.Time, e audit.Entry) error
}

// Service issues and checks links.
type Service struct {
	Store   Store
	Keys    *signedlink.Keyring
	Now     func() time.Time
	BaseURL string
}

// MaxLifetime is the longest a link may stay valid.
const MaxLifetime = 90 * 24 * time.Hour

// Issue signs a link granting grant and returns its URL under path (for example
// "/l/" — the token is appended). The issuer must themself be allowed the action the
// link grants, for the partner it names; a link can never grant more than its issuer
// holds.
func (s *Service) Issue(ctx context.Context, actor policy.Actor, actorName, path string, g signedlink.Grant) (string, signedlink.Claims, error) {
	now := s.Now().UTC()
	g.WorkspaceID = actor.WorkspaceID
	kind, action, ok := policy.LinkAction(g.Action)
	var p tandem.Problems
	if !ok {
		p.Add("action", "links cannot carry the action %q", g.Action)
	}
	if strings.TrimSpace(g.Subject) == "" {
		p.Add("subject", "is required")
	}
	if !g.ExpiresAt.After(now) || g.ExpiresAt.Sub(now) > MaxLifetime {
		p.Add("expires_at", "must be in the future and at most 90 days away")
	}
	if g.MaxUses < 0 || g.MaxUses > signedlink.MaxUsesLimit {
		p.Add("max_uses", "must be between 0 (no limit) and %d", signedlink.MaxUsesLimit)
	}
	if err := p.Err("The link is not valid."); err != nil {
		return "", signedlink.Claims{}, err
	}
	res := policy.Resource{Kind: kind, WorkspaceID: actor.WorkspaceID, Partners: []string{partnerOf(g)}}
	if action != policy.Create {
		res.ID = g.Subject
	}
	if err := policy.Authorize(actor, action, res); err != nil {
		return "", signedlink.Claims{}, err
	}
	token, claims, err := s.Keys.Sign(rand.Reader, g, now)
	if err != nil {
		return "", signedlink.Claims{}, fmt.Errorf("sign link: %w", err)
	}
	l := Link{WorkspaceID: g.WorkspaceID, ID: claims.LinkID, Action: g.Action, Subject: g.Subject, Holder: g.Holder,
		ExpiresAt: claims.ExpiresAt, MaxUses: g.MaxUses, CreatedBy: audit.ActorID(actor), CreatedAt: now}
	e := audit.New(ctx, actor, actorName, now, "action_link.issue", "action_link", l.ID, nil,
		map[string]any{"action": l.Action, "subject": l.Subject, "holder": l.Holder, "expires_at": l.ExpiresAt, "max_uses": l.MaxUses}, "")
	if err := s.Store.CreateActionLink(ctx, l, e); err != nil {
		return "", signedlink.Claims{}, err
	}
	return s.BaseURL + path + token, claims, nil
}

// partnerOf is the partner a grant acts for: the subject of partner-scoped actions
// such as registration.create; the holder's partner is not known here, so other
// actions name none.
func partnerOf(g signedlink.Grant) string {
	if strings.HasPrefix(g.Action, "registration.") {
		return g.Subject
	}
	return ""
}

// Check verifies a token for the named action and returns its claims and the actor
// it lets its holder act as. It does not count a use: showing the page a link opens
// is free, so that mail scanners cannot use links up. Expired, tampered, revoked and
// used-up links are refused with a sentence fit to show the holder.
func (s *Service) Check(ctx context.Context, token, action string) (signedlink.Claims, policy.Actor, error) {
	now := s.Now().UTC()
	claims, err := s.Keys.VerifyAction(token, action, now)
	if err != nil {
		return signedlink.Claims{}, policy.Actor{}, err
	}
	l, err := s.Store.ActionLink(ctx, claims.WorkspaceID, claims.LinkID)
	if tandem.KindOf(err) == tandem.KindNotFound {
		return signedlink.Claims{}, policy.Actor{}, signedlink.NewError(signedlink.Revoked)
	}
	if err != nil {
		return signedlink.Claims{}, policy.Actor{}, err
	}
	switch {
	case !l.RevokedAt.IsZero():
		return signedlink.Claims{}, policy.Actor{}, signedlink.NewError(signedlink.Revoked)
	case l.MaxUses > 0 && l.Uses >= l.MaxUses:
		return signedlink.Claims{}, policy.Actor{}, signedlink.NewError(signedlink.UsedUp)
	}
	kind, act, _ := policy.LinkAction(action)
	grant := &policy.LinkGrant{LinkID: claims.LinkID, Kind: kind, Action: act}
	if act != policy.Create {
		grant.ResourceID = claims.Subject
	}
	return claims, policy.Actor{Kind: policy.ActorLink, WorkspaceID: claims.WorkspaceID, PartnerID: partnerOf(claims.Grant), UserID: claims.Holder, Link: grant}, nil
}

// Revoke stops a link working at once. Only people who may do the link's action may
// revoke it.
func (s *Service) Revoke(ctx context.Context, actor policy.Actor, actorName, linkID string) error {
	l, err := s.Store.ActionLink(ctx, actor.WorkspaceID, linkID)
	if err != nil {
		return err
	}
	kind, action, _ := policy.LinkAction(l.Action)
	if err := policy.Authorize(actor, action, policy.Resource{Kind: kind, WorkspaceID: actor.WorkspaceID, Partners: []string{partnerOf(signedlink.Grant{Action: l.Action, Subject: l.Subject})}}); err != nil {
		return err
	}
	if !l.RevokedAt.IsZero() {
		return nil
	}
	now := s.Now().UTC()
	e := audit.New(ctx, actor, actorName, now, "action_link.revoke", "action_link", l.ID, map[string]any{"revoked": false}, map[string]any{"revoked": true}, "")
	return s.Store.RevokeActionLink(ctx, actor.WorkspaceID, l.ID, now, e)
}
