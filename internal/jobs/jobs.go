// Package jobs runs durable background work on the same database as everything else,
// through River: timers for SLAs and reminders, periodic sweeps, retries with backoff.
// A job is enqueued with InsertTx (or several at once with InsertManyTx) inside the
// transaction of the change that causes it, so the two commit together: a crash never loses a reminder or sends one twice.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tandemprm/tandem/internal/store"
)

// Options configure a Queue.
type Options struct {
	// Workers holds every job kind this process can run. Required to Start.
	Workers *river.Workers
	// MaxWorkers bounds how many jobs run at once (default 10).
	MaxWorkers int
	// Periodic lists sweeps that run on an interval in exactly one process at a time.
	Periodic []*river.PeriodicJob
	// RetryPolicy decides the backoff after a failure (default: River's, attempt⁴ seconds
	// with jitter, up to 25 attempts).
	RetryPolicy river.ClientRetryPolicy
	// PollInterval is how often to look for due jobs when no notification arrives
	// (default 1s). SQLite has no notifications, so this bounds a timer's lateness there.
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Queue enqueues jobs and, once started, works them.
type Queue struct {
	db     *store.DB
	client *river.Client[*sql.Tx]
}

// New builds a queue over db. It does not start working jobs; see Start.
func New(db *store.DB, o Options) (*Queue, error) {
	if o.MaxWorkers <= 0 {
		o.MaxWorkers = 10
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := &river.Config{
		Logger:            o.Logger,
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(o.PollInterval, 100*time.Millisecond),
		PeriodicJobs:      o.Periodic,
		RetryPolicy:       o.RetryPolicy,
		Workers:           o.Workers,
		JobTimeout:        5 * time.Minute,
		// A job still marked running this long after it started belonged to a process
		// that died (a job is cancelled after JobTimeout); run it again. River's default
		// is an hour, which would hold back an email or a timer caught in a crash.
		RescueStuckJobsAfter: 7 * time.Minute,
		// Jobs write as background work: on SQLite a person's request waiting for the
		// single writer goes first.
		Middleware: []rivertype.Middleware{&background{}},
	}
	if o.Workers != nil {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.MaxWorkers}}
	}
	client, err := river.NewClient(db.JobDriver(), cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{db: db, client: client}, nil
}

// background marks every job's context as background work for the store (see
// store.Background).
type background struct{ river.MiddlewareDefaults }

func (*background) Work(ctx context.Context, _ *rivertype.JobRow, doInner func(context.Context) error) error {
	return doInner(store.Background(ctx))
}

// Start begins working jobs in the background until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish until ctx is done;
// then it cancels what still runs (those jobs are retried later, by this or another
// process) and returns.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return q.client.StopAndCancel(cctx)
	}
	return err
}

// InsertTx enqueues a job as part of tx: it exists exactly when tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobRow, error) {
	res, err := q.client.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res.Job, nil
}

// InsertManyTx enqueues several jobs as part of tx with one insert statement: they exist
// exactly when tx commits. Each job keeps its own options, UniqueOpts included (a job
// that duplicates an existing unique one is skipped, as with InsertTx), but one batch
// must not hold two jobs with the same unique key. Without params it does nothing.
func (q *Queue) InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobRow, error) {
	if len(params) == 0 {
		return nil, nil
	}
	res, err := q.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d jobs: %w", len(params), err)
	}
	rows := make([]*rivertype.JobRow, len(res))
	for i, r := range res {
		rows[i] = r.Job
	}
	return rows, nil
}

// Get returns the job with the id.
func (q *Queue) Get(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.client.JobGet(ctx, id)
}

// Stats describe the queue for monitoring.
type Stats struct {
	Ready int           // jobs due and waiting for a worker
	Lag   time.Duration // how long the oldest ready job has waited past its time
}

// Stats counts the ready jobs and measures how late the oldest one is at now.
func (q *Queue) Stats(ctx context.Context, now time.Time) (Stats, error) {
	var s Stats
	if err := q.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state = 'available'`).Scan(&s.Ready); err != nil {
		return s, fmt.Errorf("job stats: %w", err)
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateAvailable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil {
		return s, fmt.Errorf("job stats: %w", err)
	}
	if len(res.Jobs) == 1 {
		s.Lag = max(0, now.Sub(res.Jobs[0].ScheduledAt))
	}
	return s, nil
}
