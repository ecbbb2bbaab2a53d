package regbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/match/matchgen"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// world is the loaded workspace.
type world struct {
	id       string
	adminID  string
	partners []partner.Partner
	gen      *matchgen.Generator
	accounts int
	regs     int
	loadedAt time.Time
}

// Company numbering in the generator: accounts are companies [0, accounts); the
// preloaded registrations that are not variants of an account are companies
// accounts+j; new customers submitted over HTTP come after both.

// accountID and preloadID name loaded rows.
func accountID(i int) string { return fmt.Sprintf("acc_b%08d", i) }
func preloadID(j int) string { return fmt.Sprintf("reg_b%08d", j) }

// chunk is how many rows one bulk insert transaction carries.
const chunk = 10000

func load(ctx context.Context, a *app.App, o Options) (*world, error) {
	now := time.Now().UTC()
	ws, admin, _, err := a.Identity.SetUpWorkspace(ctx, workspace.Workspace{Slug: "bench", Name: "Benchmark"}, "admin@bench.example", "Bench Admin")
	if err != nil {
		return nil, fmt.Errorf("create workspace: %s", tandem.MessageOf(err))
	}
	w := &world{id: ws.ID, adminID: admin.ID, gen: matchgen.New(o.Seed), accounts: o.Accounts, regs: o.Registrations, loadedAt: now}

	// The product's defaults, except that no field beyond the customer name is
	// required: a fifth of generated companies have no web domain.
	set := registration.DefaultSettings()
	for _, m := range tandem.Motions {
		set.Required[m] = nil
	}
	raw, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	if err := a.DB.SaveRegistrationSettings(ctx, ws.ID, raw); err != nil {
		return nil, fmt.Errorf("save registration settings: %w", err)
	}

	tiers := []string{"Registered", "Silver", "Gold", "Platinum"}
	regions := []string{"EMEA", "NA", "APAC", "LATAM"}
	for i := 0; i < o.Partners; i++ {
		w.partners = append(w.partners, partner.Partner{WorkspaceID: ws.ID, ID: fmt.Sprintf("prt_b%05d", i), Name: fmt.Sprintf("Partner %d", i),
			Domain: fmt.Sprintf("partner%d.example", i), Motions: tandem.Motions, Tier: tiers[i%len(tiers)], Region: regions[i%len(regions)],
			Lifecycle: partner.Active, CreatedAt: now, UpdatedAt: now})
	}
	if err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range w.partners {
			if err := a.DB.CreatePartner(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("create partners: %w", err)
	}

	// Accounts: generated in one goroutine while the previous chunk is written. A
	// third are owned by direct sales, one in ten has an incumbent partner, as after
	// a CRM import.
	type batch struct {
		rows []store.BulkAccount
	}
	ch := make(chan batch, 2)
	genCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(ch)
		for start := 0; start < o.Accounts; start += chunk {
			n := min(chunk, o.Accounts-start)
			rows := make([]store.BulkAccount, n)
			for k := range rows {
				i := start + k
				c := w.gen.Company(i)
				// Imported a day ago, a thousand rows per millisecond or so: the
				// index reads them when it is built, not in every catch-up.
				at := now.Add(-24*time.Hour + time.Duration(i/1000)*time.Millisecond)
				ba := store.BulkAccount{Account: account.Account{WorkspaceID: ws.ID, ID: accountID(i), Name: c.Name, Domain: c.Domain, Country: c.Country,
					CreatedAt: at, UpdatedAt: at}}
				switch {
				case i%3 == 0:
					ba.OwnerUserID = admin.ID
				case i%10 == 1:
					ba.IncumbentPartnerID = w.partners[i%len(w.partners)].ID
				}
				rows[k] = ba
			}
			select {
			case ch <- batch{rows}:
			case <-genCtx.Done():
				return
			}
		}
	}()
	loaded := 0
	for b := range ch {
		if err := a.DB.BulkInsertAccounts(ctx, b.rows); err != nil {
			return nil, err
		}
		loaded += len(b.rows)
		if loaded%100000 == 0 {
			fmt.Fprintf(o.Progress, "  %d accounts\n", loaded)
		}
	}
	if loaded != o.Accounts {
		return nil, ctx.Err()
	}

	// Active registrations: half pending review, half approved and protected. One in
	// five is a partner's (messy) name for an existing account.
	for start := 0; start < o.Registrations; start += chunk {
		n := min(chunk, o.Registrations-start)
		rs := make([]registration.Registration, n)
		for k := range rs {
			j := start + k
			rs[k] = w.preloaded(j)
		}
		if err := a.DB.BulkInsertRegistrations(ctx, rs); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// preloaded is active registration j as loaded before the run.
func (w *world) preloaded(j int) registration.Registration {
	var c matchgen.Record
	if j%5 == 0 && w.accounts > 0 {
		c = w.gen.Variant(int((uint64(j)*2654435761)%uint64(w.accounts)), 5)
	} else {
		c = w.gen.Company(w.accounts + j)
	}
	p := w.partners[j%len(w.partners)]
	at := w.loadedAt.Add(-time.Duration(j%(60*24)) * time.Minute)
	r := registration.Registration{WorkspaceID: w.id, ID: preloadID(j), PartnerID: p.ID, Status: registration.Pending, Channel: registration.ChannelCSV,
		SubmitterName: "Seller at " + p.Name, SubmitterEmail: "seller@" + p.Domain,
		CustomerName: c.Name, CustomerDomain: c.Domain, CustomerCountry: c.Country, ContactEmail: c.Email,
		AmountMinor: int64(1000+j%90000) * 100, Currency: "USD", Motion: tandem.Motions[j%len(tandem.Motions)],
		Ruling: conflict.Review, ConflictType: conflict.TypeNone, ReviewDueAt: at.Add(48 * time.Hour), CreatedAt: at, UpdatedAt: at, Version: 1}
	if j%2 == 1 {
		r.Status, r.Ruling = registration.Approved, conflict.Approve
		r.DecidedAt, r.DecidedBy, r.ApprovedAt, r.WindowDays = at.Add(time.Hour), "Bench Admin", at.Add(time.Hour), 90
		r.ConvertedAt = at.Add(2 * time.Hour)
	}
	return r
}
