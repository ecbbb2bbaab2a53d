package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/notify"
)

// Notifications adapts the store to notify.Store.
type Notifications struct{ DB *DB }

var _ notify.Store = Notifications{}

// insertNotification adds n in the transaction of the change it reports.
func insertNotification(ctx context.Context, q Querier, n notify.Notification) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notifications (workspace_id, id, user_id, title, body, link, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		n.WorkspaceID, n.ID, n.UserID, n.Title, n.Body, n.Link, ms(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// ListNotifications implements notify.Store.
func (s Notifications) ListNotifications(ctx context.Context, workspaceID, userID string, limit int) ([]notify.Notification, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, title, body, link, created_at, read_at FROM notifications
		WHERE workspace_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3`, workspaceID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		n := notify.Notification{WorkspaceID: workspaceID, UserID: userID}
		var c int64
		var r sql.NullInt64
		if err := rows.Scan(&n.ID, &n.Title, &n.Body, &n.Link, &c, &r); err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		n.CreatedAt, n.ReadAt = fromMS(c), fromNullMS(r)
		out = append(out, n)
	}
	return out, rows.Err()
}

// CountUnread implements notify.Store.
func (s Notifications) CountUnread(ctx context.Context, workspaceID, userID string) (int, error) {
	var n int
	err := s.DB.read.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE workspace_id = $1 AND user_id = $2 AND read_at IS NULL`, workspaceID, userID).Scan(&n)
	return n, err
}

// MarkRead implements notify.Store.
func (s Notifications) MarkRead(ctx context.Context, workspaceID, userID string, now time.Time) error {
	_, err := s.DB.exec(ctx, `UPDATE notifications SET read_at = $3 WHERE workspace_id = $1 AND user_id = $2 AND read_at IS NULL`, workspaceID, userID, ms(now))
	return err
}
