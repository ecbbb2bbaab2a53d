package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// BenchmarkTierReview10kPartners times one evaluation of a workspace with 10,000
// active partners and 50,000 registrations in the activity window: measuring,
// comparing and saving standings and proposals in one transaction.
func BenchmarkTierReview10kPartners(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, e)
			ws, err := demo.Load(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			tiers := []string{"Registered", "Silver", "Gold", "Platinum"}
			var ps []partner.Partner
			var es []audit.Entry
			for i := range 10_000 {
				p := partner.Partner{WorkspaceID: ws.ID, ID: fmt.Sprintf("prt_bench%06d", i), Name: fmt.Sprintf("Bench Partner %d", i),
					Tier: tiers[i%4], Lifecycle: partner.Active, CreatedAt: t0, UpdatedAt: t0}
				ps = append(ps, p)
				es = append(es, audit.New(ctx, policy.System(ws.ID), "bench", t0, "partner.create", "partner", p.ID, nil, nil, ""))
			}
			if err := (store.Partners{DB: db}).CreatePartners(ctx, ps, es); err != nil {
				b.Fatal(err)
			}
			var regs []registration.Registration
			for i := range 50_000 {
				at := t0.Add(-time.Duration(i%80) * 24 * time.Hour)
				regs = append(regs, registration.Registration{WorkspaceID: ws.ID, ID: fmt.Sprintf("reg_bench%07d", i), PartnerID: ps[i%len(ps)].ID,
					Status: registration.Approved, Channel: registration.ChannelAPI, CustomerName: "Customer", Motion: tandem.MotionReferral, CreatedAt: at, UpdatedAt: at})
			}
			if err := db.BulkInsertRegistrations(ctx, regs); err != nil {
				b.Fatal(err)
			}
			clock := t0
			svc := &program.Service{Store: store.Program{DB: db}, Now: func() time.Time { return clock }}
			b.ResetTimer()
			for b.Loop() {
				clock = clock.Add(time.Hour)
				if _, err := svc.Evaluate(ctx, ws.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
