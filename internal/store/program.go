package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Program adapts the store to program.Store.
type Program struct{ DB *DB }

var _ program.Store = Program{}

// ProgramSettings implements program.Store.
func (s Program) ProgramSettings(ctx context.Context, workspaceID string) ([]byte, error) {
	var raw string
	err := s.DB.read.QueryRowContext(ctx, `SELECT settings FROM partner_programs WHERE workspace_id = $1`, workspaceID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read program settings: %w", err)
	}
	return []byte(raw), nil
}

// SaveProgramSettings implements program.Store.
func (s Program) SaveProgramSettings(ctx context.Context, workspaceID string, raw []byte, now time.Time, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partner_programs SET settings = $2, updated_at = $3 WHERE workspace_id = $1`, workspaceID, string(raw), ms(now))
		if err != nil {
			return fmt.Errorf("save program settings: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partner_programs (workspace_id, settings, updated_at) VALUES ($1, $2, $3)`,
				workspaceID, string(raw), ms(now)); err != nil {
				return fmt.Errorf("save program settings: %w", err)
			}
		}
		return insertAudit(ctx, tx, e)
	})
}

// WorkspaceCurrency implements program.Store.
func (s Program) WorkspaceCurrency(ctx context.Context, workspaceID string) (string, error) {
	w, err := s.DB.WorkspaceByID(ctx, workspaceID)
	return w.Currency, err
}

