// Package benchdb gives a benchmark run a database of its own: SQLite in a new
// temporary directory, or a new schema in a PostgreSQL database, removed when the run
// ends unless asked to keep it. It backs the "tandem bench …" commands.
package benchdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/tandemprm/tandem/internal/store"
)

// Fresh returns options for an empty database named after prefix (e.g. "pipebench"):
// SQLite in a new temporary directory when databaseURL is empty, otherwise a new
// schema in that PostgreSQL database. cleanup removes it; with keep it does nothing,
// and where the database stays is written to progress.
func Fresh(ctx context.Context, databaseURL, prefix string, keep bool, progress io.Writer) (opts store.Options, cleanup func(), err error) {
	if progress == nil {
		progress = io.Discard
	}
	if databaseURL == "" {
		dir, err := os.MkdirTemp("", "tandem-"+prefix+"-")
		if err != nil {
			return store.Options{}, nil, fmt.Errorf("create a directory for the database: %w", err)
		}
		if keep {
			fmt.Fprintf(progress, "database kept in %s\n", dir)
			return store.Options{DataDir: dir}, func() {}, nil
		}
		return store.Options{DataDir: dir}, func() { os.RemoveAll(dir) }, nil
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return store.Options{}, nil, fmt.Errorf("invalid database URL: %w", err)
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return store.Options{}, nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return store.Options{}, nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	if keep {
		fmt.Fprintf(progress, "database kept in schema %s\n", schema)
		return store.Options{URL: u.String()}, func() {}, nil
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), databaseURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	return store.Options{URL: u.String()}, drop, nil
}

// Open gives a run a fresh database (see Fresh), opened and migrated. done closes it
// and then removes it (unless keep).
func Open(ctx context.Context, databaseURL, prefix string, keep bool, progress io.Writer) (db *store.DB, done func(), err error) {
	opts, cleanup, err := Fresh(ctx, databaseURL, prefix, keep, progress)
	if err != nil {
		return nil, nil, err
	}
	db, err = store.Open(ctx, opts)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		cleanup()
		return nil, nil, err
	}
	return db, func() { db.Close(); cleanup() }, nil
}

// Analyze gathers the planner statistics that autovacuum (PostgreSQL) or a periodic
// ANALYZE would have after a bulk load; without them PostgreSQL plans for empty
// tables.
func Analyze(ctx context.Context, db *store.DB) error {
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
