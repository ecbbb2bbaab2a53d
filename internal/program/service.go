package program

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Review statuses.
const (
	Open      = "open"
	Confirmed = "confirmed"
	Dismissed = "dismissed"
	Withdrawn = "withdrawn" // a later evaluation no longer supports it
)

// Review is one proposed tier change and what became of it.
type Review struct {
	WorkspaceID string
	ID          string
	PartnerID   string
	Direction   Direction
	FromTier    string
	ToTier      string
	Status      string
	Evidence    Basis
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DecidedAt   time.Time
	DecidedBy   string
	DeciderName string
	Rationale   string

	// PartnerName is filled when read for display.
	PartnerName string
}

// Basis is what a review's proposal rests on: the measured values against the
// requirements of the partner's current tier and of the proposed one.
type Basis struct {
	MeasuredAt time.Time `json:"measured_at"`
	Currency   string    `json:"currency"`
	Current    []Check   `json:"current"`  // against the recorded tier (empty when unknown)
	Proposed   []Check   `json:"proposed"` // against the proposed tier
	BelowSince time.Time `json:"below_since,omitzero"`
	GraceDays  int       `json:"grace_days"`
	Summary    string    `json:"summary"`
}

// Subject is an active partner as a review reads it.
type Subject struct {
	ID   string
	Name string
	Tier string
}

// Run is the result of evaluating one workspace, for the store to save in one
// transaction: standings to write, reviews to open, update or withdraw, and the
// audit entries saying so.
type Run struct {
	WorkspaceID string
	At          time.Time
	Standings   map[string]time.Time // changed standings: partner → below since (zero: meets its tier)
	Create      []Review
	Update      []Review // open reviews whose evidence was refreshed
	Withdraw    []Review
	Audit       []audit.Entry
}

// Store is what the program service needs from persistence.
type Store interface {
	// ProgramSettings returns the stored settings document, or nil when the workspace
	// has not saved one.
	ProgramSettings(ctx context.Context, workspaceID string) ([]byte, error)
	// SaveProgramSettings stores the document with its audit entry.
	SaveProgramSettings(ctx context.Context, workspaceID string, raw []byte, now time.Time, e audit.Entry) error
	// WorkspaceCurrency returns the workspace's currency code.
	WorkspaceCurrency(ctx context.Context, workspaceID string) (string, error)
	// ReviewSubjects returns the workspace's active partners.
	ReviewSubjects(ctx context.Context, workspaceID string) ([]Subject, error)
	// MeasurePartners measures every partner with activity in the windows ending at
	// now; partners absent from the result measured zero.
	MeasurePartners(ctx context.Context, workspaceID, currency string, now time.Time) (map[string]Measures, error)
	// CertificationsTracked reports whether the workspace keeps a certification
	// catalogue (at least one certification defined, retired or not).
	CertificationsTracked(ctx context.Context, workspaceID string) (bool, error)
	// Standings returns when each partner was first found below its tier.
	Standings(ctx context.Context, workspaceID string) (map[string]time.Time, error)
	// Reviews lists the workspace's reviews with the status (all when empty), newest
	// first, at most limit.
	Reviews(ctx context.Context, workspaceID, status string, limit int) ([]Review, error)
	// DismissedSince returns reviews dismissed at or after since.
	DismissedSince(ctx context.Context, workspaceID string, since time.Time) ([]Review, error)
	// Review returns one review, or a not-found error.
	Review(ctx context.Context, workspaceID, id string) (Review, error)
	// SaveRun writes a run in one transaction.
	SaveRun(ctx context.Context, r Run) error
	// DecideReview records the decision on an open review (failing with a conflict
	// when it is no longer open) and, when confirmed, changes the partner's tier from
	// r.FromTier to r.ToTier (failing with a conflict when the partner's tier is no
	// longer r.FromTier) and clears its standing; all with the audit entries, in one
	// transaction.
	DecideReview(ctx context.Context, r Review, es []audit.Entry) error
}

// Service is program configuration and tier reviews.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Settings returns the workspace's program (the default one until it saves its own).
func (s *Service) Settings(ctx context.Context, workspaceID string) (Settings, error) {
	raw, err := s.Store.ProgramSettings(ctx, workspaceID)
	if err != nil {
		return Settings{}, err
	}
	return Parse(raw)
}

// Get returns the program for people who may read the workspace settings.
func (s *Service) Get(ctx context.Context, actor policy.Actor) (Settings, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx, actor.WorkspaceID)
}

