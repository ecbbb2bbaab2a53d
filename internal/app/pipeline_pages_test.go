package app_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestPipelinePages walks the pipeline pages through the real router: a refused move
// lists every missing exit criterion with a form to fill them in, filling them in
// moves the opportunity, the CSV export follows the filters and is formula-safe, and
// the partner's portal shows its opportunity with safe fields only and not another
// partner's.
func TestPipelinePages(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			ws, err := a.DB.WorkspaceBySlug(ctx, demo.Slug)
			if err != nil {
				t.Fatal(err)
			}
			sys := policy.System(ws.ID)
			pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
			accName := "Quokka Quarries"
			acc, err := pipe.CreateAccount(ctx, sys, "setup", pipeline.AccountInput{Name: &accName})
			if err != nil {
				t.Fatal(err)
			}
			str := func(s string) *string { return &s }
			amount := int64(9876543)
			ours, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{AccountID: &acc.ID, Name: str("Quokka expansion"),
				AmountMinor: &amount, Currency: str("EUR"), NextStep: str("=HYPERLINK(\"http://evil.example\")"), Fields: map[string]string{"discount": "17% off list"},
				Motion: tandem.MotionReferral, PartnerID: "prt_demo000000"})
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{AccountID: &acc.ID, Name: str("Quokka side deal"),
				Motion: tandem.MotionReferral, PartnerID: "prt_demo000001"})
			if err != nil {
				t.Fatal(err)
			}
			other, err := (&partner.Service{Store: store.Partners{DB: a.DB}, Now: time.Now}).Get(ctx, sys, "prt_demo000001")
			if err != nil {
				t.Fatal(err)
			}
			pm := signIn(t, a, base, demo.ManagerEmail)
			page := base + "/w/demo/pipeline/" + ours.ID

			// The list and the board show both opportunities.
			for _, u := range []string{"/w/demo/pipeline", "/w/demo/pipeline?view=board&motion=referral"} {
				resp, body := call(t, pm, "GET", base+u, nil)
				if resp.StatusCode != 200 || !strings.Contains(body, "Quokka expansion") || !strings.Contains(body, "Quokka side deal") {
					t.Fatalf("GET %s: %d", u, resp.StatusCode)
				}
				if strings.Contains(u, "board") && !strings.Contains(body, "Move to Qualified") {
					t.Errorf("the board has no move button")
				}
			}

			// A refused move names each missing criterion and offers a form for them.
			note := "Internal: their budget is frozen until Q3"
			resp, body := form(t, pm, page+"/stage", url.Values{"to": {"qualified"}, "version": {"1"}, "note": {note},
				"back": {"/w/demo/pipeline?view=board&motion=referral"}})
			body = html.UnescapeString(body)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("refused move: %d", resp.StatusCode)
			}
			for _, want := range []string{"Opportunity owner is filled in (needed to leave Introduction logged)",
				"Partner contact is filled in (needed to leave Introduction logged)", `name="owner_user_id"`, `name="f_partner_contact"`,
				`name="move_to" value="qualified"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the refusal lacks %q", want)
				}
			}
			_, list, _ := strings.Cut(body, `id="missing-list"`)
			list, _, _ = strings.Cut(list, "</ul>")
			if strings.Count(list, "<li") != 2 || strings.Contains(list, "A sourcing partner is recorded") {
				t.Errorf("the refusal should list exactly the owner and the partner contact: %s", list)
			}
			if o, _ := pipe.Opportunity(ctx, sys, ours.ID); o.Stage != "introduced" || o.Version != 1 {
				t.Fatalf("after the refusal: %s v%d", o.Stage, o.Version)
			}

			// A bad value in the fill-in form saves nothing and keeps the list.
			resp, body = form(t, pm, page+"/edit", url.Values{"version": {"1"}, "move_to": {"qualified"}, "owner_user_id": {"usr_nobody"},
				"f_partner_contact": {"Lee Seller"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is not a user of this workspace") ||
				!strings.Contains(html.UnescapeString(body), "Opportunity owner is filled in") {
				t.Fatalf("bad fill-in: %d", resp.StatusCode)
			}

			// Filling them in moves it.
			resp, _ = form(t, pm, page+"/edit", url.Values{"version": {"1"}, "move_to": {"qualified"}, "note": {note},
				"owner_user_id": {"usr_demo000002"}, "f_partner_contact": {"Lee Seller"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/pipeline/"+ours.ID {
				t.Fatalf("fill and move: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			o, err := pipe.Opportunity(ctx, sys, ours.ID)
			if err != nil || o.Stage != "qualified" || o.OwnerUserID != "usr_demo000002" || o.Details["partner_contact"] != "Lee Seller" || o.Details["discount"] != "17% off list" {
				t.Fatalf("after filling in: %+v %v", o, err)
			}
			resp, body = call(t, pm, "GET", page, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "moved to Qualified") || !strings.Contains(body, note) {
				t.Errorf("the page after the move: %d (flash and note)", resp.StatusCode)
			}

			// Attribution needs a reason; then another partner is credited as influencing.
			credit := url.Values{"version": {"3"}, "partner_id": {"prt_demo000000", "prt_demo000001", ""}, "kind": {"sourced", "influenced", "influenced"},
				"percent": {"80", "20", ""}}
			resp, body = form(t, pm, page+"/attribution", credit)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "reason") {
				t.Fatalf("attribution without a reason: %d", resp.StatusCode)
			}
			credit.Set("reason", "Helped with the proof")
			if resp, _ = form(t, pm, page+"/attribution", credit); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("attribution: %d", resp.StatusCode)
			}

			// CSV export of the filtered list, formula-safe.
			resp, body = call(t, pm, "GET", base+"/w/demo/pipeline.csv?stage=qualified&partner=prt_demo000001&q=quokka", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("export: %d", resp.StatusCode)
			}
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(rows) != 2 || rows[0][0] != "id" || rows[1][0] != ours.ID {
				t.Fatalf("export rows: %v %v", rows, err)
			}
			if rows[1][6] != "98765.43" || !strings.HasPrefix(rows[1][10], "'=") || !strings.Contains(rows[1][11], other.Name+" (influenced 20%)") {
				t.Errorf("export row: %q", rows[1])
			}
			if resp, body = call(t, pm, "GET", base+"/w/demo/pipeline.csv?status=maybe", nil); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("export with a bad filter: %d %s", resp.StatusCode, body)
			}

			// Sam (Northwind) sees his opportunity's stage, never the amount, the
			// discount, the internal note or the other partner's credit.
			sam := signIn(t, a, base, demo.PartnerEmail)
			leaks := []string{"98765", "98,765", "EUR", "17%", "frozen", "prt_demo000001", other.Name, "Quokka side deal", "Lee Seller"}
			for _, u := range []string{"/w/demo/portal/pipeline", "/w/demo/portal/pipeline/" + ours.ID} {
				resp, body := call(t, sam, "GET", base+u, nil)
				if resp.StatusCode != 200 || !strings.Contains(body, "Quokka expansion") || !strings.Contains(body, "Qualified") {
					t.Fatalf("Sam GET %s: %d", u, resp.StatusCode)
				}
				for _, s := range leaks {
					if strings.Contains(body, s) {
						t.Errorf("Sam's %s shows %q", u, s)
					}
				}
			}
			if resp, body := call(t, sam, "GET", base+"/w/demo/portal/pipeline/"+ours.ID, nil); !strings.Contains(body, "sourced, 80%") {
				t.Errorf("Sam's credit is not shown: %d", resp.StatusCode)
			}
			if resp, body := call(t, sam, "GET", base+"/w/demo/portal/pipeline/"+theirs.ID, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Quokka side deal") {
				t.Errorf("Sam opening another partner's opportunity: %d", resp.StatusCode)
			}
			// The console pages send him to the portal.
			if resp, _ := call(t, sam, "GET", page, nil); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("Sam opening the console page: %d", resp.StatusCode)
			}
		})
	}
}

// TestPlanAndNotePages: the manager builds a plan from the template and writes an
// internal and a shared note on the console page; the partner's portal shows its own
// plan items (which it may mark done) and the shared note, never the internal one
// nor the vendor's milestones.
func TestPlanAndNotePages(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	sys := policy.System("ws_demo")
	pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
	accName, oppName := "Wallaby Works", "Wallaby data platform"
	acc, err := pipe.CreateAccount(ctx, sys, "setup", pipeline.AccountInput{Name: &accName})
	if err != nil {
		t.Fatal(err)
	}
	o, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{AccountID: &acc.ID, Name: &oppName,
		Motion: tandem.MotionServices, PartnerID: "prt_demo000000"})
	if err != nil {
		t.Fatal(err)
	}
	pm := signIn(t, a, base, demo.ManagerEmail)
	page := base + "/w/demo/pipeline/" + o.ID
	if resp, _ := form(t, pm, page+"/plan/template", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("template: %d", resp.StatusCode)
	}
	if resp, _ := form(t, pm, page+"/plan", url.Values{"title": {"Internal pricing sign-off"}, "owner": {"vendor:usr_demo000001"}, "due_on": {"2020-01-01"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("vendor milestone: %d", resp.StatusCode)
	}
	if resp, body := form(t, pm, page+"/plan", url.Values{"title": {""}, "owner": {"vendor:usr_demo000001"}, "due_on": {"someday"}}); resp.StatusCode != 422 || !strings.Contains(body, "due_on") {
		t.Fatalf("bad milestone: %d", resp.StatusCode)
	}
	for _, n := range []url.Values{
		{"body": {"Internal: margin is thin on this one"}, "visibility": {"internal"}, "kind": {"update"}},
		{"body": {"Workshop agenda sent"}, "visibility": {"partner"}, "kind": {"meeting"}},
	} {
		if resp, _ := form(t, pm, page+"/notes", n); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("note %q: %d", n.Get("body"), resp.StatusCode)
		}
	}
	if resp, _ := form(t, pm, page+"/notes", url.Values{"body": {" "}, "visibility": {"internal"}}); resp.StatusCode != 422 {
		t.Fatalf("empty note: %d", resp.StatusCode)
	}
	if resp, _ := form(t, pm, page+"/discount", url.Values{"discount": {"18%"}, "reason": {"Quokka-sized rollout"}, "version": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("discount: %d", resp.StatusCode)
	}
	if resp, body := form(t, pm, page+"/price-protection", url.Values{"enabled": {"on"}, "from": {"2026-01-01"}, "until": {"2025-01-01"}, "version": {"2"}}); resp.StatusCode != 422 || !strings.Contains(body, "price_protection.until") {
		t.Fatalf("reversed protection: %d", resp.StatusCode)
	}
	_, body := call(t, pm, "GET", page, nil)
	for _, want := range []string{`id="follow-up-flag"`, "waiting for approval", "Discovery workshop held", "Overdue", "margin is thin", "Workshop agenda sent"} {
		if !strings.Contains(body, want) {
			t.Errorf("the console page lacks %q", want)
		}
	}

	sam := signIn(t, a, base, demo.PartnerEmail)
	portal := base + "/w/demo/portal/pipeline/" + o.ID
	_, body = call(t, sam, "GET", portal, nil)
	body = html.UnescapeString(body)
	for _, want := range []string{"Workshop agenda sent", "The proof or workshop is complete", "The customer is live"} {
		if !strings.Contains(body, want) {
			t.Errorf("the portal lacks %q", want)
		}
	}
	for _, leak := range []string{"margin is thin", "Quokka-sized", "18%", "Pricing", "Internal pricing sign-off", "Joint seller", "usr_demo000001", "owner_partner"} {
		if strings.Contains(body, leak) {
			t.Errorf("the portal shows %q", leak)
		}
	}
	plan, err := pipe.Plan(ctx, sys, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var proof pipeline.Milestone
	for _, m := range plan {
		if m.Key == "proof_complete" {
			proof = m
		}
	}
	if resp, _ := form(t, sam, portal+"/plan/"+proof.ID, url.Values{"status": {"done"}, "version": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Sam marks it done: %d", resp.StatusCode)
	}
	if resp, _ := form(t, sam, portal+"/plan/"+proof.ID, url.Values{"status": {"open"}, "version": {"1"}}); resp.StatusCode != 422 {
		t.Fatalf("stale status change: %d", resp.StatusCode)
	}
	if resp, _ := form(t, sam, portal+"/notes", url.Values{"body": {"Our architect joins"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Sam's note: %d", resp.StatusCode)
	}
}
