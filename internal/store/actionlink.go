package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/actionlink"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
)

// ActionLinks adapts the store to actionlink.Store.
type ActionLinks struct{ DB *DB }

var _ actionlink.Store = ActionLinks{}

// CreateActionLink implements actionlink.Store.
func (s ActionLinks) CreateActionLink(ctx context.Context, l actionlink.Link, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO action_links (workspace_id, id, action, subject, holder, expires_at, max_uses, uses, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,0,$8,$9)`, l.WorkspaceID, l.ID, l.Action, l.Subject, l.Holder, ms(l.ExpiresAt), l.MaxUses, l.CreatedBy, ms(l.CreatedAt))
		if err != nil {
			return fmt.Errorf("record link: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// ActionLink implements actionlink.Store.
func (s ActionLinks) ActionLink(ctx context.Context, workspaceID, id string) (actionlink.Link, error) {
	var l actionlink.Link
	var exp, created int64
	var revoked sql.NullInt64
	err := s.DB.read.QueryRowContext(ctx, `SELECT workspace_id, id, action, subject, holder, expires_at, max_uses, uses, revoked_at, created_by, created_at
		FROM action_links WHERE workspace_id = $1 AND id = $2`, workspaceID, id).
		Scan(&l.WorkspaceID, &l.ID, &l.Action, &l.Subject, &l.Holder, &exp, &l.MaxUses, &l.Uses, &revoked, &l.CreatedBy, &created)
	if err != nil {
		return l, notFound(err, "link")
	}
	l.ExpiresAt, l.CreatedAt, l.RevokedAt = fromMS(exp), fromMS(created), fromNullMS(revoked)
	return l, nil
}

// RevokeActionLink implements actionlink.Store.
func (s ActionLinks) RevokeActionLink(ctx context.Context, workspaceID, id string, now time.Time, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE action_links SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL`, workspaceID, id, ms(now)); err != nil {
			return fmt.Errorf("revoke link: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// UseActionLink counts one use of a checked link inside tx, the transaction of the
// action the link was used for, so the use and the action commit together. It fails
// with the signedlink reason when the link was revoked, expired or used up in the
// meantime (for instance by a concurrent request).
func (db *DB) UseActionLink(ctx context.Context, tx *sql.Tx, workspaceID, id string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE action_links SET uses = uses + 1
		WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL AND expires_at > $3 AND (max_uses = 0 OR uses < max_uses)`,
		workspaceID, id, ms(now))
	if err != nil {
		return fmt.Errorf("use link: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	l, err := (ActionLinks{db}).ActionLink(ctx, workspaceID, id)
	switch {
	case err != nil:
		return signedlink.NewError(signedlink.Revoked)
	case !l.RevokedAt.IsZero():
		return signedlink.NewError(signedlink.Revoked)
	case !now.Before(l.ExpiresAt):
		return signedlink.NewError(signedlink.Expired)
	}
	return signedlink.NewError(signedlink.UsedUp)
}
