package program

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

var now = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func paths(err error) []string {
	var out []string
	for _, f := range tandem.FieldsOf(err) {
		out = append(out, f.Path)
	}
	return out
}

func TestDefaultProgramIsValidAndRanksTiersInOrder(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := d.Names(); !slices.Equal(got, []string{"Registered", "Silver", "Gold", "Platinum"}) {
		t.Fatalf("names %v", got)
	}
	if r := d.Ranks(); r["gold"] != 3 || r["registered"] != 1 {
		t.Fatalf("ranks %v", r)
	}
	if s, err := Parse(nil); err != nil || len(s.Tiers) != 4 {
		t.Fatalf("empty document: %+v, %v", s, err)
	}
}

func TestValidateNamesEveryBadField(t *testing.T) {
	s := Settings{GraceDays: -1, Tiers: []Tier{
		{Name: "Gold", Rank: 3},
		{Name: " gold ", Rank: 3, Requirements: Requirements{RevenueMinor: -1, Certifications: -2, Registrations90d: -3}, Benefits: []string{""}},
		{Name: "", Rank: 0},
	}}
	want := []string{"tiers[1].name", "tiers[1].rank", "tiers[1].requirements.revenue_minor", "tiers[1].requirements.certifications",
		"tiers[1].requirements.registrations_90d", "tiers[1].benefits[0]", "tiers[2].name", "tiers[2].rank", "grace_days"}
	if got := paths(s.Validate()); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if got := paths((Settings{}).Validate()); !slices.Equal(got, []string{"tiers"}) {
		t.Fatalf("no tiers: %v", got)
	}
	if _, err := Parse([]byte(`{"tiers":[],"surprise":1}`)); tandem.KindOf(err) != tandem.KindInvalid {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestCheckTierAcceptsProgramTiersOnly(t *testing.T) {
	d := Default()
	for _, ok := range []string{"", "Gold", " gold ", "PLATINUM"} {
		if err := d.CheckTier(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	err := d.CheckTier("Bronze")
	if got := paths(err); !slices.Equal(got, []string{"tier"}) {
		t.Fatalf("Bronze: %v", err)
	}
}

func TestAssess(t *testing.T) {
	s := Default() // Silver: 50,000.00 and 2 registrations; Gold: 250,000.00 and 5
	day := 24 * time.Hour
	silverish := Measures{RevenueMinor: 6_000_000, Registrations90d: 3}
	cases := []struct {
		name       string
		current    string
		m          Measures
		belowSince time.Time
		dir        Direction
		to         string
		below      bool
		graceEnds  bool
	}{
		{"meets its tier: nothing", "Silver", silverish, time.Time{}, "", "", false, false},
		{"qualifies higher: promotion at once", "Registered", silverish, time.Time{}, Promotion, "Silver", false, false},
		{"jumps two tiers", "Registered", Measures{RevenueMinor: 30_000_000, Registrations90d: 6, Certifications: 3}, time.Time{}, Promotion, "Gold", false, false},
		{"missing certifications hold a promotion back", "Silver", Measures{RevenueMinor: 30_000_000, Registrations90d: 6}, time.Time{}, "", "", false, false},
		{"certifications complete the promotion", "Silver", Measures{RevenueMinor: 30_000_000, Registrations90d: 6, Certifications: 2}, time.Time{}, Promotion, "Gold", false, false},
		{"lost certifications count against the tier", "Gold", Measures{RevenueMinor: 30_000_000, Registrations90d: 6, Certifications: 1}, time.Time{}, "", "", true, true},
		{"first found below: grace starts, nothing proposed", "Gold", silverish, time.Time{}, "", "", true, true},
		{"below within grace: nothing proposed", "Gold", silverish, now.Add(-59 * day), "", "", true, true},
		{"below past grace: demotion", "Gold", silverish, now.Add(-60 * day), Demotion, "Silver", true, false},
		{"revenue alone is not enough", "Registered", Measures{RevenueMinor: 6_000_000}, time.Time{}, "", "", false, false},
		{"lowest tier is never taken away", "Registered", Measures{}, now.Add(-400 * day), "", "", false, false},
		{"unknown tier: proposed the qualified one", "Bronze", silverish, time.Time{}, Promotion, "Silver", false, false},
		{"no tier yet: proposed the entry tier", "", Measures{}, time.Time{}, Promotion, "Registered", false, false},
		{"recovering clears the standing", "Gold", Measures{RevenueMinor: 30_000_000, Registrations90d: 6, Certifications: 2}, now.Add(-10 * day), "", "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Assess(s, c.current, c.m, c.belowSince, now)
			if o.Direction != c.dir || o.To.Name != c.to {
				t.Fatalf("got %s to %q, want %s to %q (%s)", o.Direction, o.To.Name, c.dir, c.to, o.Describe())
			}
			if !o.BelowSince.IsZero() != c.below || !o.GraceEnds.IsZero() != c.graceEnds {
				t.Fatalf("below since %v, grace ends %v", o.BelowSince, o.GraceEnds)
			}
			if c.below && !c.belowSince.IsZero() && !o.BelowSince.Equal(c.belowSince) {
				t.Fatalf("below since moved from %v to %v", c.belowSince, o.BelowSince)
			}
		})
	}
}

func TestZeroGraceDemotesOnFirstFinding(t *testing.T) {
	s := Default()
	s.GraceDays = 0
	o := Assess(s, "Platinum", Measures{}, time.Time{}, now)
	if o.Direction != Demotion || o.To.Name != "Registered" || !o.BelowSince.Equal(now) {
		t.Fatalf("%+v", o)
	}
}

func TestEvidenceCountsCertifications(t *testing.T) {
	gold, _ := Default().Find("gold")
	ev := Evidence(gold, Measures{RevenueMinor: 1, Registrations90d: 9, Certifications: 1})
	if len(ev) != 3 || ev[0].Met || !ev[2].Met || !ev[1].Tracked || ev[1].Met || ev[1].Required != 2 || ev[1].Measured != 1 {
		t.Fatalf("%+v", ev)
	}
	if ev := Evidence(gold, Measures{Certifications: 2}); !ev[1].Met {
		t.Fatalf("two certifications do not meet a requirement of two: %+v", ev[1])
	}
}

// TestCertificationRequirementsWaitForACatalogue: a workspace that keeps no
// certification catalogue cannot have certified partners, so the default Gold and
// Platinum requirements must not hold partners back (or demote them) until it does.
func TestCertificationRequirementsWaitForACatalogue(t *testing.T) {
	gold := Tier{Name: "Gold", Rank: 3, Requirements: Requirements{Certifications: 2}}
	untracked := Measures{CertificationsUntracked: true}
	if !Qualifies(gold, untracked) {
		t.Fatal("without a catalogue the certification requirement held a partner back")
	}
	for _, c := range Evidence(gold, untracked) {
		if c.Requirement == "certifications" && (c.Tracked || !c.Met) {
			t.Fatalf("without a catalogue: %+v, want not tracked and met", c)
		}
	}
	if Qualifies(gold, Measures{Certifications: 1}) {
		t.Fatal("with a catalogue, one certification met a requirement of two")
	}
	if !Qualifies(gold, Measures{Certifications: 2}) {
		t.Fatal("with a catalogue, two certifications did not meet a requirement of two")
	}
}
