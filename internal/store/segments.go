package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Segments adapts the store to partner.SegmentStore.
type Segments struct{ DB *DB }

const segmentCols = `id, name, rule, created_by, created_at, updated_at`

func scanSegment(row interface{ Scan(...any) error }, workspaceID string) (partner.Segment, error) {
	s := partner.Segment{WorkspaceID: workspaceID}
	var c, u int64
	err := row.Scan(&s.ID, &s.Name, &s.Rule, &s.CreatedBy, &c, &u)
	s.CreatedAt, s.UpdatedAt = fromMS(c), fromMS(u)
	return s, err
}

// Segments implements partner.SegmentStore.
func (s Segments) Segments(ctx context.Context, workspaceID string) ([]partner.Segment, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+segmentCols+` FROM segments WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("read segments: %w", err)
	}
	defer rows.Close()
	var out []partner.Segment
	for rows.Next() {
		seg, err := scanSegment(rows, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("read segments: %w", err)
		}
		out = append(out, seg)
	}
	return out, rows.Err()
}

// SegmentByID implements partner.SegmentStore.
func (s Segments) SegmentByID(ctx context.Context, workspaceID, id string) (partner.Segment, error) {
	seg, err := scanSegment(s.DB.read.QueryRowContext(ctx, `SELECT `+segmentCols+` FROM segments WHERE workspace_id = $1 AND id = $2`, workspaceID, id), workspaceID)
	if err != nil {
		return seg, notFound(err, "That segment")
	}
	return seg, nil
}

// SaveSegment implements partner.SegmentStore.
func (s Segments) SaveSegment(ctx context.Context, seg partner.Segment, created bool, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if created {
			_, err = tx.ExecContext(ctx, `INSERT INTO segments (workspace_id, id, name, rule, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				seg.WorkspaceID, seg.ID, seg.Name, seg.Rule, seg.CreatedBy, ms(seg.CreatedAt), ms(seg.UpdatedAt))
		} else {
			var r sql.Result
			r, err = tx.ExecContext(ctx, `UPDATE segments SET name = $3, rule = $4, updated_at = $5 WHERE workspace_id = $1 AND id = $2`,
				seg.WorkspaceID, seg.ID, seg.Name, seg.Rule, ms(seg.UpdatedAt))
			if err == nil {
				if n, _ := r.RowsAffected(); n != 1 {
					return tandem.Errorf(tandem.KindNotFound, "That segment was not found")
				}
			}
		}
		if err != nil {
			return conflictOr(fmt.Errorf("save segment: %w", err), fmt.Sprintf("a segment named %q already exists", seg.Name))
		}
		return insertAudit(ctx, tx, e)
	})
}

// DeleteSegment implements partner.SegmentStore.
func (s Segments) DeleteSegment(ctx context.Context, workspaceID, id string, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE workspace_id = $1 AND id = $2`, workspaceID, id); err != nil {
			return fmt.Errorf("delete segment: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// SegmentPartners implements partner.SegmentStore.
func (s Segments) SegmentPartners(ctx context.Context, workspaceID string) ([]partner.Partner, error) {
	return s.DB.allPartners(ctx, workspaceID, true)
}

// PartnerActivity implements partner.SegmentStore: the latest registration,
// opportunity change or portal sign-in of each partner, its registrations and its
// contacts, in four grouped queries.
func (s Segments) PartnerActivity(ctx context.Context, workspaceID string) (map[string]partner.Activity, error) {
	out := map[string]partner.Activity{}
	type agg struct {
		query string
		apply func(a *partner.Activity, n int, last sql.NullInt64)
	}
	for _, q := range []agg{
		{`SELECT partner_id, count(*), max(created_at) FROM registrations WHERE workspace_id = $1 GROUP BY partner_id`,
			func(a *partner.Activity, n int, last sql.NullInt64) { a.Registrations = n; later(a, last) }},
		{`SELECT partner_id, count(*), max(updated_at) FROM opportunities WHERE workspace_id = $1 AND partner_id <> '' GROUP BY partner_id`,
			func(a *partner.Activity, _ int, last sql.NullInt64) { later(a, last) }},
		{`SELECT partner_id, count(*), max(last_sign_in_at) FROM users WHERE workspace_id = $1 AND partner_id IS NOT NULL GROUP BY partner_id`,
			func(a *partner.Activity, _ int, last sql.NullInt64) { later(a, last) }},
		{`SELECT partner_id, count(*), NULL FROM contacts WHERE workspace_id = $1 AND partner_id IS NOT NULL GROUP BY partner_id`,
			func(a *partner.Activity, n int, _ sql.NullInt64) { a.Contacts = n }},
	} {
		if err := func() error {
			rows, err := s.DB.read.QueryContext(ctx, q.query, workspaceID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				var n int
				var last sql.NullInt64
				if err := rows.Scan(&id, &n, &last); err != nil {
					return err
				}
				a := out[id]
				q.apply(&a, n, last)
				out[id] = a
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("read partner activity: %w", err)
		}
	}
	return out, nil
}

// later moves a's last activity to the stored time last if that is later.
func later(a *partner.Activity, last sql.NullInt64) {
	if !last.Valid {
		return
	}
	if t := fromMS(last.Int64); t.After(a.LastActivity) {
		a.LastActivity = t
	}
}

// Views implements partner.ViewStore.
func (s Segments) Views(ctx context.Context, workspaceID, userID string) ([]partner.View, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, query, created_at FROM partner_views WHERE workspace_id = $1 AND user_id = $2 ORDER BY name, id`, workspaceID, userID)
	if err != nil {
		return nil, fmt.Errorf("read saved views: %w", err)
	}
	defer rows.Close()
	var out []partner.View
	for rows.Next() {
		v := partner.View{UserID: userID}
		var c int64
		if err := rows.Scan(&v.ID, &v.Name, &v.Query, &c); err != nil {
			return nil, fmt.Errorf("read saved views: %w", err)
		}
		v.CreatedAt = fromMS(c)
		out = append(out, v)
	}
	return out, rows.Err()
}

// SaveView implements partner.ViewStore.
func (s Segments) SaveView(ctx context.Context, workspaceID string, v partner.View) error {
	_, err := s.DB.exec(ctx, `INSERT INTO partner_views (workspace_id, id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		workspaceID, v.ID, v.UserID, v.Name, v.Query, ms(v.CreatedAt))
	if err != nil {
		return fmt.Errorf("save view: %w", err)
	}
	return nil
}

// DeleteView implements partner.ViewStore.
func (s Segments) DeleteView(ctx context.Context, workspaceID, userID, id string) error {
	if _, err := s.DB.exec(ctx, `DELETE FROM partner_views WHERE workspace_id = $1 AND user_id = $2 AND id = $3`, workspaceID, userID, id); err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	return nil
}
