package application

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/platform/ratelimit"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Acceptance is what accepting an application writes, in one transaction.
type Acceptance struct {
	Application Application      // status accepted, with PartnerID set
	NewPartner  *partner.Partner // set when a partner is created
	Move        *partner.Change  // set when an existing partner moves to onboarding
	Invite      *identity.PendingInvite
	Audit       []audit.Entry
}

// Store is what applications need from persistence.
type Store interface {
	// WorkspaceBySlug returns the workspace, or a not-found error.
	WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error)
	// WorkspaceByID returns the workspace, or a not-found error.
	WorkspaceByID(ctx context.Context, id string) (workspace.Workspace, error)
	// SubmitApplication saves a new application in one transaction: when an open
	// application with the same contact email or domain exists, it counts one more
	// submission on that one instead and returns it with true. Otherwise it matches a
	// against the workspace's partners (by domain) and partners' people (by email),
	// records the match, and inserts it with e.
	SubmitApplication(ctx context.Context, a Application, e audit.Entry) (Application, bool, error)
	// Applications lists the workspace's applications with the status (all when
	// empty), newest first, at most limit.
	Applications(ctx context.Context, workspaceID, status string, limit int) ([]Application, error)
	// Application returns one application, or a not-found error.
	Application(ctx context.Context, workspaceID, id string) (Application, error)
	// PartnerByID returns one partner, or a not-found error.
	PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error)
	// HasUser reports whether anyone in the workspace has the email address, not
	// counting a deactivated person of the partner partnerID (whom an acceptance
	// invites again on their own account).
	HasUser(ctx context.Context, workspaceID, email, partnerID string) (bool, error)
	// IsPartnerPerson reports whether the email address is recorded for one of the
	// partner's people: a user (whatever their status) or a contact.
	IsPartnerPerson(ctx context.Context, workspaceID, partnerID, email string) (bool, error)
	// AcceptApplication writes an acceptance; it fails with a conflict, writing
	// nothing, when the application is no longer new or the matched partner changed.
	AcceptApplication(ctx context.Context, acc Acceptance) error
	// RejectApplication records the rejection, queues m to the applicant and writes
	// e, failing with a conflict when the application is no longer new.
	RejectApplication(ctx context.Context, a Application, m outbox.Message, e audit.Entry) error
}

// Service takes applications from the public form and their review.
type Service struct {
	Store    Store
	Identity *identity.Service
	Mail     outbox.Renderer
	Now      func() time.Time
	BaseURL  string
	// EntryTier returns the tier new partners start in (the program's lowest).
	EntryTier func(ctx context.Context, workspaceID string) (string, error)

	once     sync.Once
	perIP    *ratelimit.Limiter
	perAddr  *ratelimit.Limiter
	limitErr error
}

func (s *Service) limits() error {
	s.once.Do(func() {
		s.perIP, s.limitErr = ratelimit.New(ratelimit.Limit{Events: 10, Per: time.Hour}, 100_000, s.Now)
		if s.limitErr == nil {
			s.perAddr, s.limitErr = ratelimit.New(ratelimit.Limit{Events: 3, Per: time.Hour}, 100_000, s.Now)
		}
	})
	return s.limitErr
}

// Submit takes one submission of the public form of the workspace with the slug.
// A filled-in hidden field (a robot) is answered as a success and nothing is saved;
// too many submissions from one network or for one address are a KindRateLimited
// error. The applicant is told the same thing whether or not the application matched
// an existing partner or an earlier application.
func (s *Service) Submit(ctx context.Context, slug string, f Form) error {
	if err := s.limits(); err != nil {
		return err
	}
	ws, err := s.Store.WorkspaceBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if strings.TrimSpace(f.Honeypot) != "" {
		return nil
	}
	if d := s.perIP.Allow("ip:" + reqid.IPFrom(ctx)); !d.Allowed {
		return &tandem.Error{Kind: tandem.KindRateLimited, Message: "Too many applications from your network; try again later.", RetryAfter: d.RetryAfter}
	}
	if d := s.perAddr.Allow("email:" + ws.ID + ":" + f.ContactEmail); !d.Allowed {
		return &tandem.Error{Kind: tandem.KindRateLimited, Message: "We already have an application from this address; we will be in touch.", RetryAfter: d.RetryAfter}
	}
	now := s.Now().UTC()
	a := Application{WorkspaceID: ws.ID, ID: tandem.NewID("apl", now), Status: New, Company: f.Company, Website: f.Website, Domain: f.MatchDomain(),
		ContactName: f.ContactName, ContactEmail: f.ContactEmail, Motions: f.Motions, Region: f.Region, Message: f.Message, Submissions: 1,
		CreatedAt: now, UpdatedAt: now}
	e := audit.New(ctx, policy.System(ws.ID), "Public application form", now, "application.submit", "application", a.ID, nil,
		map[string]any{"company": a.Company, "domain": a.Domain, "contact_email": a.ContactEmail}, "")
	_, _, err = s.Store.SubmitApplication(ctx, a, e)
	return err
}

