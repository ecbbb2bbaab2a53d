package registration_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// fixture is a demo workspace with a registration service on a clock the test moves.
type fixture struct {
	ctx      context.Context
	db       *store.DB
	svc      *registration.Service
	now      time.Time
	reviewer policy.Actor
	// a and b are two active partners running the same motion; motion is that motion.
	a, b   partner.Partner
	motion tandem.Motion
}

// stubMail renders every template as its name and data, so the test sees what would
// be sent without depending on the templates' wording.
type stubMail struct{}

func (stubMail) Render(name string, data any) (string, string, string, error) {
	m := data.(map[string]any)
	var b strings.Builder
	for _, k := range []string{"Headline", "StatusLine", "Title", "Body", "CustomerName", "Link"} {
		if v, ok := m[k]; ok {
			b.WriteString(k + ": " + v.(string) + "\n")
		}
	}
	return name, b.String(), "<p>" + name + "</p>", nil
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: ctx, db: db, now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	st := store.Registrations{DB: db}
	finder := registration.NewFinder(st, match.DefaultConfig())
	finder.Now = func() time.Time { return f.now }
	finder.RefreshEvery = 0
	f.svc = &registration.Service{Store: st, Finder: finder, Mail: stubMail{}, Now: func() time.Time { return f.now }, BaseURL: "http://tandem.test"}
	f.reviewer = policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000001", Role: tandem.RolePartnerManager}
	ps, _, err := store.Partners{DB: db}.ListPartners(ctx, "ws_demo", partner.Filter{Lifecycle: partner.Active}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		for _, q := range ps {
			if p.ID < q.ID && len(p.Motions) > 0 && len(q.Motions) > 0 && p.Motions[0] == q.Motions[0] && f.a.ID == "" {
				f.a, f.b, f.motion = p, q, p.Motions[0]
			}
		}
	}
	if f.a.ID == "" {
		t.Fatal("the demo has no two active partners with one motion")
	}
	return f
}

func partnerActor(p partner.Partner) policy.Actor {
	return policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: p.WorkspaceID, UserID: "usr_x_" + p.ID, PartnerID: p.ID, Role: tandem.RolePartnerAdmin}
}

func linkActor(p partner.Partner) policy.Actor {
	return policy.Actor{Kind: policy.ActorLink, WorkspaceID: p.WorkspaceID, PartnerID: p.ID,
		Link: &policy.LinkGrant{LinkID: "lnk_1", Kind: policy.Registrations, Action: policy.Create}}
}

func (f *fixture) submit(t *testing.T, p partner.Partner, in registration.Input) registration.Receipt {
	t.Helper()
	if in.Motion == "" {
		in.Motion = string(f.motion)
	}
	if in.SubmitterEmail == "" {
		in.SubmitterEmail = "seller@" + p.Domain
		in.SubmitterName = "Seller of " + p.Name
	}
	in.PartnerID = p.ID
	rc, err := f.svc.Submit(f.ctx, f.reviewer, "Paul on behalf of the partner", registration.ChannelAPI, in)
	if err != nil {
		t.Fatalf("submit %s: %v (%v)", in.CustomerName, err, tandem.FieldsOf(err))
	}
	return rc
}

func TestSubmissionCollidingWithAnOwnedAccountWaitsForReviewAndTellsThePartnerNothingMore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		acc, err := store.Registrations{DB: db}.CandidateFacts(f.ctx, "ws_demo", []string{"acc_demo000007"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := acc.Accounts["acc_demo000007"]
		if err := db.SetAccountOwner(f.ctx, nil, "ws_demo", a.ID, "usr_demo000002", "", f.now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		// The partner types the customer a little differently: no legal form, other case.
		name := strings.ToUpper(strings.Fields(a.Name)[0] + " " + strings.Fields(a.Name)[1])
		rc := f.submit(t, f.a, registration.Input{CustomerName: name, CustomerDomain: "https://www." + a.Domain + "/about", Amount: "48,000"})
		r := rc.Registration
		if r.Status != registration.Pending || !rc.MayCollide {
			t.Fatalf("status %s, may collide %v; want pending and a collision", r.Status, rc.MayCollide)
		}
		if r.ConflictType != conflict.TypeVertical {
			t.Errorf("conflict type %s, want vertical (direct sales owns the account)", r.ConflictType)
		}
		var found *registration.Candidate
		for i, c := range r.Candidates {
			if c.Ref == a.ID {
				found = &r.Candidates[i]
			}
		}
		if found == nil || found.Decision != "match" || len(found.Reasons) == 0 {
			t.Fatalf("candidates %+v: want %s as a match with reasons", r.Candidates, a.ID)
		}
		if !strings.Contains(strings.Join(found.Reasons, "; "), "domain") {
			t.Errorf("reasons %q do not mention the shared domain", found.Reasons)
		}
		for _, leak := range []string{a.Name, a.ID, "Sofia", "direct"} {
			if strings.Contains(rc.Message, leak) || strings.Contains(r.PartnerMessage, leak) {
				t.Errorf("the partner's message %q reveals %q", rc.Message, leak)
			}
		}
		if r.AmountMinor != 4800000 || r.CustomerDomain != a.Domain {
			t.Errorf("amount %d, domain %q: not normalised", r.AmountMinor, r.CustomerDomain)
		}
		want := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // 48 business hours of 8.5 h, Amsterdam time
		if r.ReviewDueAt.IsZero() || r.ReviewDueAt.Before(f.now.Add(48*time.Hour)) {
			t.Errorf("review due %v: must be 48 business hours later (around %v)", r.ReviewDueAt, want)
		}
		msgs, err := db.ListOutbox(f.ctx, "ws_demo", 50)
		if err != nil {
			t.Fatal(err)
		}
		var confirm, notices int
		for _, m := range msgs {
			switch {
			case m.Subject == "registration_confirmation" && m.To == "seller@"+f.a.Domain:
				confirm++
			case m.Subject == "notice":
				notices++
			}
		}
		if confirm != 1 || notices != 2 {
			t.Errorf("outbox: %d confirmations to the submitter, %d notices to reviewers; want 1 and 2 (admin and partner manager)", confirm, notices)
		}
	})
}

func TestSecondPartnerSeesNoNameButReviewerSeesTheFirstRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		first := f.submit(t, f.a, registration.Input{CustomerName: "Quillfeather Analytics BV", CustomerDomain: "quillfeather.io", CustomerCountry: "NL"}).Registration
		if len(first.Candidates) != 0 || first.Ruling != conflict.Approve {
			t.Fatalf("first registration: candidates %+v, ruling %s; want none and approve", first.Candidates, first.Ruling)
		}
		second := f.submit(t, f.b, registration.Input{CustomerName: "Quill Feather Analytics", CustomerDomain: "quillfeather.io"})
		r := second.Registration
		if len(r.Candidates) != 1 || r.Candidates[0].Ref != first.ID || r.Candidates[0].PartnerName != f.a.Name {
			t.Fatalf("candidates %+v: want the first registration, naming %s for reviewers", r.Candidates, f.a.Name)
		}
		if r.ConflictType != conflict.TypeHorizontal {
			t.Errorf("conflict type %s, want horizontal (same motion)", r.ConflictType)
		}
		if strings.Contains(second.Message, f.a.Name) || strings.Contains(r.PartnerMessage, f.a.Name) || strings.Contains(second.Message, first.ID) {
			t.Errorf("the second partner learns who else registered: %q", second.Message)
		}
		if !strings.Contains(r.InternalExplanation, f.a.Name) {
			t.Errorf("the internal explanation %q should name the other partner", r.InternalExplanation)
		}
		// The second partner cannot open the first one's registration; it looks absent.
		if _, err := f.svc.Get(f.ctx, partnerActor(f.b), first.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Errorf("other partner's registration: %v, want not found", err)
		}
		list, _, err := f.svc.List(f.ctx, partnerActor(f.b), registration.Filter{PartnerID: f.a.ID}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.PartnerID != f.b.ID {
				t.Errorf("partner %s's list holds %s of partner %s", f.b.ID, x.ID, x.PartnerID)
			}
		}
	})
}

