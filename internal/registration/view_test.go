package registration

import (
	"testing"

	"github.com/tandemprm/tandem/internal/policy"
)

// TestPartnerViewShowsOnlySafeFields fails when a field is added to the partner's
// view of a registration without being declared safe in the policy.
func TestPartnerViewShowsOnlySafeFields(t *testing.T) {
	if bad := policy.UnsafeFields(policy.Registrations, PartnerView{}); bad != nil {
		t.Errorf("PartnerView exposes fields partners may not see: %v", bad)
	}
}
