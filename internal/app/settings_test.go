package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/platform/config"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestWorkspaceSettingsAreValidatedAndAudited(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			c := signIn(t, a, base, demo.AdminEmail)
			bad := `{"name":"","time_zone":"Nowhere/Land","currency":"eur1","calendar":{"weekdays":["mon","someday"],"hours":{"start":"18:00","end":"09:00"}}}`
			resp, body := call(t, c, "PUT", base+"/api/v1/workspace", strings.NewReader(bad), "Content-Type", "application/json")
			if resp.StatusCode != 422 {
				t.Fatalf("bad settings: %d %s", resp.StatusCode, body)
			}
			for _, path := range []string{`"path":"name"`, `"path":"time_zone"`, `"path":"currency"`, `"path":"calendar.weekdays[1]"`} {
				if !strings.Contains(body, path) {
					t.Errorf("bad settings response lacks %s: %s", path, body)
				}
			}
			_, body = call(t, c, "GET", base+"/api/v1/workspace", nil)
			if !strings.Contains(body, `"time_zone":"Europe/Amsterdam"`) {
				t.Fatalf("refused settings changed something: %s", body)
			}
			good := `{"name":"Northstar Partners","time_zone":"America/New_York","currency":"USD","calendar":{"weekdays":["mon","tue","wed","thu"],"hours":{"start":"08:00","end":"18:00"},"holidays":["2026-11-26"]}}`
			resp, body = call(t, c, "PUT", base+"/api/v1/workspace", strings.NewReader(good), "Content-Type", "application/json")
			if resp.StatusCode != 200 || !strings.Contains(body, `"holidays":["2026-11-26"]`) {
				t.Fatalf("good settings: %d %s", resp.StatusCode, body)
			}
			_, body = call(t, c, "GET", base+"/api/v1/audit?action=workspace.update_settings", nil)
			if !strings.Contains(body, "America/New_York") || !strings.Contains(body, "Europe/Amsterdam") {
				t.Fatalf("the audit entry lacks the before and after: %s", body)
			}
			// A partner manager may read but not change settings.
			pm := signIn(t, a, base, demo.ManagerEmail)
			resp, _ = call(t, pm, "PUT", base+"/api/v1/workspace", strings.NewReader(good), "Content-Type", "application/json")
			if resp.StatusCode != 403 {
				t.Fatalf("partner manager changed settings: %d", resp.StatusCode)
			}
			// The form shows field errors and keeps what was typed.
			resp, body = form(t, c, base+"/w/demo/settings/workspace", url.Values{"name": {"Kept name"}, "time_zone": {"UTC"}, "currency": {"EUR"},
				"weekdays": {"mon"}, "hours_start": {"25:00"}, "hours_end": {"17:00"}})
			if resp.StatusCode != 422 || !strings.Contains(body, "calendar.hours") || !strings.Contains(body, "Kept name") {
				t.Fatalf("settings form with a bad hour: %d", resp.StatusCode)
			}
		})
	}
}

func TestFirstRunSetupPage(t *testing.T) {
	a, base := apptest.StartWith(t, storetest.Engines()[0], func(c *config.Config) { c.Demo = false })
	c := browser(t)
	resp, _ := call(t, c, "GET", base+"/", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/setup" {
		t.Fatalf("an empty server's start page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := form(t, c, base+"/setup", url.Values{"name": {"Acme"}, "slug": {"Acme Inc"}, "admin_email": {"boss"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "lowercase letters") || !strings.Contains(body, "plain email address") {
		t.Fatalf("bad setup: %d", resp.StatusCode)
	}
	resp, _ = form(t, c, base+"/setup", url.Values{"name": {"Acme"}, "slug": {"acme"}, "time_zone": {"UTC"}, "currency": {"usd"}, "admin_email": {"boss@acme.example"}})
	if resp.StatusCode != 200 {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	ws, err := a.DB.WorkspaceBySlug(t.Context(), "acme")
	if err != nil || ws.Currency != "USD" || len(ws.Calendar.Weekdays) != 5 {
		t.Fatalf("created workspace %+v, %v", ws, err)
	}
	heldLinkIn(t, a, ws.ID, "boss@acme.example")
	if resp, _ := call(t, c, "GET", base+"/setup", nil); resp.StatusCode != 404 {
		t.Fatalf("setup page after the first workspace: %d", resp.StatusCode)
	}
}
