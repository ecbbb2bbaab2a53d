package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestCriteriaLinesRoundTrip(t *testing.T) {
	m, _ := stage.Default(tandem.MotionServices)
	for _, s := range m.Stages {
		got, _ := parseCriteriaLines(criteriaLines(s.Exit))
		if !slices.Equal(got, s.Exit) && len(s.Exit)+len(got) > 0 {
			t.Errorf("%s: %+v, want %+v", s.Key, got, s.Exit)
		}
	}
	got, lines := parseCriteriaLines("\n  Field: next_step \n\nmilestone:kickoff| The kickoff is held |\nregistration_approved\n")
	want := []stage.Criterion{{Kind: "field", Key: "next_step"}, {Kind: "milestone", Key: "kickoff", Label: "The kickoff is held |"}, {Kind: "registration_approved"}}
	if !slices.Equal(got, want) || !slices.Equal(lines, []int{2, 4, 5}) {
		t.Errorf("parsed %+v at %v", got, lines)
	}
}

// FuzzParseCriteriaLines feeds the exit-criteria box of the stage editor arbitrary
// text: parsing never fails or panics, keeps one criterion per non-blank line with
// its line number, and what it returns is judged by stage validation without panic.
func FuzzParseCriteriaLines(f *testing.F) {
	for _, m := range stage.Defaults() {
		for _, s := range m.Stages {
			f.Add(criteriaLines(s.Exit))
		}
	}
	f.Add("field: discount | A granted discount\n\n attribution \nmilestone: a|b|c")
	f.Add(":|\n|:\n\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		cs, lines := parseCriteriaLines(text)
		if len(cs) != len(lines) {
			t.Fatalf("%d criteria, %d line numbers", len(cs), len(lines))
		}
		nonBlank := 0
		for _, l := range strings.Split(text, "\n") {
			if strings.TrimSpace(l) != "" {
				nonBlank++
			}
		}
		if nonBlank != len(cs) {
			t.Fatalf("%d non-blank lines, %d criteria", nonBlank, len(cs))
		}
		m := stage.Model{Motion: tandem.MotionTech, Stages: []stage.Stage{{Key: "a", Label: "A", Exit: cs}, {Key: "b", Label: "B"}}}
		if err := m.Validate(); err != nil && tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("validation kind %q: %v", tandem.KindOf(err), err)
		}
	})
}

func TestStageFormModelSortsDropsAndPlacesProblems(t *testing.T) {
	f := stageForm{Errors: map[string]string{}, WonAt: "won", Rows: []stageRow{
		{N: 0, Order: "2", Key: "qualified", Label: "Qualified", Exit: "field: amount\n\nfield: nope"},
		{N: 1, Order: "1", Key: "intro", Label: "Intro"},
		{N: 2, Order: "3", Key: "gone", Label: "Gone", Remove: true},
		{N: 3, Order: "", Key: "", Label: "", Exit: "  "},
		{N: 4, Order: "4", Key: "won", Label: "Won"},
	}}
	md, rowOf, lineOf, lost := f.model(tandem.MotionReferral)
	var keys []string
	for _, s := range md.Stages {
		keys = append(keys, s.Key)
	}
	if !slices.Equal(keys, []string{"intro", "qualified", "won"}) || !slices.Equal(rowOf, []int{1, 0, 4}) {
		t.Fatalf("stages %v from rows %v", keys, rowOf)
	}
	f.place(tandem.FieldsOf(md.Validate()), rowOf, lineOf, lost)
	if len(f.Rows[0].Errors) != 1 || !strings.HasPrefix(f.Rows[0].Errors[0], "exit criteria, line 3: unknown field") {
		t.Errorf("row errors: %+v", f.Rows[0].Errors)
	}
}
