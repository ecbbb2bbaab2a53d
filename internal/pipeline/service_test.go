package pipeline_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

type fixture struct {
	ctx                  context.Context
	db                   *store.DB
	svc                  *pipeline.Service
	ws                   string
	manager, sales, sam  policy.Actor
	otherPartner, viewer policy.Actor
}

func setup(t testing.TB, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	ws, err := demo.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// A clock that ticks a second per reading; safe for the concurrent-update test.
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var ticks atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Second) }
	user := func(id string, r tandem.Role) policy.Actor {
		return policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: id, Role: r}
	}
	return fixture{ctx: ctx, db: db, svc: &pipeline.Service{Store: store.Pipeline{DB: db}, Now: clock}, ws: ws.ID,
		manager: user("usr_demo000001", tandem.RolePartnerManager), sales: user("usr_demo000002", tandem.RoleSales),
		viewer:       user("usr_demo000000", tandem.RoleViewer),
		sam:          policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: ws.ID, UserID: "usr_demo000003", Role: tandem.RolePartnerAdmin, PartnerID: "prt_demo000000"},
		otherPartner: policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: ws.ID, UserID: "usr_x", Role: tandem.RolePartnerSeller, PartnerID: "prt_demo000001"},
	}
}

func ptr[T any](v T) *T { return &v }

func paths(err error) []string {
	var out []string
	for _, f := range tandem.FieldsOf(err) {
		out = append(out, f.Path)
	}
	return out
}

func (f fixture) newOpp(t *testing.T, in pipeline.OpportunityInput) pipeline.Opportunity {
	t.Helper()
	if in.AccountID == nil {
		in.AccountID = ptr("acc_demo000007")
	}
	if in.Name == nil {
		in.Name = ptr("Rollout " + t.Name())
	}
	if in.Motion == "" {
		in.Motion = tandem.MotionReferral
	}
	o, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", in)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestStageMoveListsEveryMissingCriterionThenSucceeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{})
		if o.Stage != "introduced" || o.Status != pipeline.Open || o.Version != 1 {
			t.Fatalf("new opportunity: %+v", o)
		}
		// Introduced → qualified needs a sourcing partner, an owner and a partner contact.
		_, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "qualified", Version: 1})
		if tandem.KindOf(err) != tandem.KindInvalid || !slices.Equal(paths(err), []string{"attribution", "owner", "partner_contact"}) {
			t.Fatalf("first move: %v", err)
		}
		for _, fe := range tandem.FieldsOf(err) {
			if !strings.Contains(fe.Detail, "needed to leave Introduction logged") {
				t.Errorf("%s: %q does not say which stage needs it", fe.Path, fe.Detail)
			}
		}
		// Skipping ahead lists the skipped stages' criteria too.
		_, err = f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "commercials", Version: 1})
		if want := []string{"attribution", "owner", "partner_contact", "use_case", "close_date", "next_step", "champion", "amount"}; !slices.Equal(paths(err), want) {
			t.Fatalf("skipping: %v, want %v", paths(err), want)
		}
		// Unknown stages are refused on "to".
		if _, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "celebrating", Version: 1}); !slices.Equal(paths(err), []string{"to"}) {
			t.Fatalf("unknown stage: %v", err)
		}
		// Fill in what is missing.
		o, err = f.svc.UpdateOpportunity(f.ctx, f.manager, "Paul", o.ID, 1, pipeline.OpportunityInput{OwnerUserID: ptr("usr_demo000002"),
			Fields: map[string]string{"partner_contact": "Lee Seller"}})
		if err != nil {
			t.Fatal(err)
		}
		o, err = f.svc.SetAttribution(f.ctx, f.manager, "Paul", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "Northwind introduced the customer",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: attribution.Hundred}}})
		if err != nil {
			t.Fatal(err)
		}
		moved, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "qualified", Version: o.Version, Note: "intro call held"})
		if err != nil {
			t.Fatal(err)
		}
		if moved.Stage != "qualified" || moved.Status != pipeline.Open || moved.Version != o.Version+1 || moved.OwnerName != "Sofia Sales" {
			t.Fatalf("moved: %+v", moved)
		}
		// Losing needs a loss reason; then the status follows.
		if _, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "closed_lost", Version: moved.Version}); !slices.Equal(paths(err), []string{"loss_reason"}) {
			t.Fatalf("lose without reason: %v", err)
		}
		moved, _ = f.svc.UpdateOpportunity(f.ctx, f.manager, "Paul", o.ID, moved.Version, pipeline.OpportunityInput{Fields: map[string]string{"loss_reason": "budget cut"}})
		lost, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "closed_lost", Version: moved.Version})
		if err != nil || lost.Status != pipeline.Lost {
			t.Fatalf("lose: %+v, %v", lost, err)
		}
		hist, err := f.svc.StageHistory(f.ctx, f.manager, o.ID)
		if err != nil || len(hist) != 3 || hist[0].To != "introduced" || hist[1].To != "qualified" || hist[2].From != "qualified" || hist[2].ActorID != "usr_demo000001" || hist[2].ActorName != "Paul" {
			t.Fatalf("history: %+v, %v", hist, err)
		}
		es, _, err := f.db.ListAudit(f.ctx, f.ws, audit.Filter{SubjectID: o.ID, Action: "opportunity.stage"}, store.Page{Limit: 10})
		if err != nil || len(es) != 2 || es[1].Rationale != "intro call held" || es[1].ActorID != "usr_demo000001" || !strings.Contains(es[1].Changes, `"qualified"`) {
			t.Fatalf("stage audit: %+v, %v", es, err)
		}
		// Sales may move stages; a viewer may not.
		if _, err := f.svc.MoveStage(f.ctx, f.viewer, "Ada", o.ID, pipeline.StageMove{To: "introduced", Version: lost.Version}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("viewer moving a stage: %v", err)
		}
		// Creating an opportunity past the first stage is checked the same way.
		_, err = f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", pipeline.OpportunityInput{AccountID: ptr("acc_demo000007"), Name: ptr("Skipper"),
			Motion: tandem.MotionReferral, Stage: "qualified", OwnerUserID: ptr("usr_demo000002")})
		if !slices.Equal(paths(err), []string{"attribution", "partner_contact"}) {
			t.Fatalf("create past the first stage: %v", err)
		}
	})
}

