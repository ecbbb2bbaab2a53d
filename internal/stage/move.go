package stage

import (
	"fmt"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Facts is what is true of an opportunity when a stage change is asked for. The service
// layer builds it from the opportunity, its attribution, its mutual action plan, its
// attachments and its registration.
type Facts struct {
	Fields               map[string]bool // field key → has a value
	Sourced              bool            // a sourcing partner is recorded
	Influenced           bool            // an influencing partner is recorded
	Milestones           map[string]bool // MAP milestone key → done
	Attachments          map[string]bool // attachment kind → at least one present
	RegistrationApproved bool
}

// Met reports whether the facts satisfy criterion c. Unknown kinds are never met.
func (f Facts) Met(c Criterion) bool {
	switch c.Kind {
	case KindField:
		return f.Fields[c.Key]
	case KindAttribution:
		switch c.Key {
		case "sourced":
			return f.Sourced
		case "influenced":
			return f.Influenced
		}
		return f.Sourced || f.Influenced
	case KindMilestone:
		return f.Milestones[c.Key]
	case KindAttachment:
		return f.Attachments[c.Key]
	case KindRegistration:
		return f.RegistrationApproved
	}
	return false
}

// Missing is one unmet criterion that blocks a move.
type Missing struct {
	Stage     string    // key of the stage whose exit (or Lost) requires it
	Criterion Criterion //
	Text      string    // the requirement as people read it
	Path      string    // where it points in the opportunity's JSON ("next_step", "milestones.go_live")
}

// Missing returns every criterion that blocks moving an opportunity of model m from
// stage from to stage to, given facts f; an empty list means the move is allowed. It
// returns a KindInvalid error when the move itself is impossible (see CheckMove).
func (m Model) Missing(from, to string, f Facts) ([]Missing, error) {
	fi, ti := m.Index(from), m.Index(to)
	var probs tandem.Problems
	if from != "" && from != Lost && fi < 0 {
		probs.Add("from", "unknown stage %q", from)
	}
	if to == "" || (to != Lost && ti < 0) {
		probs.Add("to", "unknown stage %q", to)
	}
	if err := probs.Err("That stage change is not possible."); err != nil {
		return nil, err
	}
	if from == to {
		return nil, nil
	}
	var need []Missing
	seen := map[Criterion]bool{}
	check := func(stageKey string, cs []Criterion) {
		for _, c := range cs {
			id := Criterion{Kind: c.Kind, Key: c.Key}
			if seen[id] || f.Met(c) {
				continue
			}
			seen[id] = true
			need = append(need, Missing{Stage: stageKey, Criterion: c, Text: c.Text(), Path: c.path()})
		}
	}
	switch {
	case to == Lost:
		if fi >= 0 && m.Won(from) {
			return nil, tandem.Invalid("That stage change is not possible.", tandem.FieldError{Path: "to",
				Detail: fmt.Sprintf("a won opportunity (%s) cannot be marked lost; move it back to an open stage first", m.Label(from))})
		}
		check(Lost, m.LostCriteria)
	case fi < 0: // new, or reopened from Lost: every stage before the target must be passed
		for _, s := range m.Stages[:ti] {
			check(s.Key, s.Exit)
		}
	case ti > fi: // forward, possibly skipping stages
		for _, s := range m.Stages[fi:ti] {
			check(s.Key, s.Exit)
		}
	}
	return need, nil
}

// CheckMove says whether an opportunity of model m may move from stage from to stage to,
// given facts f. It returns nil when it may, and otherwise a KindInvalid error: either
// one naming "from" or "to" when the move is impossible (an unknown stage, or a won
// opportunity marked lost), or one listing every missing criterion, each once, with the
// path it points at and a sentence saying what is needed and for which stage.
//
// The rules:
//   - staying in the same stage is always allowed;
//   - moving forward checks the exit criteria of the current stage and of every stage
//     skipped over;
//   - moving backward is always allowed (a deal can slip; the stage history records it);
//     moving from a won stage back to an open one reopens the deal;
//   - from "" (a new opportunity) or from Lost (reopening), the exit criteria of every
//     stage before the target are checked, as if the deal had walked the whole way;
//   - an open opportunity (or a new one) may move to Lost when m.LostCriteria hold; a
//     won one may not.
func CheckMove(m Model, from, to string, f Facts) error {
	need, err := m.Missing(from, to, f)
	if err != nil || len(need) == 0 {
		return err
	}
	var probs tandem.Problems
	for _, n := range need {
		probs.Add(n.Path, "%s (needed to leave %s)", n.Text, m.Label(n.Stage))
	}
	if to == Lost {
		for i := range probs {
			probs[i].Detail = fmt.Sprintf("%s (needed to close as lost)", need[i].Text)
		}
	}
	return probs.Err(fmt.Sprintf("The opportunity cannot move to %s yet: %d requirement(s) missing.", m.Label(to), len(need)))
}
