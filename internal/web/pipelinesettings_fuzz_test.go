package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParsePipelineSettingsForm feeds the pipeline settings form parser arbitrary
// bodies: it never panics, yields at most one band per row sent, and what it yields
// either passes the service's validation or is refused with named fields — never
// accepted while the form itself found something unreadable.
func FuzzParsePipelineSettingsForm(f *testing.F) {
	for _, seed := range []string{
		"freshness_days=7&follow_up_hours=24&renewal_confirm_days=90&renewal_escalate_days=14&ceiling=30&exception_approver=sales_leadership",
		"freshness_days=7&follow_up_hours=24&renewal_confirm_days=90&renewal_escalate_days=14&ceiling=40&exception_approver=vp&band_name=Std&band_min=0&band_max=10&band_tier=gold&band_motion=resale&band_name=High&band_min=10&band_max=25&band_approver=partner_manager",
		"freshness_days=x&ceiling=1e3&band_name=&band_min=&band_max=&band_name=A&band_min=-5&band_max=abc",
		"tpl_referral=intro+%7C+Intro+%7C+partner+%7C+7%0Abad+line%0A%0Aa+%7C+b+%7C+c+%7C+d&tpl_resale=",
		"tpl_tech=" + url.QueryEscape(strings.Repeat("k | t | vendor | 1\n", 40)),
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		set, probs, rowOf := parsePipelineSettings(form, pipeline.DefaultSettings())
		if set.Pricing == nil || len(set.Pricing.Bands) > len(form["band_name"]) || len(rowOf) != len(set.Pricing.Bands) {
			t.Fatalf("bands %v from %d rows (rows %v)", set.Pricing, len(form["band_name"]), rowOf)
		}
		verr := set.Validate()
		if len(probs) > 0 && verr == nil {
			t.Fatalf("unreadable fields %v, yet the settings validate", probs)
		}
		for _, fe := range append(tandem.FieldsOf(verr), probs...) {
			if fe.Path == "" || fe.Detail == "" {
				t.Fatalf("unnamed problem %+v", fe)
			}
		}
		_ = settingsErrors(append(tandem.FieldsOf(verr), probs...), rowOf)
	})
}

// FuzzParsePlanLines: a plan template typed into the settings form never panics the
// parser, and every milestone line yields exactly one item.
func FuzzParsePlanLines(f *testing.F) {
	for _, seed := range []string{"intro | Intro call | partner | 7\nproposal | Proposal | vendor | 30", "a|b|c", "x | y | vendor | 1e3", "\n\n  \n", "k | t | partner | -4"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		items, probs := ParsePlanLines(text)
		lines := 0
		for _, l := range strings.Split(text, "\n") {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if len(items) != lines {
			t.Fatalf("%d items from %d lines", len(items), lines)
		}
		for i := range probs {
			if i < 0 || i >= len(items) || items[i].DueDays != -1 {
				t.Fatalf("problem at %d of %d items: %+v", i, len(items), items)
			}
		}
	})
}
