package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tandemprm/tandem/internal/application"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Applications adapts the store to application.Store.
type Applications struct{ DB *DB }

var _ application.Store = Applications{}

// WorkspaceBySlug implements application.Store.
func (s Applications) WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error) {
	return s.DB.WorkspaceBySlug(ctx, slug)
}

// WorkspaceByID implements application.Store.
func (s Applications) WorkspaceByID(ctx context.Context, id string) (workspace.Workspace, error) {
	return s.DB.WorkspaceByID(ctx, id)
}

// PartnerByID implements application.Store.
func (s Applications) PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error) {
	return Partners(s).PartnerByID(ctx, workspaceID, id)
}

// HasUser implements application.Store: anyone with the address counts except a
// deactivated person of the partner itself, whom an acceptance brings back.
func (s Applications) HasUser(ctx context.Context, workspaceID, email, partnerID string) (bool, error) {
	var n int
	if err := s.DB.read.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = $1 AND email = $2
		AND NOT (status = 'deactivated' AND partner_id IS NOT NULL AND partner_id = $3)`, workspaceID, email, partnerID).Scan(&n); err != nil {
		return false, fmt.Errorf("look up user: %w", err)
	}
	return n > 0, nil
}

// IsPartnerPerson implements application.Store.
func (s Applications) IsPartnerPerson(ctx context.Context, workspaceID, partnerID, email string) (bool, error) {
	var n int
	if err := s.DB.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users WHERE workspace_id = $1 AND partner_id = $2 AND email = $3)
		+ (SELECT count(*) FROM contacts WHERE workspace_id = $1 AND partner_id = $2 AND email = $3)`, workspaceID, partnerID, email).Scan(&n); err != nil {
		return false, fmt.Errorf("look up the partner's people: %w", err)
	}
	return n > 0, nil
}

const applicationColumns = `a.workspace_id, a.id, a.status, a.company, a.website, a.domain, a.contact_name, a.contact_email, a.motions, a.region, a.message,
	a.matched_partner_id, a.match_reason, a.submissions, a.partner_id, a.decided_at, a.decided_by, a.decider_name, a.reason, a.created_at, a.updated_at,
	COALESCE(p.name, '')`

const applicationFrom = ` FROM partner_applications a LEFT JOIN partners p ON p.workspace_id = a.workspace_id AND p.id = a.matched_partner_id`

func scanApplication(row interface{ Scan(...any) error }) (application.Application, error) {
	var a application.Application
	var motions string
	var d sql.NullInt64
	var c, u int64
	if err := row.Scan(&a.WorkspaceID, &a.ID, &a.Status, &a.Company, &a.Website, &a.Domain, &a.ContactName, &a.ContactEmail, &motions, &a.Region,
		&a.Message, &a.MatchedPartnerID, &a.MatchReason, &a.Submissions, &a.PartnerID, &d, &a.DecidedBy, &a.DeciderName, &a.Reason, &c, &u,
		&a.MatchedPartnerName); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(motions), &a.Motions); err != nil {
		return a, fmt.Errorf("application %s motions: %w", a.ID, err)
	}
	a.DecidedAt, a.CreatedAt, a.UpdatedAt = fromNullMS(d), fromMS(c), fromMS(u)
	return a, nil
}

