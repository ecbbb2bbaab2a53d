package registration

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tandemprm/tandem/internal/match"
)

// MatchRecord is a company the uniqueness test compares submissions with: an account
// or a registration, with whether it should be in the index at all (a deleted account
// or a registration that no longer competes leaves it).
type MatchRecord struct {
	match.Record
	Active    bool
	UpdatedAt time.Time
}

// MatchSource lists the records to index.
type MatchSource interface {
	// MatchRecordsSince returns the workspace's accounts and registrations changed at
	// or after since, ordered by (UpdatedAt, ID), starting after the record (sinceID)
	// when given, at most limit of them.
	MatchRecordsSince(ctx context.Context, workspaceID string, since time.Time, afterID string, limit int) ([]MatchRecord, error)
}

// OpenWrites is implemented by a MatchSource that can say when the oldest write
// transaction still in progress began (zero when none is). A record such a
// transaction writes is stamped with its time but becomes visible only at commit, so
// the finder reads the change feed again from there; without it, a transaction open
// longer than the feed's overlap would stay out of other processes' indexes.
type OpenWrites interface {
	OldestOpenWrite(ctx context.Context) (time.Time, error)
}

// Finder keeps one company-matcher index per workspace, built from the database on
// first use and brought up to date before every search by reading what changed since
// the last one, so that several processes serving one database all see every
// account and registration, whoever wrote it. The database stays the only source of
// truth: a Finder can be dropped and rebuilt at any time.
type Finder struct {
	Source MatchSource
	Config match.Config
	// RefreshEvery bounds how often the change feed is read (default 1s). Records this
	// process writes are added at once through Note; records other processes write
	// are seen within RefreshEvery.
	RefreshEvery time.Duration
	Now          func() time.Time

	mu     sync.Mutex
	spaces map[string]*space
}

type space struct {
	mu sync.Mutex // held while catching up
	ix *match.Index
	// watermark and lastID mark how far the index has read the change feed.
	watermark time.Time
	lastID    string
	synced    time.Time // when the feed was last read; zero before the first build
	// openSince is when the oldest write transaction open at the last read began
	// (zero when none was): the next read starts before it, whether or not it has
	// committed since.
	openSince time.Time

	// applied remembers, for records changed within about overlap of the watermark,
	// which change the index already holds (noted by this process or read in an
	// earlier catch-up), so that re-reading the overlap every RefreshEvery costs a
	// map lookup instead of re-indexing every recent record while searches wait.
	appliedMu sync.Mutex
	applied   map[string]change
}

// change identifies one state of a record: its change time, at the database's
// millisecond precision, and whether it was active.
type change struct {
	ms     int64
	active bool
}

func changeOf(rec MatchRecord) change {
	return change{ms: rec.UpdatedAt.UnixMilli(), active: rec.Active}
}

// holds reports whether the index already reflects rec's change.
func (sp *space) holds(rec MatchRecord) bool {
	sp.appliedMu.Lock()
	defer sp.appliedMu.Unlock()
	c, ok := sp.applied[rec.ID]
	return ok && c == changeOf(rec)
}

// remember records that the index reflects rec's change.
func (sp *space) remember(rec MatchRecord) {
	sp.appliedMu.Lock()
	sp.applied[rec.ID] = changeOf(rec)
	sp.appliedMu.Unlock()
}

// forgetBefore drops what is remembered of changes before t, which the change feed
// will not read again.
func (sp *space) forgetBefore(t time.Time) {
	cut := t.UnixMilli()
	sp.appliedMu.Lock()
	for id, c := range sp.applied {
		if c.ms < cut {
			delete(sp.applied, id)
		}
	}
	sp.appliedMu.Unlock()
}

// apply puts rec into the index, or takes it out when it is no longer active.
func (sp *space) apply(rec MatchRecord) {
	if rec.Active && rec.Name != "" {
		if err := sp.ix.Add(rec.Record); err == nil {
			return
		}
	}
	sp.ix.Remove(rec.ID)
}

// overlap is how far back each catch-up re-reads, so that a transaction that
// committed after a later one (with an earlier UpdatedAt) is still seen. Re-adding a
// record is harmless.
const overlap = 5 * time.Second

// pageSize is how many changed records one catch-up query reads; buildPageSize is
// how many the first build reads at a time. Each page costs a sort of every record
// after the cursor, so the first build of a large workspace reads big pages (1M
// accounts: 11 queries instead of 210).
const (
	pageSize      = 5000
	buildPageSize = 100000
)

