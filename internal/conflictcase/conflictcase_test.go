package conflictcase

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/tandem"
)

func snapshot() Snapshot {
	return Snapshot{
		Accounts: map[string]Account{
			"acc_a": {ID: "acc_a", Name: "Acme", OwnerUserID: "usr_sofia", Region: "NL"},
			"acc_b": {ID: "acc_b", Name: "Brightwater"},
			"acc_c": {ID: "acc_c", Name: "Cobalt", IncumbentPartnerID: "prt_2"},
			"acc_d": {ID: "acc_d", Name: "Cobalt Inc", OwnerUserID: "usr_sofia"},
		},
		Opportunities: []Opportunity{
			{ID: "opp_1", Name: "Acme rollout", AccountID: "acc_a", PartnerID: "prt_1", Motion: tandem.MotionReferral},
			{ID: "opp_2", Name: "Brightwater pilot", AccountID: "acc_b", PartnerID: "prt_1", Motion: tandem.MotionReferral},
			{ID: "opp_3", Name: "Brightwater resale", AccountID: "acc_b", PartnerID: "prt_2", Motion: tandem.MotionReferral},
		},
		Registrations: []Registration{
			{ID: "reg_1", CustomerName: "Delta", PartnerID: "prt_1", Motion: tandem.MotionReferral, Approved: true, MatchedRegistrations: []string{"reg_2"}},
			{ID: "reg_2", CustomerName: "Delta BV", PartnerID: "prt_2", Motion: tandem.MotionResale, MatchedRegistrations: []string{"reg_1"}},
			{ID: "reg_3", CustomerName: "ACME", PartnerID: "prt_3", Motion: tandem.MotionReferral, MatchedAccounts: []string{"acc_a"}},
			{ID: "reg_4", CustomerName: "Delta", PartnerID: "prt_1", Motion: tandem.MotionReferral, MatchedRegistrations: []string{"reg_1"}},
		},
		Duplicates:   []DuplicatePair{{A: "acc_c", B: "acc_d", Score: 0.93, Reasons: []string{"equal after removing legal form"}}},
		PartnerNames: map[string]string{"prt_1": "Northwind", "prt_2": "Southgate", "prt_3": "Eastway"},
	}
}

func TestDetectFindsEachConflictOnceWithItsTypeAndStatus(t *testing.T) {
	got := Detect(snapshot())
	type row struct {
		key    string
		typ    conflict.Type
		status Status
	}
	want := []row{
		{"direct_vs_partner:acc_a,opp_1", conflict.TypeVertical, Active},
		{"direct_vs_partner:acc_a,reg_3", conflict.TypeVertical, Risk},
		{"duplicate_accounts:acc_c,acc_d", conflict.TypeVertical, Risk},
		{"overlapping_registrations:reg_1,reg_2", conflict.TypeMultiChannel, Risk},
		{"two_open_opportunities:acc_b,opp_2,opp_3", conflict.TypeHorizontal, Active},
	}
	if len(got) != len(want) {
		var keys []string
		for _, f := range got {
			keys = append(keys, f.Key)
		}
		t.Fatalf("found %d conflicts %v, want %d", len(got), keys, len(want))
	}
	for i, w := range want {
		if got[i].Key != w.key || got[i].Type != w.typ || got[i].Status != w.status {
			t.Errorf("conflict %d: %s %s %s, want %s %s %s", i, got[i].Key, got[i].Type, got[i].Status, w.key, w.typ, w.status)
		}
		if got[i].Summary == "" || got[i].Evidence == "" {
			t.Errorf("%s has no summary or evidence", got[i].Key)
		}
	}
	// The partner's own second registration is not a conflict with itself (reg_4 and
	// reg_1 are both prt_1's), and the two-way match reg_1↔reg_2 is one case.
	for _, f := range got {
		if strings.Contains(f.Key, "reg_4") {
			t.Errorf("a partner's two registrations of one customer became a conflict: %s", f.Key)
		}
	}
	if !slices.Equal(got[3].PartnerIDs, []string{"prt_1", "prt_2"}) {
		t.Errorf("parties %v", got[3].PartnerIDs)
	}
}

func TestDetectIsDeterministicWhateverTheInputOrder(t *testing.T) {
	base := Detect(snapshot())
	for i := range 20 {
		s := snapshot()
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		rng.Shuffle(len(s.Opportunities), func(a, b int) { s.Opportunities[a], s.Opportunities[b] = s.Opportunities[b], s.Opportunities[a] })
		rng.Shuffle(len(s.Registrations), func(a, b int) { s.Registrations[a], s.Registrations[b] = s.Registrations[b], s.Registrations[a] })
		got := Detect(s)
		if len(got) != len(base) {
			t.Fatalf("shuffle %d: %d findings, want %d", i, len(got), len(base))
		}
		for j := range got {
			if got[j].Key != base[j].Key || got[j].Status != base[j].Status || got[j].Type != base[j].Type {
				t.Fatalf("shuffle %d: finding %d differs: %s vs %s", i, j, got[j].Key, base[j].Key)
			}
		}
	}
}

func TestApprovedOverlapIsActive(t *testing.T) {
	s := snapshot()
	s.Registrations[1].Approved = true
	for _, f := range Detect(s) {
		if f.Cause == OverlappingRegistrations && f.Status != Active {
			t.Errorf("two approved registrations of one customer: %s, want active", f.Status)
		}
	}
}

