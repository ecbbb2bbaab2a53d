package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Identity adapts the store to identity.Store.
type Identity struct{ DB *DB }

var _ identity.Store = Identity{}

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// insertAudit appends e. There is no statement anywhere that updates or deletes audit
// entries.
func insertAudit(ctx context.Context, q Querier, e audit.Entry) error {
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (workspace_id, id, at, actor_type, actor_id, actor_name, action,
		subject_type, subject_id, changes, rationale, request_id, ip) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		e.WorkspaceID, e.ID, ms(e.At), e.ActorType, e.ActorID, e.ActorName, e.Action, e.SubjectType, e.SubjectID,
		e.Changes, e.Rationale, e.RequestID, e.IP)
	if err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// AppendAudit writes e in tx; services that write their own rows call it.
func (db *DB) AppendAudit(ctx context.Context, tx *sql.Tx, e audit.Entry) error {
	return insertAudit(ctx, tx, e)
}

// queueMessage stores m in the outbox and schedules its delivery, in tx. A change that
// queues several messages, or other jobs too, uses storeMessages and enqueues all its
// jobs at once instead.
func (db *DB) queueMessage(ctx context.Context, tx *sql.Tx, m outbox.Message) error {
	jobs, err := db.storeMessages(ctx, tx, []outbox.Message{m})
	if err != nil {
		return err
	}
	if err := db.enqueueMany(ctx, tx, jobs); err != nil {
		return fmt.Errorf("queue message: %w", err)
	}
	return nil
}

// WorkspaceByID implements identity.Store.
func (s Identity) WorkspaceByID(ctx context.Context, id string) (workspace.Workspace, error) {
	return s.DB.WorkspaceByID(ctx, id)
}

// WorkspaceBySlug returns the workspace with the slug.
func (s Identity) WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error) {
	return s.DB.WorkspaceBySlug(ctx, slug)
}

// CreateWorkspaceWithAdmin creates w and its first admin, with the audit entry.
func (s Identity) CreateWorkspaceWithAdmin(ctx context.Context, w workspace.Workspace, admin identity.User, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.DB.CreateWorkspace(ctx, tx, w); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, admin); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}

// PartnerName implements identity.Store.
func (s Identity) PartnerName(ctx context.Context, workspaceID, partnerID string) (string, error) {
	var name string
	err := s.DB.read.QueryRowContext(ctx, `SELECT name FROM partners WHERE workspace_id = $1 AND id = $2`, workspaceID, partnerID).Scan(&name)
	if err != nil {
		return "", notFound(err, "partner "+partnerID)
	}
	return name, nil
}

const userColumns = `workspace_id, id, email, name, role, partner_id, status, invited_by, created_at, updated_at, last_sign_in_at, manager_id`

func scanUser(row interface{ Scan(...any) error }) (identity.User, error) {
	var u identity.User
	var pid sql.NullString
	var c, up int64
	var last sql.NullInt64
	var role, status string
	err := row.Scan(&u.WorkspaceID, &u.ID, &u.Email, &u.Name, &role, &pid, &status, &u.InvitedBy, &c, &up, &last, &u.ManagerID)
	u.Role, u.Status, u.PartnerID = tandem.Role(role), identity.Status(status), pid.String
	u.CreatedAt, u.UpdatedAt, u.LastSignInAt = fromMS(c), fromMS(up), fromNullMS(last)
	return u, err
}

func insertUser(ctx context.Context, tx *sql.Tx, u identity.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		u.WorkspaceID, u.ID, u.Email, u.Name, string(u.Role), nullable(u.PartnerID), string(u.Status), u.InvitedBy, ms(u.CreatedAt), ms(u.UpdatedAt), nullMS(u.LastSignInAt), u.ManagerID)
	if err != nil {
		return conflictOr(fmt.Errorf("create user: %w", err), "someone with this email address is already in the workspace")
	}
	return nil
}

