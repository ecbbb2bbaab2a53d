package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// editedReferral is the default referral model with a kickoff milestone required to
// leave the first stage, "Value proven" removed and "Qualified" renamed.
func editedReferral() stage.Model {
	m, _ := stage.Default(tandem.MotionReferral)
	m.Stages[0].Exit = append(m.Stages[0].Exit, stage.Criterion{Kind: stage.KindMilestone, Key: "kickoff", Label: "The kickoff call is held"})
	m.Stages[1].Label = "Qualified by both sides"
	m.Stages = slices.Delete(m.Stages, 2, 3)
	return m
}

func TestEditedStageModelGovernsMovesAndRefusesRemovingStagesInUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}

		// A workspace that never edited a motion uses the default, at version 0.
		cur, err := f.svc.StageModel(f.ctx, f.viewer, tandem.MotionReferral)
		def, _ := stage.Default(tandem.MotionReferral)
		if err != nil || cur.Custom || cur.Version != 0 || len(cur.Stages) != len(def.Stages) {
			t.Fatalf("default: %+v, %v", cur, err)
		}
		if _, err := f.svc.StageModel(f.ctx, f.viewer, "barter"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("unknown motion: %v", err)
		}
		// Only those who may change settings save; bad models name every field.
		if _, err := f.svc.SaveStageModel(f.ctx, f.sales, "Sofia", tandem.MotionReferral, editedReferral(), 0); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("sales saving: %v", err)
		}
		bad := editedReferral()
		bad.Stages[1].Key, bad.WonAt = "introduced", "nowhere"
		if _, err := f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, bad, 0); !slices.Equal(paths(err), []string{"stages[1].key", "won_at"}) {
			t.Fatalf("invalid model: %v", err)
		}
		if _, err := f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, stage.Model{Motion: tandem.MotionResale, Stages: def.Stages}, 0); !slices.Equal(paths(err), []string{"motion"}) {
			t.Fatalf("model of another motion: %v", err)
		}

		saved, err := f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, editedReferral(), 0)
		if err != nil || !saved.Custom || saved.Version != 1 || len(saved.Stages) != 4 {
			t.Fatalf("save: %+v, %v", saved, err)
		}
		if _, err := f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, editedReferral(), 0); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("save over a newer version: %v", err)
		}
		entries, _, err := f.db.ListAudit(f.ctx, f.ws, audit.Filter{Action: "workspace.stage_model"}, store.Page{Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].ActorName != "Ada" || !strings.Contains(entries[0].Rationale, "removed value_proven") ||
			!strings.Contains(entries[0].Changes, "Qualified by both sides") {
			t.Fatalf("audit: %+v, %v", entries, err)
		}
		ms, err := f.svc.Models(f.ctx, f.ws)
		if err != nil || ms.Label(tandem.MotionReferral, "qualified") != "Qualified by both sides" || ms.Label(tandem.MotionResale, "quoted") != "Configured and quoted" {
			t.Fatalf("models: %v", err)
		}

		// A move is judged by the edited model: the new milestone is required, with
		// its label, besides the default's criteria.
		o := f.newOpp(t, pipeline.OpportunityInput{OwnerUserID: ptr("usr_demo000002"), Fields: map[string]string{"partner_contact": "Lee"}})
		o, err = f.svc.SetAttribution(f.ctx, f.manager, "Paul", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "intro",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: attribution.Hundred}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "qualified", Version: o.Version})
		if !slices.Equal(paths(err), []string{"milestones.kickoff"}) || !strings.Contains(tandem.FieldsOf(err)[0].Detail, "The kickoff call is held") {
			t.Fatalf("move under the edited model: %v", err)
		}
		if !strings.Contains(tandem.MessageOf(err), "Qualified by both sides") {
			t.Errorf("refusal %q does not use the edited label", tandem.MessageOf(err))
		}
		// The removed stage is no longer a place to go.
		if _, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "value_proven", Version: o.Version}); !slices.Equal(paths(err), []string{"to"}) {
			t.Fatalf("move to a removed stage: %v", err)
		}

		// Removing (or renaming) the stage the opportunity is in is refused with the
		// stage and the count; relabelling and reordering it are not.
		gone := editedReferral()
		gone.Stages[0].Key = "intro_logged"
		_, err = f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, gone, 1)
		if tandem.KindOf(err) != tandem.KindConflict || !slices.Equal(paths(err), []string{"stages"}) ||
			!strings.Contains(tandem.FieldsOf(err)[0].Detail, "“Introduction logged” (introduced) holds 1 open opportunity") {
			t.Fatalf("removing a stage in use: %v", err)
		}
		moved := editedReferral()
		moved.Stages[0].Label = "Introduced by the partner"
		moved.Stages[0], moved.Stages[1] = moved.Stages[1], moved.Stages[0]
		if saved, err = f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, moved, 1); err != nil || saved.Version != 2 {
			t.Fatalf("reorder and relabel a stage in use: %+v, %v", saved, err)
		}
		// New opportunities start in the edited model's first stage.
		if first, version, err := f.svc.FirstStage(f.ctx, f.ws, tandem.MotionReferral); err != nil || first != "qualified" || version != 2 {
			t.Fatalf("first stage: %q, %v", first, err)
		}
		if o2 := f.newOpp(t, pipeline.OpportunityInput{}); o2.Stage != "qualified" {
			t.Fatalf("new opportunity starts in %q", o2.Stage)
		}

		// Reset to the default: the removed stage comes back, nothing is refused.
		reset, err := f.svc.ResetStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, 2)
		if err != nil || reset.Custom || reset.Version != 3 || reset.Label("qualified") != "Qualified" {
			t.Fatalf("reset: %+v, %v", reset, err)
		}
		if cur, _ := f.svc.StageModel(f.ctx, admin, tandem.MotionReferral); cur.Custom || cur.Version != 3 || cur.Occupancy["introduced"].Open != 1 {
			t.Fatalf("after reset: %+v", cur)
		}
		// Saving what is stored changes nothing and writes no audit entry.
		if same, err := f.svc.ResetStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, 3); err != nil || same.Version != 3 {
			t.Fatalf("reset twice: %+v, %v", same, err)
		}
		if entries, _, _ := f.db.ListAudit(f.ctx, f.ws, audit.Filter{Action: "workspace.stage_model"}, store.Page{Limit: 10}); len(entries) != 3 {
			t.Fatalf("audit entries: %d, want 3", len(entries))
		}
	})
}

