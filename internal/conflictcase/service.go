package conflictcase

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Person is someone told about a case.
type Person struct{ UserID, Name string }

// Filter narrows a list of cases.
type Filter struct {
	Statuses []Status
	Cause    Cause
}

// Store is what the service needs from persistence.
type Store interface {
	Workspace(ctx context.Context, workspaceID string) (workspace.Workspace, error)
	// Snapshot gathers what Detect looks at.
	Snapshot(ctx context.Context, workspaceID string) (Snapshot, error)
	// CaseByKey returns the case for a conflict, or a not-found error.
	CaseByKey(ctx context.Context, workspaceID, key string) (Case, error)
	CaseByID(ctx context.Context, workspaceID, id string) (Case, error)
	// SaveCase creates c (expected 0) or updates it when its stored version is still
	// expected, with the audit entries and notifications, in one transaction.
	SaveCase(ctx context.Context, c Case, expected int, es []audit.Entry, ns []notify.Notification) error
	ListCases(ctx context.Context, workspaceID string, f Filter, after string, limit int) ([]Case, bool, error)
	// CasesOpenedBetween returns every case opened in [from, to).
	CasesOpenedBetween(ctx context.Context, workspaceID string, from, to time.Time) ([]Case, error)
	// OverdueCases returns open cases whose acknowledgement or plan deadline passed
	// at now without being met or flagged.
	OverdueCases(ctx context.Context, workspaceID string, now time.Time) ([]Case, error)
	CountRegistrations(ctx context.Context, workspaceID string, from, to time.Time) (int, error)
	Reviewers(ctx context.Context, workspaceID string) ([]Person, error)
	Admins(ctx context.Context, workspaceID string) ([]Person, error)
}

// Service detects conflicts, keeps their cases and runs their deadlines.
type Service struct {
	Store Store
	Now   func() time.Time
	// Duplicates, when set, finds accounts changed since the given time that the
	// company matcher takes for another account.
	Duplicates func(ctx context.Context, workspaceID string, since time.Time) ([]DuplicatePair, error)
}

// SweepResult says what one sweep did.
type SweepResult struct {
	Opened, Updated, Flagged int
}

// Sweep detects the workspace's conflicts, opens a case for each new one (telling
// the reviewers), updates the evidence and status of open ones, and flags cases whose
// acknowledgement or plan deadline has passed (telling the admins). Cases are never
// closed by a sweep: a person rules on every one. Running it twice changes nothing
// the second time.
func (s *Service) Sweep(ctx context.Context, workspaceID string, duplicatesSince time.Time) (SweepResult, error) {
	var res SweepResult
	ws, err := s.Store.Workspace(ctx, workspaceID)
	if err != nil {
		return res, err
	}
	cal, err := ws.BusinessCalendar()
	if err != nil {
		return res, fmt.Errorf("business calendar of workspace %s: %w", ws.Slug, err)
	}
	snap, err := s.Store.Snapshot(ctx, workspaceID)
	if err != nil {
		return res, err
	}
	if s.Duplicates != nil {
		d, err := s.Duplicates(ctx, workspaceID, duplicatesSince)
		if err != nil {
			return res, err
		}
		snap.Duplicates = d
		if err := s.addAccounts(ctx, workspaceID, &snap, d); err != nil {
			return res, err
		}
	}
	sys := policy.System(workspaceID)
	now := s.Now().UTC()
	reviewers, err := s.Store.Reviewers(ctx, workspaceID)
	if err != nil {
		return res, err
	}
	for _, f := range Detect(snap) {
		c, err := s.Store.CaseByKey(ctx, workspaceID, f.Key)
		switch {
		case tandem.KindOf(err) == tandem.KindNotFound:
			c = Case{WorkspaceID: workspaceID, ID: tandem.NewID("cfl", now), Key: f.Key, OpenedAt: now, UpdatedAt: now, Version: 1}
			c.AckDueAt, c.PlanDueAt = Deadlines(now, func(t time.Time, n int) time.Time { return cal.AddBusinessDays(t, n).UTC() })
			fill(&c, f)
			e := audit.New(ctx, sys, "conflict detection", now, "conflict.open", "conflict_case", c.ID, nil,
				map[string]any{"cause": c.Cause, "type": c.Type, "status": c.Status, "refs": c.Refs, "partners": c.PartnerIDs}, c.Evidence)
			var ns []notify.Notification
			for _, p := range reviewers {
				ns = append(ns, notify.New(workspaceID, p.UserID, "Conflict: "+c.Summary, c.Cause.Label()+". Acknowledge within 24 hours.", "/conflicts/"+c.ID, now))
			}
			if err := s.Store.SaveCase(ctx, c, 0, []audit.Entry{e}, ns); err != nil {
				if tandem.KindOf(err) == tandem.KindConflict {
					continue // another process opened it a moment ago
				}
				return res, err
			}
			res.Opened++
		case err != nil:
			return res, err
		case c.Open() && (c.Status != f.Status || c.Evidence != f.Evidence || c.Type != f.Type):
			before := map[string]any{"status": c.Status, "type": c.Type}
			fill(&c, f)
			c.UpdatedAt = now
			e := audit.New(ctx, sys, "conflict detection", now, "conflict.update", "conflict_case", c.ID, before,
				map[string]any{"status": c.Status, "type": c.Type}, c.Evidence)
			if err := s.Store.SaveCase(ctx, c, c.Version, []audit.Entry{e}, nil); err != nil && tandem.KindOf(err) != tandem.KindConflict {
				return res, err
			}
			res.Updated++
		}
	}
	overdue, err := s.Store.OverdueCases(ctx, workspaceID, now)
	if err != nil {
		return res, err
	}
	admins, err := s.Store.Admins(ctx, workspaceID)
	if err != nil {
		return res, err
	}
	for _, c := range overdue {
		var what string
		if c.AcknowledgedAt.IsZero() && c.AckBreachedAt.IsZero() && !now.Before(c.AckDueAt) {
			c.AckBreachedAt, what = now, "acknowledged"
		} else if c.Plan == "" && c.PlanBreachedAt.IsZero() && !now.Before(c.PlanDueAt) {
			c.PlanBreachedAt, what = now, "given a resolution plan"
		} else {
			continue
		}
		c.UpdatedAt = now
		e := audit.New(ctx, sys, "conflict deadlines", now, "conflict.overdue", "conflict_case", c.ID, nil, nil, "Not "+what+" in time.")
		var ns []notify.Notification
		for _, p := range admins {
			ns = append(ns, notify.New(workspaceID, p.UserID, "Overdue conflict: "+c.Summary, "This conflict case was not "+what+" in time.", "/conflicts/"+c.ID, now))
		}
		if err := s.Store.SaveCase(ctx, c, c.Version, []audit.Entry{e}, ns); err != nil && tandem.KindOf(err) != tandem.KindConflict {
			return res, err
		}
		res.Flagged++
	}
	return res, nil
}