func TestApprovalConvertsProtectsAndExpiresOnTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		r := f.submit(t, f.a, registration.Input{CustomerName: "Brightwater Robotics GmbH", CustomerDomain: "brightwater-robotics.de", Amount: "120000"}).Registration
		if _, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "clean", Version: r.Version + 1}); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("deciding over a stale version: %v, want conflict", err)
		}
		if _, err := f.svc.Decide(f.ctx, partnerActor(f.a), "Sam", r.ID, registration.Decision{Action: registration.Approve, Rationale: "mine"}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("partner approving its own registration: %v, want forbidden", err)
		}
		f.now = f.now.Add(3 * time.Hour)
		got, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "No one else works this account.", Version: r.Version})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != registration.Approved || got.OpportunityID == "" || got.AccountID == "" || got.ReviewSLAMet == nil || !*got.ReviewSLAMet {
			t.Fatalf("after approval: %+v", got)
		}
		set, _, _ := f.svc.Settings(f.ctx, "ws_demo")
		exp := got.ProtectionExpiresAt(set.Protection)
		if want := f.now.AddDate(0, 0, 90); !exp.Equal(want) {
			t.Errorf("protection expires %v, want %v (90 days)", exp, want)
		}
		// A third party's registration now loses to the protected one and is recommended for decline.
		late := f.submit(t, f.b, registration.Input{CustomerName: "Brightwater Robotics", CustomerDomain: "brightwater-robotics.de"}).Registration
		if late.Ruling != conflict.Decline {
			t.Errorf("a registration colliding with a protected one: ruling %s, want decline (%s)", late.Ruling, late.InternalExplanation)
		}
		// The timer: the expiry reminder comes 7 days before, then the expiry itself.
		stored, err := f.svc.Get(f.ctx, f.reviewer, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.WakeAt.IsZero() || stored.WakeAt.After(exp) {
			t.Fatalf("wake %v, want a timer before expiry %v", stored.WakeAt, exp)
		}
		tick := func() registration.Registration {
			t.Helper()
			cur, err := f.svc.Get(f.ctx, f.reviewer, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			f.now = cur.WakeAt
			args := registration.TimerArgs{WorkspaceID: "ws_demo", RegistrationID: r.ID, WakeMS: cur.WakeAt.UnixMilli()}
			if err := f.svc.Tick(f.ctx, args); err != nil {
				t.Fatal(err)
			}
			// The same job delivered twice does nothing the second time.
			if err := f.svc.Tick(f.ctx, args); err != nil {
				t.Fatal(err)
			}
			after, _ := f.svc.Get(f.ctx, f.reviewer, r.ID)
			if after.Version != cur.Version+1 {
				t.Errorf("a repeated timer changed the registration again (version %d → %d)", cur.Version, after.Version)
			}
			return after
		}
		for i := 0; i < 5 && stored.Status == registration.Approved; i++ {
			stored = tick()
		}
		if stored.Status != registration.Expired || !stored.EndedAt.Equal(exp) {
			t.Fatalf("after the timers: status %s, ended %v; want expired at %v", stored.Status, stored.EndedAt, exp)
		}
		if stored.RemindedFor.IsZero() {
			t.Errorf("no expiry reminder was recorded before the expiry")
		}
		entries, _, err := db.ListAudit(f.ctx, "ws_demo", auditFilter(r.ID), store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"registration.submit", "registration.approve", "registration.convert", "registration.remind_expiry", "registration.expire"} {
			if !strings.Contains(strings.Join(actions, " "), want) {
				t.Errorf("audit log %v lacks %s", actions, want)
			}
		}
	})
}

func TestDeclineAppealAndSecondDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		r := f.submit(t, f.a, registration.Input{CustomerName: "Harborline Freight Ltd", CustomerDomain: "harborline.co.uk"}).Registration
		if _, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Decline, Rationale: "direct deal"}); len(tandem.FieldsOf(err)) != 1 || tandem.FieldsOf(err)[0].Path != "partner_message" {
			t.Fatalf("decline without a message for the partner: %v %v", err, tandem.FieldsOf(err))
		}
		d, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Decline, Rationale: "direct deal", PartnerMessage: "Our own team already works this deal."})
		if err != nil {
			t.Fatal(err)
		}
		if d.AppealDueAt.IsZero() {
			t.Fatal("a decline must open the appeal window")
		}
		if _, err := f.svc.Appeal(f.ctx, partnerActor(f.b), "Other", r.ID, "mine!"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Errorf("another partner appealing: %v, want not found", err)
		}
		ap, err := f.svc.Appeal(f.ctx, partnerActor(f.a), "Sam", r.ID, "We met their CFO on 3 November; minutes attached.")
		if err != nil {
			t.Fatal(err)
		}
		if ap.Status != registration.Appealed || ap.Appeals != 1 {
			t.Fatalf("after appeal: %s, %d appeals", ap.Status, ap.Appeals)
		}
		ok, err := f.svc.Decide(f.ctx, f.reviewer, "Ada", r.ID, registration.Decision{Action: registration.Approve, Rationale: "evidence holds"})
		if err != nil || ok.Status != registration.Approved {
			t.Fatalf("approve on appeal: %v %v", ok.Status, err)
		}
		if _, err := f.svc.Appeal(f.ctx, partnerActor(f.a), "Sam", r.ID, "again"); tandem.KindOf(err) != tandem.KindConflict {
			t.Errorf("appealing an approval: %v, want conflict", err)
		}
	})
}

func TestInvalidSubmissionNamesEveryFieldAndSavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		_, err := f.svc.Submit(f.ctx, linkActor(f.a), "x", registration.ChannelLink, registration.Input{
			PartnerID: f.a.ID, CustomerName: "  ", CustomerDomain: "gmail.com", Amount: "-5", Currency: "euro", ExpectedCloseOn: "31/12/2026",
			Motion: "barter", ContactEmail: "not an email"})
		if tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("err %v, want invalid", err)
		}
		got := map[string]bool{}
		for _, fe := range tandem.FieldsOf(err) {
			got[fe.Path] = true
		}
		for _, want := range []string{"customer_name", "customer_domain", "deal_size", "currency", "expected_close_on", "motion", "contact_email"} {
			if !got[want] {
				t.Errorf("no problem reported for %s (got %v)", want, tandem.FieldsOf(err))
			}
		}
		// A motion the partner does not run is refused with the motions it does run.
		other := tandem.MotionReferral
		if f.motion == other {
			other = tandem.MotionTech
		}
		_, err = f.svc.Submit(f.ctx, f.reviewer, "x", registration.ChannelAPI, registration.Input{PartnerID: f.a.ID, CustomerName: "Acme", CustomerDomain: "acme.test", Motion: string(other)})
		if fe := tandem.FieldsOf(err); len(fe) != 1 || fe[0].Path != "motion" || !strings.Contains(fe[0].Detail, f.motion.Label()) {
			t.Errorf("wrong motion: %v %v", err, fe)
		}
		list, _, err := f.svc.List(f.ctx, f.reviewer, registration.Filter{}, "", 10)
		if err != nil || len(list) != 0 {
			t.Errorf("after refused submissions the list holds %d registrations (%v)", len(list), err)
		}
	})
}

