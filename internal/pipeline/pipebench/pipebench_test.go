package pipebench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunMeasuresEveryOperationWithListPlans(t *testing.T) {
	res, err := Run(context.Background(), Options{Partners: 30, Accounts: 200, Opportunities: 3000, Rounds: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]int{}
	for _, tm := range res.Timings {
		groups[tm.Group]++
		if tm.P50 <= 0 || tm.P99 < tm.P50 || tm.Max < tm.P99 {
			t.Errorf("%s: p50 %s, p99 %s, max %s", tm.Name, tm.P50, tm.P99, tm.Max)
		}
		if (tm.Group == "list" || tm.Group == "shared") && !strings.Contains(tm.Plan, "opportunities") {
			t.Errorf("%s: plan %q", tm.Name, tm.Plan)
		}
		if tm.Rows == 0 {
			t.Errorf("%s found nothing: the loaded data no longer exercises it", tm.Name)
		}
	}
	if groups["list"] != 11 || groups["shared"] != 4 || groups["board"] != 4 || groups["move"] != 1 {
		t.Fatalf("measured %v", groups)
	}
	var out bytes.Buffer
	res.Write(&out)
	for _, want := range []string{"stage change", "query plans:", "target p95 < 50.0ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
