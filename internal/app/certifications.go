package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/store"
)

// certificationRemindEvery is how often expiring certifications are looked for.
// Reminders go out 30 days ahead and once per expiry, so a daily run is enough and
// a missed run is caught up by the next.
const certificationRemindEvery = 24 * time.Hour

// certificationRemindArgs is the scheduled expiry reminder run over every workspace.
type certificationRemindArgs struct{}

func (certificationRemindArgs) Kind() string { return "certification_reminders_all" }

type certificationRemindWorker struct {
	river.WorkerDefaults[certificationRemindArgs]
	svc *certification.Service
	db  *store.DB
}

// Work reminds of the certifications expiring in every workspace; a failure in one
// does not stop the others, and a retry sends nothing twice (each expiry is marked
// reminded in the reminder's own transaction).
func (w *certificationRemindWorker) Work(ctx context.Context, _ *river.Job[certificationRemindArgs]) error {
	return eachWorkspace(ctx, w.db, func(ctx context.Context, id string) error {
		_, err := w.svc.Remind(ctx, id)
		return err
	})
}
