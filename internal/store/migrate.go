package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrations embed.FS

// migrationLockID is the PostgreSQL advisory lock held while migrating, so replicas
// that start together migrate one after another instead of racing.
const migrationLockID = 7_246_301_905

func (db *DB) goose() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, db.dialect.migrationDir())
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(db.dialect.gooseDialect(), db.write, sub)
}

// JobDriver returns the job queue's driver for this engine, over the write pool.
func (db *DB) JobDriver() riverdriver.Driver[*sql.Tx] {
	if db.dialect == Postgres {
		return riverdatabasesql.NewWithPgxListener(db.write, db.pool)
	}
	return riversqlite.New(db.write)
}

// Migrate brings the schema (Tandem's tables and the job queue's) up to date. On
// PostgreSQL it holds an advisory lock for the duration, so any number of replicas may
// call it at once. It reports how many migrations it applied.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	if db.dialect == SQLite {
		unlock, err := lockFile(db.path + ".migrate-lock")
		if err != nil {
			return 0, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer unlock()
	}
	if db.dialect == Postgres {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
			return 0, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
		}()
	}
	p, err := db.goose()
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("migrate: %w", err)
	}
	m, err := rivermigrate.New(db.JobDriver(), nil)
	if err != nil {
		return len(results), fmt.Errorf("migrate job queue: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return len(results), fmt.Errorf("migrate job queue: %w", err)
	}
	return len(results) + len(res.Versions), nil
}

// MigrationsCurrent reports whether every embedded migration has been applied.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := db.goose()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, err
	}
	return !pending, nil
}
