// Package matchcli is the `tandem match` command as a library: it links two CSV lists
// of companies (or finds duplicates within one) with the company matcher of package
// match and writes the scored pairs as CSV.
package matchcli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemprm/tandem/internal/match"
)

const usage = `usage: tandem match --left A.csv [--right B.csv] [--threshold-match X] [--threshold-possible Y] [--out pairs.csv]

Finds the same companies in two CSV lists (--left and --right), or duplicates within one
list (--left alone). Each input has a header with columns id and name, and optionally
domain, country and email; other columns are ignored.

Writes CSV with the header left_id,right_id,score,decision,reasons: every pair scoring at
or above the possible threshold, once (in duplicate mode each unordered pair once, the
earlier row first). Progress goes to standard error.

Flags:
`

// Exit codes of Main.
const (
	ExitOK    = 0
	ExitError = 1 // bad input, I/O error or interruption
	ExitUsage = 2 // bad command line
)

// batchSize is the number of records handed to a worker at a time.
const batchSize = 512

// maxEmptyReports bounds the per-record reports of empty names per file.
const maxEmptyReports = 20

type options struct {
	left, right, out string
	cfg              match.Config
	workers          int
	quiet            bool
	progressEvery    time.Duration
}

// Main runs `tandem match` with args (the words after "match"), writing pairs to stdout
// (or --out) and progress and problems to stderr. It returns ExitOK, ExitError when an
// input is malformed (the message names the file, line and problem), a file cannot be
// read or written, or ctx is cancelled, and ExitUsage for a bad command line.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opt, code := parseFlags(args, stderr)
	if code >= 0 {
		return code
	}
	// The index is a large, long-lived heap: collect less often, but stay clear of the
	// memory the run may use.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(5 << 29)) // 2.5 GiB
	if err := run(ctx, opt, stdout, stderr); err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintf(stderr, "tandem match: %v\n", err)
		if opt.out != "" {
			// Leave no half-written pairs file behind.
			os.Remove(opt.out)
		}
		return ExitError
	}
	return ExitOK
}

func parseFlags(args []string, stderr io.Writer) (options, int) {
	fs := flag.NewFlagSet("tandem match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt options
	fs.StringVar(&opt.left, "left", "", "CSV file of companies (required)")
	fs.StringVar(&opt.right, "right", "", "CSV file to link against --left; without it, duplicates within --left are found")
	fs.Float64Var(&opt.cfg.MatchThreshold, "threshold-match", match.DefaultMatchThreshold, "score at or above which a pair is a match")
	fs.Float64Var(&opt.cfg.PossibleThreshold, "threshold-possible", match.DefaultPossibleThreshold, "score at or above which a pair is reported as possible")
	fs.StringVar(&opt.out, "out", "", "write pairs to this file instead of standard output")
	fs.IntVar(&opt.workers, "workers", runtime.GOMAXPROCS(0), "number of parallel workers")
	fs.BoolVar(&opt.quiet, "quiet", false, "print no progress or summary")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return opt, ExitOK
		}
		return opt, ExitUsage
	}
	fail := func(msg string) (options, int) {
		fmt.Fprintf(stderr, "tandem match: %s\n", msg)
		fs.Usage()
		return opt, ExitUsage
	}
	if fs.NArg() > 0 {
		return fail(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if opt.left == "" {
		return fail("--left is required")
	}
	if err := opt.cfg.Validate(); err != nil {
		return fail(err.Error())
	}
	if opt.workers < 1 {
		opt.workers = 1
	}
	opt.progressEvery = 2 * time.Second
	return opt, -1
}

// progress prints counters to stderr every few seconds while a run is long.
type progress struct {
	w       io.Writer
	quiet   bool
	start   time.Time
	mu      sync.Mutex
	phase   string
	done    atomic.Int64
	pairs   atomic.Int64
	stop    chan struct{}
	stopped sync.WaitGroup
}

func newProgress(w io.Writer, quiet bool, every time.Duration) *progress {
	p := &progress{w: w, quiet: quiet, start: time.Now(), stop: make(chan struct{})}
	if quiet {
		return p
	}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				fmt.Fprintf(p.w, "match: %s: %d records, %d pairs, %.0fs\n", p.phase, p.done.Load(), p.pairs.Load(), time.Since(p.start).Seconds())
				p.mu.Unlock()
			}
		}
	}()
	return p
}

