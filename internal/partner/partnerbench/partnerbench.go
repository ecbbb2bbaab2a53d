// Package partnerbench measures the partner directory at program scale: a workspace
// with many partners (with regions, verticals, territories, tags and fit scores) and
// many accounts, then filtered partner list pages (keyset, through the partner
// service and the store, as the API and pages run them) and segment evaluations. It
// backs "tandem bench partners".
package partnerbench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/benchdb"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Options say what to load and how often to measure.
type Options struct {
	DatabaseURL string // PostgreSQL; empty: SQLite in a temporary directory
	Partners    int
	Accounts    int
	Rounds      int // how many times each list query and segment is timed
	Seed        uint64
	Progress    io.Writer
}

// Timing is the latency distribution of one measured operation.
type Timing struct {
	Name          string
	P50, P95, Max time.Duration
	Rows          int    // rows of the first page, or segment members
	Plan          string // the engine's plan (list queries only)
}

// Result is what a run measured.
type Result struct {
	Engine             string
	Partners, Accounts int
	LoadTime           time.Duration
	Lists              []Timing
	Segments           []Timing
	// Rescore is a change of the fit criteria: the settings saved and every partner
	// rescored in one transaction. Rows is how many were rescored.
	Rescore Timing
}

var (
	tiers      = []string{"Registered", "Silver", "Gold", "Platinum"}
	regions    = []string{"EMEA", "NA", "APAC", "LATAM"}
	verticals  = []string{"Finance", "Health", "Retail", "Manufacturing", "Public sector", "Logistics", "Media", "Energy"}
	territorys = []string{"Benelux", "DACH", "Nordics", "UK&I", "US East", "US West", "ANZ", "Brazil"}
	tags       = []string{"strategic", "co-marketing", "at-risk", "new-logo", "marketplace-ready"}
)

// Run loads a fresh database and measures it.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	res := Result{Engine: "sqlite", Partners: o.Partners, Accounts: o.Accounts}
	if o.DatabaseURL != "" {
		res.Engine = "postgres"
	}
	db, done, err := benchdb.Open(ctx, o.DatabaseURL, "partnerbench", false, o.Progress)
	if err != nil {
		return res, err
	}
	defer done()
	start := time.Now()
	ws, err := load(ctx, db, o)
	if err != nil {
		return res, err
	}
	if err := benchdb.Analyze(ctx, db); err != nil {
		return res, err
	}
	res.LoadTime = time.Since(start)
	now := time.Now
	svc := &partner.Service{Store: store.Partners{DB: db}, Now: now}
	segs := &partner.Segments{Store: store.Segments{DB: db}, Partners: store.Partners{DB: db}, Now: now}
	actor := policy.System(ws)

	lists := []struct {
		name string
		f    partner.Filter
	}{
		{"tier = Gold, by fit", partner.Filter{Tier: "Gold", Sort: partner.SortFit}},
		{"lifecycle active, by name", partner.Filter{Lifecycle: partner.Active, Sort: partner.SortName}},
		{"region APAC (list value)", partner.Filter{Region: "APAC"}},
		{"tag strategic + tier Platinum", partner.Filter{Tag: "strategic", Tier: "Platinum"}},
		{"vertical Finance, last changed", partner.Filter{Vertical: "Finance", Sort: partner.SortUpdated}},
		{"motion resale, by tier", partner.Filter{Motion: tandem.MotionResale, Sort: partner.SortTier}},
		{"search \"partner 12\"", partner.Filter{Query: "partner 12"}},
		{"all, by fit, page 3", partner.Filter{Sort: partner.SortFit}},
	}
	fmt.Fprintln(o.Progress, "timing partner lists")
	for _, l := range lists {
		t := Timing{Name: l.name}
		var ds []time.Duration
		for i := 0; i < o.Rounds; i++ {
			after := ""
			if l.name == "all, by fit, page 3" {
				// Two pages in, as someone paging through the list.
				for k := 0; k < 2; k++ {
					ps, _, err := svc.List(ctx, actor, l.f, after, 50)
					if err != nil {
						return res, err
					}
					after = partner.Cursor(ps[len(ps)-1], l.f.Sort)
				}
			}
			s := time.Now()
			ps, _, err := svc.List(ctx, actor, l.f, after, 50)
			if err != nil {
				return res, fmt.Errorf("%s: %w", l.name, err)
			}
			ds = append(ds, time.Since(s))
			t.Rows = len(ps)
		}
		t.P50, t.P95, t.Max = quantiles(ds)
		plan, err := db.ExplainListPartners(ctx, ws, l.f, store.Page{Limit: 50})
		if err != nil {
			return res, err
		}
		t.Plan = plan
		res.Lists = append(res.Lists, t)
	}

	saved := []struct{ name, rule string }{
		{"tier = Gold and fit >= 70", `tier = "Gold" and fit >= 70`},
		{"motions resale, not EMEA, tagged", `motions contains "resale" and not region = "EMEA" and tags is not empty`},
		{"verticals in (Finance, Health) or fit > 90", `verticals in ("Finance", "Health") or fit > 90`},
	}
	ids := map[string]string{partner.TopFitID: "built-in top 20% by fit", partner.DormantID: "built-in dormant 60 days"}
	order := []string{partner.TopFitID, partner.DormantID}
	for _, s := range saved {
		seg, err := segs.Create(ctx, actor, "bench", s.name, s.rule)
		if err != nil {
			return res, err
		}
		ids[seg.ID] = s.name
		order = append(order, seg.ID)
	}
	fmt.Fprintln(o.Progress, "timing segments")
	for _, id := range order {
		t := Timing{Name: ids[id]}
		var ds []time.Duration
		for i := 0; i < max(5, o.Rounds/5); i++ {
			s := time.Now()
			m, err := segs.Members(ctx, actor, id)
			if err != nil {
				return res, fmt.Errorf("segment %s: %w", ids[id], err)
			}
			ds = append(ds, time.Since(s))
			t.Rows = len(m)
		}
		t.P50, t.P95, t.Max = quantiles(ds)
		res.Segments = append(res.Segments, t)
	}
	fmt.Fprintln(o.Progress, "timing fit criteria changes")
	set, err := svc.Settings(ctx, actor)
	if err != nil {
		return res, err
	}
	res.Rescore.Name = "fit criteria change, every partner rescored"
	var ds []time.Duration
	for i := 0; i < max(3, o.Rounds/20); i++ {
		// Move the industries' weight back and forth, so every round changes scores.
		for k, c := range set.Fit.Criteria {
			if c.Kind == fitscore.Industries {
				set.Fit.Criteria[k].Weight = 10 + 10*(i%2)
			}
		}
		s := time.Now()
		_, n, err := svc.SaveSettings(ctx, actor, "bench", set)
		if err != nil {
			return res, fmt.Errorf("fit criteria change: %w", err)
		}
		ds = append(ds, time.Since(s))
		res.Rescore.Rows = n
	}
	res.Rescore.P50, res.Rescore.P95, res.Rescore.Max = quantiles(ds)
	return res, nil
}

