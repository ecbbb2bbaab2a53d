// Package storetest opens real databases for tests: SQLite in a temporary directory
// always, and PostgreSQL when TANDEM_TEST_POSTGRES_URL is set, each test in a schema of
// its own so tests run in parallel without seeing each other's rows.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tandemprm/tandem/internal/store"
)

// PostgresURLEnv names the variable that switches PostgreSQL tests on.
const PostgresURLEnv = "TANDEM_TEST_POSTGRES_URL"

// Engine is a way to open a fresh, migrated database for one test.
type Engine struct {
	Name string
	// Options returns options for store.Open that point at a fresh, empty database
	// (a new SQLite file, or a new PostgreSQL schema dropped when the test ends).
	Options func(t testing.TB) store.Options
}

// Engines lists SQLite, and PostgreSQL when TANDEM_TEST_POSTGRES_URL is set.
func Engines() []Engine {
	es := []Engine{{Name: "sqlite", Options: sqliteOptions}}
	if os.Getenv(PostgresURLEnv) != "" {
		es = append(es, Engine{Name: "postgres", Options: postgresOptions})
	}
	return es
}

// Each runs fn as a subtest once per engine with a fresh, migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, e))
		})
	}
}

// Open opens and migrates a fresh database on the engine, closed when the test ends.
func Open(t testing.TB, e Engine) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), e.Options(t))
	if err != nil {
		t.Fatalf("open %s: %v", e.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", e.Name, err)
	}
	return db
}

func sqliteOptions(t testing.TB) store.Options {
	return store.Options{DataDir: t.TempDir(), MaxConns: 4}
}

func postgresOptions(t testing.TB) store.Options {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL is unreachable: %v", PostgresURLEnv, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Options{URL: u.String(), MaxConns: 4}
}
