package store_test

import (
	"context"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestPartnerProfileStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { now = now.Add(time.Second); return now }
		svc := &partner.Service{Store: store.Partners{DB: db}, Now: clock}
		sys := policy.System(ws.ID)

		// Territories come from the workspace's list.
		in := partner.NewPartner{Name: "Kestrel Cloud", Domain: "https://www.Kestrel.example/", Regions: []string{"EMEA", "emea ", "Antarctica"},
			Verticals: []string{"Finance", "Health"}, Territories: []string{"benelux"}, Tags: []string{"strategic"},
			NamedAccounts: []string{"acme.example"}, Notes: "internal only", OwnerUserID: "usr_demo000002"}
		if _, err := svc.Create(ctx, sys, "test", in); tandem.KindOf(err) != tandem.KindInvalid || !strings.Contains(err.Error(), "territories[0]") {
			t.Fatalf("unknown territory: %v", err)
		}
		set := partner.DefaultSettings()
		set.Territories = []string{"Benelux", "Nordics"}
		set.Fit.Criteria[0] = fitscore.Criterion{Kind: fitscore.Industries, Weight: 20, Targets: []string{"finance", "retail"}}
		if _, _, err := svc.SaveSettings(ctx, sys, "test", set); err != nil {
			t.Fatal(err)
		}
		p, err := svc.Create(ctx, sys, "test", in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx, sys, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Domain != "kestrel.example" || !slices.Equal(got.Regions, []string{"EMEA", "Antarctica"}) || got.Region != "EMEA" ||
			!slices.Equal(got.Territories, []string{"Benelux"}) || !slices.Equal(got.Verticals, []string{"Finance", "Health"}) ||
			got.Notes != "internal only" || got.OwnerUserID != "usr_demo000002" || got.FitResult == nil || got.FitResult.Score != 50 {
			t.Fatalf("stored profile: %+v (fit %+v)", got, got.FitResult)
		}
		// A weight change rescores every partner.
		set.Fit.Criteria[0].Targets = []string{"finance", "health"}
		if _, n, err := svc.SaveSettings(ctx, sys, "test", set); err != nil || n < 1 {
			t.Fatalf("save settings: %d, %v", n, err)
		}
		if got, _ := svc.Get(ctx, sys, p.ID); got.FitResult == nil || got.FitResult.Score != 100 {
			t.Fatalf("rescored fit: %+v", got.FitResult)
		}
		// An edit scored under the old weights but written after a weights change is
		// scored as the settings stand when it commits: 50 again under the old
		// targets, not the 100 its writer computed.
		stale, err := store.Partners{DB: db}.PartnerByID(ctx, ws.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		set.Fit.Criteria[0].Targets = []string{"finance", "retail"}
		if _, _, err := svc.SaveSettings(ctx, sys, "test", set); err != nil {
			t.Fatal(err)
		}
		stale.Notes = "edited while the weights changed"
		stale.Rescore(fitscore.Config{Criteria: []fitscore.Criterion{{Kind: fitscore.Industries, Weight: 20, Targets: []string{"finance", "health"}}}})
		if stale.FitResult == nil || stale.FitResult.Score != 100 {
			t.Fatalf("the stale writer's own score: %+v", stale.FitResult)
		}
		stale.UpdatedAt = stale.UpdatedAt.Add(time.Millisecond)
		if err := (store.Partners{DB: db}).UpdatePartner(ctx, stale, stale.UpdatedAt.Add(-time.Millisecond), audit.New(ctx, sys, "test", t0, "partner.update", "partner", p.ID, nil, nil, "")); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Get(ctx, sys, p.ID); got.FitResult == nil || got.FitResult.Score != 50 || got.Notes != "edited while the weights changed" {
			t.Fatalf("a stale writer's score was kept: %+v (notes %q)", got.FitResult, got.Notes)
		}
		set.Fit.Criteria[0].Targets = []string{"finance", "health"}
		if _, _, err := svc.SaveSettings(ctx, sys, "test", set); err != nil {
			t.Fatal(err)
		}
		// A territory in use cannot be removed.
		set.Territories = []string{"Nordics"}
		if _, _, err := svc.SaveSettings(ctx, sys, "test", set); tandem.KindOf(err) != tandem.KindInvalid || !strings.Contains(err.Error(), "Kestrel") {
			t.Fatalf("removing a used territory: %v", err)
		}
		// The store judges it again inside its transaction: settings checked against
		// a partner list read before Kestrel took Benelux are still refused.
		entry := audit.New(ctx, sys, "test", t0, "partner_settings.update", "workspace", ws.ID, nil, nil, "")
		if _, err := (store.Partners{DB: db}).SavePartnerSettings(ctx, ws.ID, set, entry); tandem.KindOf(err) != tandem.KindInvalid ||
			!strings.Contains(tandem.FieldsOf(err)[0].Detail, "Kestrel") {
			t.Fatalf("removing a used territory past the service's check: %v", err)
		}
		// And a partner edit checked against settings read before Nordics was removed
		// is refused when it commits.
		set.Territories = []string{"Benelux"}
		if _, _, err := svc.SaveSettings(ctx, sys, "test", set); err != nil {
			t.Fatal(err)
		}
		late, err := store.Partners{DB: db}.PartnerByID(ctx, ws.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		late.Territories = []string{"Benelux", "Nordics"}
		late.UpdatedAt = late.UpdatedAt.Add(time.Millisecond)
		err = store.Partners{DB: db}.UpdatePartner(ctx, late, late.UpdatedAt.Add(-time.Millisecond), entry)
		if tandem.KindOf(err) != tandem.KindInvalid || !strings.Contains(err.Error(), "territories[1]") {
			t.Fatalf("a partner edit assigning a removed territory: %v", err)
		}
		set.Territories = []string{"Benelux", "Nordics"}
		if _, _, err := svc.SaveSettings(ctx, sys, "test", set); err != nil {
			t.Fatal(err)
		}
		// An owner must be an internal user.
		bad := "usr_demo000009"
		if _, err := svc.Update(ctx, sys, "test", p.ID, partner.Changes{OwnerUserID: &bad}); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("owner who is not an internal user: %v", err)
		}

		// Filters on list values ignore case; another workspace sees nothing.
		for _, f := range []partner.Filter{{Tag: "STRATEGIC"}, {Vertical: "health"}, {Territory: "benelux"}, {Region: "antarctica"}, {Query: "kestrel.ex"}, {OwnerUserID: "usr_demo000002"}} {
			ps, _, err := svc.List(ctx, sys, f, "", 10)
			if err != nil || len(ps) != 1 || ps[0].ID != p.ID {
				t.Fatalf("filter %+v: %v, %v", f, ps, err)
			}
			if ps, _, _ := svc.List(ctx, policy.System("ws_other"), f, "", 10); len(ps) != 0 {
				t.Fatalf("filter %+v reached another workspace", f)
			}
		}
		if ps, _, err := svc.List(ctx, sys, partner.Filter{IDs: []string{p.ID, "prt_demo000003"}}, "", 10); err != nil || len(ps) != 2 {
			t.Fatalf("id filter: %v, %v", ps, err)
		}
		if ps, _, err := svc.List(ctx, sys, partner.Filter{IDs: []string{}}, "", 10); err != nil || len(ps) != 0 {
			t.Fatalf("empty id filter: %v, %v", ps, err)
		}

		// Lifecycle history: creation and every move, with actor and rationale.
		if _, err := svc.MoveLifecycle(ctx, sys, "Pat", p.ID, partner.Onboarding, "signed"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.MoveLifecycle(ctx, sys, "Pat", p.ID, partner.Dormant, ""); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("onboarding → dormant: %v", err)
		}
		h, err := svc.History(ctx, sys, p.ID)
		if err != nil || len(h) != 2 || h[0].From != "" || h[0].To != partner.Applied || h[1].To != partner.Onboarding || h[1].Rationale != "signed" || h[1].ActorName != "Pat" {
			t.Fatalf("history: %+v, %v", h, err)
		}

		// Every sort pages through every partner exactly once, in order.
		for _, s := range partner.Sorts {
			var seen []partner.Partner
			after := ""
			for {
				ps, more, err := svc.List(ctx, sys, partner.Filter{Sort: s}, after, 7)
				if err != nil {
					t.Fatalf("sort %q: %v", s, err)
				}
				seen = append(seen, ps...)
				if !more {
					break
				}
				after = partner.Cursor(ps[len(ps)-1], s)
			}
			if len(seen) != demo.Partners+1 {
				t.Fatalf("sort %q: %d partners, want %d", s, len(seen), demo.Partners+1)
			}
			ordered := sort.SliceIsSorted(seen, func(i, j int) bool {
				a, b := seen[i], seen[j]
				switch s {
				case partner.SortName:
					return a.Name < b.Name || a.Name == b.Name && a.ID < b.ID
				case partner.SortTier:
					return a.Tier < b.Tier || a.Tier == b.Tier && a.ID < b.ID
				case partner.SortFit:
					return a.Score() > b.Score() || a.Score() == b.Score() && a.ID > b.ID
				case partner.SortUpdated:
					return a.UpdatedAt.After(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID
				}
				return a.ID < b.ID
			})
			if !ordered {
				t.Fatalf("sort %q: out of order", s)
			}
		}
		if _, _, err := svc.List(ctx, sys, partner.Filter{Sort: "fit"}, "prt_x", 7); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("an id cursor with a sort: %v", err)
		}
	})
}

