package pipeline_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func bodies(ns []pipeline.Note) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Body)
	}
	return out
}

func TestNotesAreSharedOnlyWithThePartnersOnTheOpportunity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{PartnerID: "prt_demo000000"})
		// Credit a second partner too, so that partners' own notes must stay apart.
		o, err := f.svc.SetAttribution(f.ctx, f.manager, "Paul", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "joint deal",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: 6000}, {PartnerID: "prt_demo000001", Kind: attribution.Influenced, Percent: 4000}}})
		if err != nil {
			t.Fatal(err)
		}
		add := func(a policy.Actor, in pipeline.NoteInput) pipeline.Note {
			t.Helper()
			n, err := f.svc.AddNote(f.ctx, a, "someone", o.ID, in)
			if err != nil {
				t.Fatalf("%s: %v", in.Body, err)
			}
			return n
		}
		add(f.manager, pipeline.NoteInput{Body: "internal: they want 30% off"})
		add(f.manager, pipeline.NoteInput{Body: "shared: kickoff on Monday", Visibility: pipeline.Shared})
		if n := add(f.sam, pipeline.NoteInput{Body: "sam: champion confirmed"}); n.Visibility != pipeline.Shared || n.AuthorSide != pipeline.SidePartner || n.PartnerID != "prt_demo000000" {
			t.Fatalf("a partner's note defaults to shared from its side: %+v", n)
		}
		add(f.otherPartner, pipeline.NoteInput{Body: "other: integration scoped"})

		// Partners may not write internal notes; bad input is named.
		_, err = f.svc.AddNote(f.ctx, f.sam, "Sam", o.ID, pipeline.NoteInput{Body: "x", Visibility: pipeline.Internal})
		if !slices.Equal(paths(err), []string{"visibility"}) {
			t.Fatalf("partner internal note: %v", err)
		}
		_, err = f.svc.AddNote(f.ctx, f.manager, "Paul", o.ID, pipeline.NoteInput{Body: " ", Visibility: "public", Kind: "lunch"})
		if !slices.Equal(paths(err), []string{"visibility", "kind", "body"}) {
			t.Fatalf("bad note: %v", err)
		}

		all, err := f.svc.Notes(f.ctx, f.manager, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"other: integration scoped", "sam: champion confirmed", "shared: kickoff on Monday", "internal: they want 30% off"}; !slices.Equal(bodies(all), want) {
			t.Fatalf("the vendor reads %q, want %q", bodies(all), want)
		}
		sams, err := f.svc.Notes(f.ctx, f.sam, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"sam: champion confirmed", "shared: kickoff on Monday"}; !slices.Equal(bodies(sams), want) {
			t.Fatalf("Sam reads %q, want %q", bodies(sams), want)
		}
		others, _ := f.svc.Notes(f.ctx, f.otherPartner, o.ID)
		if want := []string{"other: integration scoped", "shared: kickoff on Monday"}; !slices.Equal(bodies(others), want) {
			t.Fatalf("the other partner reads %q, want %q", bodies(others), want)
		}
		// A partner not on the opportunity learns nothing of it.
		stranger := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: f.ws, UserID: "usr_y", Role: tandem.RolePartnerSeller, PartnerID: "prt_demo000002"}
		if _, err := f.svc.Notes(f.ctx, stranger, o.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("stranger reads: %v", err)
		}
		if _, err := f.svc.AddNote(f.ctx, stranger, "x", o.ID, pipeline.NoteInput{Body: "hello"}); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("stranger writes: %v", err)
		}
		// The partner view of notes holds the safe fields only, and drops internal notes.
		views := pipeline.ToPartnerNotes(all)
		if len(views) != 3 {
			t.Fatalf("partner views of all notes: %d", len(views))
		}
		if unsafe := policy.UnsafeFields(policy.PartnerNotes, views[0]); len(unsafe) > 0 {
			t.Fatalf("unsafe note fields: %v", unsafe)
		}
	})
}

