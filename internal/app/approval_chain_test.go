package app_test

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestApprovalChainThroughTheAPIAndTheQueue(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			admin := signIn(t, a, base, demo.AdminEmail)
			pm := signIn(t, a, base, demo.ManagerEmail)
			json := []string{"Content-Type", "application/json"}
			// The old shape is still accepted and reads back as a chain.
			resp, body := call(t, admin, "PUT", base+"/api/v1/registration-settings", strings.NewReader(`{"two_step_from":100000,"second_approver":"admin"}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"approval_chains":[{"from":100000,"steps":["reviewer","admin"]}]`) || strings.Contains(body, "two_step_from") {
				t.Fatalf("old shape: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, admin, "PUT", base+"/api/v1/registration-settings", strings.NewReader(`{"approval_chains":[{"from":100000,"steps":["reviewer","boss"]}]}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"approval_chains[0].steps[1]"`) {
				t.Fatalf("bad chain: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/registrations", strings.NewReader(`{"partner_id":"prt_demo000000","customer_name":"Fenwick Shipping",
				"customer_domain":"fenwick.example","motion":"referral","deal_size":"250000"}`), json...)
			if resp.StatusCode != 201 {
				t.Fatalf("submit: %d %s", resp.StatusCode, body)
			}
			id := between(body, `"id":"`, `"`)
			resp, body = call(t, pm, "POST", base+"/api/v1/registrations/"+id+"/decision", strings.NewReader(`{"action":"approve","rationale":"fits"}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"status":"pending"`) || !strings.Contains(body, `"waiting_on":"Approval 2 of 2: an admin"`) ||
				!strings.Contains(body, `{"step":1,"approver":"reviewer","approved_by":"Paul Partnerships","approved_by_id":"usr_demo000001","approved_at":"`) ||
				!strings.Contains(body, `{"step":2,"approver":"admin","approved_at":null}`) {
				t.Fatalf("step 1: %d %s", resp.StatusCode, body)
			}
			resp, page := call(t, admin, "GET", base+"/w/demo/registrations", nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "Approval 2 of 2: an admin") {
				t.Fatalf("the queue does not say which step waits: %d", resp.StatusCode)
			}
			resp, body = call(t, admin, "POST", base+"/api/v1/registrations/"+id+"/decision", strings.NewReader(`{"action":"approve","rationale":"signed off"}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"status":"approved"`) || !strings.Contains(body, `"approver":"admin","approved_by":"Ada Admin"`) || strings.Contains(body, "waiting_on") {
				t.Fatalf("step 2: %d %s", resp.StatusCode, body)
			}
		})
	}
}
