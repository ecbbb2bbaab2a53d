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
