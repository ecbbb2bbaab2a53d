package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/platform/sso"
)

// WorkspaceSSO returns the workspace's single sign-on settings (zero when never set)
// and the last problem its identity provider caused ("" when none).
func (db *DB) WorkspaceSSO(ctx context.Context, workspaceID string) (sso.Config, string, error) {
	var raw, problem string
	err := db.read.QueryRowContext(ctx, `SELECT sso, sso_problem FROM workspaces WHERE id = $1`, workspaceID).Scan(&raw, &problem)
	if err != nil {
		return sso.Config{}, "", notFound(err, "workspace")
	}
	var c sso.Config
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return sso.Config{}, "", fmt.Errorf("stored single sign-on settings: %w", err)
		}
	}
	return c, problem, nil
}

// SaveWorkspaceSSO stores the settings, clears the recorded problem and writes e.
func (db *DB) SaveWorkspaceSSO(ctx context.Context, workspaceID string, c sso.Config, e audit.Entry) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET sso = $2, sso_problem = '' WHERE id = $1`, workspaceID, string(raw)); err != nil {
			return fmt.Errorf("save single sign-on settings: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// SetSSOProblem records (or, with "", clears) what is wrong with the workspace's
// identity provider, for its admins to see.
func (db *DB) SetSSOProblem(ctx context.Context, workspaceID, problem string) error {
	_, err := db.exec(ctx, `UPDATE workspaces SET sso_problem = $2 WHERE id = $1 AND sso_problem <> $2`, workspaceID, problem)
	return err
}

// DeploymentKey returns the secret for purpose, creating a random one of size bytes
// the first time; every replica of the deployment reads the same one.
func (db *DB) DeploymentKey(ctx context.Context, purpose string, size int, random func([]byte) (int, error), now time.Time) ([]byte, error) {
	var secret []byte
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT secret FROM deployment_keys WHERE purpose = $1 ORDER BY created_at DESC LIMIT 1`, purpose).Scan(&secret)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		secret = make([]byte, size)
		if _, err := random(secret); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO deployment_keys (purpose, id, secret, created_at) VALUES ($1, $2, $3, $4)`,
			purpose, fmt.Sprintf("k%d", now.UnixMilli()), secret, ms(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deployment key %s: %w", purpose, err)
	}
	return secret, nil
}

// StartSession stores a session made without a sign-in link (single sign-on),
// creating the user first when newUser is set, marking the user active and signed in,
// and writing e — all in one transaction.
func (s Identity) StartSession(ctx context.Context, sess identity.Session, newUser *identity.User, e audit.Entry) error {
	db := s.DB
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if newUser != nil {
			if err := insertUser(ctx, tx, *newUser); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'active', last_sign_in_at = $3, updated_at = $3 WHERE workspace_id = $1 AND id = $2`,
			sess.WorkspaceID, sess.UserID, ms(sess.CreatedAt)); err != nil {
			return fmt.Errorf("activate user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (workspace_id, id, user_id, created_at, seen_at, expires_at, ip, user_agent)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, sess.WorkspaceID, sess.ID, sess.UserID, ms(sess.CreatedAt), ms(sess.SeenAt), ms(sess.ExpiresAt), sess.IP, sess.UserAgent); err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}
