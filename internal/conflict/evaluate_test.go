package conflict

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

var (
	t0  = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // the submission
	now = t0.Add(time.Hour)
)

// submitter returns a submission that every rule sees as equal to rival().
func submitter() Submission {
	return Submission{
		PartnerID:   "p_submitter",
		Motion:      tandem.MotionResale,
		TierRank:    2,
		Territory:   "emea",
		SubmittedAt: t0,
	}
}

// rival returns a partner party that ties with submitter() under every rule.
func rival() Party {
	return Party{
		Side:         SidePartner,
		PartnerID:    "p_rival_7731",
		Name:         "Zephyrion Systems",
		Motion:       tandem.MotionResale,
		TierRank:     2,
		Registration: RegPending,
		ClaimedAt:    t0,
	}
}

// direct returns a direct-sales party that ties with submitter() under every rule.
func direct() Party {
	return Party{Side: SideDirect, Name: "Quillfeather (AE)", ClaimedAt: t0}
}

func cand(pt Party) Candidate {
	k := KindOpportunity
	if pt.Side == SidePartner && pt.Registration != "" && pt.Registration != RegNone {
		k = KindRegistration
	}
	return Candidate{Ref: "rec_secret_42", Kind: k, Match: MatchCertain, Score: 0.97, Party: pt}
}

// only returns a policy with exactly the given rules enabled, in that order.
func only(mode DirectMode, keys ...RuleKey) Policy {
	p := Policy{DirectOwnership: mode, PossibleMatches: PossibleEvaluate}
	for _, k := range keys {
		p.Rules = append(p.Rules, RuleSetting{Key: k, Enabled: true})
	}
	return p
}

func mustEvaluate(t *testing.T, p Policy, s Submission, cs ...Candidate) Result {
	t.Helper()
	r, err := Evaluate(p, s, cs, now)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	checkPartnerSafe(t, r, cs)
	return r
}

// checkPartnerSafe fails if the partner-facing text reveals anything about another party.
func checkPartnerSafe(t *testing.T, r Result, cs []Candidate) {
	t.Helper()
	if r.PartnerExplanation == "" {
		t.Error("empty partner explanation")
	}
	for _, c := range cs {
		for _, secret := range []string{c.Ref, c.Party.PartnerID, c.Party.Name, c.Party.Motion.Label(), stamp(c.Party.ClaimedAt), "2026"} {
			if secret != "" && c.Party.PartnerID != submitter().PartnerID && strings.Contains(r.PartnerExplanation, secret) {
				t.Errorf("partner explanation reveals %q: %s", secret, r.PartnerExplanation)
			}
		}
	}
}

type mutation struct {
	sub   func(*Submission)
	party func(*Party)
}

// winLose describes, for each rule, a change that makes the submitter win under that rule
// alone and one that makes it lose. The changes touch disjoint fields, so any two rules'
// changes can be combined.
var winLose = map[RuleKey][2]mutation{
	RuleNamedAccount: {
		{sub: func(s *Submission) { s.NamedAccount = true }},
		{party: func(p *Party) { p.NamedAccount = true }},
	},
	RuleTerritoryExclusivity: {
		{sub: func(s *Submission) { s.ExclusiveTerritories = []string{"apac", "emea"} }},
		{party: func(p *Party) { p.ExclusiveTerritories = []string{"emea"} }},
	},
	RuleRegistered: {
		{party: func(p *Party) { p.Registration = RegNone }},
		{party: func(p *Party) { p.Registration = RegApproved }},
	},
	RuleIncumbent: {
		{sub: func(s *Submission) { s.Incumbent = true }},
		{party: func(p *Party) { p.Incumbent = true }},
	},
	RuleCertification: {
		{sub: func(s *Submission) { s.Certifications = []string{"resale_pro"} }},
		{party: func(p *Party) { p.Certifications = []string{"resale_pro"} }},
	},
	RuleFirstCome: {
		{party: func(p *Party) { p.ClaimedAt = t0.Add(time.Minute) }},
		{party: func(p *Party) { p.ClaimedAt = t0.Add(-time.Minute) }},
	},
	RuleTierPriority: {
		{sub: func(s *Submission) { s.TierRank = 3 }},
		{party: func(p *Party) { p.TierRank = 3 }},
	},
	RuleDirectOwnership: { // with DirectRegisteredFirst
		{party: func(p *Party) { p.ClaimedAt = t0.Add(time.Minute) }},
		{party: func(p *Party) { p.ClaimedAt = t0.Add(-time.Minute) }},
	},
}

