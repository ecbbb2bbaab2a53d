package attribution

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Kind says how a partner contributed to an opportunity.
type Kind string

// The kinds of partner contribution.
const (
	Sourced    Kind = "sourced"    // the partner originated the opportunity
	Influenced Kind = "influenced" // the partner helped move it without originating it
)

// Entry is one partner's credit on one opportunity.
type Entry struct {
	PartnerID string  `json:"partner_id"`
	Kind      Kind    `json:"kind"`
	Percent   Percent `json:"percent"`
}

// TotalRule says how the percentages of an opportunity's entries must add up.
type TotalRule string

// The total rules.
const (
	TotalExactly TotalRule = "exactly" // the sum must equal Config.TotalPercent
	TotalAtMost  TotalRule = "at_most" // the sum must not exceed Config.TotalPercent
)

// Scope says which entries are added up for the total.
type Scope string

// The scopes of the total.
const (
	ScopeAll     Scope = "all"      // every entry together
	ScopePerKind Scope = "per_kind" // sourced entries and influenced entries separately
)

// Config is a workspace's attribution rules.
type Config struct {
	// AllowSplitSourcing lets more than one partner be sourced on one opportunity.
	AllowSplitSourcing bool `json:"allow_split_sourcing"`
	// Total and TotalPercent constrain the sum of percentages; Scope says which sum.
	// An opportunity without entries satisfies every total.
	Total        TotalRule `json:"total"`
	TotalPercent Percent   `json:"total_percent"`
	Scope        Scope     `json:"scope"`
	// MaxEntries is the most partners one opportunity may credit.
	MaxEntries int `json:"max_entries"`
}

// DefaultConfig returns the rules a new workspace starts with: one sourcing partner,
// percentages adding up to at most 100 across all partners, at most 10 partners.
func DefaultConfig() Config {
	return Config{Total: TotalAtMost, TotalPercent: Hundred, Scope: ScopeAll, MaxEntries: 10}
}

// Limits on a Config.
const (
	maxTotal      = 10 * Hundred
	maxMaxEntries = 100
	maxConfigJSON = 4 << 10
)

// Validate reports every problem with the rules at once, as a KindInvalid error with
// JSON field paths, or nil.
func (c Config) Validate() error {
	var probs tandem.Problems
	switch c.Total {
	case TotalExactly, TotalAtMost:
	default:
		probs.Add("total", "unknown rule %q: use exactly or at_most", c.Total)
	}
	if c.TotalPercent <= 0 || c.TotalPercent > maxTotal {
		probs.Add("total_percent", "must be above 0 and at most %s", maxTotal)
	}
	switch c.Scope {
	case ScopeAll, ScopePerKind:
	default:
		probs.Add("scope", "unknown scope %q: use all or per_kind", c.Scope)
	}
	if c.MaxEntries < 1 || c.MaxEntries > maxMaxEntries {
		probs.Add("max_entries", "must be between 1 and %d", maxMaxEntries)
	}
	return probs.Err("The attribution settings are not valid.")
}

// ParseConfig decodes attribution rules from JSON and validates them. Fields left out
// keep the values of DefaultConfig; unknown fields, trailing data and documents over
// 4 KiB are refused. Every error is KindInvalid.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	if err := tandem.DecodeSettings(data, maxConfigJSON, "The attribution settings", &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Path is the field path under which Validate reports entries ("attribution[1].percent").
const Path = "attribution"

// Validate checks an opportunity's attribution entries against the workspace's rules and
// returns nil, or a KindInvalid error listing every problem with its field path:
//   - each entry needs a partner id, a known kind and a percentage from 0 to 100;
//   - no partner may appear twice;
//   - at most one entry may be sourced unless cfg.AllowSplitSourcing;
//   - the percentages must add up as cfg says (checked only once every percentage is in
//     range, and never for an empty list);
//   - there may be at most cfg.MaxEntries entries.
//
// Whether each partner exists and may be credited is for the caller to check. An invalid
// cfg is reported as a KindInternal error, since it is not the caller's input.
func Validate(entries []Entry, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return &tandem.Error{Kind: tandem.KindInternal, Message: "The attribution settings are not valid.", Err: err}
	}
	var probs tandem.Problems
	if len(entries) > cfg.MaxEntries {
		probs.Add(Path, "credits %d partners; at most %d are allowed", len(entries), cfg.MaxEntries)
		return probs.Err("The attribution is not valid.")
	}
	partners := map[string]int{}
	firstSourced := -1
	percentsOK := true
	for i, e := range entries {
		at := func(f string) string { return fmt.Sprintf("%s[%d].%s", Path, i, f) }
		switch id := strings.TrimSpace(e.PartnerID); {
		case id == "":
			probs.Add(at("partner_id"), "is required")
		case id != e.PartnerID:
			probs.Add(at("partner_id"), "must not start or end with spaces")
		default:
			if j, dup := partners[id]; dup {
				probs.Add(at("partner_id"), "partner %q is already credited at %s[%d]", id, Path, j)
			} else {
				partners[id] = i
			}
		}
		switch e.Kind {
		case Sourced:
			if firstSourced >= 0 && !cfg.AllowSplitSourcing {
				probs.Add(at("kind"), "only one partner may be sourced (%s[%d] is already); this workspace does not allow split sourcing", Path, firstSourced)
			} else if firstSourced < 0 {
				firstSourced = i
			}
		case Influenced:
		default:
			probs.Add(at("kind"), "unknown kind %q: use sourced or influenced", e.Kind)
		}
		if e.Percent < 0 || e.Percent > Hundred {
			probs.Add(at("percent"), "must be between 0 and 100")
			percentsOK = false
		}
	}
	if percentsOK && len(entries) > 0 {
		sourced, influenced := Totals(entries)
		if cfg.Scope == ScopePerKind {
			checkTotal(&probs, cfg, "sourced percentages", sourced, hasKind(entries, Sourced))
			checkTotal(&probs, cfg, "influenced percentages", influenced, hasKind(entries, Influenced))
		} else {
			checkTotal(&probs, cfg, "the percentages", sourced+influenced, true)
		}
	}
	return probs.Err("The attribution is not valid.")
}