func TestReviewerQueueIsOrderedByDeadlineAndRemindersComeBeforeTheDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		var ids []string
		for i, name := range []string{"Northpeak Solar AS", "Lindqvist Marine AB", "Okafor Textiles Ltd"} {
			f.now = f.now.Add(time.Duration(i+1) * time.Hour)
			ids = append(ids, f.submit(t, f.a, registration.Input{CustomerName: name, CustomerDomain: strings.ToLower(strings.Fields(name)[0]) + ".example"}).Registration.ID)
		}
		q, more, err := f.svc.List(f.ctx, f.reviewer, registration.Filter{Statuses: []registration.Status{registration.Pending}, ByDeadline: true}, "", 2)
		if err != nil || !more || len(q) != 2 || q[0].ID != ids[0] || q[1].ID != ids[1] {
			t.Fatalf("first page of the queue: %v more=%v err=%v", ids, more, err)
		}
		rest, more, err := f.svc.List(f.ctx, f.reviewer, registration.Filter{Statuses: []registration.Status{registration.Pending}, ByDeadline: true}, store.QueueCursor(q[1]), 2)
		if err != nil || more || len(rest) != 1 || rest[0].ID != ids[2] {
			t.Fatalf("second page: %+v more=%v err=%v", rest, more, err)
		}
		r := q[0]
		if !r.WakeAt.Before(r.ReviewDueAt) {
			t.Fatalf("first wake %v should be the reminder before the deadline %v", r.WakeAt, r.ReviewDueAt)
		}
		f.now = r.WakeAt
		if err := f.svc.Tick(f.ctx, registration.TimerArgs{WorkspaceID: "ws_demo", RegistrationID: r.ID, WakeMS: r.WakeAt.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		r, _ = f.svc.Get(f.ctx, f.reviewer, r.ID)
		if r.ReviewRemindedAt.IsZero() || !r.ReviewEscalatedAt.IsZero() || !r.WakeAt.Equal(r.ReviewDueAt) {
			t.Fatalf("after the reminder: reminded %v escalated %v wake %v due %v", r.ReviewRemindedAt, r.ReviewEscalatedAt, r.WakeAt, r.ReviewDueAt)
		}
		f.now = r.WakeAt
		if err := f.svc.Tick(f.ctx, registration.TimerArgs{WorkspaceID: "ws_demo", RegistrationID: r.ID, WakeMS: r.WakeAt.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		r, _ = f.svc.Get(f.ctx, f.reviewer, r.ID)
		if r.ReviewEscalatedAt.IsZero() || !r.WakeAt.IsZero() {
			t.Fatalf("after the deadline: escalated %v, wake %v", r.ReviewEscalatedAt, r.WakeAt)
		}
		d, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "late but fine"})
		if err != nil || d.ReviewSLAMet == nil || *d.ReviewSLAMet {
			t.Fatalf("a decision after the deadline must record the SLA as missed: %v %v", d.ReviewSLAMet, err)
		}
	})
}

func auditFilter(id string) audit.Filter {
	return audit.Filter{SubjectType: "registration", SubjectID: id}
}

func TestSweepRunsTimersWhoseJobWasLostAndOnlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db) // no job queue here: the timer job is never queued
		r := f.submit(t, f.a, registration.Input{CustomerName: "Vellamo Cold Chain Oy", CustomerDomain: "vellamo.example"}).Registration
		st := store.Registrations{DB: db}
		f.now = r.WakeAt.Add(2 * time.Minute)
		n, err := f.svc.Sweep(f.ctx, st, time.Minute)
		if err != nil || n != 1 {
			t.Fatalf("sweep ran %d timers (%v), want 1", n, err)
		}
		after, _ := f.svc.Get(f.ctx, f.reviewer, r.ID)
		if after.ReviewRemindedAt.IsZero() || !after.WakeAt.Equal(after.ReviewDueAt) {
			t.Fatalf("after the sweep: reminded %v, next wake %v", after.ReviewRemindedAt, after.WakeAt)
		}
		if n, err := f.svc.Sweep(f.ctx, st, time.Minute); err != nil || n != 0 {
			t.Fatalf("a second sweep ran %d timers (%v), want none", n, err)
		}
		// A registration whose stored answers cannot be read fails its timer, and the
		// sweep still runs the others and reports the failure by registration.
		broken := f.submit(t, f.a, registration.Input{CustomerName: "Aurinko Paper Oy", CustomerDomain: "aurinko.example"}).Registration
		fine := f.submit(t, f.a, registration.Input{CustomerName: "Kuura Bakery Oy", CustomerDomain: "kuura.example"}).Registration
		if _, err := db.SQL().ExecContext(f.ctx, `UPDATE registrations SET custom = '{not json' WHERE workspace_id = 'ws_demo' AND id = $1`, broken.ID); err != nil {
			t.Fatal(err)
		}
		f.now = fine.WakeAt.Add(2 * time.Minute)
		due, err := st.DueTimers(f.ctx, f.now.Add(-time.Minute), 500)
		if err != nil || len(due) < 2 {
			t.Fatalf("due timers: %d, %v; want the broken and the healthy one at least", len(due), err)
		}
		n, err = f.svc.Sweep(f.ctx, st, time.Minute)
		if n != len(due)-1 || err == nil || !strings.Contains(err.Error(), broken.ID) {
			t.Fatalf("sweep with one broken registration ran %d of %d (%v); want all but it, and an error naming %s", n, len(due), err, broken.ID)
		}
		if got, _ := f.svc.Get(f.ctx, f.reviewer, fine.ID); got.ReviewRemindedAt.IsZero() {
			t.Fatal("the healthy registration's reminder did not run")
		}
	})
}

