package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestCreateOpportunityWithNewAccountAndCredits: one API call creates the customer
// and the deal with its partners credited; problems are named under "account." and
// by attribution row, contradictory input is refused, and nothing is half-created.
func TestCreateOpportunityWithNewAccountAndCredits(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			post := func(body string) (int, string) {
				t.Helper()
				resp, text := call(t, pm, "POST", base+"/api/v1/opportunities", strings.NewReader(body), "Content-Type", "application/json")
				return resp.StatusCode, text
			}
			accounts := func() string {
				t.Helper()
				_, text := call(t, pm, "GET", base+"/api/v1/accounts?q=Quokka", nil)
				return text
			}
			// Saying two things at once is refused, naming each.
			st, body := post(`{"name":"Quarry fleet","motion":"referral","account_id":"acc_demo000007","account":{"name":"Quokka Quarries"},
				"partner_id":"prt_demo000000","attribution":[]}`)
			if st != 422 || !slices.Equal(problemPaths(t, body), []string{"account", "partner_id"}) {
				t.Fatalf("account_id with account, partner_id with attribution: %d %s", st, body)
			}
			// An unreadable credit is refused before anything else is looked at.
			st, body = post(`{"name":"Quarry fleet","motion":"referral","account":{"name":" ","country":"Atlantis"},
				"attribution":[{"partner_id":"prt_demo000000","kind":"sourced","percent":70},{"partner_id":"prt_demo000001","kind":"influenced","percent":30.125}]}`)
			if st != 422 || !slices.Equal(problemPaths(t, body), []string{"attribution[1].percent"}) {
				t.Fatalf("unreadable credit: %d %s", st, body)
			}
			// Bad account and bad credits: every problem at once, nothing written.
			st, body = post(`{"name":"Quarry fleet","motion":"referral","account":{"name":" ","country":"Atlantis"},
				"attribution":[{"partner_id":"prt_demo000000","kind":"sourced","percent":70},{"partner_id":"prt_demo000001","kind":"sourced","percent":40}]}`)
			if st != 422 || !slices.Contains(problemPaths(t, body), "account.name") || !slices.Contains(problemPaths(t, body), "account.country") {
				t.Fatalf("bad account: %d %s", st, body)
			}
			if strings.Contains(accounts(), "Quokka") {
				t.Fatal("an account was created by a refused request")
			}
			st, body = post(`{"name":"Quarry fleet","motion":"referral","account":{"name":"Quokka Quarries","country":"au","domain":"quokka.example"},
				"attribution":[{"partner_id":"prt_demo000000","kind":"sourced","percent":70},{"partner_id":"prt_demo000001","kind":"influenced","percent":30}]}`)
			if st != 201 {
				t.Fatalf("create: %d %s", st, body)
			}
			var o struct {
				ID          string `json:"id"`
				AccountID   string `json:"account_id"`
				AccountName string `json:"account_name"`
				Attribution []struct {
					PartnerID string `json:"partner_id"`
				} `json:"attribution"`
			}
			_ = json.Unmarshal([]byte(body), &o)
			if o.AccountName != "Quokka Quarries" || o.AccountID == "" || len(o.Attribution) != 2 {
				t.Fatalf("created: %s", body)
			}
			if !strings.Contains(accounts(), o.AccountID) {
				t.Fatal("the new account is not listed")
			}
		})
	}
}
