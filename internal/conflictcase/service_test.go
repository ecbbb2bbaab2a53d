package conflictcase_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestCasesAreOpenedOnceTrackedAndRuledOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		rs := store.Registrations{DB: db}
		finder := registration.NewFinder(rs, match.DefaultConfig())
		finder.Now, finder.RefreshEvery = clock, 0
		regs := &registration.Service{Store: rs, Finder: finder, Now: clock, BaseURL: "http://tandem.test"}
		cases := &conflictcase.Service{Store: store.ConflictCases{DB: db}, Now: clock}
		pm := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000001", Role: tandem.RolePartnerManager}
		sales := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000002", Role: tandem.RoleSales}

		// prt_demo000000 and prt_demo000010 both run referral and are active.
		submit := func(partnerID, name string) registration.Registration {
			rc, err := regs.Submit(ctx, pm, "Paul", registration.ChannelAPI, registration.Input{PartnerID: partnerID, CustomerName: name,
				CustomerDomain: "halvorsen-marine.example", Motion: "referral"})
			if err != nil {
				t.Fatal(err)
			}
			return rc.Registration
		}
		first := submit("prt_demo000000", "Halvorsen Marine AS")
		second := submit("prt_demo000010", "Halvorsen Marine")
		res, err := cases.Sweep(ctx, "ws_demo", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		sweep := func() conflictcase.SweepResult {
			t.Helper()
			r, err := cases.Sweep(ctx, "ws_demo", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if res.Opened != 1 {
			t.Fatalf("first sweep opened %d cases, want 1", res.Opened)
		}
		if res := sweep(); res.Opened != 0 || res.Updated != 0 {
			t.Fatalf("a second sweep changed things: %+v", res)
		}
		list, _, err := cases.List(ctx, pm, conflictcase.Filter{}, "", 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("cases: %d (%v)", len(list), err)
		}
		c := list[0]
		if c.Cause != conflictcase.OverlappingRegistrations || c.Status != conflictcase.Risk || len(c.PartnerIDs) != 2 {
			t.Fatalf("case %+v", c)
		}
		if want := now.Add(24 * time.Hour); !c.AckDueAt.Equal(want) || !c.PlanDueAt.After(now.Add(5*24*time.Hour)) {
			t.Errorf("deadlines: ack %v (want %v), plan %v", c.AckDueAt, want, c.PlanDueAt)
		}
		// Both get approved: the overlap becomes active, on the same case.
		for _, r := range []registration.Registration{first, second} {
			if _, err := regs.Decide(ctx, pm, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "both real"}); err != nil {
				t.Fatal(err)
			}
		}
		if res := sweep(); res.Opened != 0 || res.Updated != 1 {
			t.Fatalf("after approvals: %+v, want the case updated", res)
		}
		c, _ = cases.Get(ctx, pm, c.ID)
		if c.Status != conflictcase.Active {
			t.Fatalf("status %s, want active", c.Status)
		}
		// The acknowledgement deadline passes: flagged once.
		now = now.Add(25 * time.Hour)
		if res := sweep(); res.Flagged != 1 {
			t.Fatalf("past the acknowledgement deadline: %+v", res)
		}
		if res := sweep(); res.Flagged != 0 {
			t.Fatalf("flagged twice: %+v", res)
		}
		if _, err := cases.Act(ctx, pm, "Paul", c.ID, conflictcase.AddNote, "stale", "", c.Version); tandem.KindOf(err) != tandem.KindConflict {
			t.Errorf("acting on a version changed by the deadline sweep: %v, want conflict", err)
		}
		c, _ = cases.Get(ctx, pm, c.ID)
		if c.AckBreachedAt.IsZero() {
			t.Errorf("the missed acknowledgement is not recorded")
		}
		if _, err := cases.Act(ctx, sales, "Sofia", c.ID, conflictcase.Resolve, "mine", "direct keeps it", 0); tandem.KindOf(err) != tandem.KindForbidden {
			t.Errorf("sales resolving: %v, want forbidden", err)
		}
		if _, err := cases.Act(ctx, pm, "Paul", c.ID, conflictcase.Resolve, "", "", 0); len(tandem.FieldsOf(err)) != 2 {
			t.Errorf("resolving without ruling and rationale: %v", tandem.FieldsOf(err))
		}
		c, err = cases.Act(ctx, pm, "Paul", c.ID, conflictcase.SetPlan, "Call both partners; split by region.", "", c.Version)
		if err != nil || c.AcknowledgedAt.IsZero() || c.Plan == "" {
			t.Fatalf("plan: %v %+v", err, c)
		}
		c, err = cases.Act(ctx, pm, "Paul", c.ID, conflictcase.Resolve, "Northwind had the first meeting.", "Northwind keeps Halvorsen; the other registration is withdrawn.", c.Version)
		if err != nil || c.Status != conflictcase.Resolved {
			t.Fatalf("resolve: %v %s", err, c.Status)
		}
		if res := sweep(); res.Opened+res.Updated+res.Flagged != 0 {
			t.Errorf("a sweep after the ruling reopened or touched the case: %+v", res)
		}
		m, err := cases.Metrics(ctx, pm, now.Add(-48*time.Hour), now.Add(time.Hour), func(s string) string { return s })
		if err != nil || m.Opened != 1 || m.Registrations != 2 || m.Rate != 50 || m.Resolved != 1 || m.AckMet != 0 {
			t.Fatalf("metrics %+v %v", m, err)
		}
	})
}

