package app_test

import (
	"context"
	"encoding/json"
	"html"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestPartnerSeesKindAndProtectionEnd: the partner credited on an expansion with a
// discount under price protection learns, in the API and the portal, that it is an
// expansion and when the protection ends — and nothing of the discount or the amount.
// Every key of every partner-facing opportunity response is on the safe list.
func TestPartnerSeesKindAndProtectionEnd(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			sys := policy.System("ws_demo")
			pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
			str := func(s string) *string { return &s }
			amount := int64(7654321)
			o, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{Name: str("Bilby expansion"), Motion: tandem.MotionResale,
				Kind: str("expansion"), AmountMinor: &amount, Currency: str("EUR"), NewAccount: &pipeline.AccountInput{Name: str("Bilby Bank")},
				PartnerID: "prt_demo000000"})
			if err != nil {
				t.Fatal(err)
			}
			pm := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000001", Role: tandem.RolePartnerManager}
			if o, err = pipe.RequestDiscount(ctx, pm, "Paul", o.ID, pipeline.DiscountRequest{Discount: 1275, Reason: "Bilby-sized rollout", Version: o.Version}); err != nil {
				t.Fatal(err)
			}
			until := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)
			if o, err = pipe.SetPriceProtection(ctx, pm, "Paul", o.ID, pricing.Protection{Enabled: true, From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
				Until: until, Discount: 1275}, o.Version); err != nil {
				t.Fatal(err)
			}

			sam := signIn(t, a, base, demo.PartnerEmail)
			safe := policy.SafeFields(policy.Opportunities)
			leaks := []string{"76543", "76,543", "EUR", "12.75", "Bilby-sized", "pricing", "discount"}
			check := func(what string, m map[string]any, body string) {
				t.Helper()
				for k := range m {
					if !slices.Contains(safe, k) {
						t.Errorf("%s carries %q", what, k)
					}
				}
				if m["kind"] != "expansion" || m["protection_expires_at"] != until.Format(time.RFC3339) {
					t.Errorf("%s: kind %v, protection ends %v", what, m["kind"], m["protection_expires_at"])
				}
				for _, s := range leaks {
					if strings.Contains(body, s) {
						t.Errorf("%s shows %q", what, s)
					}
				}
			}
			js := []string{"Content-Type", "application/json"}
			resp, body := call(t, sam, "GET", base+"/api/v1/opportunities/"+o.ID, nil, js...)
			var one map[string]any
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &one) != nil {
				t.Fatalf("Sam's opportunity: %d %s", resp.StatusCode, body)
			}
			check("the opportunity", one, body)
			resp, body = call(t, sam, "GET", base+"/api/v1/opportunities?q=bilby", nil, js...)
			var list struct{ Data []map[string]any }
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Data) != 1 {
				t.Fatalf("Sam's list: %d %s", resp.StatusCode, body)
			}
			check("the list", list.Data[0], body)

			// Without protection the expiry is null, and a plain opportunity is new business.
			plain, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{Name: str("Bilby pilot"), Motion: tandem.MotionResale,
				AccountID: &o.AccountID, PartnerID: "prt_demo000000"})
			if err != nil {
				t.Fatal(err)
			}
			_, body = call(t, sam, "GET", base+"/api/v1/opportunities/"+plain.ID, nil, js...)
			if !strings.Contains(body, `"kind":"new"`) || !strings.Contains(body, `"protection_expires_at":null`) {
				t.Errorf("a plain opportunity: %s", body)
			}

			for _, u := range []string{"/w/demo/portal/pipeline", "/w/demo/portal/pipeline/" + o.ID} {
				resp, body := call(t, sam, "GET", base+u, nil)
				body = html.UnescapeString(body)
				if resp.StatusCode != 200 || !strings.Contains(body, "Expansion") || !strings.Contains(body, "Price protection ends") ||
					!strings.Contains(body, "1 May 2027") {
					t.Errorf("Sam's %s: %d", u, resp.StatusCode)
				}
				for _, s := range leaks[:5] {
					if strings.Contains(body, s) {
						t.Errorf("Sam's %s shows %q", u, s)
					}
				}
			}
		})
	}
}
