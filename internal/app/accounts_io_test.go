package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// TestAccountAndContactCSVOverTheAPI walks the import and export routes through the
// real router: a dry run reports by line and column, all-or-nothing answers 422 and
// writes nothing, valid rows only imports the rest, and the export reads back.
func TestAccountAndContactCSVOverTheAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			csv := "name,website,country,industry\nKestrel Aviation Ltd,https://kestrel-aviation.example/,GB,API import\n,nowhere.example,NL,API import\nBad Country,bad-country.example,Atlantis,API import\n"
			post := func(path, body string) (int, map[string]any) {
				t.Helper()
				resp, out := call(t, pm, "POST", base+path, strings.NewReader(body), "Content-Type", "text/csv")
				var m map[string]any
				_ = json.Unmarshal([]byte(out), &m)
				return resp.StatusCode, m
			}
			status, m := post("/api/v1/accounts/import?dry_run=true", csv)
			rej, _ := json.Marshal(m["rejected"])
			if status != 200 || m["rows"] != 3.0 || m["valid"] != 1.0 || !strings.HasPrefix(string(rej), `[{"column":"name","line":3,"reason":"is required but empty"},{"column":"country","line":4,"reason":"must be an ISO 3166`) {
				t.Fatalf("dry run: %d %v", status, m)
			}
			if status, m = post("/api/v1/accounts/import", csv); status != http.StatusUnprocessableEntity || m["imported"] != 0.0 {
				t.Fatalf("all or nothing: %d %v", status, m)
			}
			if status, m = post("/api/v1/accounts/import?mode=valid_rows_only", csv); status != 200 || m["imported"] != 1.0 {
				t.Fatalf("valid rows only: %d %v", status, m)
			}
			if status, m = post("/api/v1/accounts/import?mode=sometimes", csv); status != http.StatusUnprocessableEntity {
				t.Fatalf("bad mode: %d %v", status, m)
			}
			if resp, _ := call(t, pm, "POST", base+"/api/v1/accounts/import", strings.NewReader(csv), "Content-Type", "application/json"); resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("JSON body: %d", resp.StatusCode)
			}
			// A file that cannot be read at all is a problem naming the line.
			resp, body := call(t, pm, "POST", base+"/api/v1/accounts/import", strings.NewReader("name\n\"open quote\n"), "Content-Type", "text/csv")
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "line 2") {
				t.Fatalf("bad quote: %d %s", resp.StatusCode, body)
			}

			resp, body = call(t, pm, "GET", base+"/api/v1/accounts/export?industry=API+import", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(body, ",Kestrel Aviation Ltd,kestrel-aviation.example,GB,API import,,\n") || strings.Count(body, "\n") != 2 {
				t.Fatalf("export: %d %s", resp.StatusCode, body)
			}

			contacts := "account_domain,name,email\nkestrel-aviation.example,Kim Kestrel,kim@kestrel-aviation.example\n"
			if status, m = post("/api/v1/contacts/import", contacts); status != 200 || m["imported"] != 1.0 {
				t.Fatalf("contacts: %d %v", status, m)
			}
			resp, body = call(t, pm, "GET", base+"/api/v1/contacts/export?q=kim%40kestrel&of=accounts", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, ",kestrel-aviation.example,,Kim Kestrel,kim@kestrel-aviation.example,\n") {
				t.Fatalf("contact export: %d %s", resp.StatusCode, body)
			}
			if resp, _ := call(t, pm, "GET", base+"/api/v1/contacts/export?of=everyone", nil); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad filter: %d", resp.StatusCode)
			}

			// Partner users may neither import nor export.
			sam := signIn(t, a, base, demo.PartnerEmail)
			for _, r := range []struct{ method, path string }{{"POST", "/api/v1/accounts/import"}, {"POST", "/api/v1/contacts/import"},
				{"GET", "/api/v1/accounts/export"}, {"GET", "/api/v1/contacts/export"}} {
				resp, _ := call(t, sam, r.method, base+r.path, strings.NewReader(contacts), "Content-Type", "text/csv")
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("partner %s %s: %d", r.method, r.path, resp.StatusCode)
				}
			}
		})
	}
}