// SetManager implements identity.Store. Changes of one workspace's people take
// turns (the workspace row is touched first), so two changes cannot close a loop
// between them.
func (s Identity) SetManager(ctx context.Context, workspaceID, userID, managerID string, now time.Time, check func(map[string]string) error, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET updated_at = updated_at WHERE id = $1`, workspaceID); err != nil {
			return fmt.Errorf("set manager: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, manager_id FROM users WHERE workspace_id = $1 AND partner_id IS NULL AND manager_id <> ''`, workspaceID)
		if err != nil {
			return fmt.Errorf("set manager: %w", err)
		}
		managers := map[string]string{}
		for rows.Next() {
			var id, m string
			if err := rows.Scan(&id, &m); err != nil {
				rows.Close()
				return fmt.Errorf("set manager: %w", err)
			}
			managers[id] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("set manager: %w", err)
		}
		if err := check(managers); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE users SET manager_id = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2 AND partner_id IS NULL`,
			workspaceID, userID, managerID, ms(now))
		if err != nil {
			return fmt.Errorf("set manager: %w", err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindNotFound, "That person is not one of this workspace's own people.")
		}
		return insertAudit(ctx, tx, e)
	})
}

// UsersByEmail implements identity.Store.
func (s Identity) UsersByEmail(ctx context.Context, email string) ([]identity.User, error) {
	return s.users(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1 AND status <> 'deactivated' ORDER BY workspace_id`, email)
}