func TestMeetingStartsAFollowUpThatTheNextNoteMeets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		o := f.newOpp(t, pipeline.OpportunityInput{PartnerID: "prt_demo000000", OwnerUserID: ptr("usr_demo000002")})
		m, err := f.svc.AddNote(f.ctx, f.manager, "Paul", o.ID, pipeline.NoteInput{Body: "discovery call", Kind: pipeline.NoteMeeting})
		if err != nil {
			t.Fatal(err)
		}
		due := now.Add(24 * time.Hour)
		if !m.FollowUpDueAt.Equal(due) {
			t.Fatalf("follow-up due %v, want %v", m.FollowUpDueAt, due)
		}
		o, _ = f.svc.Opportunity(f.ctx, f.manager, o.ID)
		if !o.FollowUpDueAt.Equal(due) || o.Version != 1 || !o.LastActivityAt.Equal(now) {
			t.Fatalf("after the meeting: due %v, version %d, activity %v", o.FollowUpDueAt, o.Version, o.LastActivityAt)
		}
		// An early timer waits; the filter finds it once due.
		var early *pipeline.EarlyError
		if err := f.svc.FollowUpTick(f.ctx, pipeline.FollowUpArgs{WorkspaceID: f.ws, OpportunityID: o.ID, DueMS: due.UnixMilli()}); !errors.As(err, &early) {
			t.Fatalf("early tick: %v", err)
		}
		// Past the deadline: flagged once, the owner told.
		now = due.Add(time.Minute)
		list, _, err := f.svc.ListOpportunities(f.ctx, f.manager, pipeline.Filter{Attention: pipeline.AttentionFollowUp}, "", 50)
		if err != nil || len(list) != 1 || list[0].ID != o.ID {
			t.Fatalf("follow-up filter: %d, %v", len(list), err)
		}
		n, err := f.svc.SweepFollowUps(f.ctx, store.Pipeline{DB: db}, 0)
		if err != nil || n != 1 {
			t.Fatalf("sweep ran %d: %v", n, err)
		}
		if err := f.svc.FollowUpTick(f.ctx, pipeline.FollowUpArgs{WorkspaceID: f.ws, OpportunityID: o.ID, DueMS: due.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		ns, err := store.Notifications{DB: db}.ListNotifications(f.ctx, f.ws, "usr_demo000002", 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := countTitled(ns, "Follow-up overdue"); got != 1 {
			t.Fatalf("the owner got %d follow-up notices: %+v", got, ns)
		}
		o, _ = f.svc.Opportunity(f.ctx, f.manager, o.ID)
		if !o.FollowUpOverdueAt.Equal(now) || !pipeline.FlagsAt(o, pipeline.DefaultSettings(), now).FollowUpOverdue {
			t.Fatalf("not flagged: %+v", o)
		}
		// The follow-up note clears it; a timer for it then does nothing.
		if _, err := f.svc.AddNote(f.ctx, f.sales, "Sofia", o.ID, pipeline.NoteInput{Body: "sent the recap", Visibility: pipeline.Shared}); err != nil {
			t.Fatal(err)
		}
		o, _ = f.svc.Opportunity(f.ctx, f.manager, o.ID)
		if !o.FollowUpDueAt.IsZero() || !o.FollowUpOverdueAt.IsZero() {
			t.Fatalf("follow-up not cleared: %+v", o)
		}
		if err := f.svc.FollowUpTick(f.ctx, pipeline.FollowUpArgs{WorkspaceID: f.ws, OpportunityID: o.ID, DueMS: due.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		// The deadline follows the workspace's setting.
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		rules := func(fresh, hours int) pipeline.Settings {
			s := pipeline.DefaultSettings()
			s.FreshnessDays, s.FollowUpHours = fresh, hours
			return s
		}
		if _, err := f.svc.SaveSettings(f.ctx, f.manager, "Paul", rules(7, 4)); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a partner manager changed the settings: %v", err)
		}
		if _, err := f.svc.SaveSettings(f.ctx, admin, "Ada", rules(0, 4)); !slices.Equal(paths(err), []string{"freshness_days"}) {
			t.Fatalf("bad settings: %v", err)
		}
		if _, err := f.svc.SaveSettings(f.ctx, admin, "Ada", rules(7, 4)); err != nil {
			t.Fatal(err)
		}
		m, err = f.svc.AddNote(f.ctx, f.manager, "Paul", o.ID, pipeline.NoteInput{Body: "demo", Kind: pipeline.NoteMeeting})
		if err != nil || !m.FollowUpDueAt.Equal(now.Add(4*time.Hour)) {
			t.Fatalf("meeting under a 4-hour rule: %v, %v", m.FollowUpDueAt, err)
		}
	})
}

func countTitled(ns []notify.Notification, prefix string) int {
	n := 0
	for _, x := range ns {
		if strings.HasPrefix(x.Title, prefix) {
			n++
		}
	}
	return n
}

func TestStaleOpportunitiesAreFlaggedAndFiltered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return now }
		quiet := f.newOpp(t, pipeline.OpportunityInput{Name: ptr("Quiet deal")})
		now = now.Add(3 * 24 * time.Hour)
		busy := f.newOpp(t, pipeline.OpportunityInput{Name: ptr("Busy deal")})
		now = now.Add(5 * 24 * time.Hour) // quiet: 8 days; busy: 5 days
		list, _, err := f.svc.ListOpportunities(f.ctx, f.manager, pipeline.Filter{Attention: pipeline.AttentionStale}, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range list {
			ids = append(ids, o.ID)
		}
		if !slices.Contains(ids, quiet.ID) || slices.Contains(ids, busy.ID) {
			t.Fatalf("stale filter: %v", ids)
		}
		// A note is an update.
		if _, err := f.svc.AddNote(f.ctx, f.manager, "Paul", quiet.ID, pipeline.NoteInput{Body: "still alive"}); err != nil {
			t.Fatal(err)
		}
		o, _ := f.svc.Opportunity(f.ctx, f.manager, quiet.ID)
		if pipeline.FlagsAt(o, pipeline.DefaultSettings(), now).Stale {
			t.Fatal("still stale after a note")
		}
		if _, _, err := f.svc.ListOpportunities(f.ctx, f.sam, pipeline.Filter{Attention: pipeline.AttentionStale}, "", 5); !slices.Equal(paths(err), []string{"attention"}) {
			t.Fatalf("partner attention filter: %v", err)
		}
		if _, _, err := f.svc.ListOpportunities(f.ctx, f.manager, pipeline.Filter{Attention: "sleepy"}, "", 5); !slices.Equal(paths(err), []string{"attention"}) {
			t.Fatalf("unknown attention: %v", err)
		}
	})
}

