// Package pipebench measures the co-selling pipeline at program scale: a workspace
// with many partners, accounts and opportunities (spread over motions, stages,
// owners, amounts and close dates, one to three partners credited on each, some with
// notes and plan milestones), then filtered list pages, the board, a partner's
// shared view and stage changes, all through the pipeline service as the API and
// pages call it. It backs "tandem bench pipeline".
package pipebench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/benchdb"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Options say what to load and how often to measure.
type Options struct {
	DatabaseURL   string // PostgreSQL; empty: SQLite in a temporary directory
	Partners      int
	Accounts      int
	Opportunities int
	Rounds        int // how many times each read is timed, and how many stage changes
	Seed          uint64
	Progress      io.Writer
	// Keep leaves the database (the SQLite directory or the PostgreSQL schema) in
	// place after the run, to read its plans by hand; its location is printed.
	Keep bool
}

// Timing is the latency distribution of one measured operation.
type Timing struct {
	Name               string
	Group              string // "list", "board", "shared" or "move"
	P50, P95, P99, Max time.Duration
	Rows               int    // rows of the page (board: cards on it)
	Plan               string // the engine's plan (list queries only)
}

// Result is what a run measured.
type Result struct {
	Engine                            string
	Partners, Accounts, Opportunities int
	LoadTime                          time.Duration
	Timings                           []Timing
}

// Targets are the latencies the pipeline must stay under at a million opportunities,
// by group: p95 for reads, p99 for stage changes.
var Targets = map[string]time.Duration{"list": 150 * time.Millisecond, "board": 150 * time.Millisecond,
	"shared": 50 * time.Millisecond, "move": 30 * time.Millisecond}

// pageSize is the list page of the console and the portal; boardColumn the cards of
// one board column (as internal/web shows them).
const (
	pageSize    = 50
	boardColumn = 50
	owners      = 40
	chunk       = 10000
)

// ids of loaded rows.
func partnerID(i int) string { return fmt.Sprintf("prt_b%06d", i) }
func accountID(i int) string { return fmt.Sprintf("acc_b%08d", i) }
func oppID(i int) string     { return fmt.Sprintf("opp_b%08d", i) }
func ownerID(i int) string   { return fmt.Sprintf("usr_b%04d", i) }

const (
	managerID  = "usr_bmanager"
	bigUserID  = "usr_bpartnerbig"
	someUserID = "usr_bpartnersome"
)

var products = []string{"platform rollout", "analytics add-on", "support renewal", "expansion seats", "data migration", "security bundle"}

// world is what the load produced that the measurements need.
type world struct {
	ws                 string
	bigPartner         string // the partner credited on the most opportunities
	somePartner        string // a partner with a typical number
	movable            []string
	searchRare         string
	closeFrom, closeTo string
}

