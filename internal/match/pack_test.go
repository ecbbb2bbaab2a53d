package match

import (
	"reflect"
	"testing"

	"github.com/tandemprm/tandem/internal/match/matchgen"
)

// TestPackKeepsRecord checks that the index's compact copy of a record holds the same
// data as the record: the same fields, and the same comparison results.
func TestPackKeepsRecord(t *testing.T) {
	recs := []Record{
		{ID: "a", Name: "Acme Widgets GmbH", Domain: "acme.de", Country: "DE"},
		{ID: "b", Name: "ACME Corp d/b/a Acme Rockets", Email: "jo@acme.com", Domain: "https://www.acme.co.uk/x"},
		{ID: "c", Name: "The First National Bank of Omaha Trust Company Holdings International (in liquidation)"},
		{ID: "d", Name: "Goldman Sachs Mortgage Loan Trust 2004-1, Series A B C D"},
		{ID: "e", Name: "ООО «Ромашка»"},
		{ID: "f", Name: "Amazon.com, Inc. (amazon.co.uk)", Domain: "amazon.de", Email: "x@amazon.fr"},
		{ID: "g", Name: "X"},
	}
	g := matchgen.New(3)
	for i := 0; i < 2000; i++ {
		recs = append(recs, recordOf(g.Company(i)), recordOf(g.Variant(i, i%3)))
	}
	ps := make([]*Prepared, len(recs))
	for i, r := range recs {
		ps[i] = Prepare(r)
		if ps[i].Empty() {
			continue
		}
		if q := pack(ps[i]); !reflect.DeepEqual(q, ps[i]) {
			t.Fatalf("pack(%q) = %+v, want %+v", r.Name, q, ps[i])
		}
	}
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		if a.Empty() || b.Empty() {
			continue
		}
		want := ComparePrepared(a, b, DefaultConfig())
		if got := ComparePrepared(pack(a), pack(b), DefaultConfig()); !reflect.DeepEqual(got, want) {
			t.Errorf("%q / %q: packed %+v, want %+v", recs[i-1].Name, recs[i].Name, got, want)
		}
	}
}