func applyMut(m mutation, s *Submission, p *Party) {
	if m.sub != nil {
		m.sub(s)
	}
	if m.party != nil {
		m.party(p)
	}
}

func partnerRules() []RuleKey {
	var out []RuleKey
	for _, k := range AllRules() {
		if k != RuleDirectOwnership {
			out = append(out, k)
		}
	}
	return out
}

var directRules = []RuleKey{RuleNamedAccount, RuleIncumbent, RuleDirectOwnership}

func TestNoCandidatesApproves(t *testing.T) {
	for _, p := range []Policy{DefaultPolicy(), only(DirectManual)} {
		r := mustEvaluate(t, p, submitter())
		if r.Ruling != Approve || r.Type != TypeNone || r.Status != StatusNone || r.Reason != ReasonNoCollision || r.Rule != "" {
			t.Errorf("got %+v", r)
		}
		if !strings.Contains(r.InternalExplanation, "no candidates") {
			t.Errorf("internal = %q", r.InternalExplanation)
		}
	}
}

func TestEachRuleAloneAgainstAPartner(t *testing.T) {
	for _, k := range partnerRules() {
		for i, want := range []Ruling{Approve, Decline} {
			t.Run(fmt.Sprintf("%s/%s", k, want), func(t *testing.T) {
				s, pt := submitter(), rival()
				applyMut(winLose[k][i], &s, &pt)
				r := mustEvaluate(t, only(DirectManual, k), s, cand(pt))
				if r.Ruling != want || r.Rule != k || r.Reason != ReasonRule || r.Type != TypeHorizontal || r.Status != StatusActive {
					t.Errorf("got ruling %q rule %q reason %q type %q status %q", r.Ruling, r.Rule, r.Reason, r.Type, r.Status)
				}
				wantOutcome := OutcomeWon
				if want == Decline {
					wantOutcome = OutcomeLost
				}
				if r.Pairs[0].Outcome != wantOutcome {
					t.Errorf("pair outcome %q", r.Pairs[0].Outcome)
				}
				if !strings.Contains(r.PartnerExplanation, k.Label()) {
					t.Errorf("partner explanation does not name the rule: %s", r.PartnerExplanation)
				}
				if !strings.Contains(r.InternalExplanation, "Zephyrion Systems") || !strings.Contains(r.InternalExplanation, "rec_secret_42") {
					t.Errorf("internal explanation should name the party and record: %s", r.InternalExplanation)
				}
			})
		}
		t.Run(string(k)+"/equal claims tie", func(t *testing.T) {
			r := mustEvaluate(t, only(DirectManual, k), submitter(), cand(rival()))
			if r.Ruling != Review || r.Reason != ReasonTie || r.Rule != "" || r.Pairs[0].Outcome != OutcomeTie {
				t.Errorf("got %+v", r)
			}
		})
	}
}

func TestEachRuleAloneAgainstDirectSales(t *testing.T) {
	for _, k := range AllRules() {
		applies := slices.Contains(directRules, k)
		for i, want := range []Ruling{Approve, Decline} {
			t.Run(fmt.Sprintf("%s/%s", k, want), func(t *testing.T) {
				s, pt := submitter(), direct()
				applyMut(winLose[k][i], &s, &pt)
				r := mustEvaluate(t, only(DirectRegisteredFirst, k), s, cand(pt))
				if r.Type != TypeVertical || r.Status != StatusActive {
					t.Errorf("type %q status %q", r.Type, r.Status)
				}
				if !applies {
					if r.Ruling != Review || r.Reason != ReasonTie {
						t.Errorf("partner-only rule decided against direct sales: %+v", r)
					}
					return
				}
				if r.Ruling != want || r.Rule != k {
					t.Errorf("got %q by %q, want %q by %q", r.Ruling, r.Rule, want, k)
				}
			})
		}
	}
}