func quantiles(ds []time.Duration) (p50, p95, mx time.Duration) {
	return benchdb.Quantile(ds, 0.5), benchdb.Quantile(ds, 0.95), benchdb.Quantile(ds, 1)
}

// load creates the workspace, its partners (with profile lists, fit inputs and
// scores under the default criteria plus industries and geography) and its accounts.
func load(ctx context.Context, db *store.DB, o Options) (string, error) {
	now := time.Now().UTC()
	ws := workspace.Workspace{ID: "ws_bench", Slug: "bench", Name: "Benchmark", TimeZone: "UTC", Currency: "EUR", CreatedAt: now, UpdatedAt: now}
	if err := db.Tx(ctx, func(tx *sql.Tx) error { return db.CreateWorkspace(ctx, tx, ws) }); err != nil {
		return "", err
	}
	set := partner.DefaultSettings()
	set.Territories = territorys
	for i, c := range set.Fit.Criteria {
		switch c.Kind {
		case fitscore.Industries:
			set.Fit.Criteria[i] = fitscore.Criterion{Kind: c.Kind, Weight: c.Weight, Targets: verticals[:3]}
		case fitscore.Geography:
			set.Fit.Criteria[i] = fitscore.Criterion{Kind: c.Kind, Weight: c.Weight, Targets: []string{"EMEA", "NA"}}
		}
	}
	pst := store.Partners{DB: db}
	if _, _, err := (&partner.Service{Store: pst, Now: time.Now}).SaveSettings(ctx, policy.System(ws.ID), "bench", set); err != nil {
		return "", err
	}
	rng := mrand.New(mrand.NewPCG(o.Seed, 7))
	fmt.Fprintf(o.Progress, "loading %d partners\n", o.Partners)
	// Partners are written in transactions of 2,000 with their motions and list
	// values, scored as the service scores them.
	var batch []partner.Partner
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			for _, p := range batch {
				if err := db.CreatePartner(ctx, tx, p); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for i := 0; i < o.Partners; i++ {
		at := now.Add(-time.Duration(rng.IntN(700*24)) * time.Hour)
		cust := rng.IntN(2000)
		icp := rng.IntN(cust + 1)
		p := partner.Partner{WorkspaceID: ws.ID, ID: fmt.Sprintf("prt_b%06d", i), Name: fmt.Sprintf("Partner %d %s", i, verticals[i%len(verticals)]),
			Domain: fmt.Sprintf("partner%d.example", i), Motions: []tandem.Motion{tandem.Motions[i%len(tandem.Motions)]},
			Tier: tiers[rng.IntN(len(tiers))], Regions: []string{regions[rng.IntN(len(regions))]}, Lifecycle: partner.Lifecycles[rng.IntN(len(partner.Lifecycles))],
			Verticals: pickN(rng, verticals, 1+rng.IntN(3)), Territories: pickN(rng, territorys, rng.IntN(3)), Tags: pickN(rng, tags, rng.IntN(3)),
			Fit: partner.FitInputs{Customers: &cust, CustomersInICP: &icp}, CreatedAt: at, UpdatedAt: at.Add(time.Duration(rng.IntN(1000)) * time.Hour)}
		p.Region = p.Regions[0]
		p.FitResult = score(set.Fit, p)
		batch = append(batch, p)
		if len(batch) == 2000 {
			if err := flush(); err != nil {
				return "", err
			}
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	fmt.Fprintf(o.Progress, "loading %d accounts\n", o.Accounts)
	const chunk = 10000
	for start := 0; start < o.Accounts; start += chunk {
		n := min(chunk, o.Accounts-start)
		rows := make([]store.BulkAccount, n)
		for k := range rows {
			i := start + k
			rows[k] = store.BulkAccount{Account: account.Account{WorkspaceID: ws.ID, ID: fmt.Sprintf("acc_b%08d", i), Name: fmt.Sprintf("Customer %d", i),
				Domain: fmt.Sprintf("customer%d.example", i), Country: "NL", CreatedAt: now, UpdatedAt: now}}
			if i%10 == 1 {
				rows[k].IncumbentPartnerID = fmt.Sprintf("prt_b%06d", i%o.Partners)
			}
		}
		if err := db.BulkInsertAccounts(ctx, rows); err != nil {
			return "", err
		}
		if (start+n)%200000 == 0 {
			fmt.Fprintf(o.Progress, "  %d accounts\n", start+n)
		}
	}
	return ws.ID, nil
}

// score is the partner's stored fit result under cfg, as the service computes it.
func score(cfg fitscore.Config, p partner.Partner) *fitscore.Result {
	r := fitscore.Score(cfg, p.ScoreInputs())
	return &r
}

func pickN(rng *mrand.Rand, from []string, n int) []string {
	idx := rng.Perm(len(from))[:n]
	out := make([]string, n)
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

// Write prints r as a readable report.
func (r Result) Write(w io.Writer) {
	fmt.Fprintf(w, "engine %s: %d partners, %d accounts (loaded in %s)\n\n", r.Engine, r.Partners, r.Accounts, r.LoadTime.Round(time.Millisecond))
	fmt.Fprintln(w, "partner list, first page of 50 (p50 / p95 / max, rows):")
	for _, t := range r.Lists {
		fmt.Fprintf(w, "  %-34s %8s %8s %8s  %d\n", t.Name, msec(t.P50), msec(t.P95), msec(t.Max), t.Rows)
	}
	fmt.Fprintln(w, "\nsegment evaluation over every partner (p50 / p95 / max, members):")
	for _, t := range r.Segments {
		fmt.Fprintf(w, "  %-44s %8s %8s %8s  %d\n", t.Name, msec(t.P50), msec(t.P95), msec(t.Max), t.Rows)
	}
	fmt.Fprintln(w, "\nfit criteria change (p50 / p95 / max, partners rescored):")
	fmt.Fprintf(w, "  %-44s %8s %8s %8s  %d\n", r.Rescore.Name, msec(r.Rescore.P50), msec(r.Rescore.P95), msec(r.Rescore.Max), r.Rescore.Rows)
	fmt.Fprintln(w, "\nquery plans:")
	for _, t := range r.Lists {
		fmt.Fprintf(w, "  %s:\n", t.Name)
		for _, l := range splitLines(t.Plan) {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

var msec = benchdb.Msec

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
