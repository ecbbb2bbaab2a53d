package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// The list fields of a partner profile, as named in partner_values.field.
const (
	valRegion       = "region"
	valVertical     = "vertical"
	valTerritory    = "territory"
	valNamedAccount = "named_account"
	valTag          = "tag"
)

// partnerLists returns p's list fields by their stored names.
func partnerLists(p *partner.Partner) map[string]*[]string {
	return map[string]*[]string{valRegion: &p.Regions, valVertical: &p.Verticals, valTerritory: &p.Territories,
		valNamedAccount: &p.NamedAccounts, valTag: &p.Tags}
}

// fitColumns returns the stored forms of p's fit inputs and score. The score's
// breakdown is not stored: the service works it out again from the inputs and the
// workspace's criteria, which give the stored score (every change to either
// rescores), so rows stay small for the lists and segments that read many of them.
func fitColumns(p partner.Partner) (inputs string, score int, result string, err error) {
	in, err := json.Marshal(p.Fit)
	if err != nil {
		return "", 0, "", fmt.Errorf("partner fit inputs: %w", err)
	}
	return string(in), p.Score(), "", nil
}

// lockFitCriteria orders, on PostgreSQL, the transactions that score partners
// (shared) against those that change the workspace's fit criteria (exclusive), for
// the rest of the transaction. It is an advisory lock of its own, not a lock on the
// workspace row, so partner writes do not queue behind unrelated workspace edits,
// and a waiting criteria change is not starved by a stream of partner writes.
// SQLite runs one writer at a time and needs nothing.
func (db *DB) lockFitCriteria(ctx context.Context, q Querier, workspaceID string, shared bool) error {
	if db.dialect != Postgres {
		return nil
	}
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	if _, err := q.ExecContext(ctx, "SELECT "+fn+"(hashtext($1))", "fit_criteria/"+workspaceID); err != nil {
		return fmt.Errorf("lock the fit criteria: %w", err)
	}
	return nil
}