func TestRulePairsDecideInPolicyOrder(t *testing.T) {
	type setup struct {
		name  string
		rules []RuleKey
		party func() Party
	}
	for _, su := range []setup{{"partner", partnerRules(), rival}, {"direct", directRules, direct}} {
		for _, a := range su.rules {
			for _, b := range su.rules {
				if a == b {
					continue
				}
				// a says the submitter wins, b says it loses; then the other way round.
				for _, aWins := range []bool{true, false} {
					s, pt := submitter(), su.party()
					ai, bi := 0, 1
					if !aWins {
						ai, bi = 1, 0
					}
					applyMut(winLose[a][ai], &s, &pt)
					applyMut(winLose[b][bi], &s, &pt)
					name := fmt.Sprintf("%s/%s(win=%v)_before_%s", su.name, a, aWins, b)
					t.Run(name, func(t *testing.T) {
						r := mustEvaluate(t, only(DirectRegisteredFirst, a, b), s, cand(pt))
						want := map[bool]Ruling{true: Approve, false: Decline}[aWins]
						if r.Ruling != want || r.Rule != a {
							t.Errorf("order [%s %s]: got %q by %q, want %q by %q", a, b, r.Ruling, r.Rule, want, a)
						}
						r = mustEvaluate(t, only(DirectRegisteredFirst, b, a), s, cand(pt))
						want = map[bool]Ruling{true: Decline, false: Approve}[aWins]
						if r.Ruling != want || r.Rule != b {
							t.Errorf("order [%s %s]: got %q by %q, want %q by %q", b, a, r.Ruling, r.Rule, want, b)
						}
						p := only(DirectRegisteredFirst, a, b)
						p.Rules[0].Enabled = false
						r = mustEvaluate(t, p, s, cand(pt))
						if r.Rule != b {
							t.Errorf("with %s switched off: decided by %q, want %q", a, r.Rule, b)
						}
					})
				}
			}
		}
	}
}

func TestDirectOwnershipModes(t *testing.T) {
	early, late := t0.Add(-24*time.Hour), t0.Add(24*time.Hour)
	tests := []struct {
		mode    DirectMode
		claimed time.Time
		ruling  Ruling
		reason  Reason
	}{
		{DirectWins, early, Decline, ReasonRule},
		{DirectWins, late, Decline, ReasonRule},
		{DirectWins, time.Time{}, Decline, ReasonRule},
		{DirectManual, early, Review, ReasonManual},
		{DirectManual, late, Review, ReasonManual},
		{DirectRegisteredFirst, early, Decline, ReasonRule},
		{DirectRegisteredFirst, late, Approve, ReasonRule},
		{DirectRegisteredFirst, t0, Review, ReasonTie},          // same instant: nobody was first
		{DirectRegisteredFirst, time.Time{}, Review, ReasonTie}, // unknown time decides nothing
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.mode, tt.claimed.Format(time.DateOnly)), func(t *testing.T) {
			pt := direct()
			pt.ClaimedAt = tt.claimed
			c := Candidate{Ref: "acct_1", Kind: KindDirectOwnership, Match: MatchCertain, Score: 1, Party: pt}
			r := mustEvaluate(t, only(tt.mode, RuleDirectOwnership), submitter(), c)
			if r.Ruling != tt.ruling || r.Reason != tt.reason || r.Type != TypeVertical {
				t.Errorf("got %q/%q/%q, want %q/%q", r.Ruling, r.Reason, r.Type, tt.ruling, tt.reason)
			}
			if tt.reason == ReasonManual && r.Rule != RuleDirectOwnership {
				t.Errorf("manual ruling should name the rule, got %q", r.Rule)
			}
		})
	}
}

