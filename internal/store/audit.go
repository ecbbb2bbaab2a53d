package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/tandemprm/tandem/internal/audit"
)

// ListAudit returns one page of the workspace's audit entries matching f, newest
// first (keyset on id, which sorts by time), and whether more follow.
func (db *DB) ListAudit(ctx context.Context, workspaceID string, f audit.Filter, pg Page) ([]audit.Entry, bool, error) {
	where := []string{"workspace_id = $1"}
	args := []any{workspaceID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if pg.After != "" {
		add("id < ?", pg.After)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.SubjectType != "" {
		add("subject_type = ?", f.SubjectType)
	}
	if f.SubjectID != "" {
		add("subject_id = ?", f.SubjectID)
	}
	if !f.From.IsZero() {
		add("at >= ?", ms(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", ms(f.To))
	}
	args = append(args, pg.Limit+1)
	rows, err := db.read.QueryContext(ctx, `SELECT workspace_id, id, at, actor_type, actor_id, actor_name, action, subject_type, subject_id,
		changes, rationale, request_id, ip FROM audit_log WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, false, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.WorkspaceID, &e.ID, &at, &e.ActorType, &e.ActorID, &e.ActorName, &e.Action, &e.SubjectType, &e.SubjectID,
			&e.Changes, &e.Rationale, &e.RequestID, &e.IP); err != nil {
			return nil, false, fmt.Errorf("list audit: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list audit: %w", err)
	}
	more := len(out) > pg.Limit
	if more {
		out = out[:pg.Limit]
	}
	return out, more, nil
}