// settingsInTx returns the workspace's partner program settings as they stand in
// q's transaction, after taking the fit criteria's shared lock. Partner writes score
// and check territories with them, so a partner is never saved with a score resting
// on replaced criteria, nor with a territory a committed change removed: either the
// change committed first and is read here (the read is a statement after the lock),
// or it waits for this write and then sees the partner as written.
func (db *DB) settingsInTx(ctx context.Context, q Querier, workspaceID string) (partner.Settings, error) {
	if err := db.lockFitCriteria(ctx, q, workspaceID, true); err != nil {
		return partner.Settings{}, err
	}
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT partner_settings FROM workspaces WHERE id = $1`, workspaceID).Scan(&raw); err != nil {
		return partner.Settings{}, notFound(err, "workspace")
	}
	set, err := partner.ParseSettings(raw)
	if err != nil {
		return partner.Settings{}, fmt.Errorf("partner settings of workspace %s: %w", workspaceID, err)
	}
	return set, nil
}

// CreatePartner inserts p with its motions and list values, its fit score and
// territories judged by the workspace's settings as they stand in q's transaction.
func (db *DB) CreatePartner(ctx context.Context, q Querier, p partner.Partner) error {
	set, err := db.settingsInTx(ctx, q, p.WorkspaceID)
	if err != nil {
		return err
	}
	return db.createPartner(ctx, q, p, set)
}

// createPartner inserts p, scored and its territories checked under set.
func (db *DB) createPartner(ctx context.Context, q Querier, p partner.Partner, set partner.Settings) error {
	if err := set.TerritoriesKnown(p); err != nil {
		return err
	}
	p.Rescore(set.Fit)
	in, score, res, err := fitColumns(p)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO partners (workspace_id, id, name, domain, tier, region, lifecycle, owner_user_id, notes,
		fit_inputs, fit_score, fit_result, created_at, updated_at, lists)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		p.WorkspaceID, p.ID, p.Name, p.Domain, p.Tier, p.Region, string(p.Lifecycle), p.OwnerUserID, p.Notes, in, score, res,
		ms(p.CreatedAt), ms(p.UpdatedAt), encodeLists(p))
	if err != nil {
		return conflictOr(fmt.Errorf("create partner: %w", err), "a partner with this id already exists")
	}
	return writePartnerChildren(ctx, q, p)
}

// writePartnerChildren inserts p's motions and list values (after any old ones were
// deleted).
func writePartnerChildren(ctx context.Context, q Querier, p partner.Partner) error {
	for _, m := range p.Motions {
		if _, err := q.ExecContext(ctx, `INSERT INTO partner_motions (workspace_id, partner_id, motion) VALUES ($1, $2, $3)`,
			p.WorkspaceID, p.ID, string(m)); err != nil {
			return fmt.Errorf("save partner motion: %w", err)
		}
	}
	if p.Region != "" && len(p.Regions) == 0 {
		p.Regions = []string{p.Region}
	}
	for field, vs := range partnerLists(&p) {
		for i, v := range *vs {
			if _, err := q.ExecContext(ctx, `INSERT INTO partner_values (workspace_id, partner_id, field, position, value) VALUES ($1, $2, $3, $4, $5)`,
				p.WorkspaceID, p.ID, field, i, v); err != nil {
				return conflictOr(fmt.Errorf("save partner %s: %w", field, err), fmt.Sprintf("%q is listed twice in the partner's %ss", v, field))
			}
		}
	}
	return nil
}

const partnerCols = `p.id, p.name, p.domain, p.tier, p.region, p.lifecycle, p.owner_user_id, p.notes, p.fit_inputs, p.fit_score, p.fit_result,
	p.created_at, p.updated_at, p.lists`

// The separators of partners.lists (migration 00013): values of one field are
// joined by unitSep after the field's name, fields by recordSep. Profile values
// cannot hold control characters (partner.Partner.Validate), so they never clash.
const (
	unitSep   = "\x1f"
	recordSep = "\x1e"
)

// encodeLists returns p's motions and list values in the form of partners.lists.
func encodeLists(p partner.Partner) string {
	if p.Region != "" && len(p.Regions) == 0 {
		p.Regions = []string{p.Region}
	}
	var b strings.Builder
	group := func(field string, vs []string) {
		if len(vs) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString(recordSep)
		}
		b.WriteString(field)
		for _, v := range vs {
			b.WriteString(unitSep)
			b.WriteString(v)
		}
	}
	ms := make([]string, len(p.Motions))
	for i, m := range p.Motions {
		ms[i] = string(m)
	}
	group("motion", ms)
	for _, field := range []string{valNamedAccount, valRegion, valTag, valTerritory, valVertical} {
		group(field, *partnerLists(&p)[field])
	}
	return b.String()
}

// decodeLists sets p's motions and list values from the form of partners.lists.
func decodeLists(s string, p *partner.Partner) {
	p.Motions, p.Regions = nil, nil
	lists := partnerLists(p)
	for _, g := range strings.Split(s, recordSep) {
		field, rest, ok := strings.Cut(g, unitSep)
		if !ok {
			continue
		}
		vs := strings.Split(rest, unitSep)
		if field == "motion" {
			for _, v := range vs {
				p.Motions = append(p.Motions, tandem.Motion(v))
			}
		} else if dst, ok := lists[field]; ok {
			*dst = vs
		}
	}
}

func scanPartner(row interface{ Scan(...any) error }, workspaceID string) (partner.Partner, error) {
	p := partner.Partner{WorkspaceID: workspaceID}
	var lc, in, res, lists string
	var score sql.NullInt64
	var c, u int64
	if err := row.Scan(&p.ID, &p.Name, &p.Domain, &p.Tier, &p.Region, &lc, &p.OwnerUserID, &p.Notes, &in, &score, &res, &c, &u, &lists); err != nil {
		return p, err
	}
	p.Lifecycle, p.CreatedAt, p.UpdatedAt = partner.Lifecycle(lc), fromMS(c), fromMS(u)
	decodeLists(lists, &p)
	if in != "" && in != "{}" {
		if err := json.Unmarshal([]byte(in), &p.Fit); err != nil {
			return p, fmt.Errorf("stored fit inputs of partner %s: %w", p.ID, err)
		}
	}
	if score.Valid && score.Int64 >= 0 {
		p.FitResult = &fitscore.Result{Score: int(score.Int64)}
	}
	return p, nil
}

// Page asks for one page of a keyset-paginated list: items with an id after After,
// at most Limit of them.
type Page struct {
	After string
	Limit int
}

// partnerOrder returns, for a sort, the key column, whether it descends, and
// whether the key is a number.
func partnerOrder(s partner.Sort) (col string, desc, number bool) {
	switch s {
	case partner.SortName:
		return "p.name", false, false
	case partner.SortTier:
		return "p.tier", false, false
	case partner.SortFit:
		return "p.fit_score", true, true
	case partner.SortUpdated:
		return "p.updated_at", true, true
	}
	return "", false, false
}

// ListPartners returns one page of the workspace's partners matching f in f.Sort
// order after the cursor pg.After (see partner.Cursor), and whether more follow.
// Every filter is served by an index led by workspace_id (see migration 00010).
func (db *DB) ListPartners(ctx context.Context, workspaceID string, f partner.Filter, pg Page) ([]partner.Partner, bool, error) {
	query, args, err := db.partnerListSQL(workspaceID, f, pg)
	if err != nil {
		return nil, false, err
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	var out []partner.Partner
	for rows.Next() {
		p, err := scanPartner(rows, workspaceID)
		if err != nil {
			return nil, false, fmt.Errorf("list partners: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list partners: %w", err)
	}
	more := len(out) > pg.Limit
	if more {
		out = out[:pg.Limit]
	}
	return out, more, nil
}

// ExplainListPartners returns the engine's plan for the query ListPartners runs
// with the same arguments, one line per step, to show which indexes serve it.
func (db *DB) ExplainListPartners(ctx context.Context, workspaceID string, f partner.Filter, pg Page) (string, error) {
	query, args, err := db.partnerListSQL(workspaceID, f, pg)
	if err != nil {
		return "", err
	}
	return db.explain(ctx, "partner list", query, args)
}

// explain returns the engine's plan for query with args, one line per step (SQLite:
// EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN). what names the query in errors.
func (db *DB) explain(ctx context.Context, what, query string, args []any) (string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if db.dialect == Postgres {
		prefix = "EXPLAIN "
	}
	rows, err := db.read.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", what, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		fmt.Fprintf(&b, "%v\n", vals[len(vals)-1])
	}
	return b.String(), rows.Err()
}

// partnerListSQL builds the query of ListPartners and its arguments.
func (db *DB) partnerListSQL(workspaceID string, f partner.Filter, pg Page) (string, []any, error) {
	pos, err := partner.ParseCursor(f.Sort, pg.After)
	if err != nil {
		return "", nil, err
	}
	where := []string{"p.workspace_id = $1"}
	args := []any{workspaceID}
	mark := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	add := func(cond string, v any) { where = append(where, strings.ReplaceAll(cond, "?", mark(v))) }
	value := func(field, v string) {
		where = append(where, fmt.Sprintf(`EXISTS (SELECT 1 FROM partner_values v WHERE v.workspace_id = p.workspace_id AND v.partner_id = p.id
			AND v.field = %s AND lower(v.value) = %s)`, mark(field), mark(strings.ToLower(strings.TrimSpace(v)))))
	}
	if f.Tier != "" {
		add("p.tier = ?", f.Tier)
	}
	if f.Region != "" {
		value(valRegion, f.Region)
	}
	if f.Vertical != "" {
		value(valVertical, f.Vertical)
	}
	if f.Territory != "" {
		value(valTerritory, f.Territory)
	}
	if f.Tag != "" {
		value(valTag, f.Tag)
	}
	if f.Lifecycle != "" {
		add("p.lifecycle = ?", string(f.Lifecycle))
	}
	if f.OwnerUserID != "" {
		add("p.owner_user_id = ?", f.OwnerUserID)
	}
	if f.Motion != "" {
		add("EXISTS (SELECT 1 FROM partner_motions m WHERE m.workspace_id = p.workspace_id AND m.partner_id = p.id AND m.motion = ?)", string(f.Motion))
	}
	if f.Query != "" {
		pat := mark("%" + escapeLike(f.Query) + "%")
		like := db.dialect.likeOperator()
		where = append(where, fmt.Sprintf(`(p.name %s %s ESCAPE '\' OR p.domain %s %s ESCAPE '\')`, like, pat, like, pat))
	}
	if f.IDs != nil {
		ids, err := json.Marshal(f.IDs)
		if err != nil {
			return "", nil, fmt.Errorf("list partners: %w", err)
		}
		where = append(where, db.dialect.inJSONList("p.id", mark(string(ids))))
	}
	col, desc, number := partnerOrder(f.Sort)
	order := "p.id"
	if col == "" {
		if pos.Set {
			add("p.id > ?", pos.ID)
		}
	} else {
		cmp, dir := ">", ""
		if desc {
			cmp, dir = "<", " DESC"
		}
		if pos.Set {
			var key any = pos.Key
			if number {
				n, _ := strconv.ParseInt(pos.Key, 10, 64)
				key = n
			}
			k, id := mark(key), mark(pos.ID)
			where = append(where, fmt.Sprintf("(%s %s %s OR (%s = %s AND p.id %s %s))", col, cmp, k, col, k, cmp, id))
		}
		order = col + dir + ", p.id" + dir
	}
	limit := mark(pg.Limit + 1)
	query := `SELECT ` + partnerCols + ` FROM partners p WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ` + limit
	return query, args, nil
}