// Price protection and renewals come from the opportunities as stored: two partners'
// overlapping protection on one account, and a renewal worked by someone other than
// the account's incumbent, each open one case.
func TestPriceProtectionAndRenewalCasesFromStoredOpportunities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		cases := &conflictcase.Service{Store: store.ConflictCases{DB: db}, Now: func() time.Time { return now }}
		pipe := store.Pipeline{DB: db}
		sys := policy.System("ws_demo")
		account := func(name, incumbent string) string {
			a := pipeline.Account{Account: account.Account{WorkspaceID: "ws_demo", ID: tandem.NewID("acc", now), Name: name,
				CreatedAt: now, UpdatedAt: now}, IncumbentPartnerID: incumbent, Version: 1}
			if err := pipe.SaveAccount(ctx, a, 0, audit.New(ctx, sys, "t", now, "account.create", "account", a.ID, nil, nil, "")); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		opp := func(accID, partnerID, kind, pricingJSON string) string {
			o := pipeline.Opportunity{WorkspaceID: "ws_demo", ID: tandem.NewID("opp", now), AccountID: accID, Name: "Deal for " + partnerID, Currency: "EUR",
				Motion: tandem.MotionReferral, Stage: pipeline.FirstStage(tandem.MotionReferral), Status: pipeline.Open, PartnerID: partnerID,
				CreatedAt: now, UpdatedAt: now, Version: 1}
			if err := pipe.SaveOpportunity(ctx, pipeline.Write{Opportunity: o}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `UPDATE opportunities SET kind = $3, pricing = $4 WHERE workspace_id = $1 AND id = $2`,
				"ws_demo", o.ID, kind, pricingJSON); err != nil {
				t.Fatal(err)
			}
			return o.ID
		}
		protected := func(from, until string) string {
			return `{"protection":{"enabled":true,"from":"` + from + `T00:00:00Z","until":"` + until + `T00:00:00Z","discount":1000}}`
		}
		shared := account("Quayside Freight", "")
		p1 := opp(shared, "prt_demo000000", "new", protected("2026-12-01", "2026-12-20"))
		p2 := opp(shared, "prt_demo000010", "new", protected("2026-12-10", "2027-01-10"))
		renewed := account("Larchmont Dairy", "prt_demo000000")
		r1 := opp(renewed, "prt_demo000010", "renewal", "{}")
		kept := account("Millbrook Paper", "prt_demo000000")
		opp(kept, "prt_demo000000", "renewal", "{}") // the incumbent renews: no case

		if _, err := cases.Sweep(ctx, "ws_demo", time.Time{}); err != nil {
			t.Fatal(err)
		}
		pm := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000001", Role: tandem.RolePartnerManager}
		list, _, err := cases.List(ctx, pm, conflictcase.Filter{}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		found := map[conflictcase.Cause][]string{}
		for _, c := range list {
			var ids []string
			for _, r := range c.Refs {
				ids = append(ids, r.ID)
			}
			found[c.Cause] = append(found[c.Cause], strings.Join(ids, ","))
		}
		pp := strings.Join(found[conflictcase.OverlappingPriceProtection], " ")
		if len(found[conflictcase.OverlappingPriceProtection]) != 1 || !strings.Contains(pp, p1) || !strings.Contains(pp, p2) {
			t.Fatalf("price protection cases %v; want one about %s and %s", found[conflictcase.OverlappingPriceProtection], p1, p2)
		}
		rn := found[conflictcase.RenewalByNonIncumbent]
		if len(rn) != 1 || !strings.Contains(rn[0], r1) {
			t.Fatalf("renewal cases %v; want one about %s", rn, r1)
		}
	})
}
