package partner

import (
	"context"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Store is what the partner service needs from persistence.
type Store interface {
	// CreatePartner saves a new, valid partner, the first entry of its lifecycle
	// history (made from e's actor) and its audit entry together.
	CreatePartner(ctx context.Context, p Partner, e audit.Entry) error
	// PartnerByID returns one partner of the workspace, or a not-found error.
	PartnerByID(ctx context.Context, workspaceID, id string) (Partner, error)
	// UpdatePartner saves p (matched by workspace and id) and its audit entry together;
	// it fails with a conflict when the stored partner's UpdatedAt is no longer
	// expected, so concurrent edits do not overwrite each other.
	UpdatePartner(ctx context.Context, p Partner, expected time.Time, e audit.Entry) error
	// MovePartner saves p after a lifecycle change like UpdatePartner, and adds c
	// to the partner's lifecycle history in the same transaction.
	MovePartner(ctx context.Context, p Partner, expected time.Time, c Change, e audit.Entry) error
	// LifecycleHistory returns the partner's lifecycle changes, oldest first.
	LifecycleHistory(ctx context.Context, workspaceID, partnerID string) ([]Change, error)
	// ListPartners returns partners of the workspace matching f after the cursor
	// `after` (see Cursor) in f.Sort order, at most limit of them, and whether more
	// follow.
	ListPartners(ctx context.Context, workspaceID string, f Filter, after string, limit int) ([]Partner, bool, error)
	// PartnerSettings returns the workspace's settings, DefaultSettings when none
	// were saved.
	PartnerSettings(ctx context.Context, workspaceID string) (Settings, error)
	// SavePartnerSettings saves s and e, and rescores every partner of the workspace
	// under s.Fit, in one transaction, reading the partners inside it so that an edit
	// committed meanwhile is scored as written. It returns how many it rescored.
	SavePartnerSettings(ctx context.Context, workspaceID string, s Settings, e audit.Entry) (int, error)
	// AllPartners returns every partner of the workspace (for scoring and segments).
	AllPartners(ctx context.Context, workspaceID string) ([]Partner, error)
	// InternalUser returns the name (or email, when it has no name) and the email of
	// an active internal user of the workspace, or a not-found error.
	InternalUser(ctx context.Context, workspaceID, userID string) (name, email string, err error)
}

// Change is one entry of a partner's lifecycle history.
type Change struct {
	ID        string
	PartnerID string
	From, To  Lifecycle // From is empty for the stage a partner was created in
	At        time.Time
	ActorID   string
	ActorName string
	Rationale string
}

// Service is the one place partner organisations are created and listed; every
// transport (web, API, import) calls it.
type Service struct {
	Store Store
	Now   func() time.Time
	// CheckTier, when set, refuses a tier that is not one of the workspace's program
	// tiers (a KindInvalid error on "tier"); it is asked when a partner is created
	// with a tier or its tier is changed.
	CheckTier func(ctx context.Context, workspaceID, tier string) error
	// Offboard, when set, carries out a move to offboarded: it ends the partner's
	// people's access and hands over its open deals in the same transaction as the
	// move (package offboard), so no lifecycle change leaves an offboarded partner
	// with access.
	Offboard func(ctx context.Context, actor policy.Actor, actorName, id, rationale string) error
}

// checkTier applies CheckTier when it is set.
func (s *Service) checkTier(ctx context.Context, workspaceID, tier string) error {
	if s.CheckTier == nil || tier == "" {
		return nil
	}
	return s.CheckTier(ctx, workspaceID, tier)
}

// NewPartner describes a partner to create.
type NewPartner struct {
	Name          string
	Domain        string
	Motions       []tandem.Motion
	Tier          string
	Region        string
	Regions       []string
	Lifecycle     Lifecycle // default applied
	Verticals     []string
	Territories   []string
	NamedAccounts []string
	Tags          []string
	Notes         string
	OwnerUserID   string
	Fit           FitInputs
}

func authorize(actor policy.Actor, a policy.Action, id string) error {
	return policy.Authorize(actor, a, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: id})
}

