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
	// InsertManyTx enqueues all of params in tx with one statement, honouring each
	// job's options (UniqueOpts included); it does nothing when params is empty.
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobRow, error)
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

// enqueueMany inserts all of jobs in tx with one statement, so a change that schedules
// several jobs pays for one insert, not one each. Without a queue (some tests), or
// without jobs, it does nothing. No two of jobs may share a unique key.
func (db *DB) enqueueMany(ctx context.Context, tx *sql.Tx, jobs []river.InsertManyParams) error {
	if db.jobs == nil || len(jobs) == 0 {
		return nil
	}
	_, err := db.jobs.InsertManyTx(ctx, tx, jobs)
	return err
}
