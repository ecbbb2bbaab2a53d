package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/store"
)

// tierReviewEvery is how often every workspace's active partners are measured
// against their tiers' requirements. Requirements are counted over 90 days and 12
// months, so a daily evaluation is fresh enough; managers can also run it at once.
const tierReviewEvery = 24 * time.Hour

// tierReviewArgs is the scheduled tier review of every workspace.
type tierReviewArgs struct{}

func (tierReviewArgs) Kind() string { return "tier_review_all" }

type tierReviewWorker struct {
	river.WorkerDefaults[tierReviewArgs]
	svc *program.Service
	db  *store.DB
}

// Work evaluates every workspace; a failure in one does not stop the others, and the
// job is retried as a whole (evaluation is idempotent: an open proposal is refreshed,
// never duplicated).
func (w *tierReviewWorker) Work(ctx context.Context, _ *river.Job[tierReviewArgs]) error {
	return eachWorkspace(ctx, w.db, func(ctx context.Context, id string) error {
		_, err := w.svc.Evaluate(ctx, id)
		return err
	})
}