// Create validates in and saves it as a new partner of the workspace, scored with
// the workspace's fit settings. Invalid input is a KindInvalid error naming every bad
// field; nothing is saved.
func (s *Service) Create(ctx context.Context, actor policy.Actor, actorName string, in NewPartner) (Partner, error) {
	if err := authorize(actor, policy.Create, ""); err != nil {
		return Partner{}, err
	}
	now := s.Now().UTC()
	p := Partner{
		WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("prt", now), Name: in.Name, Domain: in.Domain, Motions: in.Motions,
		Tier: in.Tier, Region: in.Region, Regions: in.Regions, Lifecycle: in.Lifecycle, Verticals: in.Verticals,
		Territories: in.Territories, NamedAccounts: in.NamedAccounts, Tags: in.Tags, Notes: in.Notes, OwnerUserID: in.OwnerUserID,
		Fit: in.Fit, CreatedAt: now, UpdatedAt: now,
	}
	if p.Lifecycle == "" {
		p.Lifecycle = Applied
	}
	set, err := s.check(ctx, &p)
	if err != nil {
		return Partner{}, err
	}
	if err := s.checkTier(ctx, p.WorkspaceID, p.Tier); err != nil {
		return Partner{}, err
	}
	p.Rescore(set.Fit)
	e := audit.New(ctx, actor, actorName, now, "partner.create", "partner", p.ID, nil, p, "")
	if err := s.Store.CreatePartner(ctx, p, e); err != nil {
		return Partner{}, err
	}
	return p, nil
}

// check normalises p and reports every invalid field, including territories that
// are not the workspace's and an owner who is not one of its active internal users.
// It returns the workspace's settings for scoring.
func (s *Service) check(ctx context.Context, p *Partner) (Settings, error) {
	p.normalize()
	var pr tandem.Problems
	pr = append(pr, tandem.FieldsOf(p.Validate())...)
	set, err := s.Store.PartnerSettings(ctx, p.WorkspaceID)
	if err != nil {
		return set, err
	}
	pr = append(pr, tandem.FieldsOf(set.checkTerritories(p))...)
	if p.OwnerUserID != "" {
		if _, _, err := s.Store.InternalUser(ctx, p.WorkspaceID, p.OwnerUserID); tandem.KindOf(err) == tandem.KindNotFound {
			pr.Add("owner_user_id", "must be an active internal user of this workspace")
		} else if err != nil {
			return set, err
		}
	}
	return set, pr.Err("The partner is not valid.")
}

// List returns one page of the workspace's partners matching f, after the cursor
// `after` (see Cursor). A segment in f must have been resolved to IDs (see
// Segments.Resolve).
func (s *Service) List(ctx context.Context, actor policy.Actor, f Filter, after string, limit int) ([]Partner, bool, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return nil, false, err
	}
	var pr tandem.Problems
	if f.Motion != "" {
		if _, err := tandem.ParseMotion(string(f.Motion)); err != nil {
			pr.Add("motion", "%s", tandem.MessageOf(err))
		}
	}
	if f.Lifecycle != "" {
		ok := false
		for _, l := range Lifecycles {
			ok = ok || l == f.Lifecycle
		}
		if !ok {
			pr.Add("lifecycle", "must be one of applied, onboarding, active, dormant, offboarded")
		}
	}
	okSort := false
	for _, x := range Sorts {
		okSort = okSort || x == f.Sort
	}
	if !okSort {
		pr.Add("sort", "must be name, tier, fit or updated (or absent for the order of creation)")
	} else if _, err := ParseCursor(f.Sort, after); err != nil {
		pr = append(pr, tandem.FieldsOf(err)...)
	}
	if err := pr.Err("The filter is not valid."); err != nil {
		return nil, false, err
	}
	if f.SegmentID != "" && f.IDs == nil {
		return nil, false, tandem.Errorf(tandem.KindInternal, "partner list: segment %s was not resolved", f.SegmentID)
	}
	return s.Store.ListPartners(ctx, actor.WorkspaceID, f, after, limit)
}