func TestCSVUploadChecksEveryRowFirstAndRegistersAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		csv := "partner_id,customer_name,website,motion,deal_size\n" +
			f.a.ID + ",Ostrava Steelworks a.s.,ostrava-steel.cz," + string(f.motion) + ",150000\n" +
			f.a.ID + ",Broken Row Ltd,not a website," + string(f.motion) + ",1\n" +
			f.b.ID + ",Ostrava Steelworks,ostrava-steel.cz," + string(f.motion) + ",\n" +
			"prt_nobody,Ghost Co,ghost.example," + string(f.motion) + ",\n"
		res, err := f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, true, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range res.Report.Rejected {
			got = append(got, fmt.Sprintf("%d:%s", e.Line, e.Column))
		}
		if strings.Join(got, " ") != "3:customer_domain 5:partner_id" || res.Report.Valid != 2 {
			t.Fatalf("dry run rejected %v, valid %d; want line 3 website and line 5 partner", got, res.Report.Valid)
		}
		if _, err := f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, false, csvimport.Options{}); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("all-or-nothing upload with bad rows: %v, want refused", err)
		}
		if list, _, _ := f.svc.List(f.ctx, f.reviewer, registration.Filter{}, "", 10); len(list) != 0 {
			t.Fatalf("a refused upload registered %d deals", len(list))
		}
		res, err = f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.ValidRowsOnly, false, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Registered) != 2 || res.Colliding != 1 {
			t.Fatalf("registered %d, colliding %d; want 2 and 1", len(res.Registered), res.Colliding)
		}
		second := res.Registered[1]
		if len(second.Candidates) == 0 || second.Candidates[0].Ref != res.Registered[0].ID || second.Channel != registration.ChannelCSV {
			t.Fatalf("the second row should collide with the first: %+v", second.Candidates)
		}
		// A partner uploading registers for itself whatever the partner_id column says.
		sam := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: "ws_demo", UserID: "usr_demo000003", PartnerID: "prt_demo000000", Role: tandem.RolePartnerAdmin}
		own := "partner_id,customer_name,website,motion\n" + f.b.ID + ",Tarn Valley Dairy,tarnvalley.example,referral\n"
		res, err = f.svc.Import(f.ctx, sam, "Sam", strings.NewReader(own), csvimport.AllOrNothing, false, csvimport.Options{})
		if err != nil || len(res.Registered) != 1 || res.Registered[0].PartnerID != "prt_demo000000" {
			t.Fatalf("partner upload: %v %+v", err, res.Registered)
		}
	})
}

func TestEligibilityByTierAndOpenRegistrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set, err := f.svc.GetSettings(f.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		set.Eligibility = registration.Eligibility{MaxOpen: 2}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		f.submit(t, f.a, registration.Input{CustomerName: "Ardent Foods", CustomerDomain: "ardent.example"})
		f.submit(t, f.a, registration.Input{CustomerName: "Bexley Optics", CustomerDomain: "bexley.example"})
		_, err = f.svc.Submit(f.ctx, f.reviewer, "Paul", registration.ChannelAPI, registration.Input{PartnerID: f.a.ID,
			CustomerName: "Corrib Energy", CustomerDomain: "corrib.example", Motion: string(f.motion)})
		if tandem.KindOf(err) != tandem.KindForbidden || !strings.Contains(tandem.MessageOf(err), "2 registrations") {
			t.Fatalf("third open registration with a limit of 2: %v", err)
		}
		// Another partner is not affected by the first one's count.
		f.submit(t, f.b, registration.Input{CustomerName: "Corrib Energy", CustomerDomain: "corrib.example"})

		set.Eligibility = registration.Eligibility{MinTierRank: 99}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Submit(f.ctx, f.reviewer, "Paul", registration.ChannelAPI, registration.Input{PartnerID: f.b.ID,
			CustomerName: "Dunmore Textiles", CustomerDomain: "dunmore.example", Motion: string(f.motion)})
		if tandem.KindOf(err) != tandem.KindForbidden || !strings.Contains(tandem.MessageOf(err), "higher program tier") {
			t.Fatalf("below the minimum tier: %v", err)
		}
		// A CSV dry run refuses the same rows, on partner_id, with the same reason.
		csv := "partner_id,customer_name,website,motion\n" + f.b.ID + ",Dunmore Textiles,dunmore.example," + string(f.motion) + "\n"
		res, err := f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, true, csvimport.Options{})
		if err != nil || len(res.Report.Rejected) != 1 || res.Report.Rejected[0].Line != 2 || res.Report.Rejected[0].Column != "partner_id" ||
			!strings.Contains(res.Report.Rejected[0].Reason, "higher program tier") {
			t.Fatalf("dry run below the minimum tier: %+v, %v", res.Report.Rejected, err)
		}
		if _, err := f.svc.UpdateSettings(f.ctx, f.reviewer, "Paul", set); tandem.KindOf(err) != tandem.KindForbidden {
			t.Errorf("a partner manager changing the settings: %v, want forbidden", err)
		}
	})
}

func TestLargeDealsNeedTwoDifferentReviewers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set, _ := f.svc.GetSettings(f.ctx, admin)
		set.TwoStepFrom = 100000
		set.AutoApprove = registration.AutoApprove{Enabled: true}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		small := f.submit(t, f.a, registration.Input{CustomerName: "Elmstead Bakery", CustomerDomain: "elmstead.example", Amount: "5000"}).Registration
		if small.Status != registration.Approved {
			t.Fatalf("a small clean deal with auto-approval on: %s, want approved", small.Status)
		}
		big := f.submit(t, f.a, registration.Input{CustomerName: "Fenwick Shipping", CustomerDomain: "fenwick.example", Amount: "250000"}).Registration
		if big.Status != registration.Pending {
			t.Fatalf("a large deal was approved automatically: %s", big.Status)
		}
		r, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", big.ID, registration.Decision{Action: registration.Approve, Rationale: "looks right"})
		if err != nil || r.Status != registration.Pending || len(r.Approvals) != 1 || r.Approvals[0].Name != "Paul" {
			t.Fatalf("first approval: %v %s %+v", err, r.Status, r.Approvals)
		}
		if _, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", big.ID, registration.Decision{Action: registration.Approve, Rationale: "again"}); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("the same reviewer approving twice: %v, want conflict", err)
		}
		r, err = f.svc.Decide(f.ctx, admin, "Ada", big.ID, registration.Decision{Action: registration.Approve, Rationale: "agreed"})
		if err != nil || r.Status != registration.Approved || r.OpportunityID == "" {
			t.Fatalf("second approval: %v %s", err, r.Status)
		}
	})
}

func TestWithdrawAndReleaseFreeTheCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		sam := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: "ws_demo", UserID: "usr_demo000003", PartnerID: "prt_demo000000", Role: tandem.RolePartnerAdmin}
		own, err := f.svc.Submit(f.ctx, sam, "Sam", registration.ChannelPortal, registration.Input{CustomerName: "Glenrock Pharma", CustomerDomain: "glenrock.example", Motion: "referral"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Withdraw(f.ctx, sam, "Sam", own.Registration.ID, ""); len(tandem.FieldsOf(err)) != 1 {
			t.Fatalf("withdrawing without a reason: %v", err)
		}
		w, err := f.svc.Withdraw(f.ctx, sam, "Sam", own.Registration.ID, "the customer chose another vendor")
		if err != nil || w.Status != registration.Withdrawn {
			t.Fatalf("withdraw: %v %s", err, w.Status)
		}
		// An approved registration, released by a reviewer, no longer stands in the way.
		r := f.submit(t, f.a, registration.Input{CustomerName: "Hartwell Instruments", CustomerDomain: "hartwell.example"}).Registration
		if _, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "ok"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Withdraw(f.ctx, partnerActor(f.b), "Other", r.ID, "mine now"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("another partner withdrawing it: %v, want not found", err)
		}
		rel, err := f.svc.Withdraw(f.ctx, f.reviewer, "Paul", r.ID, "no activity for 30 days")
		if err != nil || rel.EndedAt.IsZero() {
			t.Fatalf("release: %v %+v", err, rel)
		}
		next := f.submit(t, f.b, registration.Input{CustomerName: "Hartwell Instruments", CustomerDomain: "hartwell.example"}).Registration
		if next.Ruling == conflict.Decline {
			t.Errorf("after the release the customer is still protected: %s", next.InternalExplanation)
		}
	})
}

