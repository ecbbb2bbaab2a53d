package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/registration"
)

var _ registration.SettingsStore = Registrations{}

// SaveRegistrationSettings implements registration.SettingsStore: the settings and
// their audit entry in one transaction.
func (s Registrations) SaveRegistrationSettings(ctx context.Context, workspaceID string, raw []byte, e audit.Entry) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE workspaces SET registration_settings = $2 WHERE id = $1`, workspaceID, string(raw))
		if err != nil {
			return fmt.Errorf("save registration settings: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("save registration settings: workspace %s not found", workspaceID)
		}
		return insertAudit(ctx, tx, e)
	})
}
