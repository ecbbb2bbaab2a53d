package store

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// JobInserter enqueues durable jobs inside a transaction (the job queue does).
type JobInserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobRow, error)
}

// SetJobs gives the store the queue it enqueues follow-up jobs on (email delivery,
// timers). Call it once at start, before serving.
func (db *DB) SetJobs(j JobInserter) { db.jobs = j }

// enqueue inserts a job in tx; without a queue (some tests) it does nothing.
func (db *DB) enqueue(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if db.jobs == nil {
		return nil
	}
	_, err := db.jobs.InsertTx(ctx, tx, args, opts)
	return err
}
