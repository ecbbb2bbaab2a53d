package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/registration"
)

// Bulk loads write many rows with multi-row INSERT statements. They are for load
// tests and large imports that have already been validated: they skip the audit log,
// notifications and email that the services write for one change at a time.

// bulkParams bounds the placeholders of one statement, well under SQLite's limit
// (32766) and PostgreSQL's (65535).
const bulkParams = 16000

// BulkAccount is an account with who owns it: a direct-sales user, the incumbent
// partner, or neither (empty strings).
type BulkAccount struct {
	account.Account
	OwnerUserID        string
	IncumbentPartnerID string
}

// BulkInsertAccounts inserts every account in one transaction: all of them are stored
// or, on any error (a taken id included), none.
func (db *DB) BulkInsertAccounts(ctx context.Context, as []BulkAccount) error {
	const cols = `workspace_id, id, name, domain, country, industry, owner_user_id, incumbent_partner_id, created_at, updated_at`
	rows := make([][]any, len(as))
	for i, a := range as {
		rows[i] = []any{a.WorkspaceID, a.ID, a.Name, a.Domain, a.Country, a.Industry, a.OwnerUserID, a.IncumbentPartnerID, ms(a.CreatedAt), ms(a.UpdatedAt)}
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if err := db.insertRows(ctx, tx, "accounts", cols, rows); err != nil {
			return fmt.Errorf("bulk insert accounts: %w", err)
		}
		return nil
	})
}

// BulkInsertRegistrations inserts every registration in one transaction, all or
// none. A registration with a WakeAt gets its timer job in the same transaction, as
// CreateRegistration schedules it; nothing else (audit, notifications, email) is
// written.
func (db *DB) BulkInsertRegistrations(ctx context.Context, rs []registration.Registration) error {
	rows := make([][]any, len(rs))
	for i, r := range rs {
		vals, err := registrationValues(r)
		if err != nil {
			return fmt.Errorf("bulk insert registrations: %w", err)
		}
		rows[i] = vals
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if err := db.insertRows(ctx, tx, "registrations", "workspace_id, "+registrationColumns, rows); err != nil {
			return fmt.Errorf("bulk insert registrations: %w", err)
		}
		for _, r := range rs {
			if r.WakeAt.IsZero() {
				continue
			}
			args := registration.TimerArgs{WorkspaceID: r.WorkspaceID, RegistrationID: r.ID, WakeMS: r.WakeAt.UnixMilli()}
			if err := db.enqueue(ctx, tx, args, &river.InsertOpts{ScheduledAt: r.WakeAt, MaxAttempts: 10}); err != nil {
				return fmt.Errorf("schedule registration timer: %w", err)
			}
		}
		return nil
	})
}

