package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/protection"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Registrations adapts the store to registration.Store.
type Registrations struct{ DB *DB }

var _ registration.Store = Registrations{}

const registrationColumns = `id, partner_id, status, channel, submitted_by, submitter_name, submitter_email,
	customer_name, customer_domain, customer_country, contact_name, contact_email, opportunity_name,
	amount_minor, currency, expected_close_on, motion, products, description, proof,
	ruling, conflict_type, conflict_rule, partner_message, internal_explanation, candidates,
	review_due_at, review_reminded_at, review_escalated_at, decided_at, decided_by, decision_rationale, review_sla_met,
	approved_at, window_days, extensions, last_activity_at, converted_at, ended_at, reminded_for,
	no_touch_flagged_at, conversion_flagged_at, account_id, opportunity_id, appeals, appeal_text, appeal_due_at,
	wake_at, created_at, updated_at, version, first_approval_by, first_approval_name, first_approval_at, custom, approvals`

// registrationValues returns r's column values in registrationColumns order, after
// workspace_id.
func registrationValues(r registration.Registration) ([]any, error) {
	products, err := json.Marshal(nonNil(r.Products))
	if err != nil {
		return nil, err
	}
	cands, err := json.Marshal(nonNil(r.Candidates))
	if err != nil {
		return nil, err
	}
	exts, err := json.Marshal(nonNil(r.Extensions))
	if err != nil {
		return nil, err
	}
	custom := []byte("{}")
	if len(r.Custom) > 0 {
		if custom, err = json.Marshal(r.Custom); err != nil {
			return nil, err
		}
	}
	// The approvals of the chain are kept as JSON; the first is mirrored in the
	// first_approval columns that held it before chains (migration 00007).
	approvals, first := "", registration.StepApproval{}
	if len(r.Approvals) > 0 {
		b, err := json.Marshal(r.Approvals)
		if err != nil {
			return nil, err
		}
		approvals, first = string(b), r.Approvals[0]
	}
	var met any
	if r.ReviewSLAMet != nil {
		met = 0
		if *r.ReviewSLAMet {
			met = 1
		}
	}
	return []any{r.WorkspaceID, r.ID, r.PartnerID, string(r.Status), string(r.Channel), r.SubmittedBy, r.SubmitterName, r.SubmitterEmail,
		r.CustomerName, r.CustomerDomain, r.CustomerCountry, r.ContactName, r.ContactEmail, r.OpportunityName,
		r.AmountMinor, r.Currency, r.ExpectedCloseOn, string(r.Motion), string(products), r.Description, r.Proof,
		string(r.Ruling), string(r.ConflictType), string(r.ConflictRule), r.PartnerMessage, r.InternalExplanation, string(cands),
		nullMS(r.ReviewDueAt), nullMS(r.ReviewRemindedAt), nullMS(r.ReviewEscalatedAt), nullMS(r.DecidedAt), r.DecidedBy, r.DecisionRationale, met,
		nullMS(r.ApprovedAt), r.WindowDays, string(exts), nullMS(r.LastActivityAt), nullMS(r.ConvertedAt), nullMS(r.EndedAt), nullMS(r.RemindedFor),
		nullMS(r.NoTouchFlaggedAt), nullMS(r.ConversionFlaggedAt), r.AccountID, r.OpportunityID, r.Appeals, r.AppealText, nullMS(r.AppealDueAt),
		nullMS(r.WakeAt), ms(r.CreatedAt), ms(r.UpdatedAt), r.Version, first.UserID, first.Name, nullMS(first.At), string(custom), approvals}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func scanRegistration(row interface{ Scan(...any) error }, workspaceID string) (registration.Registration, error) {
	r := registration.Registration{WorkspaceID: workspaceID}
	var status, channel, motion, products, ruling, ctype, crule, cands, exts, custom, approvals, firstBy, firstName string
	var due, reminded, escalated, decided, approved, activity, converted, ended, remindedFor, noTouch, convFlag, appealDue, wake sql.NullInt64
	var met, firstAt sql.NullInt64
	var created, updated int64
	err := row.Scan(&r.ID, &r.PartnerID, &status, &channel, &r.SubmittedBy, &r.SubmitterName, &r.SubmitterEmail,
		&r.CustomerName, &r.CustomerDomain, &r.CustomerCountry, &r.ContactName, &r.ContactEmail, &r.OpportunityName,
		&r.AmountMinor, &r.Currency, &r.ExpectedCloseOn, &motion, &products, &r.Description, &r.Proof,
		&ruling, &ctype, &crule, &r.PartnerMessage, &r.InternalExplanation, &cands,
		&due, &reminded, &escalated, &decided, &r.DecidedBy, &r.DecisionRationale, &met,
		&approved, &r.WindowDays, &exts, &activity, &converted, &ended, &remindedFor,
		&noTouch, &convFlag, &r.AccountID, &r.OpportunityID, &r.Appeals, &r.AppealText, &appealDue,
		&wake, &created, &updated, &r.Version, &firstBy, &firstName, &firstAt, &custom, &approvals)
	if err != nil {
		return r, err
	}
	r.Status, r.Channel, r.Motion = registration.Status(status), registration.Channel(channel), tandem.Motion(motion)
	r.Ruling, r.ConflictType, r.ConflictRule = conflict.Ruling(ruling), conflict.Type(ctype), conflict.RuleKey(crule)
	if err := json.Unmarshal([]byte(products), &r.Products); err != nil {
		return r, fmt.Errorf("registration %s products: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(cands), &r.Candidates); err != nil {
		return r, fmt.Errorf("registration %s candidates: %w", r.ID, err)
	}
	if custom != "" && custom != "{}" {
		if err := json.Unmarshal([]byte(custom), &r.Custom); err != nil {
			return r, fmt.Errorf("registration %s custom fields: %w", r.ID, err)
		}
	}
	var ex []protection.Extension
	if err := json.Unmarshal([]byte(exts), &ex); err != nil {
		return r, fmt.Errorf("registration %s extensions: %w", r.ID, err)
	}
	if len(ex) > 0 {
		r.Extensions = ex
	}
	if met.Valid {
		v := met.Int64 == 1
		r.ReviewSLAMet = &v
	}
	r.ReviewDueAt, r.ReviewRemindedAt, r.ReviewEscalatedAt, r.DecidedAt = fromNullMS(due), fromNullMS(reminded), fromNullMS(escalated), fromNullMS(decided)
	r.ApprovedAt, r.LastActivityAt, r.ConvertedAt, r.EndedAt = fromNullMS(approved), fromNullMS(activity), fromNullMS(converted), fromNullMS(ended)
	r.RemindedFor, r.NoTouchFlaggedAt, r.ConversionFlaggedAt, r.AppealDueAt = fromNullMS(remindedFor), fromNullMS(noTouch), fromNullMS(convFlag), fromNullMS(appealDue)
	r.WakeAt, r.CreatedAt, r.UpdatedAt = fromNullMS(wake), fromMS(created), fromMS(updated)
	switch {
	case approvals != "":
		if err := json.Unmarshal([]byte(approvals), &r.Approvals); err != nil {
			return r, fmt.Errorf("registration %s approvals: %w", r.ID, err)
		}
	case firstBy != "": // a first approval given before chains
		r.Approvals = []registration.StepApproval{{Step: 0, Approver: registration.ApproverReviewer, UserID: firstBy, Name: firstName, At: fromNullMS(firstAt)}}
	}
	return r, nil
}

// Workspace implements registration.Store.
func (s Registrations) Workspace(ctx context.Context, workspaceID string) (workspace.Workspace, []byte, error) {
	w, err := s.DB.WorkspaceByID(ctx, workspaceID)
	if err != nil {
		return w, nil, err
	}
	var raw string
	if err := s.DB.read.QueryRowContext(ctx, `SELECT registration_settings FROM workspaces WHERE id = $1`, workspaceID).Scan(&raw); err != nil {
		return w, nil, fmt.Errorf("registration settings: %w", err)
	}
	return w, []byte(raw), nil
}

// SaveRegistrationSettings stores a workspace's registration settings (JSON).
func (db *DB) SaveRegistrationSettings(ctx context.Context, workspaceID string, raw []byte) error {
	_, err := db.exec(ctx, `UPDATE workspaces SET registration_settings = $2 WHERE id = $1`, workspaceID, string(raw))
	return err
}

// PartnerByID implements registration.Store.
func (s Registrations) PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error) {
	return Partners(s).PartnerByID(ctx, workspaceID, id)
}

// MatchRecordsSince implements registration.MatchSource: accounts (always active)
// and registrations (active while they compete) changed since the given time.
func (s Registrations) MatchRecordsSince(ctx context.Context, workspaceID string, since time.Time, afterID string, limit int) ([]registration.MatchRecord, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, domain, country, '' AS email, 1 AS active, updated_at FROM accounts
			WHERE workspace_id = $1 AND (updated_at > $2 OR (updated_at = $2 AND id > $3))
		UNION ALL
		SELECT id, customer_name, customer_domain, customer_country, contact_email,
			CASE WHEN status IN ('pending','info_requested','appealed') OR (status = 'approved' AND ended_at IS NULL) THEN 1 ELSE 0 END,
			updated_at FROM registrations
			WHERE workspace_id = $1 AND (updated_at > $2 OR (updated_at = $2 AND id > $3))
		ORDER BY 7, 1 LIMIT $4`, workspaceID, ms(since), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("read changed companies: %w", err)
	}
	defer rows.Close()
	var out []registration.MatchRecord
	for rows.Next() {
		var m registration.MatchRecord
		var active int
		var u int64
		if err := rows.Scan(&m.ID, &m.Name, &m.Domain, &m.Country, &m.Email, &active, &u); err != nil {
			return nil, fmt.Errorf("read changed companies: %w", err)
		}
		m.Active, m.UpdatedAt = active == 1, fromMS(u)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CandidateFacts implements registration.Store.
func (s Registrations) CandidateFacts(ctx context.Context, workspaceID string, accountIDs, registrationIDs []string) (registration.Facts, error) {
	f := registration.Facts{Accounts: map[string]registration.AccountFacts{}, Registrations: map[string]registration.Registration{}, Partners: map[string]partner.Partner{}}
	partnerIDs := map[string]bool{}
	for _, id := range accountIDs {
		var a registration.AccountFacts
		var c, u int64
		err := s.DB.read.QueryRowContext(ctx, `SELECT a.id, a.name, a.domain, a.country, a.industry, a.created_at, a.updated_at,
				a.owner_user_id, COALESCE(u.name, ''), a.incumbent_partner_id
			FROM accounts a LEFT JOIN users u ON u.workspace_id = a.workspace_id AND u.id = a.owner_user_id
			WHERE a.workspace_id = $1 AND a.id = $2`, workspaceID, id).
			Scan(&a.ID, &a.Name, &a.Domain, &a.Country, &a.Industry, &c, &u, &a.OwnerUserID, &a.OwnerName, &a.IncumbentPartnerID)
		if err == sql.ErrNoRows {
			continue // deleted since it was indexed
		}
		if err != nil {
			return f, fmt.Errorf("load matched account: %w", err)
		}
		a.WorkspaceID, a.CreatedAt, a.UpdatedAt = workspaceID, fromMS(c), fromMS(u)
		opps, err := s.openOpportunities(ctx, workspaceID, id)
		if err != nil {
			return f, err
		}
		a.Opportunities = opps
		if a.IncumbentPartnerID != "" {
			partnerIDs[a.IncumbentPartnerID] = true
		}
		for _, o := range opps {
			if o.PartnerID != "" {
				partnerIDs[o.PartnerID] = true
			}
		}
		f.Accounts[id] = a
	}
	for _, id := range registrationIDs {
		r, err := s.RegistrationByID(ctx, workspaceID, id)
		if tandem.KindOf(err) == tandem.KindNotFound {
			continue
		}
		if err != nil {
			return f, err
		}
		f.Registrations[id] = r
		partnerIDs[r.PartnerID] = true
	}
	for id := range partnerIDs {
		p, err := Partners(s).PartnerByID(ctx, workspaceID, id)
		if err != nil && tandem.KindOf(err) != tandem.KindNotFound {
			return f, err
		}
		if err == nil {
			f.Partners[id] = p
		}
	}
	return f, nil
}

func (s Registrations) openOpportunities(ctx context.Context, workspaceID, accountID string) ([]pipeline.Opportunity, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, name, motion, stage, status, owner_user_id, partner_id, registration_id, created_at
		FROM opportunities WHERE workspace_id = $1 AND account_id = $2 AND status = 'open' ORDER BY id LIMIT 20`, workspaceID, accountID)
	if err != nil {
		return nil, fmt.Errorf("load open opportunities: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Opportunity
	for rows.Next() {
		o := pipeline.Opportunity{WorkspaceID: workspaceID, AccountID: accountID}
		var motion, status string
		var c int64
		if err := rows.Scan(&o.ID, &o.Name, &motion, &o.Stage, &status, &o.OwnerUserID, &o.PartnerID, &o.RegistrationID, &c); err != nil {
			return nil, fmt.Errorf("load open opportunities: %w", err)
		}
		o.Motion, o.Status, o.CreatedAt = tandem.Motion(motion), pipeline.Status(status), fromMS(c)
		out = append(out, o)
	}
	return out, rows.Err()
}

// ManagerOf implements registration.ManagerSource.
func (s Registrations) ManagerOf(ctx context.Context, workspaceID, userID string) (registration.Person, bool, error) {
	var p registration.Person
	err := s.DB.read.QueryRowContext(ctx, `SELECT m.id, m.name, m.email FROM users u
		JOIN users m ON m.workspace_id = u.workspace_id AND m.id = u.manager_id
		WHERE u.workspace_id = $1 AND u.id = $2 AND m.partner_id IS NULL AND m.status <> 'deactivated'`, workspaceID, userID).Scan(&p.UserID, &p.Name, &p.Email)
	if err == sql.ErrNoRows {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("read manager: %w", err)
	}
	return p, true, nil
}

// Reviewers implements registration.Store.
func (s Registrations) Reviewers(ctx context.Context, workspaceID string) ([]registration.Person, error) {
	return s.people(ctx, workspaceID, []tandem.Role{tandem.RoleAdmin, tandem.RolePartnerManager})
}

// Admins implements registration.Store.
func (s Registrations) Admins(ctx context.Context, workspaceID string) ([]registration.Person, error) {
	return s.people(ctx, workspaceID, []tandem.Role{tandem.RoleAdmin})
}

func (s Registrations) people(ctx context.Context, workspaceID string, roles []tandem.Role) ([]registration.Person, error) {
	q := `SELECT id, name, email FROM users WHERE workspace_id = $1 AND partner_id IS NULL AND status <> 'deactivated' AND role IN (`
	args := []any{workspaceID}
	for i, r := range roles {
		if i > 0 {
			q += ", "
		}
		args = append(args, string(r))
		q += fmt.Sprintf("$%d", len(args))
	}
	rows, err := s.DB.read.QueryContext(ctx, q+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list reviewers: %w", err)
	}
	defer rows.Close()
	var out []registration.Person
	for rows.Next() {
		var p registration.Person
		if err := rows.Scan(&p.UserID, &p.Name, &p.Email); err != nil {
			return nil, fmt.Errorf("list reviewers: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CreateRegistration implements registration.Store.
func (s Registrations) CreateRegistration(ctx context.Context, r registration.Registration, fx registration.Effects) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error { return s.insertRegistration(ctx, tx, r, fx) })
}

// insertRegistration writes r and its effects in tx.
func (s Registrations) insertRegistration(ctx context.Context, tx *sql.Tx, r registration.Registration, fx registration.Effects) error {
	r.WakeAt = fx.WakeAt
	vals, err := registrationValues(r)
	if err != nil {
		return fmt.Errorf("save registration: %w", err)
	}
	if err := s.applyBefore(ctx, tx, r, fx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, registrationSQL.insert, vals...); err != nil {
		return fmt.Errorf("save registration: %w", err)
	}
	return s.applyAfter(ctx, tx, r, fx)
}

// CreateRegistrations implements registration.BatchStore: all or none.
func (s Registrations) CreateRegistrations(ctx context.Context, rs []registration.Registration, fxs []registration.Effects) error {
	if len(rs) != len(fxs) {
		return fmt.Errorf("save registrations: %d registrations and %d effects", len(rs), len(fxs))
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for i, r := range rs {
			if err := s.insertRegistration(ctx, tx, r, fxs[i]); err != nil {
				return fmt.Errorf("registration %d of %d: %w", i+1, len(rs), err)
			}
		}
		return nil
	})
}

// RegistrationByID implements registration.Store.
func (s Registrations) RegistrationByID(ctx context.Context, workspaceID, id string) (registration.Registration, error) {
	row := s.DB.read.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	r, err := scanRegistration(row, workspaceID)
	if err != nil {
		return r, notFound(err, "that registration")
	}
	return r, nil
}

// UpdateRegistration implements registration.Store.
func (s Registrations) UpdateRegistration(ctx context.Context, r registration.Registration, expected int, fx registration.Effects) error {
	r.WakeAt = fx.WakeAt
	r.Version = expected + 1
	vals, err := registrationValues(r)
	if err != nil {
		return fmt.Errorf("save registration: %w", err)
	}
	vals = append(vals, expected)
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.applyBefore(ctx, tx, r, fx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, registrationSQL.update, vals...)
		if err != nil {
			return fmt.Errorf("save registration: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindConflict, "Someone else changed this registration a moment ago; reload it and try again.")
		}
		return s.applyAfter(ctx, tx, r, fx)
	})
}

// applyBefore writes the records a registration row refers to.
func (s Registrations) applyBefore(ctx context.Context, tx *sql.Tx, r registration.Registration, fx registration.Effects) error {
	if fx.UseLinkID != "" {
		if err := s.DB.UseActionLink(ctx, tx, r.WorkspaceID, fx.UseLinkID, r.UpdatedAt); err != nil {
			return err
		}
	}
	if a := fx.NewAccount; a != nil {
		if err := s.DB.CreateAccount(ctx, tx, *a); err != nil {
			return err
		}
	}
	return nil
}

// applyAfter writes the effects that follow the registration row.
func (s Registrations) applyAfter(ctx context.Context, tx *sql.Tx, r registration.Registration, fx registration.Effects) error {
	if o := fx.NewOpportunity; o != nil {
		if fx.ModelVersion != nil {
			if err := Pipeline(s).checkModelVersion(ctx, tx, o.WorkspaceID, o.Motion, *fx.ModelVersion); err != nil {
				return err
			}
		}
		if err := insertOpportunity(ctx, tx, *o); err != nil {
			return err
		}
	}
	for _, e := range fx.Audit {
		if err := insertAudit(ctx, tx, e); err != nil {
			return err
		}
	}
	for _, n := range fx.Notifications {
		if err := insertNotification(ctx, tx, n); err != nil {
			return err
		}
	}
	// Every job the change schedules goes in with one insert: the email sends, the
	// timer and the conflict sweep. River honours the sweep's UniqueOpts in a batch
	// as in InsertTx (which is a batch of one); a batch holds at most one sweep.
	jobs, err := s.DB.storeMessages(ctx, tx, fx.Messages)
	if err != nil {
		return err
	}
	if r.ConflictType != "" && r.ConflictType != conflict.TypeNone {
		// Look for conflict cases soon; one sweep a minute per workspace at most.
		jobs = append(jobs, river.InsertManyParams{Args: conflictcase.SweepArgs{WorkspaceID: r.WorkspaceID},
			InsertOpts: &river.InsertOpts{ScheduledAt: r.UpdatedAt.Add(5 * time.Second), UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}})
	}
	if !fx.WakeAt.IsZero() {
		args := registration.TimerArgs{WorkspaceID: r.WorkspaceID, RegistrationID: r.ID, WakeMS: fx.WakeAt.UnixMilli()}
		jobs = append(jobs, river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{ScheduledAt: fx.WakeAt, MaxAttempts: 10}})
	}
	if err := s.DB.enqueueMany(ctx, tx, jobs); err != nil {
		return fmt.Errorf("schedule the registration's emails and timers: %w", err)
	}
	return nil
}

func insertOpportunity(ctx context.Context, q Querier, o pipeline.Opportunity) error {
	_, err := q.ExecContext(ctx, `INSERT INTO opportunities (workspace_id, id, account_id, name, amount_minor, currency, close_on, motion, stage,
			status, owner_user_id, next_step, partner_id, registration_id, last_activity_at, created_at, updated_at, version)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
		o.WorkspaceID, o.ID, o.AccountID, o.Name, o.AmountMinor, o.Currency, o.CloseOn, string(o.Motion), o.Stage,
		string(o.Status), o.OwnerUserID, o.NextStep, o.PartnerID, o.RegistrationID, nullMS(o.LastActivityAt), ms(o.CreatedAt), ms(o.UpdatedAt), o.Version)
	if err != nil {
		return fmt.Errorf("save opportunity: %w", err)
	}
	return nil
}

// ListRegistrations implements registration.Store. By id, newest first; the queue
// (f.ByDeadline) orders by review deadline, soonest first, with a cursor of
// "deadline-ms/id".
func (s Registrations) ListRegistrations(ctx context.Context, workspaceID string, f registration.Filter, after string, limit int) ([]registration.Registration, bool, error) {
	where := []string{"workspace_id = $1"}
	args := []any{workspaceID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.PartnerID != "" {
		add("partner_id = ?", f.PartnerID)
	}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			args = append(args, string(st))
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "status IN ("+strings.Join(marks, ",")+")")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add("lower(customer_name) "+s.DB.dialect.likeOperator()+" ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(q))+"%")
	}
	order := "id DESC"
	if f.ByDeadline {
		order = "COALESCE(review_due_at, 0), id"
		if after != "" {
			dl, id, ok := strings.Cut(after, "/")
			var n int64
			if _, err := fmt.Sscan(dl, &n); !ok || err != nil {
				return nil, false, tandem.Invalid("The cursor is not valid.", tandem.FieldError{Path: "cursor", Detail: "is not a cursor this list gave out"})
			}
			args = append(args, n, id)
			where = append(where, fmt.Sprintf("(COALESCE(review_due_at, 0) > $%d OR (COALESCE(review_due_at, 0) = $%d AND id > $%d))", len(args)-1, len(args)-1, len(args)))
		}
	} else if after != "" {
		add("id < ?", after)
	}
	args = append(args, limit+1)
	rows, err := s.DB.read.QueryContext(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+fmt.Sprintf(` LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, false, fmt.Errorf("list registrations: %w", err)
	}
	defer rows.Close()
	var out []registration.Registration
	for rows.Next() {
		r, err := scanRegistration(rows, workspaceID)
		if err != nil {
			return nil, false, fmt.Errorf("list registrations: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list registrations: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// QueueCursor is the cursor after r in the reviewer's queue order.
func QueueCursor(r registration.Registration) string {
	var n int64
	if !r.ReviewDueAt.IsZero() {
		n = ms(r.ReviewDueAt)
	}
	return fmt.Sprintf("%d/%s", n, r.ID)
}

// SetAccountOwner records who owns an account: a direct-sales user, the incumbent
// partner, or neither (empty strings).
// q is a transaction or nil for the database itself.
func (db *DB) SetAccountOwner(ctx context.Context, q Querier, workspaceID, accountID, ownerUserID, incumbentPartnerID string, now time.Time) error {
	if q == nil {
		q = db.write
	}
	_, err := q.ExecContext(ctx, `UPDATE accounts SET owner_user_id = $3, incumbent_partner_id = $4, updated_at = $5, version = version + 1 WHERE workspace_id = $1 AND id = $2`,
		workspaceID, accountID, ownerUserID, incumbentPartnerID, ms(now))
	return err
}

// CreateOpportunity saves an opportunity (demo data and tests; the pipeline service
// will own it).
func (db *DB) CreateOpportunity(ctx context.Context, q Querier, o pipeline.Opportunity) error {
	return insertOpportunity(ctx, q, o)
}

// DueTimers returns registrations of every workspace whose timer was due at or before
// now, oldest first, at most limit: the sweep that catches timers whose job was lost
// (a database restored from a backup, data loaded without a job queue).
func (s Registrations) DueTimers(ctx context.Context, now time.Time, limit int) ([]registration.TimerArgs, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT workspace_id, id, wake_at FROM registrations
		WHERE wake_at IS NOT NULL AND wake_at <= $1 ORDER BY wake_at LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due registration timers: %w", err)
	}
	defer rows.Close()
	var out []registration.TimerArgs
	for rows.Next() {
		var a registration.TimerArgs
		if err := rows.Scan(&a.WorkspaceID, &a.RegistrationID, &a.WakeMS); err != nil {
			return nil, fmt.Errorf("due registration timers: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

var _ registration.PublicStore = Registrations{}

// WorkspaceBySlug implements registration.PublicStore.
func (s Registrations) WorkspaceBySlug(ctx context.Context, slug string) (workspace.Workspace, error) {
	return s.DB.WorkspaceBySlug(ctx, slug)
}

// PartnersByDomain implements registration.PublicStore.
func (s Registrations) PartnersByDomain(ctx context.Context, workspaceID, domain string) ([]partner.Partner, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id FROM partners WHERE workspace_id = $1 AND domain = $2 ORDER BY id LIMIT 10`, workspaceID, domain)
	if err != nil {
		return nil, fmt.Errorf("partners by domain: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("partners by domain: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("partners by domain: %w", err)
	}
	out := make([]partner.Partner, 0, len(ids))
	for _, id := range ids {
		p, err := Partners(s).PartnerByID(ctx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// QueueMessage implements registration.PublicStore.
func (s Registrations) QueueMessage(ctx context.Context, m outbox.Message) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error { return s.DB.queueMessage(ctx, tx, m) })
}

// PartnerSettings implements registration.TerritorySource.
func (s Registrations) PartnerSettings(ctx context.Context, workspaceID string) (partner.Settings, error) {
	return Partners(s).PartnerSettings(ctx, workspaceID)
}
