package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// editedReferral is the referral default with the first stage relabelled and a
// kickoff milestone required to leave it, at version v.
func editedReferral(v string) string {
	return `{"version":` + v + `,"stages":[
	{"key":"introduced","label":"Introduced by the partner","exit":[{"kind":"attribution","key":"sourced"},{"kind":"field","key":"owner"},
		{"kind":"field","key":"partner_contact"},{"kind":"milestone","key":"kickoff","label":"The kickoff call is held"}]},
	{"key":"qualified","label":"Qualified","exit":[{"kind":"field","key":"use_case"}]},
	{"key":"value_proven","label":"Value proven"},
	{"key":"won_credited","label":"Won, referral credited"}],
	"lost_criteria":[{"kind":"field","key":"loss_reason"}]}`
}

func TestStageModelsAPI(t *testing.T) {
	a, base := apptest.Start(t, storetest.Engines()[0])
	clients := map[string]*http.Client{"admin": signIn(t, a, base, demo.AdminEmail), "pm": signIn(t, a, base, demo.ManagerEmail),
		"sam": signIn(t, a, base, demo.PartnerEmail)}
	send := func(who, method, path, body string) (int, string, map[string]any) {
		t.Helper()
		resp, text := call(t, clients[who], method, base+path, strings.NewReader(body), "Content-Type", "application/json")
		var m map[string]any
		_ = json.Unmarshal([]byte(text), &m)
		return resp.StatusCode, text, m
	}
	const path = "/api/v1/pipeline/stage-models/referral"

	// Never edited: the default, at version 0; partners may not read it here.
	st, body, m := send("admin", "GET", path, "")
	if st != 200 || m["custom"] != false || m["version"] != 0.0 || m["won_at"] != "won_credited" || !strings.Contains(body, `"Introduction logged"`) {
		t.Fatalf("default: %d %s", st, body)
	}
	if st, body, _ := send("admin", "GET", "/api/v1/pipeline/stage-models", ""); st != 200 || strings.Count(body, `"motion"`) != 5 {
		t.Fatalf("list: %d %s", st, body)
	}
	if st, _, _ := send("sam", "GET", path, ""); st != 403 && st != 404 {
		t.Fatalf("partner reading: %d", st)
	}
	if st, _, _ := send("admin", "GET", "/api/v1/pipeline/stage-models/barter", ""); st != 404 {
		t.Fatalf("unknown motion: %d", st)
	}
	// Only admins change it; bad models name every field.
	if st, body, _ := send("pm", "PUT", path, editedReferral("0")); st != 403 {
		t.Fatalf("partner manager saving: %d %s", st, body)
	}
	st, body, _ = send("admin", "PUT", path, `{"version":0,"stages":[{"key":"a","label":"A","exit":[{"kind":"vibes"}]},{"key":"a","label":""}],"won_at":"z"}`)
	if want := []string{"stages[0].exit[0].kind", "stages[1].key", "stages[1].label", "won_at"}; st != 422 || !slices.Equal(problemPaths(t, body), want) {
		t.Fatalf("invalid model: %d %v, want %v", st, problemPaths(t, body), want)
	}

	// An opportunity in the first stage holds that stage in place.
	st, body, acc := send("pm", "POST", "/api/v1/accounts", `{"name":"Numbat Networks"}`)
	if st != 201 {
		t.Fatalf("account: %d %s", st, body)
	}
	st, body, opp := send("pm", "POST", "/api/v1/opportunities", `{"account_id":"`+acc["id"].(string)+`","name":"Numbat rollout","motion":"referral",
		"partner_id":"prt_demo000000","owner_user_id":"usr_demo000002","fields":{"partner_contact":"Lee"}}`)
	if st != 201 || opp["stage"] != "introduced" {
		t.Fatalf("opportunity: %d %s", st, body)
	}
	renamed := strings.Replace(editedReferral("0"), `"key":"introduced"`, `"key":"intro"`, 1)
	st, body, _ = send("admin", "PUT", path, renamed)
	if st != 409 || !slices.Equal(problemPaths(t, body), []string{"stages"}) || !strings.Contains(body, "(introduced) holds 1 open opportunity") {
		t.Fatalf("renaming a stage in use: %d %s", st, body)
	}
	// Relabelling it and adding a criterion is fine; the next move obeys it.
	st, body, m = send("admin", "PUT", path, editedReferral("0"))
	if st != 200 || m["custom"] != true || m["version"] != 1.0 || !strings.Contains(body, `"introduced":{"open":1,"won":0}`) {
		t.Fatalf("save: %d %s", st, body)
	}
	st, body, _ = send("pm", "POST", "/api/v1/opportunities/"+opp["id"].(string)+"/stage", `{"to":"qualified","version":1}`)
	if st != 422 || !slices.Equal(problemPaths(t, body), []string{"milestones.kickoff"}) || !strings.Contains(body, "needed to leave Introduced by the partner") {
		t.Fatalf("move under the edited model: %d %s", st, body)
	}
	// A save over an older version is a conflict carrying the current model.
	st, body, m = send("admin", "PUT", path, editedReferral("0"))
	if cur, _ := m["current"].(map[string]any); st != 409 || cur == nil || cur["version"] != 1.0 {
		t.Fatalf("stale save: %d %s", st, body)
	}
	// Reset to the default.
	st, body, m = send("admin", "POST", path+"/reset", `{"version":1}`)
	if st != 200 || m["custom"] != false || m["version"] != 2.0 || !strings.Contains(body, `"Introduction logged"`) {
		t.Fatalf("reset: %d %s", st, body)
	}
}

