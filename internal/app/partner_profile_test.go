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

func TestPartnerProfileSettingsAndTimeline(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			json := []string{"Content-Type", "application/json"}
			u := base + "/api/v1/partners/prt_demo000004"
			// A territory must be the workspace's.
			resp, body := call(t, pm, "PATCH", u, strings.NewReader(`{"territories":["Benelux"]}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"territories[0]"`) || !strings.Contains(body, "add territories") {
				t.Fatalf("unknown territory: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Benelux","Nordics"],
				"fit":{"missing":"exclude","criteria":[{"kind":"industries","weight":50,"targets":["Finance","Retail"]},{"kind":"reach","weight":50,"full":100,"scale":"linear"}]}}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"Nordics"`) {
				t.Fatalf("settings: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PATCH", u, strings.NewReader(`{"territories":["benelux"],"verticals":["Finance"],"tags":["strategic"],
				"named_accounts":["acme.example"],"notes":"keep close","fit":{"customers":50},"regions":["EMEA","North America"]}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"territories":["Benelux"]`) || !strings.Contains(body, `"fit_score":50`) ||
				!strings.Contains(body, `"region":"EMEA"`) || !strings.Contains(body, "Works in 1 of 2 target industries") {
				t.Fatalf("profile update: %d %s", resp.StatusCode, body)
			}
			// A weight change rescores the partner.
			resp, _ = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Benelux","Nordics"],
				"fit":{"missing":"exclude","criteria":[{"kind":"industries","weight":100,"targets":["Finance","Retail"]},{"kind":"reach","weight":0,"full":100}]}}`), json...)
			if _, body = call(t, pm, "GET", u, nil); resp.StatusCode != 200 || !strings.Contains(body, `"fit_score":50`) || !strings.Contains(body, `"points":50`) {
				t.Fatalf("rescored: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":[],"fit":{"criteria":[{"kind":"reach","weight":-1,"full":0}]}}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"fit.criteria[0].weight"`) || strings.Contains(body, `"path":"fit.missing"`) {
				t.Fatalf("bad settings: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Nordics"]}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `still assigned to`) || !strings.Contains(body, "Benelux") {
				t.Fatalf("removing a territory in use: %d %s", resp.StatusCode, body)
			}
			// The lifecycle history, by API and on the page as a timeline.
			call(t, pm, "POST", u+"/lifecycle", strings.NewReader(`{"to":"offboarded","rationale":"contract ended"}`), json...)
			resp, body = call(t, pm, "GET", u+"/lifecycle", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `"rationale":"contract ended"`) || !strings.Contains(body, `"to":"offboarded"`) {
				t.Fatalf("history: %d %s", resp.StatusCode, body)
			}
			resp, page := call(t, pm, "GET", base+"/w/demo/partners/prt_demo000004", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "Why: contract ended") || !strings.Contains(page, "keep close") || !strings.Contains(page, "Fit: 50 / 100") {
				t.Fatalf("partner page: %d", resp.StatusCode)
			}
			// The profile form saves, and returns mistakes on their fields.
			resp, page = form(t, pm, base+"/w/demo/partners/prt_demo000004/profile", url.Values{"name": {"Renamed Partner"}, "customers": {"many"}, "territories": {"Nordics"}})
			if resp.StatusCode != 422 || !strings.Contains(page, "must be a whole number") || !strings.Contains(page, `value="Renamed Partner"`) {
				t.Fatalf("bad profile form: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/partners/prt_demo000004/profile", url.Values{"name": {"Renamed Partner"}, "territories": {"Nordics"}, "tags": {"a, b"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("profile form: %d", resp.StatusCode)
			}
			if _, body = call(t, pm, "GET", u, nil); !strings.Contains(body, `"tags":["a","b"]`) || !strings.Contains(body, `"territories":["Nordics"]`) {
				t.Fatalf("after the form: %s", body)
			}
			// The settings page saves territories and weights.
			resp, page = call(t, pm, "GET", base+"/w/demo/settings/partners", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "Nordics") {
				t.Fatalf("settings page: %d", resp.StatusCode)
			}
			resp, page = form(t, pm, base+"/w/demo/settings/partners", url.Values{"territories": {"Nordics\nDACH"}, "missing": {"exclude"},
				"on_industries": {"on"}, "weight_industries": {"-5"}, "targets_industries": {"Finance"}, "full_industries": {"0"}})
			if resp.StatusCode != 422 || !strings.Contains(page, "must be 0 or more") {
				t.Fatalf("bad settings form: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/settings/partners", url.Values{"territories": {"Nordics\nDACH"}, "missing": {"exclude"},
				"on_industries": {"on"}, "weight_industries": {"10"}, "targets_industries": {"Finance"}, "full_industries": {"0"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("settings form: %d", resp.StatusCode)
			}
			// A sales rep may read partners but not change the program.
			sales := signIn(t, a, base, "sofia@northstar.example")
			if resp, _ := call(t, sales, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":[]}`), json...); resp.StatusCode != 403 {
				t.Fatalf("sales changing the settings: %d", resp.StatusCode)
			}
		})
	}
}