func (p *progress) setPhase(s string) {
	p.mu.Lock()
	p.phase = s
	p.done.Store(0)
	p.mu.Unlock()
}

func (p *progress) close() {
	close(p.stop)
	p.stopped.Wait()
}

// emptyReporter reports records whose names are empty.
type emptyReporter struct {
	w     io.Writer
	count map[string]int
}

func (e *emptyReporter) report(file string, line int) {
	e.count[file]++
	if e.count[file] <= maxEmptyReports {
		fmt.Fprintf(e.w, "tandem match: %s:%d: empty name, record skipped\n", file, line)
	}
}

func (e *emptyReporter) summary() {
	for file, n := range e.count {
		if n > maxEmptyReports {
			fmt.Fprintf(e.w, "tandem match: %s: %d records with empty names skipped in all\n", file, n)
		}
	}
}

type prepared struct {
	p     *match.Prepared
	line  int
	cands []match.Candidate
}

// readPrepared streams the records of file through workers parallel workers, which
// prepare each record and, when work is not nil, run work on it; f receives the results
// batch by batch in input order.
func readPrepared(ctx context.Context, file string, workers int, work func(*match.Prepared) []match.Candidate, f func(batch []prepared) error) error {
	fh, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer fh.Close()
	rd, err := newReader(file, bufio.NewReaderSize(fh, 1<<20))
	if err != nil {
		return err
	}
	type job struct {
		seq  int
		rows []row
		out  []prepared
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *job, workers*2)
	done := make(chan *job, workers*2)
	var readErr error
	go func() {
		defer close(jobs)
		seq := 0
		b := &job{seq: seq}
		for {
			if len(b.rows) == 0 && ctx.Err() != nil {
				return
			}
			r, err := rd.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr = err
				return
			}
			b.rows = append(b.rows, r)
			if len(b.rows) == batchSize {
				select {
				case jobs <- b:
				case <-ctx.Done():
					return
				}
				seq++
				b = &job{seq: seq}
			}
		}
		if len(b.rows) > 0 {
			select {
			case jobs <- b:
			case <-ctx.Done():
			}
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out = make([]prepared, len(j.rows))
				for i, r := range j.rows {
					p := match.Prepare(r.rec)
					j.out[i] = prepared{p: p, line: r.line}
					if work != nil && !p.Empty() {
						j.out[i].cands = work(p)
					}
				}
				j.rows = nil
				select {
				case done <- j:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	pending := map[int]*job{}
	next := 0
	var ferr error
	for j := range done {
		if ferr != nil {
			continue
		}
		pending[j.seq] = j
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := f(b.out); err != nil {
				ferr = err
				cancel()
				break
			}
		}
	}
	if ferr != nil {
		return ferr
	}
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}

func run(ctx context.Context, opt options, stdout, stderr io.Writer) error {
	start := time.Now()
	prog := newProgress(stderr, opt.quiet, opt.progressEvery)
	defer prog.close()
	empties := &emptyReporter{w: stderr, count: map[string]int{}}
	defer empties.summary()

	// Open the output first, so that a bad path fails before the work.
	out := stdout
	if opt.out != "" {
		fh, err := os.Create(opt.out)
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		defer fh.Close()
		out = fh
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"left_id", "right_id", "score", "decision", "reasons"}); err != nil {
		return fmt.Errorf("write output: %w", err)
	}

	// Index the left list.
	ix := match.NewIndex(opt.cfg)
	dedupe := opt.right == ""
	var lefts []*match.Prepared
	prog.setPhase("left indexed")
	err := readPrepared(ctx, opt.left, opt.workers, nil, func(batch []prepared) error {
		for _, b := range batch {
			if b.p.Empty() {
				empties.report(opt.left, b.line)
				continue
			}
			if err := ix.AddPrepared(b.p); err != nil {
				return &InputError{File: opt.left, Line: b.line, Problem: err.Error()}
			}
			if dedupe {
				lefts = append(lefts, b.p)
			}
		}
		prog.done.Add(int64(len(batch)))
		return nil
	})
	if err != nil {
		return err
	}
	nLeft := ix.Len()

	var nRight int64
	var nMatch, nPossible int64
	write := func(leftID, rightID string, r match.Result) error {
		if r.Decision == match.Match {
			nMatch++
		} else {
			nPossible++
		}
		return cw.Write([]string{leftID, rightID, strconv.FormatFloat(r.Score, 'f', 3, 64), r.Decision.String(), strings.Join(r.Reasons, "; ")})
	}
	if dedupe {
		prog.setPhase("duplicates searched")
		if err := dedupeAll(ctx, ix, lefts, opt, prog, write); err != nil {
			return err
		}
	} else {
		prog.setPhase("right matched")
		err := readPrepared(ctx, opt.right, opt.workers, ix.QueryPrepared, func(batch []prepared) error {
			for _, b := range batch {
				if b.p.Empty() {
					empties.report(opt.right, b.line)
					continue
				}
				nRight++
				for _, c := range b.cands {
					if err := write(c.ID, b.p.ID(), c.Result); err != nil {
						return fmt.Errorf("write output: %w", err)
					}
				}
				prog.pairs.Add(int64(len(b.cands)))
			}
			prog.done.Add(int64(len(batch)))
			return nil
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if !opt.quiet {
		prog.mu.Lock()
		if dedupe {
			fmt.Fprintf(stderr, "match: %d records, %d duplicate pairs (%d match, %d possible) in %.1fs\n", nLeft, nMatch+nPossible, nMatch, nPossible, time.Since(start).Seconds())
		} else {
			fmt.Fprintf(stderr, "match: %d left records, %d right records, %d pairs (%d match, %d possible) in %.1fs\n", nLeft, nRight, nMatch+nPossible, nMatch, nPossible, time.Since(start).Seconds())
		}
		prog.mu.Unlock()
	}
	return nil
}

// dedupeAll finds every unordered pair of duplicates among recs (in input order). A pair
// found from either side counts once; its score is that of the earlier record compared
// with the later one.
func dedupeAll(ctx context.Context, ix *match.Index, recs []*match.Prepared, opt options, prog *progress, write func(string, string, match.Result) error) error {
	pos := make(map[string]int32, len(recs))
	for i, p := range recs {
		pos[p.ID()] = int32(i)
	}
	type pair struct{ a, b int32 }
	found := map[pair]bool{}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < opt.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(recs) {
					return
				}
				cands := ix.QueryPrepared(recs[i])
				if len(cands) > 0 {
					mu.Lock()
					for _, c := range cands {
						j := pos[c.ID]
						pr := pair{int32(i), j}
						if j < int32(i) {
							pr = pair{j, int32(i)}
						}
						found[pr] = true
					}
					mu.Unlock()
				}
				prog.done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	pairs := make([]pair, 0, len(found))
	for p := range found {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].b != pairs[j].b {
			return pairs[i].b < pairs[j].b
		}
		return pairs[i].a < pairs[j].a
	})
	// Score each pair the same way whichever side found it; keep the pairs of one later
	// record together, best first.
	var group []pairResult
	flush := func() error {
		sort.SliceStable(group, func(i, j int) bool { return group[i].r.Score > group[j].r.Score })
		for _, g := range group {
			if err := write(recs[g.a].ID(), recs[g.b].ID(), g.r); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		prog.pairs.Add(int64(len(group)))
		group = group[:0]
		return nil
	}
	for k, p := range pairs {
		if k > 0 && p.b != pairs[k-1].b {
			if err := flush(); err != nil {
				return err
			}
		}
		r := match.ComparePrepared(recs[p.a], recs[p.b], opt.cfg)
		if r.Decision != match.None {
			group = append(group, pairResult{int(p.a), int(p.b), r})
		}
	}
	return flush()
}

type pairResult struct {
	a, b int
	r    match.Result
}
