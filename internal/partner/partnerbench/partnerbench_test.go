package partnerbench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunMeasuresListsAndSegmentsWithTheirPlans(t *testing.T) {
	res, err := Run(context.Background(), Options{Partners: 300, Accounts: 500, Rounds: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Lists) != 8 || len(res.Segments) != 5 {
		t.Fatalf("%d lists and %d segments measured", len(res.Lists), len(res.Segments))
	}
	for _, l := range res.Lists {
		if l.Rows == 0 || l.P95 <= 0 || !strings.Contains(l.Plan, "partners") {
			t.Errorf("list %q: %d rows, p95 %s, plan %q", l.Name, l.Rows, l.P95, l.Plan)
		}
	}
	if n := res.Segments[0].Rows; n < 60 || n > 75 { // ties with the last one kept are kept too
		t.Errorf("top 20%% of 300 partners holds %d", n)
	}
	var out bytes.Buffer
	res.Write(&out)
	if !strings.Contains(out.String(), "query plans:") {
		t.Fatalf("report: %s", out.String())
	}
}
