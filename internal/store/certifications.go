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
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Certifications adapts the store to certification.Store.
type Certifications struct{ DB *DB }

var _ certification.Store = Certifications{}

// Workspace implements certification.Store.
func (s Certifications) Workspace(ctx context.Context, workspaceID string) (workspace.Workspace, error) {
	return s.DB.WorkspaceByID(ctx, workspaceID)
}

// Catalogue implements certification.Store.
func (s Certifications) Catalogue(ctx context.Context, workspaceID string) ([]certification.Definition, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT cert_key, name, validity_months, motion, product, retired, created_at, updated_at
		FROM certification_definitions WHERE workspace_id = $1 ORDER BY name, cert_key`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("read the certification catalogue: %w", err)
	}
	defer rows.Close()
	var out []certification.Definition
	for rows.Next() {
		d := certification.Definition{WorkspaceID: workspaceID}
		var motion string
		var retired int
		var c, u int64
		if err := rows.Scan(&d.Key, &d.Name, &d.ValidityMonths, &motion, &d.Product, &retired, &c, &u); err != nil {
			return nil, fmt.Errorf("read the certification catalogue: %w", err)
		}
		d.Motion, d.Retired, d.CreatedAt, d.UpdatedAt = tandem.Motion(motion), retired != 0, fromMS(c), fromMS(u)
		out = append(out, d)
	}
	return out, rows.Err()
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateDefinition implements certification.Store.
func (s Certifications) CreateDefinition(ctx context.Context, d certification.Definition, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO certification_definitions (workspace_id, cert_key, name, validity_months, motion, product, retired, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, d.WorkspaceID, d.Key, d.Name, d.ValidityMonths, string(d.Motion), d.Product, flag(d.Retired), ms(d.CreatedAt), ms(d.UpdatedAt))
		if isUniqueViolation(err) {
			return tandem.Invalid("The certification is not valid.", tandem.FieldError{Path: "key", Detail: fmt.Sprintf("%q is already in the catalogue", d.Key)})
		}
		if err != nil {
			return fmt.Errorf("add certification %s: %w", d.Key, err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// UpdateDefinition implements certification.Store.
func (s Certifications) UpdateDefinition(ctx context.Context, d certification.Definition, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certification_definitions SET name = $3, validity_months = $4, motion = $5, product = $6, retired = $7, updated_at = $8
			WHERE workspace_id = $1 AND cert_key = $2`, d.WorkspaceID, d.Key, d.Name, d.ValidityMonths, string(d.Motion), d.Product, flag(d.Retired), ms(d.UpdatedAt))
		if err != nil {
			return fmt.Errorf("change certification %s: %w", d.Key, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindNotFound, "The certification %q is not in the catalogue.", d.Key)
		}
		return insertAudit(ctx, tx, e)
	})
}

// PartnerName implements certification.Store.
func (s Certifications) PartnerName(ctx context.Context, workspaceID, partnerID string) (string, error) {
	var name string
	err := s.DB.read.QueryRowContext(ctx, `SELECT name FROM partners WHERE workspace_id = $1 AND id = $2`, workspaceID, partnerID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", tandem.Errorf(tandem.KindNotFound, "Partner not found.")
	}
	if err != nil {
		return "", fmt.Errorf("read partner %s: %w", partnerID, err)
	}
	return name, nil
}

// PartnerContactName implements certification.Store.
func (s Certifications) PartnerContactName(ctx context.Context, workspaceID, partnerID, contactID string) (string, error) {
	var name string
	err := s.DB.read.QueryRowContext(ctx, `SELECT name FROM contacts WHERE workspace_id = $1 AND partner_id = $2 AND id = $3`,
		workspaceID, partnerID, contactID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", tandem.Errorf(tandem.KindNotFound, "Contact not found.")
	}
	if err != nil {
		return "", fmt.Errorf("read partner contact %s: %w", contactID, err)
	}
	return name, nil
}

