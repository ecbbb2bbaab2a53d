package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/offboard"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Offboarding adapts the store to offboard.Store.
type Offboarding struct{ DB *DB }

var _ offboard.Store = Offboarding{}

// PartnerByID implements offboard.Store.
func (s Offboarding) PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error) {
	return Partners(s).PartnerByID(ctx, workspaceID, id)
}

// InternalUserName implements offboard.Store.
func (s Offboarding) InternalUserName(ctx context.Context, workspaceID, userID string) (string, error) {
	name, _, err := Partners(s).InternalUser(ctx, workspaceID, userID)
	return name, err
}

// The registrations that still hold or wait for something, and the opportunities
// still being worked that the partner sourced.
const (
	openRegistrations = `workspace_id = $1 AND partner_id = $2
		AND (status IN ('pending', 'info_requested', 'appealed') OR (status = 'approved' AND ended_at IS NULL))`
	sourcedOpportunities = `workspace_id = $1 AND status = 'open' AND partner_id = $2`
)

// OffboardImpact implements offboard.Store.
func (s Offboarding) OffboardImpact(ctx context.Context, workspaceID, partnerID string, now time.Time) (offboard.Impact, error) {
	var im offboard.Impact
	for _, q := range []struct {
		sql  string
		into *int
	}{
		{`SELECT count(*) FROM users WHERE workspace_id = $1 AND partner_id = $2 AND status <> 'deactivated'`, &im.People},
		{`SELECT count(*) FROM sessions WHERE workspace_id = $1 AND user_id IN (SELECT id FROM users WHERE workspace_id = $1 AND partner_id = $2)`, &im.Sessions},
		{`SELECT count(*) FROM registrations WHERE ` + openRegistrations, &im.Registrations},
		{`SELECT count(*) FROM opportunities WHERE ` + sourcedOpportunities, &im.Opportunities},
		{`SELECT count(*) FROM action_links WHERE workspace_id = $1 AND subject = $2 AND revoked_at IS NULL AND expires_at > $3`, &im.Links},
		{`SELECT count(*) FROM api_tokens WHERE workspace_id = $1 AND partner_id = $2 AND revoked_at IS NULL`, &im.Tokens},
	} {
		args := []any{workspaceID, partnerID}
		if strings.Contains(q.sql, "$3") {
			args = append(args, ms(now))
		}
		if err := s.DB.read.QueryRowContext(ctx, q.sql, args...).Scan(q.into); err != nil {
			return im, fmt.Errorf("count what offboarding touches: %w", err)
		}
	}
	return im, nil
}

