package segment

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/tandemprm/tandem/internal/tandem"
)

// DormantRule is the built-in "dormant 60 days" segment as rule text, over a time field
// named last_activity. A partner with no recorded activity is not counted as dormant by
// this rule; write "last_activity older than 60 days or last_activity is empty" to
// include them.
const DormantRule = "last_activity older than 60 days"

// Dormant returns the rule "field older than days days" for a time field of schema.
func Dormant(fields Schema, field string, days int) (*Rule, error) {
	return Parse(fmt.Sprintf("%s older than %d days", field, days), fields)
}

// TopPercent returns the ids of the records in the top pct percent by the number field,
// highest first (ties in id order). Records without a value for the field take no part.
// The number kept is pct percent of the records that have a value, rounded up, so any
// positive percentage of a non-empty population keeps at least one record; every record
// tied with the last one kept is kept too, so the result can be larger. pct must be in
// (0, 100].
func TopPercent(records []Record, field string, pct float64) ([]string, error) {
	if !(pct > 0 && pct <= 100) {
		var p tandem.Problems
		p.Add("percent", "must be more than 0 and at most 100")
		return nil, p.Err("The top-percent segment is not valid.")
	}
	type scored struct {
		id string
		v  float64
	}
	all := make([]scored, 0, len(records))
	for _, r := range records {
		if v, ok := r.Number(field); ok && !math.IsNaN(v) {
			all = append(all, scored{r.ID(), v})
		}
	}
	if len(all) == 0 {
		return []string{}, nil
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	keep := int(math.Ceil(float64(len(all))*pct/100 - 1e-9))
	keep = min(max(keep, 1), len(all))
	cutoff := all[keep-1].v
	for keep < len(all) && all[keep].v == cutoff {
		keep++
	}
	ids := make([]string, keep)
	for i := range ids {
		ids[i] = all[i].id
	}
	return ids, nil
}
