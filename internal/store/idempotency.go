package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// StoredResponse is a response remembered for an idempotency key.
type StoredResponse struct {
	RequestHash string
	Status      int // 0 while the first request is still being handled
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// idempotencyAbandonAfter is how long a key may stay "in progress" before a retry may
// take it over (the first request's process died before it could record the answer).
const idempotencyAbandonAfter = time.Minute

// ClaimIdempotencyKey records that a request with key is being handled. It returns
// (nil, nil) when the caller now owns the key and must run the request then call
// SaveIdempotentResponse (or ReleaseIdempotencyKey on failure); the stored response
// when the key was used before; or a conflict error while another request with the key
// is still running.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, workspaceID, actor, key, requestHash string, now time.Time) (*StoredResponse, error) {
	var out *StoredResponse
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var r StoredResponse
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT request_hash, status, content_type, body, created_at FROM idempotency_keys
			WHERE workspace_id = $1 AND actor = $2 AND key = $3`, workspaceID, actor, key).
			Scan(&r.RequestHash, &r.Status, &r.ContentType, &r.Body, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (workspace_id, actor, key, request_hash, status, content_type, body, created_at)
				VALUES ($1, $2, $3, $4, 0, '', $5, $6)`, workspaceID, actor, key, requestHash, []byte{}, ms(now))
			return err
		case err != nil:
			return err
		}
		r.CreatedAt = fromMS(created)
		if r.Status == 0 {
			if now.Sub(r.CreatedAt) < idempotencyAbandonAfter {
				return tandem.Errorf(tandem.KindConflict, "a request with this Idempotency-Key is still being processed; retry in a moment")
			}
			_, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET request_hash = $4, created_at = $5
				WHERE workspace_id = $1 AND actor = $2 AND key = $3`, workspaceID, actor, key, requestHash, ms(now))
			return err
		}
		out = &r
		return nil
	})
	if err != nil && tandem.KindOf(err) == tandem.KindInternal {
		if isUniqueViolation(err) {
			return nil, tandem.Errorf(tandem.KindConflict, "a request with this Idempotency-Key is still being processed; retry in a moment")
		}
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	return out, err
}

// SaveIdempotentResponse records the response to replay for key.
func (db *DB) SaveIdempotentResponse(ctx context.Context, workspaceID, actor, key string, status int, contentType string, body []byte) error {
	_, err := db.write.ExecContext(ctx, `UPDATE idempotency_keys SET status = $4, content_type = $5, body = $6
		WHERE workspace_id = $1 AND actor = $2 AND key = $3`, workspaceID, actor, key, status, contentType, body)
	if err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets key so that the request may be retried with it.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, workspaceID, actor, key string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = $1 AND actor = $2 AND key = $3`, workspaceID, actor, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// PruneIdempotencyKeys deletes remembered responses older than before, everywhere.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
