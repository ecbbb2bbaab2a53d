package store

import (
	"context"
	"sync"
	"time"
)

// SQLite has one writer. When a write transaction ends, database/sql hands the
// connection to a random waiter, so a person's request queued behind fifty background
// jobs waited for most of them: that random turn was the long tail of registration
// latency. writeGate queues writers itself, in arrival order, and lets work done on a
// person's behalf go before background work, which can wait a few milliseconds.

// backgroundKey marks a context as background work; see Background.
type backgroundKey struct{}

// Background returns a context whose write transactions (DB.Tx) give way to those of
// requests: on SQLite a request waiting for the single writer goes before background
// work that waits too. Background work is never starved: one that has waited
// DefaultBackgroundMaxWait gets the next turn. Job workers and sweeps use it.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx was marked with Background.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}

// DefaultBackgroundMaxWait is how long background work waits for the writer at most
// while requests keep arriving before it is let in between them.
const DefaultBackgroundMaxWait = 50 * time.Millisecond

// writeGate admits one writer at a time. Waiters go in arrival order, requests before
// background work, except that the oldest background waiter goes next once it has
// waited maxWait; after such a turn a waiting request goes first again, so under
// load the two alternate rather than a backlog of background work taking every turn.
type writeGate struct {
	mu      sync.Mutex
	held    bool
	since   time.Time     // when the holder started waiting for its turn
	fore    []*gateWaiter // requests, oldest first
	back    []*gateWaiter // background work, oldest first
	aged    bool          // the last turn went to background work that had waited too long
	maxWait time.Duration
	now     func() time.Time
	// turns and waited count, per class (0 requests, 1 background), the turns taken
	// and the time spent waiting for them.
	turns  [2]uint64
	waited [2]time.Duration
}

type gateWaiter struct {
	ready   chan struct{} // closed when the waiter holds the gate
	since   time.Time
	class   int  // 0 request, 1 background
	granted bool // set under mu when the gate passes to this waiter
}

func newWriteGate(maxWait time.Duration) *writeGate {
	return &writeGate{maxWait: maxWait, now: time.Now}
}

// acquire waits until the caller holds the gate or ctx ends. It returns ctx's error
// without holding the gate when ctx ends first.
func (g *writeGate) acquire(ctx context.Context, background bool) error {
	g.mu.Lock()
	class := 0
	if background {
		class = 1
	}
	if !g.held {
		g.held, g.since = true, g.now()
		g.turns[class]++
		g.mu.Unlock()
		return nil
	}
	w := &gateWaiter{ready: make(chan struct{}), since: g.now(), class: class}
	if background {
		g.back = append(g.back, w)
	} else {
		g.fore = append(g.fore, w)
	}
	g.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if w.granted {
		// The turn came as ctx ended: pass it on rather than leave the gate held.
		g.mu.Unlock()
		g.release()
		return ctx.Err()
	}
	g.fore = remove(g.fore, w)
	g.back = remove(g.back, w)
	g.mu.Unlock()
	return ctx.Err()
}

// release ends the holder's turn and hands the gate to the next waiter, if any.
func (g *writeGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	var next *gateWaiter
	switch {
	case len(g.back) > 0 && !g.aged && g.now().Sub(g.back[0].since) >= g.maxWait:
		next, g.back, g.aged = g.back[0], g.back[1:], true
	case len(g.fore) > 0:
		next, g.fore, g.aged = g.fore[0], g.fore[1:], false
	case len(g.back) > 0:
		next, g.back, g.aged = g.back[0], g.back[1:], false
	default:
		g.held, g.aged = false, false
		return
	}
	next.granted = true
	g.since = next.since
	g.turns[next.class]++
	g.waited[next.class] += g.now().Sub(next.since)
	close(next.ready)
}

// oldest returns when the longest-standing writer, holding the gate or waiting for
// it, asked for its turn; zero when there is none.
func (g *writeGate) oldest() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.held {
		return time.Time{}
	}
	t := g.since
	for _, q := range [][]*gateWaiter{g.fore, g.back} {
		if len(q) > 0 && q[0].since.Before(t) {
			t = q[0].since
		}
	}
	return t
}

// waiting returns how many requests and background writers wait for the gate.
func (g *writeGate) waiting() (fore, back int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.fore), len(g.back)
}

// WriterQueue describes the queue for SQLite's single writer, per class of work:
// requests and background jobs.
type WriterQueue struct {
	Waiting [2]int           // writers waiting now
	Turns   [2]uint64        // write transactions admitted since the database opened
	Waited  [2]time.Duration // total time those spent waiting for their turn
}

// WriterQueue reports the writer queue's state, and false on PostgreSQL, which has
// no such queue.
func (db *DB) WriterQueue() (WriterQueue, bool) {
	if db.gate == nil {
		return WriterQueue{}, false
	}
	g := db.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	return WriterQueue{Waiting: [2]int{len(g.fore), len(g.back)}, Turns: g.turns, Waited: g.waited}, true
}

func remove(q []*gateWaiter, w *gateWaiter) []*gateWaiter {
	for i, x := range q {
		if x == w {
			return append(q[:i:i], q[i+1:]...)
		}
	}
	return q
}
