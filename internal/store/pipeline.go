package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Pipeline adapts the store to pipeline.Store: accounts, contacts, opportunities,
// their attribution and stage history.
type Pipeline struct{ DB *DB }

var _ pipeline.Store = Pipeline{}

// sqlWhere builds a WHERE clause with $N placeholders; "?" in a condition stands for the
// argument added with it.
type sqlWhere struct {
	conds []string
	args  []any
}

func (w *sqlWhere) add(cond string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(w.args))))
}

func (w *sqlWhere) sql() string { return strings.Join(w.conds, " AND ") }

// like adds a case-insensitive "contains" test of q on each column, any of which may
// match.
func (w *sqlWhere) like(d Dialect, q string, cols ...string) {
	w.args = append(w.args, "%"+escapeLike(q)+"%")
	n := len(w.args)
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf(`%s %s $%d ESCAPE '\'`, c, d.likeOperator(), n)
	}
	w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
}

// page appends the limit (one more than asked, to learn whether more follow).
func (w *sqlWhere) page(limit int) string {
	w.args = append(w.args, limit+1)
	return fmt.Sprintf(" LIMIT $%d", len(w.args))
}

func trimPage[T any](out []T, limit int) ([]T, bool) {
	if len(out) > limit {
		return out[:limit], true
	}
	return out, false
}

// staleRow is the conflict a versioned update meets when the row moved on.
func staleRow(noun string) error {
	return tandem.Errorf(tandem.KindConflict, "Someone else changed this %s a moment ago; reload it and try again.", noun)
}

// ---- Accounts ----

const accountCols = `id, name, domain, country, industry, owner_user_id, incumbent_partner_id, created_at, updated_at, version`

func scanAccount(row interface{ Scan(...any) error }, workspaceID string) (pipeline.Account, error) {
	a := pipeline.Account{Account: account.Account{WorkspaceID: workspaceID}}
	var c, u int64
	err := row.Scan(&a.ID, &a.Name, &a.Domain, &a.Country, &a.Industry, &a.OwnerUserID, &a.IncumbentPartnerID, &c, &u, &a.Version)
	a.CreatedAt, a.UpdatedAt = fromMS(c), fromMS(u)
	return a, err
}

