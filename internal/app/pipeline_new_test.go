package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestOpportunityCreatePage: the manager creates an opportunity from the console,
// on a new account with two partners credited; a form with mistakes saves nothing
// and marks each field; the page is linked from the list; viewers and partners
// do not get it.
func TestOpportunityCreatePage(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			ws, err := a.DB.WorkspaceBySlug(ctx, demo.Slug)
			if err != nil {
				t.Fatal(err)
			}
			sys := policy.System(ws.ID)
			pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
			pm := signIn(t, a, base, demo.ManagerEmail)

			// Linked from the list, and from the empty state of a filter that finds nothing.
			_, body := call(t, pm, "GET", base+"/w/demo/pipeline", nil)
			if !strings.Contains(body, `href="/w/demo/pipeline/new"`) {
				t.Errorf("the list does not link the create page")
			}
			_, body = call(t, pm, "GET", base+"/w/demo/pipeline?q=nothing-matches-this&motion=resale", nil)
			if !strings.Contains(body, `href="/w/demo/pipeline/new?motion=resale">Create an opportunity`) {
				t.Errorf("the empty state does not link the create page")
			}
			resp, body := call(t, pm, "GET", base+"/w/demo/pipeline/new?account_q=nothing-matches-this", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `name="new_account_name"`) || !strings.Contains(body, "No account matches") ||
				!strings.Contains(body, `value="EUR"`) {
				t.Fatalf("the create page: %d", resp.StatusCode)
			}

			// Mistakes everywhere: each is marked beside its field and nothing is saved.
			bad := url.Values{"account_mode": {"new"}, "new_account_name": {""}, "new_account_country": {"Holland"}, "name": {""}, "motion": {"resale"},
				"amount": {"lots"}, "currency": {"euro"}, "close_on": {"31/12/2026"}, "owner_user_id": {"usr_nobody"},
				"partner_id": {"prt_demo000000", "", "prt_demo000001"}, "credit_kind": {"sourced", "sourced", "influenced"}, "percent": {"80", "", "half"}}
			resp, body = form(t, pm, base+"/w/demo/pipeline/new", bad)
			body = html.UnescapeString(body)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad form: %d", resp.StatusCode)
			}
			for _, want := range []string{`id="no-new-name-err">Name is required`, `id="no-new-country-err">Country must be a two-letter`,
				`id="no-name-err">Name is required`, `id="no-amount-err">Amount:`, `id="no-currency-err">Currency must be a three-letter`,
				`id="no-close-err">Close date must be a date written YYYY-MM-DD`, `id="no-owner-err">Owner is not a user of this workspace`,
				`id="no-c3-err">Partner 3: percent`, `value="Holland"`, `value="lots"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the refused form lacks %q", want)
				}
			}
			if strings.Contains(body, "Amount: must not be negative") {
				t.Errorf("the amount error is the service's, not the form's")
			}
			if as, _, _ := pipe.ListAccounts(ctx, sys, pipeline.AccountFilter{Query: "Holland"}, "", 5); len(as) != 0 {
				t.Errorf("a refused form saved an account")
			}

			// Right: the opportunity, its account and both credits at once.
			good := url.Values{"account_mode": {"new"}, "new_account_name": {"Numbat Networks"}, "new_account_domain": {"numbat.example"},
				"name": {"Numbat SD-WAN"}, "motion": {"resale"}, "kind": {"expansion"}, "amount": {"48,000.50"}, "currency": {"eur"},
				"close_on": {"2026-12-31"}, "owner_user_id": {"usr_demo000002"}, "f_products": {"Edge 400"}, "next_step": {"Joint demo"},
				"partner_id": {"prt_demo000000", "", "prt_demo000001"}, "credit_kind": {"sourced", "sourced", "influenced"}, "percent": {"80", "", "20"}}
			resp, _ = form(t, pm, base+"/w/demo/pipeline/new", good)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/pipeline/opp_") {
				t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			id := strings.TrimPrefix(resp.Header.Get("Location"), "/w/demo/pipeline/")
			o, err := pipe.Opportunity(ctx, sys, id)
			if err != nil || o.AccountName != "Numbat Networks" || o.AmountMinor != 4800050 || o.Currency != "EUR" || o.Kind != pipeline.KindExpansion ||
				o.CloseOn != "2026-12-31" || o.OwnerUserID != "usr_demo000002" || o.Details["products"] != "Edge 400" || o.PartnerID != "prt_demo000000" ||
				len(o.Attribution) != 2 || o.Attribution[1].PartnerID != "prt_demo000001" || o.Attribution[1].Percent != 2000 {
				t.Fatalf("created: %+v, %v", o, err)
			}
			resp, body = call(t, pm, "GET", base+"/w/demo/pipeline/"+id, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Numbat SD-WAN was created on Numbat Networks.") {
				t.Errorf("the new opportunity's page: %d", resp.StatusCode)
			}

			// An existing account is picked from the list, found by search.
			resp, body = call(t, pm, "GET", base+"/w/demo/pipeline/new?account_q=numbat", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `<option value="`+o.AccountID+`">Numbat Networks (numbat.example)</option>`) {
				t.Errorf("the account search: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/pipeline/new", url.Values{"account_mode": {"existing"}, "account_id": {o.AccountID},
				"name": {"Numbat renewal"}, "motion": {"referral"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("create on an existing account: %d", resp.StatusCode)
			}
			resp, body = form(t, pm, base+"/w/demo/pipeline/new", url.Values{"account_mode": {"existing"}, "name": {"No account"}, "motion": {"referral"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="no-account-err">Account is required`) {
				t.Errorf("create without an account: %d", resp.StatusCode)
			}

			// A viewer may not create opportunities: no link, and the page refuses.
			if _, err := a.Identity.Invite(ctx, sys, "setup", identity.Invitation{Email: "vic@northstar.example", Role: tandem.RoleViewer}); err != nil {
				t.Fatal(err)
			}
			vic := signIn(t, a, base, "vic@northstar.example")
			if _, body := call(t, vic, "GET", base+"/w/demo/pipeline", nil); strings.Contains(body, "/w/demo/pipeline/new") {
				t.Errorf("a viewer sees the create link")
			}
			if resp, _ := call(t, vic, "GET", base+"/w/demo/pipeline/new", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("a viewer opening the create page: %d", resp.StatusCode)
			}
			if resp, _ := form(t, vic, base+"/w/demo/pipeline/new", good); resp.StatusCode != http.StatusForbidden {
				t.Errorf("a viewer creating: %d", resp.StatusCode)
			}
			// A partner is sent to the portal, and nothing is created.
			sam := signIn(t, a, base, demo.PartnerEmail)
			for _, method := range []string{"GET", "POST"} {
				resp, _ := call(t, sam, method, base+"/w/demo/pipeline/new", strings.NewReader(good.Encode()), "Content-Type", "application/x-www-form-urlencoded")
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/portal/") {
					t.Errorf("Sam %s the create page: %d %s", method, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			if os, _, _ := pipe.ListOpportunities(ctx, sys, pipeline.Filter{Query: "Numbat SD-WAN"}, "", 5); len(os) != 1 {
				t.Errorf("opportunities named Numbat SD-WAN: %d", len(os))
			}
		})
	}
}
