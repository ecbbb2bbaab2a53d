package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/tandem"
)

// DiscountStatus is where an opportunity's discount stands.
type DiscountStatus string

// The discount statuses.
const (
	DiscountNone     DiscountStatus = ""         // no discount asked for
	DiscountWithin   DiscountStatus = "within"   // inside the band: granted as asked
	DiscountPending  DiscountStatus = "pending"  // outside the band: waits for an approver
	DiscountApproved DiscountStatus = "approved" // outside the band, approved
	DiscountDeclined DiscountStatus = "declined" // outside the band, declined
)

// Pricing is an opportunity's pricing guardrails (SPEC G7): the discount asked for and
// where its approval stands, and price protection. It is internal: partners never see
// any of it.
type Pricing struct {
	Discount pricing.Percent `json:"discount"`
	Status   DiscountStatus  `json:"status"`
	// Band is the band the discount fell in, Approver the approval level it needs and
	// Verdict the sentence pricing.CheckDiscount gave.
	Band     string `json:"band,omitempty"`
	Approver string `json:"approver,omitempty"`
	Verdict  string `json:"verdict,omitempty"`
	// Who asked, when and why.
	RequestedBy     string    `json:"requested_by,omitempty"`
	RequestedByName string    `json:"requested_by_name,omitempty"`
	RequestedAt     time.Time `json:"requested_at,omitzero"`
	Justification   string    `json:"justification,omitempty"`
	// Who decided an approval, when and why.
	DecidedBy      string    `json:"decided_by,omitempty"`
	DecidedByName  string    `json:"decided_by_name,omitempty"`
	DecidedAt      time.Time `json:"decided_at,omitzero"`
	DecisionReason string    `json:"decision_reason,omitempty"`
	// Protection keeps a discount available for a period whatever the bands say.
	Protection pricing.Protection `json:"protection"`
}

// Granted reports whether the discount asked for may be used: within the band or
// approved.
func (p Pricing) Granted() bool {
	return p.Status == DiscountWithin || p.Status == DiscountApproved
}

// PricingConfig returns the workspace's discount bands (pricing.DefaultConfig when it
// has set none).
func (s Settings) PricingConfig() pricing.Config {
	if s.Pricing == nil {
		return pricing.DefaultConfig()
	}
	return *s.Pricing
}

// mayApprove reports whether a person of role may approve a discount that needs the
// approval level: partner managers and admins approve "partner_manager" bands; every
// other level (sales leadership, the exception approver) is approved by admins.
func mayApprove(role tandem.Role, level string) bool {
	switch role {
	case tandem.RoleAdmin:
		return true
	case tandem.RolePartnerManager:
		return level == string(tandem.RolePartnerManager)
	}
	return false
}

// MayApprove reports whether actor may decide the opportunity's pending discount: a
// signed-in vendor user whose role carries the approval level, other than the person
// who asked.
func MayApprove(actor policy.Actor, p Pricing) bool {
	return p.Status == DiscountPending && actor.Kind == policy.ActorUser && actor.UserID != "" &&
		actor.UserID != p.RequestedBy && mayApprove(actor.Role, p.Approver)
}

func pricingView(p Pricing) map[string]any {
	return map[string]any{"discount": p.Discount, "status": p.Status, "approver": p.Approver, "protection": p.Protection}
}

// DiscountRequest asks for a discount on an opportunity at Version.
type DiscountRequest struct {
	Discount pricing.Percent
	Reason   string
	Version  int
}

const maxReason = 2000

