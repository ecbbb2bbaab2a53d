package matchcli

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/match/matchgen"
)

const benchUsage = `usage: tandem bench match [--records N] [--queries Q] [--seed S]
       tandem bench match --gen DIR [--left-n N] [--right-n M] [--seed S]
       tandem bench match --eval DIR --pairs pairs.csv

Without --gen or --eval: builds an index of N generated companies and times Q single
queries (messy variants of indexed companies), printing build time, index memory and
query latency percentiles.

--gen writes DIR/left.csv (N companies) and DIR/right.csv (M records: 70% messy variants
of left companies, 10% look-alike different companies, 20% companies not in the left
list), with an entity column giving the truth, for an end-to-end run of tandem match.

--eval reads those files and a pairs.csv written by tandem match and prints precision
and recall of the match decisions against the truth.

Flags:
`

// Bench runs `tandem bench match` (see benchUsage) and returns an exit code as Main does.
func Bench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tandem bench match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	records := fs.Int("records", 100000, "companies to index")
	queries := fs.Int("queries", 10000, "queries to time")
	seed := fs.Uint64("seed", 1, "generator seed")
	gen := fs.String("gen", "", "write left.csv and right.csv to this directory")
	leftN := fs.Int("left-n", 1000000, "companies in left.csv (with --gen)")
	rightN := fs.Int("right-n", 1000000, "records in right.csv (with --gen)")
	eval := fs.String("eval", "", "directory of left.csv and right.csv to evaluate --pairs against")
	pairs := fs.String("pairs", "", "pairs.csv written by tandem match (with --eval)")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return ExitOK
		}
		return ExitUsage
	}
	var err error
	switch {
	case *gen != "":
		err = generateFiles(ctx, *gen, *seed, *leftN, *rightN)
	case *eval != "":
		if *pairs == "" {
			fmt.Fprintln(stderr, "tandem bench match: --eval needs --pairs")
			return ExitUsage
		}
		err = evaluate(*eval, *pairs, stdout)
	default:
		err = latency(ctx, *seed, *records, *queries, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tandem bench match: %v\n", err)
		return ExitError
	}
	return ExitOK
}

func toRecord(r matchgen.Record) match.Record {
	return match.Record{ID: r.ID, Name: r.Name, Domain: r.Domain, Country: r.Country, Email: r.Email}
}

// LatencyResult holds the figures of one latency run.
type LatencyResult struct {
	Records       int
	Build         time.Duration
	HeapBytes     uint64 // live heap held by the index after a GC
	BytesPerRec   float64
	P50, P99, Max time.Duration
	Mean          time.Duration
	Stats         match.IndexStats
}

// MeasureLatency builds an index of n generated companies and times q single queries.
func MeasureLatency(ctx context.Context, seed uint64, n, q int) (LatencyResult, error) {
	g := matchgen.New(seed)
	var res LatencyResult
	res.Records = n
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ix := match.NewIndex(match.DefaultConfig())
	start := time.Now()
	for i := 0; i < n; i++ {
		if i%10000 == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err := ix.Add(toRecord(g.Company(i))); err != nil {
			return res, fmt.Errorf("add company %d: %w", i, err)
		}
	}
	res.Build = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	res.HeapBytes = after.HeapAlloc - before.HeapAlloc
	res.BytesPerRec = float64(res.HeapBytes) / float64(n)
	res.Stats = ix.Stats()

	r := rand.New(rand.NewPCG(seed, 99))
	qs := make([]*match.Prepared, q)
	for k := range qs {
		i := r.IntN(n)
		if k%5 == 4 {
			qs[k] = match.Prepare(toRecord(g.Sibling(i)))
		} else {
			qs[k] = match.Prepare(toRecord(g.Variant(i, 1+k%3)))
		}
	}
	lat := make([]time.Duration, q)
	for k, p := range qs {
		t0 := time.Now()
		ix.QueryPrepared(p)
		lat[k] = time.Since(t0)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	res.P50 = lat[len(lat)/2]
	res.P99 = lat[len(lat)*99/100]
	res.Max = lat[len(lat)-1]
	res.Mean = sum / time.Duration(len(lat))
	runtime.KeepAlive(ix)
	return res, nil
}

func latency(ctx context.Context, seed uint64, n, q int, w io.Writer) error {
	if n < 1 || q < 1 {
		return fmt.Errorf("--records and --queries must be positive")
	}
	r, err := MeasureLatency(ctx, seed, n, q)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "records %d  build %.2fs  index heap %.0f MiB (%.0f B/record)  terms %d  postings %d  fuzzy %d\n",
		r.Records, r.Build.Seconds(), float64(r.HeapBytes)/(1<<20), r.BytesPerRec, r.Stats.Terms, r.Stats.Postings, r.Stats.Fuzzy)
	fmt.Fprintf(w, "queries %d  p50 %v  p99 %v  mean %v  max %v\n", q, r.P50, r.P99, r.Mean, r.Max)
	return nil
}

