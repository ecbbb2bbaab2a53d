package workspace

import (
	"context"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/policy"
)

// Store is what the settings service needs from persistence.
type Store interface {
	WorkspaceByID(ctx context.Context, id string) (Workspace, error)
	// UpdateWorkspaceSettings saves name, zone, currency and calendar with the audit
	// entry in one transaction.
	UpdateWorkspaceSettings(ctx context.Context, w Workspace, e audit.Entry) error
}

// Service reads and changes a workspace's settings.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Settings are the editable settings of a workspace.
type Settings struct {
	Name     string          `json:"name"`
	TimeZone string          `json:"time_zone"`
	Currency string          `json:"currency"`
	Calendar calendar.Config `json:"calendar"`
}

// Get returns the actor's workspace.
func (s *Service) Get(ctx context.Context, actor policy.Actor) (Workspace, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Workspace{}, err
	}
	return s.Store.WorkspaceByID(ctx, actor.WorkspaceID)
}

// Update replaces the workspace's settings after checking every field; nothing is
// saved when any is invalid. The change and its before/after go to the audit log.
func (s *Service) Update(ctx context.Context, actor policy.Actor, actorName string, in Settings) (Workspace, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Workspace{}, err
	}
	before, err := s.Store.WorkspaceByID(ctx, actor.WorkspaceID)
	if err != nil {
		return Workspace{}, err
	}
	after := before
	after.Name = strings.TrimSpace(in.Name)
	after.TimeZone = strings.TrimSpace(in.TimeZone)
	after.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	after.Calendar = in.Calendar
	after.Calendar.TimeZone = after.TimeZone
	if err := after.Validate(); err != nil {
		return Workspace{}, err
	}
	after.UpdatedAt = s.Now().UTC()
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "workspace.update_settings", "workspace", after.ID,
		Settings{before.Name, before.TimeZone, before.Currency, before.Calendar}, Settings{after.Name, after.TimeZone, after.Currency, after.Calendar}, "")
	if err := s.Store.UpdateWorkspaceSettings(ctx, after, e); err != nil {
		return Workspace{}, err
	}
	return after, nil
}
