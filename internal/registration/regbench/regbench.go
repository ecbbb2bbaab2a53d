// Package regbench measures deal registration end to end: it starts the whole product
// (internal/app) on a fresh database, loads a workspace with partners, accounts and
// active registrations from the company generator (internal/match/matchgen), and
// submits registrations concurrently over HTTP through the public API, the way an
// integration would. It can also measure the protection timers: many approved
// registrations expiring at one instant, expired by the running job workers.
//
// It backs `tandem bench registrations`; results and the commands that produced them
// are kept in docs/benchmarks.md.
package regbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/platform/config"
)

// Options say what to load and what to measure.
type Options struct {
	// DatabaseURL is a postgres:// URL; the run creates a schema of its own there and
	// drops it at the end (unless Keep). Empty means SQLite in a new directory.
	DatabaseURL string
	// DataDir is where the SQLite file goes (default: a new temporary directory,
	// removed at the end unless Keep).
	DataDir string
	// Keep leaves the database in place after the run.
	Keep bool

	Seed          uint64 // generator seed (default 1)
	Partners      int    // active partners, every motion (default 300)
	Accounts      int    // accounts loaded from the generator
	Registrations int    // active registrations loaded before the run (pending and approved)

	Requests    int // registrations submitted over HTTP (0: none)
	Concurrency int // clients submitting at once (default 16)
	// Rate, when positive, submits at this many requests per second (open loop, with
	// at most Concurrency in flight) instead of as fast as Concurrency clients can.
	Rate float64

	// Expiries is how many approved registrations are made to expire at the same
	// instant, ExpiryLead after they are loaded (0: no expiry run).
	Expiries       int
	ExpiryLead     time.Duration // default 30s
	ExpiryDeadline time.Duration // give up waiting after this long past expiry (default 10m)

	JobWorkers int // background job workers (default: the product's default)
	DBMaxConns int // connection pool size (default: the product's default)

	// CPUProfile, when set, receives a CPU profile of the submission phase.
	CPUProfile string
	// Progress receives a line per phase (default: discarded).
	Progress io.Writer
}

// Result is what a run measured.
type Result struct {
	Engine        string
	Accounts      int
	Registrations int // loaded before the run
	Partners      int

	Load      time.Duration // creating the workspace and loading every row
	IndexWarm time.Duration // building the company index from the database
	IndexLen  int           // records in the company index after warming

	Submit Submission
	Expiry *Expiry // nil when no expiry run was asked for

	RSSBytes     uint64 // resident set at the end
	PeakRSSBytes uint64 // highest resident set of the process
}

// Submission is the outcome of the HTTP phase.
type Submission struct {
	Requests    int
	Concurrency int
	Rate        float64 // offered requests per second; 0 for a closed loop
	Created     int     // 201 responses
	Errors      int     // anything else, transport errors included
	// FirstErrors holds up to five error descriptions.
	FirstErrors []string
	// MayCollide counts submissions the uniqueness test found something for.
	MayCollide int
	// Stored is how many registrations submitted through the API are in the database
	// afterwards, and Distinct how many different ids the API returned; both equal
	// Created when every registration was stored exactly once.
	Stored, Distinct int
	Elapsed          time.Duration
	// CPU is the process's CPU time (user and system, server and clients together)
	// during the phase; on a shared machine it varies less than the wall time.
	CPU           time.Duration
	Throughput    float64 // created registrations per second
	P50, P99, Max time.Duration
	Mean          time.Duration
}

// Expiry is the outcome of the expiry run.
type Expiry struct {
	Count    int
	LoadTime time.Duration // inserting the registrations and their timer jobs
	// Lead is how long before the expiry instant the load finished (negative when it
	// finished late: the timers were already due).
	Lead time.Duration
	// Expired is how many were expired by the job workers, FirstAfter and AllAfter
	// how long after the expiry instant the first and the last of them were seen
	// expired (polled every 100 ms).
	Expired              int
	FirstAfter, AllAfter time.Duration
	// WrongEnd counts expired registrations whose end is not the expiry instant.
	WrongEnd int
	TimedOut bool
}

func (o *Options) defaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Partners <= 0 {
		o.Partners = 300
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.ExpiryLead <= 0 {
		o.ExpiryLead = 30 * time.Second
	}
	if o.ExpiryDeadline <= 0 {
		o.ExpiryDeadline = 10 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// Run loads a fresh database as o describes, starts the product on a loopback port,
// submits o.Requests registrations and, when asked, runs the expiry measurement. It
// returns an error when the product cannot be started or loaded; failed requests are
// counted in the result instead.
func Run(ctx context.Context, o Options) (res Result, err error) {
	o.defaults()
	if o.Accounts < 0 || o.Registrations < 0 || o.Requests < 0 || o.Expiries < 0 {
		return res, errors.New("counts must not be negative")
	}
	cfg, cleanup, err := freshConfig(ctx, o)
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, cleanup()) }()

	res.Engine = "sqlite"
	if cfg.DatabaseURL != "" {
		res.Engine = "postgres"
	}
	res.Accounts, res.Registrations, res.Partners = o.Accounts, o.Registrations, o.Partners

	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), "bench")
	if err != nil {
		return res, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, fmt.Errorf("listen on loopback: %w", err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, ln) }()
	defer func() {
		stop()
		err = errors.Join(err, <-done)
	}()
	base := "http://" + ln.Addr().String()

	start := time.Now()
	w, err := load(ctx, a, o)
	if err != nil {
		return res, err
	}
	res.Load = time.Since(start)
	fmt.Fprintf(o.Progress, "loaded %d partners, %d accounts, %d registrations in %s\n", o.Partners, o.Accounts, o.Registrations, res.Load.Round(time.Millisecond))

	// The load wrote records with past timestamps, which an index already following
	// the change feed (the server warms indexes at start) would not read: rebuild it.
	a.Registrations.Finder.Forget(w.id)
	start = time.Now()
	if err := a.Registrations.Finder.Warm(ctx, w.id); err != nil {
		return res, err
	}
	res.IndexWarm = time.Since(start)
	res.IndexLen = a.Registrations.Finder.Len(w.id)
	fmt.Fprintf(o.Progress, "company index: %d records in %s\n", res.IndexLen, res.IndexWarm.Round(time.Millisecond))

	if o.Requests > 0 {
		stopProfile, err := startProfile(o.CPUProfile)
		if err != nil {
			return res, err
		}
		res.Submit, err = submit(ctx, a, w, base, o)
		stopProfile()
		if err != nil {
			return res, err
		}
	}
	if o.Expiries > 0 {
		x, err := expire(ctx, a, w, o)
		if err != nil {
			return res, err
		}
		res.Expiry = &x
	}
	res.RSSBytes, res.PeakRSSBytes = rss()
	return res, nil
}

