package csvimport

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkRead100kRows reads and validates a 100,000-row partner file, as a dry run
// or an import does before anything is written.
func BenchmarkRead100kRows(b *testing.B) {
	const rows = 100_000
	var buf bytes.Buffer
	buf.WriteString("name,website,tier,notes\n")
	for i := range rows {
		fmt.Fprintf(&buf, "\"Partner %d, Ltd\",partner%d.example,Gold,some notes about partner %d\n", i, i, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := Read(context.Background(), bytes.NewReader(data), partnerSchema, Options{})
		if err != nil || p.Report.Valid != rows {
			b.Fatalf("%v %+v", err, p.Report.Warnings)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