// addAccounts makes sure the accounts of duplicate pairs are in the snapshot.
func (s *Service) addAccounts(ctx context.Context, workspaceID string, snap *Snapshot, d []DuplicatePair) error {
	if len(d) == 0 {
		return nil
	}
	if snap.Accounts == nil {
		snap.Accounts = map[string]Account{}
	}
	type loader interface {
		AccountsByID(ctx context.Context, workspaceID string, ids []string) (map[string]Account, error)
	}
	l, ok := s.Store.(loader)
	if !ok {
		return nil
	}
	var ids []string
	for _, p := range d {
		for _, id := range []string{p.A, p.B} {
			if _, ok := snap.Accounts[id]; !ok {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	got, err := l.AccountsByID(ctx, workspaceID, ids)
	if err != nil {
		return err
	}
	for id, a := range got {
		snap.Accounts[id] = a
	}
	return nil
}

func fill(c *Case, f Finding) {
	c.Cause, c.Type, c.Status, c.Summary, c.Evidence = f.Cause, f.Type, f.Status, f.Summary, f.Evidence
	c.Refs, c.PartnerIDs, c.Direct, c.Motion, c.Region = f.Refs, f.PartnerIDs, f.Direct, f.Motion, f.Region
}

func resource(c Case) policy.Resource {
	return policy.Resource{Kind: policy.ConflictCases, WorkspaceID: c.WorkspaceID, ID: c.ID}
}

// Get returns one case.
func (s *Service) Get(ctx context.Context, actor policy.Actor, id string) (Case, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.ConflictCases, WorkspaceID: actor.WorkspaceID, ID: id}); err != nil {
		return Case{}, err
	}
	return s.Store.CaseByID(ctx, actor.WorkspaceID, id)
}

// List returns one page of cases, newest first.
func (s *Service) List(ctx context.Context, actor policy.Actor, f Filter, after string, limit int) ([]Case, bool, error) {
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.ConflictCases, WorkspaceID: actor.WorkspaceID}); err != nil {
		return nil, false, err
	}
	for _, st := range f.Statuses {
		if st != Risk && st != Active && st != Resolved {
			return nil, false, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "status", Detail: "must be risk, active or resolved"})
		}
	}
	return s.Store.ListCases(ctx, actor.WorkspaceID, f, after, limit)
}

// Metrics measures the cases opened in [from, to).
func (s *Service) Metrics(ctx context.Context, actor policy.Actor, from, to time.Time, partnerName func(string) string) (Metrics, error) {
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.ConflictCases, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Metrics{}, err
	}
	if !from.Before(to) {
		return Metrics{}, tandem.Invalid("The period is not valid.", tandem.FieldError{Path: "from", Detail: "must be before to"})
	}
	cases, err := s.Store.CasesOpenedBetween(ctx, actor.WorkspaceID, from, to)
	if err != nil {
		return Metrics{}, err
	}
	n, err := s.Store.CountRegistrations(ctx, actor.WorkspaceID, from, to)
	if err != nil {
		return Metrics{}, err
	}
	return Measure(cases, n, from, to, partnerName), nil
}

