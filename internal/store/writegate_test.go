package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// gateRun records the order in which waiters get the gate; each holds it until the
// test lets it go.
type gateRun struct {
	t     *testing.T
	g     *writeGate
	mu    sync.Mutex
	order []string
}

// wait starts a writer named name that queues for the gate and records its turn; the
// returned function ends its turn.
func (r *gateRun) wait(name string, background bool) {
	go func() {
		if err := r.g.acquire(context.Background(), background); err != nil {
			r.t.Errorf("%s: %v", name, err)
			return
		}
		r.mu.Lock()
		r.order = append(r.order, name)
		r.mu.Unlock()
	}()
	synctest.Wait()
}

// next ends the current turn and returns who holds the gate now.
func (r *gateRun) next() string {
	r.g.release()
	synctest.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.order) == 0 {
		return ""
	}
	return r.order[len(r.order)-1]
}

func TestWriteGateLetsRequestsGoBeforeEarlierBackgroundWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &gateRun{t: t, g: newWriteGate(50 * time.Millisecond)}
		if err := r.g.acquire(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		r.wait("job 1", true)
		r.wait("job 2", true)
		r.wait("request 1", false)
		r.wait("request 2", false)
		var got []string
		for range 4 {
			got = append(got, r.next())
		}
		want := []string{"request 1", "request 2", "job 1", "job 2"}
		if !slices.Equal(got, want) {
			t.Fatalf("turns = %v, want %v", got, want)
		}
		r.g.release()
		if err := r.g.acquire(context.Background(), false); err != nil {
			t.Fatalf("a free gate must be taken at once: %v", err)
		}
	})
}

func TestWriteGateLetsBackgroundWorkInAfterItsLongestWaitAndThenAlternates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &gateRun{t: t, g: newWriteGate(50 * time.Millisecond)}
		if err := r.g.acquire(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		r.wait("job 1", true)
		r.wait("job 2", true)
		time.Sleep(60 * time.Millisecond) // both jobs have now waited too long
		r.wait("request 1", false)
		r.wait("request 2", false)
		var got []string
		for range 4 {
			got = append(got, r.next())
		}
		// One starved job goes, then a request, then the other starved job: requests
		// are never held back by more than one background turn.
		want := []string{"job 1", "request 1", "job 2", "request 2"}
		if !slices.Equal(got, want) {
			t.Fatalf("turns = %v, want %v", got, want)
		}
	})
}

func TestWriteGateForgetsAWaiterWhoseContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newWriteGate(50 * time.Millisecond)
		if err := g.acquire(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- g.acquire(ctx, false) }()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("acquire after cancel = %v, want context.Canceled", err)
		}
		if f, b := g.waiting(); f != 0 || b != 0 {
			t.Fatalf("waiting = %d requests and %d jobs, want none", f, b)
		}
		g.release()
		// Nobody holds the gate now: the next writer must not wait.
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
		defer cancel2()
		if err := g.acquire(ctx2, true); err != nil {
			t.Fatalf("the gate stayed held after its only waiter gave up: %v", err)
		}
	})
}

// TestTxOrdersWritersOnSQLite runs the gate through DB.Tx on a real database: while a
// transaction is open, a background transaction and then a request's queue up, and
// the request's commits first.
func TestTxOrdersWritersOnSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.gate == nil {
		t.Fatal("SQLite must order its writers")
	}
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE turns (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL)")
		return err
	}); err != nil {
		t.Fatal(err)
	}

	hold := make(chan struct{})
	held := make(chan struct{})
	var wg sync.WaitGroup
	write := func(ctx context.Context, who string, wait chan struct{}) {
		defer wg.Done()
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if wait != nil {
				close(held)
				<-wait
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO turns (who) VALUES (?)", who)
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", who, err)
		}
	}
	wg.Add(3)
	go write(ctx, "first", hold)
	<-held
	go write(Background(ctx), "job", nil)
	waitFor(t, db.gate, 0, 1)
	go write(ctx, "request", nil)
	waitFor(t, db.gate, 1, 1)
	close(hold)
	wg.Wait()

	rows, err := db.Reader().QueryContext(ctx, "SELECT who FROM turns ORDER BY n")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var who string
		if err := rows.Scan(&who); err != nil {
			t.Fatal(err)
		}
		got = append(got, who)
	}
	if want := []string{"first", "request", "job"}; !slices.Equal(got, want) {
		t.Fatalf("commit order = %v, want %v", got, want)
	}
	q, ok := db.WriterQueue()
	if !ok || q.Turns[1] != 1 || q.Turns[0] < 3 || q.Waited[0] <= 0 || q.Waited[1] <= 0 || q.Waiting != [2]int{} {
		t.Fatalf("writer queue = %+v (%v), want 1 background turn, at least 3 request turns, both having waited, none waiting now", q, ok)
	}
}

// waitFor polls until the gate has the given numbers of waiters.
func waitFor(t *testing.T, g *writeGate, fore, back int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, b := g.waiting()
		if f == fore && b == back {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting = %d requests and %d jobs, want %d and %d", f, b, fore, back)
		}
		time.Sleep(time.Millisecond)
	}
}