// Get returns one partner with its fit score's breakdown.
func (s *Service) Get(ctx context.Context, actor policy.Actor, id string) (Partner, error) {
	if err := authorize(actor, policy.Read, id); err != nil {
		return Partner{}, err
	}
	p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return p, err
	}
	return s.explained(ctx, p)
}

// explained fills in p's fit breakdown: the stored score holds only the number, and
// the breakdown follows from the partner's inputs and the workspace's criteria
// (both rescore the partner whenever they change).
func (s *Service) explained(ctx context.Context, p Partner) (Partner, error) {
	set, err := s.Store.PartnerSettings(ctx, p.WorkspaceID)
	if err != nil {
		return p, err
	}
	p.Rescore(set.Fit)
	return p, nil
}

// History returns the partner's lifecycle history, oldest first.
func (s *Service) History(ctx context.Context, actor policy.Actor, id string) ([]Change, error) {
	if err := authorize(actor, policy.Read, id); err != nil {
		return nil, err
	}
	if _, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id); err != nil {
		return nil, err
	}
	return s.Store.LifecycleHistory(ctx, actor.WorkspaceID, id)
}

// OwnerName returns the name of the partner's owner, or "" when it has none.
func (s *Service) OwnerName(ctx context.Context, actor policy.Actor, p Partner) (string, error) {
	if p.OwnerUserID == "" {
		return "", nil
	}
	if err := authorize(actor, policy.Read, p.ID); err != nil {
		return "", err
	}
	n, _, err := s.Store.InternalUser(ctx, actor.WorkspaceID, p.OwnerUserID)
	if tandem.KindOf(err) == tandem.KindNotFound {
		return "", nil // deactivated since; the page shows no owner
	}
	return n, err
}

// Changes lists the profile fields to change; nil fields stay as they are.
type Changes struct {
	Name          *string
	Domain        *string
	Motions       *[]tandem.Motion
	Tier          *string
	Region        *string // sets Regions to this one region unless Regions is set too
	Regions       *[]string
	Verticals     *[]string
	Territories   *[]string
	NamedAccounts *[]string
	Tags          *[]string
	Notes         *string
	OwnerUserID   *string
	Fit           *FitInputs
}

// apply returns p with c's fields set.
func (c Changes) apply(p Partner) Partner {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	list := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = append([]string(nil), (*v)...)
		}
	}
	set(&p.Name, c.Name)
	set(&p.Domain, c.Domain)
	set(&p.Tier, c.Tier)
	if c.Motions != nil {
		p.Motions = append([]tandem.Motion(nil), (*c.Motions)...)
	}
	if c.Region != nil && c.Regions == nil {
		p.Regions, p.Region = nil, *c.Region
	}
	list(&p.Regions, c.Regions)
	list(&p.Verticals, c.Verticals)
	list(&p.Territories, c.Territories)
	list(&p.NamedAccounts, c.NamedAccounts)
	list(&p.Tags, c.Tags)
	set(&p.Notes, c.Notes)
	set(&p.OwnerUserID, c.OwnerUserID)
	if c.Fit != nil {
		p.Fit = *c.Fit
	}
	return p
}

// Update applies changes to the partner, validates the result, rescores it and saves
// it with an audit entry holding the before/after difference.
func (s *Service) Update(ctx context.Context, actor policy.Actor, actorName, id string, c Changes) (Partner, error) {
	if err := authorize(actor, policy.Update, id); err != nil {
		return Partner{}, err
	}
	return s.update(ctx, actor, actorName, id, c, "partner.update")
}

