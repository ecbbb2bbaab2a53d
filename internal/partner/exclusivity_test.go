package partner

import (
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestExclusivityLimitsAreCheckedAndDefaultToOne(t *testing.T) {
	s := DefaultSettings()
	s.Territories, s.ExclusivityLimits = []string{"Benelux", "US West"}, map[string]int{" us   west ": 3, "benelux": 0, "Atlantis": 2}
	s.normalizeExclusivityLimits()
	if _, ok := s.ExclusivityLimits["US West"]; !ok {
		t.Fatalf("limits not spelled as the territories: %v", s.ExclusivityLimits)
	}
	paths := map[string]bool{}
	for _, f := range tandem.FieldsOf(s.Validate()) {
		paths[f.Path] = true
	}
	if !paths["exclusivity_limits.Benelux"] || !paths["exclusivity_limits.Atlantis"] || paths["exclusivity_limits.US West"] || len(paths) != 2 {
		t.Fatalf("problems %v", paths)
	}
	tests := []struct {
		territory string
		want      int
	}{{"US West", 3}, {"Benelux", DefaultExclusivityLimit}, {"Nordics", DefaultExclusivityLimit}}
	for _, tt := range tests {
		if got := s.ExclusivityLimit(tt.territory); got != tt.want {
			t.Errorf("limit of %s = %d, want %d", tt.territory, got, tt.want)
		}
	}
}

func TestExclusivityIsInForceUntilItExpires(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		expires time.Time
		want    bool
	}{{time.Time{}, true}, {now.Add(time.Second), true}, {now, false}, {now.Add(-time.Hour), false}}
	for _, tt := range tests {
		if got := (Exclusivity{ExpiresAt: tt.expires}).InForce(now); got != tt.want {
			t.Errorf("expiring %v: in force %v, want %v", tt.expires, got, tt.want)
		}
	}
}

func TestLimitReachedCountsHolders(t *testing.T) {
	if got := LimitReached("Benelux", 2, 2); got[:37] != "2 partners already hold exclusivity i" {
		t.Fatalf("%q", got)
	}
}

func TestReconcileGrantsRespellsAndRefusesRemovingHeldTerritories(t *testing.T) {
	tests := []struct {
		name        string
		territories []string
		held        []HeldTerritory
		renames     map[string]string
		refused     bool
	}{
		{"unchanged", []string{"Benelux"}, []HeldTerritory{{"Benelux", 1}}, map[string]string{}, false},
		{"respelled", []string{"BENELUX", "Nordics"}, []HeldTerritory{{"Benelux", 1}}, map[string]string{"Benelux": "BENELUX"}, false},
		{"removed while held", []string{"Nordics"}, []HeldTerritory{{"Benelux", 2}}, map[string]string{}, true},
		{"removed after the grants ended", []string{"Nordics"}, []HeldTerritory{{"Benelux", 0}}, map[string]string{}, false},
	}
	for _, tt := range tests {
		renames, err := ReconcileGrants(tt.territories, tt.held)
		if (err != nil) != tt.refused || len(renames) != len(tt.renames) {
			t.Fatalf("%s: renames %v, err %v", tt.name, renames, err)
		}
		for from, to := range tt.renames {
			if renames[from] != to {
				t.Fatalf("%s: %s renamed to %q, want %q", tt.name, from, renames[from], to)
			}
		}
		if tt.refused {
			if fs := tandem.FieldsOf(err); len(fs) != 1 || fs[0].Path != "territories" {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
	}
}
