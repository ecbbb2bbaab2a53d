package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestTierReviewProposesAndNeverChangesSilently runs the tier review over real rows on
// both engines: revenue from won opportunities (sourced and credited, counted once),
// registrations in the last 90 days, the grace period before a demotion, and a
// confirmation that is the only thing that changes a tier.
func TestTierReviewProposesAndNeverChangesSilently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		clock := t0
		svc := &program.Service{Store: store.Program{DB: db}, Now: func() time.Time { return clock }}
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_demo000000", Role: tandem.RoleAdmin}

		// The program: a short grace period.
		set := program.Default()
		set.GraceDays = 10
		if _, err := svc.Update(ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Get(ctx, admin); err != nil || got.GraceDays != 10 {
			t.Fatalf("saved program: %+v, %v", got, err)
		}
		bad := set
		bad.Tiers = append([]program.Tier(nil), set.Tiers...)
		bad.Tiers[1].Rank = 1
		if _, err := svc.Update(ctx, admin, "Ada", bad); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("duplicate rank saved: %v", err)
		}

		mk := func(name, tier string) string {
			p := partner.Partner{WorkspaceID: ws.ID, ID: tandem.NewID("prt", clock), Name: name, Tier: tier, Lifecycle: partner.Active, CreatedAt: clock, UpdatedAt: clock}
			if err := db.CreatePartner(ctx, db.SQL(), p); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		rising, falling := mk("Zz Rising Partner", "Registered"), mk("Zz Falling Partner", "Platinum")

		// Rising: 3 registrations this quarter (one too old to count, and a declined and a
		// withdrawn one that never count) and 60,000.00 won.
		var regs []registration.Registration
		for i, at := range []time.Time{t0.Add(-24 * time.Hour), t0.Add(-30 * 24 * time.Hour), t0.Add(-80 * 24 * time.Hour), t0.Add(-100 * 24 * time.Hour)} {
			regs = append(regs, registration.Registration{WorkspaceID: ws.ID, ID: tandem.NewID("reg", at.Add(time.Duration(i))), PartnerID: rising,
				Status: registration.Pending, Channel: registration.ChannelAPI, CustomerName: "Customer", Motion: tandem.MotionReferral, CreatedAt: at, UpdatedAt: at})
		}
		for i, st := range []registration.Status{registration.Declined, registration.Withdrawn} { // recent, but they do not count
			at := t0.Add(-time.Duration(i+2) * time.Hour)
			regs = append(regs, registration.Registration{WorkspaceID: ws.ID, ID: tandem.NewID("reg", at), PartnerID: rising,
				Status: st, Channel: registration.ChannelAPI, CustomerName: "Junk", Motion: tandem.MotionReferral, CreatedAt: at, UpdatedAt: at})
		}
		if err := db.BulkInsertRegistrations(ctx, regs); err != nil {
			t.Fatal(err)
		}
		pipe := store.Pipeline{DB: db}
		acc := pipeline.Account{Account: account.Account{WorkspaceID: ws.ID, ID: tandem.NewID("acc", t0), Name: "Rising Customer", CreatedAt: t0, UpdatedAt: t0}, Version: 1}
		if err := pipe.SaveAccount(ctx, acc, 0, audit.New(ctx, policy.System(ws.ID), "t", t0, "account.create", "account", acc.ID, nil, nil, "")); err != nil {
			t.Fatal(err)
		}
		won := func(amount int64, closeOn string, sourced string, credited []string) {
			o := pipeline.Opportunity{WorkspaceID: ws.ID, ID: tandem.NewID("opp", clock), AccountID: acc.ID, Name: "Deal", AmountMinor: amount, Currency: ws.Currency,
				CloseOn: closeOn, Motion: tandem.MotionReferral, Stage: "won", Status: pipeline.Won, PartnerID: sourced, CreatedAt: t0, UpdatedAt: t0, Version: 1}
			w := pipeline.Write{Opportunity: o}
			if credited != nil {
				var es []attribution.Entry
				for _, p := range credited {
					es = append(es, attribution.Entry{PartnerID: p, Kind: attribution.Influenced, Percent: 5000})
				}
				w.Attribution = &es
			}
			if err := pipe.SaveOpportunity(ctx, w); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Millisecond)
		}
		won(4_000_000, "2026-10-01", rising, []string{rising}) // sourced and credited: counted once
		won(2_000_000, "", "", []string{rising})               // credited only, no close date: counted by update time
		won(9_000_000, "2025-01-01", rising, nil)              // too old
		clock = t0

		n, err := svc.Evaluate(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		open, err := svc.List(ctx, admin, program.Open, 0)
		if err != nil || len(open) != n {
			t.Fatalf("open reviews: %d of %d, %v", len(open), n, err)
		}
		byPartner := map[string]program.Review{}
		for _, r := range open {
			byPartner[r.PartnerID] = r
		}
		up, ok := byPartner[rising]
		if !ok || up.Direction != program.Promotion || up.ToTier != "Silver" || up.PartnerName != "Zz Rising Partner" {
			t.Fatalf("rising partner: %+v", up)
		}
		// The workspace keeps no certification catalogue, so certifications are not
		// tracked (and hold nobody back).
		if c := up.Evidence.Proposed; c[0].Measured != 6_000_000 || c[2].Measured != 3 || c[1].Tracked || !c[1].Met {
			t.Fatalf("evidence: %+v", c)
		}
		if _, ok := byPartner[falling]; ok {
			t.Fatal("a demotion was proposed before the grace period ran out")
		}

		// Ten days on, the falling partner is proposed for demotion; the rising
		// partner's proposal is refreshed, not duplicated.
		clock = t0.Add(10 * 24 * time.Hour)
		if _, err := svc.Evaluate(ctx, ws.ID); err != nil {
			t.Fatal(err)
		}
		open, _ = svc.List(ctx, admin, program.Open, 0)
		var down program.Review
		ups := 0
		for _, r := range open {
			switch r.PartnerID {
			case falling:
				down = r
			case rising:
				ups++
			}
		}
		if ups != 1 || down.Direction != program.Demotion || down.ToTier != "Registered" || down.Evidence.BelowSince.IsZero() {
			t.Fatalf("after the grace period: %d rising, %+v", ups, down)
		}
		if p, _ := (store.Partners{DB: db}).PartnerByID(ctx, ws.ID, falling); p.Tier != "Platinum" {
			t.Fatalf("tier changed silently to %q", p.Tier)
		}

		// A confirmation changes the tier and is audited; a second decision is refused.
		if _, err := svc.Decide(ctx, admin, "Ada", up.ID, true, "Good quarter"); err != nil {
			t.Fatal(err)
		}
		if p, _ := (store.Partners{DB: db}).PartnerByID(ctx, ws.ID, rising); p.Tier != "Silver" {
			t.Fatalf("confirmed tier %q", p.Tier)
		}
		if _, err := svc.Decide(ctx, admin, "Ada", up.ID, false, ""); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("second decision: %v", err)
		}
		entries, _, err := db.ListAudit(ctx, ws.ID, audit.Filter{SubjectType: "partner", SubjectID: rising}, store.Page{Limit: 20})
		if err != nil || !hasAction(entries, "partner.tier") {
			t.Fatalf("audit of the tier change: %+v, %v", entries, err)
		}
		// A dismissed proposal is not made again at the next run.
		if _, err := svc.Decide(ctx, admin, "Ada", down.ID, false, "Strategic partner"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Evaluate(ctx, ws.ID); err != nil {
			t.Fatal(err)
		}
		open, _ = svc.List(ctx, admin, program.Open, 0)
		for _, r := range open {
			if r.PartnerID == falling || r.PartnerID == rising {
				t.Fatalf("proposal after a decision: %+v", r)
			}
		}
		// Another workspace sees none of it.
		if _, err := (store.Program{DB: db}).Review(ctx, "ws_other", up.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("review read from another workspace: %v", err)
		}
	})
}

