package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// StoredResponse is a response remembered for an idempotency key.
type StoredResponse struct {
	RequestHash string
	// Status is the response's HTTP status; 0 while the first request is still being
	// handled and has saved nothing, or ResponseLost.
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// ResponseLost is the Status of a key whose request saved its change but whose
// process stopped before it could record the response: the request must not run
// again, and its response cannot be replayed.
const ResponseLost = -1

// idempotencyAbandonAfter is how long a key may stay "in progress" with nothing saved
// before a retry may take it over (the first request's process died before saving
// anything). A takeover is safe even if the first request is only slow: its
// transaction then finds the key no longer its own and rolls back (see Tx).
const idempotencyAbandonAfter = 15 * time.Second

// idempotencyClaim is a request's hold on its key, carried in its context.
type idempotencyClaim struct {
	workspaceID, actor, key string
	claimedAt               int64 // created_at written by the claim: the hold's fencing token
	done                    atomic.Bool
}

type idempotencyClaimKey struct{}

// WithIdempotencyClaim returns ctx carrying the claim on key that ClaimIdempotencyKey
// took at claimedAt. The first transaction run with the returned context (Tx) marks,
// in itself, that the request's change is saved, so that after a crash before the
// response is recorded a retry is refused instead of saving the change twice; and it
// rolls back if a retry took the key over meanwhile.
func WithIdempotencyClaim(ctx context.Context, workspaceID, actor, key string, claimedAt time.Time) context.Context {
	return context.WithValue(ctx, idempotencyClaimKey{}, &idempotencyClaim{workspaceID: workspaceID, actor: actor, key: key, claimedAt: ms(claimedAt)})
}

func idempotencyClaimOf(ctx context.Context) *idempotencyClaim {
	c, _ := ctx.Value(idempotencyClaimKey{}).(*idempotencyClaim)
	if c == nil || c.done.Load() {
		return nil
	}
	return c
}

// markCommitted records in tx that the claimed request's change is saved.
func (c *idempotencyClaim) markCommitted(ctx context.Context, tx *sql.Tx) error {
	res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = $4
		WHERE workspace_id = $1 AND actor = $2 AND key = $3 AND created_at = $5 AND status IN (0, $4)`,
		c.workspaceID, c.actor, c.key, ResponseLost, c.claimedAt)
	if err != nil {
		return fmt.Errorf("mark idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return tandem.Errorf(tandem.KindConflict, "A retry with the same Idempotency-Key took this request over; this attempt saved nothing.")
	}
	return nil
}

// ClaimIdempotencyKey records that a request with key is being handled. It returns
// (nil, nil) when the caller now owns the key and must run the request with a context
// from WithIdempotencyClaim, then call SaveIdempotentResponse (or
// ReleaseIdempotencyKey on failure); the stored response when the key was used before
// (its Status is ResponseLost when the request's change was saved but its response
// was not); or a conflict error while another request with the key is still running.
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
// claimedAt is the time given to ClaimIdempotencyKey: a claim taken over since saves
// nothing.
func (db *DB) SaveIdempotentResponse(ctx context.Context, workspaceID, actor, key string, claimedAt time.Time, status int, contentType string, body []byte) error {
	_, err := db.exec(ctx, `UPDATE idempotency_keys SET status = $4, content_type = $5, body = $6
		WHERE workspace_id = $1 AND actor = $2 AND key = $3 AND created_at = $7`, workspaceID, actor, key, status, contentType, body, ms(claimedAt))
	if err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets key so that the request may be retried with it,
// unless the request saved its change (a retry must not save it again) or its claim
// at claimedAt was taken over.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, workspaceID, actor, key string, claimedAt time.Time) error {
	_, err := db.exec(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = $1 AND actor = $2 AND key = $3
		AND status = 0 AND created_at = $4`, workspaceID, actor, key, ms(claimedAt))
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// PruneIdempotencyKeys deletes remembered responses older than before, everywhere.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
