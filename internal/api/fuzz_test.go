package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/api"
)

// FuzzDecode feeds arbitrary bodies to the JSON decoder: it must never panic, and every
// failure must be a 4xx problem, never a 500.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"A"}`, `{"name":`, `[]`, `{"motions":[1]}`, `{"name":"A"} x`, "\xff\xfe", `{"a":{"b":[[[[`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 1<<16)
		var v struct {
			Name    string   `json:"name"`
			Motions []string `json:"motions"`
		}
		err := api.Decode(req, &v)
		if err == nil {
			return
		}
		rec := httptest.NewRecorder()
		api.WriteError(rec, req, err)
		if rec.Code < 400 || rec.Code > 499 {
			t.Fatalf("body %q gave status %d", body, rec.Code)
		}
	})
}
