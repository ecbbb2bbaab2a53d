package conflict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// MaxCandidates bounds how many candidates one evaluation accepts.
const MaxCandidates = 1000

// Evaluate recommends a ruling on submission s given the candidates the matcher found,
// under policy p, at time now (used only to tell whether an approved registration's
// protection has run out).
//
// Each candidate is compared with the submission by the policy's enabled rules in order;
// the first rule that separates the two claims decides that pair. Then:
//   - a certain match the submitter loses means Decline (it outweighs everything else);
//   - otherwise any pair a person must settle (a manual rule, a tie, an uncertain match
//     the submitter would not clearly win, the partner's own registration in force) means
//     Review;
//   - otherwise Approve.
//
// Candidates that do not compete are ignored and recorded as such: records without an
// owner, the submitter's own records (except a registration in force, which is a
// duplicate), and registrations that are declined, expired or withdrawn.
//
// Evaluate is deterministic: the same inputs give the same Result, whatever the order of
// candidates with distinct references. It returns a KindInvalid error, and no Result,
// when the policy, the submission or a candidate is malformed.
func Evaluate(p Policy, s Submission, candidates []Candidate, now time.Time) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if err := validateInput(s, candidates); err != nil {
		return Result{}, err
	}
	e := evaluator{p: p, s: s, now: now, rules: p.Enabled()}
	sorted := slices.Clone(candidates)
	slices.SortStableFunc(sorted, compareCandidates)
	pairs := make([]Pair, len(sorted))
	for i, c := range sorted {
		pairs[i] = e.compare(c)
	}
	return e.summarize(pairs), nil
}

func kindOrder(k Kind) int {
	switch k {
	case KindDirectOwnership:
		return 0
	case KindRegistration:
		return 1
	case KindOpportunity:
		return 2
	}
	return 3
}

// compareCandidates orders certain matches first, then by descending score, kind,
// reference, partner and name, so that evaluation does not depend on input order.
func compareCandidates(a, b Candidate) int {
	if a.Match != b.Match {
		if a.Match == MatchCertain {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)); c != 0 {
		return c
	}
	return cmp.Or(
		cmp.Compare(a.Ref, b.Ref),
		cmp.Compare(a.Party.PartnerID, b.Party.PartnerID),
		cmp.Compare(a.Party.Name, b.Party.Name),
		a.Party.ClaimedAt.Compare(b.Party.ClaimedAt),
	)
}

func validateInput(s Submission, candidates []Candidate) error {
	var probs tandem.Problems
	if s.PartnerID == "" {
		probs.Add("submission.partner_id", "is required")
	}
	if _, err := tandem.ParseMotion(string(s.Motion)); err != nil {
		probs.Add("submission.motion", "unknown motion %q", s.Motion)
	}
	if s.SubmittedAt.IsZero() {
		probs.Add("submission.submitted_at", "is required")
	}
	if len(candidates) > MaxCandidates {
		probs.Add("candidates", "lists %d candidates; at most %d are allowed", len(candidates), MaxCandidates)
		return probs.Err("The conflict check input is not valid.")
	}
	for i, c := range candidates {
		at := func(field string) string { return fmt.Sprintf("candidates[%d].%s", i, field) }
		switch c.Kind {
		case KindAccount, KindOpportunity, KindRegistration, KindDirectOwnership:
		default:
			probs.Add(at("kind"), "unknown kind %q: use account, opportunity, registration or direct_ownership", c.Kind)
		}
		switch c.Match {
		case MatchCertain, MatchPossible:
		default:
			probs.Add(at("match"), "unknown decision %q: use match or possible", c.Match)
		}
		if math.IsNaN(c.Score) || c.Score < 0 || c.Score > 1 {
			probs.Add(at("score"), "must be between 0 and 1")
		}
		pt := c.Party
		switch pt.Side {
		case SideDirect, SideNone:
		case SidePartner:
			if pt.PartnerID == "" {
				probs.Add(at("party.partner_id"), "is required for a partner")
			}
			if _, err := tandem.ParseMotion(string(pt.Motion)); err != nil {
				probs.Add(at("party.motion"), "unknown motion %q", pt.Motion)
			}
		default:
			probs.Add(at("party.side"), "unknown side %q: use direct, partner or none", pt.Side)
		}
		switch pt.Registration {
		case "", RegNone, RegPending, RegApproved, RegDeclined, RegExpired, RegWithdrawn:
		default:
			probs.Add(at("party.registration"), "unknown registration status %q", pt.Registration)
		}
		knownSide := pt.Side == SideDirect || pt.Side == SidePartner || pt.Side == SideNone
		if c.Kind == KindRegistration {
			if knownSide && pt.Side != SidePartner {
				probs.Add(at("party.side"), "a registration always belongs to a partner")
			}
			if pt.Registration == "" || pt.Registration == RegNone {
				probs.Add(at("party.registration"), "a registration candidate needs its status")
			}
		}
		if c.Kind == KindDirectOwnership && knownSide && pt.Side != SideDirect {
			probs.Add(at("party.side"), "direct_ownership candidates belong to direct sales")
		}
	}
	return probs.Err("The conflict check input is not valid.")
}

