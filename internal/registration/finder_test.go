package registration

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/match"
)

// feed is a change feed as a database shows it: rows become visible at commit, stamped
// with the time their transaction gave them, and it knows when the oldest transaction
// still open began.
type feed struct {
	mu      sync.Mutex
	visible []MatchRecord
	open    map[string]MatchRecord // written by a transaction not yet committed
	began   map[string]time.Time
}

func (f *feed) MatchRecordsSince(_ context.Context, _ string, since time.Time, afterID string, limit int) ([]MatchRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []MatchRecord
	for _, r := range f.visible {
		if r.UpdatedAt.After(since) || (r.UpdatedAt.Equal(since) && r.ID > afterID) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b MatchRecord) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *feed) OldestOpenWrite(context.Context) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t time.Time
	for _, b := range f.began {
		if t.IsZero() || b.Before(t) {
			t = b
		}
	}
	return t, nil
}

func (f *feed) write(r MatchRecord) { f.mu.Lock(); f.visible = append(f.visible, r); f.mu.Unlock() }
func (f *feed) begin(r MatchRecord, at time.Time) {
	f.mu.Lock()
	f.open[r.ID], f.began[r.ID] = r, at
	f.mu.Unlock()
}
func (f *feed) commit(id string) {
	f.mu.Lock()
	f.visible = append(f.visible, f.open[id])
	delete(f.open, id)
	delete(f.began, id)
	f.mu.Unlock()
}

func company(id, name string, at time.Time) MatchRecord {
	return MatchRecord{Record: match.Record{ID: id, Name: name, Domain: "", Country: "NL"}, Active: true, UpdatedAt: at}
}

// TestFinderSeesARecordWhoseTransactionOutlivesTheOverlap: another process writes a
// company in a transaction that stays open for a minute while newer changes commit
// and this process catches up many times; once it commits, the next search finds it.
func TestFinderSeesARecordWhoseTransactionOutlivesTheOverlap(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	now := t0
	src := &feed{open: map[string]MatchRecord{}, began: map[string]time.Time{}}
	src.write(company("acc_1", "Initech", t0.Add(-time.Hour)))
	f := NewFinder(src, match.DefaultConfig())
	f.Now = func() time.Time { return now }
	f.RefreshEvery = 0
	ctx := context.Background()
	if err := f.Warm(ctx, "ws"); err != nil {
		t.Fatal(err)
	}

	slow := company("acc_slow", "Globex Corporation", now)
	src.begin(slow, now)
	for i := range 12 {
		now = now.Add(5 * time.Second)
		src.write(company("acc_n"+string(rune('a'+i)), "Filler "+string(rune('a'+i)), now))
		if _, err := f.Find(ctx, "ws", company("q", "Initech", now).Record); err != nil {
			t.Fatal(err)
		}
	}
	src.commit("acc_slow")
	now = now.Add(time.Second)

	got, err := f.Find(ctx, "ws", company("q", "Globex Corp", now).Record)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(got, func(c match.Candidate) bool { return c.ID == "acc_slow" }) {
		t.Fatalf("the company of the long transaction was not found: %+v", got)
	}
}