// RequestDiscount records the discount asked for on an opportunity and checks it
// against the workspace's bands for the sourcing partner's tier and the motion
// (pricing.CheckDiscount, honouring active price protection): inside the band it is
// granted at once; outside it waits for an approval by someone else (DecideDiscount),
// and the reason is required; above the ceiling it is refused on "discount". Audited;
// the vendor's people only.
func (s *Service) RequestDiscount(ctx context.Context, actor policy.Actor, actorName, id string, req DiscountRequest) (Opportunity, error) {
	if err := needVersion(req.Version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Opportunities, id)
	if err != nil {
		return Opportunity{}, err
	}
	set, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return Opportunity{}, err
	}
	tier := ""
	if before.PartnerID != "" {
		if tier, err = s.Store.PartnerTier(ctx, actor.WorkspaceID, before.PartnerID); err != nil && tandem.KindOf(err) != tandem.KindNotFound {
			return Opportunity{}, err
		}
	}
	now := s.Now().UTC()
	res := pricing.CheckDiscount(set.PricingConfig(), pricing.Request{Tier: tier, Motion: before.Motion, Discount: req.Discount, Protection: before.Pricing.Protection}, now)
	reason := strings.TrimSpace(req.Reason)
	var p tandem.Problems
	if res.Verdict == pricing.Invalid {
		p.Add("discount", "%s", res.Reason)
	}
	if res.Verdict == pricing.NeedsApproval && reason == "" {
		p.Add("reason", "is required: the discount is outside the band and an approver will read why")
	}
	if utf8.RuneCountInString(reason) > maxReason {
		p.Add("reason", "must be at most %d characters", maxReason)
	}
	if err := p.Err("The discount cannot be asked for."); err != nil {
		return Opportunity{}, err
	}
	if before.Version != req.Version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	after := before
	// The requester is the person, also when they ask through one of their API tokens,
	// so that the same person cannot then approve it in the console.
	requester := actor.UserID
	if requester == "" {
		requester = audit.ActorID(actor)
	}
	pr := Pricing{Discount: req.Discount, Verdict: res.Reason, Approver: res.Approver, RequestedBy: requester, RequestedByName: actorName,
		RequestedAt: now, Justification: reason, Protection: before.Pricing.Protection}
	if res.Band != nil {
		pr.Band = res.Band.Name
	}
	switch {
	case req.Discount == 0:
		pr = Pricing{Protection: before.Pricing.Protection}
	case res.Verdict == pricing.Within:
		pr.Status = DiscountWithin
	default:
		pr.Status = DiscountPending
	}
	after.Pricing = pr
	after.UpdatedAt, after.LastActivityAt, after.Version = now, now, req.Version+1
	e := audit.New(ctx, actor, actorName, now, "opportunity.discount_request", "opportunity", id, pricingView(before.Pricing), pricingView(pr),
		strings.TrimSpace(reason+" "+res.Reason))
	w := Write{Opportunity: after, Expected: req.Version, Audit: []audit.Entry{e}}
	if pr.Status == DiscountPending {
		ws, err := s.Store.Workspace(ctx, actor.WorkspaceID)
		if err != nil {
			return Opportunity{}, err
		}
		var fx Effects
		people, err := s.Store.Approvers(ctx, actor.WorkspaceID)
		if err != nil {
			return Opportunity{}, err
		}
		people = slices.DeleteFunc(people, func(x Person) bool { return x.UserID == actor.UserID || !mayApprove(x.Role, pr.Approver) })
		if err := s.tell(&fx, ws, people, consolePath(after), "Discount approval needed: "+after.Name,
			fmt.Sprintf("%s asks for %s%% on %s: %s %s", actorName, req.Discount, after.Name, reason, res.Reason)); err != nil {
			return Opportunity{}, err
		}
		w.Effects = fx
	}
	return s.save(ctx, actor, w)
}

// DiscountDecision approves or declines the pending discount, with the reason.
type DiscountDecision struct {
	Approve bool
	Reason  string
	Version int
}