func TestDefaultPolicyScenarios(t *testing.T) {
	approvedRival := rival()
	approvedRival.Registration = RegApproved
	approvedRival.ClaimedAt = t0.Add(-30 * 24 * time.Hour)
	lapsed := approvedRival
	lapsed.ProtectedUntil = now // protection ends exactly now: no longer in force
	stillProtected := approvedRival
	stillProtected.ProtectedUntil = now.Add(time.Nanosecond)
	namedMine := submitter()
	namedMine.NamedAccount = true
	incumbentRival := rival()
	incumbentRival.Registration = RegNone
	incumbentRival.Incumbent = true
	later := rival()
	later.ClaimedAt = t0.Add(time.Hour)
	referral := rival()
	referral.Motion = tandem.MotionReferral
	referral.ClaimedAt = t0.Add(-time.Hour)

	opp := func(pt Party) Candidate { c := cand(pt); c.Kind = KindOpportunity; return c }
	tests := []struct {
		name   string
		sub    Submission
		cands  []Candidate
		ruling Ruling
		rule   RuleKey
		reason Reason
		typ    Type
	}{
		{"approved rival registration declines", submitter(), []Candidate{cand(approvedRival)}, Decline, RuleRegistered, ReasonRule, TypeHorizontal},
		{"rival registration whose protection ended exactly now is ignored", submitter(), []Candidate{cand(lapsed)}, Approve, "", ReasonNoCollision, TypeNone},
		{"lapsed protection on an opportunity counts as unregistered", submitter(), []Candidate{opp(lapsed)}, Approve, RuleRegistered, ReasonRule, TypeHorizontal},
		{"protection one instant from its end still wins", submitter(), []Candidate{cand(stillProtected)}, Decline, RuleRegistered, ReasonRule, TypeHorizontal},
		{"named account outranks an approved rival", namedMine, []Candidate{cand(approvedRival)}, Approve, RuleNamedAccount, ReasonRule, TypeHorizontal},
		{"unregistered incumbent loses to a registration", submitter(), []Candidate{opp(incumbentRival)}, Approve, RuleRegistered, ReasonRule, TypeHorizontal},
		{"two pending registrations: the earlier wins", submitter(), []Candidate{cand(later)}, Approve, RuleFirstCome, ReasonRule, TypeHorizontal},
		{"other motion earlier: multi-channel decline", submitter(), []Candidate{cand(referral)}, Decline, RuleFirstCome, ReasonRule, TypeMultiChannel},
		{"direct sales goes to a person", submitter(), []Candidate{cand(direct())}, Review, RuleDirectOwnership, ReasonManual, TypeVertical},
		{"certain loss outweighs a manual direct collision", submitter(), []Candidate{cand(direct()), cand(approvedRival)}, Decline, RuleRegistered, ReasonRule, TypeVertical},
		{"exact tie goes to review", submitter(), []Candidate{cand(rival())}, Review, "", ReasonTie, TypeHorizontal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustEvaluate(t, DefaultPolicy(), tt.sub, tt.cands...)
			if r.Ruling != tt.ruling || r.Rule != tt.rule || r.Reason != tt.reason || r.Type != tt.typ {
				t.Errorf("got %q/%q/%q/%q, want %q/%q/%q/%q\n%s", r.Ruling, r.Rule, r.Reason, r.Type, tt.ruling, tt.rule, tt.reason, tt.typ, r.InternalExplanation)
			}
		})
	}
}

func TestIgnoredCandidates(t *testing.T) {
	own := rival()
	own.PartnerID = submitter().PartnerID
	nobody := Party{Side: SideNone}
	tests := []struct {
		name    string
		c       Candidate
		ruling  Ruling
		reason  Reason
		outcome Outcome
	}{
		{"account without owner", Candidate{Ref: "a1", Kind: KindAccount, Match: MatchCertain, Score: 1, Party: nobody}, Approve, ReasonNoCollision, OutcomeIgnored},
		{"own opportunity", Candidate{Ref: "o1", Kind: KindOpportunity, Match: MatchCertain, Score: 1, Party: own}, Approve, ReasonNoCollision, OutcomeIgnored},
		{"own pending registration is a duplicate", cand(own), Review, ReasonDuplicate, OutcomeDuplicate},
	}
	for _, st := range []RegStatus{RegDeclined, RegExpired, RegWithdrawn} {
		pt := rival()
		pt.Registration = st
		tests = append(tests, struct {
			name    string
			c       Candidate
			ruling  Ruling
			reason  Reason
			outcome Outcome
		}{"rival registration " + string(st), cand(pt), Approve, ReasonNoCollision, OutcomeIgnored})
		ownOld := own
		ownOld.Registration = st
		tests = append(tests, struct {
			name    string
			c       Candidate
			ruling  Ruling
			reason  Reason
			outcome Outcome
		}{"own registration " + string(st), cand(ownOld), Approve, ReasonNoCollision, OutcomeIgnored})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustEvaluate(t, DefaultPolicy(), submitter(), tt.c)
			if r.Ruling != tt.ruling || r.Reason != tt.reason || r.Pairs[0].Outcome != tt.outcome || r.Type != TypeNone || r.Status != StatusNone {
				t.Errorf("got %q/%q/%q type %q status %q", r.Ruling, r.Reason, r.Pairs[0].Outcome, r.Type, r.Status)
			}
			if r.Pairs[0].Note == "" {
				t.Error("ignored pair without a note")
			}
		})
	}
}