func generateFiles(ctx context.Context, dir string, seed uint64, leftN, rightN int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	g := matchgen.New(seed)
	write := func(name string, n int, rec func(j int) matchgen.Record) error {
		fh, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		defer fh.Close()
		bw := bufio.NewWriterSize(fh, 1<<20)
		cw := csv.NewWriter(bw)
		if err := cw.Write([]string{"id", "name", "domain", "country", "email", "entity"}); err != nil {
			return err
		}
		for j := 0; j < n; j++ {
			if j%100000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			r := rec(j)
			if err := cw.Write([]string{r.ID, r.Name, r.Domain, r.Country, r.Email, strconv.Itoa(r.Entity)}); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return fh.Close()
	}
	if err := write("left.csv", leftN, g.Company); err != nil {
		return err
	}
	return write("right.csv", rightN, func(j int) matchgen.Record {
		i := int((uint64(j) * 2654435761) % uint64(leftN))
		switch j % 10 {
		case 7:
			return g.Sibling(i)
		case 8, 9:
			r := g.Company(leftN + j)
			r.ID = fmt.Sprintf("n%d", j)
			return r
		}
		r := g.Variant(i, j%3)
		r.ID = fmt.Sprintf("v%d", j)
		return r
	})
}

// evaluate compares pairs.csv with the entity columns of left.csv and right.csv.
func evaluate(dir, pairsPath string, w io.Writer) error {
	entities := func(name string) (map[string]string, error) {
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		defer fh.Close()
		cr := csv.NewReader(bufio.NewReaderSize(fh, 1<<20))
		cr.ReuseRecord = true
		m := map[string]string{}
		header := true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return m, nil
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			if header {
				header = false
				continue
			}
			m[rec[0]] = rec[5]
		}
	}
	left, err := entities("left.csv")
	if err != nil {
		return err
	}
	right, err := entities("right.csv")
	if err != nil {
		return err
	}
	inLeft := map[string]bool{}
	for _, e := range left {
		inLeft[e] = true
	}
	positives := 0
	for _, e := range right {
		if inLeft[e] {
			positives++
		}
	}
	fh, err := os.Open(pairsPath)
	if err != nil {
		return fmt.Errorf("open pairs: %w", err)
	}
	defer fh.Close()
	cr := csv.NewReader(bufio.NewReaderSize(fh, 1<<20))
	cr.ReuseRecord = true
	var tp, fp, possTrue, possFalse int
	found := map[string]bool{}
	header := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read pairs: %w", err)
		}
		if header {
			header = false
			continue
		}
		same := left[rec[0]] == right[rec[1]] && left[rec[0]] != ""
		switch rec[3] {
		case "match":
			if same {
				tp++
				found[rec[1]] = true
			} else {
				fp++
			}
		case "possible":
			if same {
				possTrue++
			} else {
				possFalse++
			}
		}
	}
	p := float64(tp) / float64(max(1, tp+fp))
	r := float64(len(found)) / float64(max(1, positives))
	f1 := 0.0
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	fmt.Fprintf(w, "match decisions: precision %.4f  recall %.4f  F1 %.4f  (tp %d, fp %d, right records with a true partner %d)\n", p, r, f1, tp, fp, positives)
	fmt.Fprintf(w, "possible decisions: %d same company, %d different\n", possTrue, possFalse)
	return nil
}