func (s Identity) users(ctx context.Context, q string, args ...any) ([]identity.User, error) {
	rows, err := s.DB.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserByID implements identity.Store.
func (s Identity) UserByID(ctx context.Context, workspaceID, id string) (identity.User, error) {
	u, err := scanUser(s.DB.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return u, notFound(err, "that person")
	}
	return u, nil
}

// ListUsers implements identity.Store: everyone, or one partner's people.
func (s Identity) ListUsers(ctx context.Context, workspaceID, partnerID string) ([]identity.User, error) {
	if partnerID != "" {
		return s.users(ctx, `SELECT `+userColumns+` FROM users WHERE workspace_id = $1 AND partner_id = $2 ORDER BY email`, workspaceID, partnerID)
	}
	return s.users(ctx, `SELECT `+userColumns+` FROM users WHERE workspace_id = $1 ORDER BY partner_id IS NOT NULL, email`, workspaceID)
}

// CreateUser implements identity.Store.
func (s Identity) CreateUser(ctx context.Context, u identity.User, l identity.SignInLink, m outbox.Message, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := insertLink(ctx, tx, l); err != nil {
			return err
		}
		if err := s.DB.queueMessage(ctx, tx, m); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}

// DeactivateUser implements identity.Store. Deactivations in one workspace take
// turns (a no-op update locks the workspace's row on PostgreSQL; SQLite runs one
// write transaction at a time), so the check for another active admin sees every
// deactivation before it, and two admins deactivating each other at once cannot
// both succeed.
func (s Identity) DeactivateUser(ctx context.Context, workspaceID, userID string, now time.Time, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET updated_at = updated_at WHERE id = $1`, workspaceID); err != nil {
			return fmt.Errorf("deactivate user: %w", err)
		}
		var role string
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE workspace_id = $1 AND id = $2`, workspaceID, userID).Scan(&role); err != nil {
			return notFound(err, "that person")
		}
		if role == string(tandem.RoleAdmin) {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = $1 AND id <> $2 AND role = 'admin' AND status = 'active'`,
				workspaceID, userID).Scan(&others); err != nil {
				return fmt.Errorf("deactivate user: %w", err)
			}
			if others == 0 {
				return tandem.Errorf(tandem.KindConflict, "No other admin of this workspace has signed in, and the last admin must stay. Make someone else an admin first.")
			}
		}
		for _, q := range []string{
			`UPDATE users SET status = 'deactivated', updated_at = $3 WHERE workspace_id = $1 AND id = $2`,
			`UPDATE api_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND created_by = $2 AND revoked_at IS NULL`,
			`UPDATE signin_links SET used_at = $3 WHERE workspace_id = $1 AND user_id = $2 AND used_at IS NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q, workspaceID, userID, ms(now)); err != nil {
				return fmt.Errorf("deactivate user: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID); err != nil {
			return fmt.Errorf("deactivate user: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// CountActiveAdmins implements identity.Store.
func (s Identity) CountActiveAdmins(ctx context.Context, workspaceID string) (int, error) {
	var n int
	err := s.DB.read.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = $1 AND role = 'admin' AND status = 'active'`, workspaceID).Scan(&n)
	return n, err
}

func insertLink(ctx context.Context, tx *sql.Tx, l identity.SignInLink) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO signin_links (workspace_id, id, user_id, purpose, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		l.WorkspaceID, l.ID, l.UserID, l.Purpose, ms(l.CreatedAt), ms(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create sign-in link: %w", err)
	}
	return nil
}

// CreateSignInLink implements identity.Store.
func (s Identity) CreateSignInLink(ctx context.Context, l identity.SignInLink, m outbox.Message) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertLink(ctx, tx, l); err != nil {
			return err
		}
		return s.DB.queueMessage(ctx, tx, m)
	})
}

// ConsumeSignInLink implements identity.Store.
func (s Identity) ConsumeSignInLink(ctx context.Context, workspaceID, linkID string, now time.Time, sess identity.Session, e audit.Entry) (identity.User, error) {
	var u identity.User
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var userID string
		var expires int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT user_id, expires_at, used_at FROM signin_links WHERE workspace_id = $1 AND id = $2`, workspaceID, linkID).
			Scan(&userID, &expires, &used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return identity.ErrLinkInvalid
		case err != nil:
			return fmt.Errorf("read sign-in link: %w", err)
		}
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE workspace_id = $1 AND id = $2`, workspaceID, userID))
		if err != nil {
			return fmt.Errorf("read user: %w", err)
		}
		// The person's status comes first: deactivation marks their links used, and
		// "already used" would send them asking for a new link that cannot work.
		switch {
		case u.Status == identity.Deactivated:
			return identity.ErrNoAccess
		case used.Valid:
			return identity.ErrLinkUsed
		case !now.Before(fromMS(expires)):
			return identity.ErrLinkExpired
		}
		res, err := tx.ExecContext(ctx, `UPDATE signin_links SET used_at = $3 WHERE workspace_id = $1 AND id = $2 AND used_at IS NULL`, workspaceID, linkID, ms(now))
		if err != nil {
			return fmt.Errorf("use sign-in link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return identity.ErrLinkUsed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'active', last_sign_in_at = $3, updated_at = $3 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, u.ID, ms(now)); err != nil {
			return fmt.Errorf("activate user: %w", err)
		}
		sess.UserID = u.ID
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (workspace_id, id, user_id, created_at, seen_at, expires_at, ip, user_agent)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, sess.WorkspaceID, sess.ID, sess.UserID, ms(sess.CreatedAt), ms(sess.SeenAt), ms(sess.ExpiresAt), sess.IP, sess.UserAgent); err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		kind := "user"
		if u.PartnerID != "" {
			kind = "partner_user"
		}
		e.ActorType, e.ActorID, e.ActorName, e.SubjectID = kind, u.ID, u.DisplayName(), u.ID
		if u.Status == identity.Invited && strings.HasPrefix(u.InvitedBy, "usr_") {
			// Tell the person who invited them that the invitation was accepted.
			n := notify.New(workspaceID, u.InvitedBy, u.DisplayName()+" accepted your invitation",
				u.Email+" signed in for the first time as "+identity.RoleLabel(u.Role)+".", "", now)
			if err := insertNotification(ctx, tx, n); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, e)
	})
	if err != nil {
		return identity.User{}, err
	}
	u.Status, u.LastSignInAt = identity.Active, now
	return u, nil
}

// SessionUser implements identity.Store.
func (s Identity) SessionUser(ctx context.Context, workspaceID, sessionID string) (identity.Session, identity.User, error) {
	var sess identity.Session
	var c, seen, exp int64
	err := s.DB.read.QueryRowContext(ctx, `SELECT workspace_id, id, user_id, created_at, seen_at, expires_at, ip, user_agent
		FROM sessions WHERE workspace_id = $1 AND id = $2`, workspaceID, sessionID).
		Scan(&sess.WorkspaceID, &sess.ID, &sess.UserID, &c, &seen, &exp, &sess.IP, &sess.UserAgent)
	if err != nil {
		return sess, identity.User{}, notFound(err, "session")
	}
	sess.CreatedAt, sess.SeenAt, sess.ExpiresAt = fromMS(c), fromMS(seen), fromMS(exp)
	u, err := s.UserByID(ctx, workspaceID, sess.UserID)
	return sess, u, err
}

// TouchSession implements identity.Store.
func (s Identity) TouchSession(ctx context.Context, workspaceID, sessionID string, now time.Time) error {
	_, err := s.DB.exec(ctx, `UPDATE sessions SET seen_at = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, sessionID, ms(now))
	return err
}

// DeleteSession implements identity.Store.
func (s Identity) DeleteSession(ctx context.Context, workspaceID, sessionID string) error {
	_, err := s.DB.exec(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND id = $2`, workspaceID, sessionID)
	return err
}

// DeleteUserSessions implements identity.Store.
func (s Identity) DeleteUserSessions(ctx context.Context, workspaceID, userID string, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

const tokenColumns = `workspace_id, id, name, hash, role, scopes, partner_id, created_by, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (identity.Token, error) {
	var t identity.Token
	var pid sql.NullString
	var role string
	var c int64
	var used, revoked sql.NullInt64
	err := row.Scan(&t.WorkspaceID, &t.ID, &t.Name, &t.Hash, &role, &t.Scopes, &pid, &t.CreatedBy, &c, &used, &revoked)
	t.Role, t.PartnerID, t.CreatedAt, t.LastUsedAt, t.RevokedAt = tandem.Role(role), pid.String, fromMS(c), fromNullMS(used), fromNullMS(revoked)
	return t, err
}

// CreateToken implements identity.Store.
func (s Identity) CreateToken(ctx context.Context, t identity.Token, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			t.WorkspaceID, t.ID, t.Name, t.Hash, string(t.Role), t.Scopes, nullable(t.PartnerID), t.CreatedBy, ms(t.CreatedAt), nil, nil)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// TokenByID implements identity.Store.
func (s Identity) TokenByID(ctx context.Context, id string) (identity.Token, error) {
	t, err := scanToken(s.DB.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1`, id))
	if err != nil {
		return t, notFound(err, "API token")
	}
	return t, nil
}

// TouchToken implements identity.Store.
func (s Identity) TouchToken(ctx context.Context, workspaceID, id string, now time.Time) error {
	_, err := s.DB.exec(ctx, `UPDATE api_tokens SET last_used_at = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, id, ms(now))
	return err
}

// RevokeToken implements identity.Store.
func (s Identity) RevokeToken(ctx context.Context, workspaceID, id string, now time.Time, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL`, workspaceID, id, ms(now)); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// ListTokens implements identity.Store.
func (s Identity) ListTokens(ctx context.Context, workspaceID, partnerID string) ([]identity.Token, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC`, []any{workspaceID}
	if partnerID != "" {
		q, args = `SELECT `+tokenColumns+` FROM api_tokens WHERE workspace_id = $1 AND partner_id = $2 ORDER BY created_at DESC`, []any{workspaceID, partnerID}
	}
	rows, err := s.DB.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []identity.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// InsertUser adds u in tx, for loaders such as the demo workspace.
func (db *DB) InsertUser(ctx context.Context, tx *sql.Tx, u identity.User) error {
	return insertUser(ctx, tx, u)
}
