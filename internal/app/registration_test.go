package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

var regLinkPattern = regexp.MustCompile(`value="(http://[^"]+/r/[A-Za-z0-9_.\-]+)"`)

// TestRegistrationByLinkThenReviewInTheConsole walks the journey without a browser:
// a partner manager makes a registration link, a partner registers through it without
// signing in and is confirmed by email, the reviewer sees the collision with an
// existing account and approves, the partner's user sees the approval in the portal.
// A tampered link is refused and registers nothing.
func TestRegistrationByLinkThenReviewInTheConsole(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			pm := signIn(t, a, base, demo.ManagerEmail)
			resp, body := form(t, pm, base+"/w/demo/partners/prt_demo000000/registration-link", url.Values{})
			m := regLinkPattern.FindStringSubmatch(body)
			if resp.StatusCode != 200 || m == nil {
				t.Fatalf("issuing a registration link: %d", resp.StatusCode)
			}
			link := m[1]

			anon := browser(t)
			resp, body = call(t, anon, "GET", link, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Register a deal") || !strings.Contains(body, "Your email") {
				t.Fatalf("opening the link: %d", resp.StatusCode)
			}
			// Missing submitter details and a bad domain: the form comes back marked.
			resp, body = form(t, anon, link, url.Values{"customer_name": {"Brand New Prospect"}, "customer_domain": {"not a domain"}, "motion": {"referral"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Your email is required") || !strings.Contains(body, "Website must be") {
				t.Fatalf("incomplete submission: %d", resp.StatusCode)
			}
			// A customer that is already an account: the partner types it differently.
			acc, err := a.Registrations.Store.CandidateFacts(ctx, "ws_demo", []string{"acc_demo000011"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			account := acc.Accounts["acc_demo000011"]
			if err := a.DB.SetAccountOwner(ctx, nil, "ws_demo", account.ID, "usr_demo000002", "", account.UpdatedAt); err != nil {
				t.Fatal(err)
			}
			resp, body = form(t, anon, link, url.Values{"customer_name": {strings.ToLower(account.Name)}, "customer_domain": {"www." + account.Domain},
				"motion": {"referral"}, "deal_size": {"30000"}, "submitter_name": {"Nora Northwind"}, "submitter_email": {"nora@northwind-advisory.example"}})
			if resp.StatusCode != 200 || !strings.Contains(body, "Deal registered") || !strings.Contains(body, "may already be in progress") {
				t.Fatalf("registering by link: %d", resp.StatusCode)
			}
			if strings.Contains(body, account.ID) || strings.Contains(body, "Sofia") {
				t.Fatalf("the partner's confirmation names the colliding account or its owner")
			}
			list, _, err := a.Registrations.List(ctx, policy.System("ws_demo"), registration.Filter{}, "", 10)
			if err != nil || len(list) != 1 {
				t.Fatalf("registrations after one submission: %d (%v)", len(list), err)
			}
			reg := list[0]
			waitForMail(t, a, "nora@northwind-advisory.example", "Registration received")

			// Tampered and made-up links: refused, nothing registered.
			for _, bad := range []string{link[:len(link)-2] + "xx", base + "/r/ws_demo.abc"} {
				resp, _ = form(t, anon, bad, url.Values{"customer_name": {"Sneaky"}, "customer_domain": {"sneaky.example"}, "motion": {"referral"},
					"submitter_name": {"x"}, "submitter_email": {"x@x.example"}})
				if resp.StatusCode != http.StatusGone {
					t.Errorf("tampered link %s: %d, want 410", bad, resp.StatusCode)
				}
			}
			if list, _, _ := a.Registrations.List(ctx, policy.System("ws_demo"), registration.Filter{}, "", 10); len(list) != 1 {
				t.Fatalf("a refused link registered something: %d registrations", len(list))
			}

			// The reviewer's queue shows the collision and its reasons; the detail page
			// names the account and its owner.
			resp, body = call(t, pm, "GET", base+"/w/demo/registrations", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, account.Name) || !strings.Contains(body, "domain") {
				t.Fatalf("queue: %d, shows collision: %v", resp.StatusCode, strings.Contains(body, account.Name))
			}
			resp, body = call(t, pm, "GET", base+"/w/demo/registrations/"+reg.ID, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Direct sales") || !strings.Contains(body, "vertical") {
				t.Fatalf("detail: %d", resp.StatusCode)
			}
			resp, body = form(t, pm, base+"/w/demo/registrations/"+reg.ID+"/decision", url.Values{"action": {"approve"}, "version": {"1"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "rationale") {
				t.Fatalf("decision without rationale: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/registrations/"+reg.ID+"/decision", url.Values{"action": {"approve"}, "version": {"1"},
				"rationale": {"Sofia agreed to co-sell."}, "partner_message": {"Welcome aboard."}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("approving: %d", resp.StatusCode)
			}
			waitForMail(t, a, "nora@northwind-advisory.example", "is approved")

			// The partner's admin sees it approved, with the protection expiry, and
			// nothing of the uniqueness test.
			sam := signIn(t, a, base, demo.PartnerEmail)
			resp, body = call(t, sam, "GET", base+"/w/demo/portal/registrations/"+reg.ID, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Approved") || !strings.Contains(body, "Protected until") {
				t.Fatalf("portal detail: %d", resp.StatusCode)
			}
			for _, leak := range []string{account.ID, "Sofia", "vertical", "co-sell"} {
				if strings.Contains(body, leak) {
					t.Errorf("the portal page shows %q", leak)
				}
			}
			// The same through the API, as the partner: the safe view only.
			resp, body = call(t, sam, "GET", base+"/api/v1/registrations/"+reg.ID, nil)
			var got map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
				t.Fatalf("API as partner: %d %v", resp.StatusCode, err)
			}
			for k := range got {
				found := false
				for _, s := range []string{"id", "reference", "status", "motion", "customer_name", "customer_domain", "customer_country", "contact_name",
					"contact_email", "deal_size", "currency", "expected_close_on", "description", "submitted_by_name", "submitted_at", "decided_at",
					"partner_message", "protection_expires_at", "opportunity_id", "updated_at", "custom_fields"} {
					found = found || s == k
				}
				if !found {
					t.Errorf("the partner's API view has the field %q", k)
				}
			}
		})
	}
}

// waitForMail waits until a message to address whose subject contains subject is in
// the outbox, and returns its text.
func waitForMail(t *testing.T, a *app.App, address, subject string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ms, err := a.DB.ListOutbox(context.Background(), "ws_demo", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.To == address && strings.Contains(m.Subject, subject) {
				return m.Text
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no email %q to %s", subject, address)
	return ""
}

func TestRegistrationUploadThroughTheAPIAndThePortal(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	pm := signIn(t, a, base, demo.ManagerEmail)
	csv := "partner_id,customer_name,website,motion\nprt_demo000000,Kestrel Aviation Ltd,kestrel-aviation.example,referral\nprt_demo000000,,nowhere.example,referral\n"
	resp, body := call(t, pm, "POST", base+"/api/v1/registrations/import?dry_run=true", strings.NewReader(csv), "Content-Type", "text/csv")
	if resp.StatusCode != 200 || !strings.Contains(body, `"line":3`) || !strings.Contains(body, `"column":"customer_name"`) {
		t.Fatalf("dry run: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, pm, "POST", base+"/api/v1/registrations/import", strings.NewReader(csv), "Content-Type", "text/csv")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"registered":[]`) {
		t.Fatalf("all-or-nothing upload with a bad row: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, pm, "POST", base+"/api/v1/registrations/import", strings.NewReader(csv), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("JSON sent to the upload: %d %s", resp.StatusCode, body)
	}
	// The partner uploads in the portal; the partner_id column cannot name another partner.
	sam := signIn(t, a, base, demo.PartnerEmail)
	own := "partner_id,customer_name,website,motion\nprt_demo000001,Kestrel Aviation,kestrel-aviation.example,referral\n"
	resp, body = upload(t, sam, base+"/w/demo/portal/registrations/import", own, map[string]string{})
	if resp.StatusCode != 200 || !strings.Contains(body, "Registered 1 deals") {
		t.Fatalf("portal upload: %d %s", resp.StatusCode, body)
	}
	list, _, err := a.Registrations.List(context.Background(), policy.System("ws_demo"), registration.Filter{}, "", 10)
	if err != nil || len(list) != 1 || list[0].PartnerID != "prt_demo000000" || list[0].Channel != registration.ChannelCSV {
		t.Fatalf("after the upload: %+v %v", list, err)
	}
}

func TestPublicFormEmailsALinkOnlyToPartnerAddressesAndSaysTheSameToEveryone(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	p, err := a.Registrations.Store.PartnerByID(ctx, "ws_demo", "prt_demo000000")
	if err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	resp, body := call(t, c, "GET", base+"/w/demo/register", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `name="company_website"`) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Fatalf("public page: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	ask := func(email, honeypot string) (int, string) {
		resp, body := form(t, c, base+"/w/demo/register", url.Values{"email": {email}, "company_website": {honeypot}})
		return resp.StatusCode, body
	}
	seller := "seller@" + p.Domain
	for _, tc := range []struct{ email, honeypot string }{{seller, ""}, {"someone@stranger.example", ""}, {"robot@" + p.Domain, "http://spam.example"}} {
		status, body := ask(tc.email, tc.honeypot)
		if status != 200 || !strings.Contains(body, "Check your inbox") {
			t.Fatalf("%s: %d", tc.email, status)
		}
	}
	text := waitForMail(t, a, seller, "Your link to register deals")
	link := regexp.MustCompile(`http://\S+/r/\S+`).FindString(text)
	if link == "" {
		t.Fatalf("no link in %q", text)
	}
	if resp, body := call(t, browser(t), "GET", link, nil); resp.StatusCode != 200 || !strings.Contains(body, p.Name) {
		t.Fatalf("the emailed link: %d", resp.StatusCode)
	}
	ms, _ := a.DB.ListOutbox(ctx, "ws_demo", 100)
	for _, m := range ms {
		if m.To == "someone@stranger.example" || strings.HasPrefix(m.To, "robot@") {
			t.Errorf("a link was sent to %s", m.To)
		}
	}
	if status, _ := ask("not an address", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("bad address: %d", status)
	}
	ask(seller, "")
	ask(seller, "")
	if status, _ := ask(seller, ""); status != http.StatusTooManyRequests {
		t.Errorf("fourth request for one address within the hour: %d, want 429", status)
	}
}

func TestRegistrationSettingsPageAndAPI(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	admin := signIn(t, a, base, demo.AdminEmail)
	resp, body := call(t, admin, "GET", base+"/w/demo/settings/registrations", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Registered beats unregistered") {
		t.Fatalf("settings page: %d", resp.StatusCode)
	}
	set, err := a.Registrations.GetSettings(context.Background(), policy.System("ws_demo"))
	if err != nil {
		t.Fatal(err)
	}
	formOf := func() url.Values {
		v := url.Values{"direct_ownership": {"manual"}, "possible_matches": {"evaluate"}}
		v.Set("review_sla_business_hours", "24")
		for f, n := range map[string]string{"remind_before_hours": "4", "window_days": "60", "reminder_days": "7", "max_extensions": "2",
			"max_extension_days": "30", "auto_extend_activity_days": "14", "auto_extend_days": "30", "no_touch_days": "30", "conversion_sla_hours": "24",
			"appeal_days": "14", "max_appeals": "1", "appeal_sla_business_hours": "24", "min_tier_rank": "2", "eligible_tier_rank": "0", "max_open": "0"} {
			v.Set(f, n)
		}
		for i, rs := range set.Policy.Rules {
			v.Set("order_"+string(rs.Key), strconv.Itoa(i+1))
			if rs.Enabled {
				v.Set("rule_"+string(rs.Key), "on")
			}
		}
		v["required_referral"] = []string{"customer_domain", "deal_size"}
		v.Set("custom_fields", "po_number | Customer PO number | required | referral\nbudget_owner | Who owns the budget")
		return v
	}
	bad := formOf()
	bad.Set("window_days", "ninety")
	resp, body = form(t, admin, base+"/w/demo/settings/registrations", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a whole number") {
		t.Fatalf("bad number: %d", resp.StatusCode)
	}
	// Certification rules are reported by the line they were typed on, blank lines
	// counted, and come back as typed.
	bad = formOf()
	bad.Set("certification_rules", "\n\n* | resale\n\nBad Key | resale")
	resp, body = form(t, admin, base+"/w/demo/settings/registrations", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "line 5: must be a certification key") ||
		!strings.Contains(body, ">\n\n\n* | resale\n\nBad Key | resale</textarea>") {
		t.Fatalf("a bad certification key after blank lines: %d %v", resp.StatusCode, regexp.MustCompile(`field-error">[^<]*`).FindAllString(body, -1))
	}
	bad.Set("certification_rules", "* | resale\n\n | referral\nx | a | b")
	resp, body = form(t, admin, base+"/w/demo/settings/registrations", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "line 3 must read key | motions") || !strings.Contains(body, "line 4 has more than one |") {
		t.Fatalf("unreadable certification rules: %d %v", resp.StatusCode, regexp.MustCompile(`field-error">[^<]*`).FindAllString(body, -1))
	}
	if resp, _ = form(t, admin, base+"/w/demo/settings/registrations", formOf()); resp.StatusCode != http.StatusSeeOther {
		_, b := form(t, admin, base+"/w/demo/settings/registrations", formOf())
		t.Fatalf("saving: %d %v", resp.StatusCode, regexp.MustCompile(`field-error">[^<]*|flash error[^<]*<[^<]*`).FindAllString(b, -1))
	}
	// The new rule applies to the next submission.
	_, err = a.Registrations.Submit(context.Background(), policy.System("ws_demo"), "t", registration.ChannelAPI, registration.Input{
		PartnerID: "prt_demo000000", CustomerName: "Ferncliff Labs", CustomerDomain: "ferncliff.example", Motion: "referral"})
	if fe := tandem.FieldsOf(err); len(fe) != 2 || fe[0].Path != "deal_size" || fe[1].Path != "custom.po_number" {
		t.Fatalf("a referral registration without a deal size and PO number after requiring them: %v", fe)
	}
	// The portal form asks the workspace's own questions.
	sam := signIn(t, a, base, demo.PartnerEmail)
	if resp, body := call(t, sam, "GET", base+"/w/demo/portal/registrations/new", nil); resp.StatusCode != 200 ||
		!strings.Contains(body, "Customer PO number (required for Referral)") || !strings.Contains(body, `name="custom_budget_owner"`) {
		t.Fatalf("the registration form does not ask the workspace's fields: %d", resp.StatusCode)
	}
	resp, body = form(t, sam, base+"/w/demo/portal/registrations", url.Values{"customer_name": {"Jarrow Mills"}, "customer_domain": {"jarrow.example"},
		"motion": {"referral"}, "deal_size": {"1000"}, "custom_budget_owner": {"the CFO"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is required: Customer PO number") {
		t.Fatalf("portal registration without the required PO number: %d", resp.StatusCode)
	}
	// The API changes only what it is sent.
	resp, body = call(t, admin, "PUT", base+"/api/v1/registration-settings", strings.NewReader(`{"remind_before_hours": 4}`), "Content-Type", "application/json")
	if resp.StatusCode != 200 || !strings.Contains(body, `"remind_before_hours":4`) || !strings.Contains(body, `"review_sla_business_hours":24`) {
		t.Fatalf("partial PUT: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, admin, "PUT", base+"/api/v1/registration-settings", strings.NewReader(`{"protection": {"window_days": -1}}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "window_days") {
		t.Fatalf("invalid PUT: %d %s", resp.StatusCode, body)
	}
	pm := signIn(t, a, base, demo.ManagerEmail)
	if resp, _ := call(t, pm, "PUT", base+"/api/v1/registration-settings", strings.NewReader(`{"remind_before_hours": 1}`), "Content-Type", "application/json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("partner manager changing the settings: %d, want 403", resp.StatusCode)
	}
}
