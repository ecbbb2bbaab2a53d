package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// ms converts a time to the stored form: whole milliseconds since 1970, UTC.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored time back.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// notFound wraps sql.ErrNoRows as a domain not-found error naming what was missing.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return tandem.Errorf(tandem.KindNotFound, "%s was not found", what)
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// conflictOr turns a unique violation into a domain conflict error with the message.
func conflictOr(err error, message string) error {
	if isUniqueViolation(err) {
		return &tandem.Error{Kind: tandem.KindConflict, Message: message, Err: err}
	}
	return err
}

// CreateWorkspace inserts w. A taken slug is a conflict.
func (db *DB) CreateWorkspace(ctx context.Context, q Querier, w workspace.Workspace) error {
	cal, err := json.Marshal(w.Calendar)
	if err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO workspaces (id, slug, name, time_zone, currency, calendar, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, w.ID, w.Slug, w.Name, w.TimeZone, w.Currency, string(cal), ms(w.CreatedAt), ms(w.UpdatedAt))
	if err != nil {
		return conflictOr(fmt.Errorf("create workspace: %w", err), fmt.Sprintf("a workspace with the slug %q already exists", w.Slug))
	}
	return nil
}

const workspaceColumns = `id, slug, name, time_zone, currency, calendar, created_at, updated_at`

func scanWorkspace(row interface{ Scan(...any) error }) (workspace.Workspace, error) {
	var w workspace.Workspace
	var c, u int64
	var cal string
	if err := row.Scan(&w.ID, &w.Slug, &w.Name, &w.TimeZone, &w.Currency, &cal, &c, &u); err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt = fromMS(c), fromMS(u)
	if cal != "" {
		if err := json.Unmarshal([]byte(cal), &w.Calendar); err != nil {
			return w, fmt.Errorf("stored calendar of workspace %s: %w", w.ID, err)
		}
	}
	w.Calendar.TimeZone = w.TimeZone
	return w, nil
}

// WorkspaceBySlug returns the workspace with the slug, or a not-found error.
func (db *DB) WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error) {
	w, err := scanWorkspace(db.read.QueryRowContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE slug = $1`, slug))
	if err != nil {
		return w, notFound(err, "workspace "+slug)
	}
	return w, nil
}

// WorkspaceByID returns the workspace with the id, or a not-found error.
func (db *DB) WorkspaceByID(ctx context.Context, id string) (workspace.Workspace, error) {
	w, err := scanWorkspace(db.read.QueryRowContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = $1`, id))
	if err != nil {
		return w, notFound(err, "workspace")
	}
	return w, nil
}

// UpdateWorkspaceSettings saves w's name, zone, currency and calendar with e.
func (db *DB) UpdateWorkspaceSettings(ctx context.Context, w workspace.Workspace, e audit.Entry) error {
	cal, err := json.Marshal(w.Calendar)
	if err != nil {
		return fmt.Errorf("update workspace: %w", err)
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET name = $2, time_zone = $3, currency = $4, calendar = $5, updated_at = $6 WHERE id = $1`,
			w.ID, w.Name, w.TimeZone, w.Currency, string(cal), ms(w.UpdatedAt)); err != nil {
			return fmt.Errorf("update workspace: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// CountWorkspaces returns how many workspaces exist; zero means a fresh database.
func (db *DB) CountWorkspaces(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM workspaces`).Scan(&n)
	return n, err
}