func TestPossibleMatches(t *testing.T) {
	possible := func(pt Party) Candidate { c := cand(pt); c.Match = MatchPossible; c.Score = 0.6; return c }
	winner, loser := rival(), rival()
	winner.ClaimedAt = t0.Add(time.Hour) // submitter first
	loser.ClaimedAt = t0.Add(-time.Hour) // rival first
	certainLoser := cand(loser)
	tests := []struct {
		name   string
		mode   PossibleMode
		cands  []Candidate
		ruling Ruling
		reason Reason
		status Status
	}{
		{"evaluate: submitter would win", PossibleEvaluate, []Candidate{possible(winner)}, Approve, ReasonRule, StatusRisk},
		{"evaluate: submitter would lose, so review not decline", PossibleEvaluate, []Candidate{possible(loser)}, Review, ReasonPossible, StatusRisk},
		{"evaluate: tie", PossibleEvaluate, []Candidate{possible(rival())}, Review, ReasonPossible, StatusRisk},
		{"evaluate: direct manual", PossibleEvaluate, []Candidate{possible(direct())}, Review, ReasonPossible, StatusRisk},
		{"review: even a sure win", PossibleReview, []Candidate{possible(winner)}, Review, ReasonPossible, StatusRisk},
		{"ignore: loss does not count", PossibleIgnore, []Candidate{possible(loser)}, Approve, ReasonNoCollision, StatusNone},
		{"several possible only", PossibleEvaluate, []Candidate{possible(winner), possible(loser)}, Review, ReasonPossible, StatusRisk},
		{"certain loss beats possible win", PossibleEvaluate, []Candidate{possible(winner), certainLoser}, Decline, ReasonRule, StatusActive},
		{"certain win with possible loss is reviewed", PossibleEvaluate, []Candidate{cand(winner), possible(loser)}, Review, ReasonPossible, StatusActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			p.PossibleMatches = tt.mode
			r := mustEvaluate(t, p, submitter(), tt.cands...)
			if r.Ruling != tt.ruling || r.Reason != tt.reason || r.Status != tt.status {
				t.Errorf("got %q/%q/%q, want %q/%q/%q\n%s", r.Ruling, r.Reason, r.Status, tt.ruling, tt.reason, tt.status, r.InternalExplanation)
			}
			if r.Ruling == Review && r.Reason == ReasonPossible && r.Rule != "" {
				t.Errorf("possible-match review should not claim a deciding rule, got %q", r.Rule)
			}
		})
	}
}

func TestConflictTypeSumsUpTheMostSevere(t *testing.T) {
	other := rival()
	other.Motion = tandem.MotionMarketplace
	other.PartnerID = "p_other"
	tests := []struct {
		name  string
		cands []Candidate
		want  Type
	}{
		{"horizontal only", []Candidate{cand(rival())}, TypeHorizontal},
		{"multi-channel beats horizontal", []Candidate{cand(rival()), cand(other)}, TypeMultiChannel},
		{"vertical beats all", []Candidate{cand(rival()), cand(other), cand(direct())}, TypeVertical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := mustEvaluate(t, DefaultPolicy(), submitter(), tt.cands...); r.Type != tt.want {
				t.Errorf("type = %q, want %q", r.Type, tt.want)
			}
		})
	}
}

func TestCertificationPolicyList(t *testing.T) {
	tests := []struct {
		name         string
		policyCerts  []string
		mine, theirs []string
		ruling       Ruling
	}{
		{"any cert counts when list empty", nil, []string{"x"}, nil, Approve},
		{"only listed certs count", []string{"resale_pro"}, []string{"x"}, nil, Review},
		{"listed cert wins", []string{"resale_pro", "cloud"}, []string{"cloud"}, []string{"x"}, Approve},
		{"both certified tie", []string{"cloud"}, []string{"cloud"}, []string{"cloud"}, Review},
		{"rival certified", nil, nil, []string{"x"}, Decline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := only(DirectManual, RuleCertification)
			p.Certifications = tt.policyCerts
			s, pt := submitter(), rival()
			s.Certifications, pt.Certifications = tt.mine, tt.theirs
			if r := mustEvaluate(t, p, s, cand(pt)); r.Ruling != tt.ruling {
				t.Errorf("got %q, want %q", r.Ruling, tt.ruling)
			}
		})
	}
}

