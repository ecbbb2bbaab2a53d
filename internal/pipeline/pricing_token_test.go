package pipeline_test

import (
	"testing"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// A person who asks for a discount through one of their API tokens is still the
// requester: they cannot then approve it themselves in the console.
func TestDiscountAskedWithATokenCannotBeApprovedByItsOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set, err := pipeline.ParseSettings([]byte(`{"pricing":{"ceiling":40,"bands":[
			{"motion":"resale","name":"Resale standard","min":0,"max":20},
			{"motion":"resale","name":"Resale stretch","min":20,"max":30,"approver":"partner_manager"}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		o := f.newOpp(t, pipeline.OpportunityInput{Motion: tandem.MotionResale, PartnerID: "prt_demo000000"})
		token := policy.Actor{Kind: policy.ActorToken, WorkspaceID: f.ws, UserID: admin.UserID, TokenID: "tok_ada", Role: tandem.RoleAdmin, Scopes: policy.AllScopes()}
		cur, _ := f.svc.Opportunity(f.ctx, f.manager, o.ID)
		got, err := f.svc.RequestDiscount(f.ctx, token, "Ada (API)", o.ID, pipeline.DiscountRequest{Discount: 2500, Reason: "competitive", Version: cur.Version})
		if err != nil || got.Pricing.Status != pipeline.DiscountPending || got.Pricing.RequestedBy != admin.UserID {
			t.Fatalf("asked by token: %+v, %v; want pending, requested by %s", got.Pricing, err, admin.UserID)
		}
		if _, err := f.svc.DecideDiscount(f.ctx, admin, "Ada", o.ID, pipeline.DiscountDecision{Approve: true, Reason: "mine", Version: got.Version}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("the token's owner approving: %v, want forbidden", err)
		}
		if got, err = f.svc.DecideDiscount(f.ctx, f.manager, "Paul", o.ID, pipeline.DiscountDecision{Approve: true, Reason: "fine", Version: got.Version}); err != nil || got.Pricing.Status != pipeline.DiscountApproved {
			t.Fatalf("another person approving: %+v, %v", got.Pricing, err)
		}
	})
}
