// Package ratelimit is an in-memory, keyed rate limiter: each key (an email address,
// an IP address, an API token id) may do Events things per Per, in bursts of up to
// Events, refilling smoothly. It is used to throttle magic-link requests per address
// and per IP and API requests per token.
//
// The algorithm is the generic cell rate algorithm, the token bucket kept as one
// timestamp per key: the moment the key's allowance would be full again. A key whose
// allowance is full carries no information, so it is forgotten; memory is bounded
// by MaxKeys, and when full, the key closest to being forgotten anyway is dropped
// first.
//
// Limits are per process. With several replicas, each enforces its own limit, so a
// client spread across n replicas gets up to n times the limit; that is acceptable
// for throttling abuse, not for quotas that must be exact.
package ratelimit

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Limit is a rate: Events per Per, with bursts of up to Events.
type Limit struct {
	Events int
	Per    time.Duration
}

// String describes the rate, e.g. "5 per 15m0s".
func (l Limit) String() string { return fmt.Sprintf("%d per %s", l.Events, l.Per) }

// Decision is the outcome of one request.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until a request for the same key would be allowed;
	// zero when Allowed.
	RetryAfter time.Duration
	// Remaining is how many more requests would be allowed right now.
	Remaining int
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, for a Retry-After
// header: at least 1 when the request was denied, 0 when it was allowed.
func (d Decision) RetryAfterSeconds() int {
	if d.Allowed {
		return 0
	}
	s := int((d.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// sweepPerCall bounds how many forgotten keys one call removes, so that no single
// request pays for a large clean-up; expired keys are also removed when space is
// needed.
const sweepPerCall = 32

// Limiter applies one Limit to many keys. It is safe for concurrent use.
type Limiter struct {
	limit    Limit
	interval time.Duration // time to earn one event
	window   time.Duration // time to earn a full burst: Events × interval
	now      func() time.Time
	maxKeys  int

	mu        sync.Mutex
	entries   map[string]*entry
	order     byFull // entries ordered by when their allowance is full again
	evictions uint64
}

type entry struct {
	key   string
	full  time.Time // when the allowance is full again; the entry is dropped then
	index int       // position in Limiter.order
}

// New returns a limiter for limit that keeps at most maxKeys keys and reads the time
// from now (time.Now in production; its monotonic readings make the limiter immune
// to wall-clock jumps). Events must be at least 1, Per must be positive and at least
// Events nanoseconds, and maxKeys at least 1.
func New(limit Limit, maxKeys int, now func() time.Time) (*Limiter, error) {
	switch {
	case limit.Events < 1:
		return nil, fmt.Errorf("ratelimit: limit %s: events must be at least 1", limit)
	case limit.Per < time.Duration(limit.Events):
		return nil, fmt.Errorf("ratelimit: limit %s: the period is too short for that many events", limit)
	case maxKeys < 1:
		return nil, fmt.Errorf("ratelimit: limit %s: keep at least one key, not %d", limit, maxKeys)
	case now == nil:
		return nil, errors.New("ratelimit: a clock is required")
	}
	interval := limit.Per / time.Duration(limit.Events)
	return &Limiter{
		limit:    limit,
		interval: interval,
		window:   interval * time.Duration(limit.Events),
		now:      now,
		maxKeys:  maxKeys,
		entries:  map[string]*entry{},
	}, nil
}

// Limit returns the limiter's rate.
func (l *Limiter) Limit() Limit { return l.limit }

// Allow records a request for key and reports whether it is within the limit. A
// denied request does not use up any allowance. Keys are held in memory as given;
// callers should pass short, normalised keys (a lower-cased address, an IP, a
// token id).
func (l *Limiter) Allow(key string) Decision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now, sweepPerCall)

	e := l.entries[key]
	full := now // a new key has its whole allowance
	if e != nil && e.full.After(now) {
		full = e.full
		// A clock that went backwards could leave the key further in debt than a
		// full burst; never make it wait longer than one.
		if full.Sub(now) > l.window {
			full = now.Add(l.window)
			e.full = full
			heap.Fix(&l.order, e.index)
		}
	}
	next := full.Add(l.interval)
	if debt := next.Sub(now); debt > l.window {
		return Decision{RetryAfter: debt - l.window}
	}
	if e == nil {
		if len(l.entries) >= l.maxKeys {
			l.sweep(now, 1) // an idle key, if any, is freed without counting
		}
		if len(l.entries) >= l.maxKeys {
			l.evictOne()
		}
		e = &entry{key: key}
		l.entries[key] = e
		e.full = next
		heap.Push(&l.order, e)
	} else {
		e.full = next
		heap.Fix(&l.order, e.index)
	}
	return Decision{Allowed: true, Remaining: int((l.window - next.Sub(now)) / l.interval)}
}

// Reset forgets key, giving it its whole allowance again (e.g. after a successful
// sign-in, for a per-address limit).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.entries[key]; ok {
		heap.Remove(&l.order, e.index)
		delete(l.entries, key)
	}
}

// Len returns how many keys the limiter currently remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// Evictions returns how many keys were forgotten to make room before their
// allowance was full again (after the sweep of idle keys, so each of them was still
// limited). A growing count means maxKeys is too small for the traffic, or someone
// is spraying keys; it is worth exporting as a metric.
func (l *Limiter) Evictions() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.evictions
}

// sweep forgets up to n keys whose allowance is full again at now.
func (l *Limiter) sweep(now time.Time, n int) {
	for ; n > 0 && len(l.order) > 0 && !l.order[0].full.After(now); n-- {
		e := heap.Pop(&l.order).(*entry)
		delete(l.entries, e.key)
	}
}

// evictOne makes room for a new key: it forgets the key whose allowance is full
// soonest, which is an idle key when there is one. Forgetting a key that is not
// yet full gives it its allowance back early; that only happens when more than
// maxKeys keys are active at once.
func (l *Limiter) evictOne() {
	if len(l.order) == 0 {
		return
	}
	e := heap.Pop(&l.order).(*entry)
	delete(l.entries, e.key)
	l.evictions++
}

// byFull is a min-heap of entries by the time their allowance is full.
type byFull []*entry

func (h byFull) Len() int           { return len(h) }
func (h byFull) Less(i, j int) bool { return h[i].full.Before(h[j].full) }
func (h byFull) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *byFull) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *byFull) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}
