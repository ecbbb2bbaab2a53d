package stage

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Resale default: registered, qualified, quoted, transacting (open), launched (won).
func TestCheckReplace(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m *Model)
		in     map[string]Occupancy
		paths  []string
		detail string // a fragment of the first problem
	}{
		{"unchanged with deals everywhere", func(m *Model) {}, map[string]Occupancy{"registered": {Open: 3}, "launched": {Won: 9}}, nil, ""},
		{"reorder and relabel an occupied stage", func(m *Model) {
			m.Stages[0], m.Stages[1] = m.Stages[1], m.Stages[0]
			m.Stages[0].Label = "Demand confirmed"
			m.Stages[0].Exit = nil
		}, map[string]Occupancy{"qualified": {Open: 4}}, nil, ""},
		{"remove an empty stage", func(m *Model) { m.Stages = slices.Delete(m.Stages, 1, 2) }, map[string]Occupancy{"registered": {Open: 2}}, nil, ""},
		{"remove a stage with open deals", func(m *Model) { m.Stages = slices.Delete(m.Stages, 1, 2) },
			map[string]Occupancy{"qualified": {Open: 3}}, []string{"stages"}, "stage “Demand qualified” (qualified) holds 3 open opportunities"},
		{"rename the key of a stage with one open deal", func(m *Model) { m.Stages[2].Key = "quote_sent" },
			map[string]Occupancy{"quoted": {Open: 1}}, []string{"stages"}, "holds 1 open opportunity; move it"},
		{"remove two occupied stages", func(m *Model) { m.Stages = m.Stages[2:] },
			map[string]Occupancy{"registered": {Open: 1}, "qualified": {Open: 2}}, []string{"stages", "stages"}, "(registered)"},
		{"remove a stage holding only won deals", func(m *Model) { m.Stages, m.WonAt = m.Stages[:4], "transacting" },
			map[string]Occupancy{"launched": {Won: 5}, "transacting": {}}, nil, ""},
		{"won stage moved before open deals", func(m *Model) { m.WonAt = "transacting" },
			map[string]Occupancy{"transacting": {Open: 2}}, []string{"won_at"}, "holds 2 open opportunities, which would count as won"},
		{"won stage moved after won deals", func(m *Model) {
			m.Stages = append(m.Stages, Stage{Key: "expanded", Label: "Expanded"})
			m.WonAt = "expanded"
		}, map[string]Occupancy{"launched": {Won: 1}}, []string{"won_at"}, "1 won opportunity, which would count as open again"},
		{"won stage moved later with nothing in the way", func(m *Model) {
			m.Stages = append(m.Stages, Stage{Key: "expanded", Label: "Expanded"})
			m.WonAt = "expanded"
		}, map[string]Occupancy{"registered": {Open: 7}}, nil, ""},
		{"stages the old model lacks are ignored", func(m *Model) {}, map[string]Occupancy{"legacy": {Open: 3}}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, next := resale(), resale()
			tt.edit(&next)
			err := CheckReplace(old, next, tt.in)
			if !slices.Equal(paths(err), tt.paths) {
				t.Fatalf("paths = %v, want %v (%v)", paths(err), tt.paths, err)
			}
			if err == nil {
				return
			}
			if tandem.KindOf(err) != tandem.KindConflict {
				t.Errorf("kind = %q, want conflict", tandem.KindOf(err))
			}
			if d := tandem.FieldsOf(err)[0].Detail; !strings.Contains(d, tt.detail) {
				t.Errorf("detail %q does not say %q", d, tt.detail)
			}
		})
	}
}

func TestChangeString(t *testing.T) {
	c := Change{Removed: []string{"quoted"}, Added: []string{"quote_sent", "signed"}, Reordered: true, WonAt: true}
	if got, want := c.String(), "removed quoted; added quote_sent, signed; reordered; won stage changed"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *Model)
		want Change
	}{
		{"nothing", func(m *Model) {}, Change{}},
		{"relabel", func(m *Model) { m.Stages[1].Label = "Qualified" }, Change{Relabeled: true}},
		{"reorder", func(m *Model) { m.Stages[0], m.Stages[1] = m.Stages[1], m.Stages[0] }, Change{Reordered: true}},
		{"rename a key", func(m *Model) { m.Stages[2].Key = "quote_sent" }, Change{Removed: []string{"quoted"}, Added: []string{"quote_sent"}}},
		{"exit criterion dropped", func(m *Model) { m.Stages[2].Exit = m.Stages[2].Exit[:1] }, Change{Criteria: true}},
		{"lost criteria dropped", func(m *Model) { m.LostCriteria = nil }, Change{Criteria: true}},
		{"won stage earlier", func(m *Model) { m.WonAt = "transacting" }, Change{WonAt: true}},
		{"won stage by default is the last", func(m *Model) { m.WonAt = "" }, Change{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := resale()
			tt.edit(&next)
			got := Compare(resale(), next)
			if !slices.Equal(got.Removed, tt.want.Removed) || !slices.Equal(got.Added, tt.want.Added) || got.Reordered != tt.want.Reordered ||
				got.Relabeled != tt.want.Relabeled || got.Criteria != tt.want.Criteria || got.WonAt != tt.want.WonAt {
				t.Errorf("Compare = %+v, want %+v", got, tt.want)
			}
			if got.Empty() != (got.String() == "no change") {
				t.Errorf("String() = %q for %+v", got.String(), got)
			}
			if got.Empty() != (tt.name == "nothing" || tt.name == "won stage by default is the last") {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}
