package pipeline_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestRenewalOwnershipIsAskedThenEscalatedUnlessConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		if _, err := f.svc.UpdateAccount(f.ctx, f.manager, "Paul", "acc_demo000007", 1, pipeline.AccountInput{IncumbentPartnerID: ptr("prt_nobody")}); !slices.Equal(paths(err), []string{"incumbent_partner_id"}) {
			t.Fatalf("unknown incumbent: %v", err)
		}
		if _, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", pipeline.OpportunityInput{AccountID: ptr("acc_demo000007"), Name: ptr("x"), Motion: tandem.MotionResale,
			Kind: ptr("upsell"), RenewalOn: ptr("next year")}); !slices.Equal(paths(err), []string{"kind", "renewal_on"}) {
			t.Fatalf("bad kind: %v", err)
		}
		o := f.newOpp(t, pipeline.OpportunityInput{Motion: tandem.MotionResale, OwnerUserID: ptr("usr_demo000002"), Kind: ptr("renewal"), RenewalOn: ptr("2026-09-30")})
		ask := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC) // 90 days before
		if o.Kind != pipeline.KindRenewal || !o.Renewal.WakeAt.Equal(ask) {
			t.Fatalf("renewal timer: %+v", o.Renewal)
		}
		args := pipeline.RenewalArgs{WorkspaceID: f.ws, OpportunityID: o.ID, WakeMS: ask.UnixMilli()}
		var early *pipeline.EarlyError
		if err := f.svc.RenewalTick(f.ctx, args); !errors.As(err, &early) {
			t.Fatalf("early: %v", err)
		}
		now = ask.Add(time.Hour)
		if n, err := f.svc.SweepRenewals(f.ctx, store.Pipeline{DB: db}, 0); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		ns, _ := store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000002", 10)
		if countTitled(ns, "Confirm the renewal owner") != 1 {
			t.Fatalf("the owner was not asked: %+v", ns)
		}
		o, _ = f.svc.Opportunity(f.ctx, f.manager, o.ID)
		escalate := now.AddDate(0, 0, 14)
		if o.Renewal.AskedAt.IsZero() || !o.Renewal.WakeAt.Equal(escalate) {
			t.Fatalf("after asking: %+v", o.Renewal)
		}
		if err := f.svc.RenewalTick(f.ctx, args); err != nil { // the old timer does nothing
			t.Fatal(err)
		}
		now = escalate
		if err := f.svc.RenewalTick(f.ctx, pipeline.RenewalArgs{WorkspaceID: f.ws, OpportunityID: o.ID, WakeMS: escalate.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		ns, _ = store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000000", 10)
		if countTitled(ns, "Renewal owner not confirmed") != 1 {
			t.Fatalf("the admins were not told: %+v", ns)
		}
		// Confirming records the owner, the partner as incumbent, and stops the timer.
		o, _ = f.svc.Opportunity(f.ctx, f.manager, o.ID)
		got, err := f.svc.ConfirmRenewal(f.ctx, f.manager, "Paul", o.ID, pipeline.RenewalConfirmation{PartnerID: "prt_demo000000", Version: o.Version})
		if err != nil || got.Renewal.ConfirmedAt.IsZero() || !got.Renewal.WakeAt.IsZero() || got.Details["renewal_owner"] == "" {
			t.Fatalf("confirmed: %+v, %v", got.Renewal, err)
		}
		acc, _ := f.svc.Account(f.ctx, f.manager, "acc_demo000007")
		if acc.IncumbentPartnerID != "prt_demo000000" {
			t.Fatalf("incumbent: %q", acc.IncumbentPartnerID)
		}
		// New business has no renewal to confirm.
		n := f.newOpp(t, pipeline.OpportunityInput{})
		if _, err := f.svc.ConfirmRenewal(f.ctx, f.manager, "Paul", n.ID, pipeline.RenewalConfirmation{Version: n.Version}); !slices.Equal(paths(err), []string{"kind"}) {
			t.Fatalf("confirming new business: %v", err)
		}
		if !n.Renewal.WakeAt.IsZero() {
			t.Fatalf("new business has a renewal timer: %+v", n.Renewal)
		}
	})
}