func hasKind(entries []Entry, k Kind) bool {
	return slices.ContainsFunc(entries, func(e Entry) bool { return e.Kind == k })
}

func checkTotal(probs *tandem.Problems, cfg Config, what string, sum Percent, present bool) {
	if !present {
		return
	}
	switch {
	case cfg.Total == TotalExactly && sum != cfg.TotalPercent:
		probs.Add(Path, "%s add up to %s; they must add up to exactly %s", what, sum, cfg.TotalPercent)
	case cfg.Total == TotalAtMost && sum > cfg.TotalPercent:
		probs.Add(Path, "%s add up to %s; they must add up to at most %s", what, sum, cfg.TotalPercent)
	}
}

// Totals returns the sums of the sourced and of the influenced percentages. Entries of
// unknown kind count in neither.
func Totals(entries []Entry) (sourced, influenced Percent) {
	for _, e := range entries {
		switch e.Kind {
		case Sourced:
			sourced += e.Percent
		case Influenced:
			influenced += e.Percent
		}
	}
	return sourced, influenced
}

// Change describes how an opportunity's attribution changed, for the audit log. Entries
// are matched by partner id; each list is sorted by partner id.
type Change struct {
	Added   []Entry  `json:"added,omitempty"`
	Removed []Entry  `json:"removed,omitempty"`
	Changed []Update `json:"changed,omitempty"`
}

// Update is one partner whose kind or percentage changed.
type Update struct {
	Before Entry `json:"before"`
	After  Entry `json:"after"`
}

// Diff returns the change from before to after. Two lists with the same entries in a
// different order have no change. Should a list name a partner more than once (which
// Validate refuses), its entries are matched in order and the extra ones count as added
// or removed.
func Diff(before, after []Entry) Change {
	var ch Change
	byPartner := func(es []Entry) map[string][]Entry {
		m := map[string][]Entry{}
		for _, e := range es {
			m[e.PartnerID] = append(m[e.PartnerID], e)
		}
		return m
	}
	b, a := byPartner(before), byPartner(after)
	ids := make([]string, 0, len(a)+len(b))
	for id := range b {
		ids = append(ids, id)
	}
	for id := range a {
		if _, ok := b[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		bs, as := b[id], a[id]
		n := min(len(bs), len(as))
		for i := range n {
			if bs[i] != as[i] {
				ch.Changed = append(ch.Changed, Update{Before: bs[i], After: as[i]})
			}
		}
		ch.Removed = append(ch.Removed, bs[n:]...)
		ch.Added = append(ch.Added, as[n:]...)
	}
	return ch
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool {
	return len(c.Added) == 0 && len(c.Removed) == 0 && len(c.Changed) == 0
}

func (e Entry) describe() string { return fmt.Sprintf("%s %s%%", e.Kind, e.Percent) }

// String summarises the change in one line for the audit log, e.g.
// "added p_2 (influenced 20%); p_1: sourced 100% → sourced 80%"; "no change" when empty.
func (c Change) String() string {
	if c.Empty() {
		return "no change"
	}
	type part struct {
		id, text string
		order    int
	}
	var parts []part
	for _, e := range c.Added {
		parts = append(parts, part{e.PartnerID, fmt.Sprintf("added %s (%s)", e.PartnerID, e.describe()), 0})
	}
	for _, e := range c.Removed {
		parts = append(parts, part{e.PartnerID, fmt.Sprintf("removed %s (%s)", e.PartnerID, e.describe()), 1})
	}
	for _, u := range c.Changed {
		parts = append(parts, part{u.After.PartnerID, fmt.Sprintf("%s: %s → %s", u.After.PartnerID, u.Before.describe(), u.After.describe()), 2})
	}
	slices.SortStableFunc(parts, func(x, y part) int { return cmp.Or(cmp.Compare(x.order, y.order), cmp.Compare(x.id, y.id)) })
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
	}
	return strings.Join(texts, "; ")
}
