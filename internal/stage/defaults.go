package stage

import "github.com/tandemprm/tandem/internal/tandem"

func field(key string) Criterion { return Criterion{Kind: KindField, Key: key} }

func milestone(key, label string) Criterion {
	return Criterion{Kind: KindMilestone, Key: key, Label: label}
}

func attachment(key, label string) Criterion {
	return Criterion{Kind: KindAttachment, Key: key, Label: label}
}

func attributed(key string) Criterion { return Criterion{Kind: KindAttribution, Key: key} }

// Default returns the model a new workspace starts with for motion m, and false for an
// unknown motion. Each has five stages that follow how that motion creates value; a
// fresh value is returned on every call, so callers may edit it.
//
//   - Referral: the partner introduces the customer and steps back; the vendor sells.
//   - Resale: the partner registers the deal, quotes within its discount band, transacts
//     and launches the customer.
//   - Marketplace: the deal rides on a marketplace offer, a private offer and the
//     customer's cloud procurement; credit must be recorded at close.
//   - Services-led: joint design and proof come before commercials; the deal is won when
//     delivery starts and ends with a handoff to steady state.
//   - Tech / ISV: an integration use case, enabled sellers on both sides and joint proof;
//     the partner is credited with influence rather than sourcing.
func Default(m tandem.Motion) (Model, bool) {
	lost := []Criterion{field("loss_reason")}
	switch m {
	case tandem.MotionReferral:
		return Model{Motion: m, LostCriteria: lost, Stages: []Stage{
			{Key: "introduced", Label: "Introduction logged", Exit: []Criterion{
				attributed("sourced"), field("owner"), field("partner_contact")}},
			{Key: "qualified", Label: "Qualified", Exit: []Criterion{
				field("use_case"), field("close_date"), field("next_step")}},
			{Key: "value_proven", Label: "Value proven", Exit: []Criterion{
				field("champion"), field("amount")}},
			{Key: "commercials", Label: "Commercial terms", Exit: []Criterion{
				attachment("order_form", "A signed order form is attached")}},
			{Key: "won_credited", Label: "Won, referral credited"},
		}}, true
	case tandem.MotionResale:
		return Model{Motion: m, LostCriteria: lost, Stages: []Stage{
			{Key: "registered", Label: "Deal registered", Exit: []Criterion{
				{Kind: KindRegistration}, field("partner_contact")}},
			{Key: "qualified", Label: "Demand qualified", Exit: []Criterion{
				field("champion"), field("close_date"), field("next_step")}},
			{Key: "quoted", Label: "Configured and quoted", Exit: []Criterion{
				field("products"), field("amount"), field("discount"), attachment("quote", "A quote is attached")}},
			{Key: "transacting", Label: "Transacting", Exit: []Criterion{
				field("order_reference")}},
			{Key: "launched", Label: "Launched and enabled"},
		}, WonAt: "launched"}, true
	case tandem.MotionMarketplace:
		return Model{Motion: m, LostCriteria: lost, Stages: []Stage{
			{Key: "offer_ready", Label: "Marketplace offer ready", Exit: []Criterion{
				field("marketplace_offer"), attributed("")}},
			{Key: "private_offer", Label: "Private offer extended", Exit: []Criterion{
				field("amount"), field("close_date"), attachment("private_offer", "The private offer is attached")}},
			{Key: "procurement", Label: "Buying through the marketplace", Exit: []Criterion{
				field("order_reference")}},
			{Key: "closed_disbursed", Label: "Closed and disbursed", Exit: []Criterion{
				attributed(""), field("renewal_owner")}},
			{Key: "adoption", Label: "Adoption and expansion"},
		}, WonAt: "closed_disbursed"}, true
	case tandem.MotionServices:
		return Model{Motion: m, LostCriteria: lost, Stages: []Stage{
			{Key: "solution_design", Label: "Solution designed", Exit: []Criterion{
				field("use_case"), field("success_criteria")}},
			{Key: "proof", Label: "Proof or workshop", Exit: []Criterion{
				milestone("proof_complete", "The proof or workshop is complete"), field("next_step")}},
			{Key: "commercials", Label: "Joint commercials", Exit: []Criterion{
				field("amount"), field("close_date"), attachment("statement_of_work", "A statement of work is attached")}},
			{Key: "delivery", Label: "In delivery", Exit: []Criterion{
				milestone("go_live", "The customer is live"), field("renewal_owner")}},
			{Key: "steady_state", Label: "Handed off to steady state"},
		}, WonAt: "delivery"}, true
	case tandem.MotionTech:
		return Model{Motion: m, LostCriteria: lost, Stages: []Stage{
			{Key: "integration_fit", Label: "Integration fit", Exit: []Criterion{
				field("integration"), field("use_case")}},
			{Key: "field_ready", Label: "Sellers enabled", Exit: []Criterion{
				milestone("joint_enablement", "Joint seller enablement is done")}},
			{Key: "activated", Label: "Pipeline activated", Exit: []Criterion{
				attributed("influenced"), field("next_step")}},
			{Key: "joint_validation", Label: "Jointly validated", Exit: []Criterion{
				milestone("joint_proof", "The joint proof point is done"), field("champion")}},
			{Key: "won_influenced", Label: "Won, influence credited"},
		}}, true
	}
	return Model{}, false
}

// Defaults returns the default model of every motion, in tandem.Motions order.
func Defaults() []Model {
	var out []Model
	for _, m := range []tandem.Motion{tandem.MotionReferral, tandem.MotionResale, tandem.MotionMarketplace, tandem.MotionServices, tandem.MotionTech} {
		d, _ := Default(m)
		out = append(out, d)
	}
	return out
}
