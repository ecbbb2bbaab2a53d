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
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, query, created_at FROM pipeline_views WHERE workspace_id = $1 AND user_id = $2 ORDER BY name, id`, workspaceID, userID)
	if err != nil {
		return nil, fmt.Errorf("read pipeline views: %w", err)
	}
	defer rows.Close()
	var out []pipeline.View
	for rows.Next() {
		v := pipeline.View{UserID: userID}
		var c int64
		if err := rows.Scan(&v.ID, &v.Name, &v.Query, &c); err != nil {
			return nil, fmt.Errorf("read pipeline views: %w", err)
		}
		v.CreatedAt = fromMS(c)
		out = append(out, v)
	}
	return out, rows.Err()
}

// SavePipelineView implements pipeline.ViewStore.
func (s Pipeline) SavePipelineView(ctx context.Context, workspaceID string, v pipeline.View, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pipeline_views (workspace_id, id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			workspaceID, v.ID, v.UserID, v.Name, v.Query, ms(v.CreatedAt)); err != nil {
			return conflictOr(fmt.Errorf("save pipeline view: %w", err), "a view with this id already exists")
		}
		return insertAudit(ctx, tx, e)
	})
}

// DeletePipelineView implements pipeline.ViewStore.
func (s Pipeline) DeletePipelineView(ctx context.Context, workspaceID, userID, id string, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM pipeline_views WHERE workspace_id = $1 AND user_id = $2 AND id = $3`, workspaceID, userID, id)
		if err != nil {
			return fmt.Errorf("delete pipeline view: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindNotFound, "That view was not found.")
		}
		return insertAudit(ctx, tx, e)
	})
}