func TestStageModelPages(t *testing.T) {
	a, base := apptest.Start(t, storetest.Engines()[0])
	admin := signIn(t, a, base, demo.AdminEmail)
	pm := signIn(t, a, base, demo.ManagerEmail)
	form := func(c *http.Client, path string, v url.Values) (int, string) {
		t.Helper()
		resp, body := call(t, c, "POST", base+path, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
		return resp.StatusCode, body
	}
	page := "/w/" + demo.Slug + "/settings/stages"

	// Empty state: the defaults are in use.
	if resp, body := call(t, admin, "GET", base+page, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="defaults-in-use"`) || !strings.Contains(body, "Deal registered") {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	resp, body := call(t, admin, "GET", base+page+"/resale", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `value="Configured and quoted"`) || !strings.Contains(body, "field: discount") || strings.Contains(body, `id="reset-defaults"`) {
		t.Fatalf("editor: %d %s", resp.StatusCode, body)
	}
	// The resale default as the form posts it: rows 0–4, two blank rows.
	def := url.Values{"version": {"0"}, "rows": {"7"}, "won_at": {"launched"}, "lost": {"field: loss_reason"}}
	for i, s := range [][3]string{{"registered", "Deal registered", "registration_approved\nfield: partner_contact"},
		{"qualified", "Demand qualified", "field: champion"}, {"quoted", "Configured and quoted", "field: discount"},
		{"transacting", "Transacting", "field: order_reference"}, {"launched", "Launched and enabled", ""}} {
		n := strconv.Itoa(i)
		def.Set("order_"+n, strconv.Itoa(i+1))
		def.Set("key_"+n, s[0])
		def.Set("label_"+n, s[1])
		def.Set("exit_"+n, s[2])
	}
	// A bad criterion is shown on its stage and line; nothing is saved.
	bad := cloneValues(def)
	bad.Set("exit_1", "field: champion\nfield: shoe_size")
	if st, body := form(admin, page+"/resale", bad); st != 422 || !strings.Contains(body, "exit criteria, line 2: unknown field") {
		t.Fatalf("bad criterion: %d %s", st, body)
	}
	// Removing a stage asks for confirmation first, then saves.
	rm := cloneValues(def)
	rm.Set("remove_3", "yes")
	rm.Set("label_0", "Registered by the partner")
	if st, body := form(admin, page+"/resale", rm); st != 200 || !strings.Contains(body, `id="confirm-removal"`) || !strings.Contains(body, "Transacting (transacting)") {
		t.Fatalf("removal without confirmation: %d %s", st, body)
	}
	if resp, body := call(t, admin, "GET", base+"/api/v1/pipeline/stage-models/resale", nil); resp.StatusCode != 200 || !strings.Contains(body, `"custom":false`) {
		t.Fatalf("saved before the confirmation: %s", body)
	}
	rm.Set("confirm", "yes")
	if st, body := form(admin, page+"/resale", rm); st != 303 {
		t.Fatalf("confirmed removal: %d %s", st, body)
	}
	if resp, body := call(t, admin, "GET", base+page+"/resale", nil); resp.StatusCode != 200 || !strings.Contains(body, "Registered by the partner") ||
		!strings.Contains(body, "removed transacting") || !strings.Contains(body, `id="reset-defaults"`) || strings.Contains(body, `value="Transacting"`) {
		t.Fatalf("after the confirmed removal: %d %s", resp.StatusCode, body)
	}
	// Others may look but not change.
	if resp, body := call(t, pm, "GET", base+page+"/resale", nil); resp.StatusCode != 200 || strings.Contains(body, `name="rows"`) {
		t.Fatalf("partner manager's view: %d", resp.StatusCode)
	}
	if st, _ := form(pm, page+"/resale", rm); st != 403 {
		t.Fatalf("partner manager saving: %d", st)
	}
	// Reset asks for the tick, then goes back to the defaults.
	if st, body := form(admin, page+"/resale/reset", url.Values{"version": {"1"}}); st != 422 || !strings.Contains(body, "Tick the box") {
		t.Fatalf("reset without confirmation: %d %s", st, body)
	}
	if st, body := form(admin, page+"/resale/reset", url.Values{"version": {"1"}, "confirm": {"yes"}}); st != 303 {
		t.Fatalf("reset: %d %s", st, body)
	}
	if resp, body := call(t, admin, "GET", base+page+"/resale", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="defaults-in-use"`) ||
		!strings.Contains(body, `value="Transacting"`) {
		t.Fatalf("after the reset: %d %s", resp.StatusCode, body)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
