package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func applyForm(company, website, email string) url.Values {
	return url.Values{"company": {company}, "website": {website}, "contact_name": {"Ana Applicant"}, "contact_email": {email},
		"motions": {"referral", "services"}, "region": {"Nordics"}, "message": {"We resell in the north."}}
}

// waitOutbox waits until a message to address whose text holds want is in the outbox.
func waitOutbox(t *testing.T, db *store.DB, address, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ms, err := db.ListOutbox(context.Background(), "ws_demo", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.To == address && strings.Contains(m.Text, want) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no message to %s saying %q", address, want)
}

func TestPublicApplicationReviewAcceptAndReject(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) { testPublicApplication(t, e) })
	}
}

func testPublicApplication(t *testing.T, e storetest.Engine) {
	a, base := start(t, e)
	ctx := context.Background()
	anon := browser(t)
	apps := store.Applications{DB: a.DB}

	resp, body := call(t, anon, "GET", base+"/w/demo/apply", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `name="nickname"`) || resp.Header.Get("X-Frame-Options") != "" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Fatalf("public page: %d %v", resp.StatusCode, resp.Header)
	}
	bad := applyForm("", "not a website!", "nope")
	bad.Del("motions")
	resp, body = form(t, anon, base+"/w/demo/apply", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `class="field-error"`) != 4 {
		t.Fatalf("bad application: %d, %d field errors", resp.StatusCode, strings.Count(body, `class="field-error"`))
	}
	robot := applyForm("Robot Inc", "robot.example", "bot@robot.example")
	robot.Set("nickname", "gotcha")
	if resp, body = form(t, anon, base+"/w/demo/apply", robot); resp.StatusCode != 200 || !strings.Contains(body, "Thank you") {
		t.Fatalf("robot: %d", resp.StatusCode)
	}
	// A new company, sent twice: one record.
	for range 2 {
		if resp, body = form(t, anon, base+"/w/demo/apply", applyForm("Fjordline Consulting AS", "https://www.fjordline.example/", "Ana@Fjordline.example")); resp.StatusCode != 200 || !strings.Contains(body, "Thank you") {
			t.Fatalf("application: %d", resp.StatusCode)
		}
	}
	// Someone at an existing partner's domain: matched, and not told so.
	existing, err := (store.Partners{DB: a.DB}).PartnerByID(ctx, "ws_demo", "prt_demo000002")
	if err != nil || existing.Domain == "" {
		t.Fatalf("demo partner: %+v %v", existing, err)
	}
	resp, body = form(t, anon, base+"/w/demo/apply", applyForm("Somebody Else", "", "kim@"+existing.Domain))
	if resp.StatusCode != 200 || strings.Contains(body, existing.Name) || strings.Contains(body, "already") {
		t.Fatalf("matched applicant told: %d", resp.StatusCode)
	}
	list, err := apps.Applications(ctx, "ws_demo", "", 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("applications: %d %v", len(list), err)
	}
	fresh, matched := list[1], list[0]
	if fresh.Submissions != 2 || fresh.Domain != "fjordline.example" || fresh.ContactEmail != "ana@fjordline.example" || fresh.MatchedPartnerID != "" {
		t.Fatalf("fresh application: %+v", fresh)
	}
	if matched.MatchedPartnerID != existing.ID || !strings.Contains(matched.MatchReason, existing.Domain) {
		t.Fatalf("matched application: %+v", matched)
	}

	pm := signIn(t, a, base, demo.ManagerEmail)
	resp, body = call(t, pm, "GET", base+"/w/demo/applications", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Fjordline Consulting AS") || !strings.Contains(body, "existing partner "+existing.Name) {
		t.Fatalf("review list: %d", resp.StatusCode)
	}
	resp, body = call(t, pm, "GET", base+"/w/demo/applications/"+matched.ID, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Matches an existing partner") {
		t.Fatalf("matched application page: %d", resp.StatusCode)
	}
	// Accept: a partner in onboarding, in the entry tier, with its contact invited.
	resp, _ = form(t, pm, base+"/w/demo/applications/"+fresh.ID+"/accept", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	got, _ := apps.Application(ctx, "ws_demo", fresh.ID)
	p, err := (store.Partners{DB: a.DB}).PartnerByID(ctx, "ws_demo", got.PartnerID)
	if err != nil || got.Status != "accepted" || p.Lifecycle != "onboarding" || p.Tier != "Registered" || p.Domain != "fjordline.example" || len(p.Motions) != 2 {
		t.Fatalf("accepted: %+v, partner %+v %v", got, p, err)
	}
	waitOutbox(t, a.DB, "ana@fjordline.example", "/signin/")
	if resp, _ := form(t, pm, base+"/w/demo/applications/"+fresh.ID+"/accept", url.Values{}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second acceptance: %d", resp.StatusCode)
	}
	// Reject: the reason is required, emailed and kept.
	if resp, _ := form(t, pm, base+"/w/demo/applications/"+matched.ID+"/reject", url.Values{"reason": {" "}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("reject without a reason: %d", resp.StatusCode)
	}
	resp, body = call(t, pm, "POST", base+"/api/v1/applications/"+matched.ID+"/decision", strings.NewReader(`{"decision":"reject","reason":"You are already our partner"}`),
		"Content-Type", "application/json")
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":"rejected"`) {
		t.Fatalf("reject by API: %d %s", resp.StatusCode, body)
	}
	waitOutbox(t, a.DB, "kim@"+existing.Domain, "You are already our partner")
	// A partner user sees none of it.
	sam := signIn(t, a, base, demo.PartnerEmail)
	if resp, body := call(t, sam, "GET", base+"/api/v1/applications", nil); resp.StatusCode < 400 || strings.Contains(body, "Fjordline") {
		t.Fatalf("partner user listed applications: %d", resp.StatusCode)
	}
}

