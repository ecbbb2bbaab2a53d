package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestCertificationsThroughTheAPI walks the certification routes through the real
// router with real sessions: an admin builds the catalogue, a partner manager records
// and revokes, the partner's own admin sees its certifications without the internal
// fields, another partner's people see nothing, and a registration rule naming the
// certification refuses an uncertified partner with its name.
func TestCertificationsThroughTheAPI(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	admin := signIn(t, a, base, demo.AdminEmail)
	manager := signIn(t, a, base, demo.ManagerEmail)
	sam := signIn(t, a, base, demo.PartnerEmail) // partner admin of prt_demo000000
	js := []string{"Content-Type", "application/json"}

	resp, body := call(t, manager, "POST", base+"/api/v1/certification-catalogue", strings.NewReader(`{"key":"resale_pro","name":"Resale Pro"}`), js...)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a partner manager changed the catalogue: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, admin, "POST", base+"/api/v1/certification-catalogue", strings.NewReader(`{"key":"Resale Pro","name":""}`), js...)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"key"`) || !strings.Contains(body, `"name"`) {
		t.Fatalf("a bad catalogue entry: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, admin, "POST", base+"/api/v1/certification-catalogue", strings.NewReader(`{"key":"resale_pro","name":"Resale Pro","validity_months":24,"motion":"resale"}`), js...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add to the catalogue: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, manager, "GET", base+"/api/v1/certification-catalogue", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"validity_months":24`) {
		t.Fatalf("catalogue: %d %s", resp.StatusCode, body)
	}

	resp, body = call(t, manager, "POST", base+"/api/v1/partners/prt_demo000000/certifications",
		strings.NewReader(`{"key":"resale_pro","contact_id":"con_demo010000","earned_on":"2025-01-31","evidence":"exam 9931"}`), js...)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"expires_on":"2027-01-31"`) {
		t.Fatalf("record: %d %s", resp.StatusCode, body)
	}
	id := between(body, `"id":"`, `"`)
	resp, body = call(t, sam, "GET", base+"/api/v1/partners/prt_demo000000/certifications", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Resale Pro") || strings.Contains(body, "exam 9931") || strings.Contains(body, "recorded_by") {
		t.Fatalf("the partner's own view: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, sam, "GET", base+"/api/v1/partners/prt_demo000001/certifications", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another partner's certifications: %d %s", resp.StatusCode, body)
	}
	resp, _ = call(t, sam, "POST", base+"/api/v1/partners/prt_demo000000/certifications/"+id+"/revoke", strings.NewReader(`{"reason":"mine"}`), js...)
	if resp.StatusCode < 400 {
		t.Fatalf("a partner revoked its own certification: %d", resp.StatusCode)
	}

	// Registration requires it for referral deals; prt_demo000001 has none.
	resp, body = call(t, admin, "PUT", base+"/api/v1/registration-settings",
		strings.NewReader(`{"eligibility":{"certifications":[{"key":"resale_pro"}]}}`), js...)
	if resp.StatusCode != 200 {
		t.Fatalf("registration settings: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, manager, "POST", base+"/api/v1/registrations", strings.NewReader(`{"partner_id":"prt_demo000001","customer_name":"Yarrow Mills Ltd",
		"customer_domain":"yarrow-mills.example","motion":"`+firstMotion(t, a, "prt_demo000001")+`"}`), js...)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Resale Pro") {
		t.Fatalf("an uncertified partner registered: %d %s", resp.StatusCode, body)
	}

	resp, body = call(t, manager, "POST", base+"/api/v1/partners/prt_demo000000/certifications/"+id+"/revoke", strings.NewReader(`{"reason":"exam voided"}`), js...)
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":"revoked"`) {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	resp, _ = call(t, manager, "POST", base+"/api/v1/partners/prt_demo000000/certifications/"+id+"/revoke", strings.NewReader(`{"reason":"again"}`), js...)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("revoked twice: %d", resp.StatusCode)
	}
}

// firstMotion returns a motion the partner runs.
func firstMotion(t *testing.T, a *app.App, partnerID string) string {
	t.Helper()
	p, err := (store.Partners{DB: a.DB}).PartnerByID(context.Background(), "ws_demo", partnerID)
	if err != nil || len(p.Motions) == 0 {
		t.Fatalf("partner %s: %+v, %v", partnerID, p, err)
	}
	return string(p.Motions[0])
}