// update applies c to the partner once the caller has been authorized.
func (s *Service) update(ctx context.Context, actor policy.Actor, actorName, id string, c Changes, action string) (Partner, error) {
	before, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Partner{}, err
	}
	after := c.apply(before)
	set, err := s.check(ctx, &after)
	if err != nil {
		return Partner{}, err
	}
	if after.Tier != before.Tier {
		if err := s.checkTier(ctx, actor.WorkspaceID, after.Tier); err != nil {
			return Partner{}, err
		}
	}
	after.Rescore(set.Fit)
	after.UpdatedAt = s.Now().UTC()
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, action, "partner", id, before, after, "")
	if err := s.Store.UpdatePartner(ctx, after, before.UpdatedAt, e); err != nil {
		return Partner{}, err
	}
	return after, nil
}

// MoveLifecycle moves the partner to another lifecycle stage when CheckMove allows
// it, recording who, when and why in its lifecycle history and the audit log.
func (s *Service) MoveLifecycle(ctx context.Context, actor policy.Actor, actorName, id string, to Lifecycle, rationale string) (Partner, error) {
	if err := authorize(actor, policy.Update, id); err != nil {
		return Partner{}, err
	}
	before, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Partner{}, err
	}
	if err := CheckMove(before.Lifecycle, to); err != nil {
		return Partner{}, err
	}
	rationale = strings.TrimSpace(rationale)
	if len(rationale) > 2000 {
		return Partner{}, tandem.Invalid("The lifecycle change is not valid.", tandem.FieldError{Path: "rationale", Detail: "must be at most 2000 characters"})
	}
	if to == Offboarded && s.Offboard != nil {
		if err := s.Offboard(ctx, actor, actorName, id, rationale); err != nil {
			return Partner{}, err
		}
		p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, id)
		if err != nil {
			return p, err
		}
		return s.explained(ctx, p)
	}
	after := before
	after.Lifecycle, after.UpdatedAt = to, s.Now().UTC()
	c := Change{ID: tandem.NewID("plc", after.UpdatedAt), PartnerID: id, From: before.Lifecycle, To: to, At: after.UpdatedAt,
		ActorID: audit.ActorID(actor), ActorName: actorName, Rationale: rationale}
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "partner.lifecycle", "partner", id,
		map[string]any{"lifecycle": before.Lifecycle}, map[string]any{"lifecycle": to}, rationale)
	if err := s.Store.MovePartner(ctx, after, before.UpdatedAt, c, e); err != nil {
		return Partner{}, err
	}
	return s.explained(ctx, after)
}

// Settings returns the workspace's partner program settings.
func (s *Service) Settings(ctx context.Context, actor policy.Actor) (Settings, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return Settings{}, err
	}
	return s.Store.PartnerSettings(ctx, actor.WorkspaceID)
}

// SaveSettings validates and saves the workspace's partner program settings. When
// the fit criteria change, every partner is rescored in the same transaction. A
// territory still assigned to a partner cannot be removed.
func (s *Service) SaveSettings(ctx context.Context, actor policy.Actor, actorName string, in Settings) (Settings, int, error) {
	// Partner managers run the program: whoever may decide on partners may change it.
	if err := authorize(actor, policy.Decide, ""); err != nil {
		return Settings{}, 0, err
	}
	in.Territories = cleanList(in.Territories)
	if in.Territories == nil {
		in.Territories = []string{}
	}
	in.normalizeCoverage()
	in.normalizeExclusivityLimits()
	if in.Fit.Missing == "" {
		in.Fit.Missing = fitscore.MissingExclude
	}
	if in.Fit.Criteria == nil {
		in.Fit.Criteria = fitscore.DefaultConfig().Criteria
	}
	if err := in.Validate(); err != nil {
		return Settings{}, 0, err
	}
	before, err := s.Store.PartnerSettings(ctx, actor.WorkspaceID)
	if err != nil {
		return Settings{}, 0, err
	}
	all, err := s.Store.AllPartners(ctx, actor.WorkspaceID)
	if err != nil {
		return Settings{}, 0, err
	}
	// Checked here for a quick answer, and again by the store inside its transaction.
	if err := in.TerritoriesInUse(all); err != nil {
		return Settings{}, 0, err
	}
	e := audit.New(ctx, actor, actorName, s.Now().UTC(), "partner_settings.update", "workspace", actor.WorkspaceID, before, in, "")
	n, err := s.Store.SavePartnerSettings(ctx, actor.WorkspaceID, in, e)
	if err != nil {
		return Settings{}, 0, err
	}
	return in, n, nil
}

