package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestPipelineViewPages: a manager saves the filtered board as a view, finds it on the
// pipeline page, opens it, and deletes it; a bad view is refused with the reason,
// another person cannot delete it, and a partner is sent to the portal.
func TestPipelineViewPages(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			ws, err := a.DB.WorkspaceBySlug(ctx, demo.Slug)
			if err != nil {
				t.Fatal(err)
			}
			pm := signIn(t, a, base, demo.ManagerEmail)

			// The board filtered to resale offers to be saved, with its filters.
			resp, body := call(t, pm, "GET", base+"/w/demo/pipeline?view=board&motion=resale&status=open", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="/w/demo/pipeline-views"`) ||
				!strings.Contains(html.UnescapeString(body), `name="query" value="motion=resale&status=open&view=board"`) {
				t.Fatalf("the board offers no view to save: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/pipeline-views", url.Values{"name": {"Open resale board"}, "query": {"view=board&motion=resale&status=open&after=opp_x"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/pipeline?motion=resale&status=open&view=board" {
				t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, body = call(t, pm, "GET", base+"/w/demo/pipeline", nil)
			body = html.UnescapeString(body)
			if resp.StatusCode != 200 || !strings.Contains(body, `href="/w/demo/pipeline?motion=resale&status=open&view=board">Open resale board</a>`) ||
				!strings.Contains(body, "The view Open resale board was saved.") {
				t.Fatalf("the saved view is not listed: %d", resp.StatusCode)
			}
			views, err := (store.Pipeline{DB: a.DB}).PipelineViews(ctx, ws.ID, "usr_demo000001")
			if err != nil || len(views) != 1 {
				t.Fatalf("stored views: %+v, %v", views, err)
			}
			id := views[0].ID

			// A nameless view or a bad filter is refused with the reason.
			resp, _ = form(t, pm, base+"/w/demo/pipeline-views", url.Values{"name": {" "}, "query": {"status=maybe"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("bad view: %d", resp.StatusCode)
			}
			_, body = call(t, pm, "GET", base+resp.Header.Get("Location"), nil)
			if !strings.Contains(body, "name: is required") || !strings.Contains(body, "query.status: must be open, won or lost") {
				t.Errorf("the refusal does not say why")
			}
			resp, _ = form(t, pm, base+"/w/demo/pipeline-views", url.Values{"name": {"open resale board"}, "query": {"motion=resale"}})
			if _, body = call(t, pm, "GET", base+resp.Header.Get("Location"), nil); !strings.Contains(html.UnescapeString(body), `you already have a view named "Open resale board"`) {
				t.Errorf("a second view of the same name was not refused")
			}

			// Sofia cannot delete Paul's view, nor does she see it; Sam is sent to the portal.
			sofia := signIn(t, a, base, "sofia@northstar.example")
			if resp, _ := form(t, sofia, base+"/w/demo/pipeline-views/"+id+"/delete", nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("Sofia deleting Paul's view: %d", resp.StatusCode)
			}
			if _, body := call(t, sofia, "GET", base+"/w/demo/pipeline", nil); strings.Contains(body, "Open resale board") {
				t.Errorf("Sofia sees Paul's view")
			}
			// A view Paul shares: Sofia sees it, named as his, without a delete button.
			resp, _ = form(t, pm, base+"/w/demo/pipeline-views", url.Values{"name": {"Team stale deals"}, "query": {"attention=stale"}, "shared": {"on"}})
			if _, body := call(t, pm, "GET", base+resp.Header.Get("Location"), nil); !strings.Contains(body, "saved and shared with everyone on your team") {
				t.Errorf("sharing a view is not confirmed")
			}
			_, body = call(t, sofia, "GET", base+"/w/demo/pipeline", nil)
			if !strings.Contains(body, "Shared by your team") || !strings.Contains(body, "Team stale deals") || !strings.Contains(body, "by Paul") ||
				strings.Contains(body, "shared by Paul Partnerships, for everyone") {
				t.Errorf("Sofia's view of Paul's shared view: %s", body)
			}
			sam := signIn(t, a, base, demo.PartnerEmail)
			for _, u := range []string{"/w/demo/pipeline-views", "/w/demo/pipeline-views/" + id + "/delete"} {
				if resp, _ := form(t, sam, base+u, url.Values{"name": {"Mine"}}); resp.StatusCode != http.StatusSeeOther ||
					!strings.HasPrefix(resp.Header.Get("Location"), "/w/demo/portal/") {
					t.Errorf("Sam POST %s: %d %s", u, resp.StatusCode, resp.Header.Get("Location"))
				}
			}

			resp, _ = form(t, pm, base+"/w/demo/pipeline-views/"+id+"/delete", nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("delete: %d", resp.StatusCode)
			}
			if views, _ := (store.Pipeline{DB: a.DB}).PipelineViews(ctx, ws.ID, "usr_demo000001"); len(views) != 1 || views[0].Name != "Team stale deals" {
				t.Errorf("after the delete: %+v", views)
			}
			es, _, err := a.DB.ListAudit(ctx, ws.ID, audit.Filter{SubjectID: id}, store.Page{Limit: 10})
			if err != nil || len(es) != 2 {
				t.Errorf("the view's audit entries: %+v, %v", es, err)
			}
		})
	}
}