// Step is something a person does on a case.
type Step string

// The steps.
const (
	Acknowledge Step = "acknowledge" // we have seen it and own it
	SetPlan     Step = "plan"        // how it will be resolved
	AddNote     Step = "note"        // a remark
	Resolve     Step = "resolve"     // the ruling, with its rationale
)

// Act applies one step to a case: acknowledging it, recording the resolution plan,
// adding a note, or resolving it with a ruling and its rationale (which needs a plan
// or a note saying why none was needed: the rationale itself). version is the one the
// person saw (0 skips the check).
func (s *Service) Act(ctx context.Context, actor policy.Actor, actorName, id string, step Step, text, ruling string, version int) (Case, error) {
	action := policy.Update
	if step == Resolve {
		action = policy.Decide
	}
	if err := policy.Authorize(actor, action, policy.Resource{Kind: policy.ConflictCases, WorkspaceID: actor.WorkspaceID, ID: id}); err != nil {
		return Case{}, err
	}
	c, err := s.Store.CaseByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Case{}, err
	}
	if err := policy.Authorize(actor, action, resource(c)); err != nil {
		return Case{}, err
	}
	if version != 0 && version != c.Version {
		return Case{}, tandem.Errorf(tandem.KindConflict, "This case changed while you were looking at it; reload it and try again.")
	}
	if !c.Open() {
		return Case{}, tandem.Errorf(tandem.KindConflict, "This case is resolved.")
	}
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > 5000 {
		return Case{}, tandem.Invalid("The text is too long.", tandem.FieldError{Path: "text", Detail: "must be at most 5000 characters"})
	}
	now := s.Now().UTC()
	before := map[string]any{"status": c.Status}
	var after map[string]any
	switch step {
	case Acknowledge:
		if !c.AcknowledgedAt.IsZero() {
			return Case{}, tandem.Errorf(tandem.KindConflict, "This case was already acknowledged by %s.", c.AcknowledgedBy)
		}
		c.AcknowledgedAt, c.AcknowledgedBy = now, actorName
		after = map[string]any{"acknowledged_at": now, "within_deadline": now.Before(c.AckDueAt)}
	case SetPlan:
		if text == "" {
			return Case{}, tandem.Invalid("The plan is empty.", tandem.FieldError{Path: "text", Detail: "is required: how will this conflict be resolved, by whom, by when?"})
		}
		if c.AcknowledgedAt.IsZero() {
			c.AcknowledgedAt, c.AcknowledgedBy = now, actorName
		}
		before["plan"] = c.Plan
		c.Plan, c.PlanAt = text, now
		after = map[string]any{"plan": text, "within_deadline": now.Before(c.PlanDueAt)}
	case AddNote:
		if text == "" {
			return Case{}, tandem.Invalid("The note is empty.", tandem.FieldError{Path: "text", Detail: "is required"})
		}
		c.Notes = append(c.Notes, Note{At: now, By: actorName, Text: text})
		after = map[string]any{"note": text}
	case Resolve:
		var p tandem.Problems
		ruling = strings.TrimSpace(ruling)
		if ruling == "" {
			p.Add("ruling", "is required: who keeps the customer, and what happens to the other party")
		}
		if text == "" {
			p.Add("text", "is required: the rationale for the ruling")
		}
		if err := p.Err("The ruling is not complete."); err != nil {
			return Case{}, err
		}
		if c.AcknowledgedAt.IsZero() {
			c.AcknowledgedAt, c.AcknowledgedBy = now, actorName
		}
		c.Status, c.ResolvedAt, c.ResolvedBy, c.Ruling, c.Rationale = Resolved, now, actorName, ruling, text
		after = map[string]any{"status": Resolved, "ruling": ruling}
	default:
		return Case{}, tandem.Invalid("The step is not valid.", tandem.FieldError{Path: "step", Detail: "must be acknowledge, plan, note or resolve"})
	}
	c.UpdatedAt = now
	e := audit.New(ctx, actor, actorName, now, "conflict."+string(step), "conflict_case", c.ID, before, after, text)
	if err := s.Store.SaveCase(ctx, c, c.Version, []audit.Entry{e}, nil); err != nil {
		return Case{}, err
	}
	c.Version++
	return c, nil
}

// SweepArgs is the job that sweeps one workspace soon after a change that may have
// caused a conflict; SweepAllArgs the periodic sweep of every workspace.
type SweepArgs struct {
	WorkspaceID string `json:"workspace_id"`
}

// Kind names the job kind.
func (SweepArgs) Kind() string { return "conflict_sweep" }

// SweepAllArgs is the periodic sweep of every workspace.
type SweepAllArgs struct{}

// Kind names the job kind.
func (SweepAllArgs) Kind() string { return "conflict_sweep_all" }
