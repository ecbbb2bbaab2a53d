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

func TestTerritoryExclusivityThroughTheAPIAndThePartnerPage(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			json := []string{"Content-Type", "application/json"}
			resp, body := call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Benelux","Nordics"],
				"coverage":{"Benelux":["NL","BE","LU"]},"exclusivity_limits":{"nordics":2}}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"exclusivity_limits":{"Nordics":2}`) {
				t.Fatalf("settings: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Benelux"],"exclusivity_limits":{"Atlantis":2,"Benelux":0}}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"exclusivity_limits.Atlantis"`) || !strings.Contains(body, `"path":"exclusivity_limits.Benelux"`) {
				t.Fatalf("bad limits: %d %s", resp.StatusCode, body)
			}
			one, two := base+"/api/v1/partners/prt_demo000001/exclusivity", base+"/api/v1/partners/prt_demo000002/exclusivity"
			resp, body = call(t, pm, "POST", one, strings.NewReader(`{"territory":"benelux","expires_at":"2099-12-31","rationale":"top producer"}`), json...)
			if resp.StatusCode != 201 || !strings.Contains(body, `"territory":"Benelux"`) || !strings.Contains(body, `"expires_at":"2099-12-31T00:00:00.000Z"`) ||
				!strings.Contains(body, `"in_force":true`) {
				t.Fatalf("grant: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", two, strings.NewReader(`{"territory":"Benelux"}`), json...)
			if resp.StatusCode != 409 || !strings.Contains(body, "1 partner already holds exclusivity in Benelux") {
				t.Fatalf("grant beyond the limit: %d %s", resp.StatusCode, body)
			}
			// Spelling the territory anew carries the grant along: the limit still
			// holds under the new spelling, and the territory cannot be removed while
			// a partner holds it.
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["BENELUX","Nordics"],
				"coverage":{"BENELUX":["NL","BE","LU"]},"exclusivity_limits":{"nordics":2}}`), json...)
			if resp.StatusCode != 200 {
				t.Fatalf("respell: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", two, strings.NewReader(`{"territory":"BENELUX"}`), json...)
			if resp.StatusCode != 409 || !strings.Contains(body, "1 partner already holds exclusivity in BENELUX") {
				t.Fatalf("grant beyond the limit after a respelling: %d %s", resp.StatusCode, body)
			}
			if resp, body = call(t, pm, "GET", one, nil); !strings.Contains(body, `"territory":"BENELUX"`) {
				t.Fatalf("the grant kept its old spelling: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Nordics"]}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"territories"`) || !strings.Contains(body, "still held exclusively by 1 partner") {
				t.Fatalf("removing a territory held exclusively: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "PUT", base+"/api/v1/partner-settings", strings.NewReader(`{"territories":["Benelux","Nordics"],
				"coverage":{"Benelux":["NL","BE","LU"]},"exclusivity_limits":{"nordics":2}}`), json...)
			if resp.StatusCode != 200 {
				t.Fatalf("spell back: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", two, strings.NewReader(`{"territory":"Benelux","expires_at":"soon"}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"expires_at"`) {
				t.Fatalf("bad expiry: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "GET", one, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `"rationale":"top producer"`) {
				t.Fatalf("list: %d %s", resp.StatusCode, body)
			}
			// A partner's own people neither see nor grant exclusivity.
			sam := signIn(t, a, base, demo.PartnerEmail)
			if resp, _ = call(t, sam, "GET", one, nil); resp.StatusCode != 403 && resp.StatusCode != 404 {
				t.Fatalf("a partner admin read the grants: %d", resp.StatusCode)
			}
			if resp, _ = call(t, sam, "POST", one, strings.NewReader(`{"territory":"Nordics"}`), json...); resp.StatusCode != 403 && resp.StatusCode != 404 {
				t.Fatalf("a partner admin granted itself exclusivity: %d", resp.StatusCode)
			}
			// The partner page lists the grant and grants and revokes through forms.
			resp, page := call(t, pm, "GET", base+"/w/demo/partners/prt_demo000001", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "Territory exclusivity") || !strings.Contains(page, "31 Dec 2099") || !strings.Contains(page, "Nordics (at most 2)") {
				t.Fatalf("partner page: %d", resp.StatusCode)
			}
			resp, page = form(t, pm, base+"/w/demo/partners/prt_demo000002/exclusivity", url.Values{"territory": {"Benelux"}})
			if resp.StatusCode != 422 || !strings.Contains(page, "1 partner already holds exclusivity in Benelux") {
				t.Fatalf("grant form beyond the limit: %d", resp.StatusCode)
			}
			// Every refused field is named by its label on the page, not only the first.
			resp, page = form(t, pm, base+"/w/demo/partners/prt_demo000002/exclusivity", url.Values{"territory": {"Atlantis"}, "expires_on": {"2001-01-01"}})
			if resp.StatusCode != 422 || !strings.Contains(page, "Territory: &#34;Atlantis&#34; is not a territory of this workspace") ||
				!strings.Contains(page, "Until: must be in the future (or left out for a grant until revoked).") {
				t.Fatalf("grant form with a bad territory and expiry: %d %s", resp.StatusCode, page)
			}
			if resp, _ = form(t, pm, base+"/w/demo/partners/prt_demo000002/exclusivity", url.Values{"territory": {"Nordics"}, "rationale": {"new market"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("grant form: %d", resp.StatusCode)
			}
			resp, page = form(t, pm, base+"/w/demo/partners/prt_demo000001/exclusivity/revoke", url.Values{"territory": {"Benelux"}})
			if resp.StatusCode != 422 || !strings.Contains(page, "Tick the box") {
				t.Fatalf("revoke without confirming: %d", resp.StatusCode)
			}
			if resp, _ = form(t, pm, base+"/w/demo/partners/prt_demo000001/exclusivity/revoke", url.Values{"territory": {"Benelux"}, "confirm": {"yes"}, "rationale": {"quiet for a year"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("revoke form: %d", resp.StatusCode)
			}
			if resp, _ = call(t, pm, "POST", one+"/revoke", strings.NewReader(`{"territory":"Benelux"}`), json...); resp.StatusCode != 404 {
				t.Fatalf("revoking twice: %d", resp.StatusCode)
			}
			if resp, body = call(t, pm, "POST", two, strings.NewReader(`{"territory":"Benelux"}`), json...); resp.StatusCode != 201 {
				t.Fatalf("the freed place: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "GET", base+"/api/v1/audit?subject_type=partner&subject_id=prt_demo000001", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "partner.exclusivity_revoke") || !strings.Contains(body, "quiet for a year") {
				t.Fatalf("audit: %d %s", resp.StatusCode, body)
			}
		})
	}
}
