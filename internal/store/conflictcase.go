package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// ConflictCases adapts the store to conflictcase.Store.
type ConflictCases struct{ DB *DB }

var _ conflictcase.Store = ConflictCases{}

const caseColumns = `id, case_key, cause, conflict_type, status, summary, evidence, refs, partner_ids, direct, motion, region,
	opened_at, ack_due_at, acknowledged_at, acknowledged_by, ack_breached_at, plan_due_at, plan, plan_at, plan_breached_at,
	resolved_at, resolved_by, ruling, rationale, notes, updated_at, version`

func caseValues(c conflictcase.Case) ([]any, error) {
	refs, err := json.Marshal(nonNil(c.Refs))
	if err != nil {
		return nil, err
	}
	pids, err := json.Marshal(nonNil(c.PartnerIDs))
	if err != nil {
		return nil, err
	}
	notes, err := json.Marshal(nonNil(c.Notes))
	if err != nil {
		return nil, err
	}
	direct := 0
	if c.Direct {
		direct = 1
	}
	return []any{c.WorkspaceID, c.ID, c.Key, string(c.Cause), string(c.Type), string(c.Status), c.Summary, c.Evidence, string(refs), string(pids),
		direct, string(c.Motion), c.Region, ms(c.OpenedAt), ms(c.AckDueAt), nullMS(c.AcknowledgedAt), c.AcknowledgedBy, nullMS(c.AckBreachedAt),
		ms(c.PlanDueAt), c.Plan, nullMS(c.PlanAt), nullMS(c.PlanBreachedAt), nullMS(c.ResolvedAt), c.ResolvedBy, c.Ruling, c.Rationale,
		string(notes), ms(c.UpdatedAt), c.Version}, nil
}

func scanCase(row interface{ Scan(...any) error }, workspaceID string) (conflictcase.Case, error) {
	c := conflictcase.Case{WorkspaceID: workspaceID}
	var cause, ctype, status, refs, pids, motion, notes string
	var direct int
	var opened, ackDue, planDue, updated int64
	var acked, ackBreach, planAt, planBreach, resolved sql.NullInt64
	err := row.Scan(&c.ID, &c.Key, &cause, &ctype, &status, &c.Summary, &c.Evidence, &refs, &pids, &direct, &motion, &c.Region,
		&opened, &ackDue, &acked, &c.AcknowledgedBy, &ackBreach, &planDue, &c.Plan, &planAt, &planBreach,
		&resolved, &c.ResolvedBy, &c.Ruling, &c.Rationale, &notes, &updated, &c.Version)
	if err != nil {
		return c, err
	}
	c.Cause, c.Type, c.Status, c.Motion, c.Direct = conflictcase.Cause(cause), conflict.Type(ctype), conflictcase.Status(status), tandem.Motion(motion), direct == 1
	for _, x := range []struct {
		raw string
		v   any
	}{{refs, &c.Refs}, {pids, &c.PartnerIDs}, {notes, &c.Notes}} {
		if err := json.Unmarshal([]byte(x.raw), x.v); err != nil {
			return c, fmt.Errorf("conflict case %s: %w", c.ID, err)
		}
	}
	c.OpenedAt, c.AckDueAt, c.PlanDueAt, c.UpdatedAt = fromMS(opened), fromMS(ackDue), fromMS(planDue), fromMS(updated)
	c.AcknowledgedAt, c.AckBreachedAt, c.PlanAt, c.PlanBreachedAt, c.ResolvedAt = fromNullMS(acked), fromNullMS(ackBreach), fromNullMS(planAt), fromNullMS(planBreach), fromNullMS(resolved)
	return c, nil
}

// Workspace implements conflictcase.Store.
func (s ConflictCases) Workspace(ctx context.Context, workspaceID string) (workspace.Workspace, error) {
	return s.DB.WorkspaceByID(ctx, workspaceID)
}

