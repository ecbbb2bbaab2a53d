package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestConflictCaseFromCollisionToRuling: two partners register one customer; the
// sweep opens a case the partner manager sees, acknowledges and rules on, and the
// metrics count it. Partners cannot reach the case.
func TestConflictCaseFromCollisionToRuling(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	sys := policy.System("ws_demo")
	for _, in := range []registration.Input{
		{PartnerID: "prt_demo000000", CustomerName: "Quayside Logistics Ltd", CustomerDomain: "quayside-logistics.example", Motion: "referral"},
		{PartnerID: "prt_demo000010", CustomerName: "Quayside Logistics", CustomerDomain: "quayside-logistics.example", Motion: "referral"},
	} {
		if _, err := a.Registrations.Submit(ctx, sys, "setup", registration.ChannelAPI, in); err != nil {
			t.Fatal(err)
		}
	}
	// The colliding registration queued a sweep of the workspace; wait for its case.
	var id string
	deadline := time.Now().Add(20 * time.Second)
	for id == "" && time.Now().Before(deadline) {
		cs, _, err := a.Conflicts.List(ctx, sys, conflictcase.Filter{}, "", 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) > 0 {
			id = cs[0].ID
		}
		time.Sleep(100 * time.Millisecond)
	}
	if id == "" {
		t.Fatal("no conflict case was opened after two partners registered one customer")
	}
	pm := signIn(t, a, base, demo.ManagerEmail)
	resp, body := call(t, pm, "GET", base+"/w/demo/conflicts", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Quayside") || !strings.Contains(body, "Overlapping registrations") {
		t.Fatalf("conflict list: %d", resp.StatusCode)
	}
	resp, body = call(t, pm, "GET", base+"/w/demo/conflicts/"+id, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Acknowledge by") {
		t.Fatalf("conflict page: %d", resp.StatusCode)
	}
	c, _ := a.Conflicts.Get(ctx, sys, id)
	step := func(v url.Values) (int, string) {
		v.Set("version", "0")
		resp, body := form(t, pm, base+"/w/demo/conflicts/"+id+"/steps", v)
		return resp.StatusCode, body
	}
	if status, _ := step(url.Values{"step": {"acknowledge"}}); status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", status)
	}
	if status, body := step(url.Values{"step": {"resolve"}, "text": {"first meeting was theirs"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "ruling") {
		t.Fatalf("resolve without a ruling: %d", status)
	}
	if status, _ := step(url.Values{"step": {"resolve"}, "ruling": {"Northwind keeps it"}, "text": {"first meeting was theirs"}}); status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", status)
	}
	c, _ = a.Conflicts.Get(ctx, sys, c.ID)
	if c.Status != conflictcase.Resolved || c.AcknowledgedBy == "" {
		t.Fatalf("after the ruling: %s, acknowledged by %q", c.Status, c.AcknowledgedBy)
	}
	resp, body = call(t, pm, "GET", base+"/w/demo/conflicts/metrics", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "per 100 registrations (2 registered)") {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	resp, body = call(t, pm, "GET", base+"/api/v1/conflicts/metrics", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"opened":1`) || !strings.Contains(body, `"rate_per_100_registrations":50`) {
		t.Fatalf("metrics API: %d %s", resp.StatusCode, body)
	}
	// The partner's admin reaches neither the page nor the API.
	sam := signIn(t, a, base, demo.PartnerEmail)
	if resp, _ := call(t, sam, "GET", base+"/api/v1/conflicts/"+id, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("partner reading a conflict case: %d, want 404", resp.StatusCode)
	}
}
