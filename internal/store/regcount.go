package store

import (
	"context"
	"fmt"

	"github.com/tandemprm/tandem/internal/registration"
)

var _ registration.OpenCounter = Registrations{}

// CountOpenRegistrations implements registration.OpenCounter.
func (s Registrations) CountOpenRegistrations(ctx context.Context, workspaceID, partnerID string) (int, error) {
	var n int
	err := s.DB.read.QueryRowContext(ctx, `SELECT count(*) FROM registrations WHERE workspace_id = $1 AND partner_id = $2
		AND (status IN ('pending','info_requested','appealed') OR (status = 'approved' AND ended_at IS NULL))`, workspaceID, partnerID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count open registrations: %w", err)
	}
	return n, nil
}
