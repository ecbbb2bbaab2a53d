package conflict

import (
	"fmt"
	"strings"
)

// The partner-facing explanation is assembled only from the fixed sentences in this
// file. Nothing about another party (name, id, record, amount, dates, motion) is ever
// interpolated into it; the tests check that property for every outcome.

// winText says, to the submitting partner, why its claim takes priority under rule k.
func winText(k RuleKey) string {
	switch k {
	case RuleNamedAccount:
		return "this customer is one of your named accounts"
	case RuleTerritoryExclusivity:
		return "you hold exclusivity for this customer's territory"
	case RuleDirectOwnership:
		return "you registered this customer before our own sales team engaged with it"
	case RuleRegistered:
		return "no other registration for this customer is in force"
	case RuleIncumbent:
		return "you are the incumbent partner on this account"
	case RuleCertification:
		return "your organisation holds the certification that settles otherwise equal claims"
	case RuleFirstCome:
		return "your registration reached us before any other claim on this customer"
	case RuleTierPriority:
		return "your program tier gives your registration priority"
	}
	return "our rules of engagement favour your registration"
}

// loseText says, to the submitting partner, why another claim takes priority under rule
// k, without saying whose claim it is.
func loseText(k RuleKey, side Side, mode DirectMode) string {
	direct := side == SideDirect
	switch k {
	case RuleNamedAccount:
		if direct {
			return "this customer is a named account of our own sales team"
		}
		return "this customer is a named account assigned to another partner"
	case RuleTerritoryExclusivity:
		return "another partner holds exclusivity for this customer's territory"
	case RuleDirectOwnership:
		if mode == DirectRegisteredFirst {
			return "our own sales team was already engaged with this customer before your registration"
		}
		return "this customer is owned by our own sales team"
	case RuleRegistered:
		return "an earlier registration for this customer is approved and still protected"
	case RuleIncumbent:
		if direct {
			return "this customer is already served directly by our own team"
		}
		return "this customer already works with an incumbent partner"
	case RuleCertification:
		return "an otherwise equal claim is backed by a certification your organisation does not hold yet"
	case RuleFirstCome:
		return "another claim on this customer reached us before yours"
	case RuleTierPriority:
		return "an otherwise equal claim came from a partner at a higher program tier"
	}
	return "another claim takes priority under our rules of engagement"
}

// partnerExplanation writes the paragraph a partner manager can send to the submitter.
func partnerExplanation(r Result, dp *Pair, p Policy) string {
	switch r.Ruling {
	case Approve:
		if r.Reason == ReasonNoCollision {
			return "We checked this customer against our accounts, open opportunities and registrations and found no competing claim, so your registration can be approved."
		}
		return fmt.Sprintf("Your registration takes priority under our rules of engagement (%s): %s. It can be approved.", r.Rule.Label(), winText(r.Rule))
	case Decline:
		side := SidePartner
		if dp != nil {
			side = dp.Candidate.Party.Side
		}
		return fmt.Sprintf("We cannot approve this registration under our rules of engagement (%s): %s. If you have evidence we should weigh, you can appeal this decision.", r.Rule.Label(), loseText(r.Rule, side, p.DirectOwnership))
	}
	switch r.Reason {
	case ReasonManual:
		return "Our own sales team is already engaged with this customer. A partner manager will review your registration and get back to you about how to work on it together."
	case ReasonDuplicate:
		return "This looks like a customer you have already registered with us. A reviewer will check whether it is a new opportunity and let you know."
	}
	return "This customer may already be in progress with us. A reviewer will look at your registration and let you know the decision."
}

// internalExplanation writes the reviewers' account of the ruling, naming every party.
func internalExplanation(r Result, dp *Pair) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Recommendation: %s", r.Ruling)
	switch r.Reason {
	case ReasonNoCollision:
		if len(r.Pairs) == 0 {
			b.WriteString(" (no candidates).")
		} else {
			b.WriteString(" (no competing claim).")
		}
	case ReasonRule:
		fmt.Fprintf(&b, " (decided by %q).", r.Rule.Label())
	case ReasonManual:
		fmt.Fprintf(&b, " (%q asks a person to decide).", r.Rule.Label())
	case ReasonTie:
		b.WriteString(" (no enabled rule separates the claims).")
	case ReasonPossible:
		b.WriteString(" (an uncertain match must be checked).")
	case ReasonDuplicate:
		b.WriteString(" (the partner already has a registration in force here).")
	}
	fmt.Fprintf(&b, "\nConflict: %s, status %s.", r.Type, r.Status)
	for i, pr := range r.Pairs {
		mark := ""
		if dp != nil && &r.Pairs[i] == dp {
			mark = ", deciding"
		}
		fmt.Fprintf(&b, "\n%d. [%s%s] %s", i+1, pr.Outcome, mark, pr.Note)
	}
	return b.String()
}

// describe names a candidate for reviewers.
func describe(c Candidate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s, score %.2f)", strings.ReplaceAll(string(c.Kind), "_", " "), orDash(c.Ref), matchWord(c.Match), c.Score)
	pt := c.Party
	switch pt.Side {
	case SideDirect:
		b.WriteString(" held by direct sales")
		if pt.Name != "" {
			fmt.Fprintf(&b, " (%s)", pt.Name)
		}
	case SidePartner:
		name := pt.Name
		if name == "" {
			name = pt.PartnerID
		}
		fmt.Fprintf(&b, " held by partner %s [%s, %s, tier rank %d", name, pt.PartnerID, pt.Motion.Label(), pt.TierRank)
		if pt.Registration != "" && pt.Registration != RegNone {
			fmt.Fprintf(&b, ", registration %s", pt.Registration)
		}
		b.WriteString("]")
	}
	return b.String()
}

func matchWord(m Match) string {
	if m == MatchCertain {
		return "certain match"
	}
	return "possible match"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