func hasAction(es []audit.Entry, action string) bool {
	for _, e := range es {
		if e.Action == action {
			return true
		}
	}
	return false
}

// Runs that overlap never open two proposals for one partner, and a partner that stops
// being active loses its open proposal and cannot have it confirmed.
func TestTierReviewRunsTakeTurnsAndFollowThePartnersLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		svc := &program.Service{Store: store.Program{DB: db}, Now: func() time.Time { return t0 }}
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set := program.Default()
		set.GraceDays = 0 // below the tier's requirements: proposed for demotion at once
		if _, err := svc.Update(ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, name := range []string{"Zz Idle Platinum One", "Zz Idle Platinum Two"} {
			p := partner.Partner{WorkspaceID: ws.ID, ID: tandem.NewID("prt", t0), Name: name, Tier: "Platinum", Lifecycle: partner.Active, CreatedAt: t0, UpdatedAt: t0}
			if err := db.CreatePartner(ctx, db.SQL(), p); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		errs := make(chan error, 4)
		for range 4 {
			go func() { _, err := svc.Evaluate(ctx, ws.ID); errs <- err }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		open, err := svc.List(ctx, admin, program.Open, 0)
		if err != nil {
			t.Fatal(err)
		}
		per := map[string][]program.Review{}
		for _, r := range open {
			per[r.PartnerID] = append(per[r.PartnerID], r)
		}
		for _, id := range ids {
			if len(per[id]) != 1 || per[id][0].Direction != program.Demotion {
				t.Fatalf("partner %s after four overlapping runs: %+v; want one demotion proposal", id, per[id])
			}
		}
		dormant := ids[1]
		if _, err := db.SQL().ExecContext(ctx, `UPDATE partners SET lifecycle = 'dormant' WHERE workspace_id = $1 AND id = $2`, ws.ID, dormant); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(ctx, admin, "Ada", per[dormant][0].ID, true, "go ahead"); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("confirming the proposal of a dormant partner: %v, want conflict", err)
		}
		if p, _ := (store.Partners{DB: db}).PartnerByID(ctx, ws.ID, dormant); p.Tier != "Platinum" {
			t.Fatalf("the dormant partner's tier changed to %q", p.Tier)
		}
		if _, err := svc.Evaluate(ctx, ws.ID); err != nil {
			t.Fatal(err)
		}
		r, err := (store.Program{DB: db}).Review(ctx, ws.ID, per[dormant][0].ID)
		if err != nil || r.Status != program.Withdrawn {
			t.Fatalf("the dormant partner's proposal after the next run: %s, %v; want withdrawn", r.Status, err)
		}
	})
}
