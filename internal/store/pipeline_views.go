package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/tandem"
)

// PipelineViews implements pipeline.ViewStore.
func (s Pipeline) PipelineViews(ctx context.Context, workspaceID, userID string) ([]pipeline.View, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT v.id, v.user_id, COALESCE(NULLIF(u.name, ''), u.email, ''), v.name, v.query, v.shared, v.created_at
		FROM pipeline_views v LEFT JOIN users u ON u.workspace_id = v.workspace_id AND u.id = v.user_id
		WHERE v.workspace_id = $1 AND (v.user_id = $2 OR v.shared = 1)
		ORDER BY CASE WHEN v.user_id = $2 THEN 0 ELSE 1 END, v.name, v.id`, workspaceID, userID)
	if err != nil {
		return nil, fmt.Errorf("read pipeline views: %w", err)
	}
	defer rows.Close()
	var out []pipeline.View
	for rows.Next() {
		var v pipeline.View
		var c int64
		var shared int
		if err := rows.Scan(&v.ID, &v.UserID, &v.OwnerName, &v.Name, &v.Query, &shared, &c); err != nil {
			return nil, fmt.Errorf("read pipeline views: %w", err)
		}
		v.Shared, v.CreatedAt = shared == 1, fromMS(c)
		out = append(out, v)
	}
	return out, rows.Err()
}

// SavePipelineView implements pipeline.ViewStore.
func (s Pipeline) SavePipelineView(ctx context.Context, workspaceID string, v pipeline.View, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		shared := 0
		if v.Shared {
			shared = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pipeline_views (workspace_id, id, user_id, name, query, shared, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			workspaceID, v.ID, v.UserID, v.Name, v.Query, shared, ms(v.CreatedAt)); err != nil {
			return conflictOr(fmt.Errorf("save pipeline view: %w", err), "a view with this id already exists")
		}
		return insertAudit(ctx, tx, e)
	})
}

// DeletePipelineView implements pipeline.ViewStore.
func (s Pipeline) DeletePipelineView(ctx context.Context, workspaceID, id string, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM pipeline_views WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
		if err != nil {
			return fmt.Errorf("delete pipeline view: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindNotFound, "That view was not found.")
		}
		return insertAudit(ctx, tx, e)
	})
}
