package pricing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Percent is an exact percentage in hundredths of a percent (10000 is 100%); it is the
// same type attribution uses, written in JSON as a plain number.
type Percent = attribution.Percent

// Hundred is 100%.
const Hundred = attribution.Hundred

// Band is one step of a discount ladder for a tier and a motion. The bands of one
// (Tier, Motion) pair form a ladder that starts at 0 with no gaps and no overlaps: a band
// covers discounts above Min up to and including Max, and the band starting at 0 also
// covers a discount of exactly 0.
type Band struct {
	// Tier is a program tier key; empty means any tier.
	Tier string `json:"tier,omitempty"`
	// Motion is the partner motion; empty means any motion.
	Motion tandem.Motion `json:"motion,omitempty"`
	// Name is shown to people, e.g. "Gold resale standard".
	Name string  `json:"name"`
	Min  Percent `json:"min"`
	Max  Percent `json:"max"`
	// Approver is the approval level (e.g. "partner_manager") that must approve a
	// discount in this band; empty means the band needs no approval.
	Approver string `json:"approver,omitempty"`
	// Certification, when set, must be held by the partner to use this band without an
	// approval; otherwise the discount goes to Approver, or to the exception approver
	// when the band has none.
	Certification string `json:"certification,omitempty"`
}

// Config is a workspace's discount guardrails.
type Config struct {
	Bands []Band `json:"bands"`
	// Ceiling is the largest discount anyone may approve; above it a request is invalid.
	Ceiling Percent `json:"ceiling"`
	// ExceptionApprover approves what no band covers: discounts above a ladder's top,
	// tiers and motions without a ladder, and band use without the required
	// certification where the band names no approver.
	ExceptionApprover string `json:"exception_approver"`
}

// DefaultConfig returns the guardrails a new workspace starts with: no bands yet (so
// every discount above 0 goes to the exception approver), a ceiling of 100%.
func DefaultConfig() Config {
	return Config{Ceiling: Hundred, ExceptionApprover: "sales_leadership"}
}

// Limits on a Config.
const (
	MaxBands      = 200
	maxNameLen    = 80
	maxKeyLen     = 64
	maxConfigJSON = 64 << 10
)

func validKey(k string) bool {
	if k == "" || len(k) > maxKeyLen || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

const keyRule = "must be lowercase letters, digits and underscores, starting with a letter"

type ladderKey struct {
	tier   string
	motion tandem.Motion
}

func (k ladderKey) String() string {
	t, m := k.tier, string(k.motion)
	if t == "" {
		t = "any tier"
	}
	if m == "" {
		m = "any motion"
	}
	return t + " / " + m
}

// Validate reports every problem with the guardrails at once, as a KindInvalid error with
// JSON field paths ("bands[3].min"), or nil. Each band needs a name, a known motion (or
// none), well-formed keys, 0 ≤ Min < Max ≤ Ceiling; each ladder must start at 0 and have
// neither gaps nor overlaps.
func (c Config) Validate() error {
	var probs tandem.Problems
	if c.Ceiling < 0 || c.Ceiling > Hundred {
		probs.Add("ceiling", "must be between 0 and 100")
	}
	if !validKey(c.ExceptionApprover) {
		probs.Add("exception_approver", "is required and %s", keyRule)
	}
	if len(c.Bands) > MaxBands {
		probs.Add("bands", "has %d bands; at most %d are allowed", len(c.Bands), MaxBands)
		return probs.Err("The discount guardrails are not valid.")
	}
	ladders := map[ladderKey][]int{}
	for i, b := range c.Bands {
		at := func(f string) string { return fmt.Sprintf("bands[%d].%s", i, f) }
		if b.Tier != "" && !validKey(b.Tier) {
			probs.Add(at("tier"), keyRule)
		}
		if b.Motion != "" {
			if _, err := tandem.ParseMotion(string(b.Motion)); err != nil {
				probs.Add(at("motion"), "unknown motion %q: use referral, resale, marketplace, services or tech, or leave it empty for any", b.Motion)
			}
		}
		switch {
		case strings.TrimSpace(b.Name) == "":
			probs.Add(at("name"), "is required")
		case utf8.RuneCountInString(b.Name) > maxNameLen:
			probs.Add(at("name"), "must be at most %d characters", maxNameLen)
		}
		rangeOK := true
		if b.Min < 0 || b.Min > Hundred {
			probs.Add(at("min"), "must be between 0 and 100")
			rangeOK = false
		}
		switch {
		case b.Max < 0 || b.Max > Hundred:
			probs.Add(at("max"), "must be between 0 and 100")
			rangeOK = false
		case rangeOK && b.Max <= b.Min:
			probs.Add(at("max"), "must be above min (%s%%)", b.Min)
			rangeOK = false
		case b.Max > c.Ceiling && c.Ceiling >= 0 && c.Ceiling <= Hundred:
			probs.Add(at("max"), "is above the ceiling (%s%%)", c.Ceiling)
		}
		if b.Approver != "" && !validKey(b.Approver) {
			probs.Add(at("approver"), keyRule)
		}
		if b.Certification != "" && strings.TrimSpace(b.Certification) != b.Certification {
			probs.Add(at("certification"), "must not be blank or start or end with spaces")
		}
		if rangeOK {
			k := ladderKey{b.Tier, b.Motion}
			ladders[k] = append(ladders[k], i)
		}
	}
	keys := make([]ladderKey, 0, len(ladders))
	for k := range ladders {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b ladderKey) int { return cmp.Compare(ladders[a][0], ladders[b][0]) })
	for _, k := range keys {
		idx := slices.Clone(ladders[k])
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(c.Bands[a].Min, c.Bands[b].Min) })
		if first := c.Bands[idx[0]]; first.Min != 0 {
			probs.Add(fmt.Sprintf("bands[%d].min", idx[0]), "the lowest band for %s must start at 0", k)
		}
		for n := 1; n < len(idx); n++ {
			prev, cur := c.Bands[idx[n-1]], c.Bands[idx[n]]
			path := fmt.Sprintf("bands[%d].min", idx[n])
			switch {
			case cur.Min < prev.Max:
				probs.Add(path, "overlaps bands[%d] (%s, %s–%s%%)", idx[n-1], prev.Name, prev.Min, prev.Max)
			case cur.Min > prev.Max:
				probs.Add(path, "leaves a gap after bands[%d] (%s, up to %s%%)", idx[n-1], prev.Name, prev.Max)
			}
		}
	}
	return probs.Err("The discount guardrails are not valid.")
}

// ParseConfig decodes guardrails from JSON and validates them. Fields left out keep the
// values of DefaultConfig; unknown fields, trailing data and documents over 64 KiB are
// refused. Every error is KindInvalid.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	if err := tandem.DecodeSettings(data, maxConfigJSON, "The discount guardrails", &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Ladder returns the bands that apply to a tier and a motion, lowest first: those set for
// exactly that tier and motion; failing that, for the tier and any motion; then for any
// tier and the motion; then for any tier and any motion. It returns nil when none apply.
func (c Config) Ladder(tier string, motion tandem.Motion) []Band {
	for _, k := range []ladderKey{{tier, motion}, {tier, ""}, {"", motion}, {"", ""}} {
		var out []Band
		for _, b := range c.Bands {
			if b.Tier == k.tier && b.Motion == k.motion {
				out = append(out, b)
			}
		}
		if len(out) > 0 {
			slices.SortStableFunc(out, func(a, b Band) int { return cmp.Compare(a.Min, b.Min) })
			return out
		}
	}
	return nil
}
