package pipeline_test

import (
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// A milestone of a deal that was lost before it fell due nudges nobody, and its timer
// is done: the sweep does not pick it up again.
func TestClosedDealsMilestonesNudgeNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		o := f.newOpp(t, pipeline.OpportunityInput{PartnerID: "prt_demo000000"})
		m, err := f.svc.AddMilestone(f.ctx, f.manager, "Paul", o.ID, pipeline.MilestoneInput{Title: ptr("Pilot signed off"),
			OwnerSide: ptr("partner"), OwnerUserID: ptr("usr_demo000004"), DueOn: ptr("2026-03-03")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(f.ctx, `UPDATE opportunities SET status = 'lost' WHERE workspace_id = $1 AND id = $2`, f.ws, o.ID); err != nil {
			t.Fatal(err)
		}
		now = m.NudgeAt.Add(time.Hour)
		if n, err := f.svc.SweepMilestones(f.ctx, store.Pipeline{DB: db}, 0); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		ns, err := store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000004", 10)
		if err != nil || countTitled(ns, "Overdue:") != 0 {
			t.Fatalf("a lost deal's milestone nudged its owner: %+v, %v", ns, err)
		}
		if n, err := f.svc.SweepMilestones(f.ctx, store.Pipeline{DB: db}, 0); err != nil || n != 0 {
			t.Fatalf("the next sweep found %d due nudges (%v), want none", n, err)
		}
	})
}
