package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// A partner credited on a large share of the pipeline gets its list page (and its
// users' shared view) from its attribution index in id order, stopping at a page, on
// SQLite with statistics gathered: no skip-scan of the index and no sort of all its
// credits, which cost half a second at tens of thousands of credits.
func TestLargestPartnerListWalksItsIndexInOrder(t *testing.T) {
	db := storetest.Open(t, storetest.Engines()[0]) // SQLite: the plan under test is its own
	ctx := context.Background()
	ws, err := demo.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	const big, small = "prt_demo000001", "prt_demo000002"
	acc := store.BulkAccount{Account: account.Account{WorkspaceID: ws.ID, ID: "acc_plan", Name: "Plan BV", CreatedAt: t0, UpdatedAt: t0}}
	if err := db.BulkInsertAccounts(ctx, []store.BulkAccount{acc}); err != nil {
		t.Fatal(err)
	}
	// The large partner is credited on two of every three opportunities, sourcing
	// none of them; the others share the rest.
	const n = 6000
	var rows []store.BulkOpportunity
	for i := range n {
		src := fmt.Sprintf("prt_demo%06d", 2+i%30)
		credits := []attribution.Entry{{PartnerID: src, Kind: attribution.Sourced, Percent: 80 * attribution.Hundred / 100}}
		if i%3 != 0 {
			credits = append(credits, attribution.Entry{PartnerID: big, Kind: attribution.Influenced, Percent: 20 * attribution.Hundred / 100})
		}
		rows = append(rows, store.BulkOpportunity{Opportunity: pipeline.Opportunity{WorkspaceID: ws.ID, ID: fmt.Sprintf("opp_plan%06d", i),
			AccountID: acc.ID, Name: "Deal", Motion: tandem.MotionReferral, Stage: "introduced", Status: pipeline.Open, PartnerID: src,
			CreatedAt: t0, UpdatedAt: t0, Attribution: credits}})
	}
	if err := db.BulkInsertOpportunities(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	s := store.Pipeline{DB: db}
	cases := []struct {
		name  string
		f     pipeline.Filter
		after string
	}{
		{"largest partner, first page", pipeline.Filter{PartnerID: big}, ""},
		{"largest partner, later page", pipeline.Filter{PartnerID: big}, "opp_plan003000"},
		{"largest partner, search", pipeline.Filter{PartnerID: big, Query: "dea"}, ""},
		{"small partner", pipeline.Filter{PartnerID: small}, ""},
	}
	for _, c := range cases {
		plan, err := s.ExplainListOpportunities(ctx, ws.ID, c.f, c.after, 50)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "ANY(") || !strings.Contains(plan, "opportunity_partners_by_partner (workspace_id=? AND partner_id=? AND opportunity_id>?)") {
			t.Errorf("%s: want the attribution index walked in id order with no sort or skip-scan, plan:\n%s", c.name, plan)
		}
		os, _, err := s.ListOpportunities(ctx, ws.ID, c.f, c.after, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(os) != 50 {
			t.Errorf("%s: %d opportunities, want a full page of 50", c.name, len(os))
		}
	}
}
