package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestOldestOpenWriteSeesATransactionThatHasWritten pins what the company index's
// change feed relies on: while a write transaction is open, the database reports a
// start no later than when it began, so a reader goes back far enough to see its rows
// once they commit.
func TestOldestOpenWriteSeesATransactionThatHasWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		began := time.Now()
		wrote, done := make(chan struct{}), make(chan struct{})
		errc := make(chan error, 1)
		go func() {
			errc <- db.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "CREATE TABLE open_write_probe (id INTEGER PRIMARY KEY)"); err != nil {
					return err
				}
				close(wrote)
				<-done
				return nil
			})
		}()
		<-wrote
		oldest, err := db.OldestOpenWrite(ctx)
		close(done)
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		// The clocks of the database server and this process may differ a little.
		if oldest.IsZero() || oldest.After(began.Add(time.Second)) {
			t.Fatalf("oldest open write = %v, want a start at or before %v", oldest, began)
		}
		if db.Dialect() == store.SQLite {
			// SQLite's writers are all in this process: none is left.
			if oldest, err := db.OldestOpenWrite(ctx); err != nil || !oldest.IsZero() {
				t.Fatalf("after commit: oldest open write = %v, %v; want none", oldest, err)
			}
		}
	})
}