type evaluator struct {
	p     Policy
	s     Submission
	now   time.Time
	rules []RuleKey
}

// status returns the party's registration status with protection that has run out at
// e.now counted as expired.
func (e *evaluator) status(pt Party) RegStatus {
	switch {
	case pt.Registration == "":
		return RegNone
	case pt.Registration == RegApproved && !pt.ProtectedUntil.IsZero() && !e.now.Before(pt.ProtectedUntil):
		return RegExpired
	}
	return pt.Registration
}

func inForce(st RegStatus) bool { return st == RegPending || st == RegApproved }

func classify(s Submission, pt Party) Type {
	switch pt.Side {
	case SideDirect:
		return TypeVertical
	case SidePartner:
		if pt.Motion == s.Motion {
			return TypeHorizontal
		}
		return TypeMultiChannel
	}
	return TypeNone
}

func (e *evaluator) compare(c Candidate) Pair {
	pair := Pair{Candidate: c, Type: classify(e.s, c.Party)}
	who := describe(c)
	ignore := func(note string) Pair {
		pair.Type, pair.Outcome, pair.Note = TypeNone, OutcomeIgnored, note
		return pair
	}
	st := e.status(c.Party)
	switch {
	case c.Party.Side == SideNone:
		return ignore(fmt.Sprintf("%s has no owner, so nobody competes for it.", who))
	case c.Party.Side == SidePartner && c.Party.PartnerID == e.s.PartnerID:
		if c.Kind == KindRegistration && inForce(st) {
			pair.Type, pair.Outcome = TypeNone, OutcomeDuplicate
			pair.Note = fmt.Sprintf("%s is the submitting partner's own %s registration.", who, st)
			return pair
		}
		return ignore(fmt.Sprintf("%s belongs to the submitting partner.", who))
	case c.Kind == KindRegistration && !inForce(st):
		return ignore(fmt.Sprintf("%s is %s and no longer competes.", who, st))
	case c.Match == MatchPossible && e.p.PossibleMatches == PossibleIgnore:
		return ignore(fmt.Sprintf("%s is only a possible match, and the policy ignores possible matches.", who))
	case c.Match == MatchPossible && e.p.PossibleMatches == PossibleReview:
		pair.Outcome = OutcomeReview
		pair.Note = fmt.Sprintf("%s is a possible match, and the policy sends possible matches to review.", who)
		return pair
	}
	for _, k := range e.rules {
		if out, why, ok := e.apply(k, c, st); ok {
			pair.Outcome, pair.Rule = out, k
			switch out {
			case OutcomeWon:
				pair.Note = fmt.Sprintf("%s: the submission wins under %q: %s.", who, k.Label(), why)
			case OutcomeLost:
				pair.Note = fmt.Sprintf("%s: they win under %q: %s.", who, k.Label(), why)
			default:
				pair.Note = fmt.Sprintf("%s: %q asks a person to decide: %s.", who, k.Label(), why)
			}
			return pair
		}
	}
	pair.Outcome = OutcomeTie
	pair.Note = fmt.Sprintf("%s: no enabled rule separates the two claims.", who)
	return pair
}

// apply runs one rule on one pair. ok is false when the rule does not apply to the
// party or cannot separate the two claims; why is an internal sentence.
func (e *evaluator) apply(k RuleKey, c Candidate, st RegStatus) (out Outcome, why string, ok bool) {
	s, pt := e.s, c.Party
	partner := pt.Side == SidePartner
	direct := pt.Side == SideDirect
	switch k {
	case RuleNamedAccount:
		return flags(s.NamedAccount, pt.NamedAccount,
			"the customer is one of the submitter's named accounts and not theirs",
			"the customer is one of their named accounts and not the submitter's")
	case RuleTerritoryExclusivity:
		if !partner {
			return "", "", false
		}
		mine, theirs := e.exclusiveIn(s.ExclusiveTerritories), e.exclusiveIn(pt.ExclusiveTerritories)
		return flags(mine != "", theirs != "",
			fmt.Sprintf("the submitter holds exclusivity for territory %q and they do not", mine),
			fmt.Sprintf("they hold exclusivity for territory %q and the submitter does not", theirs))
	case RuleDirectOwnership:
		if !direct {
			return "", "", false
		}
		switch e.p.DirectOwnership {
		case DirectWins:
			return OutcomeLost, "the policy gives customers claimed by direct sales to direct sales", true
		case DirectManual:
			return OutcomeReview, "the policy leaves collisions with direct sales to a person", true
		case DirectRegisteredFirst:
			return order(s.SubmittedAt, pt.ClaimedAt, "direct sales")
		}
	case RuleRegistered:
		if !partner {
			return "", "", false
		}
		switch st {
		case RegApproved:
			return OutcomeLost, "their registration is approved and still protected, while the submission is not yet decided", true
		case RegPending:
			return "", "", false
		}
		return OutcomeWon, fmt.Sprintf("they hold no registration in force (%s)", st), true
	case RuleIncumbent:
		if !partner && !direct {
			return "", "", false
		}
		return flags(s.Incumbent, pt.Incumbent,
			"the submitter is the incumbent on the account and they are not",
			"they are the incumbent on the account and the submitter is not")
	case RuleCertification:
		if !partner {
			return "", "", false
		}
		return flags(e.certified(s.Certifications), e.certified(pt.Certifications),
			"the submitter holds a qualifying certification and they do not",
			"they hold a qualifying certification and the submitter does not")
	case RuleFirstCome:
		if !partner {
			return "", "", false
		}
		return order(s.SubmittedAt, pt.ClaimedAt, "they")
	case RuleTierPriority:
		if !partner {
			return "", "", false
		}
		switch {
		case s.TierRank > pt.TierRank:
			return OutcomeWon, fmt.Sprintf("the submitter's tier rank %d is above their %d", s.TierRank, pt.TierRank), true
		case s.TierRank < pt.TierRank:
			return OutcomeLost, fmt.Sprintf("their tier rank %d is above the submitter's %d", pt.TierRank, s.TierRank), true
		}
	}
	return "", "", false
}

