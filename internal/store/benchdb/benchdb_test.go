package benchdb_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/benchdb"
)

// TestFreshGivesAnEmptyDatabaseAndRemovesIt: a run gets a database of its own that is
// gone after cleanup, unless it asked to keep it, on each engine available.
func TestFreshGivesAnEmptyDatabaseAndRemovesIt(t *testing.T) {
	ctx := context.Background()
	urls := []string{""}
	if u := os.Getenv("TANDEM_TEST_POSTGRES_URL"); u != "" {
		urls = append(urls, u)
	}
	for _, u := range urls {
		opts, cleanup, err := benchdb.Fresh(ctx, u, "benchdbtest", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM workspaces").Scan(&n); err != nil || n != 0 {
			t.Fatalf("fresh database has %d workspaces (%v)", n, err)
		}
		db.Close()
		cleanup()
		if u == "" {
			if _, err := os.Stat(opts.DataDir); !os.IsNotExist(err) {
				t.Fatalf("the SQLite directory %s is still there: %v", opts.DataDir, err)
			}
		} else if !strings.Contains(opts.URL, "search_path=benchdbtest_") {
			t.Fatalf("the PostgreSQL run is not in a schema of its own: %s", opts.URL)
		}
	}
	var kept strings.Builder
	opts, cleanup, err := benchdb.Fresh(ctx, "", "benchdbtest", true, &kept)
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	defer os.RemoveAll(opts.DataDir)
	if _, err := os.Stat(opts.DataDir); err != nil || !strings.Contains(kept.String(), opts.DataDir) {
		t.Fatalf("a kept database was removed or not reported: %v %q", err, kept.String())
	}
}
