package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestPipelineSettingsPage: the admin changes the freshness, renewal numbers,
// discount bands and a plan template from the console; a form with mistakes saves
// nothing and marks each field, band row and template line; the change is audited;
// a partner manager may read but not save, and a partner is sent to the portal.
func TestPipelineSettingsPage(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			ws, err := a.DB.WorkspaceBySlug(ctx, demo.Slug)
			if err != nil {
				t.Fatal(err)
			}
			pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
			ada := signIn(t, a, base, demo.AdminEmail)
			page := base + "/w/demo/settings/pipeline"

			_, body := call(t, ada, "GET", base+"/w/demo/pipeline", nil)
			if !strings.Contains(body, `href="/w/demo/settings/pipeline"`) {
				t.Errorf("the pipeline page does not link its settings")
			}
			resp, body := call(t, ada, "GET", page, nil)
			body = html.UnescapeString(body)
			if resp.StatusCode != 200 || !strings.Contains(body, `name="freshness_days" min="1" max="90" value="7"`) ||
				!strings.Contains(body, "intro_meeting | The partner introduces the decision maker | partner | 7") ||
				!strings.Contains(body, `value="sales_leadership"`) || strings.Count(body, `name="band_name"`) != 3 {
				t.Fatalf("the settings page: %d", resp.StatusCode)
			}

			good := func() url.Values {
				return url.Values{"freshness_days": {"10"}, "follow_up_hours": {"48"}, "renewal_confirm_days": {"120"}, "renewal_escalate_days": {"21"},
					"ceiling": {"35"}, "exception_approver": {"vp_sales"},
					"band_name": {"Gold resale standard", "", "Gold resale high"}, "band_tier": {"gold", "", "gold"}, "band_motion": {"resale", "", "resale"},
					"band_min": {"0", "", "15"}, "band_max": {"15", "", "30"}, "band_approver": {"", "", "partner_manager"}, "band_certification": {"", "", ""},
					"tpl_referral": {"intro | Introduction | partner | 5\nclose | Signed | vendor | 40"}}
			}
			// Mistakes: every one is marked where it is, and nothing is saved.
			bad := good()
			bad.Set("freshness_days", "a week")
			bad.Set("renewal_escalate_days", "200")
			bad.Set("ceiling", "20")
			bad["band_max"] = []string{"15", "", "lots"}
			bad["band_min"] = []string{"5", "", "15"}
			bad.Set("tpl_referral", "intro | Introduction | partner | 5\nno bars here\nclose | Signed | customer | 40")
			resp, body = form(t, ada, page, bad)
			body = html.UnescapeString(body)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad settings: %d", resp.StatusCode)
			}
			for _, want := range []string{`id="ps-fresh-err">must be a whole number`, `id="ps-escalate-err">must be from 1 to 90 days`,
				`id="band-1-err">Band 1: min the lowest band for gold / resale must start at 0`, `id="band-3-err">Band 3: max must be a percentage`,
				"line 2: must be four parts", "line 3: owner side must be vendor or partner", `value="a week"`, `no bars here`} {
				if !strings.Contains(body, want) {
					t.Errorf("the refused form lacks %q", want)
				}
			}
			if strings.Contains(body, "line 2: key") {
				t.Errorf("an unreadable line also shows the service's problems with it")
			}
			if set, _ := pipe.Settings(ctx, ws.ID); set.FreshnessDays != 7 || set.Pricing == nil || len(set.Pricing.Bands) != 0 {
				t.Fatalf("refused settings were saved: %+v", set)
			}

			// Right: saved, audited, and shown again as saved.
			resp, _ = form(t, ada, page, good())
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: %d", resp.StatusCode)
			}
			set, err := pipe.Settings(ctx, ws.ID)
			if err != nil || set.FreshnessDays != 10 || set.FollowUpHours != 48 || set.RenewalConfirmDays != 120 || set.RenewalEscalateDays != 21 ||
				set.Pricing.Ceiling != 3500 || set.Pricing.ExceptionApprover != "vp_sales" || len(set.Pricing.Bands) != 2 ||
				set.Pricing.Bands[1].Approver != "partner_manager" || set.Pricing.Bands[1].Motion != tandem.MotionResale {
				t.Fatalf("saved: %+v %+v, %v", set, set.Pricing, err)
			}
			if tpl := set.PlanTemplates; len(tpl) != 1 || len(tpl["referral"]) != 2 || tpl["referral"][1].OwnerSide != pipeline.SideVendor {
				t.Errorf("templates saved: %+v (the untouched defaults are not copied)", tpl)
			}
			es, _, err := a.DB.ListAudit(ctx, ws.ID, audit.Filter{Action: "workspace.pipeline_settings"}, store.Page{Limit: 5})
			if err != nil || len(es) != 1 || !strings.Contains(es[0].Changes, "vp_sales") {
				t.Errorf("audit: %+v, %v", es, err)
			}
			_, body = call(t, ada, "GET", page, nil)
			body = html.UnescapeString(body)
			if !strings.Contains(body, "The pipeline settings were saved.") || !strings.Contains(body, `value="Gold resale high"`) ||
				!strings.Contains(body, "your own") || strings.Count(body, `name="band_name"`) != 5 {
				t.Errorf("the page after saving")
			}

			// Paul reads but may not save; Sam is sent to the portal.
			pm := signIn(t, a, base, demo.ManagerEmail)
			if resp, body := call(t, pm, "GET", page, nil); resp.StatusCode != 200 || strings.Contains(body, "Save pipeline settings") {
				t.Errorf("Paul reading the settings: %d", resp.StatusCode)
			}
			if resp, _ := form(t, pm, page, good()); resp.StatusCode != http.StatusForbidden {
				t.Errorf("Paul saving the settings: %d", resp.StatusCode)
			}
			sam := signIn(t, a, base, demo.PartnerEmail)
			for _, method := range []string{"GET", "POST"} {
				resp, _ := call(t, sam, method, page, strings.NewReader(good().Encode()), "Content-Type", "application/x-www-form-urlencoded")
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/portal/") {
					t.Errorf("Sam %s the settings: %d %s", method, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
		})
	}
}
