package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestAdminsSetWhomPeopleReportTo(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			admin := signIn(t, a, base, demo.AdminEmail)
			pm := signIn(t, a, base, demo.ManagerEmail)
			json := []string{"Content-Type", "application/json"}
			paul, sofia, sam := base+"/api/v1/users/usr_demo000001/manager", base+"/api/v1/users/usr_demo000002/manager", base+"/api/v1/users/usr_demo000003/manager"
			if resp, _ := call(t, pm, "PUT", paul, strings.NewReader(`{"manager_id":"usr_demo000002"}`), json...); resp.StatusCode != 403 {
				t.Fatalf("a partner manager set their own manager: %d", resp.StatusCode)
			}
			resp, body := call(t, admin, "PUT", paul, strings.NewReader(`{"manager_id":"usr_demo000002"}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"manager_id":"usr_demo000002"`) {
				t.Fatalf("set: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, admin, "PUT", sofia, strings.NewReader(`{"manager_id":"usr_demo000001"}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"manager_id"`) || !strings.Contains(body, "Sofia Sales → Paul Partnerships → Sofia Sales") {
				t.Fatalf("a loop: %d %s", resp.StatusCode, body)
			}
			for _, bad := range []struct{ u, body string }{{paul, `{"manager_id":"usr_demo000003"}`}, {sam, `{"manager_id":"usr_demo000000"}`}, {paul, `{"manager_id":"usr_nobody"}`}} {
				if resp, body = call(t, admin, "PUT", bad.u, strings.NewReader(bad.body), json...); resp.StatusCode != 422 {
					t.Fatalf("%s %s: %d %s", bad.u, bad.body, resp.StatusCode, body)
				}
			}
			resp, body = call(t, admin, "GET", base+"/api/v1/users", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `"manager_id":"usr_demo000002"`) {
				t.Fatalf("list: %d %s", resp.StatusCode, body)
			}
			// The people page shows and changes the reporting line.
			resp, page := call(t, admin, "GET", base+"/w/demo/settings/users", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "Reports to") || !strings.Contains(page, `<option value="usr_demo000002" selected>Sofia Sales</option>`) {
				t.Fatalf("people page: %d", resp.StatusCode)
			}
			resp, _ = form(t, admin, base+"/w/demo/settings/users/usr_demo000002/manager", url.Values{"manager_id": {"usr_demo000001"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("loop through the form: %d", resp.StatusCode)
			}
			if _, page = call(t, admin, "GET", base+"/w/demo/settings/users", nil); !strings.Contains(page,
				"The manager of Sofia Sales was not saved. Reports to: would make the reporting line a loop: Sofia Sales → Paul Partnerships → Sofia Sales.") {
				t.Fatalf("the refusal is not shown on the people page: %s", page)
			}
			// A person as their own manager reads as a sentence naming them.
			if resp, _ = form(t, admin, base+"/w/demo/settings/users/usr_demo000002/manager", url.Values{"manager_id": {"usr_demo000002"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("own manager through the form: %d", resp.StatusCode)
			}
			if _, page = call(t, admin, "GET", base+"/w/demo/settings/users", nil); !strings.Contains(page,
				"The manager of Sofia Sales was not saved. Reports to: a person cannot be their own manager.") {
				t.Fatalf("the refusal is not shown on the people page: %s", page)
			}
			if resp, _ = form(t, admin, base+"/w/demo/settings/users/usr_demo000001/manager", url.Values{"manager_id": {""}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("clear: %d", resp.StatusCode)
			}
			resp, body = call(t, admin, "GET", base+"/api/v1/audit?subject_type=user&subject_id=usr_demo000001", nil)
			if resp.StatusCode != 200 || strings.Count(body, `"action":"user.manager"`) != 2 {
				t.Fatalf("audit: %d %s", resp.StatusCode, body)
			}
		})
	}
}
