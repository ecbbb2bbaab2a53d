package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestOffboardingEndsAccessAndHandsOverDeals offboards a partner through the console
// on both engines: its signed-in person is signed out at once, its waiting
// registration closes, its open opportunity passes to the chosen owner with its
// credit intact, everything stays readable, and it comes back only through
// onboarding.
func TestOffboardingEndsAccessAndHandsOverDeals(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			ctx := context.Background()
			sys := policy.System("ws_demo")
			const pid = "prt_demo000000"
			sam := signIn(t, a, base, demo.PartnerEmail)
			samUser, _ := a.Identity.Store.UsersByEmail(ctx, demo.PartnerEmail)
			rec, err := a.Registrations.Submit(ctx, samUser[0].Actor(), "Sam Partner", registration.ChannelPortal, registration.Input{
				CustomerName: "Offboard Waiting Co", CustomerDomain: "offboard-waiting.example", Motion: "referral", Amount: "1000"})
			if err != nil {
				t.Fatal(err)
			}
			pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: a.Identity.Now}
			accName, oppName := "Offboard Customer", "Offboard Deal"
			acc, err := pipe.CreateAccount(ctx, sys, "setup", pipeline.AccountInput{Name: &accName})
			if err != nil {
				t.Fatal(err)
			}
			opp, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{AccountID: &acc.ID, Name: &oppName, Motion: tandem.MotionReferral, PartnerID: pid})
			if err != nil {
				t.Fatal(err)
			}
			paul, _ := a.Identity.Store.UsersByEmail(ctx, demo.ManagerEmail)
			admin := signIn(t, a, base, demo.AdminEmail)

			resp, body := call(t, admin, "GET", base+"/w/demo/partners/"+pid+"/offboard", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "lose access now") || !strings.Contains(body, "Paul Partnerships") {
				t.Fatalf("confirmation page: %d", resp.StatusCode)
			}
			// Without the confirmation nothing happens.
			resp, body = form(t, admin, base+"/w/demo/partners/"+pid+"/offboard", url.Values{"owner_user_id": {paul[0].ID}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "lose access now and its open deals are handed over") {
				t.Fatalf("unconfirmed: %d", resp.StatusCode)
			}
			if resp, _ := call(t, sam, "GET", base+"/w/demo/portal/", nil); resp.StatusCode != 200 {
				t.Fatalf("Sam lost access before the offboarding: %d", resp.StatusCode)
			}
			resp, _ = form(t, admin, base+"/w/demo/partners/"+pid+"/offboard", url.Values{"owner_user_id": {paul[0].ID}, "reason": {"Contract ended"}, "confirm": {"yes"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("offboard: %d", resp.StatusCode)
			}
			// Sam is signed out at once, and cannot sign in again.
			if resp, _ := call(t, sam, "GET", base+"/w/demo/portal/", nil); resp.StatusCode == 200 {
				t.Fatal("the partner's person still reaches the portal")
			}
			if resp, _ := call(t, sam, "GET", base+"/api/v1/registrations", nil); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("the partner's person still reaches the API: %d", resp.StatusCode)
			}
			// The waiting registration is withdrawn, with the reason, and still readable.
			r, err := a.Registrations.Get(ctx, sys, rec.Registration.ID)
			if err != nil || r.Status != registration.Withdrawn || !strings.Contains(r.DecisionRationale, "Contract ended") {
				t.Fatalf("registration after offboarding: %s %q %v", r.Status, r.DecisionRationale, err)
			}
			// The opportunity is Paul's, still credited to the partner.
			o, err := pipe.Opportunity(ctx, sys, opp.ID)
			if err != nil || o.OwnerUserID != paul[0].ID || len(o.Partners()) != 1 || o.Partners()[0] != pid {
				t.Fatalf("opportunity after offboarding: owner %s partners %v %v", o.OwnerUserID, o.Partners(), err)
			}
			p, _ := (store.Partners{DB: a.DB}).PartnerByID(ctx, "ws_demo", pid)
			if p.Lifecycle != "offboarded" {
				t.Fatalf("lifecycle %s", p.Lifecycle)
			}
			entries, _, err := a.DB.ListAudit(ctx, "ws_demo", audit.Filter{Action: "partner.offboard"}, store.Page{Limit: 5})
			if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Changes, opp.ID) || entries[0].Rationale != "Contract ended" {
				t.Fatalf("audit: %+v %v", entries, err)
			}
			// The registration's own history says it was closed, and why.
			regAudit, _, err := a.DB.ListAudit(ctx, "ws_demo", audit.Filter{SubjectType: "registration", SubjectID: rec.Registration.ID}, store.Page{Limit: 20})
			closed := false
			for _, e := range regAudit {
				closed = closed || (e.Action == "registration.close" && strings.Contains(e.Rationale, "Contract ended"))
			}
			if err != nil || !closed {
				t.Fatalf("the registration's audit has no closing entry: %+v %v", regAudit, err)
			}
			// Offboarding twice is refused; the API says so by field.
			resp, body = call(t, admin, "POST", base+"/api/v1/partners/"+pid+"/offboard", strings.NewReader(`{"confirm": true}`), "Content-Type", "application/json")
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"lifecycle"`) {
				t.Fatalf("second offboarding: %d %s", resp.StatusCode, body)
			}
			// Active is reached again only through onboarding.
			resp, body = call(t, admin, "POST", base+"/api/v1/partners/"+pid+"/lifecycle", strings.NewReader(`{"to": "active"}`), "Content-Type", "application/json")
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "re-onboarded") {
				t.Fatalf("offboarded → active: %d %s", resp.StatusCode, body)
			}
			resp, _ = call(t, admin, "POST", base+"/api/v1/partners/"+pid+"/lifecycle", strings.NewReader(`{"to": "onboarding", "rationale": "New contract"}`), "Content-Type", "application/json")
			if resp.StatusCode != 200 {
				t.Fatalf("re-onboarding: %d", resp.StatusCode)
			}

			// The plain lifecycle move to offboarded ends access too.
			const other = "prt_demo000001"
			if _, err := a.Identity.Invite(ctx, sys, "setup", identity.Invitation{Email: "pat@p1-offboard.example", Role: tandem.RolePartnerSeller, PartnerID: other}); err != nil {
				t.Fatal(err)
			}
			pat := signInAt(t, a, base, "pat@p1-offboard.example", "ws_demo")
			resp, body = call(t, admin, "POST", base+"/api/v1/partners/"+other+"/lifecycle", strings.NewReader(`{"to": "offboarded", "rationale": "Merged"}`), "Content-Type", "application/json")
			if resp.StatusCode != 200 || !strings.Contains(body, `"lifecycle":"offboarded"`) {
				t.Fatalf("lifecycle move to offboarded: %d %s", resp.StatusCode, body)
			}
			if resp, _ := call(t, pat, "GET", base+"/w/demo/portal/", nil); resp.StatusCode == 200 {
				t.Fatal("a lifecycle move to offboarded left the partner's person signed in")
			}
		})
	}
}
