// Package conflict is the conflict policy engine (SPEC E5, F1–F2): given a submitted
// deal registration, the collisions the company matcher found for it and the workspace's
// Policy, it recommends a ruling (approve, decline or review), classifies the conflict
// (none, vertical, horizontal, multi-channel), names the rule that decided, and writes two
// explanations: one safe to send to the submitting partner, one for reviewers.
//
// The package is a pure function of its inputs: no I/O, no clock of its own (the caller
// passes now), no global state. The service layer gathers the facts (tier ranks,
// certifications held, named accounts, exclusivity, registration states) and records the
// Result in the audit log; the ruling is a recommendation that a reviewer confirms or an
// auto-approve rule acts on.
//
// # The hierarchy
//
// A Policy is an ordered list of rules, each on or off. The submission is compared with
// each candidate separately; the first enabled rule that separates the two claims decides
// that pair, and later rules are not consulted. Rules that cannot separate the claims
// (both sides equal, a fact unknown) pass to the next rule. When no rule separates them
// the pair is a tie, which a person settles.
//
// Not every rule applies to every party:
//
//	rule                           partner   direct sales
//	named_account                  yes       yes
//	territory_exclusivity          yes       no
//	direct_ownership               no        yes
//	registered_beats_unregistered  yes       no (direct sales does not register deals)
//	incumbent_beats_net_new        yes       yes
//	certification                  yes       no
//	first_come_first_served        yes       no (direct_ownership's registered_first covers it)
//	tier_priority                  yes       no
//
// "Registered" is graded: a submission is itself a registration, so it beats a partner
// with none (or one that is declined, expired or withdrawn); it ties with another pending
// registration; and it loses to an approved registration whose protection is still
// running at now.
//
// First come, first served compares Submission.SubmittedAt with Party.ClaimedAt; tier
// priority compares TierRank (higher wins). Placing both in one policy is allowed: the
// earlier one applies first and the later one only settles exact ties.
//
// # Conflict types
//
// A pair against direct sales is vertical; against a partner running the same motion,
// horizontal; against a partner running another motion, multi-channel. The Result's type
// is the most severe among competing pairs, in the order vertical, multi-channel,
// horizontal.
package conflict
