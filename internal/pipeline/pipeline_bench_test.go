package pipeline_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// BenchmarkPipelineSmall measures, on each engine, a stage change (rules, audit,
// history and the renewal job check in one transaction), a filtered list page and a
// partner's shared view over 2,000 opportunities of the demo workspace, reporting
// p50/p95/p99 in ms. It is a small-scale check, not the million-row target.
func BenchmarkPipelineSmall(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) { benchPipeline(b, storetest.Open(b, e)) })
	}
}

func benchPipeline(b *testing.B, db *store.DB) {
	{
		f := setup(b, db)
		const n = 2000
		ids := make([]string, 0, n)
		for i := range n {
			o, err := f.svc.CreateOpportunity(f.ctx, f.manager, "Paul", pipeline.OpportunityInput{AccountID: ptr("acc_demo000007"),
				Name: ptr(fmt.Sprintf("Bench deal %d", i)), Motion: tandem.MotionReferral, PartnerID: fmt.Sprintf("prt_demo%06d", i%10),
				OwnerUserID: ptr("usr_demo000002"), Fields: map[string]string{"partner_contact": "Lee"}})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		pct := func(ds []time.Duration, p float64) float64 {
			slices.Sort(ds)
			return float64(ds[int(float64(len(ds)-1)*p)].Microseconds()) / 1000
		}
		b.ResetTimer()
		var moves, lists, views []time.Duration
		for i := 0; i < b.N; i++ {
			for j := range 200 {
				id := ids[(i*200+j)%n]
				o, _ := f.svc.Opportunity(f.ctx, f.manager, id)
				to := "qualified"
				if o.Stage == "qualified" {
					to = "introduced"
				}
				t0 := time.Now()
				if _, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", id, pipeline.StageMove{To: to, Version: o.Version}); err != nil {
					b.Fatal(err)
				}
				moves = append(moves, time.Since(t0))
				t0 = time.Now()
				if _, _, err := f.svc.ListOpportunities(f.ctx, f.manager, pipeline.Filter{Motion: tandem.MotionReferral, Stage: "introduced", PartnerID: "prt_demo000003"}, "", 50); err != nil {
					b.Fatal(err)
				}
				lists = append(lists, time.Since(t0))
				t0 = time.Now()
				if _, _, err := f.svc.ListOpportunities(f.ctx, f.sam, pipeline.Filter{}, "", 50); err != nil {
					b.Fatal(err)
				}
				views = append(views, time.Since(t0))
			}
		}
		b.ReportMetric(pct(moves, 0.5), "move-p50-ms")
		b.ReportMetric(pct(moves, 0.99), "move-p99-ms")
		b.ReportMetric(pct(lists, 0.95), "list-p95-ms")
		b.ReportMetric(pct(views, 0.95), "partner-view-p95-ms")
	}
}
