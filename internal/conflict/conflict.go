package conflict

import (
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Ruling is the recommended decision on a submitted registration. A person (or an
// auto-approve rule elsewhere) makes the actual decision.
type Ruling string

// The rulings Evaluate recommends.
const (
	Approve Ruling = "approve"
	Decline Ruling = "decline"
	Review  Ruling = "review" // a person must decide
)

// Type classifies a conflict by who is involved.
type Type string

// The conflict types (SPEC F2).
const (
	TypeNone         Type = "none"
	TypeVertical     Type = "vertical"      // the vendor's direct sales against a partner
	TypeHorizontal   Type = "horizontal"    // two partners running the same motion
	TypeMultiChannel Type = "multi_channel" // partners of different motions on one customer
)

// severity orders types so that one type can sum up several collisions.
func (t Type) severity() int {
	switch t {
	case TypeVertical:
		return 3
	case TypeMultiChannel:
		return 2
	case TypeHorizontal:
		return 1
	}
	return 0
}

// Status says how certain the conflict is: none, risk (only possible matches) or active
// (at least one certain match). "resolved" belongs to conflict cases, not to rulings.
type Status string

// The statuses a ruling can report.
const (
	StatusNone   Status = "none"
	StatusRisk   Status = "risk"
	StatusActive Status = "active"
)

// Kind is what the company matcher found the submission colliding with.
type Kind string

// The collision kinds.
const (
	KindAccount         Kind = "account"          // an existing customer account
	KindOpportunity     Kind = "opportunity"      // an open opportunity
	KindRegistration    Kind = "registration"     // another deal registration
	KindDirectOwnership Kind = "direct_ownership" // direct sales owns the account or territory
)

// Match is the matcher's decision about a candidate.
type Match string

// The matcher decisions Evaluate accepts.
const (
	MatchCertain  Match = "match"
	MatchPossible Match = "possible"
)

// Side says who stands behind a candidate.
type Side string

// The sides of a collision.
const (
	SideDirect  Side = "direct"  // the vendor's direct sales team
	SidePartner Side = "partner" // a partner organisation
	SideNone    Side = "none"    // nobody: e.g. an existing account without an owner
)

// RegStatus is the state of a party's registration on the customer, if any.
type RegStatus string

// Registration states as the conflict engine sees them. The empty value means none.
const (
	RegNone      RegStatus = "none"
	RegPending   RegStatus = "pending" // submitted, not yet decided
	RegApproved  RegStatus = "approved"
	RegDeclined  RegStatus = "declined"
	RegExpired   RegStatus = "expired"
	RegWithdrawn RegStatus = "withdrawn"
)

// Submission is what the engine knows about the registration being ruled on.
type Submission struct {
	PartnerID      string
	Motion         tandem.Motion
	TierRank       int      // higher is a higher program tier; equal ranks are equal tiers
	Certifications []string // certification keys the partner holds now
	Territory      string   // the customer's territory or region key; empty when unknown
	// Territories are further territories covering the customer, for workspaces whose
	// territories overlap (one country in several); Territory, when set, counts too.
	Territories []string
	SubmittedAt time.Time
	// Facts about the customer as seen from the submitter.
	Incumbent            bool     // the submitter is the incumbent partner on the account
	NamedAccount         bool     // the customer is on the submitter's named-account list
	ExclusiveTerritories []string // territories in which the submitter holds exclusivity
}

// Party is who stands behind a candidate collision. For partners every field may matter;
// for direct sales only ClaimedAt, Incumbent and NamedAccount do.
type Party struct {
	Side      Side
	PartnerID string // required for SidePartner
	// Name is the party's display name. It appears only in the internal explanation.
	Name           string
	Motion         tandem.Motion // the motion the partner runs on this customer
	TierRank       int
	Certifications []string
	Registration   RegStatus
	// ClaimedAt is when the party's claim began: its registration's submission time, the
	// creation of its opportunity, or when the account was assigned to it. Zero when unknown.
	ClaimedAt time.Time
	// ProtectedUntil is when an approved registration's protection ends. Zero means the
	// caller did not say, and an approved registration then counts as in force.
	ProtectedUntil       time.Time
	Incumbent            bool
	NamedAccount         bool
	ExclusiveTerritories []string
}

// Candidate is one collision the company matcher found for the submission.
type Candidate struct {
	// Ref identifies the matched record (account, opportunity or registration id). It
	// appears only in the internal explanation.
	Ref   string
	Kind  Kind
	Match Match
	Score float64 // the matcher's confidence, from 0 to 1
	Party Party
}

// Outcome is how one candidate compares with the submission, from the submitter's side.
type Outcome string

// The outcomes of comparing the submission with one candidate.
const (
	OutcomeWon       Outcome = "won"       // a rule decided for the submitter
	OutcomeLost      Outcome = "lost"      // a rule decided for the other party
	OutcomeReview    Outcome = "review"    // a rule (or the policy) asks a person to decide
	OutcomeTie       Outcome = "tie"       // no enabled rule separates the two claims
	OutcomeDuplicate Outcome = "duplicate" // the submitter's own registration in force
	OutcomeIgnored   Outcome = "ignored"   // not a competing claim (see Pair.Note)
)

// Reason says, in one code, why the ruling came out as it did.
type Reason string

// The reasons for a ruling.
const (
	ReasonNoCollision Reason = "no_collision"   // nothing competes with the submission
	ReasonRule        Reason = "rule"           // Result.Rule decided
	ReasonManual      Reason = "manual"         // Result.Rule asks a person to decide
	ReasonTie         Reason = "tie"            // no enabled rule separated the claims
	ReasonPossible    Reason = "possible_match" // an uncertain match stands in the way
	ReasonDuplicate   Reason = "own_duplicate"  // the partner already registered this customer
)

// Pair records how the submission compares with one candidate.
type Pair struct {
	Candidate Candidate
	Type      Type
	Outcome   Outcome
	Rule      RuleKey // the rule that decided the pair; empty when none did
	// Note is an internal sentence describing the comparison. It may name the party.
	Note string
}

// Result is the engine's recommendation and everything a reviewer needs to check it.
type Result struct {
	Ruling Ruling
	Type   Type
	Status Status
	Reason Reason
	// Rule is the rule that decided the ruling; empty for no collision, ties, possible
	// matches sent to review and duplicates.
	Rule RuleKey
	// PartnerExplanation is safe to send to the submitting partner: it never names
	// another party, nor reveals another party's record, amount, dates or motion.
	PartnerExplanation string
	// InternalExplanation is for reviewers and the audit log; it names every party.
	InternalExplanation string
	// Pairs lists every candidate's comparison in evaluation order (certain matches
	// first, then by descending score, kind and reference).
	Pairs []Pair
}