// NewFinder returns a finder over src deciding with cfg.
func NewFinder(src MatchSource, cfg match.Config) *Finder {
	return &Finder{Source: src, Config: cfg, RefreshEvery: time.Second, Now: time.Now, spaces: map[string]*space{}}
}

// Note puts a record this process has just written into the workspace's index (or
// takes it out when it is no longer active), without waiting for the next read of
// the change feed. Nothing happens when the index has not been built yet.
func (f *Finder) Note(workspaceID string, rec MatchRecord) {
	f.mu.Lock()
	sp := f.spaces[workspaceID]
	f.mu.Unlock()
	if sp == nil {
		return
	}
	sp.apply(rec)
	sp.remember(rec)
}

// Find returns the indexed records that match r at or above the possible threshold,
// best first, after bringing the workspace's index up to date.
func (f *Finder) Find(ctx context.Context, workspaceID string, r match.Record) ([]match.Candidate, error) {
	sp, err := f.sync(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return sp.ix.Query(r), nil
}

// Warm builds the workspace's index now, so that the first submission does not wait
// for it.
func (f *Finder) Warm(ctx context.Context, workspaceID string) error {
	_, err := f.sync(ctx, workspaceID)
	return err
}

// Forget drops a workspace's index; the next search rebuilds it. The change feed is
// read by update time, so a writer that stores records with times in the past (a bulk
// load of history) must call it, or those records stay out of the index until the
// process restarts.
func (f *Finder) Forget(workspaceID string) {
	f.mu.Lock()
	delete(f.spaces, workspaceID)
	f.mu.Unlock()
}

// Len returns how many records the workspace's index holds (0 before first use).
func (f *Finder) Len(workspaceID string) int {
	f.mu.Lock()
	sp := f.spaces[workspaceID]
	f.mu.Unlock()
	if sp == nil {
		return 0
	}
	return sp.ix.Len()
}

func (f *Finder) sync(ctx context.Context, workspaceID string) (*space, error) {
	f.mu.Lock()
	sp := f.spaces[workspaceID]
	if sp == nil {
		sp = &space{ix: match.NewIndex(f.Config), applied: map[string]change{}}
		f.spaces[workspaceID] = sp
	}
	f.mu.Unlock()

	sp.mu.Lock()
	defer sp.mu.Unlock()
	now := f.Now()
	if !sp.synced.IsZero() && now.Sub(sp.synced) < f.RefreshEvery {
		return sp, nil
	}
	since, after := sp.watermark, sp.lastID
	// The first build reads everything once and remembers nothing; catch-ups remember
	// what they applied, because the next one reads it again.
	catchUp := !since.IsZero()
	limit := buildPageSize
	if catchUp {
		since, after, limit = since.Add(-overlap), "", pageSize
	}
	// Ask before reading: a transaction open now either commits before the read (and
	// is read now) or is still open, and then this read and the next one (which may
	// come after it committed) start from before it began.
	var open time.Time
	if ow, ok := f.Source.(OpenWrites); ok {
		var err error
		if open, err = ow.OldestOpenWrite(ctx); err != nil {
			return nil, fmt.Errorf("bring the company index up to date: %w", err)
		}
	}
	if catchUp {
		for _, t := range []time.Time{open, sp.openSince} {
			if !t.IsZero() && t.Add(-overlap).Before(since) {
				since = t.Add(-overlap)
			}
		}
	}
	horizon := since
	for {
		recs, err := f.Source.MatchRecordsSince(ctx, workspaceID, since, after, limit)
		if err != nil {
			return nil, fmt.Errorf("bring the company index up to date: %w", err)
		}
		for _, rec := range recs {
			if !catchUp || !sp.holds(rec) {
				sp.apply(rec)
				if catchUp {
					sp.remember(rec)
				}
			}
			if rec.UpdatedAt.After(sp.watermark) || (rec.UpdatedAt.Equal(sp.watermark) && rec.ID > sp.lastID) {
				sp.watermark, sp.lastID = rec.UpdatedAt, rec.ID
			}
		}
		if len(recs) < limit {
			sp.synced, sp.openSince = now, open
			// Keep what the next catch-up may read again: from the overlap before
			// the watermark, or from before an open transaction, whichever is earlier.
			cut := sp.watermark.Add(-2 * overlap)
			if catchUp && horizon.Add(-overlap).Before(cut) {
				cut = horizon.Add(-overlap)
			}
			sp.forgetBefore(cut)
			return sp, nil
		}
		last := recs[len(recs)-1]
		since, after = last.UpdatedAt, last.ID
	}
}
