package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/outbox"
)

// storeMessages stores msgs in the outbox, queued, with one statement, and returns the
// jobs that deliver them, one per message in order. The caller must enqueue those jobs
// in the same tx (with any other jobs of the change, in one DB.enqueueMany): a stored
// message whose job is not enqueued is never sent.
func (db *DB) storeMessages(ctx context.Context, tx *sql.Tx, msgs []outbox.Message) ([]river.InsertManyParams, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	const cols = 9
	rows := make([]string, len(msgs))
	args := make([]any, 0, cols*len(msgs))
	jobs := make([]river.InsertManyParams, len(msgs))
	for i, m := range msgs {
		n := len(args)
		rows[i] = fmt.Sprintf("($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9)
		args = append(args, m.WorkspaceID, m.ID, m.To, m.ToName, m.Subject, m.Text, m.HTML, string(outbox.Queued), ms(m.CreatedAt))
		jobs[i] = river.InsertManyParams{Args: outbox.SendArgs{WorkspaceID: m.WorkspaceID, MessageID: m.ID}}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (workspace_id, id, to_address, to_name, subject, text_body, html_body, status, created_at)
		VALUES `+strings.Join(rows, ","), args...)
	if err != nil {
		return nil, fmt.Errorf("queue message: %w", err)
	}
	return jobs, nil
}

// OutboxMessage returns one stored message.
func (db *DB) OutboxMessage(ctx context.Context, workspaceID, id string) (outbox.Message, error) {
	ms, err := db.outbox(ctx, `WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return outbox.Message{}, err
	}
	if len(ms) == 0 {
		return outbox.Message{}, notFound(sql.ErrNoRows, "message "+id)
	}
	return ms[0], nil
}

// ListOutbox returns the workspace's most recent messages, newest first.
func (db *DB) ListOutbox(ctx context.Context, workspaceID string, limit int) ([]outbox.Message, error) {
	return db.outbox(ctx, fmt.Sprintf(`WHERE workspace_id = $1 ORDER BY id DESC LIMIT %d`, limit), workspaceID)
}

func (db *DB) outbox(ctx context.Context, tail string, args ...any) ([]outbox.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT workspace_id, id, to_address, to_name, subject, text_body, html_body, status, error, created_at, sent_at
		FROM outbox `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []outbox.Message
	for rows.Next() {
		var m outbox.Message
		var st string
		var c int64
		var sent sql.NullInt64
		if err := rows.Scan(&m.WorkspaceID, &m.ID, &m.To, &m.ToName, &m.Subject, &m.Text, &m.HTML, &st, &m.Error, &c, &sent); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		m.Status, m.CreatedAt, m.SentAt = outbox.Status(st), fromMS(c), fromNullMS(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkOutbox records what became of a message.
func (db *DB) MarkOutbox(ctx context.Context, workspaceID, id string, status outbox.Status, errText string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE outbox SET status = $3, error = $4, sent_at = $5 WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id, string(status), errText, nullMS(at))
	if err != nil {
		return fmt.Errorf("mark message: %w", err)
	}
	return nil
}
