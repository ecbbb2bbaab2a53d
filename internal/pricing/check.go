package pricing

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Protection is price protection on a registration or opportunity: while it is active,
// the discount granted at registration stays available whatever the bands say later.
type Protection struct {
	Enabled bool      `json:"enabled"`
	From    time.Time `json:"from"`
	Until   time.Time `json:"until"` // exclusive: at Until protection has ended
	// Discount is the discount locked in for the protected period.
	Discount Percent `json:"discount"`
}

// ProtectionPath is the field path under which Protection.Validate reports problems.
const ProtectionPath = "price_protection"

// Validate reports problems with enabled price protection (dates missing or reversed,
// discount out of range) as a KindInvalid error with paths under "price_protection";
// disabled protection is always valid.
func (p Protection) Validate() error {
	if !p.Enabled {
		return nil
	}
	var probs tandem.Problems
	if p.From.IsZero() {
		probs.Add(ProtectionPath+".from", "is required when price protection is on")
	}
	if p.Until.IsZero() {
		probs.Add(ProtectionPath+".until", "is required when price protection is on")
	} else if !p.From.IsZero() && !p.Until.After(p.From) {
		probs.Add(ProtectionPath+".until", "must be after from")
	}
	if p.Discount < 0 || p.Discount > Hundred {
		probs.Add(ProtectionPath+".discount", "must be between 0 and 100")
	}
	return probs.Err("The price protection is not valid.")
}

// Active reports whether the protection is on at now: enabled, From ≤ now < Until.
func (p Protection) Active(now time.Time) bool {
	return p.Enabled && !now.Before(p.From) && now.Before(p.Until)
}

// Overlaps reports whether two enabled protections cover a common instant, the signal of
// overlapping price protection on one customer (SPEC F1).
func Overlaps(a, b Protection) bool {
	return a.Enabled && b.Enabled && a.From.Before(b.Until) && b.From.Before(a.Until)
}

// Request is a discount asked for on a deal.
type Request struct {
	Tier           string
	Motion         tandem.Motion
	Discount       Percent
	Certifications []string // held by the partner
	Protection     Protection
}

// Verdict is what CheckDiscount concludes.
type Verdict string

// The verdicts.
const (
	Within        Verdict = "within"         // allowed as asked
	NeedsApproval Verdict = "needs_approval" // allowed once Approver approves
	Invalid       Verdict = "invalid"        // never allowed
)

// Result is CheckDiscount's answer.
type Result struct {
	Verdict Verdict
	// Band is the band the discount falls in; nil when none does.
	Band *Band
	// Approver is the approval level that must approve; empty unless NeedsApproval.
	Approver string
	// Reason explains the verdict in a sentence for the person asking and the approver.
	Reason string
}

// CheckDiscount says whether a discount request at now is within the guardrails, needs
// an approval (and whose, and why), or is invalid. In order:
//   - a discount below 0 or above 100, or above the ceiling, is invalid;
//   - no discount (0) is within;
//   - a discount at or below the locked-in discount of active price protection is within;
//   - otherwise the tier and motion's ladder (see Config.Ladder) decides: a band without
//     an approver is within, a band with one needs that approval, a band whose
//     certification the partner lacks needs approval, and a discount above the ladder (or
//     with no ladder at all) needs the exception approver.
//
// cfg is assumed valid (see Config.Validate); an invalid cfg gives an answer, never a
// panic.
func CheckDiscount(cfg Config, r Request, now time.Time) Result {
	d := r.Discount
	switch {
	case d < 0 || d > Hundred:
		return Result{Verdict: Invalid, Reason: "A discount must be between 0 and 100%."}
	case d > cfg.Ceiling:
		return Result{Verdict: Invalid, Reason: fmt.Sprintf("A discount of %s%% is above the %s%% that no approval can exceed.", d, cfg.Ceiling)}
	case d == 0:
		return Result{Verdict: Within, Reason: "No discount is asked for."}
	}
	if r.Protection.Active(now) && d <= r.Protection.Discount {
		return Result{Verdict: Within, Reason: fmt.Sprintf("Price protection until %s covers discounts up to %s%%.", r.Protection.Until.Format(time.DateOnly), r.Protection.Discount)}
	}
	note := ""
	switch {
	case r.Protection.Enabled && !now.Before(r.Protection.Until):
		note = fmt.Sprintf(" Price protection ended on %s.", r.Protection.Until.Format(time.DateOnly))
	case r.Protection.Active(now):
		note = fmt.Sprintf(" Price protection covers only up to %s%%.", r.Protection.Discount)
	}
	exception := func(reason string, b *Band) Result {
		return Result{Verdict: NeedsApproval, Band: b, Approver: cfg.ExceptionApprover, Reason: reason + note}
	}
	ladder := cfg.Ladder(r.Tier, r.Motion)
	if len(ladder) == 0 {
		return exception(fmt.Sprintf("No discount band is set for %s; a discount of %s%% needs an exception.", ladderKey{r.Tier, r.Motion}, d), nil)
	}
	for i := range ladder {
		b := ladder[i]
		if d > b.Max || d <= b.Min { // d > 0 here, so the band from 0 takes what it should
			continue
		}
		span := fmt.Sprintf("%s (%s–%s%%)", b.Name, b.Min, b.Max)
		if b.Certification != "" && !slices.Contains(r.Certifications, b.Certification) {
			approver := cmp.Or(b.Approver, cfg.ExceptionApprover)
			return Result{Verdict: NeedsApproval, Band: &b, Approver: approver,
				Reason: fmt.Sprintf("A discount of %s%% falls in %s, which requires the %s certification the partner does not hold.%s", d, span, b.Certification, note)}
		}
		if b.Approver == "" {
			return Result{Verdict: Within, Band: &b, Reason: fmt.Sprintf("A discount of %s%% is within %s.", d, span)}
		}
		return Result{Verdict: NeedsApproval, Band: &b, Approver: b.Approver,
			Reason: fmt.Sprintf("A discount of %s%% falls in %s, which needs approval.%s", d, span, note)}
	}
	top := ladder[len(ladder)-1]
	return exception(fmt.Sprintf("A discount of %s%% is above the highest band for %s (%s, up to %s%%).", d, ladderKey{r.Tier, r.Motion}, top.Name, top.Max), nil)
}