// insertRows inserts rows (each in the order of cols) into table with as few
// multi-row statements as the placeholder limit allows.
//
// On SQLite the placeholders are anonymous (?) rather than $N: SQLite treats $N as a
// named parameter and looks names up linearly, which makes a statement with thousands
// of them quadratic to prepare (10,000 accounts took 11 s instead of a fraction of one).
func (db *DB) insertRows(ctx context.Context, q Querier, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, bulkParams/width)
	var b strings.Builder
	args := make([]any, 0, per*width)
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		b.Reset()
		args = args[:0]
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		for i, row := range chunk {
			if len(row) != width {
				return fmt.Errorf("row %d has %d values, want %d", start+i, len(row), width)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for j := range row {
				if j > 0 {
					b.WriteByte(',')
				}
				if db.dialect == SQLite {
					b.WriteByte('?')
				} else {
					fmt.Fprintf(&b, "$%d", len(args)+j+1)
				}
			}
			b.WriteByte(')')
			args = append(args, row...)
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// BulkOpportunity is an opportunity with what a loader writes along with it: its
// recorded attribution (Opportunity.Attribution, none when empty), its first
// stage-history entry (created in its stage by ActorID at CreatedAt), notes and plan
// milestones.
type BulkOpportunity struct {
	pipeline.Opportunity
	ActorID    string
	Notes      []pipeline.Note
	Milestones []pipeline.Milestone
}

// BulkInsertOpportunities inserts the opportunities with their attribution, first
// stage-history entry, notes and milestones in one transaction, all or none. No
// timer jobs are scheduled: follow-ups, milestone nudges and renewal checks of the
// loaded rows are not woken.
func (db *DB) BulkInsertOpportunities(ctx context.Context, os []BulkOpportunity) error {
	const oppCols = `workspace_id, id, account_id, name, amount_minor, currency, close_on, motion, stage, status, owner_user_id,
		next_step, partner_id, registration_id, last_activity_at, created_at, updated_at, version, details, pricing, kind, renewal_on`
	const partnerCols = `workspace_id, opportunity_id, partner_id, credit, share, position, updated_at`
	const historyCols = `workspace_id, id, opportunity_id, from_stage, to_stage, at, actor_id, actor_name`
	const noteCols = `workspace_id, id, opportunity_id, visibility, kind, body, author_id, author_name, author_side, partner_id,
		follow_up_due_at, created_at`
	var opps, credits, history, notes, plans [][]any
	for _, b := range os {
		o := b.Opportunity
		details := "{}"
		if len(o.Details) > 0 {
			raw, err := json.Marshal(o.Details)
			if err != nil {
				return fmt.Errorf("bulk insert opportunities: details of %s: %w", o.ID, err)
			}
			details = string(raw)
		}
		opps = append(opps, []any{o.WorkspaceID, o.ID, o.AccountID, o.Name, o.AmountMinor, o.Currency, o.CloseOn, string(o.Motion), o.Stage,
			string(o.Status), o.OwnerUserID, o.NextStep, o.PartnerID, o.RegistrationID, nullMS(o.LastActivityAt), ms(o.CreatedAt),
			ms(o.UpdatedAt), max(o.Version, 1), details, "{}", string(cmp.Or(o.Kind, pipeline.KindNew)), o.RenewalOn})
		for i, e := range o.Attribution {
			credits = append(credits, []any{o.WorkspaceID, o.ID, e.PartnerID, string(e.Kind), int64(e.Percent), i, ms(o.UpdatedAt)})
		}
		history = append(history, []any{o.WorkspaceID, "stg_" + strings.TrimPrefix(o.ID, "opp_"), o.ID, "", o.Stage, ms(o.CreatedAt), b.ActorID, ""})
		for _, n := range b.Notes {
			notes = append(notes, []any{n.WorkspaceID, n.ID, o.ID, string(n.Visibility), string(n.Kind), n.Body, n.AuthorID, n.AuthorName,
				n.AuthorSide, n.PartnerID, nullMS(n.FollowUpDueAt), ms(n.CreatedAt)})
		}
		for _, m := range b.Milestones {
			plans = append(plans, []any{o.WorkspaceID, m.ID, o.ID, m.Key, m.Title, m.OwnerSide, m.OwnerUserID, m.OwnerContactID, m.OwnerPartnerID,
				m.OwnerName, m.DueOn, string(m.Status), m.Position, nullMS(m.DoneAt), nullMS(m.NudgeAt), nullMS(m.NudgedAt), ms(m.CreatedAt),
				ms(m.UpdatedAt), max(m.Version, 1)})
		}
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		for _, t := range []struct {
			table, cols string
			rows        [][]any
		}{
			{"opportunities", oppCols, opps},
			{"opportunity_partners", partnerCols, credits},
			{"opportunity_stage_history", historyCols, history},
			{"opportunity_notes", noteCols, notes},
			{"opportunity_milestones", "workspace_id, " + milestoneCols, plans},
		} {
			if err := db.insertRows(ctx, tx, t.table, t.cols, t.rows); err != nil {
				return fmt.Errorf("bulk insert %s: %w", t.table, err)
			}
		}
		return nil
	})
}
