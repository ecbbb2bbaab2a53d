package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// DefaultCheckpointEvery is how often SQLite's write-ahead log is copied back into the
// database file by the background checkpointer unless Options say otherwise.
const DefaultCheckpointEvery = time.Second

// startCheckpointer copies SQLite's write-ahead log into the database file every
// interval on its own connection, c, so that no request's commit pays for it. A passive
// checkpoint never waits for readers or the writer: it copies what it can, and the log
// starts over from the beginning once everything in it has been copied. The returned
// function stops the loop, runs a last checkpoint, closes c and returns when done.
func startCheckpointer(c *sql.DB, interval time.Duration) (stop func()) {
	c.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A busy or failed checkpoint is retried on the next tick; the log keeps
				// every committed change until then, so nothing is lost by waiting.
				_ = checkpoint(ctx, c, "PASSIVE")
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = checkpoint(context.Background(), c, "PASSIVE")
			c.Close()
		})
	}
}

// checkpoint runs one checkpoint of the given mode (PASSIVE, FULL, RESTART or
// TRUNCATE) and reports how many log frames there were and how many are now copied.
func checkpoint(ctx context.Context, c *sql.DB, mode string) error {
	var busy, logFrames, copied int
	return c.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &logFrames, &copied)
}
