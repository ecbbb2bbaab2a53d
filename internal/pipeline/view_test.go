package pipeline

import (
	"testing"

	"github.com/tandemprm/tandem/internal/policy"
)

// TestPartnerViewsShowOnlySafeFields fails when a field is added to a partner's view
// of an opportunity or of its credit without being declared safe in the policy.
func TestPartnerViewsShowOnlySafeFields(t *testing.T) {
	if bad := policy.UnsafeFields(policy.Opportunities, PartnerView{}); bad != nil {
		t.Errorf("PartnerView exposes fields partners may not see: %v", bad)
	}
	if bad := policy.UnsafeFields(policy.Attribution, PartnerCreditView{}); bad != nil {
		t.Errorf("PartnerCreditView exposes fields partners may not see: %v", bad)
	}
}