func TestConcurrentUpdatesDoNotOverwriteEachOther(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{})
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.UpdateOpportunity(f.ctx, f.sales, "Sofia", o.ID, 1, pipeline.OpportunityInput{NextStep: ptr("step " + string(rune('a'+i)))})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch tandem.KindOf(err) {
			case "":
				ok++
			case tandem.KindConflict:
				cur, has := pipeline.CurrentOf(err)
				if c, isOpp := cur.(pipeline.Opportunity); !has || !isOpp || c.Version != 2 || !strings.HasPrefix(c.NextStep, "step ") {
					t.Errorf("conflict without the current state: %#v", cur)
				}
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent updates at version 1 succeeded, want exactly 1", ok)
		}
		// Accounts and contacts follow the same rule.
		a, err := f.svc.CreateAccount(f.ctx, f.sales, "Sofia", pipeline.AccountInput{Name: ptr("Wombat Works"), Country: ptr("au")})
		if err != nil || a.Country != "AU" || a.Version != 1 {
			t.Fatalf("account: %+v, %v", a, err)
		}
		if _, err := f.svc.UpdateAccount(f.ctx, f.sales, "Sofia", a.ID, 1, pipeline.AccountInput{Industry: ptr("Mining")}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdateAccount(f.ctx, f.manager, "Paul", a.ID, 1, pipeline.AccountInput{Industry: ptr("Retail")})
		if cur, _ := pipeline.CurrentOf(err); tandem.KindOf(err) != tandem.KindConflict || cur.(pipeline.Account).Industry != "Mining" {
			t.Fatalf("stale account update: %v", err)
		}
		c, err := f.svc.CreateContact(f.ctx, f.sales, "Sofia", pipeline.ContactInput{AccountID: ptr(a.ID), Name: ptr("Wil Wombat"), Email: ptr("Wil@Wombat.example")})
		if err != nil || c.Email != "wil@wombat.example" {
			t.Fatalf("contact: %+v, %v", c, err)
		}
		if _, err := f.svc.UpdateContact(f.ctx, f.sales, "Sofia", c.ID, 1, pipeline.ContactInput{Title: ptr("CEO")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateContact(f.ctx, f.sales, "Sofia", c.ID, 1, pipeline.ContactInput{Title: ptr("CTO")}); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("stale contact update: %v", err)
		}
		if _, err := f.svc.UpdateContact(f.ctx, f.sales, "Sofia", c.ID, 0, pipeline.ContactInput{Title: ptr("CTO")}); !slices.Equal(paths(err), []string{"version"}) {
			t.Fatalf("update without a version: %v", err)
		}
	})
}

func TestBadInputNamesTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		_, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", pipeline.OpportunityInput{AccountID: ptr("acc_nope"), Name: ptr(" "), Motion: "barter",
			Currency: ptr("euro"), CloseOn: ptr("31/12/2026"), AmountMinor: ptr(int64(-5)), OwnerUserID: ptr("usr_demo000003"), PartnerID: "prt_nope",
			Fields: map[string]string{"favourite_colour": "teal"}})
		want := []string{"account_id", "owner_user_id", "partner_id", "name", "motion", "amount", "currency", "close_on", "fields.favourite_colour"}
		if tandem.KindOf(err) != tandem.KindInvalid || !slices.Equal(paths(err), want) {
			t.Fatalf("bad opportunity: %v\nwant %v", paths(err), want)
		}
		if _, err := f.svc.CreateAccount(f.ctx, f.sales, "Sofia", pipeline.AccountInput{Country: ptr("Holland")}); !slices.Equal(paths(err), []string{"name", "country"}) {
			t.Fatalf("bad account: %v", err)
		}
		_, err = f.svc.CreateContact(f.ctx, f.sales, "Sofia", pipeline.ContactInput{AccountID: ptr("acc_nope"), Name: ptr("X"), Email: ptr("not an email")})
		if !slices.Equal(paths(err), []string{"account_id", "email"}) {
			t.Fatalf("bad contact: %v", err)
		}
		if _, _, err := f.svc.ListOpportunities(f.ctx, f.sales, pipeline.Filter{Motion: "barter", Status: "maybe"}, "", 10); !slices.Equal(paths(err), []string{"motion", "status"}) {
			t.Fatalf("bad filter: %v", err)
		}
	})
}

