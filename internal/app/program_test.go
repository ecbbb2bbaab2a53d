package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// tiersForm is the tiers form for two tiers and a grace period.
func tiersForm(grace string) url.Values {
	return url.Values{
		"tier_name_0": {"Member"}, "tier_rank_0": {"1"}, "tier_benefits_0": {"Portal access\nDeal registration"},
		"tier_name_1": {"Elite"}, "tier_rank_1": {"5"}, "tier_revenue_1": {"1,000"}, "tier_registrations_1": {"1"}, "tier_certifications_1": {"3"},
		"grace_days": {grace},
	}
}

func TestProgramTiersAndTierReviewPages(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	admin := signIn(t, a, base, demo.AdminEmail)

	resp, body := call(t, admin, "GET", base+"/w/demo/settings/tiers", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `value="Platinum"`) {
		t.Fatalf("tiers page: %d", resp.StatusCode)
	}
	// Bad input: every field named, nothing saved.
	bad := tiersForm("-3")
	bad.Set("tier_rank_1", "1")
	bad.Set("tier_revenue_0", "lots")
	resp, body = form(t, admin, base+"/w/demo/settings/tiers", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a whole number of 0 or more") {
		t.Fatalf("bad tiers: %d", resp.StatusCode)
	}
	bad.Set("tier_revenue_0", "0")
	resp, body = form(t, admin, base+"/w/demo/settings/tiers", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "ranks must differ") || !strings.Contains(body, "between 0 and 365") {
		t.Fatalf("duplicate rank and bad grace: %d", resp.StatusCode)
	}
	if set, _ := a.Program.Settings(ctx, "ws_demo"); len(set.Tiers) != 4 {
		t.Fatalf("invalid tiers were saved: %+v", set)
	}
	if resp, _ = form(t, admin, base+"/w/demo/settings/tiers", tiersForm("0")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving tiers: %d", resp.StatusCode)
	}
	set, _ := a.Program.Settings(ctx, "ws_demo")
	if len(set.Tiers) != 2 || set.Tiers[1].Requirements.RevenueMinor != 100_000 || set.Tiers[0].Benefits[1] != "Deal registration" {
		t.Fatalf("saved tiers: %+v", set)
	}

	// Registration reads its tier ranks from the program.
	rs, err := a.Registrations.GetSettings(ctx, policy.System("ws_demo"))
	if err != nil || rs.TierRank("elite") != 5 || rs.TierRank("gold") != 0 {
		t.Fatalf("registration tier ranks: %v, %v", rs.TierRanks, err)
	}
	resp, body = call(t, admin, "PUT", base+"/api/v1/registration-settings", strings.NewReader(`{"tier_ranks": {"gold": 9}}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "tier_ranks") {
		t.Fatalf("tier ranks changed through registration settings: %d %s", resp.StatusCode, body)
	}

	// A partner's tier must be one of the program's tiers.
	resp, body = call(t, admin, "PATCH", base+"/api/v1/partners/prt_demo000001", strings.NewReader(`{"tier": "Gold"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Member, Elite") {
		t.Fatalf("partner moved to a tier the program lacks: %d %s", resp.StatusCode, body)
	}

	resp, body = form(t, admin, base+"/w/demo/partners", url.Values{"name": {"Tierless Tester"}, "motions": {"referral"}, "tier": {"Gold"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is not one of the program") {
		t.Fatalf("new partner in a tier the program lacks: %d", resp.StatusCode)
	}
	// The review proposes; the page shows the evidence; a confirmation applies it.
	resp, _ = call(t, admin, "POST", base+"/w/demo/tier-reviews/run", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("run: %d", resp.StatusCode)
	}
	resp, body = call(t, admin, "GET", base+"/w/demo/tier-reviews", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Valid certifications") || !strings.Contains(body, "Registrations, last 90 days") {
		t.Fatalf("reviews page: %d", resp.StatusCode)
	}
	open, err := a.Program.List(ctx, policy.System("ws_demo"), program.Open, 0)
	if err != nil || len(open) == 0 {
		t.Fatalf("no proposals after the program's tiers were replaced: %v", err)
	}
	r := open[0]
	resp, _ = form(t, admin, base+"/w/demo/tier-reviews/"+r.ID+"/decision", url.Values{"decision": {"confirm"}, "rationale": {"New program"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	p, err := (store.Partners{DB: a.DB}).PartnerByID(ctx, "ws_demo", r.PartnerID)
	if err != nil || p.Tier != r.ToTier {
		t.Fatalf("tier after confirmation: %q, want %q (%v)", p.Tier, r.ToTier, err)
	}
	// The API lists it as confirmed; a second decision conflicts.
	resp, body = call(t, admin, "GET", base+"/api/v1/tier-reviews?status=confirmed", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, r.ID) || !strings.Contains(body, `"rationale":"New program"`) {
		t.Fatalf("confirmed list: %d %s", resp.StatusCode, body)
	}
	resp, _ = call(t, admin, "POST", base+"/api/v1/tier-reviews/"+r.ID+"/decision", strings.NewReader(`{"decision":"dismiss"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("second decision: %d", resp.StatusCode)
	}
	// In the console too it is a conflict, said plainly, not a server error.
	resp, body = form(t, admin, base+"/w/demo/tier-reviews/"+r.ID+"/decision", url.Values{"decision": {"dismiss"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already confirmed") {
		t.Fatalf("second decision in the console: %d", resp.StatusCode)
	}
	// A partner user cannot reach any of it.
	sam := signIn(t, a, base, demo.PartnerEmail)
	if resp, _ := call(t, sam, "GET", base+"/api/v1/tier-reviews", nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("partner user listed tier reviews: %d", resp.StatusCode)
	}
}

// TestTierReviewRunsAsAScheduledJob: the durable job runs at start and evaluates the
// workspace's active partners without a person asking for it: those below their
// tier's requirements get a standing (the start of their grace period).
func TestTierReviewRunsAsAScheduledJob(t *testing.T) {
	a, _ := start(t, storetest.Engines()[0])
	deadline := time.Now().Add(20 * time.Second)
	for {
		var done, standings, active int
		db := a.DB.SQL()
		if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'tier_review_all' AND state = 'completed'`).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM tier_standings WHERE workspace_id = 'ws_demo'`).Scan(&standings); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM partners WHERE workspace_id = 'ws_demo' AND lifecycle = 'active'`).Scan(&active); err != nil {
			t.Fatal(err)
		}
		if done > 0 && standings > 0 && standings <= active {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: %d completed tier review jobs, %d standings for %d active partners", done, standings, active)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