// startProfile starts a CPU profile into path (nothing when path is empty) and
// returns the function that stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// freshConfig returns the product configuration for a new, empty database and a
// function that removes it.
func freshConfig(ctx context.Context, o Options) (config.Config, func() error, error) {
	cfg, err := config.Load("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		return cfg, nil, err
	}
	cfg.Demo, cfg.ShutdownTimeout, cfg.Addr, cfg.BaseURL = false, 10*time.Second, "127.0.0.1:0", "http://127.0.0.1"
	if o.JobWorkers > 0 {
		cfg.JobWorkers = o.JobWorkers
	}
	if o.DBMaxConns > 0 {
		cfg.DBMaxConns = o.DBMaxConns
	}
	if o.DatabaseURL == "" {
		dir := o.DataDir
		remove := func() error { return nil }
		if dir == "" {
			d, err := os.MkdirTemp("", "tandem-regbench-")
			if err != nil {
				return cfg, nil, fmt.Errorf("create a directory for the database: %w", err)
			}
			dir = d
			if !o.Keep {
				remove = func() error { return os.RemoveAll(d) }
			}
		} else if _, err := os.Stat(dir); err == nil {
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				return cfg, nil, fmt.Errorf("data directory %s is not empty; the benchmark needs a fresh database", dir)
			}
		}
		cfg.DataDir = dir
		return cfg, remove, nil
	}
	u, err := url.Parse(o.DatabaseURL)
	if err != nil {
		return cfg, nil, fmt.Errorf("invalid database URL: %w", err)
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	schema := "regbench_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return cfg, nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return cfg, nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	cfg.DatabaseURL = u.String()
	drop := func() error {
		if o.Keep {
			return nil
		}
		c, err := pgx.Connect(context.Background(), o.DatabaseURL)
		if err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	return cfg, drop, nil
}

// rss returns the process's resident set and its peak, from /proc (zero elsewhere).
func rss() (now, peak uint64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	field := func(name string) uint64 {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, name+":"); ok {
				f := strings.Fields(rest)
				if len(f) > 0 {
					n, _ := strconv.ParseUint(f[0], 10, 64)
					return n * 1024
				}
			}
		}
		return 0
	}
	return field("VmRSS"), field("VmHWM")
}

// Write prints the result as a few readable lines.
func (r Result) Write(w io.Writer) {
	fmt.Fprintf(w, "engine %s  partners %d  accounts %d  registrations preloaded %d  (%d cores)\n", r.Engine, r.Partners, r.Accounts, r.Registrations, runtime.NumCPU())
	fmt.Fprintf(w, "load %s  index warm %s (%d records)\n", r.Load.Round(time.Millisecond), r.IndexWarm.Round(time.Millisecond), r.IndexLen)
	if s := r.Submit; s.Requests > 0 {
		if s.Rate > 0 {
			fmt.Fprintf(w, "offered rate %.0f/s  ", s.Rate)
		}
		fmt.Fprintf(w, "requests %d  concurrency %d  created %d  errors %d  may collide %d  stored %d  distinct ids %d\n",
			s.Requests, s.Concurrency, s.Created, s.Errors, s.MayCollide, s.Stored, s.Distinct)
		fmt.Fprintf(w, "elapsed %s  throughput %.0f registrations/s  latency p50 %s  p99 %s  mean %s  max %s\n",
			s.Elapsed.Round(time.Millisecond), s.Throughput, ms(s.P50), ms(s.P99), ms(s.Mean), ms(s.Max))
		if s.CPU > 0 && s.Created > 0 {
			fmt.Fprintf(w, "cpu %s (%s per registration, %.2f cores busy)\n", s.CPU.Round(time.Millisecond),
				ms(s.CPU/time.Duration(s.Created)), s.CPU.Seconds()/s.Elapsed.Seconds())
		}
		for _, e := range s.FirstErrors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	if x := r.Expiry; x != nil {
		fmt.Fprintf(w, "expiries %d  loaded in %s (%s before expiry)  expired %d  first after %s  all after %s  wrong end %d  timed out %v\n",
			x.Count, x.LoadTime.Round(time.Millisecond), x.Lead.Round(time.Millisecond), x.Expired, x.FirstAfter.Round(time.Millisecond),
			x.AllAfter.Round(time.Millisecond), x.WrongEnd, x.TimedOut)
	}
	fmt.Fprintf(w, "rss %.0f MiB  peak rss %.0f MiB\n", float64(r.RSSBytes)/(1<<20), float64(r.PeakRSSBytes)/(1<<20))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
