package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

type thing struct {
	Name string   `json:"name"`
	Tier string   `json:"tier"`
	Tags []string `json:"tags"`
}

func TestDiffListsOnlyChangedFields(t *testing.T) {
	cases := []struct {
		name          string
		before, after any
		want          string
	}{
		{"nothing changed", thing{"A", "Gold", nil}, thing{"A", "Gold", nil}, ""},
		{"one field", thing{"A", "Gold", nil}, thing{"A", "Silver", nil}, `{"tier":{"from":"Gold","to":"Silver"}}`},
		{"creation", nil, thing{"A", "", []string{"x"}}, `{"name":{"from":null,"to":"A"},"tags":{"from":null,"to":["x"]},"tier":{"from":null,"to":""}}`},
		{"deletion", map[string]any{"status": "active"}, nil, `{"status":{"from":"active","to":null}}`},
		{"maps", map[string]any{"a": 1, "b": 2}, map[string]any{"a": 1, "b": 3}, `{"b":{"from":2,"to":3}}`},
	}
	for _, tc := range cases {
		if got := Diff(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: Diff = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestNewTakesRequestFromContext(t *testing.T) {
	ctx := reqid.WithIP(reqid.With(context.Background(), "req-1"), "192.0.2.7")
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	a := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_1", UserID: "usr_1", Role: tandem.RoleAdmin}
	e := New(ctx, a, "Ada", now, "partner.update", "partner", "prt_1", thing{Tier: "Gold"}, thing{Tier: "Platinum"}, "met revenue target")
	if e.WorkspaceID != "ws_1" || e.ActorID != "usr_1" || e.ActorType != "user" || e.RequestID != "req-1" || e.IP != "192.0.2.7" {
		t.Fatalf("entry %+v", e)
	}
	if !strings.HasPrefix(e.ID, "aud_") || !strings.Contains(e.Changes, "Platinum") || e.Rationale != "met revenue target" {
		t.Fatalf("entry %+v", e)
	}
	tok := policy.Actor{Kind: policy.ActorToken, WorkspaceID: "ws_1", TokenID: "tok1"}
	if ActorID(tok) != "tok1" || ActorID(policy.System("ws_1")) != "system" {
		t.Fatal("actor ids")
	}
}
