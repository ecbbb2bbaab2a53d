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

func TestPartnerPeopleAndOwnProfile(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			json := []string{"Content-Type", "application/json"}
			// The vendor adds a person to the partner and invites them to the portal.
			resp, body := call(t, pm, "POST", base+"/api/v1/partners/prt_demo000000/contacts", strings.NewReader(`{"name":"Ines Alvarez","email":"Ines@Northwind-Advisory.example","phone":"+31 20 555 0101","role":"se"}`), json...)
			if resp.StatusCode != 201 || !strings.Contains(body, `"email":"ines@northwind-advisory.example"`) || !strings.Contains(body, `"portal_status":""`) {
				t.Fatalf("add contact: %d %s", resp.StatusCode, body)
			}
			id := between(body, `"id":"`, `"`)
			resp, body = call(t, pm, "POST", base+"/api/v1/partners/prt_demo000000/contacts", strings.NewReader(`{"name":" ","email":"not-an-email","role":"ceo","phone":"call me"}`), json...)
			for _, f := range []string{"name", "email", "role", "phone"} {
				if resp.StatusCode != 422 || !strings.Contains(body, `"path":"`+f+`"`) {
					t.Fatalf("bad contact (%s): %d %s", f, resp.StatusCode, body)
				}
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/partners/prt_demo000000/contacts/"+id+"/invite", strings.NewReader(`{}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"portal_status":"invited"`) {
				t.Fatalf("invite: %d %s", resp.StatusCode, body)
			}
			if link := heldLink(t, a, "ines@northwind-advisory.example"); link == "" {
				t.Fatal("no invitation email")
			}
			if resp, _ := call(t, pm, "POST", base+"/api/v1/partners/prt_demo000000/contacts/"+id+"/invite", strings.NewReader(`{}`), json...); resp.StatusCode != 409 {
				t.Fatalf("second invitation: %d", resp.StatusCode)
			}
			// Internal notes, tags and scores never reach the partner.
			call(t, pm, "PATCH", base+"/api/v1/partners/prt_demo000000", strings.NewReader(`{"notes":"Secret-Margin-Note","tags":["watchlist-zz"],"owner_user_id":"usr_demo000001","verticals":["Finance"]}`), json...)
			sam := signIn(t, a, base, demo.PartnerEmail)
			resp, body = call(t, sam, "GET", base+"/api/v1/partner-profile", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `"verticals":["Finance"]`) || !strings.Contains(body, `"partner_manager_email":"paul@northstar.example"`) {
				t.Fatalf("own profile: %d %s", resp.StatusCode, body)
			}
			for _, leak := range []string{"Secret-Margin-Note", "watchlist-zz", "notes", "fit", "territories", "owner_user_id"} {
				if strings.Contains(body, leak) {
					t.Fatalf("own profile shows %q: %s", leak, body)
				}
			}
			resp, page := call(t, sam, "GET", base+"/w/demo/portal/profile", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "Ines Alvarez") || strings.Contains(page, "Secret-Margin-Note") || strings.Contains(page, "watchlist-zz") {
				t.Fatalf("portal profile page: %d", resp.StatusCode)
			}
			// The partner admin edits the safe fields and its people; not the tier, and not
			// the website, which decides who may ask for the partner's registration links.
			resp, body = call(t, sam, "PATCH", base+"/api/v1/partner-profile", strings.NewReader(`{"regions":["EMEA"]}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"regions":["EMEA"]`) {
				t.Fatalf("own profile update: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, sam, "PATCH", base+"/api/v1/partner-profile", strings.NewReader(`{"website":"https://www.other-partner.example/"}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"website"`) {
				t.Fatalf("partner changing its website: %d %s; want 422 naming website", resp.StatusCode, body)
			}
			if _, body = call(t, sam, "GET", base+"/api/v1/partner-profile", nil); strings.Contains(body, "other-partner") {
				t.Fatalf("the refused website was saved: %s", body)
			}
			// The vendor changes it.
			if resp, body := call(t, pm, "PATCH", base+"/api/v1/partners/prt_demo000000", strings.NewReader(`{"domain":"https://www.northwind-new.example/"}`), json...); resp.StatusCode != 200 {
				t.Fatalf("vendor changing the partner's website: %d %s", resp.StatusCode, body)
			}
			if _, body = call(t, sam, "GET", base+"/api/v1/partner-profile", nil); !strings.Contains(body, `"website":"https://northwind-new.example"`) {
				t.Fatalf("own profile after the vendor's change: %s", body)
			}
			if resp, _ := call(t, sam, "PATCH", base+"/api/v1/partner-profile", strings.NewReader(`{"tier":"Platinum"}`), json...); resp.StatusCode != 400 && resp.StatusCode != 422 {
				t.Fatalf("partner changing its tier: %d", resp.StatusCode)
			}
			resp, _ = form(t, sam, base+"/w/demo/portal/contacts", url.Values{"name": {"Omar Haddad"}, "email": {"omar@northwind-advisory.example"}, "role": {"bdr"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("portal add person: %d", resp.StatusCode)
			}
			resp, _ = form(t, sam, base+"/w/demo/portal/contacts/"+id, url.Values{"name": {"Ines Alvarez-Ruiz"}, "email": {"ines@northwind-advisory.example"}, "role": {"ae"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("portal edit person: %d", resp.StatusCode)
			}
			if _, page = call(t, sam, "GET", base+"/w/demo/portal/profile", nil); !strings.Contains(page, "Omar Haddad") || !strings.Contains(page, "Ines Alvarez-Ruiz") {
				t.Fatal("the portal profile does not show the edited people")
			}
			// Another partner's contacts are out of reach.
			if resp, _ := call(t, sam, "GET", base+"/api/v1/partners/prt_demo000001/contacts", nil); resp.StatusCode != 404 && resp.StatusCode != 403 {
				t.Fatalf("other partner's contacts: %d", resp.StatusCode)
			}
			// Contacts CSV: a dry run names line and column; all or nothing by default.
			csvBody := "partner_domain,name,email,role\nnorthwind-new.example,Ada One,ada1@northwind-new.example,ae\nnowhere.example,Bo Two,bo@x.example,ceo\n"
			resp, body = call(t, pm, "POST", base+"/api/v1/partner-contacts/import?dry_run=true", strings.NewReader(csvBody), "Content-Type", "text/csv")
			if resp.StatusCode != 200 || !strings.Contains(body, `"line":3,"column":"partner_domain"`) || !strings.Contains(body, `"line":3,"column":"role"`) || !strings.Contains(body, `"imported":0`) {
				t.Fatalf("dry run: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/partner-contacts/import", strings.NewReader(csvBody), "Content-Type", "text/csv")
			if resp.StatusCode != 422 || !strings.Contains(body, `"imported":0`) {
				t.Fatalf("all or nothing: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/partner-contacts/import?mode=valid_rows_only", strings.NewReader(csvBody), "Content-Type", "text/csv")
			if resp.StatusCode != 200 || !strings.Contains(body, `"imported":1`) {
				t.Fatalf("valid rows only: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "GET", base+"/api/v1/partner-contacts/export?partner_id=prt_demo000000", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "id,partner_id,partner_name,name,email,phone,role,title,portal_status,created_at") ||
				!strings.Contains(body, "Ada One") || !strings.Contains(body, ",invited,") {
				t.Fatalf("export: %d %s", resp.StatusCode, body)
			}
			// The console page lists the people with an invite button, and imports by upload.
			_, page = call(t, pm, "GET", base+"/w/demo/partners/prt_demo000000", nil)
			if !strings.Contains(page, "Omar Haddad") || !strings.Contains(page, "Invite to the portal") {
				t.Fatal("partner page without its people")
			}
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "c.csv")
			fw.Write([]byte(csvBody))
			mw.WriteField("dry_run", "on")
			mw.Close()
			resp, page = call(t, pm, "POST", base+"/w/demo/partner-contacts/import", &buf, "Content-Type", mw.FormDataContentType())
			if resp.StatusCode != 200 || !strings.Contains(page, "Dry run: 2 rows") {
				t.Fatalf("upload dry run: %d", resp.StatusCode)
			}
			// A partner seller reads its people but adds nobody.
			if resp, _ := call(t, pm, "POST", base+"/api/v1/partners/prt_demo000000/contacts/"+id+"/invite", strings.NewReader(`{"role":"admin"}`), json...); resp.StatusCode != 409 && resp.StatusCode != 422 {
				t.Fatalf("invite with an internal role: %d", resp.StatusCode)
			}
		})
	}
}

// between returns the text of s after the first from and before the next to.
func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}
