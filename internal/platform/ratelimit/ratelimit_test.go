package ratelimit

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a fake clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func limiter(t *testing.T, l Limit, maxKeys int, c *clock) *Limiter {
	t.Helper()
	lim, err := New(l, maxKeys, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return lim
}

func TestBurstThenDenyWithRetryAfter(t *testing.T) {
	c := newClock()
	// Five magic links per address per 15 minutes: one earned every 3 minutes.
	lim := limiter(t, Limit{Events: 5, Per: 15 * time.Minute}, 100, c)
	for i := range 5 {
		d := lim.Allow("dana@example.test")
		if !d.Allowed || d.Remaining != 4-i || d.RetryAfter != 0 {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	d := lim.Allow("dana@example.test")
	if d.Allowed || d.RetryAfter != 3*time.Minute || d.RetryAfterSeconds() != 180 || d.Remaining != 0 {
		t.Fatalf("sixth request: %+v", d)
	}
	// Denied requests cost nothing: waiting the advertised time is enough.
	c.Advance(2 * time.Minute)
	if d := lim.Allow("dana@example.test"); d.Allowed || d.RetryAfter != time.Minute {
		t.Fatalf("after 2 minutes: %+v", d)
	}
	c.Advance(time.Minute)
	if d := lim.Allow("dana@example.test"); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after 3 minutes: %+v", d)
	}
	if d := lim.Allow("dana@example.test"); d.Allowed {
		t.Fatalf("only one was earned back: %+v", d)
	}
	// Other keys are unaffected.
	if d := lim.Allow("sam@example.test"); !d.Allowed || d.Remaining != 4 {
		t.Fatalf("another key: %+v", d)
	}
}

func TestSteadyRateIsAlwaysAllowed(t *testing.T) {
	c := newClock()
	// HubSpot's private-app budget: 190 requests per 10 seconds.
	lim := limiter(t, Limit{Events: 190, Per: 10 * time.Second}, 10, c)
	interval := 10 * time.Second / 190
	for i := range 2000 {
		if d := lim.Allow("tok"); !d.Allowed {
			t.Fatalf("request %d at the steady rate was denied: %+v", i, d)
		}
		c.Advance(interval)
	}
	// A burst on top of a steady stream is capped by what has been saved up.
	c.Advance(10 * time.Second)
	allowed := 0
	for lim.Allow("tok").Allowed {
		allowed++
	}
	if allowed != 190 {
		t.Errorf("burst after a full refill: %d allowed, want 190", allowed)
	}
}

func TestRetryAfterSecondsRoundsUp(t *testing.T) {
	tests := []struct {
		d    Decision
		want int
	}{
		{Decision{Allowed: true}, 0},
		{Decision{RetryAfter: 0}, 1},
		{Decision{RetryAfter: time.Millisecond}, 1},
		{Decision{RetryAfter: time.Second}, 1},
		{Decision{RetryAfter: time.Second + time.Nanosecond}, 2},
		{Decision{RetryAfter: 90 * time.Second}, 90},
	}
	for _, tt := range tests {
		if got := tt.d.RetryAfterSeconds(); got != tt.want {
			t.Errorf("%+v: %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestIdleKeysAreForgotten(t *testing.T) {
	c := newClock()
	lim := limiter(t, Limit{Events: 2, Per: time.Minute}, 1000, c)
	for i := range 50 {
		lim.Allow(fmt.Sprintf("10.0.0.%d", i))
	}
	lim.Allow("busy")
	lim.Allow("busy")
	if lim.Len() != 51 {
		t.Fatalf("Len = %d, want 51", lim.Len())
	}
	// One use earns back in 30s; after it, the single-use keys are full and go.
	c.Advance(30 * time.Second)
	for range 2 {
		lim.Allow("other") // each call sweeps a bounded number of idle keys
	}
	if got := lim.Len(); got != 2 { // "busy" is still owed 30s, "other" is new
		t.Errorf("after 30s: Len = %d, want 2", got)
	}
	c.Advance(time.Minute)
	lim.Allow("x")
	if got := lim.Len(); got != 1 {
		t.Errorf("after a quiet minute: Len = %d, want 1", got)
	}
	if lim.Evictions() != 0 {
		t.Errorf("idle keys counted as evictions: %d", lim.Evictions())
	}
}

func TestMemoryIsBoundedUnderKeySpraying(t *testing.T) {
	c := newClock()
	lim := limiter(t, Limit{Events: 3, Per: time.Hour}, 100, c)
	// The victim uses its allowance first.
	for range 3 {
		lim.Allow("victim")
	}
	for i := range 10_000 {
		lim.Allow(fmt.Sprintf("spray-%d", i))
		if lim.Len() > 100 {
			t.Fatalf("Len = %d exceeds the bound", lim.Len())
		}
	}
	if lim.Evictions() == 0 {
		t.Error("forced evictions were not counted")
	}
	// Keys closest to being full are dropped first: each sprayer owes 20 minutes,
	// the victim an hour, so the victim stays limited.
	if d := lim.Allow("victim"); d.Allowed {
		t.Errorf("victim regained its allowance through spraying: %+v", d)
	}
}

func TestEvictionPrefersKeysClosestToFull(t *testing.T) {
	c := newClock()
	lim := limiter(t, Limit{Events: 3, Per: 3 * time.Minute}, 2, c)
	for range 3 {
		lim.Allow("heavy") // full again in 3 minutes
	}
	lim.Allow("light") // full again in 1 minute
	lim.Allow("new")   // room is made by dropping "light"
	if d := lim.Allow("heavy"); d.Allowed {
		t.Errorf("heavy was forgotten instead of light: %+v", d)
	}
	if lim.Evictions() != 1 || lim.Len() != 2 {
		t.Errorf("evictions %d, Len %d", lim.Evictions(), lim.Len())
	}
}

func TestClockGoingBackwardsNeverLocksOutLongerThanABurst(t *testing.T) {
	c := newClock()
	lim := limiter(t, Limit{Events: 2, Per: time.Minute}, 10, c)
	lim.Allow("k")
	lim.Allow("k")
	c.Advance(-time.Hour)
	d := lim.Allow("k")
	if d.Allowed || d.RetryAfter > 30*time.Second {
		t.Errorf("after the clock went back an hour: %+v", d)
	}
	c.Advance(30 * time.Second)
	if d := lim.Allow("k"); !d.Allowed {
		t.Errorf("30s later: %+v", d)
	}
}

func TestReset(t *testing.T) {
	c := newClock()
	lim := limiter(t, Limit{Events: 1, Per: time.Hour}, 10, c)
	lim.Allow("a")
	lim.Allow("b")
	if lim.Allow("a").Allowed {
		t.Fatal("second request allowed")
	}
	lim.Reset("a")
	lim.Reset("never-seen")
	if !lim.Allow("a").Allowed {
		t.Error("Reset did not restore the allowance")
	}
	if lim.Allow("b").Allowed {
		t.Error("Reset affected another key")
	}
}

func TestNewRejectsNonsense(t *testing.T) {
	now := newClock().Now
	tests := []struct {
		name    string
		limit   Limit
		maxKeys int
		now     func() time.Time
		want    string
	}{
		{"no events", Limit{0, time.Minute}, 10, now, "at least 1"},
		{"no period", Limit{5, 0}, 10, now, "too short"},
		{"negative period", Limit{5, -time.Second}, 10, now, "too short"},
		{"period shorter than events", Limit{10, 5 * time.Nanosecond}, 10, now, "too short"},
		{"no keys", Limit{5, time.Minute}, 0, now, "at least one key"},
		{"no clock", Limit{5, time.Minute}, 10, nil, "clock"},
	}
	for _, tt := range tests {
		_, err := New(tt.limit, tt.maxKeys, tt.now)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	lim, err := New(Limit{5, time.Minute}, 1, now)
	if err != nil || lim.Limit() != (Limit{5, time.Minute}) {
		t.Errorf("valid limiter: %v", err)
	}
}

func TestConcurrentRequestsNeverExceedTheLimit(t *testing.T) {
	c := newClock()
	lim := limiter(t, Limit{Events: 100, Per: time.Minute}, 50, c)
	var allowed [4]atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := (g + i) % 4
				if lim.Allow(fmt.Sprintf("key-%d", k)).Allowed {
					allowed[k].Add(1)
				}
				if i%100 == 0 {
					lim.Len()
					lim.Evictions()
				}
			}
		}()
	}
	wg.Wait()
	for k := range allowed {
		if n := allowed[k].Load(); n != 100 {
			t.Errorf("key-%d: %d allowed with a frozen clock, want exactly 100", k, n)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	c := newClock()
	lim, err := New(Limit{Events: 10, Per: time.Second}, 10_000, c.Now)
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("198.51.100.%d", i)
	}
	i := 0
	for b.Loop() {
		lim.Allow(keys[i%len(keys)])
		i++
	}
}