// editDuringSave is the pipeline's store with one twist: just before the next
// opportunity write commits, someone else saves the motion's stage model.
type editDuringSave struct {
	store.Pipeline
	edit func() error
}

func (s *editDuringSave) SaveOpportunity(ctx context.Context, w pipeline.Write) error {
	if s.edit != nil {
		edit := s.edit
		s.edit = nil
		if err := edit(); err != nil {
			return err
		}
	}
	return s.Pipeline.SaveOpportunity(ctx, w)
}

// TestAMoveJudgedByAReplacedStageModelIsRefused: a stage move checked against the
// model, then an edit that removes the target stage (which is empty, so the edit is
// allowed), then the move's commit: the move must fail rather than put the
// opportunity in a stage that no longer exists.
func TestAMoveJudgedByAReplacedStageModelIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		o := f.newOpp(t, pipeline.OpportunityInput{OwnerUserID: ptr("usr_demo000002"), Fields: map[string]string{"partner_contact": "Lee"}})
		o, err := f.svc.SetAttribution(f.ctx, f.manager, "Paul", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "intro",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: attribution.Hundred}}})
		if err != nil {
			t.Fatal(err)
		}
		st := &editDuringSave{Pipeline: store.Pipeline{DB: db}}
		svc := *f.svc
		svc.Store = st
		withoutQualified, _ := stage.Default(tandem.MotionReferral)
		withoutQualified.Stages = slices.Delete(withoutQualified.Stages, 1, 2)
		st.edit = func() error {
			_, err := f.svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, withoutQualified, 0)
			return err
		}
		_, err = svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "qualified", Version: o.Version})
		if tandem.KindOf(err) != tandem.KindConflict || !strings.Contains(err.Error(), "stage model changed") {
			t.Fatalf("move judged by the replaced model: %v", err)
		}
		after, err := f.svc.Opportunity(f.ctx, f.manager, o.ID)
		if err != nil || after.Stage != o.Stage || after.Version != o.Version {
			t.Fatalf("the refused move changed the opportunity: %+v, %v", after, err)
		}
	})
}

// staleCounts is a store whose early occupancy read saw none of the motion's
// opportunities, as if they moved in after it.
type staleCounts struct{ store.Pipeline }

func (staleCounts) StageOccupancy(context.Context, string, tandem.Motion) (map[string]stage.Occupancy, error) {
	return map[string]stage.Occupancy{}, nil
}

// TestStageModelSaveRechecksOccupancyInItsTransaction: the rule that a stage holding
// open opportunities may not become a won stage is judged again on the counts inside
// the save, so opportunities that arrived after the first read still stop it.
func TestStageModelSaveRechecksOccupancyInItsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		o := f.newOpp(t, pipeline.OpportunityInput{}) // open, in "introduced"
		svc := *f.svc
		svc.Store = staleCounts{store.Pipeline{DB: db}}
		m, _ := stage.Default(tandem.MotionReferral)
		m.WonAt = "introduced"
		_, err := svc.SaveStageModel(f.ctx, admin, "Ada", tandem.MotionReferral, m, 0)
		if tandem.KindOf(err) != tandem.KindConflict || !slices.Equal(paths(err), []string{"won_at"}) || !strings.Contains(tandem.FieldsOf(err)[0].Detail, "1 open opportunity") {
			t.Fatalf("won stage over an open opportunity: %v %v", err, tandem.FieldsOf(err))
		}
		if cur, _ := f.svc.StageModel(f.ctx, admin, tandem.MotionReferral); cur.Custom || cur.Version != 0 {
			t.Fatalf("the refused model was saved: %+v", cur)
		}
		if got, _ := f.svc.Opportunity(f.ctx, admin, o.ID); got.Status != pipeline.Open {
			t.Fatalf("the opportunity became %s", got.Status)
		}
	})
}
