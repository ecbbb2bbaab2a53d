// Package store keeps Tandem's records in SQLite (embedded, the default) or PostgreSQL
// through one code path. SQL is written once in the common subset of both engines with
// $N placeholders; the few differences are named in dialect.go. Every table is keyed by
// workspace_id first and every query filters by it: that is the tenant wall.
//
// Writes go through DB.Tx, which runs a function in one transaction so that a domain
// change, its audit entry and the jobs it schedules commit together or not at all.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/tandemprm/tandem/internal/store/stmtcache"
)

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options say which database to open.
type Options struct {
	// URL is a postgres:// URL, or empty for SQLite in DataDir.
	URL string
	// DataDir holds tandem.db when URL is empty. It is created if missing.
	DataDir string
	// SQLitePath overrides the SQLite file (":memory:" is not supported: use a temp dir).
	SQLitePath string
	// MaxConns bounds the pool (PostgreSQL) or the readers (SQLite).
	MaxConns int
	// CheckpointEvery is how often SQLite's write-ahead log is copied back into the
	// database file in the background; zero means DefaultCheckpointEvery.
	CheckpointEvery time.Duration
}

// DB is an open database. Its methods are safe for concurrent use.
type DB struct {
	dialect Dialect
	write   *sql.DB       // SQLite: one connection, so writers queue instead of failing busy
	read    *sql.DB       // SQLite: several read-only connections; PostgreSQL: same as write
	pool    *pgxpool.Pool // PostgreSQL only: backs write/read and the job queue's listener
	path    string        // SQLite file path
	jobs    JobInserter   // where follow-up jobs go; see SetJobs
	gate    *writeGate    // SQLite only: orders writers, requests before background work
	// stopCheckpoints ends SQLite's background checkpointer and waits for it.
	stopCheckpoints func()
}

// Open connects to the database described by o and checks that it answers. It does
// not migrate; call Migrate. Errors are one plain sentence fit for a terminal.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.MaxConns < 2 {
		o.MaxConns = 10
	}
	if o.URL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o)
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	path := o.SQLitePath
	if path == "" {
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("cannot create data directory %s: %w", o.DataDir, unwrapPathError(err))
		}
		path = filepath.Join(o.DataDir, "tandem.db")
	}
	if err := checkWritable(filepath.Dir(path)); err != nil {
		return nil, err
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	// Both pools keep each connection's prepared statements: SQLite otherwise parses the
	// same statements again on every call, which is most of a short write's cost.
	drv := &sqlite.Driver{}
	// The writer never checkpoints on commit (wal_autocheckpoint(0)): copying the log
	// back into the database there would stall every queued writer behind one request.
	// A background connection checkpoints instead (see checkpointer.go).
	write := sql.OpenDB(stmtcache.DSN(drv, base+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)", stmtcache.Options{}))
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read := sql.OpenDB(stmtcache.DSN(drv, base+"&_pragma=query_only(1)", stmtcache.Options{}))
	read.SetMaxOpenConns(o.MaxConns)
	// Keep every reader open: database/sql closes idle connections beyond two by
	// default, and a reopened connection starts with no prepared statements.
	read.SetMaxIdleConns(o.MaxConns)
	db := &DB{dialect: SQLite, write: write, read: read, path: path, gate: newWriteGate(DefaultBackgroundMaxWait)}
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot use SQLite database %s: %w", path, err)
	}
	db.stopCheckpoints = startCheckpointer(sql.OpenDB(stmtcache.DSN(drv, base, stmtcache.Options{})), cmp.Or(o.CheckpointEvery, DefaultCheckpointEvery))
	return db, nil
}

// pingSQLite opens the first connections. A connection's first act is to put the
// database in WAL mode, which SQLite answers with "busy" at once, without waiting its
// busy timeout, while another process (a second replica starting, say) is in the
// middle of the same or of a migration; that is tried again for up to ten seconds.
func pingSQLite(ctx context.Context, db *DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := db.Ping(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sqliteBusy is SQLite's primary result code for a lock held elsewhere.
const sqliteBusy = 5

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".tandem-write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, unwrapPathError(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("invalid database URL: %s", redactedError(err))
	}
	cfg.MaxConns = int32(o.MaxConns)
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %s", redactURL(o.URL), redactedError(err))
	}
	sdb := stdlib.OpenDBFromPool(pool)
	db := &DB{dialect: Postgres, write: sdb, read: sdb, pool: pool}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %s", redactURL(o.URL), redactedError(err))
	}
	return db, nil
}

// redactURL removes any password from a database URL before it is shown.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// redactedError flattens pgx's error text to one line; pgx never includes passwords.
func redactedError(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// Dialect reports which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the pool for writes and transactions. On SQLite it has one connection.
func (db *DB) SQL() *sql.DB { return db.write }

// Reader returns the pool for read-only queries outside a transaction.
func (db *DB) Reader() *sql.DB { return db.read }

// Pgx returns the PostgreSQL pool, or nil on SQLite.
func (db *DB) Pgx() *pgxpool.Pool { return db.pool }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close releases every connection.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	var errs []error
	errs = append(errs, db.write.Close())
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return errors.Join(errs...)
}

// Tx runs fn in one write transaction and commits when fn returns nil; any error or
// panic rolls everything back. fn must not start another transaction. When ctx
// carries an idempotency claim (WithIdempotencyClaim), the first transaction that
// commits with it also records on the claimed key that the request's change is saved.
// On SQLite, transactions wait for the single writer in arrival order, those of a
// context marked Background after those of requests (see Background).
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if db.gate != nil {
		if err := db.gate.acquire(ctx, IsBackground(ctx)); err != nil {
			return fmt.Errorf("wait for the database writer: %w", err)
		}
		defer db.gate.release()
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	claim := idempotencyClaimOf(ctx)
	if claim != nil {
		if err = claim.markCommitted(ctx, tx); err != nil {
			return err
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if claim != nil {
		claim.done.Store(true)
	}
	return nil
}

// exec runs one writing statement outside a transaction. On SQLite it waits for the
// writer in the same queue as transactions (see Tx), so single statements neither
// jump ahead of requests nor hold background work back unfairly.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.gate != nil {
		if err := db.gate.acquire(ctx, IsBackground(ctx)); err != nil {
			return nil, fmt.Errorf("wait for the database writer: %w", err)
		}
		defer db.gate.release()
	}
	return db.write.ExecContext(ctx, query, args...)
}

// Querier is what both *sql.DB and *sql.Tx offer; store helpers take one so that they
// run inside or outside a transaction alike.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