// ListAccounts implements pipeline.Store.
func (s Pipeline) ListAccounts(ctx context.Context, workspaceID string, f pipeline.AccountFilter, after string, limit int) ([]pipeline.Account, bool, error) {
	var w sqlWhere
	w.add("workspace_id = ?", workspaceID)
	w.add("id > ?", after)
	if f.Query != "" {
		w.like(s.DB.dialect, f.Query, "name", "domain")
	}
	if f.OwnerUserID != "" {
		w.add("owner_user_id = ?", f.OwnerUserID)
	}
	if f.Country != "" {
		w.add("country = ?", strings.ToUpper(f.Country))
	}
	if f.Industry != "" {
		w.add("industry = ?", f.Industry)
	}
	q := `SELECT ` + accountCols + ` FROM accounts WHERE ` + w.sql() + ` ORDER BY id` + w.page(limit)
	rows, err := s.DB.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, false, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Account
	for rows.Next() {
		a, err := scanAccount(rows, workspaceID)
		if err != nil {
			return nil, false, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list accounts: %w", err)
	}
	out, more := trimPage(out, limit)
	return out, more, nil
}

// AccountByID implements pipeline.Store.
func (s Pipeline) AccountByID(ctx context.Context, workspaceID, id string) (pipeline.Account, error) {
	a, err := scanAccount(s.DB.read.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE workspace_id = $1 AND id = $2`, workspaceID, id), workspaceID)
	if err != nil {
		return a, notFound(err, "That account")
	}
	return a, nil
}

// SaveAccount implements pipeline.Store.
func (s Pipeline) SaveAccount(ctx context.Context, a pipeline.Account, expected int, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if expected == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (workspace_id, `+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				a.WorkspaceID, a.ID, a.Name, a.Domain, a.Country, a.Industry, a.OwnerUserID, a.IncumbentPartnerID, ms(a.CreatedAt), ms(a.UpdatedAt), a.Version); err != nil {
				return conflictOr(fmt.Errorf("create account: %w", err), "an account with this id already exists")
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE accounts SET name = $3, domain = $4, country = $5, industry = $6, owner_user_id = $7,
				incumbent_partner_id = $8, updated_at = $9, version = $10 WHERE workspace_id = $1 AND id = $2 AND version = $11`,
				a.WorkspaceID, a.ID, a.Name, a.Domain, a.Country, a.Industry, a.OwnerUserID, a.IncumbentPartnerID, ms(a.UpdatedAt), expected+1, expected)
			if err != nil {
				return fmt.Errorf("update account: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return staleRow("account")
			}
		}
		return insertAudit(ctx, tx, e)
	})
}

// ---- Contacts ----

const contactCols = `id, account_id, name, email, title, created_at, updated_at, version`

func scanContact(row interface{ Scan(...any) error }, workspaceID string) (pipeline.Contact, error) {
	c := pipeline.Contact{Contact: account.Contact{WorkspaceID: workspaceID}}
	var acc sql.NullString
	var cr, u int64
	err := row.Scan(&c.ID, &acc, &c.Name, &c.Email, &c.Title, &cr, &u, &c.Version)
	c.AccountID, c.CreatedAt, c.UpdatedAt = acc.String, fromMS(cr), fromMS(u)
	return c, err
}

// ListContacts implements pipeline.Store: contacts at accounts only.
func (s Pipeline) ListContacts(ctx context.Context, workspaceID string, f pipeline.ContactFilter, after string, limit int) ([]pipeline.Contact, bool, error) {
	var w sqlWhere
	w.add("workspace_id = ?", workspaceID)
	w.add("id > ?", after)
	w.conds = append(w.conds, "account_id IS NOT NULL")
	if f.AccountID != "" {
		w.add("account_id = ?", f.AccountID)
	}
	if f.Query != "" {
		w.like(s.DB.dialect, f.Query, "name", "email")
	}
	q := `SELECT ` + contactCols + ` FROM contacts WHERE ` + w.sql() + ` ORDER BY id` + w.page(limit)
	rows, err := s.DB.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, false, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Contact
	for rows.Next() {
		c, err := scanContact(rows, workspaceID)
		if err != nil {
			return nil, false, fmt.Errorf("list contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list contacts: %w", err)
	}
	out, more := trimPage(out, limit)
	return out, more, nil
}

// ContactByID implements pipeline.Store; contacts of partners are not found here.
func (s Pipeline) ContactByID(ctx context.Context, workspaceID, id string) (pipeline.Contact, error) {
	c, err := scanContact(s.DB.read.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts
		WHERE workspace_id = $1 AND id = $2 AND account_id IS NOT NULL`, workspaceID, id), workspaceID)
	if err != nil {
		return c, notFound(err, "That contact")
	}
	return c, nil
}

// SaveContact implements pipeline.Store.
func (s Pipeline) SaveContact(ctx context.Context, c pipeline.Contact, expected int, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if expected == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (workspace_id, `+contactCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				c.WorkspaceID, c.ID, c.AccountID, c.Name, c.Email, c.Title, ms(c.CreatedAt), ms(c.UpdatedAt), c.Version); err != nil {
				return conflictOr(fmt.Errorf("create contact: %w", err), "a contact with this id already exists")
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE contacts SET account_id = $3, name = $4, email = $5, title = $6, updated_at = $7, version = $8
				WHERE workspace_id = $1 AND id = $2 AND version = $9 AND account_id IS NOT NULL`,
				c.WorkspaceID, c.ID, c.AccountID, c.Name, c.Email, c.Title, ms(c.UpdatedAt), expected+1, expected)
			if err != nil {
				return fmt.Errorf("update contact: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return staleRow("contact")
			}
		}
		return insertAudit(ctx, tx, e)
	})
}

// ---- Opportunities ----

const opportunitySelect = `SELECT o.id, o.account_id, o.name, o.amount_minor, o.currency, o.close_on, o.motion, o.stage, o.status,
	o.owner_user_id, o.next_step, o.partner_id, o.registration_id, o.last_activity_at, o.created_at, o.updated_at, o.version, o.details,
	o.follow_up_due_at, o.follow_up_overdue_at, o.pricing, o.kind, o.renewal_on, o.renewal_wake_at, o.renewal_asked_at,
	o.renewal_escalated_at, o.renewal_confirmed_at, o.renewal_confirmed_by, COALESCE(a.name, ''), COALESCE(u.name, '')
	FROM opportunities o
	LEFT JOIN accounts a ON a.workspace_id = o.workspace_id AND a.id = o.account_id
	LEFT JOIN users u ON u.workspace_id = o.workspace_id AND u.id = o.owner_user_id`