// TestPartnerListsBackfill runs migration 00013's backfill over partners whose
// lists were written only to partner_motions and partner_values, and expects the
// same partners back.
func TestPartnerListsBackfill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		ps := store.Partners{DB: db}
		svc := &partner.Service{Store: ps, Now: time.Now}
		tags := []string{"b-tag", "a-tag"}
		regions := []string{"NA", "EMEA"}
		if _, err := svc.Update(ctx, policy.System(ws.ID), "test", "prt_demo000001", partner.Changes{Tags: &tags, Regions: &regions}); err != nil {
			t.Fatal(err)
		}
		before, err := ps.AllPartners(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile("migrations/" + string(db.Dialect()) + "/00013_partner_lists.sql")
		if err != nil {
			t.Fatal(err)
		}
		up := string(raw)
		up = up[strings.Index(up, "UPDATE partners"):strings.Index(up, "-- +goose Down")]
		if _, err := db.SQL().ExecContext(ctx, `UPDATE partners SET lists = ''`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, up); err != nil {
			t.Fatal(err)
		}
		after, err := ps.AllPartners(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("%d partners after, %d before", len(after), len(before))
		}
		for i := range before {
			b, a := before[i], after[i]
			// The backfill orders motions by name; a partner saved since keeps the order given.
			slices.Sort(a.Motions)
			slices.Sort(b.Motions)
			if !slices.Equal(a.Motions, b.Motions) || !slices.Equal(a.Regions, b.Regions) || !slices.Equal(a.Tags, b.Tags) {
				t.Fatalf("partner %s: %v %v %v after the backfill, %v %v %v before", b.ID, a.Motions, a.Regions, a.Tags, b.Motions, b.Regions, b.Tags)
			}
		}
	})
}
