package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// The writer does not checkpoint when it commits; the background checkpointer copies
// the log into the database file soon after, and the data stays readable throughout.
func TestSQLiteLogIsCopiedBackInTheBackground(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: dir, CheckpointEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "tandem.db")
	size := func() int64 {
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Wait for the migrations to reach the file, then write well beyond a page.
	time.Sleep(200 * time.Millisecond)
	before := size()
	for i := range 200 {
		w := workspace.Workspace{ID: tandem.NewID("ws", t0), Slug: fmt.Sprintf("ckpt-%03d", i), Name: fmt.Sprintf("Checkpoint workspace %d with a longer name", i),
			TimeZone: "UTC", Currency: "EUR", CreatedAt: t0, UpdatedAt: t0}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return db.CreateWorkspace(ctx, tx, w) }); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: the log was not copied back", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var n int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM workspaces WHERE slug LIKE 'ckpt-%'`).Scan(&n); err != nil || n != 200 {
		t.Fatalf("workspaces after the checkpoint: %d, %v; want 200", n, err)
	}
}