func TestFlagsAt(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	set := pipeline.DefaultSettings()
	cases := []struct {
		name string
		o    pipeline.Opportunity
		at   time.Time
		want pipeline.Flags
	}{
		{"fresh", pipeline.Opportunity{Status: pipeline.Open, CreatedAt: start}, start.Add(6 * 24 * time.Hour), pipeline.Flags{QuietDays: 6}},
		{"seven quiet days make it stale", pipeline.Opportunity{Status: pipeline.Open, CreatedAt: start}, start.Add(7 * 24 * time.Hour), pipeline.Flags{Stale: true, QuietDays: 7}},
		{"the last activity counts, not creation", pipeline.Opportunity{Status: pipeline.Open, CreatedAt: start, LastActivityAt: start.Add(5 * 24 * time.Hour)},
			start.Add(8 * 24 * time.Hour), pipeline.Flags{QuietDays: 3}},
		{"closed deals are never stale", pipeline.Opportunity{Status: pipeline.Won, CreatedAt: start}, start.Add(30 * 24 * time.Hour), pipeline.Flags{QuietDays: 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := pipeline.FlagsAt(c.o, set, c.at); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
	due := start.Add(24 * time.Hour)
	o := pipeline.Opportunity{Status: pipeline.Open, CreatedAt: start, FollowUpDueAt: due}
	if f := pipeline.FlagsAt(o, set, due.Add(-time.Second)); f.FollowUpOverdue || f.FollowUpDueAt == nil {
		t.Fatalf("before the deadline: %+v", f)
	}
	if f := pipeline.FlagsAt(o, set, due); !f.FollowUpOverdue {
		t.Fatalf("at the deadline: %+v", f)
	}
}

func TestParseSettings(t *testing.T) {
	s, err := pipeline.ParseSettings(nil)
	if err != nil || !reflect.DeepEqual(s, pipeline.DefaultSettings()) {
		t.Fatalf("empty: %+v, %v", s, err)
	}
	s, err = pipeline.ParseSettings([]byte(`{"follow_up_hours": 48}`))
	if err != nil || s.FollowUpHours != 48 || s.FreshnessDays != 7 {
		t.Fatalf("partial: %+v, %v", s, err)
	}
	for _, bad := range []string{`{"follow_up_hours": 0}`, `{"freshness_days": 400}`, `{"colour": 1}`, `[]`, `{} {}`} {
		if _, err := pipeline.ParseSettings([]byte(bad)); tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func FuzzParseSettings(f *testing.F) {
	f.Add([]byte(`{"freshness_days": 7, "follow_up_hours": 24}`))
	f.Add([]byte(`{"follow_up_hours": 336}`))
	f.Add([]byte(`{"freshness_days": -1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := pipeline.ParseSettings(raw)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed settings do not validate: %v", err)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := pipeline.ParseSettings(again); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip: %+v, %v", back, err)
		}
	})
}