func TestWorkspaceFieldsAreAskedCheckedAndShownToTheirPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set, _ := f.svc.GetSettings(f.ctx, admin)
		bad := set
		bad.CustomFields = []registration.CustomField{{Key: "Bad Key", Label: ""}, {Key: "x", Label: "X", Motions: []tandem.Motion{"barter"}}}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", bad); len(tandem.FieldsOf(err)) != 3 {
			t.Fatalf("invalid fields: %v", tandem.FieldsOf(err))
		}
		set.CustomFields = []registration.CustomField{
			{Key: "partner_deal_id", Label: "Your deal ID", Required: true, Motions: []tandem.Motion{f.motion}},
			{Key: "budget_owner", Label: "Who owns the budget"},
		}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Submit(f.ctx, f.reviewer, "Paul", registration.ChannelAPI, registration.Input{PartnerID: f.a.ID, CustomerName: "Ivel Foods",
			CustomerDomain: "ivel.example", Motion: string(f.motion), Custom: map[string]string{"colour": "blue"}})
		got := map[string]bool{}
		for _, fe := range tandem.FieldsOf(err) {
			got[fe.Path] = true
		}
		if !got["custom.partner_deal_id"] || !got["custom.colour"] || len(got) != 2 {
			t.Fatalf("missing required field and unknown field: %v", tandem.FieldsOf(err))
		}
		r := f.submit(t, f.a, registration.Input{CustomerName: "Ivel Foods", CustomerDomain: "ivel.example",
			Custom: map[string]string{"partner_deal_id": " D-1042 ", "budget_owner": ""}}).Registration
		stored, _ := f.svc.Get(f.ctx, f.reviewer, r.ID)
		if len(stored.Custom) != 1 || stored.Custom["partner_deal_id"] != "D-1042" {
			t.Fatalf("stored answers %v", stored.Custom)
		}
		v := registration.ToPartnerView(stored, set)
		if len(v.CustomFields) != 1 || v.CustomFields[0].Label != "Your deal ID" || v.CustomFields[0].Value != "D-1042" {
			t.Fatalf("partner view answers %+v", v.CustomFields)
		}

		// A CSV upload reads the fields as custom.<key> or bare key columns and checks
		// them row by row like every other channel.
		csv := "partner_id,customer_name,website,motion,custom.partner_deal_id,budget_owner,colour\n" +
			f.a.ID + ",Tarn Valley Dairy,tarnvalley.example," + string(f.motion) + ",D-7,CFO,blue\n" +
			f.a.ID + ",Wensum Mills,wensum.example," + string(f.motion) + ",,,\n"
		res, err := f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, true, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Report.Rejected) != 1 || res.Report.Rejected[0].Line != 3 || res.Report.Rejected[0].Column != "custom.partner_deal_id" {
			t.Fatalf("dry run rejected %+v; want line 3, custom.partner_deal_id", res.Report.Rejected)
		}
		if w := strings.Join(res.Report.Warnings, " "); !strings.Contains(w, "colour") {
			t.Fatalf("warnings %q should name the unknown column colour", w)
		}
		res, err = f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.ValidRowsOnly, false, csvimport.Options{})
		if err != nil || len(res.Registered) != 1 {
			t.Fatalf("upload: %v, registered %d", err, len(res.Registered))
		}
		if got := res.Registered[0].Custom; len(got) != 2 || got["partner_deal_id"] != "D-7" || got["budget_owner"] != "CFO" {
			t.Fatalf("answers from the upload %v", got)
		}
	})
}

func TestNamedAccountHolderWinsTheRuling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ps := &partner.Service{Store: store.Partners{DB: db}, Now: func() time.Time { return f.now }}
		accounts := []string{"https://www.quillfeather.io/"}
		if _, err := ps.Update(f.ctx, f.reviewer, "Paul", f.b.ID, partner.Changes{NamedAccounts: &accounts}); err != nil {
			t.Fatalf("give %s a named account: %v (%v)", f.b.Name, err, tandem.FieldsOf(err))
		}
		// The first to register is not the partner that holds the customer as a named account.
		first := f.submit(t, f.a, registration.Input{CustomerName: "Quillfeather Analytics BV", CustomerDomain: "quillfeather.io", CustomerCountry: "NL"}).Registration
		second := f.submit(t, f.b, registration.Input{CustomerName: "Quill Feather Analytics", CustomerDomain: "quillfeather.io"}).Registration
		if second.ConflictRule != conflict.RuleNamedAccount {
			t.Fatalf("the later submission by the named-account holder was decided by %q, want %q (%s)", second.ConflictRule, conflict.RuleNamedAccount, second.InternalExplanation)
		}
		if len(second.Candidates) != 1 || second.Candidates[0].Ref != first.ID || second.Candidates[0].Outcome != string(conflict.OutcomeWon) {
			t.Fatalf("candidates %+v: want %s, won by the named-account holder", second.Candidates, first.ID)
		}
		// Anyone else who registers the customer later loses to the holder on that rule.
		third := f.submit(t, f.a, registration.Input{CustomerName: "Quillfeather", CustomerDomain: "app.quillfeather.io", CustomerCountry: "NL"}).Registration
		lost := false
		for _, c := range third.Candidates {
			if c.Ref == second.ID {
				lost = c.Outcome == string(conflict.OutcomeLost)
			}
		}
		if !lost {
			t.Fatalf("candidates %+v: the named-account holder's registration %s should beat a later one", third.Candidates, second.ID)
		}
	})
}

func TestThePartnersManagerIsToldFirstAndAdminsAtTheDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		const ada, paul = "usr_demo000000", "usr_demo000001" // the demo's admin and partner manager
		titles := func(user string) string {
			ns, err := store.Notifications{DB: db}.ListNotifications(f.ctx, "ws_demo", user, 50)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.Title)
			}
			return strings.Join(out, "|")
		}
		// Without a manager on the partner, every reviewer hears of a new registration.
		f.submit(t, f.a, registration.Input{CustomerName: "Northpeak Solar AS", CustomerDomain: "northpeak.example"})
		if !strings.Contains(titles(ada), "Northpeak") || !strings.Contains(titles(paul), "Northpeak") {
			t.Fatalf("no manager: Ada saw %q, Paul saw %q; want both told", titles(ada), titles(paul))
		}
		ps := &partner.Service{Store: store.Partners{DB: db}, Now: func() time.Time { return f.now }}
		owner := paul
		if _, err := ps.Update(f.ctx, f.reviewer, "Paul", f.a.ID, partner.Changes{OwnerUserID: &owner}); err != nil {
			t.Fatalf("make Paul the manager of %s: %v (%v)", f.a.Name, err, tandem.FieldsOf(err))
		}
		r := f.submit(t, f.a, registration.Input{CustomerName: "Lindqvist Marine AB", CustomerDomain: "lindqvist.example"}).Registration
		if strings.Contains(titles(ada), "Lindqvist") || !strings.Contains(titles(paul), "New registration: Lindqvist") {
			t.Fatalf("with Paul as manager: Ada saw %q, Paul saw %q; want only Paul told", titles(ada), titles(paul))
		}
		for _, at := range []time.Time{r.WakeAt, r.ReviewDueAt} { // the reminder, then the deadline
			f.now = at
			if err := f.svc.Tick(f.ctx, registration.TimerArgs{WorkspaceID: "ws_demo", RegistrationID: r.ID, WakeMS: at.UnixMilli()}); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(titles(ada), "Decision due soon: Lindqvist") || !strings.Contains(titles(paul), "Decision due soon: Lindqvist") {
			t.Fatalf("reminder: Ada saw %q, Paul saw %q; want only the manager reminded", titles(ada), titles(paul))
		}
		if !strings.Contains(titles(ada), "Overdue: registration of Lindqvist") || !strings.Contains(titles(paul), "Overdue: registration of Lindqvist") {
			t.Fatalf("deadline: Ada saw %q, Paul saw %q; want the admin and the manager told", titles(ada), titles(paul))
		}
	})
}

func TestAdminSignOffOnLargeDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		pia := identity.User{WorkspaceID: "ws_demo", ID: "usr_pia", Email: "pia@northstar.example", Name: "Pia Partnerships",
			Role: tandem.RolePartnerManager, Status: identity.Active, InvitedBy: "system", CreatedAt: f.now, UpdatedAt: f.now}
		if err := db.Tx(f.ctx, func(tx *sql.Tx) error { return db.InsertUser(f.ctx, tx, pia) }); err != nil {
			t.Fatal(err)
		}
		piaActor := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: pia.ID, Role: tandem.RolePartnerManager}
		set, _ := f.svc.GetSettings(f.ctx, admin)
		set.TwoStepFrom, set.SecondApprover = 100000, "director"
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); len(tandem.FieldsOf(err)) != 1 || tandem.FieldsOf(err)[0].Path != "second_approver" {
			t.Fatalf("an unknown second approver: %v", tandem.FieldsOf(err))
		}
		set.SecondApprover = registration.AdminSignOff
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		titles := func(user string) string {
			ns, _ := store.Notifications{DB: db}.ListNotifications(f.ctx, "ws_demo", user, 50)
			var out []string
			for _, n := range ns {
				out = append(out, n.Title)
			}
			return strings.Join(out, "|")
		}

		// Two partner managers are not enough: the second approval must be an admin's.
		big := f.submit(t, f.a, registration.Input{CustomerName: "Fenwick Shipping", CustomerDomain: "fenwick.example", Amount: "250000"}).Registration
		if _, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", big.ID, registration.Decision{Action: registration.Approve, Rationale: "looks right"}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(titles(pia.ID), "Approval 2 of 2 needed") || !strings.Contains(titles(admin.UserID), "Approval 2 of 2 needed: Fenwick") {
			t.Fatalf("asked for the second approval: Pia %q, Ada %q; want only the admin", titles(pia.ID), titles(admin.UserID))
		}
		if _, err := f.svc.Decide(f.ctx, piaActor, "Pia", big.ID, registration.Decision{Action: registration.Approve, Rationale: "agreed"}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a second partner manager completing it: %v, want forbidden", err)
		}
		r, err := f.svc.Decide(f.ctx, admin, "Ada", big.ID, registration.Decision{Action: registration.Approve, Rationale: "signed off"})
		if err != nil || r.Status != registration.Approved {
			t.Fatalf("the admin's second approval: %v %s", err, r.Status)
		}

		// The old shape means the chain "any reviewer, then an admin": the admin's
		// approval is the second step, so an admin's first approval is not enough.
		other := f.submit(t, f.a, registration.Input{CustomerName: "Garrow Freight", CustomerDomain: "garrow.example", Amount: "300000"}).Registration
		if _, err := f.svc.Decide(f.ctx, admin, "Ada", other.ID, registration.Decision{Action: registration.Approve, Rationale: "fine"}); err != nil {
			t.Fatal(err)
		}
		if _, err = f.svc.Decide(f.ctx, piaActor, "Pia", other.ID, registration.Decision{Action: registration.Approve, Rationale: "agreed"}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a partner manager after an admin's first approval: %v, want forbidden", err)
		}
		got, _ := f.svc.GetSettings(f.ctx, admin)
		if got.TwoStepFrom != 0 || len(got.ApprovalChains) != 1 || got.ApprovalChains[0].From != 100000 ||
			!reflect.DeepEqual(got.ApprovalChains[0].Steps, []registration.Approver{registration.ApproverReviewer, registration.ApproverAdmin}) {
			t.Fatalf("the old shape as a chain: %+v", got)
		}
	})
}

func TestPartnersWithTerritoriesRegisterOnlyCustomersInThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		ps := &partner.Service{Store: store.Partners{DB: db}, Now: func() time.Time { return f.now }}
		pset, err := ps.Settings(f.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		pset.Territories = []string{"Benelux", "DACH"}
		pset.Coverage = map[string][]string{"Benelux": {"nl", "BE", "Luxembourg"}, "DACH": {"DE", "AT", "CH"}}
		if _, _, err := ps.SaveSettings(f.ctx, admin, "Ada", pset); err != nil {
			t.Fatalf("save territories: %v (%v)", err, tandem.FieldsOf(err))
		}
		benelux := []string{"benelux"}
		if _, err := ps.Update(f.ctx, admin, "Ada", f.a.ID, partner.Changes{Territories: &benelux}); err != nil {
			t.Fatalf("assign Benelux: %v (%v)", err, tandem.FieldsOf(err))
		}
		set, _ := f.svc.GetSettings(f.ctx, admin)
		set.Eligibility.InTerritory = true
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}
		f.submit(t, f.a, registration.Input{CustomerName: "Zuiderzee Logistics BV", CustomerDomain: "zuiderzee.example", CustomerCountry: "NL"})
		for _, country := range []string{"DE", ""} {
			_, err := f.svc.Submit(f.ctx, f.reviewer, "Paul", registration.ChannelAPI, registration.Input{PartnerID: f.a.ID, CustomerName: "Rheinland Tools GmbH",
				CustomerDomain: "rheinland-tools.example", CustomerCountry: country, Motion: string(f.motion)})
			fs := tandem.FieldsOf(err)
			if len(fs) != 1 || fs[0].Path != "customer_country" || !strings.Contains(fs[0].Detail, "Benelux") || strings.Contains(fs[0].Detail, "DACH") {
				t.Fatalf("country %q outside the partner's territory: %v %v", country, err, fs)
			}
		}
		// A partner nobody assigned territories to is not bound by the rule.
		f.submit(t, f.b, registration.Input{CustomerName: "Rheinland Tools GmbH", CustomerDomain: "rheinland-tools.example", CustomerCountry: "DE"})
		// A CSV upload reports the same by line and column in its dry run.
		csv := "partner_id,customer_name,website,country,motion\n" +
			f.a.ID + ",Gent Harbour NV,gentharbour.example,BE," + string(f.motion) + "\n" +
			f.a.ID + ",Wiener Kaffee GmbH,wienerkaffee.example,AT," + string(f.motion) + "\n"
		res, err := f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, true, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Report.Rejected) != 1 || res.Report.Rejected[0].Line != 3 || res.Report.Rejected[0].Column != "customer_country" {
			t.Fatalf("dry run rejected %+v; want line 3, customer_country", res.Report.Rejected)
		}
	})
}

