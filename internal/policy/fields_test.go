package policy

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestSafeFieldsExistExactlyForPartnerVisibleKinds(t *testing.T) {
	for _, k := range Kinds() {
		partnerReads := false
		for _, r := range tandem.Roles {
			if r.IsPartner() && RoleAllows(r, k, Read) {
				partnerReads = true
			}
		}
		fields := SafeFields(k)
		switch {
		case kindInfos[k].partner == vendorOnly && fields != nil:
			t.Errorf("%s is vendor-only but has partner-safe fields %v", k, fields)
		case partnerReads && len(fields) == 0:
			t.Errorf("partners may read %s but it has no safe fields", k)
		}
	}
}

func TestSafeFieldsNeverIncludeSensitiveNames(t *testing.T) {
	forbidden := []string{
		"amount_band", "price", "pricing", "discount", "discount_percent", "internal_notes",
		"notes_internal", "match_candidates", "conflicts", "fit_score", "engagement_score",
		"tags", "hash", "secret", "token_hash", "owner_email", "cost",
	}
	for _, k := range Kinds() {
		for _, f := range SafeFields(k) {
			for _, bad := range forbidden {
				if f == bad || len(f) > len(bad) && f[len(f)-len(bad)-1:] == "."+bad {
					t.Errorf("%s lists %q as partner-safe", k, f)
				}
			}
		}
	}
}

func TestSafeFieldsListsNestedFields(t *testing.T) {
	got := SafeFields(Opportunities)
	for _, want := range []string{"stage", "owner_name", "next_step", "protection_expires_at", "partner_notes.body", "map_items.due_on"} {
		if !slices.Contains(got, want) {
			t.Errorf("SafeFields(opportunities) lacks %q: %v", want, got)
		}
	}
	if !slices.IsSorted(got) {
		t.Error("SafeFields is not sorted")
	}
	if SafeFields(InternalNotes) != nil || SafeFields("nonsense") != nil {
		t.Error("kinds without safe fields must give nil")
	}
}

