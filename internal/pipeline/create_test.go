package pipeline_test

import (
	"slices"
	"testing"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestCreateWithAccountAndAttribution: an opportunity created with a new account and
// its attribution saves all three at once, audited; any problem in one of them saves
// none, and every problem is named by its path.
func TestCreateWithAccountAndAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		credit := []attribution.Entry{{PartnerID: "prt_demo000001", Kind: attribution.Influenced, Percent: 2500},
			{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: 7500}}

		// Everything wrong at once: nothing is written.
		_, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", pipeline.OpportunityInput{Name: ptr("Wombat roll-out"), Motion: tandem.MotionResale,
			Currency: ptr("euro"), NewAccount: &pipeline.AccountInput{Name: ptr(" "), Country: ptr("Netherlands")},
			Attribution: []attribution.Entry{{PartnerID: "prt_nobody", Kind: attribution.Sourced, Percent: 12000}}})
		got := paths(err)
		for _, want := range []string{"account.name", "account.country", "currency", "attribution[0].percent", "attribution[0].partner_id"} {
			if !slices.Contains(got, want) {
				t.Errorf("problems %v lack %s", got, want)
			}
		}
		if as, _, _ := f.svc.ListAccounts(f.ctx, f.manager, pipeline.AccountFilter{Query: "wombat"}, "", 5); len(as) != 0 {
			t.Fatalf("a refused creation left an account: %+v", as)
		}

		o, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", pipeline.OpportunityInput{Name: ptr("Wombat roll-out"), Motion: tandem.MotionResale,
			NewAccount: &pipeline.AccountInput{Name: ptr("Wombat Works"), Domain: ptr("Wombat.example")}, Attribution: credit})
		if err != nil {
			t.Fatal(err)
		}
		if o.AccountName != "Wombat Works" || o.PartnerID != "prt_demo000000" || len(o.Attribution) != 2 || o.Attribution[0].Percent != 2500 {
			t.Fatalf("created: %+v", o)
		}
		acc, err := f.svc.Account(f.ctx, f.manager, o.AccountID)
		if err != nil || acc.Domain != "wombat.example" || acc.Version != 1 {
			t.Fatalf("the new account: %+v, %v", acc, err)
		}
		for _, subject := range []string{o.ID, acc.ID} {
			es, _, err := f.db.ListAudit(f.ctx, f.ws, audit.Filter{SubjectID: subject}, store.Page{Limit: 5})
			if err != nil || len(es) != 1 {
				t.Errorf("audit of %s: %+v, %v", subject, es, err)
			}
		}
		// The influencing partner sees it too; a partner may not create it.
		if _, err := f.svc.Opportunity(f.ctx, f.otherPartner, o.ID); err != nil {
			t.Errorf("the influencing partner cannot see it: %v", err)
		}
		if _, err := f.svc.CreateOpportunity(f.ctx, f.sam, "Sam", pipeline.OpportunityInput{Name: ptr("x"), Motion: tandem.MotionResale,
			PartnerID: "prt_demo000000", NewAccount: &pipeline.AccountInput{Name: ptr("Sam's")}}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Errorf("a partner creating an account with an opportunity: %v", err)
		}
		if _, err := f.svc.CreateOpportunity(f.ctx, f.sam, "Sam", pipeline.OpportunityInput{Name: ptr("x"), Motion: tandem.MotionResale,
			AccountID: &acc.ID, Attribution: []attribution.Entry{}}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Errorf("a partner setting attribution: %v", err)
		}
	})
}
