package regbench

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
)

func expiryID(j int) string { return fmt.Sprintf("reg_x%08d", j) }

// expire loads o.Expiries approved registrations whose protection ends at one instant
// ExpiryLead from now, each with its timer job due then (as an approval schedules
// it), and waits until the running job workers have expired them all.
func expire(ctx context.Context, a *app.App, w *world, o Options) (Expiry, error) {
	x := Expiry{Count: o.Expiries}
	start := time.Now()
	at := start.Add(o.ExpiryLead).UTC().Truncate(time.Second)
	approved := at.AddDate(0, 0, -90)
	fmt.Fprintf(o.Progress, "loading %d registrations expiring at %s\n", o.Expiries, at.Format(time.TimeOnly))
	for s := 0; s < o.Expiries; s += 1000 {
		rs := make([]registration.Registration, min(1000, o.Expiries-s))
		for k := range rs {
			j := s + k
			c := w.gen.Company(w.accounts + w.regs + o.Requests + j)
			p := w.partners[j%len(w.partners)]
			rs[k] = registration.Registration{WorkspaceID: w.id, ID: expiryID(j), PartnerID: p.ID, Status: registration.Approved,
				Channel: registration.ChannelCSV, SubmitterName: "Seller at " + p.Name, SubmitterEmail: "seller@" + p.Domain,
				CustomerName: c.Name, CustomerDomain: c.Domain, CustomerCountry: c.Country, Motion: tandem.Motions[j%len(tandem.Motions)],
				Ruling: conflict.Approve, ConflictType: conflict.TypeNone,
				ReviewDueAt: approved.Add(time.Hour), DecidedAt: approved, DecidedBy: "Bench Admin", ApprovedAt: approved, WindowDays: 90,
				// Reminded, converted and recently flagged: expiry is the only thing due.
				RemindedFor: at, ConvertedAt: approved.Add(time.Hour), NoTouchFlaggedAt: start.UTC(),
				WakeAt: at, CreatedAt: approved.Add(-time.Hour), UpdatedAt: start.UTC(), Version: 3}
		}
		if err := a.DB.BulkInsertRegistrations(ctx, rs); err != nil {
			return x, err
		}
	}
	x.LoadTime = time.Since(start)
	x.Lead = time.Until(at)
	if x.Lead < 0 {
		fmt.Fprintf(o.Progress, "warning: loading took longer than --expiry-lead; the timers were due before it finished\n")
	}

	count := func(q string, args ...any) (int, error) {
		var n int
		err := a.DB.Reader().QueryRowContext(ctx, q, args...).Scan(&n)
		return n, err
	}
	const expired = `SELECT count(*) FROM registrations WHERE workspace_id = $1 AND channel = 'csv' AND id >= 'reg_x' AND id < 'reg_y' AND status = 'expired'`
	deadline := at.Add(o.ExpiryDeadline)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return x, ctx.Err()
		case <-tick.C:
		}
		n, err := count(expired, w.id)
		if err != nil {
			return x, fmt.Errorf("count expired registrations: %w", err)
		}
		now := time.Now()
		if n > 0 && x.Expired == 0 {
			x.FirstAfter = now.Sub(at)
		}
		x.Expired = n
		if now.Sub(lastReport) >= 5*time.Second && now.After(at) {
			fmt.Fprintf(o.Progress, "  %d expired %s after expiry\n", n, now.Sub(at).Round(time.Second))
			lastReport = now
		}
		if n >= o.Expiries {
			x.AllAfter = now.Sub(at)
			break
		}
		if now.After(deadline) {
			x.TimedOut = true
			x.AllAfter = now.Sub(at)
			break
		}
	}
	wrong, err := count(`SELECT count(*) FROM registrations WHERE workspace_id = $1 AND channel = 'csv' AND id >= 'reg_x' AND id < 'reg_y' AND status = 'expired' AND ended_at <> $2`, w.id, at.UnixMilli())
	if err != nil {
		return x, fmt.Errorf("check expired registrations: %w", err)
	}
	x.WrongEnd = wrong
	return x, nil
}