func TestRedactKeepsOnlySafeFields(t *testing.T) {
	expires := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	in := map[string]any{
		"id":                    "opp-1",
		"name":                  "Acme renewal",
		"stage":                 "proposal",
		"owner_name":            "Dana",
		"next_step":             "Security review",
		"protection_expires_at": expires,
		"amount":                125000,
		"amount_band":           "100k-250k",
		"discount_percent":      18.5,
		"internal_notes":        []any{map[string]any{"body": "they are price-sensitive"}},
		"motion":                tandem.MotionResale, // named string type: plain
		"account_name":          map[string]any{"name": "Acme", "arr": 1e6},
		"registration_id":       json.RawMessage(`{"secret":1}`),
		"partner_notes": []any{
			map[string]any{"id": "n1", "body": "Call went well", "visibility": "partner", "author_email": "dana@vendor.example"},
			"not an object",
		},
		"map_items": []map[string]any{
			{"id": "m1", "title": "Legal review", "due_on": "2026-04-20", "internal_risk": "high"},
		},
	}
	before := mustJSON(in)
	got := Redact(Opportunities, in)
	want := map[string]any{
		"id":                    "opp-1",
		"name":                  "Acme renewal",
		"stage":                 "proposal",
		"owner_name":            "Dana",
		"next_step":             "Security review",
		"protection_expires_at": expires,
		"motion":                tandem.MotionResale,
		"partner_notes":         []any{map[string]any{"id": "n1", "body": "Call went well"}},
		"map_items":             []any{map[string]any{"id": "m1", "title": "Legal review", "due_on": "2026-04-20"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Redact:\n got %#v\nwant %#v", got, want)
	}
	if mustJSON(in) != before {
		t.Error("Redact modified its input")
	}
}

func TestRedactShapes(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	name := "x"
	tests := []struct {
		name  string
		value any
		keep  bool
	}{
		{"nil", nil, true},
		{"string", "a", true},
		{"bool", true, true},
		{"int", 3, true},
		{"float", 2.5, true},
		{"time", now, true},
		{"pointer to time", &now, true},
		{"pointer to string", &name, true},
		{"nil pointer", (*string)(nil), true},
		{"string list", []string{"a", "b"}, true},
		{"list of plain any", []any{"a", 1}, true},
		{"map", map[string]any{"a": 1}, false},
		{"list holding a map", []any{"a", map[string]any{}}, false},
		{"struct", struct{ A int }{1}, false},
		{"bytes", []byte("x"), false},
		{"raw json", json.RawMessage(`1`), false},
	}
	for _, tt := range tests {
		got := Redact(PartnerNotes, map[string]any{"body": tt.value})
		_, kept := got["body"]
		if kept != tt.keep {
			t.Errorf("%s in a plain field: kept=%v, want %v", tt.name, kept, tt.keep)
		}
	}
	if got := Redact(Opportunities, map[string]any{"map_items": "text"}); len(got) != 0 {
		t.Errorf("a plain value in a nested field must be dropped, got %v", got)
	}
	if got := Redact(Opportunities, map[string]any{"map_items": nil}); !reflect.DeepEqual(got, map[string]any{"map_items": nil}) {
		t.Errorf("a nil nested field may stay, got %v", got)
	}
	if got := Redact(InternalNotes, map[string]any{"id": "n", "body": "b"}); len(got) != 0 {
		t.Errorf("vendor-only kinds redact to nothing, got %v", got)
	}
}

type noteView struct {
	ID   string    `json:"id"`
	Body string    `json:"body"`
	At   time.Time `json:"created_at"`
	//lint:ignore U1000 present only to show that unexported fields are skipped
	hidden string
}

type planItemView struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	Due   string `json:"due_on"`
}

type opportunityBase struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type safeOpportunityView struct {
	opportunityBase
	Stage     string          `json:"stage"`
	Owner     string          `json:"owner_name"`
	NextStep  *string         `json:"next_step,omitempty"`
	Expires   *time.Time      `json:"protection_expires_at"`
	Notes     []noteView      `json:"partner_notes"`
	Plan      []*planItemView `json:"map_items"`
	Motion    tandem.Motion   `json:"motion"`
	Ignored   float64         `json:"-"`
	Internals map[string]any  `json:"-"`
}

type leakyOpportunityView struct {
	safeOpportunityView
	Amount   int               `json:"amount"`
	Discount float64           // untagged: encoded as "Discount"
	Stage2   map[string]string `json:"next_step"`
	Notes2   string            `json:"map_items"`
	Plan     []struct {
		Title string `json:"title"`
		Risk  string `json:"risk"`
	} `json:"partner_notes"`
}

func TestUnsafeFields(t *testing.T) {
	if bad := UnsafeFields(Opportunities, safeOpportunityView{}); bad != nil {
		t.Errorf("safe view reported unsafe fields: %v", bad)
	}
	if bad := UnsafeFields(Opportunities, &safeOpportunityView{}); bad != nil {
		t.Errorf("pointer to safe view reported unsafe fields: %v", bad)
	}
	got := UnsafeFields(Opportunities, leakyOpportunityView{})
	want := []string{
		"Discount",
		"amount",
		"map_items (plain value in a nested field)",
		"next_step (structured value in a plain field)",
		"partner_notes.risk",
		"partner_notes.title",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnsafeFields(leaky):\n got %q\nwant %q", got, want)
	}
	if bad := UnsafeFields(InternalNotes, noteView{}); len(bad) != 3 {
		t.Errorf("every field of a vendor-only kind is unsafe, got %v", bad)
	}
	if bad := UnsafeFields(Opportunities, map[string]any{}); len(bad) != 1 {
		t.Errorf("a non-struct must be reported, got %v", bad)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
