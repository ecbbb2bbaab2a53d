package conflict

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"rules":[{"key":"tier_priority","enabled":true}],"direct_ownership":"registered_first","certifications":["a"],"possible_matches":"review"}`))
	f.Add([]byte(`{"rules":[{"key":"named_account","enabled":true},{"key":"named_account","enabled":false}]}`))
	f.Add([]byte(`{"rules":null,"certifications":[""]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("error of kind %q: %v", tandem.KindOf(err), err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
		if _, err := Evaluate(p, submitter(), []Candidate{cand(rival()), cand(direct())}, now); err != nil {
			t.Fatalf("a parsed policy cannot be evaluated: %v", err)
		}
	})
}

// FuzzPartnerExplanationNeverNamesTheOtherParty evaluates arbitrary facts and checks
// that the text meant for the submitter never contains the other party's name, id or
// record reference.
func FuzzPartnerExplanationNeverNamesTheOtherParty(f *testing.F) {
	f.Add("Zephyrion Systems", "p_rival", "reg_1", uint16(0), int8(0), int8(2), true, false)
	f.Add("Northwind Resale", "p_nw", "opp_9", uint16(0xffff), int8(-60), int8(5), false, true)
	f.Fuzz(func(t *testing.T, name, id, ref string, bits uint16, minutes, tier int8, possible, directParty bool) {
		if id == "" || id == submitter().PartnerID {
			return
		}
		s := submitter()
		s.NamedAccount = bits&1 != 0
		s.Incumbent = bits&2 != 0
		if bits&4 != 0 {
			s.Certifications = []string{"c"}
		}
		if bits&8 != 0 {
			s.ExclusiveTerritories = []string{s.Territory}
		}
		pt := rival()
		pt.Name, pt.PartnerID = name, id
		pt.NamedAccount = bits&16 != 0
		pt.Incumbent = bits&32 != 0
		if bits&64 != 0 {
			pt.Certifications = []string{"c"}
		}
		if bits&128 != 0 {
			pt.ExclusiveTerritories = []string{s.Territory}
		}
		pt.Registration = []RegStatus{RegPending, RegApproved, RegNone, RegExpired}[bits>>8&3]
		pt.ClaimedAt = t0.Add(time.Duration(minutes) * time.Minute)
		pt.TierRank = int(tier)
		if directParty {
			pt.Side = SideDirect
		}
		p := DefaultPolicy()
		p.DirectOwnership = []DirectMode{DirectManual, DirectWins, DirectRegisteredFirst}[int(bits>>10&3)%3]
		if bits&(1<<12) != 0 {
			p.Rules[len(p.Rules)-1].Enabled = true
		}
		c := Candidate{Ref: ref, Kind: KindOpportunity, Match: MatchCertain, Score: 0.9, Party: pt}
		if possible {
			c.Match = MatchPossible
		}
		r, err := Evaluate(p, s, []Candidate{c}, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{name, id, ref} {
			// Only secrets that the fixed sentences could not contain by chance are checked.
			if len(secret) < 4 || strings.Contains(allPartnerText(), secret) {
				continue
			}
			if strings.Contains(r.PartnerExplanation, secret) {
				t.Fatalf("partner explanation reveals %q: %s", secret, r.PartnerExplanation)
			}
		}
	})
}

// allPartnerText is every fixed sentence that can reach a partner.
func allPartnerText() string {
	var b strings.Builder
	for _, k := range AllRules() {
		b.WriteString(k.Label() + winText(k))
		for _, side := range []Side{SideDirect, SidePartner} {
			for _, m := range []DirectMode{DirectWins, DirectRegisteredFirst, DirectManual} {
				b.WriteString(loseText(k, side, m))
			}
		}
	}
	for _, r := range []Result{{Ruling: Approve, Reason: ReasonNoCollision}, {Ruling: Approve, Reason: ReasonRule}, {Ruling: Decline},
		{Ruling: Review, Reason: ReasonManual}, {Ruling: Review, Reason: ReasonDuplicate}, {Ruling: Review, Reason: ReasonTie}} {
		b.WriteString(partnerExplanation(r, nil, DefaultPolicy()))
	}
	return b.String()
}