const heldCols = `c.id, c.partner_id, c.contact_id, c.cert_key, c.earned_on, c.expires_on, c.revoked_at, c.revoked_by, c.revoker_name,
	c.revoke_reason, c.recorded_by, c.recorder_name, c.evidence, c.reminded_until, c.created_at, COALESCE(d.name, c.cert_key), COALESCE(p.name, '')`

const heldFrom = ` FROM partner_certifications c
	LEFT JOIN certification_definitions d ON d.workspace_id = c.workspace_id AND d.cert_key = c.cert_key
	LEFT JOIN contacts p ON p.workspace_id = c.workspace_id AND p.id = c.contact_id AND c.contact_id <> ''`

func scanHeld(row interface{ Scan(...any) error }, workspaceID string) (certification.Held, error) {
	h := certification.Held{WorkspaceID: workspaceID}
	var earned, expires, reminded string
	var revoked sql.NullInt64
	var created int64
	if err := row.Scan(&h.ID, &h.PartnerID, &h.ContactID, &h.Key, &earned, &expires, &revoked, &h.RevokedBy, &h.RevokerName, &h.RevokeReason,
		&h.RecordedBy, &h.RecorderName, &h.Evidence, &reminded, &created, &h.Name, &h.HolderName); err != nil {
		return h, err
	}
	var err error
	if h.EarnedOn, err = certification.ParseDate(earned); err != nil {
		return h, fmt.Errorf("certification %s earned on %q: %w", h.ID, earned, err)
	}
	for _, d := range []struct {
		s  string
		to *time.Time
	}{{expires, &h.ExpiresOn}, {reminded, &h.RemindedUntil}} {
		if d.s == "" {
			continue
		}
		if *d.to, err = certification.ParseDate(d.s); err != nil {
			return h, fmt.Errorf("certification %s date %q: %w", h.ID, d.s, err)
		}
	}
	h.RevokedAt, h.CreatedAt = fromNullMS(revoked), fromMS(created)
	return h, nil
}

