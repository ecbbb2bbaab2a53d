package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tandemprm/tandem/internal/jobs"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

type pingArgs struct {
	Note string `json:"note"`
}

func (pingArgs) Kind() string { return "test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	ran   chan string
	fails atomic.Int32 // fail this many times before succeeding
	// foreground counts runs whose context was not marked as background work.
	foreground atomic.Int32
}

func (w *pingWorker) Work(ctx context.Context, j *river.Job[pingArgs]) error {
	if !store.IsBackground(ctx) {
		w.foreground.Add(1)
	}
	if w.fails.Add(-1) >= 0 {
		return errors.New("transient failure")
	}
	w.ran <- j.Args.Note
	return nil
}

type fastRetry struct{}

func (fastRetry) NextRetry(j *rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

func newQueue(t *testing.T, db *store.DB, w *pingWorker) *jobs.Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	q, err := jobs.New(db, jobs.Options{Workers: workers, PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{}})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func wait(t *testing.T, ch <-chan string, within time.Duration) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(within):
		t.Fatal("job did not run in time")
		return ""
	}
}

func TestScheduledJobSurvivesRestart(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := e.Options(t)
			db, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			first := &pingWorker{ran: make(chan string, 1)}
			q := newQueue(t, db, first)
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			err = db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := q.InsertTx(ctx, tx, pingArgs{Note: "after restart"}, &river.InsertOpts{ScheduledAt: time.Now().Add(1500 * time.Millisecond)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := q.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			db.Close()
			select {
			case <-first.ran:
				t.Fatal("job ran before its time")
			default:
			}

			db2, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			second := &pingWorker{ran: make(chan string, 1)}
			q2 := newQueue(t, db2, second)
			if err := q2.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q2.Stop(context.Background())
			if got := wait(t, second.ran, 15*time.Second); got != "after restart" {
				t.Fatalf("ran %q", got)
			}
		})
	}
}

func TestJobInRolledBackTransactionNeverRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := &pingWorker{ran: make(chan string, 2)}
		q := newQueue(t, db, w)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		_ = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := q.InsertTx(ctx, tx, pingArgs{Note: "rolled back"}, nil); err != nil {
				return err
			}
			return errors.New("the change failed")
		})
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := q.InsertTx(ctx, tx, pingArgs{Note: "committed"}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := wait(t, w.ran, 10*time.Second); got != "committed" {
			t.Fatalf("ran %q first", got)
		}
		select {
		case got := <-w.ran:
			t.Fatalf("also ran %q", got)
		case <-time.After(300 * time.Millisecond):
		}
	})
}

func TestFailedJobIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := &pingWorker{ran: make(chan string, 1)}
		w.fails.Store(2)
		q := newQueue(t, db, w)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		var id int64
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			j, err := q.InsertTx(ctx, tx, pingArgs{Note: "third time lucky"}, nil)
			if j != nil {
				id = j.ID
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wait(t, w.ran, 15*time.Second)
		deadline := time.Now().Add(5 * time.Second)
		for {
			j, err := q.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == rivertype.JobStateCompleted {
				if j.Attempt != 3 || len(j.Errors) != 2 {
					t.Fatalf("attempt %d with %d errors, want 3 and 2", j.Attempt, len(j.Errors))
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("job state %s", j.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestPeriodicSweepRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := &pingWorker{ran: make(chan string, 10)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q, err := jobs.New(db, jobs.Options{Workers: workers, PollInterval: 50 * time.Millisecond, Periodic: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(200*time.Millisecond), func() (river.JobArgs, *river.InsertOpts) {
				return pingArgs{Note: "sweep"}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		for i := 0; i < 2; i++ {
			if got := wait(t, w.ran, 15*time.Second); got != "sweep" {
				t.Fatalf("ran %q", got)
			}
		}
		st, err := q.Stats(ctx, time.Now())
		if err != nil || st.Ready < 0 {
			t.Fatalf("stats %+v, %v", st, err)
		}
	})
}

type slowArgs struct{}

func (slowArgs) Kind() string { return "test_slow" }

type slowWorker struct {
	river.WorkerDefaults[slowArgs]
	started chan struct{}
	done    atomic.Bool
}

func (w *slowWorker) Work(ctx context.Context, _ *river.Job[slowArgs]) error {
	close(w.started)
	select {
	case <-time.After(700 * time.Millisecond):
		w.done.Store(true)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestStopLetsARunningJobFinish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := &slowWorker{started: make(chan struct{})}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q, err := jobs.New(db, jobs.Options{Workers: workers, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			j, err := q.InsertTx(ctx, tx, slowArgs{}, nil)
			if j != nil {
				id = j.ID
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-w.started:
		case <-time.After(10 * time.Second):
			t.Fatal("job did not start")
		}
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := q.Stop(stopCtx); err != nil {
			t.Fatal(err)
		}
		if !w.done.Load() {
			t.Fatal("Stop returned before the running job finished")
		}
		j, err := q.Get(ctx, id)
		if err != nil || j.State != rivertype.JobStateCompleted {
			t.Fatalf("job after a graceful stop: %+v, %v", j, err)
		}
	})
}

// TestInsertManyTxCommitsWithTheChangeAndHonoursUniqueness pins what the store relies
// on when it queues a change's jobs in one batch: nothing of a rolled-back batch
// remains, every job of a committed one does, and a unique job already queued is not
// queued again from a batch.
func TestInsertManyTxCommitsWithTheChangeAndHonoursUniqueness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := newQueue(t, db, &pingWorker{ran: make(chan string, 1)})
		unique := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
		count := func() (all, once int) {
			t.Helper()
			err := db.Reader().QueryRowContext(ctx, `SELECT count(*), count(unique_key) FROM river_job WHERE kind = 'test_ping'`).Scan(&all, &once)
			if err != nil {
				t.Fatal(err)
			}
			return all, once
		}

		_ = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := q.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: pingArgs{Note: "a"}}, {Args: pingArgs{Note: "b"}}}); err != nil {
				t.Fatal(err)
			}
			return errors.New("the change failed")
		})
		if all, _ := count(); all != 0 {
			t.Fatalf("%d jobs of a rolled-back batch remain", all)
		}

		var first *rivertype.JobRow
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			first, err = q.InsertTx(ctx, tx, pingArgs{Note: "once"}, unique)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var rows []*rivertype.JobRow
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			rows, err = q.InsertManyTx(ctx, tx, []river.InsertManyParams{
				{Args: pingArgs{Note: "a"}},
				{Args: pingArgs{Note: "once"}, InsertOpts: unique},
				{Args: pingArgs{Note: "b"}, InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour), MaxAttempts: 3}},
			})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d rows for 3 jobs", len(rows))
		}
		if rows[1].ID != first.ID {
			t.Errorf("the unique job was queued again (id %d, first %d)", rows[1].ID, first.ID)
		}
		if rows[2].State != rivertype.JobStateScheduled || rows[2].MaxAttempts != 3 {
			t.Errorf("per-job options lost: state %s, max attempts %d", rows[2].State, rows[2].MaxAttempts)
		}
		if all, once := count(); all != 3 || once != 1 {
			t.Fatalf("%d jobs (%d unique), want 3 (1 unique)", all, once)
		}

		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := q.InsertManyTx(ctx, tx, nil)
			return err
		}); err != nil {
			t.Fatalf("empty batch: %v", err)
		}
	})
}

// TestJobsWriteAsBackgroundWork pins that every job runs with a context marked as
// background work, so its writes give way to requests' on SQLite's single writer.
func TestJobsWriteAsBackgroundWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := &pingWorker{ran: make(chan string, 1)}
		q := newQueue(t, db, w)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := q.InsertTx(ctx, tx, pingArgs{Note: "in the background"}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wait(t, w.ran, 15*time.Second)
		if n := w.foreground.Load(); n != 0 {
			t.Fatalf("%d job runs were not marked as background work", n)
		}
	})
}