// DecideDiscount approves or declines an opportunity's pending discount. Only a
// vendor user other than the one who asked, whose role carries the approval level
// (MayApprove), decides; the reason is required, and the approver and reason are
// audited and kept on the opportunity.
func (s *Service) DecideDiscount(ctx context.Context, actor policy.Actor, actorName, id string, d DiscountDecision) (Opportunity, error) {
	if err := needVersion(d.Version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Opportunities, id)
	if err != nil {
		return Opportunity{}, err
	}
	if before.Pricing.Status != DiscountPending {
		return Opportunity{}, tandem.Errorf(tandem.KindConflict, "No discount is waiting for approval on this opportunity.")
	}
	if actor.UserID != "" && actor.UserID == before.Pricing.RequestedBy {
		return Opportunity{}, tandem.Errorf(tandem.KindForbidden, "Someone other than the person who asked for the discount must decide it.")
	}
	if !MayApprove(actor, before.Pricing) {
		return Opportunity{}, tandem.Errorf(tandem.KindForbidden, "This discount needs the approval of %s; your role cannot give it.", strings.ReplaceAll(before.Pricing.Approver, "_", " "))
	}
	reason := strings.TrimSpace(d.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return Opportunity{}, tandem.Invalid("The decision is not valid.", tandem.FieldError{Path: "reason", Detail: fmt.Sprintf("is required and at most %d characters", maxReason)})
	}
	if before.Version != d.Version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	now := s.Now().UTC()
	after := before
	after.Pricing.Status = DiscountDeclined
	action := "opportunity.discount_decline"
	if d.Approve {
		after.Pricing.Status, action = DiscountApproved, "opportunity.discount_approve"
	}
	after.Pricing.DecidedBy, after.Pricing.DecidedByName, after.Pricing.DecidedAt, after.Pricing.DecisionReason = actor.UserID, actorName, now, reason
	after.UpdatedAt, after.LastActivityAt, after.Version = now, now, d.Version+1
	e := audit.New(ctx, actor, actorName, now, action, "opportunity", id, pricingView(before.Pricing),
		map[string]any{"status": after.Pricing.Status, "approver": actorName, "discount": after.Pricing.Discount}, reason)
	w := Write{Opportunity: after, Expected: d.Version, Audit: []audit.Entry{e}}
	if before.Pricing.RequestedBy != "" {
		ws, err := s.Store.Workspace(ctx, actor.WorkspaceID)
		if err != nil {
			return Opportunity{}, err
		}
		people, err := s.Store.People(ctx, actor.WorkspaceID, []string{before.Pricing.RequestedBy})
		if err != nil {
			return Opportunity{}, err
		}
		var fx Effects
		if err := s.tell(&fx, ws, people, consolePath(after), fmt.Sprintf("Discount %s: %s", after.Pricing.Status, after.Name),
			fmt.Sprintf("%s %s the %s%% discount on %s: %s", actorName, after.Pricing.Status, after.Pricing.Discount, after.Name, reason)); err != nil {
			return Opportunity{}, err
		}
		w.Effects = fx
	}
	return s.save(ctx, actor, w)
}

// SetPriceProtection turns price protection on an opportunity on (with its dates and
// the discount it keeps available) or off, at version; problems are named under
// "price_protection". Audited; the vendor's people only.
func (s *Service) SetPriceProtection(ctx context.Context, actor policy.Actor, actorName, id string, p pricing.Protection, version int) (Opportunity, error) {
	if err := needVersion(version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Opportunities, id)
	if err != nil {
		return Opportunity{}, err
	}
	if !p.Enabled {
		p = pricing.Protection{}
	}
	if err := p.Validate(); err != nil {
		return Opportunity{}, err
	}
	if before.Version != version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	if before.Pricing.Protection == p {
		return before, nil
	}
	now := s.Now().UTC()
	after := before
	after.Pricing.Protection = p
	after.UpdatedAt, after.LastActivityAt, after.Version = now, now, version+1
	e := audit.New(ctx, actor, actorName, now, "opportunity.price_protection", "opportunity", id,
		map[string]any{"price_protection": before.Pricing.Protection}, map[string]any{"price_protection": p}, "")
	return s.save(ctx, actor, Write{Opportunity: after, Expected: version, Audit: []audit.Entry{e}})
}