func TestMeasureCountsRatesAndTimes(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	mk := func(opened time.Time, cause Cause, ack, resolve time.Duration, partners ...string) Case {
		c := Case{OpenedAt: opened, AckDueAt: opened.Add(24 * time.Hour), Cause: cause, Type: conflict.TypeHorizontal, Motion: tandem.MotionResale, Region: "EMEA", PartnerIDs: partners}
		if ack > 0 {
			c.AcknowledgedAt = opened.Add(ack)
		}
		if resolve > 0 {
			c.ResolvedAt, c.Status = opened.Add(resolve), Resolved
		}
		return c
	}
	cases := []Case{
		mk(t0, OverlappingRegistrations, 2*time.Hour, 48*time.Hour, "prt_1", "prt_2"),
		mk(t0.Add(time.Hour), OverlappingRegistrations, 30*time.Hour, 0, "prt_1"),
		mk(t0.Add(2*time.Hour), DirectVersusPartner, 4*time.Hour, 24*time.Hour, "prt_3"),
		mk(t0.Add(-48*time.Hour), DuplicateAccounts, time.Hour, time.Hour), // before the period
	}
	m := Measure(cases, 30, t0, t0.Add(7*24*time.Hour), func(id string) string { return "P " + id })
	if m.Opened != 3 || m.Resolved != 2 || m.Acknowledged != 3 || m.AckMet != 2 {
		t.Fatalf("opened %d resolved %d acknowledged %d met %d", m.Opened, m.Resolved, m.Acknowledged, m.AckMet)
	}
	if m.Rate != 10 {
		t.Errorf("rate %v per 100 registrations, want 10", m.Rate)
	}
	if m.AckMedian != 4*time.Hour || m.AckP90 != 30*time.Hour || m.ResolveMedian != 24*time.Hour {
		t.Errorf("ack median %v p90 %v, resolve median %v", m.AckMedian, m.AckP90, m.ResolveMedian)
	}
	if len(m.ByCause) != 2 || m.ByCause[0].Key != string(OverlappingRegistrations) || m.ByCause[0].N != 2 {
		t.Errorf("by cause %+v", m.ByCause)
	}
	if len(m.ByPartner) != 3 || m.ByPartner[0].Key != "prt_1" || m.ByPartner[0].N != 2 || m.ByPartner[0].Label != "P prt_1" {
		t.Errorf("by partner %+v", m.ByPartner)
	}
	if empty := Measure(nil, 0, t0, t0.Add(time.Hour), nil); empty.Rate != 0 || empty.AckMedian != 0 {
		t.Errorf("no cases: %+v", empty)
	}
}

func TestPriceProtectionAndRenewalConflicts(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	win := func(from, until int) *Window { return &Window{From: day(from), Until: day(until)} }
	s := Snapshot{
		Accounts: map[string]Account{
			"acc_p": {ID: "acc_p", Name: "Pinewood"},
			"acc_r": {ID: "acc_r", Name: "Riverside", IncumbentPartnerID: "prt_1"},
			"acc_s": {ID: "acc_s", Name: "Stonebridge", IncumbentPartnerID: "prt_1"},
		},
		Opportunities: []Opportunity{
			// Pinewood: prt_1 protected 1–10 Dec, prt_2 5–20 Dec (overlap), direct 10–15 Dec
			// (touches prt_1's end, which is excluded, and overlaps prt_2's).
			{ID: "opp_p1", Name: "Pinewood A", AccountID: "acc_p", PartnerID: "prt_1", Motion: tandem.MotionResale, Protected: win(1, 10)},
			{ID: "opp_p2", Name: "Pinewood B", AccountID: "acc_p", PartnerID: "prt_2", Motion: tandem.MotionResale, Protected: win(5, 20)},
			{ID: "opp_p3", Name: "Pinewood C", AccountID: "acc_p", OwnerUserID: "usr_sofia", Protected: win(10, 15)},
			// Riverside's renewal is worked by prt_2 although prt_1 is the incumbent.
			{ID: "opp_r1", Name: "Riverside renewal", AccountID: "acc_r", PartnerID: "prt_2", Motion: tandem.MotionReferral, Renewal: true},
			// Stonebridge's renewal is with its incumbent: no conflict.
			{ID: "opp_s1", Name: "Stonebridge renewal", AccountID: "acc_s", PartnerID: "prt_1", Motion: tandem.MotionReferral, Renewal: true},
		},
		PartnerNames: map[string]string{"prt_1": "Northwind", "prt_2": "Southgate"},
	}
	got := map[string]Finding{}
	for _, f := range Detect(s) {
		got[f.Key] = f
	}
	for key, typ := range map[string]conflict.Type{
		"overlapping_price_protection:acc_p,opp_p1,opp_p2": conflict.TypeHorizontal,
		"overlapping_price_protection:acc_p,opp_p2,opp_p3": conflict.TypeVertical,
		"renewal_by_non_incumbent:acc_r,opp_r1":            conflict.TypeMultiChannel,
	} {
		f, ok := got[key]
		if !ok || f.Type != typ || f.Status != Active {
			t.Errorf("%s: %+v, want an active %s conflict", key, f, typ)
		}
	}
	if _, ok := got["overlapping_price_protection:acc_p,opp_p1,opp_p3"]; ok {
		t.Error("windows that only touch (one ends as the other starts) do not overlap")
	}
	for key := range got {
		if strings.Contains(key, "opp_s1") && strings.HasPrefix(key, "renewal") {
			t.Errorf("the incumbent's own renewal became a conflict: %s", key)
		}
	}
	r := got["renewal_by_non_incumbent:acc_r,opp_r1"]
	if !strings.Contains(r.Evidence, "Northwind") || !slices.Equal(r.PartnerIDs, []string{"prt_1", "prt_2"}) {
		t.Errorf("renewal evidence %q, parties %v", r.Evidence, r.PartnerIDs)
	}
}
