package api

import (
	"testing"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
)

// TestPartnerViewsShowOnlySafeFields pins every partner-facing response type to the
// policy's safe-field lists: a field added to a view without being declared safe
// fails here.
func TestPartnerViewsShowOnlySafeFields(t *testing.T) {
	for _, tc := range []struct {
		kind policy.Kind
		view any
	}{
		{policy.PartnerUsers, PartnerUserView{}},
		{policy.APITokens, PartnerTokenView{}},
		{policy.Opportunities, pipeline.PartnerView{}},
		{policy.Attribution, pipeline.PartnerCreditView{}},
		{policy.PartnerNotes, pipeline.PartnerNoteView{}},
		{policy.PlanItems, pipeline.PartnerMilestoneView{}},
	} {
		if bad := policy.UnsafeFields(tc.kind, tc.view); bad != nil {
			t.Errorf("%T exposes fields partners may not see: %v", tc.view, bad)
		}
	}
}
