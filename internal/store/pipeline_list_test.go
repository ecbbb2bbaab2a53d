package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// A partner's list holds the opportunities it sources and those it is credited on,
// each once, in id order, paged by id, with the other filters applied to both.
func TestListOpportunitiesByPartnerAndCloseDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		const p, other = "prt_demo000005", "prt_demo000006"
		acc := store.BulkAccount{Account: account.Account{WorkspaceID: ws.ID, ID: "acc_list", Name: "Listing BV", CreatedAt: t0, UpdatedAt: t0}}
		if err := db.BulkInsertAccounts(ctx, []store.BulkAccount{acc}); err != nil {
			t.Fatal(err)
		}
		sourced := func(id string, pct int) attribution.Entry {
			return attribution.Entry{PartnerID: id, Kind: attribution.Sourced, Percent: attribution.Percent(pct) * attribution.Hundred / 100}
		}
		influenced := func(id string) attribution.Entry {
			return attribution.Entry{PartnerID: id, Kind: attribution.Influenced, Percent: 20 * attribution.Hundred / 100}
		}
		opps := []struct {
			partner, close string
			motion         tandem.Motion
			credits        []attribution.Entry
		}{
			{p, "2027-01-31", tandem.MotionReferral, nil}, // sourcing, nothing recorded
			{other, "2027-02-01", tandem.MotionReferral, []attribution.Entry{sourced(other, 80), influenced(p)}},
			{p, "2027-02-28", tandem.MotionReferral, []attribution.Entry{sourced(p, 100)}},
			{other, "", tandem.MotionReferral, nil},
			{p, "2027-03-01", tandem.MotionResale, []attribution.Entry{sourced(p, 80), influenced(other)}},
			{other, "2027-03-10", tandem.MotionReferral, []attribution.Entry{sourced(other, 80), influenced(p)}},
			{"", "", tandem.MotionReferral, nil},
		}
		var rows []store.BulkOpportunity
		for i, o := range opps {
			rows = append(rows, store.BulkOpportunity{Opportunity: pipeline.Opportunity{WorkspaceID: ws.ID, ID: "opp_list" + string(rune('0'+i)),
				AccountID: acc.ID, Name: "Deal", CloseOn: o.close, Motion: o.motion, Stage: "introduced", Status: pipeline.Open, PartnerID: o.partner,
				CreatedAt: t0, UpdatedAt: t0, Attribution: o.credits}})
		}
		if err := db.BulkInsertOpportunities(ctx, rows); err != nil {
			t.Fatal(err)
		}
		s := store.Pipeline{DB: db}
		list := func(f pipeline.Filter, limit int) (pages [][]string) {
			t.Helper()
			f.AccountID = acc.ID
			after := ""
			for {
				os, more, err := s.ListOpportunities(ctx, ws.ID, f, after, limit)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, o := range os {
					ids = append(ids, o.ID[len("opp_list"):])
				}
				pages = append(pages, ids)
				if !more {
					return pages
				}
				after = os[len(os)-1].ID
			}
		}
		cases := []struct {
			name  string
			f     pipeline.Filter
			limit int
			want  [][]string
		}{
			{"partner, pages of 2", pipeline.Filter{PartnerID: p}, 2, [][]string{{"0", "1"}, {"2", "4"}, {"5"}}},
			{"partner, one page", pipeline.Filter{PartnerID: p}, 10, [][]string{{"0", "1", "2", "4", "5"}}},
			{"partner and motion", pipeline.Filter{PartnerID: p, Motion: tandem.MotionResale}, 10, [][]string{{"4"}}},
			{"other partner", pipeline.Filter{PartnerID: other}, 10, [][]string{{"1", "3", "4", "5"}}},
			{"close date range", pipeline.Filter{CloseFrom: "2027-02-01", CloseTo: "2027-02-28"}, 10, [][]string{{"1", "2"}}},
			{"close date until", pipeline.Filter{CloseTo: "2027-01-31"}, 10, [][]string{{"0"}}},
			{"close date from, partner", pipeline.Filter{CloseFrom: "2027-03-01", PartnerID: p}, 1, [][]string{{"4"}, {"5"}}},
		}
		for _, c := range cases {
			if got := list(c.f, c.limit); !slices.EqualFunc(got, c.want, slices.Equal) {
				t.Errorf("%s: pages %v, want %v", c.name, got, c.want)
			}
		}
	})
}