func scanOpportunity(row interface{ Scan(...any) error }, workspaceID string) (pipeline.Opportunity, error) {
	o := pipeline.Opportunity{WorkspaceID: workspaceID}
	var motion, status, details, pricingJSON, kind string
	var rWake, rAsked, rEsc, rConf sql.NullInt64
	var last, fuDue, fuOver sql.NullInt64
	var c, u int64
	if err := row.Scan(&o.ID, &o.AccountID, &o.Name, &o.AmountMinor, &o.Currency, &o.CloseOn, &motion, &o.Stage, &status,
		&o.OwnerUserID, &o.NextStep, &o.PartnerID, &o.RegistrationID, &last, &c, &u, &o.Version, &details,
		&fuDue, &fuOver, &pricingJSON, &kind, &o.RenewalOn, &rWake, &rAsked, &rEsc, &rConf, &o.Renewal.ConfirmedBy, &o.AccountName, &o.OwnerName); err != nil {
		return o, err
	}
	o.Kind = pipeline.Kind(kind)
	o.Renewal.WakeAt, o.Renewal.AskedAt, o.Renewal.EscalatedAt, o.Renewal.ConfirmedAt = fromNullMS(rWake), fromNullMS(rAsked), fromNullMS(rEsc), fromNullMS(rConf)
	if pricingJSON != "" && pricingJSON != "{}" {
		if err := json.Unmarshal([]byte(pricingJSON), &o.Pricing); err != nil {
			return o, fmt.Errorf("stored pricing of opportunity %s: %w", o.ID, err)
		}
	}
	o.FollowUpDueAt, o.FollowUpOverdueAt = fromNullMS(fuDue), fromNullMS(fuOver)
	o.Motion, o.Status, o.CreatedAt, o.UpdatedAt = tandem.Motion(motion), pipeline.Status(status), fromMS(c), fromMS(u)
	if last.Valid {
		o.LastActivityAt = fromMS(last.Int64)
	}
	if details != "" && details != "{}" {
		if err := json.Unmarshal([]byte(details), &o.Details); err != nil {
			return o, fmt.Errorf("stored details of opportunity %s: %w", o.ID, err)
		}
	}
	return o, nil
}

