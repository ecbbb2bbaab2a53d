package match

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tandemprm/tandem/internal/match/matchgen"
)

func recordOf(r matchgen.Record) Record {
	return Record{ID: r.ID, Name: r.Name, Domain: r.Domain, Country: r.Country, Email: r.Email}
}

// TestIndexAgreesWithBruteForce checks blocking recall: the index must return (nearly)
// every record that a full comparison against all records scores at or above the
// possible threshold, and find the true company for (nearly) every variant.
func TestIndexAgreesWithBruteForce(t *testing.T) {
	g := matchgen.New(11)
	const n, q = 3000, 300
	ix := NewIndex(DefaultConfig())
	all := make([]*Prepared, n)
	for i := 0; i < n; i++ {
		all[i] = Prepare(recordOf(g.Company(i)))
		if err := ix.AddPrepared(all[i]); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	want, got, found, truth := 0, 0, 0, 0
	for k := 0; k < q; k++ {
		i := k * (n / q)
		var query matchgen.Record
		if k%5 == 4 {
			query = g.Sibling(i)
		} else {
			query = g.Variant(i, 0)
			truth++
		}
		qp := Prepare(recordOf(query))
		res := ix.QueryPrepared(qp)
		returned := map[string]bool{}
		for _, c := range res {
			returned[c.ID] = true
			if c.ID == fmt.Sprintf("c%d", query.Entity) && c.Decision >= Possible {
				found++
			}
		}
		for _, p := range all {
			if cfg.Decide(scoreOnly(qp, p)) >= Possible {
				want++
				if returned[p.ID()] {
					got++
				} else {
					t.Logf("missed %q -> %q", query.Name, p.ID())
				}
			}
		}
	}
	recall := ratio(got, want)
	t.Logf("blocking recall %.3f (%d of %d pairs), true company found for %d of %d variants", recall, got, want, found, truth)
	if recall < 0.98 {
		t.Errorf("blocking recall %.3f below 0.98", recall)
	}
	if ratio(found, truth) < 0.9 {
		t.Errorf("true company found for only %d of %d variants", found, truth)
	}
}

func TestIndexAddUpdateRemove(t *testing.T) {
	ix := NewIndex(DefaultConfig())
	if err := ix.Add(Record{Name: "Acme"}); err != ErrEmptyID {
		t.Fatalf("no ID: got %v", err)
	}
	if err := ix.Add(Record{ID: "x", Name: "..."}); err != ErrEmptyName {
		t.Fatalf("empty name: got %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ix.Add(Record{ID: "1", Name: "Acme Widgets Ltd"}))
	must(ix.Add(Record{ID: "2", Name: "Beta Gadgets GmbH"}))
	if ix.Len() != 2 {
		t.Fatalf("Len %d, want 2", ix.Len())
	}
	ids := func(name string) []string {
		var out []string
		for _, c := range ix.Query(Record{ID: "q", Name: name}) {
			out = append(out, c.ID+":"+c.Decision.String())
		}
		return out
	}
	if got := fmt.Sprint(ids("ACME WIDGETS LIMITED")); got != "[1:match]" {
		t.Fatalf("query before update: %s", got)
	}
	// Update record 1 to a different company: the old name no longer finds it.
	must(ix.Add(Record{ID: "1", Name: "Gamma Tools Inc"}))
	if ix.Len() != 2 {
		t.Fatalf("Len after update %d, want 2", ix.Len())
	}
	if got := fmt.Sprint(ids("Acme Widgets Ltd")); got != "[]" {
		t.Fatalf("old name still found after update: %s", got)
	}
	if got := fmt.Sprint(ids("Gamma Tools Incorporated")); got != "[1:match]" {
		t.Fatalf("new name not found after update: %s", got)
	}
	if !ix.Remove("1") || ix.Remove("1") {
		t.Fatal("Remove should report true once, then false")
	}
	if got := fmt.Sprint(ids("Gamma Tools Inc")); got != "[]" {
		t.Fatalf("removed record still found: %s", got)
	}
	// A freed slot is reused without confusing the postings.
	must(ix.Add(Record{ID: "3", Name: "Delta Foods BV"}))
	if got := fmt.Sprint(ids("Delta Foods B.V.")); got != "[3:match]" {
		t.Fatalf("re-used slot: %s", got)
	}
	// A record does not match itself.
	if res := ix.Query(Record{ID: "3", Name: "Delta Foods BV"}); len(res) != 0 {
		t.Fatalf("record matched itself: %v", res)
	}
	st := ix.Stats()
	if st.Records != 2 || st.Terms == 0 || st.Postings == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIndexTypoAndAcronymLookups(t *testing.T) {
	ix := NewIndex(DefaultConfig())
	for i, n := range []string{"Trafigura Group Pte Ltd", "International Business Machines Corp", "Goodwill Industries", "Siemens AG", "Stellantis NV"} {
		if err := ix.Add(Record{ID: fmt.Sprint(i), Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ q, id string }{
		{"Trafalgura Group Pte. Ltd.", "0"}, // two typos in a long word
		{"Trafigrua Group", "0"},            // transposition
		{"IBM", "1"},
		{"Good Will Industries", "2"},
		{"SiemensAG", "3"},
		{"Stelantis N.V.", "4"},
	} {
		res := ix.Query(Record{ID: "q", Name: c.q})
		if len(res) == 0 || res[0].ID != c.id {
			t.Errorf("%q: got %v, want %s first", c.q, res, c.id)
		}
	}
}

// TestIndexConcurrent runs queries while records are added and removed (run with -race).
func TestIndexConcurrent(t *testing.T) {
	g := matchgen.New(5)
	ix := NewIndex(DefaultConfig())
	for i := 0; i < 500; i++ {
		if err := ix.Add(recordOf(g.Company(i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ix.Query(recordOf(g.Variant((i*7+w)%500, 0)))
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 500; i < 800; i++ {
			if err := ix.Add(recordOf(g.Company(i))); err != nil {
				t.Error(err)
			}
			ix.Remove(fmt.Sprintf("c%d", i-300))
		}
	}()
	wg.Wait()
	if ix.Len() != 500 {
		t.Fatalf("Len %d, want 500", ix.Len())
	}
}
