package match

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/match/matchgen"
)

// buildBenchIndex indexes n generated companies.
func buildBenchIndex(b *testing.B, n int) (*Index, *matchgen.Generator) {
	b.Helper()
	g := matchgen.New(1)
	ix := NewIndex(DefaultConfig())
	for i := 0; i < n; i++ {
		if err := ix.Add(recordOf(g.Company(i))); err != nil {
			b.Fatal(err)
		}
	}
	return ix, g
}

// BenchmarkQuery times single queries (messy variants and look-alikes of indexed
// companies) against indexes of 10k, 100k and 1M records, and reports p50 and p99.
// The 1M case takes about a minute to build: go test -run '^$' -bench Query ./internal/match
func BenchmarkQuery(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("short mode")
			}
			ix, g := buildBenchIndex(b, n)
			r := rand.New(rand.NewPCG(1, 2))
			qs := make([]*Prepared, 4096)
			for k := range qs {
				i := r.IntN(n)
				if k%5 == 4 {
					qs[k] = Prepare(recordOf(g.Sibling(i)))
				} else {
					qs[k] = Prepare(recordOf(g.Variant(i, 1+k%3)))
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				ix.QueryPrepared(qs[i%len(qs)])
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			// The work done per query, independent of the machine: records touched by
			// the postings read.
			sc := ix.getScratch()
			touched := 0
			for _, q := range qs {
				ix.mu.RLock()
				ix.gather(q, sc)
				touched += sc.touched()
				ix.mu.RUnlock()
				sc.reset()
			}
			b.ReportMetric(float64(touched)/float64(len(qs)), "touched/query")
		})
	}
}
