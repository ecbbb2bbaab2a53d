package pipeline_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestDiscountOutsideTheBandNeedsAnotherPersonsApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set, err := pipeline.ParseSettings([]byte(`{"pricing":{"ceiling":40,"exception_approver":"sales_leadership","bands":[
			{"motion":"resale","name":"Resale standard","min":0,"max":20},
			{"motion":"resale","name":"Resale stretch","min":20,"max":30,"approver":"partner_manager"}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.ParseSettings([]byte(`{"pricing":{"bands":[{"name":"","min":10,"max":5}]}}`)); len(paths(err)) == 0 || !strings.HasPrefix(paths(err)[0], "pricing.bands[0]") {
			t.Fatalf("bad bands: %v", err)
		}
		o := f.newOpp(t, pipeline.OpportunityInput{Motion: tandem.MotionResale, PartnerID: "prt_demo000000"})
		ask := func(a policy.Actor, pct pricing.Percent, reason string) (pipeline.Opportunity, error) {
			cur, _ := f.svc.Opportunity(f.ctx, f.manager, o.ID)
			return f.svc.RequestDiscount(f.ctx, a, "someone", o.ID, pipeline.DiscountRequest{Discount: pct, Reason: reason, Version: cur.Version})
		}
		decide := func(a policy.Actor, approve bool, reason string) (pipeline.Opportunity, error) {
			cur, _ := f.svc.Opportunity(f.ctx, f.manager, o.ID)
			return f.svc.DecideDiscount(f.ctx, a, "someone", o.ID, pipeline.DiscountDecision{Approve: approve, Reason: reason, Version: cur.Version})
		}
		got, err := ask(f.manager, 1500, "")
		if err != nil || got.Pricing.Status != pipeline.DiscountWithin || got.Pricing.Band != "Resale standard" {
			t.Fatalf("within the band: %+v, %v", got.Pricing, err)
		}
		if !pipeline.Facts(got, false, true).Fields["discount"] {
			t.Fatal("a granted discount does not meet the discount criterion")
		}
		if _, err := ask(f.manager, 2500, ""); !slices.Equal(paths(err), []string{"reason"}) {
			t.Fatalf("outside the band without a reason: %v", err)
		}
		if _, err := ask(f.manager, 4500, "big logo"); !slices.Equal(paths(err), []string{"discount"}) {
			t.Fatalf("above the ceiling: %v", err)
		}
		got, err = ask(f.manager, 2500, "competitive displacement")
		if err != nil || got.Pricing.Status != pipeline.DiscountPending || got.Pricing.Approver != "partner_manager" || pipeline.Facts(got, false, true).Fields["discount"] {
			t.Fatalf("pending: %+v, %v", got.Pricing, err)
		}
		ns, _ := store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000000", 10)
		if countTitled(ns, "Discount approval needed") != 1 {
			t.Fatalf("the admin was not asked: %+v", ns)
		}
		if _, err := decide(f.manager, true, "fine by me"); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("self-approval: %v", err)
		}
		if _, err := decide(f.sales, true, "ok"); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("sales approves: %v", err)
		}
		if _, err := decide(admin, true, " "); !slices.Equal(paths(err), []string{"reason"}) {
			t.Fatalf("approval without a reason: %v", err)
		}
		got, err = decide(admin, true, "strategic account")
		if err != nil || got.Pricing.Status != pipeline.DiscountApproved || got.Pricing.DecidedBy != "usr_demo000000" || got.Pricing.DecisionReason != "strategic account" {
			t.Fatalf("approved: %+v, %v", got.Pricing, err)
		}
		entries, _, err := db.ListAudit(f.ctx, f.ws, audit.Filter{SubjectType: "opportunity", SubjectID: o.ID}, store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			if e.Action == "opportunity.discount_approve" && e.ActorID == "usr_demo000000" && e.Rationale == "strategic account" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no audited approval among %d entries", len(entries))
		}
		if _, err := decide(admin, false, "changed my mind"); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("deciding twice: %v", err)
		}
		// Price protection keeps 32% available until it ends, whatever the bands say.
		cur, _ := f.svc.Opportunity(f.ctx, f.manager, o.ID)
		if _, err := f.svc.SetPriceProtection(f.ctx, f.manager, "Paul", o.ID, pricing.Protection{Enabled: true, From: now, Until: now.Add(-time.Hour), Discount: 3200}, cur.Version); !slices.Equal(paths(err), []string{"price_protection.until"}) {
			t.Fatalf("reversed protection: %v", err)
		}
		if _, err := f.svc.SetPriceProtection(f.ctx, f.manager, "Paul", o.ID, pricing.Protection{Enabled: true, From: now, Until: now.AddDate(0, 0, 30), Discount: 3200}, cur.Version); err != nil {
			t.Fatal(err)
		}
		got, err = ask(f.sales, 3200, "")
		if err != nil || got.Pricing.Status != pipeline.DiscountWithin || !got.Pricing.Protection.Enabled {
			t.Fatalf("protected discount: %+v, %v", got.Pricing, err)
		}
		// Partners never change pricing.
		if _, err := f.svc.RequestDiscount(f.ctx, f.sam, "Sam", o.ID, pipeline.DiscountRequest{Discount: 100, Version: got.Version}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("partner asks: %v", err)
		}
	})
}

func TestDiscountCriterionNeedsAGrantedDiscountOnceBandsAreSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		o := f.newOpp(t, pipeline.OpportunityInput{Motion: tandem.MotionResale, PartnerID: "prt_demo000000",
			Fields: map[string]string{"discount": "15% agreed on the call"}})
		discountNeed := func(o pipeline.Opportunity) string {
			t.Helper()
			fes, err := f.svc.Missing(f.ctx, o, "transacting")
			if err != nil {
				t.Fatal(err)
			}
			for _, fe := range fes {
				if fe.Path == "discount" {
					return fe.Detail
				}
			}
			return ""
		}
		// Without bands, the discount written down meets the criterion.
		if need := discountNeed(o); need != "" {
			t.Fatalf("without bands: %q", need)
		}
		set, err := pipeline.ParseSettings([]byte(`{"pricing":{"ceiling":40,"bands":[{"motion":"resale","name":"Resale standard","min":0,"max":20}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		// With bands, only a granted discount does, and the refusal says so.
		if need := discountNeed(o); !strings.HasPrefix(need, "A discount is granted: within its band or approved") {
			t.Fatalf("with bands, written down only: %q", need)
		}
		got, err := f.svc.RequestDiscount(f.ctx, f.manager, "Paul", o.ID, pipeline.DiscountRequest{Discount: 1500, Version: o.Version})
		if err != nil || got.Pricing.Status != pipeline.DiscountWithin {
			t.Fatalf("within the band: %+v, %v", got.Pricing, err)
		}
		if need := discountNeed(got); need != "" {
			t.Fatalf("granted discount still missing: %q", need)
		}
	})
}