// List returns applications with the status (all when empty), newest first.
func (s *Service) List(ctx context.Context, actor policy.Actor, status string, limit int) ([]Application, error) {
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return nil, err
	}
	switch status {
	case "", New, Accepted, Rejected:
	default:
		return nil, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "status", Detail: "must be new, accepted or rejected"})
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return s.Store.Applications(ctx, actor.WorkspaceID, status, limit)
}

// Get returns one application.
func (s *Service) Get(ctx context.Context, actor policy.Actor, id string) (Application, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Application{}, err
	}
	return s.Store.Application(ctx, actor.WorkspaceID, id)
}

func (s *Service) open(ctx context.Context, actor policy.Actor, id string) (Application, error) {
	if err := policy.Authorize(actor, policy.Decide, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Application{}, err
	}
	a, err := s.Store.Application(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Application{}, err
	}
	if a.Status != New {
		return Application{}, tandem.Errorf(tandem.KindConflict, "This application was already %s.", a.Status)
	}
	return a, nil
}

// Accept takes the application into onboarding. When it matched an existing partner,
// no second partner is made: that partner is linked (and moved to onboarding when
// its lifecycle allows, e.g. from applied or offboarded). Otherwise a partner is
// created in onboarding, in the program's entry tier. The contact of a new partner is
// invited as its admin. The contact of an application that matched an existing partner
// is invited as its admin only when the address is already recorded for one of that
// partner's people, as a seller when it is merely at the partner's own web domain
// (never free mail), and not at all otherwise: anyone can type a partner's website into
// a public form, and a reviewer's click must not hand a stranger that partner's
// pipeline. Nobody is invited whose address is already in the workspace. All of it,
// with the audit entries, in one transaction.
func (s *Service) Accept(ctx context.Context, actor policy.Actor, actorName, id string) (Application, error) {
	a, err := s.open(ctx, actor, id)
	if err != nil {
		return Application{}, err
	}
	now := s.Now().UTC()
	acc := Acceptance{}
	partnerName, matchedDomain := a.Company, ""
	if a.MatchedPartnerID != "" {
		p, err := s.Store.PartnerByID(ctx, a.WorkspaceID, a.MatchedPartnerID)
		if err != nil {
			return Application{}, err
		}
		a.PartnerID, partnerName, matchedDomain = p.ID, p.Name, p.Domain
		if partner.CheckMove(p.Lifecycle, partner.Onboarding) == nil {
			acc.Move = &partner.Change{ID: tandem.NewID("plc", now), PartnerID: p.ID, From: p.Lifecycle, To: partner.Onboarding, At: now,
				ActorID: audit.ActorID(actor), ActorName: actorName, Rationale: "Application " + a.ID + " accepted"}
			acc.Audit = append(acc.Audit, audit.New(ctx, actor, actorName, now, "partner.lifecycle", "partner", p.ID,
				map[string]any{"lifecycle": p.Lifecycle}, map[string]any{"lifecycle": partner.Onboarding}, acc.Move.Rationale))
		}
	} else {
		if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
			return Application{}, err
		}
		tier := ""
		if s.EntryTier != nil {
			if tier, err = s.EntryTier(ctx, a.WorkspaceID); err != nil {
				return Application{}, err
			}
		}
		p := partner.Partner{WorkspaceID: a.WorkspaceID, ID: tandem.NewID("prt", now), Name: a.Company, Domain: a.Domain, Motions: a.Motions,
			Tier: tier, Region: a.Region, Lifecycle: partner.Onboarding, CreatedAt: now, UpdatedAt: now}
		if a.Region != "" {
			p.Regions = []string{a.Region}
		}
		if err := p.Validate(); err != nil {
			return Application{}, err
		}
		acc.NewPartner, a.PartnerID = &p, p.ID
		acc.Audit = append(acc.Audit, audit.New(ctx, actor, actorName, now, "partner.create", "partner", p.ID, nil, p, "Application "+a.ID+" accepted"))
	}
	exists, err := s.Store.HasUser(ctx, a.WorkspaceID, a.ContactEmail, a.PartnerID)
	if err != nil {
		return Application{}, err
	}
	role, invite := tandem.RolePartnerAdmin, !exists && s.Identity != nil
	if a.MatchedPartnerID != "" && invite {
		// The invitation goes to the address given, so only its owner can use it; what
		// matters is whether that owner belongs to the partner. A person the partner
		// already had comes back as before; someone merely at its domain joins as a
		// seller; anyone else is not invited.
		person, err := s.Store.IsPartnerPerson(ctx, a.WorkspaceID, a.PartnerID, a.ContactEmail)
		if err != nil {
			return Application{}, err
		}
		switch {
		case person:
		case emailAtDomain(a.ContactEmail, matchedDomain):
			role = tandem.RolePartnerSeller
		default:
			invite = false
		}
	}
	if invite {
		pi, err := s.Identity.PrepareInvite(ctx, actor, actorName, identity.Invitation{Email: a.ContactEmail, Name: a.ContactName,
			Role: role, PartnerID: a.PartnerID}, partnerName)
		if err != nil {
			return Application{}, err
		}
		acc.Invite = &pi
	}
	a.Status, a.DecidedAt, a.UpdatedAt, a.DecidedBy, a.DeciderName = Accepted, now, now, audit.ActorID(actor), actorName
	acc.Application = a
	acc.Audit = append(acc.Audit, audit.New(ctx, actor, actorName, now, "application.accept", "application", a.ID,
		map[string]any{"status": New}, map[string]any{"status": Accepted, "partner_id": a.PartnerID, "invited": acc.Invite != nil}, ""))
	if err := s.Store.AcceptApplication(ctx, acc); err != nil {
		return Application{}, err
	}
	return a, nil
}