func (s Certifications) held(ctx context.Context, workspaceID, where string, args ...any) ([]certification.Held, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+heldCols+heldFrom+` WHERE c.workspace_id = $1 AND `+where, append([]any{workspaceID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read certifications: %w", err)
	}
	defer rows.Close()
	var out []certification.Held
	for rows.Next() {
		h, err := scanHeld(rows, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("read certifications: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// PartnerCertifications implements certification.Store.
func (s Certifications) PartnerCertifications(ctx context.Context, workspaceID, partnerID string) ([]certification.Held, error) {
	return s.held(ctx, workspaceID, `c.partner_id = $2 ORDER BY c.earned_on DESC, c.id DESC`, partnerID)
}

// Certification implements certification.Store.
func (s Certifications) Certification(ctx context.Context, workspaceID, id string) (certification.Held, error) {
	hs, err := s.held(ctx, workspaceID, `c.id = $2`, id)
	if err != nil {
		return certification.Held{}, err
	}
	if len(hs) == 0 {
		return certification.Held{}, tandem.Errorf(tandem.KindNotFound, "Certification not found.")
	}
	return hs[0], nil
}

// CurrentCertifications implements certification.Store. The dates compare as text:
// YYYY-MM-DD sorts as the calendar does.
func (s Certifications) CurrentCertifications(ctx context.Context, workspaceID string, partnerIDs []string, from time.Time) ([]certification.Held, error) {
	day := certification.FormatDate(certification.Day(from))
	if partnerIDs == nil {
		return s.held(ctx, workspaceID, `c.revoked_at IS NULL AND (c.expires_on = '' OR c.expires_on > $2) ORDER BY c.id`, day)
	}
	ids, err := json.Marshal(partnerIDs)
	if err != nil {
		return nil, fmt.Errorf("encode partner ids: %w", err)
	}
	return s.held(ctx, workspaceID, `c.revoked_at IS NULL AND (c.expires_on = '' OR c.expires_on > $2) AND `+s.DB.dialect.inJSONList("c.partner_id", "$3")+` ORDER BY c.id`,
		day, string(ids))
}

// RecordCertification implements certification.Store.
func (s Certifications) RecordCertification(ctx context.Context, h certification.Held, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_certifications (workspace_id, id, partner_id, contact_id, cert_key, earned_on, expires_on,
			recorded_by, recorder_name, evidence, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			h.WorkspaceID, h.ID, h.PartnerID, h.ContactID, h.Key, certification.FormatDate(h.EarnedOn), certification.FormatDate(h.ExpiresOn),
			h.RecordedBy, h.RecorderName, h.Evidence, ms(h.CreatedAt)); err != nil {
			return fmt.Errorf("record certification: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// RevokeCertification implements certification.Store.
func (s Certifications) RevokeCertification(ctx context.Context, h certification.Held, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partner_certifications SET revoked_at = $3, revoked_by = $4, revoker_name = $5, revoke_reason = $6
			WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL`, h.WorkspaceID, h.ID, ms(h.RevokedAt), h.RevokedBy, h.RevokerName, h.RevokeReason)
		if err != nil {
			return fmt.Errorf("revoke certification: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindConflict, "Someone revoked this certification a moment ago; reload the page.")
		}
		return insertAudit(ctx, tx, e)
	})
}

// ReminderRecipients implements certification.Store: the partner's admins who have
// not been deactivated, and its partner manager when that person is an internal user
// still active.
func (s Certifications) ReminderRecipients(ctx context.Context, workspaceID, partnerID string) ([]certification.Person, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT u.id, u.name, u.email, 1 FROM users u
			WHERE u.workspace_id = $1 AND u.partner_id = $2 AND u.role = 'partner_admin' AND u.status <> 'deactivated'
		UNION ALL
		SELECT u.id, u.name, u.email, 0 FROM partners p JOIN users u ON u.workspace_id = p.workspace_id AND u.id = p.owner_user_id
			WHERE p.workspace_id = $1 AND p.id = $2 AND u.partner_id IS NULL AND u.status <> 'deactivated'
		ORDER BY 1`, workspaceID, partnerID)
	if err != nil {
		return nil, fmt.Errorf("list reminder recipients: %w", err)
	}
	defer rows.Close()
	var out []certification.Person
	for rows.Next() {
		var p certification.Person
		var side int
		if err := rows.Scan(&p.UserID, &p.Name, &p.Email, &side); err != nil {
			return nil, fmt.Errorf("list reminder recipients: %w", err)
		}
		p.Partner = side == 1
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveReminder implements certification.Store. The mark is set only where it was
// not set for this expiry, so two runs racing save one reminder.
func (s Certifications) SaveReminder(ctx context.Context, r certification.Reminder) (bool, error) {
	saved := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		until := certification.FormatDate(r.Held.RemindedUntil)
		res, err := tx.ExecContext(ctx, `UPDATE partner_certifications SET reminded_until = $3
			WHERE workspace_id = $1 AND id = $2 AND reminded_until <> $3 AND revoked_at IS NULL`, r.Held.WorkspaceID, r.Held.ID, until)
		if err != nil {
			return fmt.Errorf("mark certification reminded: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		for _, n := range r.Notifications {
			if err := insertNotification(ctx, tx, n); err != nil {
				return err
			}
		}
		jobs, err := s.DB.storeMessages(ctx, tx, r.Messages)
		if err != nil {
			return err
		}
		if err := s.DB.enqueueMany(ctx, tx, jobs); err != nil {
			return fmt.Errorf("queue certification reminder: %w", err)
		}
		if err := insertAudit(ctx, tx, r.Audit); err != nil {
			return err
		}
		saved = true
		return nil
	})
	return saved, err
}
