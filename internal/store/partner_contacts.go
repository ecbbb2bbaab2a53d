package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Partner contacts are rows of contacts with partner_id set (and no account). Their
// portal status is read from the partner's user with the same email, if any.

const partnerContactCols = `c.id, c.partner_id, c.name, c.email, c.phone, c.title, c.partner_role, COALESCE(u.status, ''), c.created_at, c.updated_at, c.version`

const partnerContactFrom = ` FROM contacts c LEFT JOIN users u ON u.workspace_id = c.workspace_id AND u.partner_id = c.partner_id
	AND u.email = c.email AND c.email <> ''`

func scanPartnerContact(row interface{ Scan(...any) error }, workspaceID string) (partner.Contact, error) {
	c := partner.Contact{WorkspaceID: workspaceID}
	var role string
	var cr, up int64
	if err := row.Scan(&c.ID, &c.PartnerID, &c.Name, &c.Email, &c.Phone, &c.Title, &role, &c.PortalStatus, &cr, &up, &c.Version); err != nil {
		return c, err
	}
	c.Role, c.CreatedAt, c.UpdatedAt = partner.Role(role), fromMS(cr), fromMS(up)
	return c, nil
}

// PartnerContacts adapts the store to partner.ContactStore.
type PartnerContacts struct{ DB *DB }

func (s PartnerContacts) query(ctx context.Context, where string, args ...any) ([]partner.Contact, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+partnerContactCols+partnerContactFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read partner contacts: %w", err)
	}
	defer rows.Close()
	var out []partner.Contact
	for rows.Next() {
		c, err := scanPartnerContact(rows, args[0].(string))
		if err != nil {
			return nil, fmt.Errorf("read partner contacts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PartnerContacts implements partner.ContactStore.
func (s PartnerContacts) PartnerContacts(ctx context.Context, workspaceID, partnerID string) ([]partner.Contact, error) {
	return s.query(ctx, `c.workspace_id = $1 AND c.partner_id = $2 ORDER BY c.name, c.id`, workspaceID, partnerID)
}

// AllPartnerContacts implements partner.ContactStore.
func (s PartnerContacts) AllPartnerContacts(ctx context.Context, workspaceID, partnerID string) ([]partner.Contact, error) {
	if partnerID != "" {
		return s.PartnerContacts(ctx, workspaceID, partnerID)
	}
	return s.query(ctx, `c.workspace_id = $1 AND c.partner_id IS NOT NULL ORDER BY c.partner_id, c.name, c.id`, workspaceID)
}

// PartnerContact implements partner.ContactStore.
func (s PartnerContacts) PartnerContact(ctx context.Context, workspaceID, partnerID, id string) (partner.Contact, error) {
	c, err := scanPartnerContact(s.DB.read.QueryRowContext(ctx, `SELECT `+partnerContactCols+partnerContactFrom+`
		WHERE c.workspace_id = $1 AND c.partner_id = $2 AND c.id = $3`, workspaceID, partnerID, id), workspaceID)
	if err != nil {
		return c, notFound(err, "That contact")
	}
	return c, nil
}

func insertPartnerContact(ctx context.Context, q Querier, c partner.Contact) error {
	_, err := q.ExecContext(ctx, `INSERT INTO contacts (workspace_id, id, account_id, partner_id, name, email, phone, title, partner_role, created_at, updated_at, version)
		VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.WorkspaceID, c.ID, c.PartnerID, c.Name, c.Email, c.Phone, c.Title, string(c.Role), ms(c.CreatedAt), ms(c.UpdatedAt), c.Version)
	if err != nil {
		return conflictOr(fmt.Errorf("create partner contact: %w", err), "a contact with this id already exists")
	}
	return nil
}

// SavePartnerContact implements partner.ContactStore.
func (s PartnerContacts) SavePartnerContact(ctx context.Context, c partner.Contact, expected int, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if expected == 0 {
			if err := insertPartnerContact(ctx, tx, c); err != nil {
				return err
			}
		} else {
			r, err := tx.ExecContext(ctx, `UPDATE contacts SET name = $4, email = $5, phone = $6, title = $7, partner_role = $8, updated_at = $9, version = $10
				WHERE workspace_id = $1 AND partner_id = $2 AND id = $3 AND version = $11`,
				c.WorkspaceID, c.PartnerID, c.ID, c.Name, c.Email, c.Phone, c.Title, string(c.Role), ms(c.UpdatedAt), c.Version, expected)
			if err != nil {
				return fmt.Errorf("update partner contact: %w", err)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return tandem.Errorf(tandem.KindConflict, "Someone else changed this contact a moment ago; reload it and try again.")
			}
		}
		return insertAudit(ctx, tx, e)
	})
}

// CreatePartnerContacts implements partner.ContactStore.
func (s PartnerContacts) CreatePartnerContacts(ctx context.Context, cs []partner.Contact, es []audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for i, c := range cs {
			if err := insertPartnerContact(ctx, tx, c); err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, es[i]); err != nil {
				return err
			}
		}
		return nil
	})
}