// ProfileChanges are the fields of its own profile a partner admin may change. The
// web domain is not one of them: it decides which email addresses may ask for the
// partner's registration links, so only the vendor sets it.
type ProfileChanges struct {
	Name      *string
	Regions   *[]string
	Verticals *[]string
}

// Profile is a partner's own view of its organisation: the partner-safe fields
// (policy.PartnerProfile) and its partner manager.
type Profile struct {
	Partner      Partner
	ManagerName  string
	ManagerEmail string
}

// Safe returns the profile as the partner may receive it: only the fields the policy
// lists as safe for partner profiles (no notes, tags, territories or scores).
func (pr Profile) Safe() map[string]any {
	p := pr.Partner
	ms := make([]string, len(p.Motions))
	for i, m := range p.Motions {
		ms[i] = string(m)
	}
	list := func(vs []string) []string {
		if vs == nil {
			return []string{}
		}
		return vs
	}
	website := ""
	if p.Domain != "" {
		website = "https://" + p.Domain
	}
	return policy.Redact(policy.PartnerProfile, map[string]any{
		"id": p.ID, "name": p.Name, "website": website, "motions": ms, "tier": p.Tier, "regions": list(p.Regions),
		"verticals": list(p.Verticals), "lifecycle_stage": string(p.Lifecycle), "partner_manager_name": pr.ManagerName,
		"partner_manager_email": pr.ManagerEmail, "created_at": p.CreatedAt, "updated_at": p.UpdatedAt,
	})
}

// OwnProfile returns the profile of the partner organisation the actor belongs to.
func (s *Service) OwnProfile(ctx context.Context, actor policy.Actor) (Profile, error) {
	pid, ok := actor.PartnerOnly()
	if !ok {
		return Profile{}, tandem.Errorf(tandem.KindForbidden, "Only a partner's own people have a partner profile; use the partner's page.")
	}
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.PartnerProfile, WorkspaceID: actor.WorkspaceID, ID: pid, Partners: []string{pid}}); err != nil {
		return Profile{}, err
	}
	p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, pid)
	if err != nil {
		return Profile{}, err
	}
	pr := Profile{Partner: p}
	if p.OwnerUserID != "" {
		pr.ManagerName, pr.ManagerEmail, err = s.Store.InternalUser(ctx, actor.WorkspaceID, p.OwnerUserID)
		if err != nil && tandem.KindOf(err) != tandem.KindNotFound {
			return Profile{}, err
		}
	}
	return pr, nil
}

// UpdateOwnProfile lets a partner admin change its organisation's name, regions and
// verticals; everything else of the profile, the website included, is the vendor's.
func (s *Service) UpdateOwnProfile(ctx context.Context, actor policy.Actor, actorName string, c ProfileChanges) (Profile, error) {
	pid, ok := actor.PartnerOnly()
	if !ok {
		return Profile{}, tandem.Errorf(tandem.KindForbidden, "Only a partner's own people have a partner profile; use the partner's page.")
	}
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.PartnerProfile, WorkspaceID: actor.WorkspaceID, ID: pid, Partners: []string{pid}}); err != nil {
		return Profile{}, err
	}
	if _, err := s.update(ctx, actor, actorName, pid, Changes{Name: c.Name, Regions: c.Regions, Verticals: c.Verticals}, "partner.profile_update"); err != nil {
		return Profile{}, err
	}
	return s.OwnProfile(ctx, actor)
}