func TestTerritoryExclusivityNeedsAKnownTerritory(t *testing.T) {
	s, pt := submitter(), rival()
	s.Territory = ""
	s.ExclusiveTerritories = []string{""}
	if r := mustEvaluate(t, only(DirectManual, RuleTerritoryExclusivity), s, cand(pt)); r.Ruling != Review {
		t.Errorf("unknown territory should decide nothing, got %q", r.Ruling)
	}
	s = submitter()
	s.ExclusiveTerritories = []string{"apac"} // exclusivity elsewhere does not count
	if r := mustEvaluate(t, only(DirectManual, RuleTerritoryExclusivity), s, cand(pt)); r.Ruling != Review {
		t.Errorf("exclusivity in another territory decided %q", r.Ruling)
	}
}

func TestApproveNamesTheFirstWinningRule(t *testing.T) {
	a, b := rival(), rival()
	a.PartnerID, b.PartnerID = "p_a", "p_b"
	a.Registration = RegNone            // registered beats unregistered
	b.ClaimedAt = t0.Add(2 * time.Hour) // first come
	ca, cb := cand(a), cand(b)
	ca.Kind, ca.Score = KindOpportunity, 0.8 // lower score: evaluated second
	r := mustEvaluate(t, DefaultPolicy(), submitter(), ca, cb)
	if r.Ruling != Approve || r.Rule != RuleFirstCome {
		t.Errorf("got %q by %q", r.Ruling, r.Rule)
	}
	if r.Pairs[0].Candidate.Party.PartnerID != "p_b" {
		t.Errorf("pairs not ordered by score: %+v", r.Pairs)
	}
}

func TestEvaluateIsIndependentOfCandidateOrder(t *testing.T) {
	a, b, c := rival(), rival(), direct()
	a.PartnerID, b.PartnerID = "p_a", "p_b"
	b.Motion = tandem.MotionServices
	b.ClaimedAt = t0.Add(-time.Minute)
	cs := []Candidate{cand(a), cand(b), cand(c), {Ref: "x", Kind: KindAccount, Match: MatchPossible, Score: 0.5, Party: Party{Side: SideNone}}}
	cs[0].Ref, cs[1].Ref, cs[2].Ref = "r_a", "r_b", "r_c"
	want := mustEvaluate(t, DefaultPolicy(), submitter(), cs...)
	perm := slices.Clone(cs)
	for i := range 24 {
		// walk through rotations and swaps
		perm[i%4], perm[(i+1)%4] = perm[(i+1)%4], perm[i%4]
		got := mustEvaluate(t, DefaultPolicy(), submitter(), perm...)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order %v changed the result", perm)
		}
	}
}

