package partner

import (
	"context"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Store is what the partner service needs from persistence.
type Store interface {
	// CreatePartner saves a new, valid partner and its audit entry together.
	CreatePartner(ctx context.Context, p Partner, e audit.Entry) error
	// PartnerByID returns one partner of the workspace, or a not-found error.
	PartnerByID(ctx context.Context, workspaceID, id string) (Partner, error)
	// UpdatePartner saves p (matched by workspace and id) and its audit entry together;
	// it fails with a conflict when the stored partner's UpdatedAt is no longer
	// expected, so concurrent edits do not overwrite each other.
	UpdatePartner(ctx context.Context, p Partner, expected time.Time, e audit.Entry) error
	// ListPartners returns partners of the workspace matching f with ids after `after`,
	// in id order, at most limit of them, and whether more follow.
	ListPartners(ctx context.Context, workspaceID string, f Filter, after string, limit int) ([]Partner, bool, error)
}

// Service is the one place partner organisations are created and listed; every
// transport (web, API, import) calls it.
type Service struct {
	Store Store
	Now   func() time.Time
}

// NewPartner describes a partner to create.
type NewPartner struct {
	Name      string
	Domain    string
	Motions   []tandem.Motion
	Tier      string
	Region    string
	Lifecycle Lifecycle // default applied
}

// Create validates in and saves it as a new partner of the workspace. Invalid input
// is a KindInvalid error naming every bad field; nothing is saved.
func (s *Service) Create(ctx context.Context, actor policy.Actor, actorName string, in NewPartner) (Partner, error) {
	if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Partner{}, err
	}
	workspaceID := actor.WorkspaceID
	now := s.Now().UTC()
	p := Partner{
		WorkspaceID: workspaceID,
		ID:          tandem.NewID("prt", now),
		Name:        strings.TrimSpace(in.Name),
		Domain:      strings.ToLower(strings.TrimSpace(in.Domain)),
		Motions:     in.Motions,
		Tier:        strings.TrimSpace(in.Tier),
		Region:      strings.TrimSpace(in.Region),
		Lifecycle:   in.Lifecycle,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if p.Lifecycle == "" {
		p.Lifecycle = Applied
	}
	if err := p.Validate(); err != nil {
		return Partner{}, err
	}
	e := audit.New(ctx, actor, actorName, now, "partner.create", "partner", p.ID, nil, p, "")
	if err := s.Store.CreatePartner(ctx, p, e); err != nil {
		return Partner{}, err
	}
	return p, nil
}

// List returns one page of the workspace's partners matching f.
func (s *Service) List(ctx context.Context, actor policy.Actor, f Filter, after string, limit int) ([]Partner, bool, error) {
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return nil, false, err
	}
	if f.Motion != "" {
		if _, err := tandem.ParseMotion(string(f.Motion)); err != nil {
			return nil, false, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "motion", Detail: tandem.MessageOf(err)})
		}
	}
	return s.Store.ListPartners(ctx, actor.WorkspaceID, f, after, limit)
}

// Get returns one partner.
func (s *Service) Get(ctx context.Context, actor policy.Actor, id string) (Partner, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: id}); err != nil {
		return Partner{}, err
	}
	return s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
}

// Changes lists the profile fields to change; nil fields stay as they are.
type Changes struct {
	Name    *string
	Domain  *string
	Motions *[]tandem.Motion
	Tier    *string
	Region  *string
}

// Update applies changes to the partner, validates the result and saves it with an
// audit entry holding the before/after difference.
func (s *Service) Update(ctx context.Context, actor policy.Actor, actorName, id string, c Changes) (Partner, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: id}); err != nil {
		return Partner{}, err
	}
	before, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Partner{}, err
	}
	after := before
	if c.Name != nil {
		after.Name = strings.TrimSpace(*c.Name)
	}
	if c.Domain != nil {
		after.Domain = strings.ToLower(strings.TrimSpace(*c.Domain))
	}
	if c.Motions != nil {
		after.Motions = *c.Motions
	}
	if c.Tier != nil {
		after.Tier = strings.TrimSpace(*c.Tier)
	}
	if c.Region != nil {
		after.Region = strings.TrimSpace(*c.Region)
	}
	if err := after.Validate(); err != nil {
		return Partner{}, err
	}
	after.UpdatedAt = s.Now().UTC()
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "partner.update", "partner", id, before, after, "")
	if err := s.Store.UpdatePartner(ctx, after, before.UpdatedAt, e); err != nil {
		return Partner{}, err
	}
	return after, nil
}

// MoveLifecycle moves the partner to another lifecycle stage when CheckMove allows
// it, recording who, when and why in the audit log.
func (s *Service) MoveLifecycle(ctx context.Context, actor policy.Actor, actorName, id string, to Lifecycle, rationale string) (Partner, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: id}); err != nil {
		return Partner{}, err
	}
	before, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Partner{}, err
	}
	if err := CheckMove(before.Lifecycle, to); err != nil {
		return Partner{}, err
	}
	after := before
	after.Lifecycle, after.UpdatedAt = to, s.Now().UTC()
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "partner.lifecycle", "partner", id,
		map[string]any{"lifecycle": before.Lifecycle}, map[string]any{"lifecycle": to}, strings.TrimSpace(rationale))
	if err := s.Store.UpdatePartner(ctx, after, before.UpdatedAt, e); err != nil {
		return Partner{}, err
	}
	return after, nil
}
