package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Settings are a workspace's pipeline rules that are not stage models or attribution:
// when an opportunity counts as stale and how soon a meeting must be followed up.
// They are stored as JSON on the workspace; a workspace that never changed them uses
// DefaultSettings.
type Settings struct {
	// FreshnessDays: an open opportunity with no note, edit or stage change for this
	// many days is flagged as stale (the weekly update practitioners expect).
	FreshnessDays int `json:"freshness_days"`
	// FollowUpHours: a meeting note starts a deadline this many hours later by which
	// someone must write the follow-up; past it the owner is told.
	FollowUpHours int `json:"follow_up_hours"`
	// PlanTemplates replaces, per motion, the default mutual-action-plan template
	// (DefaultTemplates); motions left out keep the default.
	PlanTemplates map[string][]TemplateItem `json:"plan_templates,omitempty"`
	// Pricing holds the discount bands by tier and motion, the ceiling and the
	// exception approver (package pricing); nil means pricing.DefaultConfig.
	Pricing *pricing.Config `json:"pricing,omitempty"`
	// RenewalConfirmDays: the owner of a renewal is asked to confirm who owns it this
	// many days before the renewal date; RenewalEscalateDays later, unanswered, the
	// admins are told.
	RenewalConfirmDays  int `json:"renewal_confirm_days"`
	RenewalEscalateDays int `json:"renewal_escalate_days"`
}

// Templates returns the plan template of every motion: the workspace's own where it
// has one, the default otherwise.
func (s Settings) Templates() map[string][]TemplateItem {
	out := DefaultTemplates()
	for m, items := range s.PlanTemplates {
		out[m] = items
	}
	return out
}

// DefaultSettings returns the rules a new workspace starts with: stale after 7 days
// without an update, a follow-up due 24 hours after a meeting, the default plan
// templates and no discount bands (pricing.DefaultConfig).
func DefaultSettings() Settings {
	cfg := pricing.DefaultConfig()
	return Settings{FreshnessDays: 7, FollowUpHours: 24, Pricing: &cfg, RenewalConfirmDays: 90, RenewalEscalateDays: 14}
}

// Bounds of the settings, which keep them meaningful.
const (
	maxFreshnessDays = 90
	maxFollowUpHours = 24 * 14
	maxSettingsBytes = 64 << 10
)

// Validate reports every setting out of its range, by its JSON name.
func (s Settings) Validate() error {
	var p tandem.Problems
	if s.FreshnessDays < 1 || s.FreshnessDays > maxFreshnessDays {
		p.Add("freshness_days", "must be from 1 to %d days", maxFreshnessDays)
	}
	if s.FollowUpHours < 1 || s.FollowUpHours > maxFollowUpHours {
		p.Add("follow_up_hours", "must be from 1 to %d hours", maxFollowUpHours)
	}
	if s.RenewalConfirmDays < 1 || s.RenewalConfirmDays > 365 {
		p.Add("renewal_confirm_days", "must be from 1 to 365 days")
	}
	if s.RenewalEscalateDays < 1 || s.RenewalEscalateDays > 90 {
		p.Add("renewal_escalate_days", "must be from 1 to 90 days")
	}
	validateTemplates(s.PlanTemplates, &p)
	if s.Pricing != nil {
		for _, fe := range tandem.FieldsOf(s.Pricing.Validate()) {
			p.Add("pricing."+fe.Path, "%s", fe.Detail)
		}
	}
	return p.Err("The pipeline settings are not valid.")
}

// ParseSettings reads settings written as JSON; keys left out keep their defaults
// and unknown keys are refused. The result is validated.
func ParseSettings(raw []byte) (Settings, error) {
	s := DefaultSettings()
	if len(raw) == 0 {
		return s, nil
	}
	if err := tandem.DecodeSettings(raw, maxSettingsBytes, "The pipeline settings", &s); err != nil {
		return Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// Settings returns the workspace's pipeline settings.
func (s *Service) Settings(ctx context.Context, workspaceID string) (Settings, error) {
	ws, err := s.Store.Workspace(ctx, workspaceID)
	if err != nil {
		return Settings{}, err
	}
	set, err := ParseSettings(ws.PipelineSettings)
	if err != nil {
		return Settings{}, fmt.Errorf("pipeline settings of workspace %s: %w", workspaceID, err)
	}
	return set, nil
}

// ReadSettings returns the workspace's pipeline settings to someone who may read the
// workspace's settings.
func (s *Service) ReadSettings(ctx context.Context, actor policy.Actor) (Settings, error) {
	if err := policy.Authorize(actor, policy.Read, resource(policy.Settings, actor, "")); err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx, actor.WorkspaceID)
}

// SaveSettings validates and stores the workspace's pipeline settings, audited with
// what changed.
func (s *Service) SaveSettings(ctx context.Context, actor policy.Actor, actorName string, set Settings) (Settings, error) {
	if err := policy.Authorize(actor, policy.Update, resource(policy.Settings, actor, "")); err != nil {
		return Settings{}, err
	}
	if err := set.Validate(); err != nil {
		return Settings{}, err
	}
	before, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return Settings{}, err
	}
	raw, err := json.Marshal(set)
	if err != nil {
		return Settings{}, fmt.Errorf("encode pipeline settings: %w", err)
	}
	e := audit.New(ctx, actor, actorName, s.Now().UTC(), "workspace.pipeline_settings", "workspace", actor.WorkspaceID, before, set, "")
	if err := s.Store.SavePipelineSettings(ctx, actor.WorkspaceID, raw, e); err != nil {
		return Settings{}, err
	}
	return set, nil
}
