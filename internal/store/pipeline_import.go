package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
)

// Imports and exports of accounts and contacts (pipeline.ImportStore): lookups in
// batches before the write, then one transaction of multi-row inserts.

var _ pipeline.ImportStore = Pipeline{}

// importBatch is how many records are inserted between two progress reports.
const importBatch = 5000

// lookupBatch bounds the values of one IN list.
const lookupBatch = 2000

// marks returns n placeholders numbered from first: ? on SQLite (see insertRows for
// why), $N on PostgreSQL.
func (db *DB) marks(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if db.dialect == SQLite {
			b.WriteByte('?')
		} else {
			fmt.Fprintf(&b, "$%d", first+i)
		}
	}
	return b.String()
}

// lookupIn runs query (whose two %s are the workspace placeholder and the IN list)
// for values in batches, calling scan for every row.
func (db *DB) lookupIn(ctx context.Context, query, workspaceID string, values []string, scan func(*sql.Rows) error) error {
	for start := 0; start < len(values); start += lookupBatch {
		chunk := values[start:min(start+lookupBatch, len(values))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, workspaceID)
		for _, v := range chunk {
			args = append(args, v)
		}
		q := fmt.Sprintf(query, db.marks(1, 1), db.marks(2, len(chunk)))
		rows, err := db.read.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) existing(ctx context.Context, table, extra, workspaceID string, ids []string) (map[string]bool, error) {
	out := make(map[string]bool)
	err := db.lookupIn(ctx, `SELECT id FROM `+table+` WHERE workspace_id = %s AND id IN (%s)`+extra, workspaceID, ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", table, err)
	}
	return out, nil
}

// ExistingAccountIDs implements pipeline.ImportStore.
func (s Pipeline) ExistingAccountIDs(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error) {
	return s.DB.existing(ctx, "accounts", "", workspaceID, ids)
}

// ExistingContactIDs implements pipeline.ImportStore: contacts of accounts and of
// partners share one id space.
func (s Pipeline) ExistingContactIDs(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error) {
	return s.DB.existing(ctx, "contacts", "", workspaceID, ids)
}

// InternalUserIDs implements pipeline.ImportStore.
func (s Pipeline) InternalUserIDs(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error) {
	return s.DB.existing(ctx, "users", " AND partner_id IS NULL", workspaceID, ids)
}

// AccountsByDomain implements pipeline.ImportStore (accounts_by_domain serves it).
func (s Pipeline) AccountsByDomain(ctx context.Context, workspaceID string, domains []string) (map[string][]string, error) {
	out := make(map[string][]string)
	err := s.DB.lookupIn(ctx, `SELECT domain, id FROM accounts WHERE workspace_id = %s AND domain IN (%s) ORDER BY domain, id`, workspaceID, domains, func(rows *sql.Rows) error {
		var d, id string
		if err := rows.Scan(&d, &id); err != nil {
			return err
		}
		if len(out[d]) < 2 {
			out[d] = append(out[d], id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up account domains: %w", err)
	}
	return out, nil
}

// importRows inserts rows into table in batches inside one transaction with the
// audit entry, reporting progress after each batch.
func (db *DB) importRows(ctx context.Context, table, cols string, rows [][]any, e audit.Entry, progress func(int)) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(rows); start += importBatch {
			end := min(start+importBatch, len(rows))
			if err := db.insertRows(ctx, tx, table, cols, rows[start:end]); err != nil {
				return conflictOr(fmt.Errorf("import %s: %w", table, err), "a record with one of these ids already exists; nothing was imported")
			}
			if progress != nil {
				progress(end)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, e)
	})
}

// ImportAccounts implements pipeline.ImportStore.
func (s Pipeline) ImportAccounts(ctx context.Context, as []pipeline.Account, e audit.Entry, progress func(int)) error {
	rows := make([][]any, len(as))
	for i, a := range as {
		rows[i] = []any{a.WorkspaceID, a.ID, a.Name, a.Domain, a.Country, a.Industry, a.OwnerUserID, a.IncumbentPartnerID, ms(a.CreatedAt), ms(a.UpdatedAt), a.Version}
	}
	return s.DB.importRows(ctx, "accounts", "workspace_id, "+accountCols, rows, e, progress)
}

// ImportContacts implements pipeline.ImportStore.
func (s Pipeline) ImportContacts(ctx context.Context, cs []pipeline.Contact, e audit.Entry, progress func(int)) error {
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.WorkspaceID, c.ID, nullable(c.AccountID), nullable(c.PartnerID), c.Name, c.Email, c.Title, ms(c.CreatedAt), ms(c.UpdatedAt), c.Version}
	}
	return s.DB.importRows(ctx, "contacts", "workspace_id, id, account_id, partner_id, name, email, title, created_at, updated_at, version", rows, e, progress)
}

// ExportContacts implements pipeline.ImportStore.
func (s Pipeline) ExportContacts(ctx context.Context, workspaceID string, f pipeline.ContactExportFilter, after string, limit int) ([]pipeline.ContactRow, bool, error) {
	var w sqlWhere
	w.add("c.workspace_id = ?", workspaceID)
	w.add("c.id > ?", after)
	switch f.Of {
	case "accounts":
		w.conds = append(w.conds, "c.account_id IS NOT NULL")
	case "partners":
		w.conds = append(w.conds, "c.partner_id IS NOT NULL")
	}
	if f.AccountID != "" {
		w.add("c.account_id = ?", f.AccountID)
	}
	if f.PartnerID != "" {
		w.add("c.partner_id = ?", f.PartnerID)
	}
	if f.Query != "" {
		w.like(s.DB.dialect, f.Query, "c.name", "c.email")
	}
	q := `SELECT c.id, COALESCE(c.account_id, ''), COALESCE(c.partner_id, ''), c.name, c.email, c.title, c.created_at, c.updated_at, c.version,
		COALESCE(a.domain, '') FROM contacts c LEFT JOIN accounts a ON a.workspace_id = c.workspace_id AND a.id = c.account_id
		WHERE ` + w.sql() + ` ORDER BY c.id` + w.page(limit)
	rows, err := s.DB.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, false, fmt.Errorf("export contacts: %w", err)
	}
	defer rows.Close()
	var out []pipeline.ContactRow
	for rows.Next() {
		r := pipeline.ContactRow{Contact: pipeline.Contact{Contact: account.Contact{WorkspaceID: workspaceID}}}
		var c, u int64
		if err := rows.Scan(&r.ID, &r.AccountID, &r.PartnerID, &r.Name, &r.Email, &r.Title, &c, &u, &r.Version, &r.AccountDomain); err != nil {
			return nil, false, fmt.Errorf("export contacts: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = fromMS(c), fromMS(u)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("export contacts: %w", err)
	}
	out, more := trimPage(out, limit)
	return out, more, nil
}