// SubmitApplication implements application.Store.
func (s Applications) SubmitApplication(ctx context.Context, a application.Application, e audit.Entry) (application.Application, bool, error) {
	dup := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		// The same applicant again: one record, counted.
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM partner_applications WHERE workspace_id = $1 AND status = 'new'
			AND (contact_email = $2 OR ($3 <> '' AND domain = $3)) ORDER BY id LIMIT 1`, a.WorkspaceID, a.ContactEmail, a.Domain).Scan(&id)
		switch {
		case err == nil:
			dup = true
			if _, err := tx.ExecContext(ctx, `UPDATE partner_applications SET submissions = submissions + 1, updated_at = $3 WHERE workspace_id = $1 AND id = $2`,
				a.WorkspaceID, id, ms(a.UpdatedAt)); err != nil {
				return fmt.Errorf("count application: %w", err)
			}
			a.ID = id
			e.SubjectID, e.Action = id, "application.resubmit"
			return insertAudit(ctx, tx, e)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look for an earlier application: %w", err)
		}
		// An existing partner: one of its people has the address, or it has the domain.
		var pid, pname string
		err = tx.QueryRowContext(ctx, `SELECT p.id, p.name FROM users u JOIN partners p ON p.workspace_id = u.workspace_id AND p.id = u.partner_id
			WHERE u.workspace_id = $1 AND u.email = $2
			UNION ALL SELECT p.id, p.name FROM contacts c JOIN partners p ON p.workspace_id = c.workspace_id AND p.id = c.partner_id
			WHERE c.workspace_id = $1 AND c.email = $2 LIMIT 1`, a.WorkspaceID, a.ContactEmail).Scan(&pid, &pname)
		switch {
		case err == nil:
			a.MatchedPartnerID, a.MatchReason = pid, "The contact's email address belongs to a person of partner "+pname+"."
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("match application: %w", err)
		case a.Domain != "":
			err = tx.QueryRowContext(ctx, `SELECT id, name FROM partners WHERE workspace_id = $1 AND domain = $2 ORDER BY id LIMIT 1`, a.WorkspaceID, a.Domain).Scan(&pid, &pname)
			if err == nil {
				a.MatchedPartnerID, a.MatchReason = pid, "The web domain "+a.Domain+" is partner "+pname+"'s."
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("match application: %w", err)
			}
		}
		motions, err := json.Marshal(a.Motions)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_applications (workspace_id, id, status, company, website, domain, contact_name, contact_email,
			motions, region, message, matched_partner_id, match_reason, submissions, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`, a.WorkspaceID, a.ID, a.Status, a.Company, a.Website, a.Domain,
			a.ContactName, a.ContactEmail, string(motions), a.Region, a.Message, a.MatchedPartnerID, a.MatchReason, a.Submissions,
			ms(a.CreatedAt), ms(a.UpdatedAt)); err != nil {
			return fmt.Errorf("save application: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
	return a, dup, err
}

// Applications implements application.Store.
func (s Applications) Applications(ctx context.Context, workspaceID, status string, limit int) ([]application.Application, error) {
	q, args := ` WHERE a.workspace_id = $1 ORDER BY a.id DESC LIMIT $2`, []any{workspaceID, limit}
	if status != "" {
		q, args = ` WHERE a.workspace_id = $1 AND a.status = $2 ORDER BY a.id DESC LIMIT $3`, []any{workspaceID, status, limit}
	}
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+applicationColumns+applicationFrom+q, args...)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	var out []application.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Application implements application.Store.
func (s Applications) Application(ctx context.Context, workspaceID, id string) (application.Application, error) {
	a, err := scanApplication(s.DB.read.QueryRowContext(ctx, `SELECT `+applicationColumns+applicationFrom+` WHERE a.workspace_id = $1 AND a.id = $2`, workspaceID, id))
	if err != nil {
		return a, notFound(err, "application "+id)
	}
	return a, nil
}

func decideApplication(ctx context.Context, tx *sql.Tx, a application.Application) error {
	res, err := tx.ExecContext(ctx, `UPDATE partner_applications SET status = $3, partner_id = $4, decided_at = $5, decided_by = $6, decider_name = $7,
		reason = $8, updated_at = $5 WHERE workspace_id = $1 AND id = $2 AND status = 'new'`,
		a.WorkspaceID, a.ID, a.Status, a.PartnerID, ms(a.DecidedAt), a.DecidedBy, a.DeciderName, a.Reason)
	if err != nil {
		return fmt.Errorf("decide application: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return tandem.Errorf(tandem.KindConflict, "Someone decided on this application a moment ago; reload the page.")
	}
	return nil
}

// AcceptApplication implements application.Store.
func (s Applications) AcceptApplication(ctx context.Context, acc application.Acceptance) error {
	a := acc.Application
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := decideApplication(ctx, tx, a); err != nil {
			return err
		}
		if acc.NewPartner != nil {
			if err := s.DB.CreatePartner(ctx, tx, *acc.NewPartner); err != nil {
				return err
			}
			c := partner.Change{ID: tandem.NewID("plc", a.DecidedAt), PartnerID: acc.NewPartner.ID, To: acc.NewPartner.Lifecycle, At: a.DecidedAt,
				ActorID: a.DecidedBy, ActorName: a.DeciderName, Rationale: "Application " + a.ID + " accepted"}
			if err := insertLifecycleChange(ctx, tx, a.WorkspaceID, c); err != nil {
				return err
			}
		}
		if m := acc.Move; m != nil {
			res, err := tx.ExecContext(ctx, `UPDATE partners SET lifecycle = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2 AND lifecycle = $5`,
				a.WorkspaceID, m.PartnerID, string(m.To), ms(m.At), string(m.From))
			if err != nil {
				return fmt.Errorf("move partner to onboarding: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return tandem.Errorf(tandem.KindConflict, "The matched partner changed a moment ago; reload the page.")
			}
			if err := insertLifecycleChange(ctx, tx, a.WorkspaceID, *m); err != nil {
				return err
			}
		}
		if inv := acc.Invite; inv != nil {
			// A former person of the partner (deactivated when it was offboarded) is
			// invited again on their own account, so their history stays theirs.
			var formerID string
			err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE workspace_id = $1 AND email = $2 AND partner_id = $3 AND status = 'deactivated'`,
				a.WorkspaceID, inv.User.Email, inv.User.PartnerID).Scan(&formerID)
			switch {
			case err == nil:
				if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'invited', role = $3, name = $4, invited_by = $5, updated_at = $6
					WHERE workspace_id = $1 AND id = $2`, a.WorkspaceID, formerID, string(inv.User.Role), inv.User.Name, inv.User.InvitedBy, ms(inv.User.CreatedAt)); err != nil {
					return fmt.Errorf("invite former partner person again: %w", err)
				}
				inv.Link.UserID, inv.Audit.SubjectID = formerID, formerID
			case errors.Is(err, sql.ErrNoRows):
				if err := insertUser(ctx, tx, inv.User); err != nil {
					return err
				}
			default:
				return fmt.Errorf("look up former partner person: %w", err)
			}
			if err := insertLink(ctx, tx, inv.Link); err != nil {
				return err
			}
			if err := s.DB.queueMessage(ctx, tx, inv.Message); err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, inv.Audit); err != nil {
				return err
			}
		}
		for _, e := range acc.Audit {
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// RejectApplication implements application.Store.
func (s Applications) RejectApplication(ctx context.Context, a application.Application, m outbox.Message, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := decideApplication(ctx, tx, a); err != nil {
			return err
		}
		if err := s.DB.queueMessage(ctx, tx, m); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}