// TestOffboardedPartnerReappliesAndComesBack: a partner's person applies again after
// the partner was offboarded; the application matches the partner by the person's
// address, and accepting it re-onboards the same partner and gives the same person
// their account back.
func TestOffboardedPartnerReappliesAndComesBack(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			pm := signIn(t, a, base, demo.ManagerEmail)
			const pid = "prt_demo000000"
			resp, _ := call(t, pm, "POST", base+"/api/v1/partners/"+pid+"/offboard", strings.NewReader(`{"confirm": true, "reason": "Paused"}`), "Content-Type", "application/json")
			if resp.StatusCode != 200 {
				t.Fatalf("offboard: %d", resp.StatusCode)
			}
			before, _ := a.Identity.Store.UsersByEmail(ctx, demo.PartnerEmail)
			if len(before) != 0 {
				t.Fatalf("Sam still active after offboarding: %+v", before)
			}
			if resp, _ := form(t, browser(t), base+"/w/demo/apply", applyForm("Northwind again", "", demo.PartnerEmail)); resp.StatusCode != 200 {
				t.Fatalf("apply: %d", resp.StatusCode)
			}
			list, _ := (store.Applications{DB: a.DB}).Applications(ctx, "ws_demo", "new", 5)
			if len(list) != 1 || list[0].MatchedPartnerID != pid {
				t.Fatalf("application: %+v", list)
			}
			resp, body := call(t, pm, "POST", base+"/api/v1/applications/"+list[0].ID+"/decision", strings.NewReader(`{"decision":"accept"}`), "Content-Type", "application/json")
			if resp.StatusCode != 200 || !strings.Contains(body, `"partner_id":"`+pid+`"`) {
				t.Fatalf("accept: %d %s", resp.StatusCode, body)
			}
			p, _ := (store.Partners{DB: a.DB}).PartnerByID(ctx, "ws_demo", pid)
			if p.Lifecycle != "onboarding" {
				t.Fatalf("lifecycle %s", p.Lifecycle)
			}
			back, _ := a.Identity.Store.UsersByEmail(ctx, demo.PartnerEmail)
			if len(back) != 1 || back[0].PartnerID != pid || back[0].Status != "invited" {
				t.Fatalf("Sam after acceptance: %+v", back)
			}
			sam := signIn(t, a, base, demo.PartnerEmail)
			if resp, _ := call(t, sam, "GET", base+"/w/demo/portal/", nil); resp.StatusCode != 200 {
				t.Fatalf("Sam back in the portal: %d", resp.StatusCode)
			}
		})
	}
}