// ReviewSubjects implements program.Store.
func (s Program) ReviewSubjects(ctx context.Context, workspaceID string) ([]program.Subject, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, tier FROM partners WHERE workspace_id = $1 AND lifecycle = 'active' ORDER BY id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list partners to review: %w", err)
	}
	defer rows.Close()
	var out []program.Subject
	for rows.Next() {
		var p program.Subject
		if err := rows.Scan(&p.ID, &p.Name, &p.Tier); err != nil {
			return nil, fmt.Errorf("list partners to review: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MeasurePartners implements program.Store: won revenue over the last 12 months from
// opportunities the partner sourced or is credited on (each opportunity counted once
// per partner, in the workspace currency only), registrations submitted over the
// last 90 days, and the certifications valid now (certification.CountValid).
func (s Program) MeasurePartners(ctx context.Context, workspaceID, currency string, now time.Time) (map[string]program.Measures, error) {
	out := map[string]program.Measures{}
	since := now.Add(-program.RevenueWindow)
	rows, err := s.DB.read.QueryContext(ctx, `SELECT pid, SUM(amount_minor) FROM (
			SELECT o.partner_id AS pid, o.id AS oid, o.amount_minor AS amount_minor FROM opportunities o
				WHERE o.workspace_id = $1 AND o.status = 'won' AND o.partner_id <> '' AND (o.currency = $2 OR o.currency = '')
				AND ((o.close_on <> '' AND o.close_on >= $3) OR (o.close_on = '' AND o.updated_at >= $4))
			UNION
			SELECT op.partner_id, o.id, o.amount_minor FROM opportunity_partners op
				JOIN opportunities o ON o.workspace_id = op.workspace_id AND o.id = op.opportunity_id
				WHERE op.workspace_id = $1 AND o.status = 'won' AND (o.currency = $2 OR o.currency = '')
				AND ((o.close_on <> '' AND o.close_on >= $3) OR (o.close_on = '' AND o.updated_at >= $4))
		) won GROUP BY pid`, workspaceID, currency, since.Format("2006-01-02"), ms(since))
	if err != nil {
		return nil, fmt.Errorf("measure partner revenue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sum int64
		if err := rows.Scan(&id, &sum); err != nil {
			return nil, fmt.Errorf("measure partner revenue: %w", err)
		}
		m := out[id]
		m.RevenueMinor = sum
		out[id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("measure partner revenue: %w", err)
	}
	rows2, err := s.DB.read.QueryContext(ctx, `SELECT partner_id, count(*) FROM registrations WHERE workspace_id = $1 AND created_at >= $2
		AND status NOT IN ('declined', 'withdrawn') GROUP BY partner_id`,
		workspaceID, ms(now.Add(-program.ActivityWindow)))
	if err != nil {
		return nil, fmt.Errorf("measure partner activity: %w", err)
	}
	defer rows2.Close()
	for rows2.Next() {
		var id string
		var n int
		if err := rows2.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("measure partner activity: %w", err)
		}
		m := out[id]
		m.Registrations90d = n
		out[id] = m
	}
	if err := rows2.Err(); err != nil {
		return nil, fmt.Errorf("measure partner activity: %w", err)
	}
	held, err := Certifications(s).CurrentCertifications(ctx, workspaceID, nil, now)
	if err != nil {
		return nil, fmt.Errorf("measure partner certifications: %w", err)
	}
	for id, n := range certification.CountValid(held, now) {
		m := out[id]
		m.Certifications = n
		out[id] = m
	}
	return out, nil
}

// Standings implements program.Store.
func (s Program) Standings(ctx context.Context, workspaceID string) (map[string]time.Time, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT partner_id, below_since FROM tier_standings WHERE workspace_id = $1 AND below_since IS NOT NULL`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("read tier standings: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var since int64
		if err := rows.Scan(&id, &since); err != nil {
			return nil, fmt.Errorf("read tier standings: %w", err)
		}
		out[id] = fromMS(since)
	}
	return out, rows.Err()
}

const reviewColumns = `r.workspace_id, r.id, r.partner_id, r.direction, r.from_tier, r.to_tier, r.status, r.evidence, r.created_at, r.updated_at,
	r.decided_at, r.decided_by, r.decider_name, r.rationale, COALESCE(p.name, '')`

const reviewFrom = ` FROM tier_reviews r LEFT JOIN partners p ON p.workspace_id = r.workspace_id AND p.id = r.partner_id`

func scanReview(row interface{ Scan(...any) error }) (program.Review, error) {
	var r program.Review
	var dir, ev string
	var c, u int64
	var d sql.NullInt64
	if err := row.Scan(&r.WorkspaceID, &r.ID, &r.PartnerID, &dir, &r.FromTier, &r.ToTier, &r.Status, &ev, &c, &u, &d,
		&r.DecidedBy, &r.DeciderName, &r.Rationale, &r.PartnerName); err != nil {
		return r, err
	}
	r.Direction, r.CreatedAt, r.UpdatedAt, r.DecidedAt = program.Direction(dir), fromMS(c), fromMS(u), fromNullMS(d)
	if err := json.Unmarshal([]byte(ev), &r.Evidence); err != nil {
		return r, fmt.Errorf("tier review %s evidence: %w", r.ID, err)
	}
	return r, nil
}

func (s Program) reviews(ctx context.Context, q string, args ...any) ([]program.Review, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+reviewColumns+reviewFrom+q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tier reviews: %w", err)
	}
	defer rows.Close()
	var out []program.Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, fmt.Errorf("list tier reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Reviews implements program.Store.
func (s Program) Reviews(ctx context.Context, workspaceID, status string, limit int) ([]program.Review, error) {
	if status == "" {
		return s.reviews(ctx, ` WHERE r.workspace_id = $1 ORDER BY r.id DESC LIMIT $2`, workspaceID, limit)
	}
	return s.reviews(ctx, ` WHERE r.workspace_id = $1 AND r.status = $2 ORDER BY r.id DESC LIMIT $3`, workspaceID, status, limit)
}

// DismissedSince implements program.Store.
func (s Program) DismissedSince(ctx context.Context, workspaceID string, since time.Time) ([]program.Review, error) {
	return s.reviews(ctx, ` WHERE r.workspace_id = $1 AND r.status = 'dismissed' AND r.decided_at >= $2`, workspaceID, ms(since))
}

// Review implements program.Store.
func (s Program) Review(ctx context.Context, workspaceID, id string) (program.Review, error) {
	r, err := scanReview(s.DB.read.QueryRowContext(ctx, `SELECT `+reviewColumns+reviewFrom+` WHERE r.workspace_id = $1 AND r.id = $2`, workspaceID, id))
	if err != nil {
		return r, notFound(err, "tier review "+id)
	}
	return r, nil
}

// SaveRun implements program.Store.
func (s Program) SaveRun(ctx context.Context, run program.Run) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		// Runs of one workspace (the daily job, "review now") take turns, so a run that
		// read the open reviews before another committed cannot open a second one.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM workspaces WHERE id = $1`+s.DB.dialect.forUpdate(), run.WorkspaceID); err != nil {
			return fmt.Errorf("lock the workspace for its tier review: %w", err)
		}
		skipped := map[string]bool{} // partners whose proposal another run already opened
		for pid, since := range run.Standings {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tier_standings WHERE workspace_id = $1 AND partner_id = $2`, run.WorkspaceID, pid); err != nil {
				return fmt.Errorf("save tier standing: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tier_standings (workspace_id, partner_id, below_since, evaluated_at) VALUES ($1, $2, $3, $4)`,
				run.WorkspaceID, pid, nullMS(since), ms(run.At)); err != nil {
				return fmt.Errorf("save tier standing: %w", err)
			}
		}
		for _, r := range run.Withdraw {
			if _, err := tx.ExecContext(ctx, `UPDATE tier_reviews SET status = $3, updated_at = $4, decided_at = $4, rationale = $5
				WHERE workspace_id = $1 AND id = $2 AND status = 'open'`, r.WorkspaceID, r.ID, r.Status, ms(r.UpdatedAt), r.Rationale); err != nil {
				return fmt.Errorf("withdraw tier review: %w", err)
			}
		}
		for _, r := range run.Update {
			ev, err := json.Marshal(r.Evidence)
			if err != nil {
				return fmt.Errorf("encode tier review evidence: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tier_reviews SET evidence = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2 AND status = 'open'`,
				r.WorkspaceID, r.ID, string(ev), ms(r.UpdatedAt)); err != nil {
				return fmt.Errorf("refresh tier review: %w", err)
			}
		}
		for _, r := range run.Create {
			var open int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tier_reviews WHERE workspace_id = $1 AND partner_id = $2 AND status = 'open'`,
				r.WorkspaceID, r.PartnerID).Scan(&open); err != nil {
				return fmt.Errorf("check open tier reviews: %w", err)
			}
			if open > 0 {
				skipped[r.PartnerID] = true
				continue
			}
			ev, err := json.Marshal(r.Evidence)
			if err != nil {
				return fmt.Errorf("encode tier review evidence: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tier_reviews (workspace_id, id, partner_id, direction, from_tier, to_tier, status, evidence, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, r.WorkspaceID, r.ID, r.PartnerID, string(r.Direction), r.FromTier, r.ToTier, r.Status,
				string(ev), ms(r.CreatedAt), ms(r.UpdatedAt)); err != nil {
				return fmt.Errorf("open tier review: %w", err)
			}
		}
		for _, e := range run.Audit {
			if e.Action == "tier_review.propose" && skipped[e.SubjectID] {
				continue
			}
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// DecideReview implements program.Store.
func (s Program) DecideReview(ctx context.Context, r program.Review, es []audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tier_reviews SET status = $3, updated_at = $4, decided_at = $4, decided_by = $5, decider_name = $6, rationale = $7
			WHERE workspace_id = $1 AND id = $2 AND status = 'open'`, r.WorkspaceID, r.ID, r.Status, ms(r.DecidedAt), r.DecidedBy, r.DeciderName, r.Rationale)
		if err != nil {
			return fmt.Errorf("decide tier review: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindConflict, "Someone decided on this proposal a moment ago; reload the page.")
		}
		if r.Status == program.Confirmed {
			res, err := tx.ExecContext(ctx, `UPDATE partners SET tier = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2 AND tier = $5`,
				r.WorkspaceID, r.PartnerID, r.ToTier, ms(r.DecidedAt), r.FromTier)
			if err != nil {
				return fmt.Errorf("change partner tier: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return tandem.Errorf(tandem.KindConflict, "The partner's tier changed since this proposal was made, so it was not applied; the next review proposes afresh.")
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM tier_standings WHERE workspace_id = $1 AND partner_id = $2`, r.WorkspaceID, r.PartnerID); err != nil {
				return fmt.Errorf("reset tier standing: %w", err)
			}
		}
		for _, e := range es {
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// CertificationsTracked implements program.Store.
func (s Program) CertificationsTracked(ctx context.Context, workspaceID string) (bool, error) {
	var n int
	if err := s.DB.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM certification_definitions WHERE workspace_id = $1`, workspaceID).Scan(&n); err != nil {
		return false, fmt.Errorf("count certification definitions: %w", err)
	}
	return n > 0, nil
}
