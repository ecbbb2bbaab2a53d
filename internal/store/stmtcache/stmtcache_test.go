package stmtcache_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"

	"github.com/tandemprm/tandem/internal/store/stmtcache"
)

// counting wraps a real SQLite connection and counts the statements it prepares.
type counting struct {
	driver.Conn
	prepared *atomic.Int64
}

func (c counting) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.prepared.Add(1)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c counting) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

// open returns a one-connection pool over a fresh SQLite file through the cache, and
// the number of statements SQLite was asked to prepare so far.
func open(t *testing.T, o stmtcache.Options) (*sql.DB, *atomic.Int64) {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)"
	drv := &sqlite.Driver{}
	var n atomic.Int64
	db := sql.OpenDB(stmtcache.New(drv, func(context.Context) (driver.Conn, error) {
		c, err := drv.Open(dsn)
		if err != nil {
			return nil, err
		}
		return counting{Conn: c, prepared: &n}, nil
	}, o))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return db, &n
}

func TestRepeatedStatementsArePreparedOnce(t *testing.T) {
	db, prepared := open(t, stmtcache.Options{})
	before := prepared.Load()
	for i := range 50 {
		if _, err := db.Exec(`INSERT INTO t (id, name) VALUES (?, ?)`, i, "n"+string(rune('a'+i%26))+strings.Repeat("x", i)); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.QueryRow(`SELECT name FROM t WHERE id = ?`, i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, "n") {
			t.Fatalf("row %d reads %q", i, got)
		}
	}
	if n := prepared.Load() - before; n != 2 {
		t.Fatalf("100 calls of two statements prepared %d statements, want 2", n)
	}
}

func TestFailedStatementCanRunAgain(t *testing.T) {
	db, _ := open(t, stmtcache.Options{})
	ins := `INSERT INTO t (id, name) VALUES (?, ?)`
	if _, err := db.Exec(ins, 1, "same"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ins, 2, "same"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate insert: %v, want a UNIQUE failure", err)
	}
	if _, err := db.Exec(ins, 3, "other"); err != nil {
		t.Fatalf("insert after a failure on the same statement: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count = %d, %v; want 2", n, err)
	}
}

func TestSameQueryInsideOpenRows(t *testing.T) {
	db, _ := open(t, stmtcache.Options{})
	for i := range 5 {
		if _, err := db.Exec(`INSERT INTO t (id, name) VALUES (?, ?)`, i, string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := `SELECT id, name FROM t WHERE id >= ? ORDER BY id`
	outer, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for outer.Next() {
		var id int
		var name string
		if err := outer.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, id)
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			pairs++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if pairs != 15 { // 5 + 4 + 3 + 2 + 1
		t.Fatalf("nested reads of the same query saw %d rows, want 15", pairs)
	}
}

func TestEvictionKeepsOpenRowsReadable(t *testing.T) {
	db, prepared := open(t, stmtcache.Options{Size: 2})
	for i := range 3 {
		if _, err := db.Exec(`INSERT INTO t (id, name) VALUES (?, ?)`, i, string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT name FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	// Three other statements push the open one out of a cache of two.
	for _, q := range []string{`SELECT 1`, `SELECT 2`, `SELECT 3`} {
		var v int
		if err := tx.QueryRow(q).Scan(&v); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("rows after eviction = %v", names)
	}
	before := prepared.Load()
	var v int
	if err := tx.QueryRow(`SELECT 3`).Scan(&v); err != nil || v != 3 {
		t.Fatalf("SELECT 3 = %d, %v", v, err)
	}
	if prepared.Load() != before {
		t.Fatal("a statement still in the cache was prepared again")
	}
}

func TestLongStatementsAreNotKept(t *testing.T) {
	db, prepared := open(t, stmtcache.Options{MaxLen: 40})
	long := `SELECT name FROM t WHERE id = ? AND name <> 'this makes it long'`
	before := prepared.Load()
	for range 3 {
		var s string
		if err := db.QueryRow(long, 1).Scan(&s); err != sql.ErrNoRows {
			t.Fatalf("query: %v", err)
		}
	}
	if n := prepared.Load() - before; n != 3 {
		t.Fatalf("a statement over MaxLen was prepared %d times in 3 calls, want 3", n)
	}
}

func TestRollbackAndCommitThroughKeptStatements(t *testing.T) {
	db, _ := open(t, stmtcache.Options{})
	ins := `INSERT INTO t (id, name) VALUES (?, ?)`
	for i, commit := range []bool{false, true, false, true} {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ins, i, string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var ids string
	if err := db.QueryRow(`SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY id)`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "1,3" {
		t.Fatalf("committed ids = %q, want 1,3", ids)
	}
}
