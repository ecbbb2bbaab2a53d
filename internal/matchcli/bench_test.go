package matchcli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLatency builds indexes of 10k, 100k and 1M generated companies and reports
// build time, index memory per record and single-query latency (p50, p99, mean):
//
//	go test -run '^$' -bench Latency -benchtime 1x ./internal/matchcli
func BenchmarkLatency(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r, err := MeasureLatency(context.Background(), 1, n, 20000)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.Build.Seconds(), "build-s")
				b.ReportMetric(r.BytesPerRec, "B/record")
				b.ReportMetric(float64(r.P50.Microseconds()), "p50-µs")
				b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
				b.ReportMetric(float64(r.Mean.Microseconds()), "mean-µs")
			}
		})
	}
}

// BenchmarkLink1M generates 1M + 1M records as CSV (outside the timing) and runs
// tandem match over them end to end, reporting wall time and the process's peak RSS:
//
//	go test -run '^$' -bench Link1M -benchtime 1x -timeout 30m ./internal/matchcli
func BenchmarkLink1M(b *testing.B) {
	dir := b.TempDir()
	if code := Bench(context.Background(), []string{"--gen", dir, "--left-n", "1000000", "--right-n", "1000000"}, io.Discard, os.Stderr); code != 0 {
		b.Fatalf("generate: exit %d", code)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		code := Main(context.Background(), []string{"--left", filepath.Join(dir, "left.csv"), "--right", filepath.Join(dir, "right.csv"), "--out", filepath.Join(dir, "pairs.csv")}, io.Discard, os.Stderr)
		if code != 0 {
			b.Fatalf("match: exit %d", code)
		}
		b.ReportMetric(time.Since(start).Seconds(), "wall-s")
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/(1<<20), "peak-RSS-GiB")
	}
	if code := Bench(context.Background(), []string{"--eval", dir, "--pairs", filepath.Join(dir, "pairs.csv")}, os.Stderr, os.Stderr); code != 0 {
		b.Fatalf("evaluate: exit %d", code)
	}
}