// Run loads a fresh database and measures it.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	res := Result{Engine: "sqlite", Partners: o.Partners, Accounts: o.Accounts, Opportunities: o.Opportunities}
	if o.Partners < 3 || o.Accounts < 1 || o.Opportunities < 1 || o.Rounds < 1 {
		return res, fmt.Errorf("need at least 3 partners, 1 account, 1 opportunity and 1 round")
	}
	if o.DatabaseURL != "" {
		res.Engine = "postgres"
	}
	db, done, err := benchdb.Open(ctx, o.DatabaseURL, "pipebench", o.Keep, o.Progress)
	if err != nil {
		return res, err
	}
	defer done()
	start := time.Now()
	w, err := load(ctx, db, o)
	if err != nil {
		return res, err
	}
	if err := benchdb.Analyze(ctx, db); err != nil {
		return res, err
	}
	res.LoadTime = time.Since(start)

	st := store.Pipeline{DB: db}
	svc := &pipeline.Service{Store: st, Now: time.Now}
	manager := policy.Actor{Kind: policy.ActorUser, WorkspaceID: w.ws, UserID: managerID, Role: tandem.RolePartnerManager}
	big := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: w.ws, UserID: bigUserID, PartnerID: w.bigPartner, Role: tandem.RolePartnerSeller}
	some := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: w.ws, UserID: someUserID, PartnerID: w.somePartner, Role: tandem.RolePartnerSeller}

	lists := []struct {
		name  string
		actor policy.Actor
		group string
		f     pipeline.Filter
		pages int // the page timed: 1 is the first
	}{
		{"motion resale + stage qualified", manager, "list", pipeline.Filter{Motion: tandem.MotionResale, Stage: "qualified"}, 1},
		{"motion resale + stage qualified, page 3", manager, "list", pipeline.Filter{Motion: tandem.MotionResale, Stage: "qualified"}, 3},
		{"owner, open", manager, "list", pipeline.Filter{OwnerUserID: ownerID(7), Status: pipeline.Open}, 1},
		{"owner, page 3", manager, "list", pipeline.Filter{OwnerUserID: ownerID(0)}, 3},
		{"partner (typical)", manager, "list", pipeline.Filter{PartnerID: w.somePartner}, 1},
		{"partner (largest), page 2", manager, "list", pipeline.Filter{PartnerID: w.bigPartner}, 2},
		{"close date in one month", manager, "list", pipeline.Filter{CloseFrom: w.closeFrom, CloseTo: w.closeTo}, 1},
		{"close date in one month, page 3", manager, "list", pipeline.Filter{CloseFrom: w.closeFrom, CloseTo: w.closeTo}, 3},
		{"search rare (one account)", manager, "list", pipeline.Filter{Query: w.searchRare}, 1},
		{"search common + open, page 2", manager, "list", pipeline.Filter{Query: "analytics", Status: pipeline.Open}, 2},
		{"all, page 3", manager, "list", pipeline.Filter{}, 3},
		{"largest partner, first page", big, "shared", pipeline.Filter{}, 1},
		{"largest partner, page 3", big, "shared", pipeline.Filter{}, 3},
		{"typical partner, first page", some, "shared", pipeline.Filter{}, 1},
		{"largest partner, search", big, "shared", pipeline.Filter{Query: "renewal"}, 1},
	}
	fmt.Fprintln(o.Progress, "timing lists and shared views")
	for _, l := range lists {
		t := Timing{Name: l.name, Group: l.group}
		var ds []time.Duration
		after := ""
		for k := 1; k < l.pages; k++ {
			os, _, err := svc.ListOpportunities(ctx, l.actor, l.f, after, pageSize)
			if err != nil {
				return res, fmt.Errorf("%s: %w", l.name, err)
			}
			if len(os) == 0 {
				break
			}
			after = os[len(os)-1].ID
		}
		for i := 0; i < o.Rounds; i++ {
			s := time.Now()
			os, _, err := svc.ListOpportunities(ctx, l.actor, l.f, after, pageSize)
			if err != nil {
				return res, fmt.Errorf("%s: %w", l.name, err)
			}
			ds = append(ds, time.Since(s))
			t.Rows = len(os)
		}
		t.P50, t.P95, t.P99, t.Max = quantiles(ds)
		f := l.f
		if p, ok := l.actor.PartnerOnly(); ok {
			f.PartnerID = p
		}
		if t.Plan, err = st.ExplainListOpportunities(ctx, w.ws, f, after, pageSize); err != nil {
			return res, err
		}
		res.Timings = append(res.Timings, t)
	}

	boards := []struct {
		name  string
		actor policy.Actor
		f     pipeline.Filter
	}{
		{"referral", manager, pipeline.Filter{Motion: tandem.MotionReferral}},
		{"resale, one owner", manager, pipeline.Filter{Motion: tandem.MotionResale, OwnerUserID: ownerID(3)}},
		{"services, one partner", manager, pipeline.Filter{Motion: tandem.MotionServices, PartnerID: w.somePartner}},
		{"marketplace, search", manager, pipeline.Filter{Motion: tandem.MotionMarketplace, Query: "seats"}},
	}
	fmt.Fprintln(o.Progress, "timing boards")
	for _, b := range boards {
		t := Timing{Name: b.name, Group: "board"}
		var ds []time.Duration
		for i := 0; i < max(5, o.Rounds/4); i++ {
			s := time.Now()
			n, err := board(ctx, svc, b.actor, b.f)
			if err != nil {
				return res, fmt.Errorf("board %s: %w", b.name, err)
			}
			ds = append(ds, time.Since(s))
			t.Rows = n
		}
		t.P50, t.P95, t.P99, t.Max = quantiles(ds)
		res.Timings = append(res.Timings, t)
	}

	fmt.Fprintln(o.Progress, "timing stage changes")
	t := Timing{Name: "referral introduced <-> qualified", Group: "move"}
	var ds []time.Duration
	moves := min(len(w.movable), o.Rounds)
	for i := 0; i < 2*moves; i++ {
		id := w.movable[i%moves]
		cur, err := svc.Opportunity(ctx, manager, id)
		if err != nil {
			return res, err
		}
		to := "qualified"
		if cur.Stage == "qualified" {
			to = "introduced"
		}
		s := time.Now()
		if _, err := svc.MoveStage(ctx, manager, "Bench Manager", id, pipeline.StageMove{To: to, Version: cur.Version}); err != nil {
			return res, fmt.Errorf("move %s to %s: %w", id, to, err)
		}
		ds = append(ds, time.Since(s))
	}
	if len(ds) > 0 {
		t.Rows = len(ds)
		t.P50, t.P95, t.P99, t.Max = quantiles(ds)
		res.Timings = append(res.Timings, t)
	}
	return res, nil
}