func TestTerritoryExclusivityHolderWinsAndTheLimitHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ps := &partner.Service{Store: store.Partners{DB: db}, Now: func() time.Time { return f.now }}
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		set, err := ps.Settings(f.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		// Benelux and EMEA overlap on the Netherlands; exclusivity in either counts.
		set.Territories = append(set.Territories, "Benelux", "EMEA")
		set.Coverage = map[string][]string{"Benelux": {"NL", "BE", "LU"}, "EMEA": {"NL", "DE", "FR"}}
		if _, _, err := ps.SaveSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatalf("save territories: %v (%v)", err, tandem.FieldsOf(err))
		}
		if _, err := ps.GrantExclusivity(f.ctx, f.reviewer, "Paul", f.b.ID, partner.Grant{Territory: "benelux", Rationale: "earned: 12 wins in 2026"}); err != nil {
			t.Fatalf("grant: %v (%v)", err, tandem.FieldsOf(err))
		}
		// Exclusive means one holder unless the workspace allows more.
		_, err = ps.GrantExclusivity(f.ctx, f.reviewer, "Paul", f.a.ID, partner.Grant{Territory: "Benelux"})
		if tandem.KindOf(err) != tandem.KindConflict || !strings.Contains(tandem.MessageOf(err), "1 partner already holds exclusivity in Benelux") {
			t.Fatalf("a second grant beyond the limit: %v", err)
		}
		for _, bad := range []partner.Grant{{Territory: "Atlantis"}, {Territory: "EMEA", ExpiresAt: f.now.Add(-time.Hour)}} {
			if _, err := ps.GrantExclusivity(f.ctx, f.reviewer, "Paul", f.a.ID, bad); tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("grant %+v: %v, want invalid", bad, err)
			}
		}
		if _, err := ps.GrantExclusivity(f.ctx, partnerActor(f.a), "Partner", f.a.ID, partner.Grant{Territory: "EMEA"}); err == nil {
			t.Fatal("a partner granted itself exclusivity")
		}

		// The first to register the Dutch customer is not the holder; the holder's
		// later registration wins under territory exclusivity, naming the territory.
		first := f.submit(t, f.a, registration.Input{CustomerName: "Zaanstad Logistics BV", CustomerDomain: "zaanstadlogistics.nl", CustomerCountry: "Netherlands"}).Registration
		second := f.submit(t, f.b, registration.Input{CustomerName: "Zaanstad Logistics", CustomerDomain: "zaanstadlogistics.nl", CustomerCountry: "NL"}).Registration
		if second.ConflictRule != conflict.RuleTerritoryExclusivity || second.Ruling != conflict.Approve {
			t.Fatalf("the holder's later registration: %s by %q, want approve by territory exclusivity (%s)", second.Ruling, second.ConflictRule, second.InternalExplanation)
		}
		if !strings.Contains(second.InternalExplanation, `"Benelux"`) {
			t.Fatalf("the explanation should name the territory: %s", second.InternalExplanation)
		}
		if len(second.Candidates) != 1 || second.Candidates[0].Ref != first.ID || second.Candidates[0].Outcome != string(conflict.OutcomeWon) {
			t.Fatalf("candidates %+v", second.Candidates)
		}
		// A customer outside the territory: the rule decides nothing.
		third := f.submit(t, f.a, registration.Input{CustomerName: "Hamburg Hafenwerk GmbH", CustomerDomain: "hafenwerk.de", CustomerCountry: "DE"}).Registration
		fourth := f.submit(t, f.b, registration.Input{CustomerName: "Hafenwerk Hamburg", CustomerDomain: "hafenwerk.de", CustomerCountry: "DE"}).Registration
		if fourth.ConflictRule == conflict.RuleTerritoryExclusivity {
			t.Fatalf("exclusivity in Benelux decided a German customer: %s", fourth.InternalExplanation)
		}
		_ = third

		// Raising the limit lets a second partner hold it; revoking frees the place.
		set, _ = ps.Settings(f.ctx, admin)
		set.ExclusivityLimits = map[string]int{"benelux": 2}
		if _, _, err := ps.SaveSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatalf("save limit: %v (%v)", err, tandem.FieldsOf(err))
		}
		if _, err := ps.GrantExclusivity(f.ctx, f.reviewer, "Paul", f.a.ID, partner.Grant{Territory: "Benelux", ExpiresAt: f.now.Add(24 * time.Hour)}); err != nil {
			t.Fatalf("grant within the raised limit: %v", err)
		}
		if err := ps.RevokeExclusivity(f.ctx, f.reviewer, "Paul", f.b.ID, "Benelux", "lost two quarters running"); err != nil {
			t.Fatal(err)
		}
		if err := ps.RevokeExclusivity(f.ctx, f.reviewer, "Paul", f.b.ID, "Benelux", ""); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("revoking twice: %v", err)
		}
		held, err := ps.Exclusivities(f.ctx, f.reviewer, f.a.ID)
		if err != nil || len(held) != 1 || held[0].Territory != "Benelux" || !held[0].InForce(f.now) || held[0].InForce(f.now.Add(25*time.Hour)) {
			t.Fatalf("a's grants %+v %v", held, err)
		}
		// Once a's grant expires, nobody holds Benelux.
		f.now = f.now.Add(48 * time.Hour)
		fifth := f.submit(t, f.b, registration.Input{CustomerName: "Zaanstad Logistics", CustomerDomain: "zaanstadlogistics.nl", CustomerCountry: "NL"}).Registration
		if fifth.ConflictRule == conflict.RuleTerritoryExclusivity {
			t.Fatalf("an expired or revoked grant still decided: %s", fifth.InternalExplanation)
		}
		entries, _, err := db.ListAudit(f.ctx, "ws_demo", audit.Filter{SubjectType: "partner", SubjectID: f.b.ID}, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); !strings.Contains(got, "partner.exclusivity_grant") || !strings.Contains(got, "partner.exclusivity_revoke") {
			t.Fatalf("audit of %s: %s", f.b.ID, got)
		}
	})
}

func TestAnOverdueReviewReachesThePartnerManagersOwnManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		const ada, paul, sofia = "usr_demo000000", "usr_demo000001", "usr_demo000002"
		titles := func(user string) string {
			ns, err := store.Notifications{DB: db}.ListNotifications(f.ctx, "ws_demo", user, 50)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.Title)
			}
			return strings.Join(out, "|")
		}
		ps := &partner.Service{Store: store.Partners{DB: db}, Now: func() time.Time { return f.now }}
		owner := paul
		if _, err := ps.Update(f.ctx, f.reviewer, "Paul", f.a.ID, partner.Changes{OwnerUserID: &owner}); err != nil {
			t.Fatal(err)
		}
		ids := identity.NewService(store.Identity{DB: db}, nil, func() time.Time { return f.now }, "http://tandem.test")
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: ada, Role: tandem.RoleAdmin}
		if _, err := ids.SetManager(f.ctx, f.reviewer, "Paul", paul, sofia); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a partner manager chose their own manager: %v", err)
		}
		if _, err := ids.SetManager(f.ctx, admin, "Ada", paul, sofia); err != nil {
			t.Fatalf("Sofia manages Paul: %v (%v)", err, tandem.FieldsOf(err))
		}
		if _, err := ids.SetManager(f.ctx, admin, "Ada", sofia, paul); !strings.Contains(fmt.Sprint(tandem.FieldsOf(err)), "Sofia Sales → Paul Partnerships → Sofia Sales") {
			t.Fatalf("a loop: %v", tandem.FieldsOf(err))
		}
		overdue := func(customer, domain string) {
			t.Helper()
			r := f.submit(t, f.a, registration.Input{CustomerName: customer, CustomerDomain: domain}).Registration
			for _, at := range []time.Time{r.WakeAt, r.ReviewDueAt} {
				f.now = at
				if err := f.svc.Tick(f.ctx, registration.TimerArgs{WorkspaceID: "ws_demo", RegistrationID: r.ID, WakeMS: at.UnixMilli()}); err != nil {
					t.Fatal(err)
				}
			}
		}
		overdue("Lindqvist Marine AB", "lindqvist.example")
		if got := titles(sofia); got != "Overdue: registration of Lindqvist Marine AB" {
			t.Fatalf("Paul's manager saw %q; want only the overdue notice", got)
		}
		if !strings.Contains(titles(ada), "Overdue: registration of Lindqvist") || !strings.Contains(titles(paul), "Overdue: registration of Lindqvist") {
			t.Fatalf("the admin and the owner are still told: Ada %q, Paul %q", titles(ada), titles(paul))
		}
		// Once the manager is gone, escalation falls back to admins and the owner.
		if _, err := ids.Deactivate(f.ctx, admin, "Ada", sofia, "left"); err != nil {
			t.Fatal(err)
		}
		overdue("Brenner Werkzeuge GmbH", "brenner.example")
		if strings.Contains(titles(sofia), "Brenner") || !strings.Contains(titles(ada), "Overdue: registration of Brenner") {
			t.Fatalf("after Sofia left: Sofia %q, Ada %q", titles(sofia), titles(ada))
		}
	})
}

