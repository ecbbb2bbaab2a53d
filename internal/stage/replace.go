package stage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Occupancy is how many opportunities of one motion sit in one stage, by whether
// they are still being won (Open) or already won (Won). Closed-lost opportunities are
// never counted: they sit in Lost, which every model has.
type Occupancy struct {
	Open int `json:"open"`
	Won  int `json:"won"`
}

// Change summarises what replacing one model of a motion by another does to its
// stages, for confirmations and the audit log: the stage keys removed (including keys
// renamed away), the keys added, and whether the order, labels, exit criteria, won
// stage or lost criteria changed.
type Change struct {
	Removed   []string `json:"removed,omitempty"`
	Added     []string `json:"added,omitempty"`
	Reordered bool     `json:"reordered,omitempty"`
	Relabeled bool     `json:"relabeled,omitempty"`
	Criteria  bool     `json:"criteria,omitempty"`
	WonAt     bool     `json:"won_at,omitempty"`
}

// Empty reports whether nothing changes.
func (c Change) Empty() bool {
	return len(c.Removed) == 0 && len(c.Added) == 0 && !c.Reordered && !c.Relabeled && !c.Criteria && !c.WonAt
}

// String says what changed in a short phrase for the audit log, such as "removed
// quoted; added quote_sent; reordered", or "no change".
func (c Change) String() string {
	var parts []string
	if len(c.Removed) > 0 {
		parts = append(parts, "removed "+strings.Join(c.Removed, ", "))
	}
	if len(c.Added) > 0 {
		parts = append(parts, "added "+strings.Join(c.Added, ", "))
	}
	for _, p := range []struct {
		on   bool
		text string
	}{{c.Reordered, "reordered"}, {c.Relabeled, "relabelled"}, {c.Criteria, "exit criteria changed"}, {c.WonAt, "won stage changed"}} {
		if p.on {
			parts = append(parts, p.text)
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

// Compare returns what replacing old by next changes. Stages are matched by key, so a
// renamed key shows as one stage removed and one added.
func Compare(old, next Model) Change {
	var c Change
	var kept []string
	for _, s := range old.Stages {
		j := next.Index(s.Key)
		if j < 0 {
			c.Removed = append(c.Removed, s.Key)
			continue
		}
		kept = append(kept, s.Key)
		n := next.Stages[j]
		if n.Label != s.Label {
			c.Relabeled = true
		}
		if !slices.Equal(n.Exit, s.Exit) {
			c.Criteria = true
		}
	}
	var keptNext []string
	for _, s := range next.Stages {
		if old.Index(s.Key) < 0 {
			c.Added = append(c.Added, s.Key)
		} else {
			keptNext = append(keptNext, s.Key)
		}
	}
	c.Reordered = !slices.Equal(kept, keptNext)
	if !slices.Equal(old.LostCriteria, next.LostCriteria) {
		c.Criteria = true
	}
	for _, s := range old.Stages {
		if next.Index(s.Key) >= 0 && old.Won(s.Key) != next.Won(s.Key) {
			c.WonAt = true
		}
	}
	if old.wonIndex() >= 0 && next.wonIndex() >= 0 && len(old.Stages) > 0 && len(next.Stages) > 0 &&
		old.Stages[old.wonIndex()].Key != next.Stages[next.wonIndex()].Key {
		c.WonAt = true
	}
	return c
}

// CheckReplace says whether a workspace may replace its model old of a motion by next
// while the motion's opportunities sit in stages as counted by in (stage key →
// Occupancy). It returns nil when it may, and otherwise a KindConflict error listing
// every reason at once, each naming the stage by its label and key and how many
// opportunities hold it back:
//   - a stage of old that next no longer has (removed, or its key renamed) may not
//     hold open opportunities; move them to another stage first;
//   - a kept stage holding open opportunities may not become a won stage (won_at moved
//     earlier), and one holding won opportunities may not become an open stage (won_at
//     moved later), since their status would no longer match their stage.
//
// Reordering, relabelling and editing exit criteria are always allowed. Won
// opportunities in a removed stage stay won and keep their stage key. Counts for keys
// old does not have are ignored: such opportunities already sit outside the model.
func CheckReplace(old, next Model, in map[string]Occupancy) error {
	var probs tandem.Problems
	for _, s := range old.Stages {
		n := in[s.Key]
		j := next.Index(s.Key)
		name := fmt.Sprintf("“%s” (%s)", s.Label, s.Key)
		switch {
		case j < 0 && n.Open > 0:
			probs.Add("stages", "stage %s holds %s; move %s to another stage before removing it or renaming its key",
				name, count(n.Open, "open opportunity", "open opportunities"), them(n.Open))
		case j < 0:
		case n.Open > 0 && next.Won(s.Key):
			probs.Add("won_at", "stage %s holds %s, which would count as won; move %s first or keep the won stage later",
				name, count(n.Open, "open opportunity", "open opportunities"), them(n.Open))
		case n.Won > 0 && next.Open(s.Key):
			probs.Add("won_at", "stage %s holds %s, which would count as open again; keep the won stage at or before it",
				name, count(n.Won, "won opportunity", "won opportunities"))
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &tandem.Error{Kind: tandem.KindConflict, Fields: probs,
		Message: fmt.Sprintf("The %s stage model cannot be saved while opportunities sit in the stages it changes.", old.Motion.Label())}
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
