package app

import (
	"net/http/httptest"
	"testing"
)

// TestUploadLimitCoversOnlyUploadRoutes: the larger body limit is for the three
// upload routes, posted to, and nothing else that merely ends alike.
func TestUploadLimitCoversOnlyUploadRoutes(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         int64
	}{
		{"POST", "/api/v1/opportunities/opp_1/attachments", UploadBytes},
		{"POST", "/w/demo/pipeline/opp_1/attachments", UploadBytes},
		{"POST", "/w/demo/portal/pipeline/opp_1/attachments?x=1", UploadBytes},
		{"GET", "/api/v1/opportunities/opp_1/attachments", 0},
		{"POST", "/w/demo/settings/stages/attachments", 0},
		{"POST", "/w/demo/portal/contacts/attachments", 0},
		{"POST", "/w/demo/pipeline/opp_1/attachments/att_1/remove", 0},
		{"POST", "/api/v1/opportunities/opp_1/x/attachments", 0},
	} {
		if got := uploadLimit(httptest.NewRequest(c.method, c.path, nil)); got != c.want {
			t.Errorf("%s %s: limit %d, want %d", c.method, c.path, got, c.want)
		}
	}
}
