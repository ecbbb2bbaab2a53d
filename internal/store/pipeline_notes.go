package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Workspace implements pipeline.Store.
func (s Pipeline) Workspace(ctx context.Context, workspaceID string) (pipeline.WorkspaceInfo, error) {
	var w pipeline.WorkspaceInfo
	var raw string
	err := s.DB.read.QueryRowContext(ctx, `SELECT id, name, slug, pipeline_settings, time_zone FROM workspaces WHERE id = $1`, workspaceID).
		Scan(&w.ID, &w.Name, &w.Slug, &raw, &w.TimeZone)
	if err != nil {
		return w, notFound(err, "The workspace")
	}
	if raw != "" {
		w.PipelineSettings = []byte(raw)
	}
	return w, nil
}

// SavePipelineSettings implements pipeline.Store.
func (s Pipeline) SavePipelineSettings(ctx context.Context, workspaceID string, raw []byte, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET pipeline_settings = $2 WHERE id = $1`, workspaceID, string(raw)); err != nil {
			return fmt.Errorf("save pipeline settings: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

func (s Pipeline) people(ctx context.Context, q string, args ...any) ([]pipeline.Person, error) {
	rows, err := s.DB.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("look up people: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Person
	for rows.Next() {
		var p pipeline.Person
		if err := rows.Scan(&p.UserID, &p.Name, &p.Email); err != nil {
			return nil, fmt.Errorf("look up people: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// People implements pipeline.Store.
func (s Pipeline) People(ctx context.Context, workspaceID string, ids []string) ([]pipeline.Person, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{workspaceID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	return s.people(ctx, `SELECT id, name, email FROM users WHERE workspace_id = $1 AND status <> 'deactivated'
		AND id IN (`+strings.Join(marks, ",")+`) ORDER BY id`, args...)
}

// Admins implements pipeline.Store.
func (s Pipeline) Admins(ctx context.Context, workspaceID string) ([]pipeline.Person, error) {
	return s.people(ctx, `SELECT id, name, email FROM users WHERE workspace_id = $1 AND partner_id IS NULL
		AND status <> 'deactivated' AND role = $2 ORDER BY id`, workspaceID, string(tandem.RoleAdmin))
}

// Approvers implements pipeline.Store.
func (s Pipeline) Approvers(ctx context.Context, workspaceID string) ([]pipeline.Person, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, email, role FROM users WHERE workspace_id = $1 AND partner_id IS NULL
		AND status <> 'deactivated' AND role IN ($2, $3) ORDER BY id`, workspaceID, string(tandem.RoleAdmin), string(tandem.RolePartnerManager))
	if err != nil {
		return nil, fmt.Errorf("list approvers: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Person
	for rows.Next() {
		var p pipeline.Person
		var role string
		if err := rows.Scan(&p.UserID, &p.Name, &p.Email, &role); err != nil {
			return nil, fmt.Errorf("list approvers: %w", err)
		}
		p.Role = tandem.Role(role)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PartnerTier implements pipeline.Store.
func (s Pipeline) PartnerTier(ctx context.Context, workspaceID, partnerID string) (string, error) {
	var tier string
	if err := s.DB.read.QueryRowContext(ctx, `SELECT tier FROM partners WHERE workspace_id = $1 AND id = $2`, workspaceID, partnerID).Scan(&tier); err != nil {
		return "", notFound(err, "That partner")
	}
	return tier, nil
}

// ListNotes implements pipeline.Store.
func (s Pipeline) ListNotes(ctx context.Context, workspaceID, opportunityID string, f pipeline.NoteFilter) ([]pipeline.Note, error) {
	w := sharedOn(workspaceID, opportunityID, f)
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, visibility, kind, body, author_id, author_name, author_side, partner_id,
		follow_up_due_at, created_at FROM opportunity_notes WHERE `+w.sql()+` ORDER BY created_at DESC, id DESC LIMIT 500`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Note
	for rows.Next() {
		n := pipeline.Note{WorkspaceID: workspaceID, OpportunityID: opportunityID}
		var vis, kind string
		var due sql.NullInt64
		var c int64
		if err := rows.Scan(&n.ID, &vis, &kind, &n.Body, &n.AuthorID, &n.AuthorName, &n.AuthorSide, &n.PartnerID, &due, &c); err != nil {
			return nil, fmt.Errorf("list notes: %w", err)
		}
		n.Visibility, n.Kind, n.FollowUpDueAt, n.CreatedAt = pipeline.Visibility(vis), pipeline.NoteKind(kind), fromNullMS(due), fromMS(c)
		out = append(out, n)
	}
	return out, rows.Err()
}

// sharedOn is the condition for what f lets through of what is written on one
// opportunity (notes, attachments); the SQL form of pipeline.NoteFilter.Lets.
func sharedOn(workspaceID, opportunityID string, f pipeline.NoteFilter) sqlWhere {
	var w sqlWhere
	w.add("workspace_id = ?", workspaceID)
	w.add("opportunity_id = ?", opportunityID)
	if f.SharedOnly {
		w.add("visibility = ?", string(pipeline.Shared))
		if f.PartnerID != "" {
			w.add("(partner_id = '' OR partner_id = ?)", f.PartnerID)
		}
	}
	return w
}

// SaveNote implements pipeline.Store: the note, the opportunity's last activity and
// follow-up deadline, the audit entry and, for a new deadline, its timer job.
func (s Pipeline) SaveNote(ctx context.Context, w pipeline.NoteWrite) error {
	n := w.Note
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_notes (workspace_id, id, opportunity_id, visibility, kind, body,
			author_id, author_name, author_side, partner_id, follow_up_due_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
			n.WorkspaceID, n.ID, n.OpportunityID, string(n.Visibility), string(n.Kind), n.Body, n.AuthorID, n.AuthorName, n.AuthorSide,
			n.PartnerID, nullMS(n.FollowUpDueAt), ms(n.CreatedAt)); err != nil {
			return conflictOr(fmt.Errorf("save note: %w", err), "a note with this id already exists")
		}
		q := `UPDATE opportunities SET last_activity_at = $3 WHERE workspace_id = $1 AND id = $2`
		args := []any{n.WorkspaceID, n.OpportunityID, ms(w.LastActivityAt)}
		if w.SetFollowUp {
			q = `UPDATE opportunities SET last_activity_at = $3, follow_up_due_at = $4, follow_up_overdue_at = NULL WHERE workspace_id = $1 AND id = $2`
			args = append(args, nullMS(w.FollowUpDueAt))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("save note: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return tandem.Errorf(tandem.KindNotFound, "That opportunity does not exist.")
		}
		if err := insertAudit(ctx, tx, w.Audit); err != nil {
			return err
		}
		if w.SetFollowUp && !w.FollowUpDueAt.IsZero() {
			args := pipeline.FollowUpArgs{WorkspaceID: n.WorkspaceID, OpportunityID: n.OpportunityID, DueMS: w.FollowUpDueAt.UnixMilli()}
			if err := s.DB.enqueue(ctx, tx, args, &river.InsertOpts{ScheduledAt: w.FollowUpDueAt, MaxAttempts: 10}); err != nil {
				return fmt.Errorf("schedule the follow-up check: %w", err)
			}
		}
		return nil
	})
}

// writeEffects saves what a pipeline timer tells people, with the jobs that send
// its emails, in tx.
func (s Pipeline) writeEffects(ctx context.Context, tx *sql.Tx, fx pipeline.Effects) error {
	for _, e := range fx.Audit {
		if err := insertAudit(ctx, tx, e); err != nil {
			return err
		}
	}
	for _, n := range fx.Notifications {
		if err := insertNotification(ctx, tx, n); err != nil {
			return err
		}
	}
	jobs, err := s.DB.storeMessages(ctx, tx, fx.Messages)
	if err != nil {
		return err
	}
	return s.DB.enqueueMany(ctx, tx, jobs)
}

// FlagFollowUp implements pipeline.Store.
func (s Pipeline) FlagFollowUp(ctx context.Context, f pipeline.FollowUpFlag) (bool, error) {
	done := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE opportunities SET follow_up_overdue_at = $3
			WHERE workspace_id = $1 AND id = $2 AND follow_up_due_at = $4 AND follow_up_overdue_at IS NULL`,
			f.WorkspaceID, f.OpportunityID, ms(f.At), ms(f.DueAt))
		if err != nil {
			return fmt.Errorf("flag follow-up: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return nil // written or rescheduled meanwhile
		}
		done = true
		return s.writeEffects(ctx, tx, f.Effects)
	})
	return done, err
}

// DueFollowUps implements pipeline.FollowUpSource across every workspace.
func (s Pipeline) DueFollowUps(ctx context.Context, before time.Time, limit int) ([]pipeline.FollowUpArgs, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT workspace_id, id, follow_up_due_at FROM opportunities
		WHERE follow_up_due_at IS NOT NULL AND follow_up_due_at <= $1 AND follow_up_overdue_at IS NULL ORDER BY follow_up_due_at LIMIT $2`, ms(before), limit)
	if err != nil {
		return nil, fmt.Errorf("due follow-ups: %w", err)
	}
	defer rows.Close()
	var out []pipeline.FollowUpArgs
	for rows.Next() {
		var a pipeline.FollowUpArgs
		if err := rows.Scan(&a.WorkspaceID, &a.OpportunityID, &a.DueMS); err != nil {
			return nil, fmt.Errorf("due follow-ups: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
