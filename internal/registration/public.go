package registration

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/tandemprm/tandem/internal/actionlink"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/platform/ratelimit"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// PublicLinkLifetime and PublicLinkUses bound a registration link requested on the
// public form.
const (
	PublicLinkLifetime = 24 * time.Hour
	PublicLinkUses     = 5
)

// PublicStore is what the public form needs from persistence.
type PublicStore interface {
	// WorkspaceBySlug returns the workspace, or a not-found error.
	WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error)
	// PartnersByDomain returns the workspace's partners whose web domain is domain.
	PartnersByDomain(ctx context.Context, workspaceID, domain string) ([]partner.Partner, error)
	// QueueMessage stores an email in the outbox and schedules its delivery.
	QueueMessage(ctx context.Context, m outbox.Message) error
}

// Public is the public registration page of a workspace: anyone may ask for a
// registration link, and it is emailed only to an address at the web domain of one of
// the workspace's active partners. The answer is the same whether or not the address
// belongs to a partner, so the page tells nobody who the partners are; a hidden field
// that people leave empty catches form-filling robots; requests are limited per
// network and per address.
type Public struct {
	Store   PublicStore
	Links   *actionlink.Service
	Mail    Mailer
	Now     func() time.Time
	BaseURL string

	once     sync.Once
	perIP    *ratelimit.Limiter
	perAddr  *ratelimit.Limiter
	limitErr error
}

func (p *Public) limits() error {
	p.once.Do(func() {
		p.perIP, p.limitErr = ratelimit.New(ratelimit.Limit{Events: 20, Per: time.Hour}, 100_000, p.Now)
		if p.limitErr == nil {
			p.perAddr, p.limitErr = ratelimit.New(ratelimit.Limit{Events: 3, Per: time.Hour}, 100_000, p.Now)
		}
	})
	return p.limitErr
}

// RequestLink handles one submission of the public form. honeypot is the hidden
// field's value. It returns nil both when a link was sent and when the address
// belongs to no partner; invalid addresses and too many requests are errors.
func (p *Public) RequestLink(ctx context.Context, slug, email, honeypot string) error {
	if err := p.limits(); err != nil {
		return err
	}
	ws, err := p.Store.WorkspaceBySlug(ctx, slug)
	if err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return tandem.Invalid("The email address is not valid.", tandem.FieldError{Path: "email", Detail: "must be your work email address, such as you@partner.com"})
	}
	if strings.TrimSpace(honeypot) != "" {
		return nil // a robot: say nothing, send nothing
	}
	if d := p.perIP.Allow("ip:" + reqid.IPFrom(ctx)); !d.Allowed {
		return &tandem.Error{Kind: tandem.KindRateLimited, Message: "Too many requests from your network; try again later.", RetryAfter: d.RetryAfter}
	}
	if d := p.perAddr.Allow("email:" + email); !d.Allowed {
		return &tandem.Error{Kind: tandem.KindRateLimited, Message: "A link was sent to this address recently; check your inbox, or try again later.", RetryAfter: d.RetryAfter}
	}
	domain, ok := match.RegistrableDomain(email[strings.LastIndexByte(email, '@')+1:])
	if !ok || match.IsFreeMail(domain) {
		return nil
	}
	ps, err := p.Store.PartnersByDomain(ctx, ws.ID, domain)
	if err != nil {
		return err
	}
	var pt *partner.Partner
	for i := range ps {
		if ps[i].Lifecycle == partner.Active || ps[i].Lifecycle == partner.Onboarding {
			pt = &ps[i]
			break
		}
	}
	if pt == nil {
		return nil
	}
	now := p.Now().UTC()
	url, _, err := p.Links.Issue(ctx, policy.System(ws.ID), "public registration form ("+email+")", "/r/", signedlink.Grant{
		WorkspaceID: ws.ID, Action: "registration.create", Subject: pt.ID, Holder: email,
		ExpiresAt: now.Add(PublicLinkLifetime), MaxUses: PublicLinkUses})
	if err != nil {
		return fmt.Errorf("issue a registration link: %w", err)
	}
	subject, text, html, err := p.Mail.Render("notice", map[string]any{
		"WorkspaceName": ws.Name, "Title": "Your link to register deals with " + ws.Name,
		"Body": fmt.Sprintf("Use this link to register deals for %s. It works for %d hours and for up to %d deals. If you did not ask for it, ignore this email.",
			pt.Name, int(PublicLinkLifetime.Hours()), PublicLinkUses),
		"Link": url,
	})
	if err != nil {
		return fmt.Errorf("render the registration link email: %w", err)
	}
	return p.Store.QueueMessage(ctx, outbox.Message{WorkspaceID: ws.ID, ID: tandem.NewID("msg", now), To: email,
		Subject: subject, Text: text, HTML: html, Status: outbox.Queued, CreatedAt: now})
}