func TestEvaluateRefusesMalformedInput(t *testing.T) {
	good := cand(rival())
	tests := []struct {
		name  string
		p     *Policy
		s     func(*Submission)
		c     func(*Candidate)
		paths []string
	}{
		{name: "invalid policy", p: &Policy{}, paths: []string{"direct_ownership", "possible_matches"}},
		{name: "submission", s: func(s *Submission) { s.PartnerID, s.Motion, s.SubmittedAt = "", "barter", time.Time{} },
			paths: []string{"submission.partner_id", "submission.motion", "submission.submitted_at"}},
		{name: "kind and match", c: func(c *Candidate) { c.Kind, c.Match = "rumour", "maybe" }, paths: []string{"candidates[0].kind", "candidates[0].match"}},
		{name: "score above one", c: func(c *Candidate) { c.Score = 1.5 }, paths: []string{"candidates[0].score"}},
		{name: "negative score", c: func(c *Candidate) { c.Score = -0.1 }, paths: []string{"candidates[0].score"}},
		{name: "partner without id and motion", c: func(c *Candidate) { c.Party.PartnerID, c.Party.Motion = "", "" },
			paths: []string{"candidates[0].party.partner_id", "candidates[0].party.motion"}},
		{name: "unknown side", c: func(c *Candidate) { c.Party.Side = "alien" }, paths: []string{"candidates[0].party.side"}},
		{name: "unknown status", c: func(c *Candidate) { c.Party.Registration = "lost" }, paths: []string{"candidates[0].party.registration"}},
		{name: "registration without status", c: func(c *Candidate) { c.Party.Registration = "" }, paths: []string{"candidates[0].party.registration"}},
		{name: "direct ownership held by a partner", c: func(c *Candidate) { c.Kind = KindDirectOwnership }, paths: []string{"candidates[0].party.side"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			if tt.p != nil {
				p = *tt.p
			}
			s, c := submitter(), good
			if tt.s != nil {
				tt.s(&s)
			}
			if tt.c != nil {
				tt.c(&c)
			}
			r, err := Evaluate(p, s, []Candidate{c}, now)
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("want invalid, got %v", err)
			}
			if !reflect.DeepEqual(r, Result{}) {
				t.Error("a result came back with the error")
			}
			var got []string
			for _, f := range tandem.FieldsOf(err) {
				got = append(got, f.Path)
			}
			if !slices.Equal(got, tt.paths) {
				t.Errorf("paths = %v, want %v", got, tt.paths)
			}
		})
	}
	t.Run("too many candidates", func(t *testing.T) {
		cs := make([]Candidate, MaxCandidates+1)
		_, err := Evaluate(DefaultPolicy(), submitter(), cs, now)
		if f := tandem.FieldsOf(err); len(f) != 1 || f[0].Path != "candidates" {
			t.Errorf("got %v", err)
		}
	})
}

func TestPartnerExplanationsCoverEveryRuleAndSide(t *testing.T) {
	for _, k := range AllRules() {
		for _, side := range []Side{SidePartner, SideDirect} {
			for _, mode := range []DirectMode{DirectWins, DirectRegisteredFirst} {
				lose := loseText(k, side, mode)
				if lose == loseText("unknown", side, mode) || winText(k) == winText("unknown") {
					t.Errorf("%s has no text of its own", k)
				}
			}
		}
	}
}

func TestTerritoryExclusivityCountsEveryTerritoryCoveringTheCustomer(t *testing.T) {
	tests := []struct {
		name        string
		territory   string
		territories []string
		mine        []string
		theirs      []string
		ruling      Ruling
		names       string
	}{
		{"their exclusivity in an overlapping territory", "", []string{"Benelux", "EMEA"}, nil, []string{"EMEA"}, Decline, `"EMEA"`},
		{"mine in the second territory", "", []string{"Benelux", "EMEA"}, []string{"EMEA"}, nil, Approve, `"EMEA"`},
		{"both exclusive somewhere covering the customer", "", []string{"Benelux", "EMEA"}, []string{"Benelux"}, []string{"EMEA"}, Review, ""},
		{"Territory and Territories together", "Nordics", []string{"EMEA"}, []string{"Nordics"}, nil, Approve, `"Nordics"`},
		{"exclusivity outside the customer's territories", "", []string{"Benelux"}, nil, []string{"DACH"}, Review, ""},
		{"no territory known", "", nil, []string{"Benelux"}, nil, Review, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, pt := submitter(), rival()
			s.Territory, s.Territories, s.ExclusiveTerritories, pt.ExclusiveTerritories = tt.territory, tt.territories, tt.mine, tt.theirs
			r := mustEvaluate(t, only(DirectManual, RuleTerritoryExclusivity), s, cand(pt))
			if r.Ruling != tt.ruling {
				t.Fatalf("got %q, want %q (%s)", r.Ruling, tt.ruling, r.InternalExplanation)
			}
			if tt.names != "" && (r.Rule != RuleTerritoryExclusivity || !strings.Contains(r.InternalExplanation, tt.names)) {
				t.Errorf("the explanation should name territory %s under the exclusivity rule: %s", tt.names, r.InternalExplanation)
			}
			if strings.Contains(r.PartnerExplanation, "EMEA") || strings.Contains(r.PartnerExplanation, "DACH") {
				t.Errorf("the partner explanation names a territory another party holds: %s", r.PartnerExplanation)
			}
		})
	}
}