func TestAThreeStepChainRecordsEachApprovalAndADeclineEndsIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		pia := identity.User{WorkspaceID: "ws_demo", ID: "usr_pia", Email: "pia@northstar.example", Name: "Pia Partnerships",
			Role: tandem.RolePartnerManager, Status: identity.Active, InvitedBy: "system", CreatedAt: f.now, UpdatedAt: f.now}
		if err := db.Tx(f.ctx, func(tx *sql.Tx) error { return db.InsertUser(f.ctx, tx, pia) }); err != nil {
			t.Fatal(err)
		}
		piaActor := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: pia.ID, Role: tandem.RolePartnerManager}
		ps := &partner.Service{Store: store.Partners{DB: db}, Now: func() time.Time { return f.now }}
		owner := f.reviewer.UserID // Paul manages the partner
		if _, err := ps.Update(f.ctx, f.reviewer, "Paul", f.a.ID, partner.Changes{OwnerUserID: &owner}); err != nil {
			t.Fatal(err)
		}
		set, _ := f.svc.GetSettings(f.ctx, admin)
		set.ApprovalChains = []registration.ApprovalChain{{From: 100000, Steps: []registration.Approver{
			registration.ApproverReviewer, registration.ApproverPartnerManager, registration.ApproverAdmin}}}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatalf("save the chain: %v (%v)", err, tandem.FieldsOf(err))
		}
		set, _ = f.svc.GetSettings(f.ctx, admin)
		big := f.submit(t, f.a, registration.Input{CustomerName: "Fenwick Shipping", CustomerDomain: "fenwick.example", Amount: "250000"}).Registration
		if got := set.WaitingOn(big); got != "Approval 1 of 3: any reviewer" {
			t.Fatalf("waiting on %q", got)
		}
		approve := func(a policy.Actor, name string) (registration.Registration, error) {
			return f.svc.Decide(f.ctx, a, name, big.ID, registration.Decision{Action: registration.Approve, Rationale: name + " agrees"})
		}
		f.now = f.now.Add(time.Hour)
		r, err := approve(piaActor, "Pia")
		if err != nil || r.Status != registration.Pending || len(r.Approvals) != 1 || !r.ReviewDueAt.Equal(big.ReviewDueAt) {
			t.Fatalf("step 1: %v %s %+v (the deadline covers the whole chain: %v → %v)", err, r.Status, r.Approvals, big.ReviewDueAt, r.ReviewDueAt)
		}
		if got := set.WaitingOn(r); got != "Approval 2 of 3: the partner's manager" {
			t.Fatalf("waiting on %q", got)
		}
		if _, err := approve(admin, "Ada"); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("an admin giving the partner manager's step: %v", err)
		}
		if r, err = approve(f.reviewer, "Paul"); err != nil || r.Status != registration.Pending || len(r.Approvals) != 2 {
			t.Fatalf("step 2: %v %s", err, r.Status)
		}
		if r, err = approve(admin, "Ada"); err != nil || r.Status != registration.Approved || len(r.Approvals) != 3 {
			t.Fatalf("step 3: %v %s", err, r.Status)
		}
		stored, _ := f.svc.Get(f.ctx, admin, big.ID)
		steps := set.Steps(stored)
		if len(steps) != 3 || steps[0].Given.Name != "Pia" || steps[1].Given.Name != "Paul" || steps[2].Given.Name != "Ada" ||
			!steps[0].Given.At.Equal(f.now) || steps[1].Approver != registration.ApproverPartnerManager {
			t.Fatalf("recorded steps %+v", steps)
		}

		// A decline at any step ends the chain; its approvals are cleared.
		other := f.submit(t, f.a, registration.Input{CustomerName: "Garrow Freight", CustomerDomain: "garrow.example", Amount: "300000"}).Registration
		if _, err := f.svc.Decide(f.ctx, piaActor, "Pia", other.ID, registration.Decision{Action: registration.Approve, Rationale: "fine"}); err != nil {
			t.Fatal(err)
		}
		d, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", other.ID, registration.Decision{Action: registration.Decline, Rationale: "channel overlap", PartnerMessage: "Not this one."})
		if err != nil || d.Status != registration.Declined || len(d.Approvals) != 0 || set.WaitingOn(d) != "" {
			t.Fatalf("decline at step 2: %v %s %+v", err, d.Status, d.Approvals)
		}
	})
}

// TestConversionIntoAReplacedStageModelIsRefused: an approval converts the
// registration into an opportunity in the first stage of the motion's model as read
// before its transaction; when the model was replaced since, the approval fails with
// a conflict and nothing of it is saved.
func TestConversionIntoAReplacedStageModelIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		pipe := &pipeline.Service{Store: store.Pipeline{DB: db}, Now: func() time.Time { return f.now }}
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		// The stage was read at the default (version 0); the model is then saved.
		f.svc.FirstStage = func(ctx context.Context, ws string, m tandem.Motion) (string, int, error) {
			first, _, err := pipe.FirstStage(ctx, ws, m)
			return first, 0, err
		}
		md, _ := stage.Default(f.motion)
		md.Stages[0].Label += " (edited)"
		if _, err := pipe.SaveStageModel(f.ctx, admin, "Ada", f.motion, md, 0); err != nil {
			t.Fatal(err)
		}
		r := f.submit(t, f.a, registration.Input{CustomerName: "Kingfisher Kilns", CustomerDomain: "kingfisher-kilns.example"}).Registration
		_, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "clean", Version: r.Version})
		if tandem.KindOf(err) != tandem.KindConflict || !errors.Is(err, pipeline.ErrStageModelChanged) {
			t.Fatalf("approval converting by a replaced model: %v", err)
		}
		if got, _ := f.svc.Get(f.ctx, f.reviewer, r.ID); got.Status == registration.Approved || got.OpportunityID != "" {
			t.Fatalf("the refused approval was saved: %+v", got)
		}
		// Read afresh, the approval goes through.
		f.svc.FirstStage = pipe.FirstStage
		got, err := f.svc.Decide(f.ctx, f.reviewer, "Paul", r.ID, registration.Decision{Action: registration.Approve, Rationale: "clean", Version: r.Version})
		if err != nil || got.OpportunityID == "" {
			t.Fatalf("approval with the current model: %+v, %v", got, err)
		}
	})
}