// Partners adapts the store to partner.Store.
type Partners struct{ DB *DB }

// createWithHistory inserts p judged by set (see createPartner), its first lifecycle
// history entry and e.
func (s Partners) createWithHistory(ctx context.Context, tx *sql.Tx, p partner.Partner, set partner.Settings, e audit.Entry) error {
	if err := s.DB.createPartner(ctx, tx, p, set); err != nil {
		return err
	}
	c := partner.Change{ID: tandem.NewID("plc", p.CreatedAt), PartnerID: p.ID, To: p.Lifecycle, At: p.CreatedAt, ActorID: e.ActorID, ActorName: e.ActorName, Rationale: e.Rationale}
	if err := insertLifecycleChange(ctx, tx, p.WorkspaceID, c); err != nil {
		return err
	}
	return insertAudit(ctx, tx, e)
}

// CreatePartner implements partner.Store.
func (s Partners) CreatePartner(ctx context.Context, p partner.Partner, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		set, err := s.DB.settingsInTx(ctx, tx, p.WorkspaceID)
		if err != nil {
			return err
		}
		return s.createWithHistory(ctx, tx, p, set, e)
	})
}

// CreatePartners implements partner.ImportStore: every partner and audit entry in
// one transaction, so an import is all there or not there.
func (s Partners) CreatePartners(ctx context.Context, ps []partner.Partner, es []audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if len(ps) == 0 {
			return nil
		}
		set, err := s.DB.settingsInTx(ctx, tx, ps[0].WorkspaceID)
		if err != nil {
			return err
		}
		for i, p := range ps {
			if err := s.createWithHistory(ctx, tx, p, set, es[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// PartnerByID implements partner.Store.
func (s Partners) PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error) {
	p, err := scanPartner(s.DB.read.QueryRowContext(ctx, `SELECT `+partnerCols+` FROM partners p WHERE p.workspace_id = $1 AND p.id = $2`, workspaceID, id), workspaceID)
	if err != nil {
		return p, notFound(err, "that partner")
	}
	return p, nil
}

// AllPartners implements partner.Store.
func (s Partners) AllPartners(ctx context.Context, workspaceID string) ([]partner.Partner, error) {
	return s.DB.allPartners(ctx, workspaceID, false)
}

// allPartners reads every partner of the workspace, in id order. Light leaves out
// the notes and fit inputs, which segments do not read.
func (db *DB) allPartners(ctx context.Context, workspaceID string, light bool) ([]partner.Partner, error) {
	q := `SELECT ` + partnerCols + ` FROM partners p WHERE p.workspace_id = $1 ORDER BY p.id`
	if light {
		q = `SELECT p.id, p.name, p.domain, p.tier, p.region, p.lifecycle, p.owner_user_id, p.fit_score, p.created_at, p.updated_at, p.lists
			FROM partners p WHERE p.workspace_id = $1 ORDER BY p.id`
	}
	// Partners are large values: counting first saves growing (copying and
	// clearing) the slice again and again, a third of the time at 10,000 partners.
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM partners WHERE workspace_id = $1`, workspaceID).Scan(&n); err != nil {
		return nil, fmt.Errorf("count partners: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, q, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("read partners: %w", err)
	}
	defer rows.Close()
	out := make([]partner.Partner, 0, n+n/16)
	for rows.Next() {
		var p partner.Partner
		var err error
		if light {
			p, err = scanLightPartner(rows, workspaceID)
		} else {
			p, err = scanPartner(rows, workspaceID)
		}
		if err != nil {
			return nil, fmt.Errorf("read partners: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func scanLightPartner(row interface{ Scan(...any) error }, workspaceID string) (partner.Partner, error) {
	p := partner.Partner{WorkspaceID: workspaceID}
	var lc, lists string
	var score sql.NullInt64
	var c, u int64
	if err := row.Scan(&p.ID, &p.Name, &p.Domain, &p.Tier, &p.Region, &lc, &p.OwnerUserID, &score, &c, &u, &lists); err != nil {
		return p, err
	}
	p.Lifecycle, p.CreatedAt, p.UpdatedAt = partner.Lifecycle(lc), fromMS(c), fromMS(u)
	decodeLists(lists, &p)
	if score.Valid && score.Int64 >= 0 {
		p.FitResult = &fitscore.Result{Score: int(score.Int64)}
	}
	return p, nil
}

// updatePartner writes every column of p, guarded by its expected updated_at, and
// replaces its motions and list values; its fit score and territories are judged by
// the settings as they stand in tx (see settingsInTx).
func (db *DB) updatePartner(ctx context.Context, tx *sql.Tx, p partner.Partner, expected time.Time) error {
	set, err := db.settingsInTx(ctx, tx, p.WorkspaceID)
	if err != nil {
		return err
	}
	if err := set.TerritoriesKnown(p); err != nil {
		return err
	}
	p.Rescore(set.Fit)
	in, score, res, err := fitColumns(p)
	if err != nil {
		return err
	}
	r, err := tx.ExecContext(ctx, `UPDATE partners SET name = $3, domain = $4, tier = $5, region = $6, lifecycle = $7, owner_user_id = $8,
		notes = $9, fit_inputs = $10, fit_score = $11, fit_result = $12, updated_at = $13, lists = $15
		WHERE workspace_id = $1 AND id = $2 AND updated_at = $14`,
		p.WorkspaceID, p.ID, p.Name, p.Domain, p.Tier, p.Region, string(p.Lifecycle), p.OwnerUserID, p.Notes, in, score, res, ms(p.UpdatedAt), ms(expected),
		encodeLists(p))
	if err != nil {
		return fmt.Errorf("update partner: %w", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return tandem.Errorf(tandem.KindConflict, "Someone else changed this partner a moment ago; reload it and try again.")
	}
	for _, table := range []string{"partner_motions", "partner_values"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = $1 AND partner_id = $2`, p.WorkspaceID, p.ID); err != nil {
			return fmt.Errorf("update partner: %w", err)
		}
	}
	return writePartnerChildren(ctx, tx, p)
}

// UpdatePartner implements partner.Store.
func (s Partners) UpdatePartner(ctx context.Context, p partner.Partner, expected time.Time, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.DB.updatePartner(ctx, tx, p, expected); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}

// MovePartner implements partner.Store.
func (s Partners) MovePartner(ctx context.Context, p partner.Partner, expected time.Time, c partner.Change, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.DB.updatePartner(ctx, tx, p, expected); err != nil {
			return err
		}
		if err := insertLifecycleChange(ctx, tx, p.WorkspaceID, c); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}

func insertLifecycleChange(ctx context.Context, q Querier, workspaceID string, c partner.Change) error {
	_, err := q.ExecContext(ctx, `INSERT INTO partner_lifecycle_history (workspace_id, id, partner_id, from_stage, to_stage, at, actor_id, actor_name, rationale)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, workspaceID, c.ID, c.PartnerID, string(c.From), string(c.To), ms(c.At), c.ActorID, c.ActorName, c.Rationale)
	if err != nil {
		return fmt.Errorf("record lifecycle change: %w", err)
	}
	return nil
}

// LifecycleHistory implements partner.Store.
func (s Partners) LifecycleHistory(ctx context.Context, workspaceID, partnerID string) ([]partner.Change, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, from_stage, to_stage, at, actor_id, actor_name, rationale FROM partner_lifecycle_history
		WHERE workspace_id = $1 AND partner_id = $2 ORDER BY at, id`, workspaceID, partnerID)
	if err != nil {
		return nil, fmt.Errorf("read lifecycle history: %w", err)
	}
	defer rows.Close()
	var out []partner.Change
	for rows.Next() {
		c := partner.Change{PartnerID: partnerID}
		var from, to string
		var at int64
		if err := rows.Scan(&c.ID, &from, &to, &at, &c.ActorID, &c.ActorName, &c.Rationale); err != nil {
			return nil, fmt.Errorf("read lifecycle history: %w", err)
		}
		c.From, c.To, c.At = partner.Lifecycle(from), partner.Lifecycle(to), fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PartnerSettings implements partner.Store.
func (s Partners) PartnerSettings(ctx context.Context, workspaceID string) (partner.Settings, error) {
	var raw string
	if err := s.DB.read.QueryRowContext(ctx, `SELECT partner_settings FROM workspaces WHERE id = $1`, workspaceID).Scan(&raw); err != nil {
		return partner.Settings{}, notFound(err, "workspace")
	}
	return partner.ParseSettings(raw)
}

// SavePartnerSettings implements partner.Store. It takes the fit criteria's
// exclusive lock first (see lockFitCriteria), which waits for partner writes under
// way, and then reads the partners inside the transaction: it refuses settings that
// remove a territory one of them holds, and rescores them, writing only the scores
// that change, a few hundred to a statement.
func (s Partners) SavePartnerSettings(ctx context.Context, workspaceID string, set partner.Settings, e audit.Entry) (int, error) {
	raw, err := json.Marshal(set)
	if err != nil {
		return 0, fmt.Errorf("save partner settings: %w", err)
	}
	n := 0
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.DB.lockFitCriteria(ctx, tx, workspaceID, false); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET partner_settings = $2 WHERE id = $1`, workspaceID, string(raw)); err != nil {
			return fmt.Errorf("save partner settings: %w", err)
		}
		if err := reconcileExclusivity(ctx, tx, workspaceID, set.Territories, e.At); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+partnerCols+` FROM partners p WHERE p.workspace_id = $1 ORDER BY p.id`, workspaceID)
		if err != nil {
			return fmt.Errorf("read partners to rescore: %w", err)
		}
		var all, changed []partner.Partner
		for rows.Next() {
			p, err := scanPartner(rows, workspaceID)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read partners to rescore: %w", err)
			}
			all = append(all, p)
			was := p.Score()
			if p.Rescore(set.Fit); p.Score() != was {
				changed = append(changed, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read partners to rescore: %w", err)
		}
		// A territory assigned while this change was being made still holds it back.
		if err := set.TerritoriesInUse(all); err != nil {
			return err
		}
		n = len(all)
		if err := updateFitScores(ctx, tx, workspaceID, changed); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
	return n, err
}

// updateFitScores writes the fit scores of ps, 400 partners to a statement.
func updateFitScores(ctx context.Context, tx *sql.Tx, workspaceID string, ps []partner.Partner) error {
	const chunk = 400
	for len(ps) > 0 {
		batch := ps[:min(chunk, len(ps))]
		ps = ps[len(batch):]
		args := []any{workspaceID}
		marks := make([]string, len(batch))
		for i, p := range batch {
			// As text: PostgreSQL types the bound values of a VALUES list as text.
			args = append(args, p.ID, strconv.Itoa(p.Score()))
			marks[i] = fmt.Sprintf("($%d, $%d)", len(args)-1, len(args))
		}
		q := `WITH v (id, score) AS (VALUES ` + strings.Join(marks, ", ") + `)
			UPDATE partners SET fit_score = CAST(v.score AS INTEGER), fit_result = '' FROM v
			WHERE partners.workspace_id = $1 AND partners.id = v.id`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("save partner fit scores: %w", err)
		}
	}
	return nil
}

// InternalUser implements partner.Store.
func (s Partners) InternalUser(ctx context.Context, workspaceID, userID string) (string, string, error) {
	var name, email string
	err := s.DB.read.QueryRowContext(ctx, `SELECT name, email FROM users WHERE workspace_id = $1 AND id = $2 AND partner_id IS NULL
		AND status <> 'deactivated'`, workspaceID, userID).Scan(&name, &email)
	if err != nil {
		return "", "", notFound(err, "That user")
	}
	if name == "" {
		return email, email, nil
	}
	return name, email, nil
}

// ListPartners implements partner.Store.
func (s Partners) ListPartners(ctx context.Context, workspaceID string, f partner.Filter, after string, limit int) ([]partner.Partner, bool, error) {
	return s.DB.ListPartners(ctx, workspaceID, f, Page{After: after, Limit: limit})
}