// Snapshot implements conflictcase.Store: open opportunities on accounts that have
// another open opportunity or a direct-sales owner, registrations in force with what
// their uniqueness test matched, the accounts they name, and every partner's motions.
func (s ConflictCases) Snapshot(ctx context.Context, workspaceID string) (conflictcase.Snapshot, error) {
	snap := conflictcase.Snapshot{Accounts: map[string]conflictcase.Account{}, PartnerMotions: map[string][]tandem.Motion{}, PartnerNames: map[string]string{}}
	rows, err := s.DB.read.QueryContext(ctx, `SELECT o.id, o.name, o.account_id, o.partner_id, o.owner_user_id, o.motion, o.kind, o.pricing FROM opportunities o
		JOIN accounts a ON a.workspace_id = o.workspace_id AND a.id = o.account_id
		WHERE o.workspace_id = $1 AND o.status = 'open' AND (
			(a.owner_user_id <> '' AND o.partner_id <> '') OR
			(o.kind = 'renewal' AND a.incumbent_partner_id <> '' AND a.incumbent_partner_id <> o.partner_id) OR
			EXISTS (SELECT 1 FROM opportunities o2 WHERE o2.workspace_id = o.workspace_id AND o2.account_id = o.account_id AND o2.status = 'open' AND o2.id <> o.id))`, workspaceID)
	if err != nil {
		return snap, fmt.Errorf("conflict snapshot: %w", err)
	}
	accountIDs := map[string]bool{}
	for rows.Next() {
		var o conflictcase.Opportunity
		var motion, kind, pricingJSON string
		if err := rows.Scan(&o.ID, &o.Name, &o.AccountID, &o.PartnerID, &o.OwnerUserID, &motion, &kind, &pricingJSON); err != nil {
			rows.Close()
			return snap, fmt.Errorf("conflict snapshot: %w", err)
		}
		o.Motion, o.Renewal = tandem.Motion(motion), kind == "renewal"
		var pr struct {
			Protection pricing.Protection `json:"protection"`
		}
		if err := json.Unmarshal([]byte(pricingJSON), &pr); err != nil {
			rows.Close()
			return snap, fmt.Errorf("opportunity %s pricing: %w", o.ID, err)
		}
		if p := pr.Protection; p.Enabled && p.From.Before(p.Until) {
			o.Protected = &conflictcase.Window{From: p.From, Until: p.Until}
		}
		snap.Opportunities = append(snap.Opportunities, o)
		accountIDs[o.AccountID] = true
	}
	rows.Close()
	rows, err = s.DB.read.QueryContext(ctx, `SELECT id, customer_name, partner_id, motion, status, account_id, candidates FROM registrations
		WHERE workspace_id = $1 AND (status IN ('pending','info_requested','appealed') OR (status = 'approved' AND ended_at IS NULL))`, workspaceID)
	if err != nil {
		return snap, fmt.Errorf("conflict snapshot: %w", err)
	}
	for rows.Next() {
		var r conflictcase.Registration
		var motion, status, cands string
		if err := rows.Scan(&r.ID, &r.CustomerName, &r.PartnerID, &motion, &status, &r.AccountID, &cands); err != nil {
			rows.Close()
			return snap, fmt.Errorf("conflict snapshot: %w", err)
		}
		r.Motion, r.Approved = tandem.Motion(motion), status == string(registration.Approved)
		var cs []registration.Candidate
		if err := json.Unmarshal([]byte(cands), &cs); err != nil {
			rows.Close()
			return snap, fmt.Errorf("registration %s candidates: %w", r.ID, err)
		}
		for _, c := range cs {
			if c.Decision != "match" {
				continue
			}
			switch c.Kind {
			case conflict.KindAccount:
				r.MatchedAccounts = append(r.MatchedAccounts, c.Ref)
				accountIDs[c.Ref] = true
			case conflict.KindRegistration:
				r.MatchedRegistrations = append(r.MatchedRegistrations, c.Ref)
			}
		}
		if r.AccountID != "" {
			accountIDs[r.AccountID] = true
		}
		snap.Registrations = append(snap.Registrations, r)
	}
	rows.Close()
	ids := make([]string, 0, len(accountIDs))
	for id := range accountIDs {
		ids = append(ids, id)
	}
	accs, err := s.AccountsByID(ctx, workspaceID, ids)
	if err != nil {
		return snap, err
	}
	snap.Accounts = accs
	rows, err = s.DB.read.QueryContext(ctx, `SELECT p.id, p.name, p.region, COALESCE(m.motion, '') FROM partners p
		LEFT JOIN partner_motions m ON m.workspace_id = p.workspace_id AND m.partner_id = p.id WHERE p.workspace_id = $1`, workspaceID)
	if err != nil {
		return snap, fmt.Errorf("conflict snapshot: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, region, motion string
		if err := rows.Scan(&id, &name, &region, &motion); err != nil {
			return snap, fmt.Errorf("conflict snapshot: %w", err)
		}
		snap.PartnerNames[id] = name
		if motion != "" {
			snap.PartnerMotions[id] = append(snap.PartnerMotions[id], tandem.Motion(motion))
		}
	}
	return snap, rows.Err()
}

// AccountsByID returns the named accounts of the workspace with their owners.
func (s ConflictCases) AccountsByID(ctx context.Context, workspaceID string, ids []string) (map[string]conflictcase.Account, error) {
	out := map[string]conflictcase.Account{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		args := []any{workspaceID}
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, owner_user_id, incumbent_partner_id, country FROM accounts
			WHERE workspace_id = $1 AND id IN (`+strings.Join(marks, ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load accounts: %w", err)
		}
		for rows.Next() {
			var a conflictcase.Account
			if err := rows.Scan(&a.ID, &a.Name, &a.OwnerUserID, &a.IncumbentPartnerID, &a.Region); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load accounts: %w", err)
			}
			out[a.ID] = a
		}
		rows.Close()
	}
	return out, nil
}

// CaseByKey implements conflictcase.Store.
func (s ConflictCases) CaseByKey(ctx context.Context, workspaceID, key string) (conflictcase.Case, error) {
	c, err := scanCase(s.DB.read.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM conflict_cases WHERE workspace_id = $1 AND case_key = $2`, workspaceID, key), workspaceID)
	if err != nil {
		return c, notFound(err, "that conflict case")
	}
	return c, nil
}

// CaseByID implements conflictcase.Store.
func (s ConflictCases) CaseByID(ctx context.Context, workspaceID, id string) (conflictcase.Case, error) {
	c, err := scanCase(s.DB.read.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM conflict_cases WHERE workspace_id = $1 AND id = $2`, workspaceID, id), workspaceID)
	if err != nil {
		return c, notFound(err, "that conflict case")
	}
	return c, nil
}

// SaveCase implements conflictcase.Store.
func (s ConflictCases) SaveCase(ctx context.Context, c conflictcase.Case, expected int, es []audit.Entry, ns []notify.Notification) error {
	if expected != 0 {
		c.Version = expected + 1
	}
	vals, err := caseValues(c)
	if err != nil {
		return fmt.Errorf("save conflict case: %w", err)
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if expected == 0 {
			if _, err := tx.ExecContext(ctx, caseSQL.insert, vals...); err != nil {
				return conflictOr(err, "This conflict already has a case.")
			}
		} else {
			vals = append(vals, expected)
			res, err := tx.ExecContext(ctx, caseSQL.update, vals...)
			if err != nil {
				return fmt.Errorf("save conflict case: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return tandem.Errorf(tandem.KindConflict, "Someone else changed this conflict case a moment ago; reload it and try again.")
			}
		}
		for _, e := range es {
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		for _, n := range ns {
			if err := insertNotification(ctx, tx, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListCases implements conflictcase.Store: newest first.
func (s ConflictCases) ListCases(ctx context.Context, workspaceID string, f conflictcase.Filter, after string, limit int) ([]conflictcase.Case, bool, error) {
	where, args := []string{"workspace_id = $1"}, []any{workspaceID}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			args = append(args, string(st))
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "status IN ("+strings.Join(marks, ",")+")")
	}
	if f.Cause != "" {
		args = append(args, string(f.Cause))
		where = append(where, fmt.Sprintf("cause = $%d", len(args)))
	}
	if after != "" {
		args = append(args, after)
		where = append(where, fmt.Sprintf("id < $%d", len(args)))
	}
	args = append(args, limit+1)
	cs, err := s.cases(ctx, workspaceID, `SELECT `+caseColumns+` FROM conflict_cases WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, false, err
	}
	more := len(cs) > limit
	if more {
		cs = cs[:limit]
	}
	return cs, more, nil
}

func (s ConflictCases) cases(ctx context.Context, workspaceID, q string, args ...any) ([]conflictcase.Case, error) {
	rows, err := s.DB.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list conflict cases: %w", err)
	}
	defer rows.Close()
	var out []conflictcase.Case
	for rows.Next() {
		c, err := scanCase(rows, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("list conflict cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CasesOpenedBetween implements conflictcase.Store.
func (s ConflictCases) CasesOpenedBetween(ctx context.Context, workspaceID string, from, to time.Time) ([]conflictcase.Case, error) {
	return s.cases(ctx, workspaceID, `SELECT `+caseColumns+` FROM conflict_cases WHERE workspace_id = $1 AND opened_at >= $2 AND opened_at < $3`,
		workspaceID, ms(from), ms(to))
}

// OverdueCases implements conflictcase.Store.
func (s ConflictCases) OverdueCases(ctx context.Context, workspaceID string, now time.Time) ([]conflictcase.Case, error) {
	return s.cases(ctx, workspaceID, `SELECT `+caseColumns+` FROM conflict_cases WHERE workspace_id = $1 AND status <> 'resolved' AND (
		(acknowledged_at IS NULL AND ack_breached_at IS NULL AND ack_due_at <= $2) OR
		(plan = '' AND plan_breached_at IS NULL AND plan_due_at <= $2))`, workspaceID, ms(now))
}

// CountRegistrations implements conflictcase.Store.
func (s ConflictCases) CountRegistrations(ctx context.Context, workspaceID string, from, to time.Time) (int, error) {
	var n int
	err := s.DB.read.QueryRowContext(ctx, `SELECT count(*) FROM registrations WHERE workspace_id = $1 AND created_at >= $2 AND created_at < $3`,
		workspaceID, ms(from), ms(to)).Scan(&n)
	return n, err
}

// Reviewers implements conflictcase.Store.
func (s ConflictCases) Reviewers(ctx context.Context, workspaceID string) ([]conflictcase.Person, error) {
	ps, err := Registrations(s).Reviewers(ctx, workspaceID)
	return people(ps), err
}

// Admins implements conflictcase.Store.
func (s ConflictCases) Admins(ctx context.Context, workspaceID string) ([]conflictcase.Person, error) {
	ps, err := Registrations(s).Admins(ctx, workspaceID)
	return people(ps), err
}

func people(ps []registration.Person) []conflictcase.Person {
	out := make([]conflictcase.Person, len(ps))
	for i, p := range ps {
		out[i] = conflictcase.Person{UserID: p.UserID, Name: p.Name}
	}
	return out
}

// WorkspaceIDs lists every workspace, for sweeps that visit them all.
func (db *DB) WorkspaceIDs(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