// Reject declines the application with a reason, which is emailed to the applicant
// and kept with the application; audited. The reason is required.
func (s *Service) Reject(ctx context.Context, actor policy.Actor, actorName, id, reason string) (Application, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return Application{}, tandem.Invalid("The rejection is not valid.", tandem.FieldError{Path: "reason",
			Detail: "is required (at most 2000 characters): it is emailed to the applicant"})
	}
	a, err := s.open(ctx, actor, id)
	if err != nil {
		return Application{}, err
	}
	ws, err := s.Store.WorkspaceByID(ctx, a.WorkspaceID)
	if err != nil {
		return Application{}, err
	}
	now := s.Now().UTC()
	subject, text, html, err := s.Mail.Render("notice", map[string]any{
		"WorkspaceName": ws.Name, "Title": "Your application to partner with " + ws.Name,
		"Body": fmt.Sprintf("Thank you for applying to partner with us as %s. We have decided not to go ahead at this time: %s", a.Company, reason),
		"Link": s.BaseURL + "/w/" + ws.Slug + "/apply", "PersonName": a.ContactName,
	})
	if err != nil {
		return Application{}, fmt.Errorf("render the rejection email: %w", err)
	}
	m := outbox.Message{WorkspaceID: a.WorkspaceID, ID: tandem.NewID("msg", now), To: a.ContactEmail, ToName: a.ContactName,
		Subject: subject, Text: text, HTML: html, Status: outbox.Queued, CreatedAt: now}
	a.Status, a.DecidedAt, a.UpdatedAt, a.DecidedBy, a.DeciderName, a.Reason = Rejected, now, now, audit.ActorID(actor), actorName, reason
	e := audit.New(ctx, actor, actorName, now, "application.reject", "application", a.ID, map[string]any{"status": New}, map[string]any{"status": Rejected}, reason)
	if err := s.Store.RejectApplication(ctx, a, m, e); err != nil {
		return Application{}, err
	}
	return a, nil
}

// emailAtDomain reports whether address is a mailbox at domain's registrable domain
// (a subdomain counts) and not at a free-mail provider.
func emailAtDomain(address, domain string) bool {
	at := strings.LastIndexByte(address, '@')
	if at < 0 || domain == "" {
		return false
	}
	mine, ok1 := match.RegistrableDomain(address[at+1:])
	theirs, ok2 := match.RegistrableDomain(domain)
	return ok1 && ok2 && mine == theirs && !match.IsFreeMail(mine)
}
