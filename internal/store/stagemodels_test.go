package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestStageModelStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		s := store.Pipeline{DB: db}
		entry := func() audit.Entry {
			return audit.New(ctx, policy.System(ws.ID), "test", t0, "workspace.stage_model", "workspace", ws.ID, nil, nil, "")
		}
		// empty are stage keys the write requires to hold no open opportunity, judged
		// on the counts the store passes its check.
		var seen map[string]stage.Occupancy
		write := func(raw string, expected int, empty ...string) error {
			check := func(occ map[string]stage.Occupancy) error {
				seen = occ
				for _, k := range empty {
					if occ[k].Open > 0 {
						return tandem.Errorf(tandem.KindConflict, "%s is occupied", k)
					}
				}
				return nil
			}
			return s.SaveStageModel(ctx, pipeline.StageModelWrite{WorkspaceID: ws.ID, Motion: tandem.MotionReferral, Raw: []byte(raw),
				Expected: expected, UpdatedAt: t0, UpdatedBy: "Ada", Check: check, Audit: entry()})
		}

		// Nothing stored: every motion is on its default.
		if got, err := s.StageModels(ctx, ws.ID); err != nil || len(got) != 0 {
			t.Fatalf("fresh workspace: %v, %v", got, err)
		}
		// Insert at version 1, then a versioned update; a second insert or a stale
		// update is a conflict.
		if err := write(`{"motion":"referral"}`, 0); err != nil {
			t.Fatal(err)
		}
		if err := write(`{"motion":"referral","stages":[]}`, 0); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("second insert: %v", err)
		}
		if err := write(`{"motion":"referral","won_at":"x"}`, 1); err != nil {
			t.Fatal(err)
		}
		if err := write(`{}`, 1); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("stale update: %v", err)
		}
		got, err := s.StageModels(ctx, ws.ID)
		if err != nil || len(got) != 1 || got[0].Motion != tandem.MotionReferral || got[0].Version != 2 ||
			string(got[0].Raw) != `{"motion":"referral","won_at":"x"}` || got[0].UpdatedBy != "Ada" || !got[0].UpdatedAt.Equal(t0) {
			t.Fatalf("stored: %+v, %v", got, err)
		}
		// Another workspace sees none of it.
		if other, err := s.StageModels(ctx, "ws_other"); err != nil || len(other) != 0 {
			t.Fatalf("another workspace: %v, %v", other, err)
		}
		// An empty model means "back to the default" and is read back as nothing.
		if err := write(``, 2); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.StageModels(ctx, ws.ID); len(got) != 1 || got[0].Raw != nil || got[0].Version != 3 {
			t.Fatalf("reset: %+v", got)
		}

		// Occupancy counts open and won opportunities by stage, never lost ones.
		a := pipeline.Account{Account: account.Account{WorkspaceID: ws.ID, ID: tandem.NewID("acc", t0), Name: "Wombat Mining", CreatedAt: t0, UpdatedAt: t0}, Version: 1}
		if err := s.SaveAccount(ctx, a, 0, entry()); err != nil {
			t.Fatal(err)
		}
		for i, x := range []struct {
			motion tandem.Motion
			stage  string
			status pipeline.Status
		}{{tandem.MotionReferral, "introduced", pipeline.Open}, {tandem.MotionReferral, "introduced", pipeline.Open},
			{tandem.MotionReferral, "won_credited", pipeline.Won}, {tandem.MotionReferral, stage.Lost, pipeline.Lost},
			{tandem.MotionResale, "introduced", pipeline.Open}} {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			o := pipeline.Opportunity{WorkspaceID: ws.ID, ID: tandem.NewID("opp", at), AccountID: a.ID, Name: "Deal", Motion: x.motion, Stage: x.stage,
				Status: x.status, LastActivityAt: at, CreatedAt: at, UpdatedAt: at, Version: 1}
			if err := s.SaveOpportunity(ctx, pipeline.Write{Opportunity: o, Audit: []audit.Entry{entry()}}); err != nil {
				t.Fatal(err)
			}
		}
		occ, err := s.StageOccupancy(ctx, ws.ID, tandem.MotionReferral)
		if err != nil || len(occ) != 2 || occ["introduced"] != (stage.Occupancy{Open: 2}) || occ["won_credited"] != (stage.Occupancy{Won: 1}) {
			t.Fatalf("occupancy: %v, %v", occ, err)
		}
		if occ, _ := s.StageOccupancy(ctx, "ws_other", tandem.MotionReferral); len(occ) != 0 {
			t.Fatalf("occupancy of another workspace: %v", occ)
		}
		// A write that removes a stage open opportunities are in is refused whole.
		if err := write(`{"motion":"referral","stages":["removed"]}`, 3, "qualified", "introduced"); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("removing an occupied stage: %v", err)
		}
		if seen["introduced"] != (stage.Occupancy{Open: 2}) || seen["won_credited"] != (stage.Occupancy{Won: 1}) {
			t.Fatalf("the check was given %v", seen)
		}
		if err := write(`{"motion":"referral","stages":["kept"]}`, 3, "won_credited", "qualified"); err != nil {
			t.Fatalf("removing stages without open opportunities: %v", err)
		}
		if got, _ := s.StageModels(ctx, ws.ID); got[0].Version != 4 || string(got[0].Raw) != `{"motion":"referral","stages":["kept"]}` {
			t.Fatalf("after the refused and the allowed write: %+v", got)
		}
	})
}
