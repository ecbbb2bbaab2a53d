package app_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func problemPaths(t *testing.T, body string) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Path string } `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem: %v: %s", err, body)
	}
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Path)
	}
	return out
}

func TestPipelineAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			sam := signIn(t, a, base, demo.PartnerEmail)
			js := []string{"Content-Type", "application/json"}
			send := func(c string, method, path, body string) (int, string, map[string]any) {
				t.Helper()
				client := pm
				if c == "sam" {
					client = sam
				}
				resp, text := call(t, client, method, base+path, strings.NewReader(body), js...)
				var m map[string]any
				_ = json.Unmarshal([]byte(text), &m)
				return resp.StatusCode, text, m
			}

			// An account with a contact, then a referral opportunity on it.
			st, body, acc := send("pm", "POST", "/api/v1/accounts", `{"name":"Koala Kitchens","country":"au","domain":"Koala.example"}`)
			if st != 201 || acc["country"] != "AU" || acc["domain"] != "koala.example" {
				t.Fatalf("create account: %d %s", st, body)
			}
			accID := acc["id"].(string)
			if st, body, _ := send("pm", "POST", "/api/v1/contacts", `{"account_id":"`+accID+`","name":"Kim Koala","email":"kim@koala.example"}`); st != 201 {
				t.Fatalf("create contact: %d %s", st, body)
			}
			if st, body, _ := send("pm", "GET", "/api/v1/contacts?account_id="+accID, ""); st != 200 || !strings.Contains(body, "Kim Koala") {
				t.Fatalf("list contacts: %d %s", st, body)
			}
			st, body, opp := send("pm", "POST", "/api/v1/opportunities", `{"account_id":"`+accID+`","name":"Koala rollout","motion":"referral","amount":"120,000.50","currency":"EUR","fields":{"discount":"15%"}}`)
			if st != 201 || opp["stage"] != "introduced" || opp["amount"] != "120000.50" || opp["version"] != 1.0 {
				t.Fatalf("create opportunity: %d %s", st, body)
			}
			oppPath := "/api/v1/opportunities/" + opp["id"].(string)

			// The stage change is refused with every missing criterion named.
			st, body, _ = send("pm", "POST", oppPath+"/stage", `{"to":"qualified","version":1}`)
			if st != 422 || !slices.Equal(problemPaths(t, body), []string{"attribution", "owner", "partner_contact"}) || !strings.Contains(body, "needed to leave Introduction logged") {
				t.Fatalf("refused move: %d %s", st, body)
			}
			// Bad attribution is refused naming the field.
			st, body, _ = send("pm", "PUT", oppPath+"/attribution", `{"attribution":[{"partner_id":"prt_demo000000","kind":"sourced","percent":150},{"partner_id":"prt_demo000001","kind":"sourced","percent":1.234}],"reason":"x","version":1}`)
			if st != 422 || !slices.Equal(problemPaths(t, body), []string{"attribution[1].percent"}) {
				t.Fatalf("malformed percent: %d %s", st, body)
			}
			st, body, _ = send("pm", "PUT", oppPath+"/attribution", `{"attribution":[{"partner_id":"prt_demo000000","kind":"sourced","percent":150},{"partner_id":"prt_nobody","kind":"sourced","percent":10}],"reason":"","version":1}`)
			if want := []string{"attribution[0].percent", "attribution[1].kind", "attribution[1].partner_id", "reason"}; st != 422 || !slices.Equal(problemPaths(t, body), want) {
				t.Fatalf("bad attribution: %d %v, want %v", st, problemPaths(t, body), want)
			}
			// Fill it all in.
			st, body, _ = send("pm", "PUT", oppPath+"/attribution", `{"attribution":[{"partner_id":"prt_demo000000","kind":"sourced","percent":80},{"partner_id":"prt_demo000001","kind":"influenced","percent":20}],"reason":"Northwind introduced Koala","version":1}`)
			if st != 200 || !strings.Contains(body, `"sourced_percent":80`) || !strings.Contains(body, `"version":2`) {
				t.Fatalf("attribution: %d %s", st, body)
			}
			st, body, _ = send("pm", "PATCH", oppPath, `{"owner_user_id":"usr_demo000002","fields":{"partner_contact":"Lee Seller"},"version":2}`)
			if st != 200 || !strings.Contains(body, `"owner_name":"Sofia Sales"`) {
				t.Fatalf("update: %d %s", st, body)
			}
			// A change made to an old version is refused with the current state.
			st, body, cur := send("pm", "PATCH", oppPath, `{"next_step":"call","version":2}`)
			if c, _ := cur["current"].(map[string]any); st != 409 || c == nil || c["version"] != 3.0 || c["owner_user_id"] != "usr_demo000002" {
				t.Fatalf("stale update: %d %s", st, body)
			}
			st, body, moved := send("pm", "POST", oppPath+"/stage", `{"to":"qualified","version":3,"note":"intro call held"}`)
			if st != 200 || moved["stage"] != "qualified" || moved["version"] != 4.0 {
				t.Fatalf("move: %d %s", st, body)
			}

			// Sam (Northwind) sees the opportunity with safe fields only, and his own credit only.
			st, body, list := send("sam", "GET", "/api/v1/opportunities", "")
			data, _ := list["data"].([]any)
			if st != 200 || len(data) != 1 {
				t.Fatalf("Sam's pipeline: %d %s", st, body)
			}
			safe := policy.SafeFields(policy.Opportunities)
			for k := range data[0].(map[string]any) {
				if !slices.Contains(safe, k) {
					t.Errorf("Sam's pipeline carries %q", k)
				}
			}
			if strings.Contains(body, "120000") || strings.Contains(body, "15%") || strings.Contains(body, "EUR") || !strings.Contains(body, `"stage":"qualified"`) {
				t.Errorf("Sam's pipeline: %s", body)
			}
			st, body, _ = send("sam", "GET", oppPath+"/attribution", "")
			if st != 200 || !strings.Contains(body, `"share_percent":80`) || strings.Contains(body, "prt_demo000001") || strings.Contains(body, `"version"`) {
				t.Fatalf("Sam's credit: %d %s", st, body)
			}
			for _, tc := range []struct{ method, path, body string }{
				{"PATCH", oppPath, `{"next_step":"x","version":4}`},
				{"POST", oppPath + "/stage", `{"to":"introduced","version":4}`},
				{"PUT", oppPath + "/attribution", `{"attribution":[],"reason":"x","version":4}`},
				{"GET", "/api/v1/accounts", ""},
			} {
				if st, body, _ := send("sam", tc.method, tc.path, tc.body); st != 403 {
					t.Errorf("Sam %s %s: %d %s", tc.method, tc.path, st, body)
				}
			}
			if st, _, _ := send("sam", "GET", fmt.Sprintf("/api/v1/accounts/%s", accID), ""); st != 404 {
				t.Errorf("Sam reading an account: %d", st)
			}
			// Notes: an internal one and a shared one from the vendor, one from Sam.
			if st, body, _ := send("pm", "POST", oppPath+"/notes", `{"body":"Internal: procurement pushes for 30% off"}`); st != 201 || !strings.Contains(body, `"visibility":"internal"`) {
				t.Fatalf("internal note: %d %s", st, body)
			}
			if st, body, _ := send("pm", "POST", oppPath+"/notes", `{"body":"Kickoff call booked","visibility":"partner","kind":"meeting"}`); st != 201 || !strings.Contains(body, `"follow_up_due_at":"`) {
				t.Fatalf("shared meeting note: %d %s", st, body)
			}
			if st, body, _ := send("sam", "POST", oppPath+"/notes", `{"body":"Lee joins the call","visibility":"internal"}`); st != 422 || !slices.Equal(problemPaths(t, body), []string{"visibility"}) {
				t.Fatalf("Sam's internal note: %d %s", st, body)
			}
			if st, body, _ := send("sam", "POST", oppPath+"/notes", `{"body":"Lee joins the call"}`); st != 201 || strings.Contains(body, "visibility") {
				t.Fatalf("Sam's note: %d %s", st, body)
			}
			st, body, notes := send("sam", "GET", oppPath+"/notes", "")
			if st != 200 || strings.Contains(body, "procurement") || !strings.Contains(body, "Kickoff call booked") || !strings.Contains(body, "Lee joins the call") {
				t.Fatalf("Sam's notes: %d %s", st, body)
			}
			noteSafe := policy.SafeFields(policy.PartnerNotes)
			for _, n := range notes["data"].([]any) {
				for k := range n.(map[string]any) {
					if !slices.Contains(noteSafe, k) {
						t.Errorf("Sam's notes carry %q", k)
					}
				}
			}
			if st, body, _ := send("pm", "GET", oppPath+"/notes", ""); st != 200 || strings.Count(body, `"id":"not_`) != 3 {
				t.Fatalf("the manager's notes: %d %s", st, body)
			}
			// The meeting owes a follow-up: the flags say so; Sam's note was the follow-up.
			if st, body, o := send("pm", "GET", oppPath, ""); st != 200 || o["flags"].(map[string]any)["follow_up_due_at"] != nil {
				t.Fatalf("flags after the follow-up: %d %s", st, body)
			}
			if st, body, _ := send("sam", "GET", oppPath, ""); st != 200 || strings.Contains(body, "flags") {
				t.Fatalf("Sam sees flags: %d %s", st, body)
			}
			// A renewal: its owner will be asked ahead of the date; confirming stops it.
			if st, body, _ := send("pm", "PATCH", oppPath, `{"kind":"renewal","renewal_on":"2099-01-31","version":4}`); st != 200 || !strings.Contains(body, `"next_check_at":"2098-11-02T00:00:00Z"`) {
				t.Fatalf("renewal: %d %s", st, body)
			}
			if st, body, _ := send("pm", "POST", oppPath+"/renewal/confirm", `{"partner_id":"prt_nobody","version":5}`); st != 422 || !slices.Equal(problemPaths(t, body), []string{"partner_id"}) {
				t.Fatalf("bad renewal confirmation: %d %s", st, body)
			}
			if st, body, _ := send("pm", "POST", oppPath+"/renewal/confirm", `{"partner_id":"prt_demo000000","version":5}`); st != 200 || !strings.Contains(body, `"confirmed_by":"usr_demo000001"`) {
				t.Fatalf("renewal confirmation: %d %s", st, body)
			}
			// Sam learns it is a renewal, never its date or who confirmed it.
			if st, body, _ := send("sam", "GET", oppPath, ""); st != 200 || !strings.Contains(body, `"kind":"renewal"`) ||
				strings.Contains(body, "renewal_on") || strings.Contains(body, `"renewal":`) || strings.Contains(body, "2099") || strings.Contains(body, "confirmed") {
				t.Fatalf("Sam sees the renewal state: %d %s", st, body)
			}
			// Pricing: never in anything Sam receives.
			if st, body, _ := send("pm", "POST", oppPath+"/discount", `{"discount":12.5,"reason":"pilot","version":6}`); st != 200 || !strings.Contains(body, `"status":"pending"`) {
				t.Fatalf("discount: %d %s", st, body)
			}
			if st, body, _ := send("pm", "POST", oppPath+"/discount/decision", `{"approve":true,"reason":"mine","version":7}`); st != 403 {
				t.Fatalf("self-approval: %d %s", st, body)
			}
			for _, path := range []string{oppPath, "/api/v1/opportunities"} {
				if st, body, _ := send("sam", "GET", path, ""); st != 200 || strings.Contains(body, "pricing") || strings.Contains(body, "12.5") || strings.Contains(body, "pilot") {
					t.Fatalf("Sam sees pricing at %s: %d %s", path, st, body)
				}
			}
			if st, body, _ := send("sam", "POST", oppPath+"/discount", `{"discount":50,"reason":"x","version":7}`); st != 403 {
				t.Fatalf("Sam asks for a discount: %d %s", st, body)
			}
			// The plan: the template, Sam's own items only, status changes only.
			if st, body, _ := send("pm", "POST", oppPath+"/plan/template", ""); st != 200 || strings.Count(body, `"key":"`) != 4 {
				t.Fatalf("template: %d %s", st, body)
			}
			st, body, plan := send("sam", "GET", oppPath+"/plan", "")
			items, _ := plan["data"].([]any)
			if st != 200 || len(items) != 2 || strings.Contains(body, "owner_partner_id") {
				t.Fatalf("Sam's plan: %d %s", st, body)
			}
			planSafe := policy.SafeFields(policy.PlanItems)
			for _, it := range items {
				for k := range it.(map[string]any) {
					if !slices.Contains(planSafe, k) {
						t.Errorf("Sam's plan carries %q", k)
					}
				}
			}
			item := items[0].(map[string]any)
			itemPath := oppPath + "/plan/" + item["id"].(string)
			if st, body, _ := send("sam", "PATCH", itemPath, `{"due_on":"2030-01-01","version":1}`); st != 422 || !slices.Equal(problemPaths(t, body), []string{"status"}) {
				t.Fatalf("Sam moves a date: %d %s", st, body)
			}
			if st, body, m := send("sam", "PATCH", itemPath, `{"status":"done","version":1}`); st != 200 || m["status"] != "done" || m["version"] != 2.0 {
				t.Fatalf("Sam's status change: %d %s", st, body)
			}
			if st, body, cur := send("sam", "PATCH", itemPath, `{"status":"open","version":1}`); st != 409 || cur["current"].(map[string]any)["status"] != "done" {
				t.Fatalf("stale status change: %d %s", st, body)
			}
			if st, body, _ := send("pm", "POST", oppPath+"/plan", `{"title":"","due_on":"tomorrow"}`); st != 422 || !slices.Equal(problemPaths(t, body), []string{"title", "due_on"}) {
				t.Fatalf("bad milestone: %d %s", st, body)
			}
			// Settings: admins only, bad values named.
			admin := signIn(t, a, base, demo.AdminEmail)
			resp, text := call(t, admin, "PUT", base+"/api/v1/pipeline/settings", strings.NewReader(`{"follow_up_hours":0}`), js...)
			if resp.StatusCode != 422 || !slices.Equal(problemPaths(t, text), []string{"follow_up_hours"}) {
				t.Fatalf("bad settings: %d %s", resp.StatusCode, text)
			}
			resp, text = call(t, admin, "PUT", base+"/api/v1/pipeline/settings", strings.NewReader(`{"follow_up_hours":48}`), js...)
			if resp.StatusCode != 200 || !strings.Contains(text, `"freshness_days":7`) || !strings.Contains(text, `"follow_up_hours":48`) {
				t.Fatalf("settings: %d %s", resp.StatusCode, text)
			}
			if st, body, _ := send("pm", "PUT", "/api/v1/pipeline/settings", `{"follow_up_hours":12}`); st != 403 {
				t.Fatalf("the manager changed settings: %d %s", st, body)
			}
			// Filters.
			if st, body, l := send("pm", "GET", "/api/v1/opportunities?partner_id=prt_demo000001&stage=qualified&motion=referral&status=open&q=koala", ""); st != 200 || len(l["data"].([]any)) != 1 {
				t.Fatalf("filtered list: %d %s", st, body)
			}
			if st, body, _ := send("pm", "GET", "/api/v1/opportunities?status=maybe", ""); st != 422 || !slices.Equal(problemPaths(t, body), []string{"status"}) {
				t.Fatalf("bad filter: %d %s", st, body)
			}
		})
	}
}
