package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// StageModels implements pipeline.Store.
func (s Pipeline) StageModels(ctx context.Context, workspaceID string) ([]pipeline.StoredModel, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT motion, model, version, updated_at, updated_by FROM stage_models
		WHERE workspace_id = $1 ORDER BY motion`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("read stage models: %w", err)
	}
	defer rows.Close()
	var out []pipeline.StoredModel
	for rows.Next() {
		var m pipeline.StoredModel
		var motion, raw string
		var at int64
		if err := rows.Scan(&motion, &raw, &m.Version, &at, &m.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read stage models: %w", err)
		}
		m.Motion, m.UpdatedAt = tandem.Motion(motion), fromMS(at)
		if raw != "" {
			m.Raw = []byte(raw)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// StageOccupancy implements pipeline.Store.
func (s Pipeline) StageOccupancy(ctx context.Context, workspaceID string, m tandem.Motion) (map[string]stage.Occupancy, error) {
	return stageOccupancy(ctx, s.DB.read, workspaceID, m)
}

// stageOccupancy counts motion m's open and won opportunities by stage through q.
func stageOccupancy(ctx context.Context, q Querier, workspaceID string, m tandem.Motion) (map[string]stage.Occupancy, error) {
	rows, err := q.QueryContext(ctx, `SELECT stage, status, COUNT(*) FROM opportunities
		WHERE workspace_id = $1 AND motion = $2 AND status IN ('open', 'won') GROUP BY stage, status`, workspaceID, string(m))
	if err != nil {
		return nil, fmt.Errorf("count opportunities by stage: %w", err)
	}
	defer rows.Close()
	out := map[string]stage.Occupancy{}
	for rows.Next() {
		var key, status string
		var n int
		if err := rows.Scan(&key, &status, &n); err != nil {
			return nil, fmt.Errorf("count opportunities by stage: %w", err)
		}
		o := out[key]
		if pipeline.Status(status) == pipeline.Won {
			o.Won += n
		} else {
			o.Open += n
		}
		out[key] = o
	}
	return out, rows.Err()
}

// SaveStageModel implements pipeline.Store: the version check, the change's check
// against the opportunities counted in the transaction, the model and its audit
// entry commit together or not at all.
func (s Pipeline) SaveStageModel(ctx context.Context, w pipeline.StageModelWrite) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		// Before counting: a stage move judged by the old model either committed
		// already (and is counted) or waits and then sees the new version.
		if err := s.DB.lockStageModel(ctx, tx, w.WorkspaceID, w.Motion, false); err != nil {
			return err
		}
		if w.Check != nil {
			occ, err := stageOccupancy(ctx, tx, w.WorkspaceID, w.Motion)
			if err != nil {
				return fmt.Errorf("save stage model: %w", err)
			}
			if err := w.Check(occ); err != nil {
				return err
			}
		}
		if w.Expected == 0 {
			_, err := tx.ExecContext(ctx, `INSERT INTO stage_models (workspace_id, motion, model, version, updated_at, updated_by)
				VALUES ($1, $2, $3, 1, $4, $5)`, w.WorkspaceID, string(w.Motion), string(w.Raw), ms(w.UpdatedAt), w.UpdatedBy)
			if err != nil {
				return conflictOr(err, "Someone else saved this stage model a moment ago; reload it and try again.")
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE stage_models SET model = $3, version = $4, updated_at = $5, updated_by = $6
				WHERE workspace_id = $1 AND motion = $2 AND version = $7`,
				w.WorkspaceID, string(w.Motion), string(w.Raw), w.Expected+1, ms(w.UpdatedAt), w.UpdatedBy, w.Expected)
			if err != nil {
				return fmt.Errorf("save stage model: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return staleRow("stage model")
			}
		}
		return insertAudit(ctx, tx, w.Audit)
	})
}

// checkModelVersion fails with a conflict when motion m's stored stage model is no
// longer at version (0: none stored), so an opportunity never commits into a stage
// judged by a model that a concurrent edit replaced.
func (s Pipeline) checkModelVersion(ctx context.Context, tx *sql.Tx, workspaceID string, m tandem.Motion, version int) error {
	if err := s.DB.lockStageModel(ctx, tx, workspaceID, m, true); err != nil {
		return err
	}
	var now int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM stage_models WHERE workspace_id = $1 AND motion = $2`,
		workspaceID, string(m)).Scan(&now); err != nil {
		return fmt.Errorf("check the stage model: %w", err)
	}
	if now != version {
		return &tandem.Error{Kind: tandem.KindConflict, Err: pipeline.ErrStageModelChanged,
			Message: fmt.Sprintf("The %s stage model changed while this change was being checked; reload the opportunity and try again.", m)}
	}
	return nil
}

// lockStageModel orders, on PostgreSQL, the transactions that save motion m's stage
// model (exclusive) against those that place opportunities by it (shared), for the
// rest of tx. SQLite runs one writer at a time and needs nothing.
func (db *DB) lockStageModel(ctx context.Context, tx *sql.Tx, workspaceID string, m tandem.Motion, shared bool) error {
	if db.dialect != Postgres {
		return nil
	}
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	if _, err := tx.ExecContext(ctx, "SELECT "+fn+"(hashtext($1))", "stage_model/"+workspaceID+"/"+string(m)); err != nil {
		return fmt.Errorf("lock the stage model: %w", err)
	}
	return nil
}