func TestPartnersSeeOnlyTheirAttributedOpportunities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		sourced := f.newOpp(t, pipeline.OpportunityInput{Name: ptr("Sourced by Northwind"), PartnerID: "prt_demo000000", AmountMinor: ptr(int64(9_999_900)), Currency: ptr("EUR"),
			Fields: map[string]string{"discount": "35%"}})
		influenced := f.newOpp(t, pipeline.OpportunityInput{Name: ptr("Influenced by Northwind"), PartnerID: "prt_demo000005"})
		hidden := f.newOpp(t, pipeline.OpportunityInput{Name: ptr("Direct deal")})
		if _, err := f.svc.SetAttribution(f.ctx, f.manager, "Paul", influenced.ID, pipeline.AttributionChange{Version: influenced.Version, Reason: "joint workshop",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000005", Kind: attribution.Sourced, Percent: 7000}, {PartnerID: "prt_demo000000", Kind: attribution.Influenced, Percent: 3000}}}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.ListOpportunities(f.ctx, f.sam, pipeline.Filter{}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range list {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, []string{sourced.ID, influenced.ID}) {
			t.Fatalf("Sam's list: %v", ids)
		}
		if list, _, _ := f.svc.ListOpportunities(f.ctx, f.otherPartner, pipeline.Filter{}, "", 50); len(list) != 0 {
			t.Fatalf("another partner sees %d opportunities", len(list))
		}
		if _, _, err := f.svc.ListOpportunities(f.ctx, f.sam, pipeline.Filter{PartnerID: "prt_demo000005"}, "", 50); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("Sam listing another partner's pipeline: %v", err)
		}
		if _, err := f.svc.Opportunity(f.ctx, f.sam, hidden.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("Sam reading an opportunity he is not on: %v", err)
		}
		if _, err := f.svc.Opportunity(f.ctx, f.otherPartner, sourced.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("another partner reading Sam's opportunity: %v", err)
		}
		if _, err := f.svc.UpdateOpportunity(f.ctx, f.sam, "Sam", sourced.ID, sourced.Version, pipeline.OpportunityInput{NextStep: ptr("x")}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("partner changing an opportunity: %v", err)
		}
		if _, _, err := f.svc.ListAccounts(f.ctx, f.sam, pipeline.AccountFilter{}, "", 5); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("partner listing accounts: %v", err)
		}
		// What Sam receives holds safe fields only: no amount, currency or discount.
		o, err := f.svc.Opportunity(f.ctx, f.sam, sourced.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(pipeline.ToPartnerView(o))
		var got map[string]any
		_ = json.Unmarshal(b, &got)
		safe := policy.SafeFields(policy.Opportunities)
		for k := range got {
			if !slices.Contains(safe, k) {
				t.Errorf("partner view carries %q", k)
			}
		}
		// Ids are random and may hold "99" themselves; the amount must not.
		if s := strings.ReplaceAll(string(b), o.ID, ""); strings.Contains(s, "99") || strings.Contains(s, "35%") || strings.Contains(s, "EUR") || got["account_name"] == "" {
			t.Errorf("partner view: %s", s)
		}
		// Sam sees his own credit, never the other partner's share.
		_, entries, err := f.svc.Attribution(f.ctx, f.sam, influenced.ID)
		if err != nil || len(entries) != 1 || entries[0].PartnerID != "prt_demo000000" || entries[0].Percent != 3000 {
			t.Fatalf("Sam's credit: %+v, %v", entries, err)
		}
		if _, entries, _ := f.svc.Attribution(f.ctx, f.manager, influenced.ID); len(entries) != 2 {
			t.Fatalf("the manager sees %d entries", len(entries))
		}
	})
}

func TestAttributionValidationNamesTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{PartnerID: "prt_demo000000"})
		set := func(actor policy.Actor, reason string, es ...attribution.Entry) (pipeline.Opportunity, error) {
			cur, _ := f.svc.Opportunity(f.ctx, f.manager, o.ID)
			return f.svc.SetAttribution(f.ctx, actor, "Paul", o.ID, pipeline.AttributionChange{Entries: es, Reason: reason, Version: cur.Version})
		}
		e := func(p string, k attribution.Kind, pct attribution.Percent) attribution.Entry {
			return attribution.Entry{PartnerID: p, Kind: k, Percent: pct}
		}
		tests := []struct {
			name    string
			reason  string
			entries []attribution.Entry
			paths   []string
		}{
			{"two sourcing partners", "split", []attribution.Entry{e("prt_demo000000", attribution.Sourced, 5000), e("prt_demo000001", attribution.Sourced, 5000)}, []string{"attribution[1].kind"}},
			{"percent out of range", "x", []attribution.Entry{e("prt_demo000000", attribution.Sourced, 15000)}, []string{"attribution[0].percent"}},
			{"over the total", "x", []attribution.Entry{e("prt_demo000000", attribution.Sourced, 8000), e("prt_demo000001", attribution.Influenced, 4000)}, []string{"attribution"}},
			{"unknown partner", "x", []attribution.Entry{e("prt_nobody", attribution.Influenced, 1000)}, []string{"attribution[0].partner_id"}},
			{"no reason", " ", []attribution.Entry{e("prt_demo000000", attribution.Sourced, 10000)}, []string{"reason"}},
		}
		for _, tt := range tests {
			_, err := set(f.manager, tt.reason, tt.entries...)
			if tandem.KindOf(err) != tandem.KindInvalid || !slices.Equal(paths(err), tt.paths) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.paths)
			}
		}
		// Sales may read attribution but not change it.
		if _, err := set(f.sales, "x", e("prt_demo000000", attribution.Sourced, 10000)); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("sales changing attribution: %v", err)
		}
		// With split sourcing allowed, two sourcing partners are fine; the change is audited with who and why.
		if err := f.db.SaveAttributionSettings(f.ctx, f.ws, []byte(`{"allow_split_sourcing":true}`)); err != nil {
			t.Fatal(err)
		}
		got, err := set(f.manager, "both brought the customer", e("prt_demo000001", attribution.Sourced, 5000), e("prt_demo000000", attribution.Sourced, 5000))
		if err != nil || got.PartnerID != "prt_demo000001" || len(got.Attribution) != 2 {
			t.Fatalf("split sourcing: %+v, %v", got, err)
		}
		es, _, err := f.db.ListAudit(f.ctx, f.ws, audit.Filter{SubjectID: o.ID, Action: "opportunity.attribution"}, store.Page{Limit: 10})
		if err != nil || len(es) != 1 || es[0].ActorID != "usr_demo000001" || es[0].ActorName != "Paul" ||
			!strings.HasPrefix(es[0].Rationale, "both brought the customer") || !strings.Contains(es[0].Rationale, "added prt_demo000001 (sourced 50%)") {
			t.Fatalf("attribution audit: %+v, %v", es, err)
		}
		// The partner that lost the sourcing credit still sees the opportunity it is on;
		// one removed altogether no longer does.
		if _, err := set(f.manager, "Northwind withdrew", e("prt_demo000001", attribution.Sourced, 10000)); err != nil {
			t.Fatal(err)
		}
		sam := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: f.ws, UserID: "usr_demo000003", Role: tandem.RolePartnerAdmin, PartnerID: "prt_demo000000"}
		if _, err := f.svc.Opportunity(f.ctx, sam, o.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("a partner removed from the attribution still reads it: %v", err)
		}
	})
}

// TestCreditingPartnersAtCreationNeedsTheRightToChangeAttribution: a sales rep may
// create opportunities but not decide which partners are credited (and paid) on them,
// at creation no more than afterwards.
func TestCreditingPartnersAtCreationNeedsTheRightToChangeAttribution(t *testing.T) {
	f := setup(t, storetest.Open(t, storetest.Engines()[0]))
	in := func(credit []attribution.Entry) pipeline.OpportunityInput {
		return pipeline.OpportunityInput{AccountID: ptr("acc_demo000007"), Name: ptr("Credit check"), Motion: tandem.MotionReferral,
			OwnerUserID: ptr("usr_demo000002"), Attribution: credit}
	}
	split := []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: 3000},
		{PartnerID: "prt_demo000001", Kind: attribution.Influenced, Percent: 7000}}
	if _, err := f.svc.CreateOpportunity(f.ctx, f.sales, "Sofia", in(split)); tandem.KindOf(err) != tandem.KindForbidden {
		t.Fatalf("sales crediting partners at creation: %v", err)
	}
	if _, err := f.svc.CreateOpportunity(f.ctx, f.sales, "Sofia", in(nil)); err != nil {
		t.Fatalf("sales creating without credit: %v", err)
	}
	o, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", in(split))
	if err != nil || len(o.Attribution) != 2 {
		t.Fatalf("manager crediting two partners: %+v, %v", o.Attribution, err)
	}
}