// ListOpportunities implements pipeline.Store.
func (s Pipeline) ListOpportunities(ctx context.Context, workspaceID string, f pipeline.Filter, after string, limit int) ([]pipeline.Opportunity, bool, error) {
	q, args := s.opportunityListSQL(workspaceID, f, after, limit)
	rows, err := s.DB.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list opportunities: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Opportunity
	for rows.Next() {
		o, err := scanOpportunity(rows, workspaceID)
		if err != nil {
			return nil, false, fmt.Errorf("list opportunities: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list opportunities: %w", err)
	}
	out, more := trimPage(out, limit)
	if err := s.fillAttribution(ctx, s.DB.read, workspaceID, out); err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// opportunityListSQL builds the query of ListOpportunities and its arguments.
func (s Pipeline) opportunityListSQL(workspaceID string, f pipeline.Filter, after string, limit int) (string, []any) {
	var w sqlWhere
	w.add("o.workspace_id = ?", workspaceID)
	w.add("o.id > ?", after)
	if f.Motion != "" {
		w.add("o.motion = ?", string(f.Motion))
	}
	if f.Stage != "" {
		w.add("o.stage = ?", f.Stage)
	}
	if f.Status != "" {
		w.add("o.status = ?", string(f.Status))
	}
	if f.OwnerUserID != "" {
		w.add("o.owner_user_id = ?", f.OwnerUserID)
	}
	if f.AccountID != "" {
		w.add("o.account_id = ?", f.AccountID)
	}
	if f.Query != "" {
		w.like(s.DB.dialect, f.Query, "o.name")
	}
	if f.CloseFrom != "" {
		w.add("o.close_on >= ?", f.CloseFrom)
	}
	if f.CloseTo != "" {
		w.conds = append(w.conds, "o.close_on <> ''")
		w.add("o.close_on <= ?", f.CloseTo)
	}
	if !f.InactiveBefore.IsZero() {
		w.conds = append(w.conds, "o.status = 'open'")
		w.add("COALESCE(o.last_activity_at, o.created_at) < ?", ms(f.InactiveBefore))
	}
	if !f.FollowUpDueBy.IsZero() {
		w.add("o.follow_up_due_at <= ?", ms(f.FollowUpDueBy))
	}
	if f.PartnerID == "" && f.Query != "" {
		// A search first finds the page's ids, which needs only the key and the name
		// (an index on SQLite, trigrams on PostgreSQL), then reads those rows.
		lim := w.page(limit)
		q := opportunitySelect + ` WHERE o.workspace_id = $1 AND o.id IN (SELECT id FROM (SELECT o.id FROM opportunities o WHERE ` + w.sql() +
			` ORDER BY o.id` + lim + `) found) ORDER BY o.id` + lim
		return q, w.args
	}
	if f.PartnerID == "" {
		q := opportunitySelect + ` WHERE ` + w.sql() + ` ORDER BY o.id` + w.page(limit)
		return q, w.args
	}
	// The partner's opportunities are those it sources (opportunities.partner_id) and
	// those it is credited on (opportunity_partners). Testing both on every row in id
	// order reads the whole pipeline for a partner on few of them; instead each side
	// walks its own index in id order and stops at a page, and the page is the first
	// ids of the two together.
	//
	// On SQLite the credited side states the workspace and the cursor on the
	// attribution row only: repeating them on the joined opportunity leads its planner
	// to skip-scan the index and sort every credit of a partner on tens of thousands
	// of opportunities before taking a page (see restatesJoinedRange). The two sides
	// feed an IN list, which needs no duplicates removed, so UNION ALL spares sorting
	// each side to merge them.
	conds := w.sql()
	credited := conds
	if !s.DB.dialect.restatesJoinedRange() {
		credited = "TRUE"
		if len(w.conds) > 2 { // the first two are the workspace and the cursor
			credited = strings.Join(w.conds[2:], " AND ")
		}
	}
	w.args = append(w.args, f.PartnerID)
	p := fmt.Sprintf("$%d", len(w.args))
	lim := w.page(limit)
	q := opportunitySelect + ` WHERE o.workspace_id = $1 AND o.id IN (
		SELECT id FROM (SELECT o.id FROM opportunity_partners op JOIN opportunities o ON o.workspace_id = op.workspace_id AND o.id = op.opportunity_id
			WHERE op.workspace_id = $1 AND op.partner_id = ` + p + ` AND op.opportunity_id > $2 AND ` + credited + ` ORDER BY op.opportunity_id` + lim + `) credited
		UNION ALL
		SELECT id FROM (SELECT o.id FROM opportunities o WHERE o.partner_id = ` + p + ` AND ` + conds + ` ORDER BY o.id` + lim + `) sourcing)
		ORDER BY o.id` + lim
	return q, w.args
}

// ExplainListOpportunities returns the engine's plan for the query ListOpportunities
// runs with the same arguments, one line per step, to show which indexes serve it.
func (s Pipeline) ExplainListOpportunities(ctx context.Context, workspaceID string, f pipeline.Filter, after string, limit int) (string, error) {
	q, args := s.opportunityListSQL(workspaceID, f, after, limit)
	return s.DB.explain(ctx, "opportunity list", q, args)
}

// OpportunityByID implements pipeline.Store.
func (s Pipeline) OpportunityByID(ctx context.Context, workspaceID, id string) (pipeline.Opportunity, error) {
	o, err := scanOpportunity(s.DB.read.QueryRowContext(ctx, opportunitySelect+` WHERE o.workspace_id = $1 AND o.id = $2`, workspaceID, id), workspaceID)
	if err != nil {
		return o, notFound(err, "That opportunity")
	}
	list := []pipeline.Opportunity{o}
	if err := s.fillAttribution(ctx, s.DB.read, workspaceID, list); err != nil {
		return o, err
	}
	return list[0], nil
}

// fillAttribution loads the recorded attribution of the opportunities in one query;
// one with none recorded credits its sourcing partner, if any, at 100%.
func (s Pipeline) fillAttribution(ctx context.Context, q Querier, workspaceID string, opps []pipeline.Opportunity) error {
	if len(opps) == 0 {
		return nil
	}
	idx := make(map[string]int, len(opps))
	args := []any{workspaceID}
	marks := make([]string, len(opps))
	for i, o := range opps {
		idx[o.ID] = i
		args = append(args, o.ID)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := q.QueryContext(ctx, `SELECT opportunity_id, partner_id, credit, share FROM opportunity_partners
		WHERE workspace_id = $1 AND opportunity_id IN (`+strings.Join(marks, ",")+`) ORDER BY opportunity_id, position`, args...)
	if err != nil {
		return fmt.Errorf("load attribution: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oppID, credit string
		var e attribution.Entry
		if err := rows.Scan(&oppID, &e.PartnerID, &credit, &e.Percent); err != nil {
			return fmt.Errorf("load attribution: %w", err)
		}
		e.Kind = attribution.Kind(credit)
		opps[idx[oppID]].Attribution = append(opps[idx[oppID]].Attribution, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load attribution: %w", err)
	}
	for i := range opps {
		if opps[i].Attribution == nil && opps[i].PartnerID != "" {
			opps[i].Attribution = []attribution.Entry{{PartnerID: opps[i].PartnerID, Kind: attribution.Sourced, Percent: attribution.Hundred}}
		}
	}
	return nil
}

// SaveOpportunity implements pipeline.Store.
func (s Pipeline) SaveOpportunity(ctx context.Context, w pipeline.Write) error {
	o := w.Opportunity
	details := "{}"
	if len(o.Details) > 0 {
		b, err := json.Marshal(o.Details)
		if err != nil {
			return fmt.Errorf("save opportunity details: %w", err)
		}
		details = string(b)
	}
	pricingJSON := "{}"
	if o.Pricing != (pipeline.Pricing{}) {
		b, err := json.Marshal(o.Pricing)
		if err != nil {
			return fmt.Errorf("save opportunity pricing: %w", err)
		}
		pricingJSON = string(b)
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if w.ModelVersion != nil {
			if err := s.checkModelVersion(ctx, tx, o.WorkspaceID, o.Motion, *w.ModelVersion); err != nil {
				return err
			}
		}
		if a := w.Account; a != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (workspace_id, `+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				a.WorkspaceID, a.ID, a.Name, a.Domain, a.Country, a.Industry, a.OwnerUserID, a.IncumbentPartnerID, ms(a.CreatedAt), ms(a.UpdatedAt), a.Version); err != nil {
				return conflictOr(fmt.Errorf("create account: %w", err), "an account with this id already exists")
			}
		}
		if w.Expected == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO opportunities (workspace_id, id, account_id, name, amount_minor, currency, close_on, motion, stage,
				status, owner_user_id, next_step, partner_id, registration_id, last_activity_at, created_at, updated_at, version, details, pricing, kind, renewal_on)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
				o.WorkspaceID, o.ID, o.AccountID, o.Name, o.AmountMinor, o.Currency, o.CloseOn, string(o.Motion), o.Stage, string(o.Status),
				o.OwnerUserID, o.NextStep, o.PartnerID, o.RegistrationID, nullMS(o.LastActivityAt), ms(o.CreatedAt), ms(o.UpdatedAt), o.Version, details, pricingJSON, string(o.Kind), o.RenewalOn); err != nil {
				return conflictOr(fmt.Errorf("create opportunity: %w", err), "an opportunity with this id already exists")
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE opportunities SET account_id = $3, name = $4, amount_minor = $5, currency = $6, close_on = $7,
				stage = $8, status = $9, owner_user_id = $10, next_step = $11, partner_id = $12, last_activity_at = $13, updated_at = $14,
				version = $15, details = $16, pricing = $18, kind = $19, renewal_on = $20 WHERE workspace_id = $1 AND id = $2 AND version = $17`,
				o.WorkspaceID, o.ID, o.AccountID, o.Name, o.AmountMinor, o.Currency, o.CloseOn, o.Stage, string(o.Status), o.OwnerUserID,
				o.NextStep, o.PartnerID, nullMS(o.LastActivityAt), ms(o.UpdatedAt), w.Expected+1, details, w.Expected, pricingJSON, string(o.Kind), o.RenewalOn)
			if err != nil {
				return fmt.Errorf("update opportunity: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return staleRow("opportunity")
			}
		}
		if w.Attribution != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM opportunity_partners WHERE workspace_id = $1 AND opportunity_id = $2`, o.WorkspaceID, o.ID); err != nil {
				return fmt.Errorf("save attribution: %w", err)
			}
			for i, e := range *w.Attribution {
				if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_partners (workspace_id, opportunity_id, partner_id, credit, share, position, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, o.WorkspaceID, o.ID, e.PartnerID, string(e.Kind), int64(e.Percent), i, ms(o.UpdatedAt)); err != nil {
					return fmt.Errorf("save attribution: %w", err)
				}
			}
		}
		if h := w.Stage; h != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_stage_history (workspace_id, id, opportunity_id, from_stage, to_stage, at, actor_id, actor_name)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, h.WorkspaceID, h.ID, h.OpportunityID, h.From, h.To, ms(h.At), h.ActorID, h.ActorName); err != nil {
				return fmt.Errorf("save stage history: %w", err)
			}
		}
		if w.SetRenewal {
			r := o.Renewal
			if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET renewal_wake_at = $3, renewal_asked_at = $4, renewal_escalated_at = $5,
				renewal_confirmed_at = $6, renewal_confirmed_by = $7 WHERE workspace_id = $1 AND id = $2`, o.WorkspaceID, o.ID,
				nullMS(r.WakeAt), nullMS(r.AskedAt), nullMS(r.EscalatedAt), nullMS(r.ConfirmedAt), r.ConfirmedBy); err != nil {
				return fmt.Errorf("save renewal: %w", err)
			}
			if !r.WakeAt.IsZero() {
				args := pipeline.RenewalArgs{WorkspaceID: o.WorkspaceID, OpportunityID: o.ID, WakeMS: r.WakeAt.UnixMilli()}
				if err := s.DB.enqueue(ctx, tx, args, &river.InsertOpts{ScheduledAt: r.WakeAt, MaxAttempts: 10}); err != nil {
					return fmt.Errorf("schedule the renewal check: %w", err)
				}
			}
		}
		if w.IncumbentPartnerID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET incumbent_partner_id = $3, version = version + 1, updated_at = $4
				WHERE workspace_id = $1 AND id = $2`, o.WorkspaceID, o.AccountID, w.IncumbentPartnerID, ms(o.UpdatedAt)); err != nil {
				return fmt.Errorf("record the incumbent partner: %w", err)
			}
		}
		for _, e := range w.Audit {
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return s.writeEffects(ctx, tx, w.Effects)
	})
}

// StageHistory implements pipeline.Store.
func (s Pipeline) StageHistory(ctx context.Context, workspaceID, opportunityID string) ([]pipeline.StageChange, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, from_stage, to_stage, at, actor_id, actor_name FROM opportunity_stage_history
		WHERE workspace_id = $1 AND opportunity_id = $2 ORDER BY at, id`, workspaceID, opportunityID)
	if err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	defer rows.Close()
	var out []pipeline.StageChange
	for rows.Next() {
		h := pipeline.StageChange{WorkspaceID: workspaceID, OpportunityID: opportunityID}
		var at int64
		if err := rows.Scan(&h.ID, &h.From, &h.To, &at, &h.ActorID, &h.ActorName); err != nil {
			return nil, fmt.Errorf("stage history: %w", err)
		}
		h.At = fromMS(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// ---- What the rules look up ----

// AttributionSettings implements pipeline.Store.
func (s Pipeline) AttributionSettings(ctx context.Context, workspaceID string) ([]byte, error) {
	var raw string
	if err := s.DB.read.QueryRowContext(ctx, `SELECT attribution_settings FROM workspaces WHERE id = $1`, workspaceID).Scan(&raw); err != nil {
		return nil, notFound(err, "The workspace")
	}
	return []byte(raw), nil
}

// SaveAttributionSettings stores the workspace's attribution rules (JSON, already
// validated; empty for the defaults).
func (db *DB) SaveAttributionSettings(ctx context.Context, workspaceID string, raw []byte) error {
	_, err := db.exec(ctx, `UPDATE workspaces SET attribution_settings = $2 WHERE id = $1`, workspaceID, string(raw))
	return err
}

// RegistrationApproved implements pipeline.Store.
func (s Pipeline) RegistrationApproved(ctx context.Context, workspaceID, registrationID string) (bool, error) {
	var at sql.NullInt64
	err := s.DB.read.QueryRowContext(ctx, `SELECT approved_at FROM registrations WHERE workspace_id = $1 AND id = $2`, workspaceID, registrationID).Scan(&at)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read registration approval: %w", err)
	}
	return at.Valid, nil
}

// KnownPartners implements pipeline.Store.
func (s Pipeline) KnownPartners(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{workspaceID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id FROM partners WHERE workspace_id = $1 AND id IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("look up partners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up partners: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// InternalUser implements pipeline.Store.
func (s Pipeline) InternalUser(ctx context.Context, workspaceID, id string) (string, error) {
	var name string
	err := s.DB.read.QueryRowContext(ctx, `SELECT name FROM users WHERE workspace_id = $1 AND id = $2 AND partner_id IS NULL`, workspaceID, id).Scan(&name)
	if err != nil {
		return "", notFound(err, "That user")
	}
	return name, nil
}