// CreatePartner inserts p and its motions.
func (db *DB) CreatePartner(ctx context.Context, q Querier, p partner.Partner) error {
	_, err := q.ExecContext(ctx, `INSERT INTO partners (workspace_id, id, name, domain, tier, region, lifecycle, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.WorkspaceID, p.ID, p.Name, p.Domain, p.Tier, p.Region, string(p.Lifecycle), ms(p.CreatedAt), ms(p.UpdatedAt))
	if err != nil {
		return conflictOr(fmt.Errorf("create partner: %w", err), "a partner with this id already exists")
	}
	for _, m := range p.Motions {
		if _, err := q.ExecContext(ctx, `INSERT INTO partner_motions (workspace_id, partner_id, motion) VALUES ($1, $2, $3)`,
			p.WorkspaceID, p.ID, string(m)); err != nil {
			return fmt.Errorf("create partner motion: %w", err)
		}
	}
	return nil
}

// Page asks for one page of a keyset-paginated list: items with an id after After,
// at most Limit of them.
type Page struct {
	After string
	Limit int
}

// ListPartners returns one page of the workspace's partners matching f, oldest first,
// and whether more follow.
func (db *DB) ListPartners(ctx context.Context, workspaceID string, f partner.Filter, pg Page) ([]partner.Partner, bool, error) {
	where := []string{"p.workspace_id = $1", "p.id > $2"}
	args := []any{workspaceID, pg.After}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Tier != "" {
		add("p.tier = ?", f.Tier)
	}
	if f.Region != "" {
		add("p.region = ?", f.Region)
	}
	if f.Lifecycle != "" {
		add("p.lifecycle = ?", string(f.Lifecycle))
	}
	if f.Motion != "" {
		add("EXISTS (SELECT 1 FROM partner_motions m WHERE m.workspace_id = p.workspace_id AND m.partner_id = p.id AND m.motion = ?)", string(f.Motion))
	}
	if f.Query != "" {
		add("p.name "+db.dialect.likeOperator()+" ?", "%"+escapeLike(f.Query)+"%")
		where[len(where)-1] += ` ESCAPE '\'`
	}
	args = append(args, pg.Limit+1)
	query := `SELECT p.id, p.name, p.domain, p.tier, p.region, p.lifecycle, p.created_at, p.updated_at
		FROM partners p WHERE ` + strings.Join(where, " AND ") + fmt.Sprintf(` ORDER BY p.id LIMIT $%d`, len(args))
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	var out []partner.Partner
	for rows.Next() {
		p := partner.Partner{WorkspaceID: workspaceID}
		var lc string
		var c, u int64
		if err := rows.Scan(&p.ID, &p.Name, &p.Domain, &p.Tier, &p.Region, &lc, &c, &u); err != nil {
			return nil, false, fmt.Errorf("list partners: %w", err)
		}
		p.Lifecycle, p.CreatedAt, p.UpdatedAt = partner.Lifecycle(lc), fromMS(c), fromMS(u)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list partners: %w", err)
	}
	more := len(out) > pg.Limit
	if more {
		out = out[:pg.Limit]
	}
	if err := db.fillMotions(ctx, workspaceID, out); err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// fillMotions loads the motions of the given partners in one query.
func (db *DB) fillMotions(ctx context.Context, workspaceID string, ps []partner.Partner) error {
	if len(ps) == 0 {
		return nil
	}
	idx := make(map[string]int, len(ps))
	args := []any{workspaceID}
	marks := make([]string, len(ps))
	for i, p := range ps {
		idx[p.ID] = i
		args = append(args, p.ID)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT partner_id, motion FROM partner_motions
		WHERE workspace_id = $1 AND partner_id IN (`+strings.Join(marks, ",")+`) ORDER BY partner_id, motion`, args...)
	if err != nil {
		return fmt.Errorf("load partner motions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, m string
		if err := rows.Scan(&id, &m); err != nil {
			return fmt.Errorf("load partner motions: %w", err)
		}
		ps[idx[id]].Motions = append(ps[idx[id]].Motions, tandem.Motion(m))
	}
	return rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreateAccount inserts a.
func (db *DB) CreateAccount(ctx context.Context, q Querier, a account.Account) error {
	_, err := q.ExecContext(ctx, `INSERT INTO accounts (workspace_id, id, name, domain, country, industry, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.WorkspaceID, a.ID, a.Name, a.Domain, a.Country, a.Industry, ms(a.CreatedAt), ms(a.UpdatedAt))
	if err != nil {
		return conflictOr(fmt.Errorf("create account: %w", err), "an account with this id already exists")
	}
	return nil
}

// CreateContact inserts c.
func (db *DB) CreateContact(ctx context.Context, q Querier, c account.Contact) error {
	_, err := q.ExecContext(ctx, `INSERT INTO contacts (workspace_id, id, account_id, partner_id, name, email, title, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.WorkspaceID, c.ID, nullable(c.AccountID), nullable(c.PartnerID), c.Name, c.Email, c.Title, ms(c.CreatedAt))
	if err != nil {
		return conflictOr(fmt.Errorf("create contact: %w", err), "a contact with this id already exists")
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Counts holds the number of records of each kind in a workspace.
type Counts struct {
	Partners, Accounts, Contacts int
	// Waiting counts registrations waiting for a decision; Overdue those of them past
	// their review deadline now.
	Waiting, Overdue int
	// Conflicts counts conflict cases not resolved yet.
	Conflicts int
}

// CountRecords returns how many partners, accounts and contacts the workspace holds,
// how many registrations wait for a decision (and how many of those are overdue), and
// how many conflict cases are open.
func (db *DB) CountRecords(ctx context.Context, workspaceID string) (Counts, error) {
	var c Counts
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM partners WHERE workspace_id = $1),
		(SELECT count(*) FROM accounts WHERE workspace_id = $1),
		(SELECT count(*) FROM contacts WHERE workspace_id = $1),
		(SELECT count(*) FROM registrations WHERE workspace_id = $1 AND status IN ('pending', 'appealed')),
		(SELECT count(*) FROM registrations WHERE workspace_id = $1 AND status IN ('pending', 'appealed') AND review_due_at <= $2),
		(SELECT count(*) FROM conflict_cases WHERE workspace_id = $1 AND status <> 'resolved')`,
		workspaceID, ms(time.Now())).Scan(&c.Partners, &c.Accounts, &c.Contacts, &c.Waiting, &c.Overdue, &c.Conflicts)
	if err != nil {
		return c, fmt.Errorf("count records: %w", err)
	}
	return c, nil
}

// Partners adapts the store to partner.Store.
type Partners struct{ DB *DB }

// CreatePartner implements partner.Store.
func (s Partners) CreatePartner(ctx context.Context, p partner.Partner, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.DB.CreatePartner(ctx, tx, p); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}

// CreatePartners implements partner.ImportStore: every partner and audit entry in
// one transaction, so an import is all there or not there.
func (s Partners) CreatePartners(ctx context.Context, ps []partner.Partner, es []audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for i, p := range ps {
			if err := s.DB.CreatePartner(ctx, tx, p); err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, es[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// PartnerByID implements partner.Store.
func (s Partners) PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error) {
	p := partner.Partner{WorkspaceID: workspaceID}
	var lc string
	var c, u int64
	err := s.DB.read.QueryRowContext(ctx, `SELECT id, name, domain, tier, region, lifecycle, created_at, updated_at
		FROM partners WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&p.ID, &p.Name, &p.Domain, &p.Tier, &p.Region, &lc, &c, &u)
	if err != nil {
		return p, notFound(err, "that partner")
	}
	p.Lifecycle, p.CreatedAt, p.UpdatedAt = partner.Lifecycle(lc), fromMS(c), fromMS(u)
	ps := []partner.Partner{p}
	if err := s.DB.fillMotions(ctx, workspaceID, ps); err != nil {
		return p, err
	}
	return ps[0], nil
}

// UpdatePartner implements partner.Store.
func (s Partners) UpdatePartner(ctx context.Context, p partner.Partner, expected time.Time, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partners SET name = $3, domain = $4, tier = $5, region = $6, lifecycle = $7, updated_at = $8
			WHERE workspace_id = $1 AND id = $2 AND updated_at = $9`,
			p.WorkspaceID, p.ID, p.Name, p.Domain, p.Tier, p.Region, string(p.Lifecycle), ms(p.UpdatedAt), ms(expected))
		if err != nil {
			return fmt.Errorf("update partner: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindConflict, "Someone else changed this partner a moment ago; reload it and try again.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM partner_motions WHERE workspace_id = $1 AND partner_id = $2`, p.WorkspaceID, p.ID); err != nil {
			return fmt.Errorf("update partner motions: %w", err)
		}
		for _, m := range p.Motions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partner_motions (workspace_id, partner_id, motion) VALUES ($1, $2, $3)`, p.WorkspaceID, p.ID, string(m)); err != nil {
				return fmt.Errorf("update partner motions: %w", err)
			}
		}
		return insertAudit(ctx, tx, e)
	})
}

// ListPartners implements partner.Store.
func (s Partners) ListPartners(ctx context.Context, workspaceID string, f partner.Filter, after string, limit int) ([]partner.Partner, bool, error) {
	return s.DB.ListPartners(ctx, workspaceID, f, Page{After: after, Limit: limit})
}
