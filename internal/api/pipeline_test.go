package api

import (
	"testing"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
)

// TestPipelinePartnerViewsShowOnlySafeFields pins what the pipeline API sends partner
// callers to the policy's safe-field lists.
func TestPipelinePartnerViewsShowOnlySafeFields(t *testing.T) {
	if bad := policy.UnsafeFields(policy.Opportunities, pipeline.PartnerView{}); bad != nil {
		t.Errorf("opportunities: partners would receive %v", bad)
	}
	if bad := policy.UnsafeFields(policy.Attribution, pipeline.PartnerCreditView{}); bad != nil {
		t.Errorf("attribution: partners would receive %v", bad)
	}
	if bad := policy.UnsafeFields(policy.PartnerNotes, pipeline.PartnerNoteView{}); bad != nil {
		t.Errorf("notes: partners would receive %v", bad)
	}
	if bad := policy.UnsafeFields(policy.PartnerNotes, noteJSON{}); len(bad) == 0 {
		t.Error("the internal note view passes as partner-safe")
	}
	type partnerAttachments struct {
		Attachments []pipeline.PartnerAttachmentView `json:"attachments"`
	}
	if bad := policy.UnsafeFields(policy.Opportunities, partnerAttachments{}); bad != nil {
		t.Errorf("attachments: partners would receive %v", bad)
	}
	type vendorAttachments struct {
		Attachments []attachmentJSON `json:"attachments"`
	}
	if bad := policy.UnsafeFields(policy.Opportunities, vendorAttachments{}); len(bad) == 0 {
		t.Error("the internal attachment view passes as partner-safe")
	}
	if bad := policy.UnsafeFields(policy.PlanItems, pipeline.PartnerMilestoneView{}); bad != nil {
		t.Errorf("plan items: partners would receive %v", bad)
	}
	if bad := policy.UnsafeFields(policy.PlanItems, milestoneJSON{}); len(bad) == 0 {
		t.Error("the internal plan item view passes as partner-safe")
	}
	// The internal view carries what partners must never see.
	if bad := policy.UnsafeFields(policy.Opportunities, opportunityJSON{}); len(bad) == 0 {
		t.Error("the internal opportunity view passes as partner-safe; the test above would not catch a mix-up")
	}
}
