package pipeline_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func keys(ms []pipeline.Milestone) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Key)
	}
	return out
}

func TestPlanMilestoneDoneOpensTheStageGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		// Still the 1st in UTC, already the 2nd in the workspace's Amsterdam: the
		// template counts its days from the 2nd.
		now := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		o := f.newOpp(t, pipeline.OpportunityInput{Motion: tandem.MotionServices, PartnerID: "prt_demo000000", OwnerUserID: ptr("usr_demo000002"),
			NextStep: ptr("Run the proof"), Fields: map[string]string{"use_case": "Billing migration", "success_criteria": "Invoices in 2 days"}})
		o, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "proof", Version: o.Version})
		if err != nil {
			t.Fatal(err)
		}
		// Leaving the proof stage needs the proof_complete milestone done.
		if _, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "commercials", Version: o.Version}); !slices.Equal(paths(err), []string{"milestones.proof_complete"}) {
			t.Fatalf("move without the milestone: %v", err)
		}
		added, err := f.svc.ApplyTemplate(f.ctx, f.manager, "Paul", o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"workshop", "proof_complete", "sow_signed", "go_live"}; !slices.Equal(keys(added), want) {
			t.Fatalf("template added %v, want %v", keys(added), want)
		}
		proof := added[1]
		if proof.OwnerSide != pipeline.SidePartner || proof.OwnerPartnerID != "prt_demo000000" || proof.DueOn != "2026-04-01" || proof.Status != pipeline.MilestoneOpen {
			t.Fatalf("proof milestone: %+v", proof)
		}
		// Applying it again adds nothing.
		if again, err := f.svc.ApplyTemplate(f.ctx, f.manager, "Paul", o.ID); err != nil || len(again) != 0 {
			t.Fatalf("second template: %v, %v", keys(again), err)
		}
		// The partner sees its own items and may change their status, nothing else.
		mine, err := f.svc.Plan(f.ctx, f.sam, o.ID)
		if err != nil || len(mine) != 4 {
			t.Fatalf("Sam's plan: %d, %v", len(mine), err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.sam, "Sam", o.ID, proof.ID, 1, pipeline.MilestoneInput{Title: ptr("Done whenever")}); !slices.Equal(paths(err), []string{"status"}) {
			t.Fatalf("partner retitles: %v", err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.sam, "Sam", o.ID, proof.ID, 1, pipeline.MilestoneInput{Status: ptr("finished")}); !slices.Equal(paths(err), []string{"status"}) {
			t.Fatalf("bad status: %v", err)
		}
		if _, err := f.svc.AddMilestone(f.ctx, f.sam, "Sam", o.ID, pipeline.MilestoneInput{Title: ptr("x")}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("partner adds: %v", err)
		}
		done, err := f.svc.UpdateMilestone(f.ctx, f.sam, "Sam", o.ID, proof.ID, 1, pipeline.MilestoneInput{Status: ptr("done")})
		if err != nil || done.Status != pipeline.MilestoneDone || !done.DoneAt.Equal(now) || done.Version != 2 {
			t.Fatalf("done: %+v, %v", done, err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.sam, "Sam", o.ID, proof.ID, 1, pipeline.MilestoneInput{Status: ptr("open")}); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("stale update: %v", err)
		} else if cur, ok := pipeline.CurrentOf(err); !ok || cur.(pipeline.Milestone).Version != 2 {
			t.Fatalf("stale update carries %v", cur)
		}
		moved, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "commercials", Version: o.Version})
		if err != nil || moved.Stage != "commercials" {
			t.Fatalf("move after the milestone: %v", err)
		}
		// The other partner is not on the deal: its people learn nothing.
		if _, err := f.svc.UpdateMilestone(f.ctx, f.otherPartner, "x", o.ID, proof.ID, 2, pipeline.MilestoneInput{Status: ptr("open")}); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("other partner: %v", err)
		}
		// A vendor-side milestone is not the partner's.
		v, err := f.svc.AddMilestone(f.ctx, f.manager, "Paul", o.ID, pipeline.MilestoneInput{Title: ptr("Pricing approved"), DueOn: ptr("2026-03-05")})
		if err != nil || v.OwnerUserID != "usr_demo000002" || v.OwnerName != "Sofia Sales" {
			t.Fatalf("vendor milestone: %+v, %v", v, err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, f.sam, "Sam", o.ID, v.ID, 1, pipeline.MilestoneInput{Status: ptr("done")}); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("Sam on a vendor milestone: %v", err)
		}
		if mine, _ := f.svc.Plan(f.ctx, f.sam, o.ID); len(mine) != 4 {
			t.Fatalf("Sam sees %d items", len(mine))
		}
		// Bad input is named.
		_, err = f.svc.AddMilestone(f.ctx, f.manager, "Paul", o.ID, pipeline.MilestoneInput{Title: ptr(""), Key: ptr("go_live"), DueOn: ptr("soon"),
			OwnerSide: ptr("partner"), OwnerPartnerID: ptr("prt_demo000002")})
		if want := []string{"title", "due_on", "key", "owner_partner_id"}; !slices.Equal(paths(err), want) {
			t.Fatalf("bad milestone: %v, want %v", paths(err), want)
		}
	})
}