// flags decides a rule that gives the claim to the one side holding a quality.
func flags(mine, theirs bool, won, lost string) (Outcome, string, bool) {
	switch {
	case mine && !theirs:
		return OutcomeWon, won, true
	case theirs && !mine:
		return OutcomeLost, lost, true
	}
	return "", "", false
}

// order decides a rule that gives the claim to whoever came first. An unknown time or
// equal times decide nothing.
func order(submitted, claimed time.Time, them string) (Outcome, string, bool) {
	if claimed.IsZero() {
		return "", "", false
	}
	switch {
	case submitted.Before(claimed):
		return OutcomeWon, fmt.Sprintf("the submission (%s) came before %s engaged (%s)", stamp(submitted), them, stamp(claimed)), true
	case claimed.Before(submitted):
		return OutcomeLost, fmt.Sprintf("%s engaged (%s) before the submission (%s)", them, stamp(claimed), stamp(submitted)), true
	}
	return "", "", false
}

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

// exclusiveIn returns the first of the customer's territories (Territory, then
// Territories) listed in held, or "" when held lists none of them. Empty names never
// count: an unknown territory grants nobody exclusivity.
func (e *evaluator) exclusiveIn(held []string) string {
	for _, t := range append([]string{e.s.Territory}, e.s.Territories...) {
		if t != "" && slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, t) }) {
			return t
		}
	}
	return ""
}

// certified reports whether held includes a certification the policy counts.
func (e *evaluator) certified(held []string) bool {
	if len(e.p.Certifications) == 0 {
		return len(held) > 0
	}
	for _, h := range held {
		if slices.Contains(e.p.Certifications, h) {
			return true
		}
	}
	return false
}

// needsReview reports whether a pair keeps the ruling from being an approval.
func needsReview(pr Pair) bool {
	switch pr.Outcome {
	case OutcomeReview, OutcomeTie, OutcomeDuplicate:
		return true
	case OutcomeLost:
		return pr.Candidate.Match == MatchPossible
	}
	return false
}

func (e *evaluator) summarize(pairs []Pair) Result {
	r := Result{Type: TypeNone, Status: StatusNone, Pairs: pairs}
	for _, pr := range pairs {
		if pr.Outcome == OutcomeIgnored || pr.Outcome == OutcomeDuplicate {
			continue
		}
		if pr.Type.severity() > r.Type.severity() {
			r.Type = pr.Type
		}
		if pr.Candidate.Match == MatchCertain {
			r.Status = StatusActive
		} else if r.Status == StatusNone {
			r.Status = StatusRisk
		}
	}
	deciding := -1
	for i, pr := range pairs {
		if pr.Outcome == OutcomeLost && pr.Candidate.Match == MatchCertain {
			deciding = i
			r.Ruling, r.Reason, r.Rule = Decline, ReasonRule, pr.Rule
			break
		}
	}
	if deciding < 0 {
		for i, pr := range pairs {
			if !needsReview(pr) {
				continue
			}
			deciding = i
			r.Ruling = Review
			switch {
			case pr.Outcome == OutcomeDuplicate:
				r.Reason = ReasonDuplicate
			case pr.Candidate.Match == MatchPossible:
				r.Reason = ReasonPossible
			case pr.Outcome == OutcomeReview:
				r.Reason, r.Rule = ReasonManual, pr.Rule
			default:
				r.Reason = ReasonTie
			}
			break
		}
	}
	if deciding < 0 {
		r.Ruling, r.Reason = Approve, ReasonNoCollision
		for i, pr := range pairs {
			if pr.Outcome == OutcomeWon {
				deciding = i
				r.Reason, r.Rule = ReasonRule, pr.Rule
				break
			}
		}
	}
	var dp *Pair
	if deciding >= 0 {
		dp = &pairs[deciding]
	}
	r.PartnerExplanation = partnerExplanation(r, dp, e.p)
	r.InternalExplanation = internalExplanation(r, dp)
	return r
}
