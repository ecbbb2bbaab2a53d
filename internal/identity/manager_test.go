package identity

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestCheckManagerRefusesLoopsInTheReportingLine(t *testing.T) {
	// ada ← bob ← cy (cy reports to bob, bob to ada); dee reports to nobody.
	managers := map[string]string{"bob": "ada", "cy": "bob"}
	names := map[string]string{"ada": "Ada", "bob": "Bob", "cy": "Cy"}
	tests := []struct {
		name, user, manager string
		loop                string // the loop the refusal names; empty: allowed
	}{
		{"a first manager", "dee", "cy", ""},
		{"clearing", "bob", "", ""},
		{"moving under a peer", "cy", "ada", ""},
		{"oneself", "ada", "ada", "own manager"},
		{"one's report", "bob", "cy", "Bob → Cy → Bob"},
		{"the top under the bottom", "ada", "cy", "Ada → Cy → Bob → Ada"},
		{"unknown names fall back to ids", "ada", "bob", "Ada → Bob → Ada"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckManager(managers, names, tt.user, tt.manager)
			if tt.loop == "" {
				if err != nil {
					t.Fatalf("refused: %v", tandem.FieldsOf(err))
				}
				return
			}
			fs := tandem.FieldsOf(err)
			if len(fs) != 1 || fs[0].Path != "manager_id" || !strings.Contains(fs[0].Detail, tt.loop) {
				t.Fatalf("got %v, want a refusal naming %q", fs, tt.loop)
			}
		})
	}
	// A loop elsewhere (made before this check existed) does not hang the check.
	if err := CheckManager(map[string]string{"x": "y", "y": "x"}, nil, "dee", "x"); err != nil {
		t.Fatalf("a loop not involving dee: %v", err)
	}
}
