package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func start(t *testing.T, e storetest.Engine) (*app.App, string) { return apptest.Start(t, e) }

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServerHealthReadinessMetricsAndHeaders(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			if !a.DemoLoaded {
				t.Error("the first start on an empty database did not load the demo workspace")
			}
			resp, body := get(t, base+"/healthz")
			if resp.StatusCode != 200 || body != "ok\n" {
				t.Errorf("/healthz = %d %q", resp.StatusCode, body)
			}
			resp, body = get(t, base+"/readyz")
			if resp.StatusCode != 200 || body != "ready\n" {
				t.Errorf("/readyz = %d %q", resp.StatusCode, body)
			}
			for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "X-Request-Id"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("missing security header %s", h)
				}
			}
			get(t, base+"/api/v1")
			_, metrics := get(t, base+"/metrics")
			for _, want := range []string{
				`tandem_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`,
				`tandem_http_request_duration_seconds_bucket{method="GET",route="GET /api/v1"`,
				"go_sql_open_connections", "tandem_jobs_ready", "tandem_jobs_lag_seconds",
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
			// SQLite's writer queue is reported; the migrations and demo load wrote
			// through it before the server answered.
			if e.Name == "sqlite" {
				if !regexp.MustCompile(`tandem_db_writer_transactions_total\{class="request"\} [1-9]`).MatchString(metrics) ||
					!strings.Contains(metrics, `tandem_db_writer_wait_seconds_total{class="background"}`) {
					t.Errorf("/metrics lacks the writer queue:\n%s", metrics)
				}
			} else if strings.Contains(metrics, "tandem_db_writer_") {
				t.Error("PostgreSQL has no writer queue to report")
			}
		})
	}
}

func TestPagesAndNotFound(t *testing.T) {
	_, base := start(t, storetest.Engines()[0])
	resp, body := get(t, base+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Partner programs that run themselves") || !strings.Contains(body, `name="viewport"`) {
		t.Errorf("home page: %d", resp.StatusCode)
	}
	resp, body = get(t, base+"/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
	resp, body = get(t, base+"/api/v1/nothing")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown API path: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = get(t, base+"/static/tandem.css")
	if resp.StatusCode != 200 || !strings.Contains(body, "@media print") || !strings.Contains(body, "@media (max-width: 640px)") {
		t.Errorf("stylesheet: %d", resp.StatusCode)
	}
	// The console is for signed-in people only.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := c.Get(base + "/w/demo/partners")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Errorf("console without sign-in: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestProtectedAPIRoutesNeedAToken(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	for _, rt := range a.API.Routes() {
		if rt.Public {
			continue
		}
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(rt.Path, "x")
		req, _ := http.NewRequest(rt.Method, base+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p api.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != 401 || p.Status != 401 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s without a token: %d %+v", rt.Method, rt.Path, resp.StatusCode, p)
		}
	}
}

// TestOpenAPIMatchesRoutes fails when a registered API route is missing from the
// OpenAPI document, or the document describes a route that is not served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	_, body := get(t, base+"/api/openapi.json")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range a.API.Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	sort.Strings(documented)
	sort.Strings(served)
	for _, s := range served {
		if !slices.Contains(documented, s) {
			t.Errorf("route %s is served but not in openapi.json", s)
		}
	}
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("openapi.json documents %s, which is not served", d)
		}
	}
}
