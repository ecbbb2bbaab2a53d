package app_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestPartnerProfileAndLifecycle(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			u := base + "/api/v1/partners/prt_demo000002"
			resp, body := call(t, pm, "PATCH", u, strings.NewReader(`{"tier":"Platinum","motions":["resale","tech"]}`), "Content-Type", "application/json")
			if resp.StatusCode != 200 || !strings.Contains(body, `"tier":"Platinum"`) || !strings.Contains(body, `"motions":["resale","tech"]`) {
				t.Fatalf("update: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PATCH", u, strings.NewReader(`{"name":"","motions":["barter"]}`), "Content-Type", "application/json")
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"name"`) || !strings.Contains(body, `"path":"motions[0]"`) {
				t.Fatalf("bad update: %d %s", resp.StatusCode, body)
			}
			if _, body := call(t, pm, "GET", u, nil); !strings.Contains(body, `"tier":"Platinum"`) {
				t.Fatalf("a refused update changed something: %s", body)
			}
			// Lifecycle: active → offboarded is allowed, offboarded → active is not.
			resp, _ = call(t, pm, "POST", u+"/lifecycle", strings.NewReader(`{"to":"offboarded","rationale":"contract ended"}`), "Content-Type", "application/json")
			if resp.StatusCode != 200 {
				t.Fatalf("offboard: %d", resp.StatusCode)
			}
			resp, body = call(t, pm, "POST", u+"/lifecycle", strings.NewReader(`{"to":"active"}`), "Content-Type", "application/json")
			if resp.StatusCode != 422 || !strings.Contains(body, "re-onboarded") {
				t.Fatalf("offboarded → active: %d %s", resp.StatusCode, body)
			}
			// The detail page shows the history with the reason, and refuses a bad move plainly.
			resp, page := call(t, pm, "GET", base+"/w/demo/partners/prt_demo000002", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "contract ended") || !strings.Contains(page, "partner.update") {
				t.Fatalf("partner page: %d", resp.StatusCode)
			}
			resp, page = form(t, pm, base+"/w/demo/partners/prt_demo000002/lifecycle", url.Values{"to": {"dormant"}})
			if resp.StatusCode != 422 || !strings.Contains(page, "cannot move from offboarded to dormant") {
				t.Fatalf("bad move in the page: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/partners/prt_demo000002/lifecycle", url.Values{"to": {"onboarding"}, "rationale": {"new contract"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("re-onboard in the page: %d", resp.StatusCode)
			}
			// The list filters, and the form adds a partner in onboarding.
			_, page = call(t, pm, "GET", base+"/w/demo/partners?motion=tech&lifecycle=active", nil)
			rows := strings.Count(page, `href="partners/prt_`)
			if rows == 0 || strings.Count(page, `<td data-label="Lifecycle">active</td>`) != rows || strings.Count(page, `<span class="tag">Tech / ISV</span>`) < rows {
				t.Fatalf("filtered list: %d rows that are not all active tech partners", rows)
			}
			_, page = call(t, pm, "GET", base+"/w/demo/partners?q=zzz-nothing", nil)
			if !strings.Contains(page, "No partner matches these filters") {
				t.Fatal("empty filtered list has no helpful empty state")
			}
			resp, page = form(t, pm, base+"/w/demo/partners", url.Values{"name": {" "}, "motions": {"barter"}})
			if resp.StatusCode != 422 || strings.Count(page, "field-error") < 2 {
				t.Fatalf("bad new partner: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/partners", url.Values{"name": {"Fresh Partner BV"}, "motions": {"services"}, "tier": {"Registered"}})
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/partners/prt_") {
				t.Fatalf("new partner: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			// The filtered list exports as CSV, from the page and the API alike.
			resp, csvBody := call(t, pm, "GET", base+"/w/demo/partners.csv?motion=tech", nil)
			lines := strings.Split(strings.TrimSpace(csvBody), "\n")
			if resp.StatusCode != 200 || lines[0] != "id,name,domain,motions,tier,region,lifecycle,regions,verticals,territories,named_accounts,tags,owner_user_id,notes,created_at" || len(lines) < 2 {
				t.Fatalf("export: %d %q", resp.StatusCode, lines[0])
			}
			for _, l := range lines[1:] {
				if !strings.Contains(l, "tech") {
					t.Fatalf("export ignored the filter: %q", l)
				}
			}
			if _, apiCSV := call(t, pm, "GET", base+"/api/v1/partners/export?motion=tech", nil); apiCSV != csvBody {
				t.Fatal("the API export differs from the page's")
			}
			// Import from the page: a dry run lists rejected rows and writes nothing.
			resp, page = upload(t, pm, base+"/w/demo/partners/import", "name,motions\nGood One,tech\n,resale\n", map[string]string{"dry_run": "on"})
			if resp.StatusCode != 200 || !strings.Contains(page, "1 would be imported and 1 rejected") || !strings.Contains(page, `<td data-label="Line">3</td>`) {
				t.Fatalf("dry-run upload: %d", resp.StatusCode)
			}
			if _, list := call(t, pm, "GET", base+"/api/v1/partners?q=Good+One", nil); strings.Contains(list, "Good One") {
				t.Fatal("a dry run wrote a partner")
			}
			resp, _ = upload(t, pm, base+"/w/demo/partners/import", "name,motions\nGood One,tech\n,resale\n", nil)
			if resp.StatusCode != 422 {
				t.Fatalf("all-or-nothing upload with a bad row: %d", resp.StatusCode)
			}
			resp, page = upload(t, pm, base+"/w/demo/partners/import", "name,motions\nGood One,tech\n,resale\n", map[string]string{"valid_only": "on"})
			if resp.StatusCode != 200 || !strings.Contains(page, "Imported 1 partners") {
				t.Fatalf("valid-rows-only upload: %d", resp.StatusCode)
			}
			// Profile columns come in too, and the dry run already applies the workspace's
			// checks: territories from its list, owners among its people, its tiers.
			profile := "name,motions,tier,territories,tags,owner_user_id,named_accounts\n" +
				"Profiled One,tech,Registered,,strategic; emea,usr_demo000001,acme.example; Globex Corporation\n" +
				"Profiled Two,tech,Diamond,Atlantis,,usr_nobody,\n"
			resp, page = upload(t, pm, base+"/w/demo/partners/import", profile, map[string]string{"dry_run": "on"})
			for _, col := range []string{"tier", "territories", "owner_user_id"} {
				if resp.StatusCode != 200 || !strings.Contains(page, `<td data-label="Column">`+col+`</td>`) {
					t.Fatalf("dry run of profile columns: %d, no rejection on %s", resp.StatusCode, col)
				}
			}
			resp, _ = upload(t, pm, base+"/w/demo/partners/import", profile, map[string]string{"valid_only": "on"})
			if resp.StatusCode != 200 {
				t.Fatalf("profile upload: %d", resp.StatusCode)
			}
			if _, list := call(t, pm, "GET", base+"/w/demo/partners.csv?q=Profiled", nil); !strings.Contains(list, "strategic; emea") ||
				!strings.Contains(list, "acme.example; Globex Corporation") || !strings.Contains(list, "usr_demo000001") || strings.Contains(list, "Profiled Two") {
				t.Fatalf("profile columns after the upload: %q", list)
			}
			// Sales may read partners but not change them.
			sales := signIn(t, a, base, "sofia@northstar.example")
			if resp, _ := call(t, sales, "GET", u, nil); resp.StatusCode != 200 {
				t.Fatalf("sales reading a partner: %d", resp.StatusCode)
			}
			if resp, _ := call(t, sales, "PATCH", u, strings.NewReader(`{"tier":"Gold"}`), "Content-Type", "application/json"); resp.StatusCode != 403 {
				t.Fatalf("sales changing a partner: %d", resp.StatusCode)
			}
		})
	}
}

// upload posts a CSV file with extra form fields as multipart/form-data.
func upload(t *testing.T, c *http.Client, u, csv string, fields map[string]string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "partners.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(csv))
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	return call(t, c, "POST", u, &buf, "Content-Type", mw.FormDataContentType())
}
