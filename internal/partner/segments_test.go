package partner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/segment"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestSegmentRulesOverPartners(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	fit := func(n int) *fitscore.Result { return &fitscore.Result{Score: n} }
	ps := []Partner{
		{ID: "a", Name: "Acme Cloud", Tier: "Gold", Lifecycle: Active, Region: "EMEA", Regions: []string{"EMEA", "APAC"}, Motions: []tandem.Motion{tandem.MotionResale},
			Verticals: []string{"Finance"}, Tags: []string{"strategic"}, FitResult: fit(82), CreatedAt: now.AddDate(0, -1, 0), OwnerUserID: "usr_1"},
		{ID: "b", Name: "Beta Partners", Tier: "Silver", Lifecycle: Dormant, Region: "NA", Regions: []string{"NA"}, Motions: []tandem.Motion{tandem.MotionReferral},
			FitResult: fit(40), CreatedAt: now.AddDate(-1, 0, 0), Territories: []string{"US West"}},
		{ID: "c", Name: "Gamma", Tier: "gold", Lifecycle: Onboarding, CreatedAt: now.AddDate(0, 0, -3), NamedAccounts: []string{"acme.example"}},
	}
	act := map[string]Activity{"a": {LastActivity: now.AddDate(0, 0, -5), Registrations: 7, Contacts: 2}, "b": {LastActivity: now.AddDate(0, 0, -90), Registrations: 1}}
	recs := make([]segment.Record, len(ps))
	for i := range ps {
		recs[i] = record{p: &ps[i], a: act[ps[i].ID]}
	}
	for _, tc := range []struct {
		rule string
		want []string
	}{
		{`tier = "Gold"`, []string{"a", "c"}},
		{`tier = "Gold" and fit >= 70`, []string{"a"}},
		{`fit < 50`, []string{"b"}},
		{`fit is empty`, []string{"c"}},
		{`motions contains "resale" or territories contains "us west"`, []string{"a", "b"}},
		{`regions contains "apac"`, []string{"a"}},
		{`not region = "EMEA"`, []string{"b", "c"}},
		{`verticals in ("Finance", "Health")`, []string{"a"}},
		{`tags contains "strategic"`, []string{"a"}},
		{`named_accounts is not empty`, []string{"c"}},
		{`owner is empty`, []string{"b", "c"}},
		{`lifecycle in ("active", "onboarding")`, []string{"a", "c"}},
		{`registrations >= 5 and contacts = 2`, []string{"a"}},
		{`contacts = 0`, []string{"b", "c"}},
		{segment.DormantRule, []string{"b"}},
		{`last_activity older than 60 days or last_activity is empty`, []string{"b", "c"}},
		{`created newer than 7 days`, []string{"c"}},
		{`name contains "cloud"`, []string{"a"}},
	} {
		r, err := segment.Parse(tc.rule, Schema)
		if err != nil {
			t.Fatalf("%s: %v", tc.rule, err)
		}
		var got []string
		for _, m := range r.Filter(recs, now) {
			got = append(got, m.ID())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.rule, got, tc.want)
		}
	}
	top, err := segment.TopPercent(recs, "fit", 20)
	if err != nil || !slices.Equal(top, []string{"a"}) {
		t.Fatalf("top 20%% by fit: %v, %v", top, err)
	}
}

func TestSegmentRulesThatAreRefused(t *testing.T) {
	for _, tc := range []struct{ rule, says string }{
		{`tier = `, "column 8"},
		{`tierr = "Gold"`, "tier"},
		{`fit >= "high"`, "column 8"},
		{`tier = "Gold" and (fit > 3`, "column"},
		{``, "empty"},
		{`engagement < 30`, "column 1"},
	} {
		err := Check(tc.rule)
		if tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("%q: %v", tc.rule, err)
		}
		f := tandem.FieldsOf(err)
		if len(f) != 1 || f[0].Path != "rule" || !strings.Contains(f[0].Detail, tc.says) {
			t.Errorf("%q: %+v, want the detail to say %q", tc.rule, f, tc.says)
		}
	}
}
