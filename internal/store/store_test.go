package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func newWorkspace(t *testing.T, db *store.DB, slug string) workspace.Workspace {
	t.Helper()
	w := workspace.Workspace{ID: tandem.NewID("ws", t0), Slug: slug, Name: slug, TimeZone: "UTC", Currency: "EUR", CreatedAt: t0, UpdatedAt: t0}
	if err := db.Tx(context.Background(), func(tx *sql.Tx) error { return db.CreateWorkspace(context.Background(), tx, w) }); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestMigrateIsIdempotentAndCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n, err := db.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, err %v; want 0, nil", n, err)
		}
		ok, err := db.MigrationsCurrent(ctx)
		if err != nil || !ok {
			t.Fatalf("MigrationsCurrent = %v, %v", ok, err)
		}
	})
}

func TestConcurrentMigrationsOnOneDatabase(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			opts := e.Options(t)
			ctx := context.Background()
			errs := make(chan error, 3)
			for i := 0; i < 3; i++ {
				go func() {
					db, err := store.Open(ctx, opts)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close()
					_, err = db.Migrate(ctx)
					errs <- err
				}()
			}
			for i := 0; i < 3; i++ {
				if err := <-errs; err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
			}
		})
	}
}

func TestWorkspaceSlugIsUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newWorkspace(t, db, "acme")
		w := workspace.Workspace{ID: tandem.NewID("ws", t0), Slug: "acme", Name: "Other", TimeZone: "UTC", Currency: "EUR", CreatedAt: t0, UpdatedAt: t0}
		err := db.Tx(context.Background(), func(tx *sql.Tx) error { return db.CreateWorkspace(context.Background(), tx, w) })
		if tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("err = %v, want conflict", err)
		}
		got, err := db.WorkspaceBySlug(context.Background(), "acme")
		if err != nil || got.Name != "acme" {
			t.Fatalf("got %+v, %v", got, err)
		}
		if _, err := db.WorkspaceBySlug(context.Background(), "nope"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("missing slug: %v", err)
		}
	})
}

func TestFailedTransactionWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorkspace(t, db, "ws")
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			p := partner.Partner{WorkspaceID: w.ID, ID: "prt_1", Name: "A", Lifecycle: partner.Active, CreatedAt: t0, UpdatedAt: t0}
			if err := db.CreatePartner(ctx, tx, p); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		c, err := db.CountRecords(ctx, w.ID)
		if err != nil || c.Partners != 0 {
			t.Fatalf("counts %+v, %v: the rolled-back partner is visible", c, err)
		}
	})
}

func TestListPartnersFiltersPagesAndStaysInItsWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := newWorkspace(t, db, "a"), newWorkspace(t, db, "b")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			for i := 0; i < 25; i++ {
				p := partner.Partner{WorkspaceID: a.ID, ID: tandem.NewID("prt", t0.Add(time.Duration(i)*time.Millisecond)),
					Name: fmt.Sprintf("Partner %02d", i), Tier: []string{"Gold", "Silver"}[i%2], Lifecycle: partner.Active,
					Motions: []tandem.Motion{tandem.Motions[i%5]}, CreatedAt: t0, UpdatedAt: t0}
				if err := db.CreatePartner(ctx, tx, p); err != nil {
					return err
				}
			}
			return db.CreatePartner(ctx, tx, partner.Partner{WorkspaceID: b.ID, ID: "prt_b", Name: "Partner in B", Lifecycle: partner.Active, CreatedAt: t0, UpdatedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		var all []partner.Partner
		pg := store.Page{Limit: 10}
		for {
			ps, more, err := db.ListPartners(ctx, a.ID, partner.Filter{}, pg)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ps...)
			if !more {
				break
			}
			pg.After = ps[len(ps)-1].ID
		}
		if len(all) != 25 {
			t.Fatalf("paged through %d partners, want 25", len(all))
		}
		for i, p := range all {
			if p.Name != fmt.Sprintf("Partner %02d", i) || len(p.Motions) != 1 {
				t.Fatalf("partner %d = %+v", i, p)
			}
		}
		gold, _, err := db.ListPartners(ctx, a.ID, partner.Filter{Tier: "Gold", Motion: tandem.MotionResale}, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range gold {
			if p.Tier != "Gold" || p.Motions[0] != tandem.MotionResale {
				t.Fatalf("filter let through %+v", p)
			}
		}
		if len(gold) != 2 { // Gold is i%2 == 0 and resale is i%5 == 1: i = 6 and 16
			t.Fatalf("gold resale partners = %d, want 2", len(gold))
		}
		q, _, err := db.ListPartners(ctx, a.ID, partner.Filter{Query: "partner in"}, store.Page{Limit: 100})
		if err != nil || len(q) != 0 {
			t.Fatalf("search crossed workspaces: %v %v", q, err)
		}
		pct, _, err := db.ListPartners(ctx, a.ID, partner.Filter{Query: "%"}, store.Page{Limit: 100})
		if err != nil || len(pct) != 0 {
			t.Fatalf("a %% in the query must match literally: %d rows, %v", len(pct), err)
		}
	})
}

func TestContactMustReferToAnAccountInTheSameWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := newWorkspace(t, db, "a"), newWorkspace(t, db, "b")
		acc := account.Account{WorkspaceID: a.ID, ID: "acc_1", Name: "Acme", CreatedAt: t0, UpdatedAt: t0}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return db.CreateAccount(ctx, tx, acc) }); err != nil {
			t.Fatal(err)
		}
		c := account.Contact{WorkspaceID: b.ID, ID: "con_1", AccountID: "acc_1", Name: "Ana", CreatedAt: t0}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return db.CreateContact(ctx, tx, c) }); err == nil {
			t.Fatal("a contact in workspace b was linked to an account in workspace a")
		}
	})
}

func TestStalePartnerUpdateIsAConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorkspace(t, db, "ws")
		s := store.Partners{DB: db}
		p := partner.Partner{WorkspaceID: w.ID, ID: "prt_1", Name: "A", Lifecycle: partner.Active, CreatedAt: t0, UpdatedAt: t0}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return db.CreatePartner(ctx, tx, p) }); err != nil {
			t.Fatal(err)
		}
		first, second := p, p
		first.Name, first.UpdatedAt = "First", t0.Add(time.Second)
		second.Name, second.UpdatedAt = "Second", t0.Add(2*time.Second)
		e := audit.Entry{WorkspaceID: w.ID, ID: "aud_1", At: t0, ActorType: "user", ActorID: "u", Action: "partner.update", SubjectType: "partner", SubjectID: "prt_1"}
		if err := s.UpdatePartner(ctx, first, t0, e); err != nil {
			t.Fatal(err)
		}
		e.ID = "aud_2"
		if err := s.UpdatePartner(ctx, second, t0, e); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("an edit based on a stale read overwrote the first: %v", err)
		}
		got, err := s.PartnerByID(ctx, w.ID, "prt_1")
		if err != nil || got.Name != "First" {
			t.Fatalf("stored %+v, %v", got, err)
		}
		es, _, err := db.ListAudit(ctx, w.ID, audit.Filter{SubjectID: "prt_1"}, store.Page{Limit: 10})
		if err != nil || len(es) != 1 {
			t.Fatalf("the refused edit left an audit entry: %d, %v", len(es), err)
		}
	})
}