func TestOverdueMilestoneNudgesItsOwnerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		o := f.newOpp(t, pipeline.OpportunityInput{PartnerID: "prt_demo000000"})
		m, err := f.svc.AddMilestone(f.ctx, f.manager, "Paul", o.ID, pipeline.MilestoneInput{Title: ptr("Security review passed"),
			OwnerSide: ptr("partner"), OwnerUserID: ptr("usr_demo000004"), DueOn: ptr("2026-03-03")})
		if err != nil {
			t.Fatal(err)
		}
		// Due on the 3rd in the workspace's calendar (Amsterdam): overdue from its
		// midnight, 23:00 UTC.
		amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
		if m.OwnerName != "Lee Seller" || m.OwnerPartnerID != "prt_demo000000" || !m.NudgeAt.Equal(time.Date(2026, 3, 4, 0, 0, 0, 0, amsterdam)) {
			t.Fatalf("milestone: %+v", m)
		}
		if m.Overdue(time.Date(2026, 3, 3, 22, 59, 0, 0, time.UTC)) || !m.Overdue(time.Date(2026, 3, 3, 23, 0, 0, 0, time.UTC)) {
			t.Fatal("overdue is not counted from midnight in the workspace's time zone")
		}
		args := pipeline.MilestoneArgs{WorkspaceID: f.ws, MilestoneID: m.ID, WakeMS: m.NudgeAt.UnixMilli()}
		var early *pipeline.EarlyError
		if err := f.svc.NudgeTick(f.ctx, args); !errors.As(err, &early) {
			t.Fatalf("early nudge: %v", err)
		}
		now = m.NudgeAt.Add(time.Hour)
		if !m.Overdue(now) {
			t.Fatal("not overdue after its day")
		}
		if n, err := f.svc.SweepMilestones(f.ctx, store.Pipeline{DB: db}, 0); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		if err := f.svc.NudgeTick(f.ctx, args); err != nil {
			t.Fatal(err)
		}
		ns, err := store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000004", 10)
		if err != nil {
			t.Fatal(err)
		}
		if countTitled(ns, "Overdue: Security review passed") != 1 || ns[0].Link != "/portal/pipeline/"+o.ID {
			t.Fatalf("Lee's notices: %+v", ns)
		}
		// A new due date may be nudged again; done milestones never.
		lee := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: f.ws, UserID: "usr_demo000004", Role: tandem.RolePartnerSeller, PartnerID: "prt_demo000000"}
		cur, _ := f.svc.Plan(f.ctx, lee, o.ID)
		if len(cur) != 1 || cur[0].NudgedAt.IsZero() {
			t.Fatalf("Lee's plan: %+v", cur)
		}
		moved, err := f.svc.UpdateMilestone(f.ctx, f.manager, "Paul", o.ID, m.ID, cur[0].Version, pipeline.MilestoneInput{DueOn: ptr("2026-03-10")})
		if err != nil || !moved.NudgedAt.IsZero() || !moved.NudgeAt.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, amsterdam)) {
			t.Fatalf("rescheduled: %+v, %v", moved, err)
		}
		if _, err := f.svc.UpdateMilestone(f.ctx, lee, "Lee", o.ID, m.ID, moved.Version, pipeline.MilestoneInput{Status: ptr("done")}); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
		if err := f.svc.NudgeTick(f.ctx, pipeline.MilestoneArgs{WorkspaceID: f.ws, MilestoneID: m.ID, WakeMS: moved.NudgeAt.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		ns, _ = store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000004", 10)
		if countTitled(ns, "Overdue:") != 1 {
			t.Fatalf("a done milestone was nudged: %+v", ns)
		}
	})
}

func TestPlanTemplatesAreValidated(t *testing.T) {
	raw := `{"plan_templates":{"referral":[{"key":"Intro","title":"","owner_side":"both","due_days":400},{"key":"a","title":"A","owner_side":"vendor","due_days":1},{"key":"a","title":"B","owner_side":"vendor","due_days":1}],"barter":[]}}`
	_, err := pipeline.ParseSettings([]byte(raw))
	want := []string{"plan_templates.barter", "plan_templates.referral[0].key", "plan_templates.referral[0].title", "plan_templates.referral[0].owner_side",
		"plan_templates.referral[0].due_days", "plan_templates.referral[2].key"}
	if !slices.Equal(paths(err), want) {
		t.Fatalf("got %v, want %v", paths(err), want)
	}
	s, err := pipeline.ParseSettings([]byte(`{"plan_templates":{"tech":[{"key":"poc","title":"Proof of concept","owner_side":"partner","due_days":30}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ts := s.Templates(); len(ts["tech"]) != 1 || len(ts["referral"]) != 4 {
		t.Fatalf("templates: %+v", ts)
	}
}
