package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OldestOpenWrite returns when the oldest write transaction still in progress on the
// database began, or zero when none is. Readers of a change feed keyed by update time
// use it: a record stamped before that moment may still become visible, so the feed
// must be read again from there. On SQLite it covers this process's writers (holding
// or waiting for the single writer); on PostgreSQL every transaction open on the
// database, written or not yet, as far as the server shows them to this role
// (sessions of other roles show no start and are not counted).
func (db *DB) OldestOpenWrite(ctx context.Context) (time.Time, error) {
	if db.dialect == SQLite {
		return db.gate.oldest(), nil
	}
	var started sql.NullTime
	// Every open transaction counts, not only those that have written yet: one that is
	// open now may write later and commit before the next read.
	err := db.read.QueryRowContext(ctx, `SELECT min(xact_start) FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend' AND xact_start IS NOT NULL
			AND pid <> pg_backend_pid()`).Scan(&started)
	if err != nil {
		return time.Time{}, fmt.Errorf("find the oldest open write transaction: %w", err)
	}
	if !started.Valid {
		return time.Time{}, nil
	}
	return started.Time.UTC(), nil
}

// OldestOpenWrite implements registration.OpenWrites.
func (s Registrations) OldestOpenWrite(ctx context.Context) (time.Time, error) {
	return s.DB.OldestOpenWrite(ctx)
}
