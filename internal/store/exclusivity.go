package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Exclusivity grants are rows of partner_exclusivity (migration 00017), one per
// partner and territory; a revoked grant is deleted (the audit log keeps its history).

// PartnerExclusivity implements partner.ExclusivityStore.
func (s Partners) PartnerExclusivity(ctx context.Context, workspaceID, partnerID string) ([]partner.Exclusivity, error) {
	rows, err := s.DB.read.QueryContext(ctx, `SELECT territory, granted_at, granted_by, granted_by_name, expires_at, rationale
		FROM partner_exclusivity WHERE workspace_id = $1 AND partner_id = $2 ORDER BY territory`, workspaceID, partnerID)
	if err != nil {
		return nil, fmt.Errorf("read exclusivity grants: %w", err)
	}
	defer rows.Close()
	var out []partner.Exclusivity
	for rows.Next() {
		x := partner.Exclusivity{WorkspaceID: workspaceID, PartnerID: partnerID}
		var at int64
		var exp sql.NullInt64
		if err := rows.Scan(&x.Territory, &at, &x.GrantedBy, &x.GrantedByName, &exp, &x.Rationale); err != nil {
			return nil, fmt.Errorf("read exclusivity grants: %w", err)
		}
		x.GrantedAt, x.ExpiresAt = fromMS(at), fromNullMS(exp)
		out = append(out, x)
	}
	return out, rows.Err()
}

// GrantExclusivity implements partner.ExclusivityStore. The workspace row is locked
// first (on PostgreSQL; SQLite writers take turns anyway), so two grants racing for
// the last place in a territory cannot both see it free.
func (s Partners) GrantExclusivity(ctx context.Context, x partner.Exclusivity, limit int, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM workspaces WHERE id = $1`+s.DB.dialect.forUpdate(), x.WorkspaceID); err != nil {
			return fmt.Errorf("lock the workspace for an exclusivity grant: %w", err)
		}
		var holders int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_exclusivity x
			JOIN partners p ON p.workspace_id = x.workspace_id AND p.id = x.partner_id
			WHERE x.workspace_id = $1 AND x.territory = $2 AND x.partner_id <> $3 AND p.lifecycle <> 'offboarded'
				AND (x.expires_at IS NULL OR x.expires_at > $4)`,
			x.WorkspaceID, x.Territory, x.PartnerID, ms(x.GrantedAt)).Scan(&holders); err != nil {
			return fmt.Errorf("count exclusivity holders: %w", err)
		}
		if holders >= limit {
			return tandem.Errorf(tandem.KindConflict, "%s", partner.LimitReached(x.Territory, holders, limit))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM partner_exclusivity WHERE workspace_id = $1 AND partner_id = $2 AND territory = $3`,
			x.WorkspaceID, x.PartnerID, x.Territory); err != nil {
			return fmt.Errorf("save exclusivity grant: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_exclusivity (workspace_id, partner_id, territory, granted_at, granted_by,
				granted_by_name, expires_at, rationale) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			x.WorkspaceID, x.PartnerID, x.Territory, ms(x.GrantedAt), x.GrantedBy, x.GrantedByName, nullMS(x.ExpiresAt), x.Rationale); err != nil {
			return fmt.Errorf("save exclusivity grant: %w", err)
		}
		return insertAudit(ctx, tx, e)
	})
}

// RevokeExclusivity implements partner.ExclusivityStore.
func (s Partners) RevokeExclusivity(ctx context.Context, workspaceID, partnerID, territory string, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM partner_exclusivity WHERE workspace_id = $1 AND partner_id = $2 AND territory = $3`,
			workspaceID, partnerID, territory)
		if err != nil {
			return fmt.Errorf("revoke exclusivity grant: %w", err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return tandem.Errorf(tandem.KindNotFound, "This partner holds no exclusivity in %q.", territory)
		}
		return insertAudit(ctx, tx, e)
	})
}

// ExclusiveTerritories implements registration.ExclusivitySource: by partner, the
// territories in which each of partnerIDs holds exclusivity in force at now. An
// offboarded partner holds none, as the territory limits count it.
func (s Registrations) ExclusiveTerritories(ctx context.Context, workspaceID string, partnerIDs []string, now time.Time) (map[string][]string, error) {
	out := map[string][]string{}
	if len(partnerIDs) == 0 {
		return out, nil
	}
	args := []any{workspaceID, ms(now)}
	marks := make([]string, len(partnerIDs))
	for i, id := range partnerIDs {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := s.DB.read.QueryContext(ctx, `SELECT x.partner_id, x.territory FROM partner_exclusivity x
		JOIN partners p ON p.workspace_id = x.workspace_id AND p.id = x.partner_id
		WHERE x.workspace_id = $1 AND (x.expires_at IS NULL OR x.expires_at > $2) AND p.lifecycle <> 'offboarded'
			AND x.partner_id IN (`+strings.Join(marks, ", ")+`)
		ORDER BY x.partner_id, x.territory`, args...)
	if err != nil {
		return nil, fmt.Errorf("read exclusive territories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, t string
		if err := rows.Scan(&pid, &t); err != nil {
			return nil, fmt.Errorf("read exclusive territories: %w", err)
		}
		out[pid] = append(out[pid], t)
	}
	return out, rows.Err()
}

// reconcileExclusivity keeps grants in step with the workspace's territories as part
// of saving them (tx), by the rule of partner.ReconcileGrants: respelled territories
// carry their grants along, and removing one held in force at now is refused.
func reconcileExclusivity(ctx context.Context, tx *sql.Tx, workspaceID string, territories []string, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT territory, SUM(CASE WHEN expires_at IS NULL OR expires_at > $2 THEN 1 ELSE 0 END)
		FROM partner_exclusivity WHERE workspace_id = $1 GROUP BY territory ORDER BY territory`, workspaceID, ms(now))
	if err != nil {
		return fmt.Errorf("read exclusivity grants: %w", err)
	}
	var held []partner.HeldTerritory
	for rows.Next() {
		var h partner.HeldTerritory
		if err := rows.Scan(&h.Name, &h.InForce); err != nil {
			rows.Close()
			return fmt.Errorf("read exclusivity grants: %w", err)
		}
		held = append(held, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read exclusivity grants: %w", err)
	}
	renames, err := partner.ReconcileGrants(territories, held)
	if err != nil {
		return err
	}
	for _, h := range held {
		to, ok := renames[h.Name]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE partner_exclusivity SET territory = $3 WHERE workspace_id = $1 AND territory = $2`,
			workspaceID, h.Name, to); err != nil {
			return fmt.Errorf("respell exclusivity grants: %w", err)
		}
	}
	return nil
}