// board reads the board as the console shows it: for each stage of the motion's
// model, the first cards of the column matching f, and returns how many cards it
// holds.
func board(ctx context.Context, svc *pipeline.Service, actor policy.Actor, f pipeline.Filter) (int, error) {
	md, ok := stage.Default(f.Motion)
	if !ok {
		return 0, fmt.Errorf("no model for motion %q", f.Motion)
	}
	n := 0
	for _, s := range md.Stages {
		cf := f
		cf.Stage = s.Key
		os, _, err := svc.ListOpportunities(ctx, actor, cf, "", boardColumn)
		if err != nil {
			return 0, err
		}
		n += len(os)
	}
	return n, nil
}

func quantiles(ds []time.Duration) (p50, p95, p99, mx time.Duration) {
	return benchdb.Quantile(ds, 0.5), benchdb.Quantile(ds, 0.95), benchdb.Quantile(ds, 0.99), benchdb.Quantile(ds, 1)
}

// motionWeights spread opportunities over the motions: referral and resale most.
var motionWeights = []struct {
	m tandem.Motion
	w int
}{{tandem.MotionReferral, 35}, {tandem.MotionResale, 30}, {tandem.MotionMarketplace, 15}, {tandem.MotionServices, 10}, {tandem.MotionTech, 10}}

// stageWeights spread a motion's opportunities over its five stages (early stages
// fuller) and closed-lost.
var stageWeights = []int{30, 22, 15, 10, 8, 15}

