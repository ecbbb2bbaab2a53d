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
