package match

import (
	"testing"

	"github.com/tandemprm/tandem/internal/match/matchgen"
)

// BenchmarkCompare measures one full comparison (no reasons) of two prepared records.
func BenchmarkCompare(b *testing.B) {
	g := matchgen.New(2)
	var ps []*Prepared
	for i := 0; i < 1000; i++ {
		ps = append(ps, Prepare(recordOf(g.Company(i))), Prepare(recordOf(g.Variant(i, 0))))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scoreOnly(ps[i%len(ps)], ps[(i*7+1)%len(ps)])
	}
}

// BenchmarkPrepare measures normalising one record.
func BenchmarkPrepare(b *testing.B) {
	g := matchgen.New(2)
	var rs []Record
	for i := 0; i < 1000; i++ {
		rs = append(rs, recordOf(g.Variant(i, 0)))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Prepare(rs[i%len(rs)])
	}
}
