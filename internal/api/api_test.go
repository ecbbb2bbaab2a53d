package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/server"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// setup serves the API for a workspace whose every caller is "tester".
func setup(t *testing.T, db *store.DB) (*httptest.Server, *store.DB) {
	t.Helper()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ws := workspace.Workspace{ID: "ws_1", Slug: "one", Name: "One", TimeZone: "UTC", Currency: "EUR", CreatedAt: now, UpdatedAt: now}
	if err := db.Tx(context.Background(), func(tx *sql.Tx) error { return db.CreateWorkspace(context.Background(), tx, ws) }); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Options{DB: db, MaxBodyBytes: 2048})
	auth := func(*http.Request) (api.Principal, error) {
		return api.Principal{Actor: policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_tester", Role: tandem.RoleAdmin}, Name: "Tester"}, nil
	}
	rt := api.NewRouter(srv.Mux, db, auth, time.Now)
	api.RegisterIndex(rt, "test")
	api.RegisterPartners(rt, &partner.Service{Store: store.Partners{DB: db}, Now: time.Now},
		&partner.Segments{Store: store.Segments{DB: db}, Partners: store.Partners{DB: db}, Now: time.Now})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs, db
}

type result struct {
	status  int
	header  http.Header
	problem api.Problem
	body    string
}

func do(t *testing.T, method, url, contentType, body string, headers ...string) result {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(b, &r.problem); err != nil {
			t.Fatalf("problem body is not JSON: %s", b)
		}
	}
	return r
}

func TestBadRequestBodiesAreClearProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs, _ := setup(t, db)
		url := hs.URL + "/api/v1/partners"
		cases := []struct {
			name, ct, body string
			status         int
			path, detail   string
		}{
			{"wrong content type", "text/plain", `{"name":"A"}`, 415, "", "must be JSON"},
			{"no content type", "", `{"name":"A"}`, 415, "", "must be JSON"},
			{"malformed", "application/json", `{"name":`, 400, "", "ends in the middle"},
			{"syntax", "application/json", `{"name" "A"}`, 400, "", "not valid JSON at byte"},
			{"empty", "application/json", ``, 400, "", "empty"},
			{"two values", "application/json", `{"name":"A"} {}`, 400, "", "exactly one JSON value"},
			{"unknown field", "application/json", `{"name":"A","tierr":"Gold"}`, 422, "tierr", ""},
			{"wrong type", "application/json", `{"name":42}`, 422, "name", "must be a string"},
			{"too large", "application/json", `{"name":"` + strings.Repeat("x", 4000) + `"}`, 413, "", "larger than the limit"},
			{"invalid values", "application/json", `{"name":" ","motions":["resale","barter","resale"],"lifecycle":"gone"}`, 422, "name", ""},
		}
		for _, tc := range cases {
			r := do(t, "POST", url, tc.ct, tc.body)
			if r.status != tc.status || r.problem.Status != tc.status {
				t.Errorf("%s: status %d, problem %+v; want %d", tc.name, r.status, r.problem, tc.status)
				continue
			}
			if tc.path != "" && (len(r.problem.Errors) == 0 || r.problem.Errors[0].Path != tc.path) {
				t.Errorf("%s: errors %+v, want first path %q", tc.name, r.problem.Errors, tc.path)
			}
			if tc.detail != "" && !strings.Contains(r.problem.Detail+fmt.Sprint(r.problem.Errors), tc.detail) {
				t.Errorf("%s: detail %q lacks %q", tc.name, r.problem.Detail, tc.detail)
			}
		}
		r := do(t, "POST", url, "application/json", `{"name":" ","motions":["resale","barter","resale"],"lifecycle":"gone"}`)
		var paths []string
		for _, e := range r.problem.Errors {
			paths = append(paths, e.Path)
		}
		if strings.Join(paths, ",") != "name,motions[1],motions[2],lifecycle" {
			t.Errorf("every invalid field must be named at once; got %v", paths)
		}
		list := do(t, "GET", url, "", "")
		if !strings.Contains(list.body, `"data":[]`) {
			t.Errorf("rejected requests wrote something: %s", list.body)
		}
	})
}

func TestKeysetPaginationWalksEveryPartnerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs, _ := setup(t, db)
		for i := 0; i < 7; i++ {
			r := do(t, "POST", hs.URL+"/api/v1/partners", "application/json", fmt.Sprintf(`{"name":"P%d","motions":["tech"]}`, i))
			if r.status != 201 || r.header.Get("Location") == "" {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			time.Sleep(2 * time.Millisecond) // ids order by creation millisecond
		}
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			r := do(t, "GET", hs.URL+"/api/v1/partners?limit=3&cursor="+cursor, "", "")
			var l api.List[struct{ ID, Name string }]
			if err := json.Unmarshal([]byte(r.body), &l); err != nil {
				t.Fatal(err)
			}
			for _, p := range l.Data {
				if seen[p.ID] {
					t.Fatalf("partner %s listed twice", p.ID)
				}
				seen[p.ID] = true
			}
			if l.NextCursor == "" {
				if pages != 2 || len(seen) != 7 {
					t.Fatalf("%d pages, %d partners; want 3 pages of 7", pages+1, len(seen))
				}
				break
			}
			cursor = l.NextCursor
		}
		for _, q := range []string{"limit=0", "limit=500", "limit=x", "cursor=!!!", "motion=barter"} {
			r := do(t, "GET", hs.URL+"/api/v1/partners?"+q, "", "")
			if r.status != 422 || len(r.problem.Errors) != 1 {
				t.Errorf("?%s: %d %+v", q, r.status, r.problem)
			}
		}
	})
}

func TestIdempotencyKeyReplaysTheFirstResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs, _ := setup(t, db)
		url := hs.URL + "/api/v1/partners"
		first := do(t, "POST", url, "application/json", `{"name":"Once"}`, "Idempotency-Key", "k-1")
		again := do(t, "POST", url, "application/json", `{"name":"Once"}`, "Idempotency-Key", "k-1")
		if first.status != 201 || again.status != 201 || first.body != again.body || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("first %d %s / again %d %s", first.status, first.body, again.status, again.body)
		}
		other := do(t, "POST", url, "application/json", `{"name":"Different"}`, "Idempotency-Key", "k-1")
		if other.status != 422 || other.problem.Errors[0].Path != "Idempotency-Key" {
			t.Fatalf("reused key with another body: %d %+v", other.status, other.problem)
		}
		bad := do(t, "POST", url, "application/json", `{"name":"X"}`, "Idempotency-Key", "has space")
		if bad.status != 422 {
			t.Fatalf("bad key accepted: %d", bad.status)
		}
		// Concurrent retries with one key create exactly one partner.
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				do(t, "POST", url, "application/json", `{"name":"Racer"}`, "Idempotency-Key", "race")
			}()
		}
		wg.Wait()
		list := do(t, "GET", url+"?q=Racer", "", "")
		if n := strings.Count(list.body, `"name":"Racer"`); n != 1 {
			t.Fatalf("%d partners created by concurrent retries of one key", n)
		}
		all := do(t, "GET", url, "", "")
		if n := strings.Count(all.body, `"name":"Once"`); n != 1 {
			t.Fatalf("%d partners named Once", n)
		}
	})
}
