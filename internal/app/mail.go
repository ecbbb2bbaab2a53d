package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/integrations/email"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/store"
)

// Deliverer hands one message to the outside world. Permanent reports whether an error
// means retrying is pointless (the address or message was refused for good).
type Deliverer interface {
	Deliver(ctx context.Context, m outbox.Message) error
	Permanent(err error) bool
}

// holdDeliverer is used when no SMTP server is configured: messages stay on the
// admins' outbox page, and the log says where to find them (with the link, so that a
// person trying Tandem locally can sign in).
type holdDeliverer struct{ log *slog.Logger }

func (h holdDeliverer) Deliver(ctx context.Context, m outbox.Message) error {
	h.log.InfoContext(ctx, "email not sent: no SMTP server is configured; it is on the outbox page",
		"to", m.To, "subject", m.Subject, "message_id", m.ID, "links", email.Links(m.Text))
	return errHeld
}

func (holdDeliverer) Permanent(error) bool { return false }

var errHeld = fmt.Errorf("held: no SMTP server configured")

// sendWorker delivers queued messages. A message already sent is not sent again, and
// each delivery carries the message id as its idempotency key.
type sendWorker struct {
	river.WorkerDefaults[outbox.SendArgs]
	db      *store.DB
	deliver Deliverer
	now     func() time.Time
}

func (w *sendWorker) Work(ctx context.Context, j *river.Job[outbox.SendArgs]) error {
	m, err := w.db.OutboxMessage(ctx, j.Args.WorkspaceID, j.Args.MessageID)
	if err != nil {
		return err
	}
	if m.Status == outbox.Sent || m.Status == outbox.Failed || m.Status == outbox.Held {
		return nil
	}
	err = w.deliver.Deliver(ctx, m)
	switch {
	case err == nil:
		return w.db.MarkOutbox(ctx, m.WorkspaceID, m.ID, outbox.Sent, "", w.now())
	case err == errHeld:
		return w.db.MarkOutbox(ctx, m.WorkspaceID, m.ID, outbox.Held, "", time.Time{})
	case w.deliver.Permanent(err):
		if merr := w.db.MarkOutbox(ctx, m.WorkspaceID, m.ID, outbox.Failed, err.Error(), time.Time{}); merr != nil {
			return merr
		}
		return river.JobCancel(err)
	}
	return err
}
