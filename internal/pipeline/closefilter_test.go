package pipeline_test

import (
	"testing"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestCloseDateFilterNeedsDatesInOrder(t *testing.T) {
	f := setup(t, storetest.Open(t, storetest.Engines()[0]))
	cases := []struct {
		from, to, path string
	}{
		{"2027-13-01", "", "close_from"},
		{"", "next week", "close_to"},
		{"2027-03-01", "2027-02-01", "close_to"},
	}
	for _, c := range cases {
		_, _, err := f.svc.ListOpportunities(f.ctx, f.manager, pipeline.Filter{CloseFrom: c.from, CloseTo: c.to}, "", 10)
		fes := tandem.FieldsOf(err)
		if tandem.KindOf(err) != tandem.KindInvalid || len(fes) != 1 || fes[0].Path != c.path {
			t.Errorf("from %q to %q: %v %v", c.from, c.to, err, fes)
		}
	}
	if _, _, err := f.svc.ListOpportunities(f.ctx, f.manager, pipeline.Filter{CloseFrom: " 2027-02-01 ", CloseTo: "2027-02-01"}, "", 10); err != nil {
		t.Fatalf("one day: %v", err)
	}
}
