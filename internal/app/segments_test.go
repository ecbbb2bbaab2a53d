package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestSegmentsFilterPartners(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			json := []string{"Content-Type", "application/json"}
			resp, body := call(t, pm, "POST", base+"/api/v1/partners", strings.NewReader(`{"name":"Segmented Systems","tags":["launch-2027"],"motions":["tech"]}`), json...)
			if resp.StatusCode != 201 {
				t.Fatalf("create partner: %d %s", resp.StatusCode, body)
			}
			pid := between(body, `"id":"`, `"`)
			// A rule that does not parse is refused with the column of the fault.
			resp, body = call(t, pm, "POST", base+"/api/v1/segments", strings.NewReader(`{"name":"Launch","rule":"tags contains"}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"rule"`) || !strings.Contains(body, "column 14") {
				t.Fatalf("bad rule: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/segments", strings.NewReader(`{"name":"Launch","rule":"tagz contains \"x\""}`), json...)
			if resp.StatusCode != 422 || !strings.Contains(body, "tags") {
				t.Fatalf("unknown field: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/segments", strings.NewReader(`{"name":"Launch","rule":"tags contains \"LAUNCH-2027\" and motions contains \"tech\""}`), json...)
			if resp.StatusCode != 201 {
				t.Fatalf("segment: %d %s", resp.StatusCode, body)
			}
			sid := between(body, `"id":"`, `"`)
			if resp, _ := call(t, pm, "POST", base+"/api/v1/segments", strings.NewReader(`{"name":"Launch","rule":"fit > 1"}`), json...); resp.StatusCode != 409 {
				t.Fatalf("a second segment of the same name: %d", resp.StatusCode)
			}
			_, body = call(t, pm, "GET", base+"/api/v1/partners?segment="+sid, nil)
			if strings.Count(body, `"id":"prt_`) != 1 || !strings.Contains(body, pid) {
				t.Fatalf("segment members: %s", body)
			}
			if _, body = call(t, pm, "GET", base+"/api/v1/segments/"+sid, nil); !strings.Contains(body, `"members":1`) {
				t.Fatalf("segment size: %s", body)
			}
			// The segment updates itself: untag the partner and it leaves.
			call(t, pm, "PATCH", base+"/api/v1/partners/"+pid, strings.NewReader(`{"tags":[]}`), json...)
			if _, body = call(t, pm, "GET", base+"/api/v1/partners?segment="+sid, nil); strings.Contains(body, pid) {
				t.Fatal("a partner that no longer matches is still listed")
			}
			// Built-ins are listed and usable; top 20% by fit holds the best scored.
			_, body = call(t, pm, "GET", base+"/api/v1/segments", nil)
			if !strings.Contains(body, `"id":"top-fit-20"`) || !strings.Contains(body, `"id":"dormant-60"`) {
				t.Fatalf("built-ins: %s", body)
			}
			if resp, _ := call(t, pm, "GET", base+"/api/v1/partners?segment=dormant-60", nil); resp.StatusCode != 200 {
				t.Fatalf("dormant filter: %d", resp.StatusCode)
			}
			if resp, body := call(t, pm, "GET", base+"/api/v1/partners?segment=nope", nil); resp.StatusCode != 422 || !strings.Contains(body, `"path":"segment"`) {
				t.Fatalf("unknown segment: %d %s", resp.StatusCode, body)
			}
			if resp, _ := call(t, pm, "DELETE", base+"/api/v1/segments/top-fit-20", nil); resp.StatusCode != 409 {
				t.Fatalf("deleting a built-in: %d", resp.StatusCode)
			}
			resp, body = call(t, pm, "POST", base+"/api/v1/segments/check", strings.NewReader(`{"rule":"lifecycle = \"active\""}`), json...)
			if resp.StatusCode != 200 || !strings.Contains(body, `"valid":true`) {
				t.Fatalf("check: %d %s", resp.StatusCode, body)
			}
			// Sorted pages by fit follow the cursor to the end.
			seen, next := 0, ""
			for i := 0; i < 20; i++ {
				u := base + "/api/v1/partners?sort=fit&limit=15"
				if next != "" {
					u += "&cursor=" + url.QueryEscape(next)
				}
				resp, body = call(t, pm, "GET", u, nil)
				if resp.StatusCode != 200 {
					t.Fatalf("sorted page: %d %s", resp.StatusCode, body)
				}
				seen += strings.Count(body, `"lifecycle":`)
				next = between(body, `"next_cursor":"`, `"`)
				if next == "" {
					break
				}
			}
			if seen != demo.Partners+1 {
				t.Fatalf("pages sorted by fit held %d partners, want %d", seen, demo.Partners+1)
			}
			// The pages: a refused rule points at its column; the list filters by segment
			// and saves the view.
			resp, page := form(t, pm, base+"/w/demo/segments", url.Values{"name": {"Bad"}, "rule": {`tier = `}})
			if resp.StatusCode != 422 || !strings.Contains(page, "column 8") || !strings.Contains(page, "       ^") {
				t.Fatalf("bad rule page: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, base+"/w/demo/segments", url.Values{"name": {"Tech"}, "rule": {`motions contains "tech"`}})
			if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/partners?segment=seg_") {
				t.Fatalf("segment form: %d", resp.StatusCode)
			}
			_, page = call(t, pm, "GET", base+resp.Header.Get("Location"), nil)
			if !strings.Contains(page, "Segmented Systems") || !strings.Contains(page, "Partners: Tech") {
				t.Fatal("the segment's list lacks its new partner")
			}
			resp, _ = form(t, pm, base+"/w/demo/partners/views", url.Values{"name": {"Gold EMEA"}, "query": {"tier=Gold&region=EMEA&sort=fit"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save view: %d", resp.StatusCode)
			}
			if _, page = call(t, pm, "GET", base+"/w/demo/partners", nil); !strings.Contains(page, `region=EMEA&amp;sort=fit&amp;tier=Gold">Gold EMEA</a>`) {
				t.Fatal("saved view not listed")
			}
			if _, page = call(t, pm, "GET", base+"/w/demo/segments", nil); !strings.Contains(page, "Top 20% by fit") || !strings.Contains(page, "last_activity") {
				t.Fatal("segments page without built-ins or builder help")
			}
		})
	}
}