// Update validates and saves the program, with an audit entry holding the
// difference. Invalid settings are a KindInvalid error naming every bad field;
// nothing is saved. Partners keep their recorded tier: a renamed or removed tier is
// proposed for correction by the next tier review, never changed silently.
func (s *Service) Update(ctx context.Context, actor policy.Actor, actorName string, next Settings) (Settings, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Settings{}, err
	}
	next = next.Normalize()
	if err := next.Validate(); err != nil {
		return Settings{}, err
	}
	before, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return Settings{}, err
	}
	raw, err := next.Marshal()
	if err != nil {
		return Settings{}, err
	}
	now := s.Now().UTC()
	e := audit.New(ctx, actor, actorName, now, "program.tiers", "workspace", actor.WorkspaceID, before, next, "")
	if err := s.Store.SaveProgramSettings(ctx, actor.WorkspaceID, raw, now, e); err != nil {
		return Settings{}, err
	}
	return next, nil
}

// TierRanks returns the rank of each of the workspace's tiers by lower-cased name,
// for deal registration's eligibility and conflict rules.
func (s *Service) TierRanks(ctx context.Context, workspaceID string) (map[string]int, error) {
	set, err := s.Settings(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return set.Ranks(), nil
}

// CheckTier returns nil when tier is empty or one of the workspace's tiers, and a
// KindInvalid error on "tier" otherwise.
func (s *Service) CheckTier(ctx context.Context, workspaceID, tier string) error {
	set, err := s.Settings(ctx, workspaceID)
	if err != nil {
		return err
	}
	return set.CheckTier(tier)
}

// Evaluate measures every active partner of the workspace and saves the resulting
// proposals: a new open review where a change is due, refreshed evidence on open
// reviews that still hold, and withdrawal of open reviews the measures no longer
// support. A proposal the same as one a manager dismissed within the grace period
// (at least 30 days) is not made again. It returns the number of open reviews after
// the run. It acts as the system; the scheduled job and the "review now" button both
// call it.
func (s *Service) Evaluate(ctx context.Context, workspaceID string) (int, error) {
	now := s.Now().UTC()
	set, err := s.Settings(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	currency, err := s.Store.WorkspaceCurrency(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	subjects, err := s.Store.ReviewSubjects(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	measures, err := s.Store.MeasurePartners(ctx, workspaceID, currency, now)
	if err != nil {
		return 0, err
	}
	tracked, err := s.Store.CertificationsTracked(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	standings, err := s.Store.Standings(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	open, err := s.Store.Reviews(ctx, workspaceID, Open, 100000)
	if err != nil {
		return 0, err
	}
	openBy := map[string]Review{}
	for _, r := range open {
		openBy[r.PartnerID] = r
	}
	quiet := time.Duration(max(set.GraceDays, 30)) * 24 * time.Hour
	dismissed, err := s.Store.DismissedSince(ctx, workspaceID, now.Add(-quiet))
	if err != nil {
		return 0, err
	}
	wasDismissed := map[[3]string]bool{}
	for _, r := range dismissed {
		wasDismissed[[3]string{r.PartnerID, strings.ToLower(r.FromTier), strings.ToLower(r.ToTier)}] = true
	}
	sys := policy.System(workspaceID)
	run := Run{WorkspaceID: workspaceID, At: now, Standings: map[string]time.Time{}}
	count := 0
	for _, p := range subjects {
		m := measures[p.ID]
		m.CertificationsUntracked = !tracked
		o := Assess(set, p.Tier, m, standings[p.ID], now)
		if !o.BelowSince.Equal(standings[p.ID]) {
			run.Standings[p.ID] = o.BelowSince // only changes are written
		}
		prev, hasOpen := openBy[p.ID]
		propose := o.Direction != "" && !wasDismissed[[3]string{p.ID, strings.ToLower(p.Tier), strings.ToLower(o.To.Name)}]
		switch {
		case propose && hasOpen && prev.Direction == o.Direction && strings.EqualFold(prev.ToTier, o.To.Name) && strings.EqualFold(prev.FromTier, p.Tier):
			prev.Evidence, prev.UpdatedAt = evidence(set, currency, p.Tier, o, m, now), now
			run.Update = append(run.Update, prev)
			count++
			continue
		case hasOpen:
			prev.Status, prev.UpdatedAt, prev.DecidedAt, prev.Rationale = Withdrawn, now, now, "The latest evaluation no longer supports this proposal: "+o.Describe()+"."
			run.Withdraw = append(run.Withdraw, prev)
			run.Audit = append(run.Audit, audit.New(ctx, sys, "Tier review", now, "tier_review.withdraw", "tier_review", prev.ID,
				map[string]any{"status": Open}, map[string]any{"status": Withdrawn}, prev.Rationale))
		}
		if !propose {
			continue
		}
		r := Review{WorkspaceID: workspaceID, ID: tandem.NewID("tvw", now), PartnerID: p.ID, Direction: o.Direction,
			FromTier: p.Tier, ToTier: o.To.Name, Status: Open, Evidence: evidence(set, currency, p.Tier, o, m, now), CreatedAt: now, UpdatedAt: now}
		run.Create = append(run.Create, r)
		run.Audit = append(run.Audit, audit.New(ctx, sys, "Tier review", now, "tier_review.propose", "partner", p.ID, nil,
			map[string]any{"review": r.ID, "direction": r.Direction, "from": r.FromTier, "to": r.ToTier}, r.Evidence.Summary))
		count++
	}
	reviewed := make(map[string]bool, len(subjects))
	for _, p := range subjects {
		reviewed[p.ID] = true
	}
	for pid, prev := range openBy {
		if reviewed[pid] {
			continue
		}
		prev.Status, prev.UpdatedAt, prev.DecidedAt, prev.Rationale = Withdrawn, now, now, "The partner is no longer active, so its tier is not reviewed."
		run.Withdraw = append(run.Withdraw, prev)
		run.Audit = append(run.Audit, audit.New(ctx, sys, "Tier review", now, "tier_review.withdraw", "tier_review", prev.ID,
			map[string]any{"status": Open}, map[string]any{"status": Withdrawn}, prev.Rationale))
	}
	if err := s.Store.SaveRun(ctx, run); err != nil {
		return 0, fmt.Errorf("save the tier review of workspace %s: %w", workspaceID, err)
	}
	return count, nil
}

func evidence(set Settings, currency, current string, o Outcome, m Measures, now time.Time) Basis {
	ev := Basis{MeasuredAt: now, Currency: currency, Proposed: Evidence(o.To, m), BelowSince: o.BelowSince, GraceDays: set.GraceDays,
		Summary: "Partner " + o.Describe() + "."}
	if t, ok := set.Find(current); ok {
		ev.Current = Evidence(t, m)
	}
	return ev
}

// List returns reviews with the status (all when empty), newest first.
func (s *Service) List(ctx context.Context, actor policy.Actor, status string, limit int) ([]Review, error) {
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return nil, err
	}
	switch status {
	case "", Open, Confirmed, Dismissed, Withdrawn:
	default:
		return nil, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "status", Detail: "must be open, confirmed, dismissed or withdrawn"})
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return s.Store.Reviews(ctx, actor.WorkspaceID, status, limit)
}

// RunNow evaluates the workspace at once for a person allowed to decide on partners.
func (s *Service) RunNow(ctx context.Context, actor policy.Actor) (int, error) {
	if err := policy.Authorize(actor, policy.Decide, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return 0, err
	}
	return s.Evaluate(ctx, actor.WorkspaceID)
}

// Decide confirms (changing the partner's tier) or dismisses an open review, with
// the decider's rationale, audited. A review that is no longer open, or whose partner
// changed tier since the proposal, is a conflict: nothing changes.
func (s *Service) Decide(ctx context.Context, actor policy.Actor, actorName, id string, confirm bool, rationale string) (Review, error) {
	r, err := s.Store.Review(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Review{}, err
	}
	if err := policy.Authorize(actor, policy.Decide, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: r.PartnerID}); err != nil {
		return Review{}, err
	}
	rationale = strings.TrimSpace(rationale)
	if len(rationale) > 2000 {
		return Review{}, tandem.Invalid("The decision is not valid.", tandem.FieldError{Path: "rationale", Detail: "must be at most 2000 characters"})
	}
	if r.Status != Open {
		return Review{}, tandem.Errorf(tandem.KindConflict, "This proposal is already %s.", r.Status)
	}
	if confirm {
		set, err := s.Settings(ctx, actor.WorkspaceID)
		if err != nil {
			return Review{}, err
		}
		if _, ok := set.Find(r.ToTier); !ok {
			return Review{}, tandem.Errorf(tandem.KindConflict, "The program no longer has the tier %s; dismiss this proposal.", r.ToTier)
		}
		subjects, err := s.Store.ReviewSubjects(ctx, actor.WorkspaceID)
		if err != nil {
			return Review{}, err
		}
		if !slices.ContainsFunc(subjects, func(p Subject) bool { return p.ID == r.PartnerID }) {
			return Review{}, tandem.Errorf(tandem.KindConflict, "The partner is no longer active, so its tier is not changed; dismiss this proposal.")
		}
	}
	now := s.Now().UTC()
	r.Status = Dismissed
	if confirm {
		r.Status = Confirmed
	}
	r.DecidedAt, r.UpdatedAt, r.DecidedBy, r.DeciderName, r.Rationale = now, now, audit.ActorID(actor), actorName, rationale
	es := []audit.Entry{audit.New(ctx, actor, actorName, now, "tier_review."+map[bool]string{true: "confirm", false: "dismiss"}[confirm], "tier_review", r.ID,
		map[string]any{"status": Open}, map[string]any{"status": r.Status}, rationale)}
	if confirm {
		es = append(es, audit.New(ctx, actor, actorName, now, "partner.tier", "partner", r.PartnerID,
			map[string]any{"tier": r.FromTier}, map[string]any{"tier": r.ToTier}, "Tier review "+r.ID+" confirmed. "+rationale))
	}
	if err := s.Store.DecideReview(ctx, r, es); err != nil {
		return Review{}, err
	}
	return r, nil
}