func pick(rng *mrand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// load creates the workspace, its people, partners, accounts and opportunities.
func load(ctx context.Context, db *store.DB, o Options) (*world, error) {
	now := time.Now().UTC()
	ws := workspace.Workspace{ID: "ws_bench", Slug: "bench", Name: "Benchmark", TimeZone: "UTC", Currency: "EUR", CreatedAt: now, UpdatedAt: now}
	w := &world{ws: ws.ID}
	rng := mrand.New(mrand.NewPCG(o.Seed, 11))

	// Partners credited on opportunities follow a skew: a few large partners carry
	// much of the pipeline, most carry a little. partnerOf draws one.
	partnerOf := func() int { return int(float64(o.Partners) * math.Pow(rng.Float64(), 2.5)) }
	w.bigPartner, w.somePartner = partnerID(0), partnerID(o.Partners/2)

	fmt.Fprintf(o.Progress, "loading %d partners\n", o.Partners)
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := db.CreateWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		for i := 0; i < o.Partners; i++ {
			p := partner.Partner{WorkspaceID: ws.ID, ID: partnerID(i), Name: fmt.Sprintf("Partner %d", i), Domain: fmt.Sprintf("partner%d.example", i),
				Motions: []tandem.Motion{tandem.Motions[i%len(tandem.Motions)]}, Tier: "Gold", Region: "EMEA", Lifecycle: partner.Active,
				CreatedAt: now, UpdatedAt: now}
			if err := db.CreatePartner(ctx, tx, p); err != nil {
				return err
			}
		}
		users := []identity.User{{ID: managerID, Email: "manager@bench.example", Name: "Bench Manager", Role: tandem.RolePartnerManager},
			{ID: bigUserID, Email: "seller@big.example", Name: "Big Seller", Role: tandem.RolePartnerSeller, PartnerID: w.bigPartner},
			{ID: someUserID, Email: "seller@some.example", Name: "Some Seller", Role: tandem.RolePartnerSeller, PartnerID: w.somePartner}}
		for i := 0; i < owners; i++ {
			users = append(users, identity.User{ID: ownerID(i), Email: fmt.Sprintf("seller%d@bench.example", i), Name: fmt.Sprintf("Seller %d", i), Role: tandem.RoleSales})
		}
		for _, u := range users {
			u.WorkspaceID, u.Status, u.CreatedAt, u.UpdatedAt = ws.ID, identity.Active, now, now
			if err := db.InsertUser(ctx, tx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create workspace, partners and people: %w", err)
	}

	fmt.Fprintf(o.Progress, "loading %d accounts\n", o.Accounts)
	for start := 0; start < o.Accounts; start += chunk {
		rows := make([]store.BulkAccount, min(chunk, o.Accounts-start))
		for k := range rows {
			i := start + k
			rows[k] = store.BulkAccount{Account: account.Account{WorkspaceID: ws.ID, ID: accountID(i), Name: fmt.Sprintf("Customer %d", i),
				Domain: fmt.Sprintf("customer%d.example", i), Country: "NL", CreatedAt: now, UpdatedAt: now}}
		}
		if err := db.BulkInsertAccounts(ctx, rows); err != nil {
			return nil, err
		}
	}

	// One account's opportunities are what a rare search finds; one month of close
	// dates (about a twenty-fourth of them) what the date filter finds.
	rare := min(4711, o.Accounts-1)
	w.searchRare = fmt.Sprintf("Customer %d ", rare)
	month := now.AddDate(0, 2, 0)
	w.closeFrom = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	w.closeTo = time.Date(month.Year(), month.Month()+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)

	fmt.Fprintf(o.Progress, "loading %d opportunities\n", o.Opportunities)
	models := map[tandem.Motion]stage.Model{}
	for _, m := range tandem.Motions {
		models[m], _ = stage.Default(m)
	}
	mw := make([]int, len(motionWeights))
	for i, x := range motionWeights {
		mw[i] = x.w
	}
	for start := 0; start < o.Opportunities; start += chunk {
		rows := make([]store.BulkOpportunity, min(chunk, o.Opportunities-start))
		for k := range rows {
			i := start + k
			m := motionWeights[pick(rng, mw)].m
			md := models[m]
			si := pick(rng, stageWeights)
			st := stage.Lost
			if si < len(md.Stages) {
				st = md.Stages[si].Key
			}
			acc := rng.IntN(o.Accounts)
			if i%997 == 0 {
				acc = rare // the rare search finds a thousandth of them
			}
			created := now.Add(-time.Duration(rng.IntN(730*24)) * time.Hour)
			closeOn := now.AddDate(0, 0, rng.IntN(730)-365).Format(time.DateOnly)
			op := pipeline.Opportunity{WorkspaceID: ws.ID, ID: oppID(i), AccountID: accountID(acc),
				Name:        fmt.Sprintf("Customer %d %s", acc, products[rng.IntN(len(products))]),
				AmountMinor: int64(math.Exp(math.Log(1e5)+rng.Float64()*math.Log(500))) * 100, Currency: "EUR", CloseOn: closeOn,
				Motion: m, Stage: st, Status: pipeline.StatusAt(md, st), OwnerUserID: ownerID(int(owners * math.Pow(rng.Float64(), 1.5))),
				NextStep: "Call the champion", LastActivityAt: created.Add(time.Duration(rng.Int64N(int64(now.Sub(created)) + 1))),
				CreatedAt: created, UpdatedAt: created, Version: 1, Kind: pipeline.KindNew,
				Details: map[string]string{"partner_contact": "Lee", "use_case": "Consolidate tooling"}}
			// One to three partners: the first sources it, the others influence.
			n := 1 + pick(rng, []int{60, 30, 10})
			seen := map[int]bool{}
			for len(op.Attribution) < n {
				p := partnerOf()
				if seen[p] {
					continue
				}
				seen[p] = true
				e := attribution.Entry{PartnerID: partnerID(p), Kind: attribution.Influenced, Percent: 20 * attribution.Hundred / 100}
				if len(op.Attribution) == 0 {
					e.Kind, e.Percent = attribution.Sourced, attribution.Percent(100-20*(n-1))*attribution.Hundred/100
				}
				op.Attribution = append(op.Attribution, e)
			}
			op.PartnerID = op.Attribution[0].PartnerID
			b := store.BulkOpportunity{Opportunity: op, ActorID: op.OwnerUserID}
			if rng.IntN(10) == 0 {
				for j := range 1 + rng.IntN(2) {
					b.Notes = append(b.Notes, pipeline.Note{WorkspaceID: ws.ID, ID: fmt.Sprintf("note_b%08d_%d", i, j), Visibility: pipeline.Shared,
						Kind: pipeline.NoteUpdate, Body: "Customer asked for a pricing call next week.", AuthorID: op.OwnerUserID,
						AuthorName: "Seller", AuthorSide: pipeline.SideVendor, CreatedAt: op.LastActivityAt})
				}
			}
			if rng.IntN(20) == 0 {
				for j, title := range []string{"Kick-off with the partner", "Technical validation"} {
					b.Milestones = append(b.Milestones, pipeline.Milestone{WorkspaceID: ws.ID, ID: fmt.Sprintf("mst_b%08d_%d", i, j), Title: title,
						OwnerSide: pipeline.SideVendor, OwnerUserID: op.OwnerUserID, OwnerName: "Seller", DueOn: closeOn,
						Status: pipeline.MilestoneOpen, Position: j, CreatedAt: created, UpdatedAt: created, Version: 1})
				}
			}
			if m == tandem.MotionReferral && st == "introduced" && len(w.movable) < 10000 {
				w.movable = append(w.movable, op.ID)
			}
			rows[k] = b
		}
		if err := db.BulkInsertOpportunities(ctx, rows); err != nil {
			return nil, err
		}
		if done := start + len(rows); done%100000 == 0 {
			fmt.Fprintf(o.Progress, "  %d opportunities\n", done)
		}
	}
	if len(w.movable) == 0 {
		return nil, fmt.Errorf("no referral opportunity to move: load more")
	}
	return w, nil
}

var groupTitles = []struct{ group, title string }{
	{"list", "filtered list, page of 50"},
	{"board", "board, first 50 cards of every stage"},
	{"shared", "partner's shared view, page of 50"},
	{"move", "stage change (rules, audit, history, jobs in one transaction)"},
}

// Write prints r as a readable report.
func (r Result) Write(w io.Writer) {
	fmt.Fprintf(w, "engine %s: %d partners, %d accounts, %d opportunities (loaded in %s)\n", r.Engine, r.Partners, r.Accounts, r.Opportunities,
		r.LoadTime.Round(time.Millisecond))
	for _, g := range groupTitles {
		q := "p95"
		if g.group == "move" {
			q = "p99"
		}
		fmt.Fprintf(w, "\n%s (target %s < %s):\n", g.title, q, msec(Targets[g.group]))
		fmt.Fprintf(w, "  %-40s %8s %8s %8s %8s  %s\n", "", "p50", "p95", "p99", "max", "rows")
		for _, t := range r.Timings {
			if t.Group == g.group {
				fmt.Fprintf(w, "  %-40s %8s %8s %8s %8s  %d\n", t.Name, msec(t.P50), msec(t.P95), msec(t.P99), msec(t.Max), t.Rows)
			}
		}
	}
	fmt.Fprintln(w, "\nquery plans:")
	for _, t := range r.Timings {
		if t.Plan == "" {
			continue
		}
		fmt.Fprintf(w, "  %s:\n", t.Name)
		for _, l := range strings.Split(strings.TrimRight(t.Plan, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// Missed returns the measured operations over their group's target.
func (r Result) Missed() []Timing {
	var out []Timing
	for _, t := range r.Timings {
		got := t.P95
		if t.Group == "move" {
			got = t.P99
		}
		if got > Targets[t.Group] {
			out = append(out, t)
		}
	}
	return out
}

var msec = benchdb.Msec
