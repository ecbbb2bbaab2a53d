package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestAnOffboardedPartnerHoldsNoExclusivity: the conflict policy reads the same
// holders as the territory limit counts, so a partner that left the program no longer
// wins registrations by a grant it was given while active.
func TestAnOffboardedPartnerHoldsNoExclusivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		x := partner.Exclusivity{WorkspaceID: ws.ID, PartnerID: "prt_demo000001", Territory: "Benelux", GrantedAt: now, GrantedBy: "usr_demo000001", GrantedByName: "Paul"}
		e := audit.New(ctx, policy.System(ws.ID), "test", now, "partner.exclusivity_grant", "partner", x.PartnerID, nil, nil, "")
		if err := (store.Partners{DB: db}).GrantExclusivity(ctx, x, 1, e); err != nil {
			t.Fatal(err)
		}
		regs := store.Registrations{DB: db}
		held, err := regs.ExclusiveTerritories(ctx, ws.ID, []string{x.PartnerID}, now)
		if err != nil || len(held[x.PartnerID]) != 1 {
			t.Fatalf("active holder: %v, %v", held, err)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE partners SET lifecycle = 'offboarded' WHERE workspace_id = $1 AND id = $2`, ws.ID, x.PartnerID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		held, err = regs.ExclusiveTerritories(ctx, ws.ID, []string{x.PartnerID}, now)
		if err != nil || len(held[x.PartnerID]) != 0 {
			t.Fatalf("offboarded holder still holds: %v, %v", held, err)
		}
	})
}
