package conflict_test

import (
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/tandem"
)

func ExampleEvaluate() {
	submitted := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	sub := conflict.Submission{
		PartnerID:   "prt_submitter",
		Motion:      tandem.MotionResale,
		TierRank:    2,
		SubmittedAt: submitted,
	}
	candidates := []conflict.Candidate{{
		Ref:   "reg_0123",
		Kind:  conflict.KindRegistration,
		Match: conflict.MatchCertain,
		Score: 0.96,
		Party: conflict.Party{
			Side:         conflict.SidePartner,
			PartnerID:    "prt_other",
			Name:         "Northwind Resale",
			Motion:       tandem.MotionResale,
			TierRank:     3,
			Registration: conflict.RegPending,
			ClaimedAt:    submitted.Add(-48 * time.Hour),
		},
	}}
	r, err := conflict.Evaluate(conflict.DefaultPolicy(), sub, candidates, submitted)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Ruling, r.Type, r.Rule)
	fmt.Println(r.PartnerExplanation)
	fmt.Println(r.InternalExplanation)
	// Output:
	// decline horizontal first_come_first_served
	// We cannot approve this registration under our rules of engagement (First come, first served): another claim on this customer reached us before yours. If you have evidence we should weigh, you can appeal this decision.
	// Recommendation: decline (decided by "First come, first served").
	// Conflict: horizontal, status active.
	// 1. [lost, deciding] registration reg_0123 (certain match, score 0.96) held by partner Northwind Resale [prt_other, Resale, tier rank 3, registration pending]: they win under "First come, first served": they engaged (2026-02-28 09:00 UTC) before the submission (2026-03-02 09:00 UTC).
}
