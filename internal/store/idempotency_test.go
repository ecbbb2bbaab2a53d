package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// TestChangeSavedBeforeACrashIsNeverSavedAgain: a request saves its change and the
// process dies before recording the response. However late the retry comes, it is
// told the change was made rather than making it again.
func TestChangeSavedBeforeACrashIsNeverSavedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		if stored, err := db.ClaimIdempotencyKey(bg, "ws_1", "token:tok_1", "k-1", "h", t0); stored != nil || err != nil {
			t.Fatalf("first claim: %v %v", stored, err)
		}
		ctx := store.WithIdempotencyClaim(bg, "ws_1", "token:tok_1", "k-1", t0)
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return db.CreateWorkspace(ctx, tx, testWorkspace("saved-once")) }); err != nil {
			t.Fatal(err)
		}
		// The process dies here. A release (as after a 5xx) must not forget the key either.
		if err := db.ReleaseIdempotencyKey(bg, "ws_1", "token:tok_1", "k-1", t0); err != nil {
			t.Fatal(err)
		}
		stored, err := db.ClaimIdempotencyKey(bg, "ws_1", "token:tok_1", "k-1", "h", t0.Add(time.Hour))
		if err != nil || stored == nil || stored.Status != store.ResponseLost {
			t.Fatalf("retry an hour later: %+v %v, want the key reported as used with its response lost", stored, err)
		}
	})
}

// TestTakenOverClaimSavesNothing: a retry takes over a key whose first request seemed
// dead but was only slow; the slow request then finds the key no longer its own, and
// its change and response are not saved.
func TestTakenOverClaimSavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		later := t0.Add(time.Minute)
		if _, err := db.ClaimIdempotencyKey(bg, "ws_1", "token:tok_1", "k-2", "h", t0); err != nil {
			t.Fatal(err)
		}
		if stored, err := db.ClaimIdempotencyKey(bg, "ws_1", "token:tok_1", "k-2", "h", later); stored != nil || err != nil {
			t.Fatalf("takeover: %v %v", stored, err)
		}
		slow := store.WithIdempotencyClaim(bg, "ws_1", "token:tok_1", "k-2", t0)
		err := db.Tx(slow, func(tx *sql.Tx) error { return db.CreateWorkspace(slow, tx, testWorkspace("slow")) })
		if tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("the slow request's transaction: %v, want a conflict", err)
		}
		if _, err := db.WorkspaceBySlug(bg, "slow"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("the slow request's change was saved: %v", err)
		}
		_ = db.SaveIdempotentResponse(bg, "ws_1", "token:tok_1", "k-2", t0, 409, "application/problem+json", []byte("{}"))
		retry := store.WithIdempotencyClaim(bg, "ws_1", "token:tok_1", "k-2", later)
		if err := db.Tx(retry, func(tx *sql.Tx) error { return db.CreateWorkspace(retry, tx, testWorkspace("retried")) }); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveIdempotentResponse(bg, "ws_1", "token:tok_1", "k-2", later, 201, "application/json", []byte(`{"ok":true}`)); err != nil {
			t.Fatal(err)
		}
		stored, err := db.ClaimIdempotencyKey(bg, "ws_1", "token:tok_1", "k-2", "h", later.Add(time.Second))
		if err != nil || stored == nil || stored.Status != 201 || string(stored.Body) != `{"ok":true}` {
			t.Fatalf("replay: %+v %v, want the retry's 201", stored, err)
		}
	})
}

func testWorkspace(slug string) workspace.Workspace {
	return workspace.Workspace{ID: tandem.NewID("ws", t0), Slug: slug, Name: slug, TimeZone: "UTC", Currency: "EUR", CreatedAt: t0, UpdatedAt: t0}
}
