package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestPipelineStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		s := store.Pipeline{DB: db}
		entry := func(action, id string) audit.Entry {
			return audit.New(ctx, policy.System(ws.ID), "test", t0, action, "x", id, nil, nil, "")
		}

		// Accounts: insert, versioned update, a stale update refused, filters.
		a := pipeline.Account{Account: account.Account{WorkspaceID: ws.ID, ID: tandem.NewID("acc", t0), Name: "Quokka Freight 100%", Domain: "quokka.example",
			Country: "NL", CreatedAt: t0, UpdatedAt: t0}, OwnerUserID: "usr_demo000002", Version: 1}
		if err := s.SaveAccount(ctx, a, 0, entry("account.create", a.ID)); err != nil {
			t.Fatal(err)
		}
		a.Name, a.Version = "Quokka Freight BV", 2
		if err := s.SaveAccount(ctx, a, 1, entry("account.update", a.ID)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAccount(ctx, a, 1, entry("account.update", a.ID)); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("stale account update: %v", err)
		}
		got, err := s.AccountByID(ctx, ws.ID, a.ID)
		if err != nil || got.Name != "Quokka Freight BV" || got.Version != 2 || got.OwnerUserID != "usr_demo000002" {
			t.Fatalf("account: %+v, %v", got, err)
		}
		if _, err := s.AccountByID(ctx, "ws_other", a.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("account of another workspace: %v", err)
		}
		list, _, err := s.ListAccounts(ctx, ws.ID, pipeline.AccountFilter{Query: "QUOKKA"}, "", 10)
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("account search: %v, %v", list, err)
		}
		if list, _, _ := s.ListAccounts(ctx, ws.ID, pipeline.AccountFilter{Query: "%"}, "", 10); len(list) != 0 {
			t.Fatalf("a %% in the query matched %d accounts literally", len(list))
		}
		page1, more, err := s.ListAccounts(ctx, ws.ID, pipeline.AccountFilter{}, "", 100)
		if err != nil || len(page1) != 100 || !more {
			t.Fatalf("first page: %d, %v, %v", len(page1), more, err)
		}
		page2, _, err := s.ListAccounts(ctx, ws.ID, pipeline.AccountFilter{}, page1[99].ID, 100)
		if err != nil || len(page2) == 0 || page2[0].ID <= page1[99].ID {
			t.Fatalf("second page: %d, %v", len(page2), err)
		}

		// Contacts: only those at accounts; versioned like accounts.
		c := pipeline.Contact{Contact: account.Contact{WorkspaceID: ws.ID, ID: tandem.NewID("con", t0), AccountID: a.ID, Name: "Ana Quokka",
			Email: "ana@quokka.example", CreatedAt: t0}, UpdatedAt: t0, Version: 1}
		if err := s.SaveContact(ctx, c, 0, entry("contact.create", c.ID)); err != nil {
			t.Fatal(err)
		}
		c.Title, c.Version = "CFO", 2
		if err := s.SaveContact(ctx, c, 1, entry("contact.update", c.ID)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveContact(ctx, c, 1, entry("contact.update", c.ID)); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("stale contact update: %v", err)
		}
		cs, _, err := s.ListContacts(ctx, ws.ID, pipeline.ContactFilter{AccountID: a.ID}, "", 10)
		if err != nil || len(cs) != 1 || cs[0].Title != "CFO" || cs[0].Version != 2 {
			t.Fatalf("contacts at the account: %+v, %v", cs, err)
		}
		all, _, err := s.ListContacts(ctx, ws.ID, pipeline.ContactFilter{}, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range all {
			if x.AccountID == "" {
				t.Fatalf("partner contact %s listed among account contacts", x.ID)
			}
		}
		if _, err := s.ContactByID(ctx, ws.ID, "con_demo010000"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("a partner's contact read as an account contact: %v", err)
		}

		// Opportunities: insert with the first stage-history entry; attribution recorded
		// replaces the implicit sourcing partner; the partner filter follows both.
		o := pipeline.Opportunity{WorkspaceID: ws.ID, ID: tandem.NewID("opp", t0), AccountID: a.ID, Name: "Quokka rollout", AmountMinor: 500000,
			Currency: "EUR", Motion: tandem.MotionReferral, Stage: "introduced", Status: pipeline.Open, OwnerUserID: "usr_demo000002",
			PartnerID: "prt_demo000000", LastActivityAt: t0, CreatedAt: t0, UpdatedAt: t0, Version: 1, Details: map[string]string{"champion": "Ana"}}
		if err := s.SaveOpportunity(ctx, pipeline.Write{Opportunity: o,
			Stage: &pipeline.StageChange{WorkspaceID: ws.ID, ID: tandem.NewID("stg", t0), OpportunityID: o.ID, To: "introduced", At: t0, ActorID: "system"},
			Audit: []audit.Entry{entry("opportunity.create", o.ID)}}); err != nil {
			t.Fatal(err)
		}
		read, err := s.OpportunityByID(ctx, ws.ID, o.ID)
		if err != nil || read.AccountName != "Quokka Freight BV" || read.OwnerName != "Sofia Sales" || read.Details["champion"] != "Ana" ||
			len(read.Attribution) != 1 || read.Attribution[0] != (attribution.Entry{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: attribution.Hundred}) {
			t.Fatalf("opportunity: %+v, %v", read, err)
		}
		entries := []attribution.Entry{
			{PartnerID: "prt_demo000003", Kind: attribution.Sourced, Percent: 6000},
			{PartnerID: "prt_demo000001", Kind: attribution.Influenced, Percent: 2550},
		}
		o.PartnerID, o.Stage, o.Version, o.UpdatedAt = "prt_demo000003", "qualified", 2, t0.Add(time.Second)
		if err := s.SaveOpportunity(ctx, pipeline.Write{Opportunity: o, Expected: 1, Attribution: &entries,
			Stage: &pipeline.StageChange{WorkspaceID: ws.ID, ID: tandem.NewID("stg", t0.Add(time.Second)), OpportunityID: o.ID, From: "introduced", To: "qualified", At: t0.Add(time.Second), ActorID: "usr_demo000001"},
			Audit: []audit.Entry{entry("opportunity.attribution", o.ID)}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveOpportunity(ctx, pipeline.Write{Opportunity: o, Expected: 1}); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("stale opportunity update: %v", err)
		}
		read, _ = s.OpportunityByID(ctx, ws.ID, o.ID)
		if !slices.Equal(read.Attribution, entries) || read.Version != 2 || read.Stage != "qualified" {
			t.Fatalf("after attribution: %+v", read)
		}
		for _, tc := range []struct {
			f    pipeline.Filter
			want bool
		}{
			{pipeline.Filter{PartnerID: "prt_demo000003"}, true}, // sourcing, by partner_id
			{pipeline.Filter{PartnerID: "prt_demo000001"}, true}, // influencing, by attribution only
			{pipeline.Filter{PartnerID: "prt_demo000000"}, false},
			{pipeline.Filter{Motion: tandem.MotionReferral, Stage: "qualified", Status: pipeline.Open, OwnerUserID: "usr_demo000002", AccountID: a.ID, Query: "rollout"}, true},
			{pipeline.Filter{Stage: "introduced"}, false},
			{pipeline.Filter{Status: pipeline.Won}, false},
		} {
			os, _, err := s.ListOpportunities(ctx, ws.ID, tc.f, "", 10)
			if err != nil || (len(os) == 1 && os[0].ID == o.ID) != tc.want {
				t.Errorf("filter %+v: %d results, %v; want found=%v", tc.f, len(os), err, tc.want)
			}
		}
		// Removing every entry leaves no credit at all.
		none := []attribution.Entry{}
		o.PartnerID, o.Version = "", 3
		if err := s.SaveOpportunity(ctx, pipeline.Write{Opportunity: o, Expected: 2, Attribution: &none}); err != nil {
			t.Fatal(err)
		}
		if read, _ = s.OpportunityByID(ctx, ws.ID, o.ID); len(read.Attribution) != 0 || len(read.Partners()) != 0 {
			t.Fatalf("cleared attribution: %+v", read.Attribution)
		}
		hist, err := s.StageHistory(ctx, ws.ID, o.ID)
		if err != nil || len(hist) != 2 || hist[0].To != "introduced" || hist[1].From != "introduced" || hist[1].To != "qualified" || hist[1].ActorID != "usr_demo000001" {
			t.Fatalf("history: %+v, %v", hist, err)
		}

		// What the rules look up.
		if ok, err := s.RegistrationApproved(ctx, ws.ID, "reg_nothing"); ok || err != nil {
			t.Fatalf("unknown registration approved: %v, %v", ok, err)
		}
		known, err := s.KnownPartners(ctx, ws.ID, []string{"prt_demo000000", "prt_nope"})
		if err != nil || !known["prt_demo000000"] || known["prt_nope"] {
			t.Fatalf("known partners: %v, %v", known, err)
		}
		if name, err := s.InternalUser(ctx, ws.ID, "usr_demo000002"); err != nil || name != "Sofia Sales" {
			t.Fatalf("internal user: %q, %v", name, err)
		}
		if _, err := s.InternalUser(ctx, ws.ID, "usr_demo000003"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("a partner user counted as internal: %v", err)
		}
		if raw, err := s.AttributionSettings(ctx, ws.ID); err != nil || len(raw) != 0 {
			t.Fatalf("default attribution settings: %q, %v", raw, err)
		}
		if err := db.SaveAttributionSettings(ctx, ws.ID, []byte(`{"allow_split_sourcing":true}`)); err != nil {
			t.Fatal(err)
		}
		if raw, _ := s.AttributionSettings(ctx, ws.ID); string(raw) != `{"allow_split_sourcing":true}` {
			t.Fatalf("saved attribution settings: %q", raw)
		}
		// Every change was audited in its transaction.
		es, _, err := db.ListAudit(ctx, ws.ID, audit.Filter{SubjectType: "x"}, store.Page{Limit: 50})
		if err != nil || len(es) != 6 {
			t.Fatalf("audit entries: %d, %v", len(es), err)
		}
	})
}
