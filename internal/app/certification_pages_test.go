package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestCertificationCataloguePage walks the settings page: the empty state explains
// what certifications are for, an admin adds, edits, retires and brings back entries
// with mistakes marked beside the fields, and a viewer reads the catalogue without
// being able to change it.
func TestCertificationCataloguePage(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	admin := signIn(t, a, base, demo.AdminEmail)
	page := base + "/w/demo/settings/certifications"

	resp, body := call(t, admin, "GET", page, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "No certifications in the catalogue yet") || !strings.Contains(body, "registration eligibility") ||
		!strings.Contains(body, "tier requirements") || !strings.Contains(body, `href="/w/demo/settings/certifications" aria-current="page"`) {
		t.Fatalf("empty catalogue page: %d", resp.StatusCode)
	}
	// The registration settings page links to the catalogue.
	if _, body := call(t, admin, "GET", base+"/w/demo/settings/registrations", nil); !strings.Contains(body, `<a href="/w/demo/settings/certifications">certification catalogue</a>`) {
		t.Errorf("the registration settings page does not link the catalogue")
	}

	// Mistakes come back beside their fields, as typed; nothing is saved.
	resp, body = form(t, admin, page, url.Values{"name": {"Resale Pro"}, "key": {"Resale Pro"}, "validity_months": {"twelve"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a whole number of months") || !strings.Contains(body, `value="Resale Pro"`) {
		t.Fatalf("bad validity: %d", resp.StatusCode)
	}
	resp, body = form(t, admin, page, url.Values{"name": {""}, "key": {"Resale Pro"}, "validity_months": {"200"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be 1 to 40 of a-z") || !strings.Contains(body, "is required") ||
		!strings.Contains(body, "between 0 (never expires) and 120 months") {
		t.Fatalf("bad entry: %d", resp.StatusCode)
	}
	resp, body = form(t, admin, page, url.Values{"name": {"Resale Pro"}, "key": {"resale_pro"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "tick &#34;never expires&#34;") {
		t.Fatalf("no validity: %d", resp.StatusCode)
	}
	if all, _ := a.Certifications.Catalogue(ctx, policy.System("ws_demo")); len(all) != 0 {
		t.Fatalf("invalid entries were saved: %+v", all)
	}

	resp, _ = form(t, admin, page, url.Values{"name": {"Resale Pro"}, "key": {"resale_pro"}, "validity_months": {"24"}, "motion": {"resale"}, "product": {"Edge"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	resp, _ = form(t, admin, page, url.Values{"name": {"Partner Basics"}, "key": {"basics"}, "validity_months": {"6"}, "never_expires": {"on"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add one that never expires: %d", resp.StatusCode)
	}
	resp, body = form(t, admin, page, url.Values{"name": {"Again"}, "key": {"basics"}, "never_expires": {"on"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is already in the catalogue") {
		t.Fatalf("a key used twice: %d", resp.StatusCode)
	}
	_, body = call(t, admin, "GET", page, nil)
	for _, want := range []string{"Resale Pro", "<code>resale_pro</code>", "24 months", "never expires", "Resale", "Edge", "in use"} {
		if !strings.Contains(body, want) {
			t.Errorf("catalogue page lacks %q", want)
		}
	}

	// Edit: mistakes beside the fields; the key stays.
	resp, body = form(t, admin, page+"/resale_pro", url.Values{"name": {"Resale Pro"}, "validity_months": {"-1"}, "motion": {"barter"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "between 0 (never expires)") || !strings.Contains(body, `<p class="field-error">`) {
		t.Fatalf("bad edit: %d", resp.StatusCode)
	}
	resp, _ = form(t, admin, page+"/resale_pro", url.Values{"name": {"Resale Professional"}, "validity_months": {"12"}, "motion": {"resale"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	if resp, _ := call(t, admin, "GET", page+"/no_such_key", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("editing a key the catalogue lacks: %d", resp.StatusCode)
	}
	// Retire and bring back, each audited.
	if resp, _ := form(t, admin, page+"/resale_pro/retire", url.Values{"retired": {"on"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire: %d", resp.StatusCode)
	}
	_, body = call(t, admin, "GET", page, nil)
	if !strings.Contains(body, "retired") || !strings.Contains(body, "Bring back") || !strings.Contains(body, "Resale Professional") {
		t.Errorf("retired entry not shown as retired")
	}
	if resp, _ := form(t, admin, page+"/resale_pro/retire", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bring back: %d", resp.StatusCode)
	}
	all, _ := a.Certifications.Catalogue(ctx, policy.System("ws_demo"))
	for _, d := range all {
		if d.Key == "resale_pro" && (d.Retired || d.ValidityMonths != 12 || d.Name != "Resale Professional" || d.Product != "") {
			t.Errorf("after edit and retire: %+v", d)
		}
		if d.Key == "basics" && d.ValidityMonths != 0 {
			t.Errorf("never expires was saved as %d months", d.ValidityMonths)
		}
	}
	entries, _, err := a.DB.ListAudit(ctx, "ws_demo", audit.Filter{SubjectType: "certification_definition", SubjectID: "resale_pro"}, store.Page{Limit: 10})
	if err != nil || len(entries) != 4 {
		t.Errorf("audit entries of the catalogue entry: %d, %v", len(entries), err)
	}

	// A viewer reads the catalogue but has no forms and is refused changes.
	if _, err := a.Identity.Invite(ctx, policy.System("ws_demo"), "setup", identity.Invitation{Email: "vic@northstar.example", Role: tandem.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	vic := signIn(t, a, base, "vic@northstar.example")
	resp, body = call(t, vic, "GET", page, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Resale Professional") || strings.Contains(body, "Add a certification") || strings.Contains(body, "Retire") {
		t.Errorf("viewer's catalogue page: %d", resp.StatusCode)
	}
	for _, u := range []string{page, page + "/resale_pro", page + "/resale_pro/retire"} {
		resp, _ := form(t, vic, u, url.Values{"name": {"Viewer was here"}, "key": {"viewer"}, "never_expires": {"on"}, "retired": {"on"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer posting to %s: %d", u, resp.StatusCode)
		}
	}
	if resp, _ := call(t, vic, "GET", page+"/resale_pro", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer opening the edit page: %d", resp.StatusCode)
	}
	// A partner user is sent to the portal.
	sam := signIn(t, a, base, demo.PartnerEmail)
	for _, method := range []string{"GET", "POST"} {
		resp, _ := call(t, sam, method, page, strings.NewReader("name=x&key=x&never_expires=on"), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/portal/") {
			t.Errorf("a partner %s the catalogue: %d %s", method, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if all, _ := a.Certifications.Catalogue(ctx, policy.System("ws_demo")); len(all) != 2 {
		t.Errorf("catalogue after refused changes: %+v", all)
	}
}

// TestPartnerCertificationsPageAndPortal walks the partner page's Certifications
// section and the portal: a manager records for the organisation and for a person,
// mistakes come back beside the fields, revoking asks for a reason and a
// confirmation, and the partner sees its own certifications with expiring ones
// highlighted and no internal fields, never another partner's.
func TestPartnerCertificationsPageAndPortal(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	sys := policy.System("ws_demo")
	partnerPage := base + "/w/demo/partners/prt_demo000000"
	pm := signIn(t, a, base, demo.ManagerEmail)

	// Empty state before the catalogue has anything.
	resp, body := call(t, pm, "GET", partnerPage, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="certifications"`) || !strings.Contains(body, "holds no certifications yet") ||
		!strings.Contains(body, "has no certification that can be recorded yet") {
		t.Fatalf("empty Certifications section: %d", resp.StatusCode)
	}
	for _, in := range []certification.DefinitionInput{
		{Key: "resale_pro", Name: "Resale Pro", ValidityMonths: 24},
		{Key: "cloud_basics", Name: "Cloud Basics", ValidityMonths: 1},
		{Key: "old_cert", Name: "Old Certificate", Retired: true},
	} {
		if _, err := a.Certifications.CreateDefinition(ctx, sys, "setup", in); err != nil {
			t.Fatal(err)
		}
	}
	_, body = call(t, pm, "GET", partnerPage, nil)
	if !strings.Contains(body, `<option value="resale_pro"`) || strings.Contains(body, `<option value="old_cert"`) || !strings.Contains(body, `<option value="con_demo010000"`) {
		t.Fatalf("record form: catalogue (without retired entries) and the partner's people expected")
	}

	// Mistakes beside the fields, as typed; nothing recorded.
	resp, body = form(t, pm, partnerPage+"/certifications", url.Values{"key": {"old_cert"}, "contact_id": {"con_nobody"}, "earned_on": {"2999-01-01"}, "evidence": {"exam 4411"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is retired and can no longer be recorded") ||
		!strings.Contains(body, "is not one of this partner") || !strings.Contains(body, "cannot be in the future") || !strings.Contains(body, ">\nexam 4411</textarea>") {
		t.Fatalf("bad record: %d", resp.StatusCode)
	}
	if hs, _ := a.Certifications.ForPartner(ctx, sys, "prt_demo000000"); len(hs) != 0 {
		t.Fatalf("a bad record was saved: %+v", hs)
	}

	// Record for the organisation and, expiring soon, for one of its people.
	now := a.Certifications.Now()
	soon := certification.FormatDate(now.AddDate(0, 0, -20))
	resp, _ = form(t, pm, partnerPage+"/certifications", url.Values{"key": {"resale_pro"}, "earned_on": {"2025-01-31"}, "evidence": {"Exam transcript 9931"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/partners/prt_demo000000#certifications" {
		t.Fatalf("record for the organisation: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = form(t, pm, partnerPage+"/certifications", url.Values{"key": {"cloud_basics"}, "contact_id": {"con_demo010000"}, "earned_on": {soon}, "evidence": {"Badge link 77"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record for a person: %d", resp.StatusCode)
	}
	// Another partner's certification, which Sam must never see.
	if _, err := a.Certifications.Record(ctx, sys, "setup", "prt_demo000001", certification.RecordInput{Key: "resale_pro", Evidence: "Quokka evidence"}); err != nil {
		t.Fatal(err)
	}
	_, body = call(t, pm, "GET", partnerPage, nil)
	for _, want := range []string{"Held by the organisation", "Held by its people", "Resale Pro", "31 Jan 2025", "31 Jan 2027", "Exam transcript 9931",
		"cert-expiring", "expiring soon", "Cloud Basics", "Revoke…"} {
		if !strings.Contains(body, want) {
			t.Errorf("partner page lacks %q", want)
		}
	}
	hs, _ := a.Certifications.ForPartner(ctx, sys, "prt_demo000000")
	var orgCert string
	for _, h := range hs {
		if h.Key == "resale_pro" {
			orgCert = h.ID
		}
	}
	revoke := partnerPage + "/certifications/" + orgCert + "/revoke"

	// Revoking: a confirmation page, then a reason and the tick are both required.
	resp, body = call(t, pm, "GET", revoke, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "stops counting at once") || !strings.Contains(body, `name="confirm"`) {
		t.Fatalf("revoke page: %d", resp.StatusCode)
	}
	resp, body = form(t, pm, revoke, url.Values{"reason": {"exam voided"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Tick the box to confirm") || !strings.Contains(body, ">\nexam voided</textarea>") {
		t.Fatalf("revoke without the tick: %d", resp.StatusCode)
	}
	resp, body = form(t, pm, revoke, url.Values{"reason": {"  "}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "say why the certification no longer stands") {
		t.Fatalf("revoke without a reason: %d", resp.StatusCode)
	}
	if h, _ := (store.Certifications{DB: a.DB}).Certification(ctx, "ws_demo", orgCert); h.Revoked() {
		t.Fatalf("revoked without the confirmation and a reason")
	}
	resp, _ = form(t, pm, revoke, url.Values{"reason": {"exam voided by the testing centre"}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	_, body = call(t, pm, "GET", partnerPage, nil)
	if !strings.Contains(body, "cert-revoked") || !strings.Contains(body, "exam voided by the testing centre") || !strings.Contains(body, "certification.revoke") {
		t.Errorf("the partner page does not show the revocation and its audit entry")
	}
	resp, _ = form(t, pm, revoke, url.Values{"reason": {"again"}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("revoking twice: %d", resp.StatusCode)
	}

	// A viewer sees the section but may neither record nor revoke.
	if _, err := a.Identity.Invite(ctx, sys, "setup", identity.Invitation{Email: "vic@northstar.example", Role: tandem.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	vic := signIn(t, a, base, "vic@northstar.example")
	_, body = call(t, vic, "GET", partnerPage, nil)
	if !strings.Contains(body, "Cloud Basics") || strings.Contains(body, "Record a certification") || strings.Contains(body, "Revoke…") {
		t.Errorf("viewer's partner page offers changes")
	}
	if resp, _ := form(t, vic, partnerPage+"/certifications", url.Values{"key": {"resale_pro"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer recording: %d", resp.StatusCode)
	}
	for _, method := range []string{"GET", "POST"} {
		resp, _ := call(t, vic, method, revoke, strings.NewReader("reason=x&confirm=yes"), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer %s the revoke page: %d", method, resp.StatusCode)
		}
	}

	// The portal: own certifications, safe fields only, the expiring one highlighted.
	sam := signIn(t, a, base, demo.PartnerEmail)
	resp, body = call(t, sam, "GET", base+"/w/demo/portal/profile", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("portal profile: %d", resp.StatusCode)
	}
	for _, want := range []string{"Our certifications", "Cloud Basics", `class="expiring"`, "1 of our certifications expires within 30 days", "cert-revoked", "2027-01-31"} {
		if !strings.Contains(body, want) {
			t.Errorf("portal lacks %q", want)
		}
	}
	for _, leak := range []string{"Exam transcript", "Badge link", "exam voided", "Quokka"} {
		if strings.Contains(body, leak) {
			t.Errorf("portal shows %q", leak)
		}
	}
	// The partner is refused the console's certification routes.
	for _, u := range []string{partnerPage + "/certifications", revoke} {
		resp, _ := form(t, sam, u, url.Values{"key": {"resale_pro"}, "reason": {"x"}, "confirm": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/portal/") {
			t.Errorf("a partner posting to %s: %d", u, resp.StatusCode)
		}
	}
	if hs, _ := a.Certifications.ForPartner(ctx, sys, "prt_demo000000"); len(hs) != 2 {
		t.Errorf("records after the refused posts: %d", len(hs))
	}
}
