package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/match/matchgen"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// AccountsCSV writes n generated companies (matchgen, seed 1) as an account import:
// every sixth owned by a demo sales user, every ninth with a demo partner as
// incumbent, so the owner and partner checks have work to do.
func accountsCSV(n int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"name", "domain", "country", "industry", "owner_user_id", "incumbent_partner_id"})
	g := matchgen.New(1)
	for i := range n {
		r := g.Company(i)
		owner, partner := "", ""
		switch {
		case i%6 == 0:
			owner = "usr_demo000002"
		case i%9 == 4:
			partner = fmt.Sprintf("prt_demo%06d", i%demo.Partners)
		}
		_ = w.Write([]string{r.Name, r.Domain, r.Country, "Generated", owner, partner})
	}
	w.Flush()
	return buf.Bytes()
}

// BenchmarkImport100kAccounts imports 100,000 generated accounts into a fresh SQLite
// database holding the demo workspace, with progress reported while reading and
// while saving: read, check every row (file and workspace), insert in one
// transaction. Rows whose generated domain repeats an earlier row's are rejected
// (valid rows only), as a real import would do.
func BenchmarkImport100kAccounts(b *testing.B) {
	const rows = 100_000
	data := accountsCSV(rows)
	b.SetBytes(int64(len(data)))
	ctx := context.Background()
	var imported, rejected, reads, saves int
	for b.Loop() {
		b.StopTimer()
		db := storetest.Open(b, storetest.Engines()[0])
		ws, err := demo.Load(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		svc := &pipeline.Service{Store: store.Pipeline{DB: db}, Now: time.Now}
		opt := pipeline.ImportOptions{
			Options: csvimport.Options{Size: int64(len(data)), ProgressEvery: 10_000, Progress: func(csvimport.Progress) { reads++ }},
			Saved:   func(done, total int) { saves++ },
		}
		b.StartTimer()
		rep, n, err := svc.ImportAccounts(ctx, policy.System(ws.ID), "bench", bytes.NewReader(data), csvimport.ValidRowsOnly, false, opt)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		imported, rejected = n, rep.RejectedRows()
		if n < rows*9/10 {
			b.Fatalf("only %d of %d imported: %+v", n, rows, rep.Rejected[:min(5, len(rep.Rejected))])
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(imported), "imported")
	b.ReportMetric(float64(rejected), "rejected")
	b.ReportMetric(float64(imported*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(reads+saves)/float64(b.N), "progress-calls/op")
}