func idsIn(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Offboard implements offboard.Store.
func (s Offboarding) Offboard(ctx context.Context, p offboard.Plan) (offboard.Record, error) {
	rec := p.Record
	ws, pid, now := p.WorkspaceID, p.PartnerID, ms(p.At)
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partners SET lifecycle = 'offboarded', updated_at = $3
			WHERE workspace_id = $1 AND id = $2 AND lifecycle = $4 AND updated_at = $5`, ws, pid, now, string(p.From), ms(p.Expected))
		if err != nil {
			return fmt.Errorf("offboard partner: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindConflict, "Someone else changed this partner a moment ago; reload it and try again.")
		}
		if err := insertLifecycleChange(ctx, tx, ws, p.Change); err != nil {
			return err
		}
		// Access ends at once: people, their sessions and sign-in links, the
		// organisation's API tokens and its registration links.
		users, err := idsIn(ctx, tx, `SELECT id FROM users WHERE workspace_id = $1 AND partner_id = $2 AND status <> 'deactivated' ORDER BY id`, ws, pid)
		if err != nil {
			return fmt.Errorf("offboard partner users: %w", err)
		}
		rec.UsersEnded = len(users)
		for _, q := range []string{
			`UPDATE users SET status = 'deactivated', updated_at = $3 WHERE workspace_id = $1 AND partner_id = $2 AND status <> 'deactivated'`,
			`UPDATE signin_links SET used_at = $3 WHERE workspace_id = $1 AND used_at IS NULL AND user_id IN (SELECT id FROM users WHERE workspace_id = $1 AND partner_id = $2)`,
			`UPDATE api_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND partner_id = $2 AND revoked_at IS NULL`,
			`UPDATE action_links SET revoked_at = $3 WHERE workspace_id = $1 AND subject = $2 AND revoked_at IS NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q, ws, pid, now); err != nil {
				return fmt.Errorf("end partner access: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND user_id IN (SELECT id FROM users WHERE workspace_id = $1 AND partner_id = $2)`, ws, pid); err != nil {
			return fmt.Errorf("end partner sessions: %w", err)
		}
		// Open registrations close: waiting ones are withdrawn, protection ends. The
		// rows stay, with the reason.
		if rec.Registrations, err = idsIn(ctx, tx, `SELECT id FROM registrations WHERE `+openRegistrations+` ORDER BY id`, ws, pid); err != nil {
			return fmt.Errorf("find open registrations: %w", err)
		}
		why := "Partner offboarded"
		if p.Reason != "" {
			why += ": " + p.Reason
		}
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET status = 'withdrawn', decision_rationale = $4, ended_at = $3, wake_at = NULL,
				updated_at = $3, version = version + 1
			WHERE workspace_id = $1 AND partner_id = $2 AND status IN ('pending', 'info_requested', 'appealed')`, ws, pid, now, why); err != nil {
			return fmt.Errorf("close waiting registrations: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET ended_at = $3, wake_at = NULL, updated_at = $3, version = version + 1
			WHERE workspace_id = $1 AND partner_id = $2 AND status = 'approved' AND ended_at IS NULL`, ws, pid, now); err != nil {
			return fmt.Errorf("end protection: %w", err)
		}
		// Each closed registration says so in its own history, and the workspace's
		// conflict cases are looked at again soon, since these claims no longer stand.
		for _, id := range rec.Registrations {
			e := p.Audit
			e.ID, e.Action, e.SubjectType, e.SubjectID, e.Changes, e.Rationale = tandem.NewID("aud", p.At), "registration.close", "registration", id, "", why
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		if len(rec.Registrations) > 0 {
			if err := s.DB.enqueueMany(ctx, tx, []river.InsertManyParams{{Args: conflictcase.SweepArgs{WorkspaceID: ws},
				InsertOpts: &river.InsertOpts{ScheduledAt: p.At.Add(5 * time.Second), UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}}}); err != nil {
				return fmt.Errorf("schedule a conflict sweep: %w", err)
			}
		}
		// The open opportunities it sourced pass to the chosen owner; with none chosen
		// they go back to the vendor as they are, with their current owner. Deals another
		// partner sourced stay where they are, and attribution is left as it was, so the
		// partner's credit stays readable.
		if rec.Opportunities, err = idsIn(ctx, tx, `SELECT id FROM opportunities WHERE `+sourcedOpportunities+` ORDER BY id`, ws, pid); err != nil {
			return fmt.Errorf("find open opportunities: %w", err)
		}
		if p.OwnerUserID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET owner_user_id = $3, updated_at = $4, version = version + 1 WHERE `+sourcedOpportunities,
				ws, pid, p.OwnerUserID, now); err != nil {
				return fmt.Errorf("reassign open opportunities: %w", err)
			}
		}
		regs, err := json.Marshal(rec.Registrations)
		if err != nil {
			return err
		}
		opps, err := json.Marshal(rec.Opportunities)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_offboardings (workspace_id, id, partner_id, owner_user_id, reason, users_ended,
			registrations, opportunities, actor_id, actor_name, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			ws, rec.ID, pid, rec.OwnerUserID, rec.Reason, rec.UsersEnded, string(regs), string(opps), rec.ActorID, rec.ActorName, now); err != nil {
			return fmt.Errorf("record offboarding: %w", err)
		}
		e := p.Audit
		e.Changes = audit.Diff(map[string]any{"lifecycle": p.From}, map[string]any{"lifecycle": partner.Offboarded,
			"people_ended": rec.UsersEnded, "registrations_closed": rec.Registrations, "opportunities_reassigned": rec.Opportunities,
			"new_owner": rec.OwnerUserID})
		if err := insertAudit(ctx, tx, e); err != nil {
			return err
		}
		if p.Notice != nil && (len(rec.Registrations) > 0 || len(rec.Opportunities) > 0) {
			n := *p.Notice
			n.Body = fmt.Sprintf("%d open opportunities are now yours, and %d of its registrations were closed (listed in the audit log).",
				len(rec.Opportunities), len(rec.Registrations))
			if err := insertNotification(ctx, tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return offboard.Record{}, err
	}
	return rec, nil
}

// Offboardings implements offboard.Store.
func (s Offboarding) Offboardings(ctx context.Context, workspaceID, partnerID string) ([]offboard.Record, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT id, owner_user_id, reason, users_ended, registrations, opportunities, actor_id, actor_name, at
		FROM partner_offboardings WHERE workspace_id = $1 AND partner_id = $2 ORDER BY at DESC, id DESC`, workspaceID, partnerID)
	if err != nil {
		return nil, fmt.Errorf("list offboardings: %w", err)
	}
	defer rows.Close()
	var out []offboard.Record
	for rows.Next() {
		r := offboard.Record{WorkspaceID: workspaceID, PartnerID: partnerID}
		var regs, opps string
		var at int64
		if err := rows.Scan(&r.ID, &r.OwnerUserID, &r.Reason, &r.UsersEnded, &regs, &opps, &r.ActorID, &r.ActorName, &at); err != nil {
			return nil, fmt.Errorf("list offboardings: %w", err)
		}
		if err := json.Unmarshal([]byte(regs), &r.Registrations); err != nil {
			return nil, fmt.Errorf("offboarding %s: %w", r.ID, err)
		}
		if err := json.Unmarshal([]byte(opps), &r.Opportunities); err != nil {
			return nil, fmt.Errorf("offboarding %s: %w", r.ID, err)
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
