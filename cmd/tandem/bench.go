package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tandemprm/tandem/internal/partner/partnerbench"
	"github.com/tandemprm/tandem/internal/pipeline/pipebench"
	"github.com/tandemprm/tandem/internal/registration/regbench"
)

const benchRegistrationsUsage = `Usage: tandem bench registrations [flags]

Starts Tandem on a fresh database (SQLite in a temporary directory, or a new schema in
the PostgreSQL database of --database-url, dropped afterwards), loads a workspace with
--partners partners, --accounts accounts and --registrations active registrations from
the company generator, then submits --requests registrations over HTTP with
--concurrency clients (40% messy variants of existing accounts, 10% of registered
customers, 10% look-alikes, 40% new customers) and prints throughput and latency.
With --expiries N it then loads N approved registrations whose protection ends at one
instant and measures how long the job workers take to expire them all.

Flags:
`

// benchRegistrations runs "tandem bench registrations" and returns the exit code.
func benchRegistrations(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tandem bench registrations", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o regbench.Options
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…); a schema of the run's own is created there. Empty: SQLite")
	fs.StringVar(&o.DataDir, "data-dir", "", "empty directory for the SQLite database (default: a temporary one)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the database after the run")
	fs.Uint64Var(&o.Seed, "seed", 1, "generator seed")
	fs.IntVar(&o.Partners, "partners", 300, "active partners")
	fs.IntVar(&o.Accounts, "accounts", 10000, "accounts to load")
	fs.IntVar(&o.Registrations, "registrations", 50000, "active registrations to load before submitting")
	fs.IntVar(&o.Requests, "requests", 5000, "registrations to submit over HTTP (0: none)")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "clients submitting at once (with --rate: most requests in flight)")
	fs.Float64Var(&o.Rate, "rate", 0, "submit at this many requests per second, timing each from when it was due (0: as fast as the clients go)")
	fs.IntVar(&o.Expiries, "expiries", 0, "approved registrations expiring at one instant, to time the expiry job (0: skip)")
	fs.DurationVar(&o.ExpiryLead, "expiry-lead", 30*time.Second, "time between loading the expiring registrations and their expiry")
	fs.DurationVar(&o.ExpiryDeadline, "expiry-deadline", 10*time.Minute, "stop waiting for expiries this long after the expiry instant")
	fs.IntVar(&o.JobWorkers, "job-workers", 0, "background job workers (default: as tandem serve)")
	fs.IntVar(&o.DBMaxConns, "db-max-conns", 0, "database connection pool size (default: as tandem serve)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the submission phase to this file")
	quiet := fs.Bool("quiet", false, "print only the results")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchRegistrationsUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tandem bench registrations: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if !*quiet {
		o.Progress = stderr
	}
	res, err := regbench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "tandem bench registrations: %v\n", err)
		return 1
	}
	res.Write(stdout)
	if res.Submit.Errors > 0 || (res.Expiry != nil && res.Expiry.TimedOut) {
		return 1
	}
	return 0
}

const benchPartnersUsage = `Usage: tandem bench partners [flags]

Loads a fresh database (SQLite in a temporary directory, or a new schema in the
PostgreSQL database of --database-url, dropped afterwards) with --partners partners
(regions, verticals, territories, tags, fit scores) and --accounts accounts, then
times filtered partner list pages (first page of 50, keyset, as the API serves them)
and segment evaluations over every partner, and prints each list query's plan.

Flags:
`

// benchPartners runs "tandem bench partners" and returns the exit code.
func benchPartners(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tandem bench partners", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o partnerbench.Options
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…); a schema of the run's own is created there. Empty: SQLite")
	fs.IntVar(&o.Partners, "partners", 10000, "partners to load")
	fs.IntVar(&o.Accounts, "accounts", 1000000, "accounts to load")
	fs.IntVar(&o.Rounds, "rounds", 200, "times each list query is timed (segments: a fifth as often, at least 5)")
	fs.Uint64Var(&o.Seed, "seed", 1, "generator seed")
	quiet := fs.Bool("quiet", false, "print only the results")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchPartnersUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || o.Partners < 1 || o.Accounts < 0 || o.Rounds < 1 {
		fmt.Fprintln(stderr, "tandem bench partners: --partners and --rounds must be at least 1, --accounts at least 0, and no arguments follow the flags")
		return 2
	}
	if !*quiet {
		o.Progress = stderr
	}
	res, err := partnerbench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "tandem bench partners: %v\n", err)
		return 1
	}
	res.Write(stdout)
	return 0
}

const benchPipelineUsage = `Usage: tandem bench pipeline [flags]

Loads a fresh database (SQLite in a temporary directory, or a new schema in the
PostgreSQL database of --database-url, dropped afterwards) with --partners partners,
--accounts accounts and --opportunities opportunities (spread over motions, stages,
owners, amounts and close dates; one to three partners credited on each, some with
notes and plan milestones), then times through the pipeline service: filtered list
pages (keyset, first and later pages), the board (the first cards of every stage), a
partner user's shared view and stage changes. It prints p50/p95/p99/max per
operation against the targets and each list query's plan, and exits 1 when an
operation misses its target.

Flags:
`

// benchPipeline runs "tandem bench pipeline" and returns the exit code.
func benchPipeline(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tandem bench pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o pipebench.Options
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…); a schema of the run's own is created there. Empty: SQLite")
	fs.IntVar(&o.Partners, "partners", 10000, "partners to load")
	fs.IntVar(&o.Accounts, "accounts", 200000, "accounts to load")
	fs.IntVar(&o.Opportunities, "opportunities", 1000000, "opportunities to load")
	fs.IntVar(&o.Rounds, "rounds", 200, "times each list and shared view is timed, and stage changes made (boards: a quarter as often, at least 5)")
	fs.Uint64Var(&o.Seed, "seed", 1, "generator seed")
	fs.BoolVar(&o.Keep, "keep", false, "keep the database after the run (its place is printed)")
	quiet := fs.Bool("quiet", false, "print only the results")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchPipelineUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || o.Partners < 3 || o.Accounts < 1 || o.Opportunities < 1 || o.Rounds < 1 {
		fmt.Fprintln(stderr, "tandem bench pipeline: --partners must be at least 3, --accounts, --opportunities and --rounds at least 1, and no arguments follow the flags")
		return 2
	}
	if !*quiet {
		o.Progress = stderr
	}
	res, err := pipebench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "tandem bench pipeline: %v\n", err)
		return 1
	}
	res.Write(stdout)
	if missed := res.Missed(); len(missed) > 0 {
		fmt.Fprintf(stderr, "tandem bench pipeline: %d operation(s) over target\n", len(missed))
		return 1
	}
	return 0
}
