package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/pipeline"
)

const milestoneCols = `id, opportunity_id, milestone_key, title, owner_side, owner_user_id, owner_contact_id, owner_partner_id, owner_name,
	due_on, status, position, done_at, nudge_at, nudged_at, created_at, updated_at, version`

func scanMilestone(row interface{ Scan(...any) error }, workspaceID string) (pipeline.Milestone, error) {
	m := pipeline.Milestone{WorkspaceID: workspaceID}
	var status string
	var done, nudge, nudged sql.NullInt64
	var c, u int64
	err := row.Scan(&m.ID, &m.OpportunityID, &m.Key, &m.Title, &m.OwnerSide, &m.OwnerUserID, &m.OwnerContactID, &m.OwnerPartnerID, &m.OwnerName,
		&m.DueOn, &status, &m.Position, &done, &nudge, &nudged, &c, &u, &m.Version)
	m.Status, m.DoneAt, m.NudgeAt, m.NudgedAt = pipeline.MilestoneStatus(status), fromNullMS(done), fromNullMS(nudge), fromNullMS(nudged)
	m.CreatedAt, m.UpdatedAt = fromMS(c), fromMS(u)
	return m, err
}

// ListMilestones implements pipeline.Store.
func (s Pipeline) ListMilestones(ctx context.Context, workspaceID, opportunityID string) ([]pipeline.Milestone, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+milestoneCols+` FROM opportunity_milestones
		WHERE workspace_id = $1 AND opportunity_id = $2 ORDER BY position, id`, workspaceID, opportunityID)
	if err != nil {
		return nil, fmt.Errorf("list milestones: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Milestone
	for rows.Next() {
		m, err := scanMilestone(rows, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("list milestones: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MilestoneByID implements pipeline.Store.
func (s Pipeline) MilestoneByID(ctx context.Context, workspaceID, id string) (pipeline.Milestone, error) {
	m, err := scanMilestone(s.DB.read.QueryRowContext(ctx, `SELECT `+milestoneCols+` FROM opportunity_milestones
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id), workspaceID)
	if err != nil {
		return m, notFound(err, "That plan item")
	}
	return m, nil
}

// SavePlan implements pipeline.Store.
func (s Pipeline) SavePlan(ctx context.Context, w pipeline.PlanWrite) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var jobs []river.InsertManyParams
		for _, it := range w.Items {
			m := it.Milestone
			if it.Expected == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_milestones (workspace_id, `+milestoneCols+`)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
					w.WorkspaceID, m.ID, m.OpportunityID, m.Key, m.Title, m.OwnerSide, m.OwnerUserID, m.OwnerContactID, m.OwnerPartnerID, m.OwnerName,
					m.DueOn, string(m.Status), m.Position, nullMS(m.DoneAt), nullMS(m.NudgeAt), nullMS(m.NudgedAt), ms(m.CreatedAt), ms(m.UpdatedAt), m.Version); err != nil {
					return conflictOr(fmt.Errorf("add milestone: %w", err), "a plan item with this id already exists")
				}
			} else {
				res, err := tx.ExecContext(ctx, `UPDATE opportunity_milestones SET milestone_key = $3, title = $4, owner_side = $5, owner_user_id = $6,
					owner_contact_id = $7, owner_partner_id = $8, owner_name = $9, due_on = $10, status = $11, done_at = $12, nudge_at = $13,
					nudged_at = $14, updated_at = $15, version = $16 WHERE workspace_id = $1 AND id = $2 AND version = $17`,
					w.WorkspaceID, m.ID, m.Key, m.Title, m.OwnerSide, m.OwnerUserID, m.OwnerContactID, m.OwnerPartnerID, m.OwnerName, m.DueOn,
					string(m.Status), nullMS(m.DoneAt), nullMS(m.NudgeAt), nullMS(m.NudgedAt), ms(m.UpdatedAt), it.Expected+1, it.Expected)
				if err != nil {
					return fmt.Errorf("update milestone: %w", err)
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return staleRow("plan item")
				}
			}
			if !m.NudgeAt.IsZero() && m.NudgedAt.IsZero() {
				jobs = append(jobs, river.InsertManyParams{Args: pipeline.MilestoneArgs{WorkspaceID: w.WorkspaceID, MilestoneID: m.ID, WakeMS: m.NudgeAt.UnixMilli()},
					InsertOpts: &river.InsertOpts{ScheduledAt: m.NudgeAt, MaxAttempts: 10}})
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET last_activity_at = $3 WHERE workspace_id = $1 AND id = $2`,
			w.WorkspaceID, w.OpportunityID, ms(w.LastActivityAt)); err != nil {
			return fmt.Errorf("save plan: %w", err)
		}
		for _, e := range w.Audit {
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := s.DB.enqueueMany(ctx, tx, jobs); err != nil {
			return fmt.Errorf("schedule milestone nudges: %w", err)
		}
		return nil
	})
}

// FlagMilestone implements pipeline.Store.
func (s Pipeline) FlagMilestone(ctx context.Context, f pipeline.MilestoneFlag) (bool, error) {
	done := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE opportunity_milestones SET nudged_at = $3
			WHERE workspace_id = $1 AND id = $2 AND nudge_at = $4 AND nudged_at IS NULL AND status <> 'done'`,
			f.WorkspaceID, f.MilestoneID, ms(f.At), ms(f.Wake))
		if err != nil {
			return fmt.Errorf("flag milestone: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		done = true
		return s.writeEffects(ctx, tx, f.Effects)
	})
	return done, err
}

// DueMilestones implements pipeline.MilestoneSource across every workspace.
func (s Pipeline) DueMilestones(ctx context.Context, before time.Time, limit int) ([]pipeline.MilestoneArgs, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT workspace_id, id, nudge_at FROM opportunity_milestones
		WHERE nudge_at IS NOT NULL AND nudge_at <= $1 AND nudged_at IS NULL AND status <> 'done' ORDER BY nudge_at LIMIT $2`, ms(before), limit)
	if err != nil {
		return nil, fmt.Errorf("due milestones: %w", err)
	}
	defer rows.Close()
	var out []pipeline.MilestoneArgs
	for rows.Next() {
		var a pipeline.MilestoneArgs
		if err := rows.Scan(&a.WorkspaceID, &a.MilestoneID, &a.WakeMS); err != nil {
			return nil, fmt.Errorf("due milestones: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PartnerPerson implements pipeline.Store.
func (s Pipeline) PartnerPerson(ctx context.Context, workspaceID, userID string) (pipeline.Person, string, error) {
	var p pipeline.Person
	var partnerID string
	err := s.DB.read.QueryRowContext(ctx, `SELECT id, name, email, partner_id FROM users WHERE workspace_id = $1 AND id = $2
		AND partner_id IS NOT NULL AND status <> 'deactivated'`, workspaceID, userID).Scan(&p.UserID, &p.Name, &p.Email, &partnerID)
	if err != nil {
		return p, "", notFound(err, "That partner user")
	}
	return p, partnerID, nil
}

// PartnerContact implements pipeline.Store.
func (s Pipeline) PartnerContact(ctx context.Context, workspaceID, contactID string) (pipeline.Person, string, error) {
	var p pipeline.Person
	var partnerID string
	// An offboarded partner's people are out of the program: they own nothing new and
	// hear nothing more about the vendor's deals.
	err := s.DB.read.QueryRowContext(ctx, `SELECT c.name, c.email, c.partner_id FROM contacts c
		JOIN partners p ON p.workspace_id = c.workspace_id AND p.id = c.partner_id
		WHERE c.workspace_id = $1 AND c.id = $2 AND p.lifecycle <> 'offboarded'`, workspaceID, contactID).Scan(&p.Name, &p.Email, &partnerID)
	if err != nil {
		return p, "", notFound(err, "That partner contact")
	}
	return p, partnerID, nil
}

// StepRenewal implements pipeline.Store.
func (s Pipeline) StepRenewal(ctx context.Context, st pipeline.RenewalStep) (bool, error) {
	done := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE opportunities SET renewal_asked_at = $3, renewal_escalated_at = $4, renewal_wake_at = $5
			WHERE workspace_id = $1 AND id = $2 AND renewal_wake_at = $6 AND renewal_confirmed_at IS NULL`,
			st.WorkspaceID, st.OpportunityID, nullMS(st.AskedAt), nullMS(st.EscalatedAt), nullMS(st.Next), ms(st.Wake))
		if err != nil {
			return fmt.Errorf("renewal step: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		done = true
		if !st.Next.IsZero() {
			args := pipeline.RenewalArgs{WorkspaceID: st.WorkspaceID, OpportunityID: st.OpportunityID, WakeMS: st.Next.UnixMilli()}
			if err := s.DB.enqueue(ctx, tx, args, &river.InsertOpts{ScheduledAt: st.Next, MaxAttempts: 10}); err != nil {
				return fmt.Errorf("schedule the renewal check: %w", err)
			}
		}
		return s.writeEffects(ctx, tx, st.Effects)
	})
	return done, err
}

// DueRenewals implements pipeline.RenewalSource across every workspace.
func (s Pipeline) DueRenewals(ctx context.Context, before time.Time, limit int) ([]pipeline.RenewalArgs, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT workspace_id, id, renewal_wake_at FROM opportunities
		WHERE renewal_wake_at IS NOT NULL AND renewal_wake_at <= $1 AND renewal_confirmed_at IS NULL ORDER BY renewal_wake_at LIMIT $2`, ms(before), limit)
	if err != nil {
		return nil, fmt.Errorf("due renewals: %w", err)
	}
	defer rows.Close()
	var out []pipeline.RenewalArgs
	for rows.Next() {
		var a pipeline.RenewalArgs
		if err := rows.Scan(&a.WorkspaceID, &a.OpportunityID, &a.WakeMS); err != nil {
			return nil, fmt.Errorf("due renewals: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
