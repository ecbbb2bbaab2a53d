package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Kind says whether an opportunity wins a new customer, renews a contract or expands
// one (SPEC G6).
type Kind string

// The opportunity kinds.
const (
	KindNew       Kind = "new"
	KindRenewal   Kind = "renewal"
	KindExpansion Kind = "expansion"
)

// Renewal is where the confirmation of a renewal's ownership stands: the owner is
// asked ConfirmDays before the renewal date and, unanswered, the admins are told
// EscalateDays later.
type Renewal struct {
	WakeAt      time.Time // when the renewal timer next runs (zero: none)
	AskedAt     time.Time
	EscalatedAt time.Time
	ConfirmedAt time.Time
	ConfirmedBy string // who confirmed (a user id)
}

// renewalAsk returns when the owner of a renewal due on `on` is asked to confirm
// ownership under set; zero when on is not a date.
func renewalAsk(set Settings, on string) time.Time {
	d, err := time.Parse(time.DateOnly, on)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, -set.RenewalConfirmDays)
}

// RenewalWake returns when the renewal timer of o must next run under set at now:
// nothing for opportunities that are not open renewals with a date, or whose ownership
// is confirmed or already escalated; the asking time (or now, if it passed) until the
// owner was asked; then EscalateDays after asking.
func RenewalWake(o Opportunity, set Settings, now time.Time) time.Time {
	r := o.Renewal
	if o.Kind != KindRenewal || o.RenewalOn == "" || o.Status != Open || !r.ConfirmedAt.IsZero() || !r.EscalatedAt.IsZero() {
		return time.Time{}
	}
	if r.AskedAt.IsZero() {
		at := renewalAsk(set, o.RenewalOn)
		if at.IsZero() {
			return time.Time{}
		}
		return maxTime(at, now)
	}
	return maxTime(r.AskedAt.AddDate(0, 0, set.RenewalEscalateDays), now)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// scheduleRenewal sets after's renewal timer when its kind or renewal date changed
// (a new date asks again), under the workspace's settings at now.
func (s *Service) scheduleRenewal(ctx context.Context, before Opportunity, after *Opportunity, now time.Time) error {
	if after.Kind == before.Kind && after.RenewalOn == before.RenewalOn && after.Status == before.Status {
		return nil
	}
	if after.RenewalOn != before.RenewalOn {
		after.Renewal.AskedAt, after.Renewal.EscalatedAt = time.Time{}, time.Time{}
	}
	set, err := s.Settings(ctx, after.WorkspaceID)
	if err != nil {
		return err
	}
	after.Renewal.WakeAt = RenewalWake(*after, set, now)
	return nil
}

// RenewalArgs is the durable job that runs RenewalTick for one opportunity at WakeMS
// (Unix milliseconds), the wake time the opportunity recorded.
type RenewalArgs struct {
	WorkspaceID   string `json:"workspace_id"`
	OpportunityID string `json:"opportunity_id"`
	WakeMS        int64  `json:"wake_ms"`
}

// Kind names the job kind.
func (RenewalArgs) Kind() string { return "renewal_ownership" }

// RenewalStep records what a renewal timer did, in one transaction with its effects:
// the store applies it only while the opportunity's timer is still at Wake, sets the
// asked and escalated times and the next wake (scheduling its job), and otherwise
// writes nothing and reports false.
type RenewalStep struct {
	WorkspaceID, OpportunityID string
	Wake                       time.Time
	AskedAt, EscalatedAt       time.Time
	Next                       time.Time
	Effects                    Effects
}

// RenewalTick runs an opportunity's renewal timer: at the asking time it asks the
// owner (or, without one, the admins) to confirm who owns the renewal; if nobody has
// confirmed EscalateDays later, it tells the admins. A timer that is no longer the
// opportunity's, or for a confirmed renewal, does nothing; one that runs early returns
// an *EarlyError.
func (s *Service) RenewalTick(ctx context.Context, a RenewalArgs) error {
	o, err := s.Store.OpportunityByID(ctx, a.WorkspaceID, a.OpportunityID)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindNotFound {
			return nil
		}
		return err
	}
	r := o.Renewal
	if r.WakeAt.IsZero() || r.WakeAt.UnixMilli() != a.WakeMS || !r.ConfirmedAt.IsZero() {
		return nil
	}
	now := s.Now().UTC()
	if wait := r.WakeAt.Sub(now); wait > 0 {
		return &EarlyError{Wait: wait}
	}
	set, err := s.Settings(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	ws, err := s.Store.Workspace(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	step := RenewalStep{WorkspaceID: a.WorkspaceID, OpportunityID: o.ID, Wake: r.WakeAt, AskedAt: r.AskedAt, EscalatedAt: r.EscalatedAt}
	sys := policy.System(a.WorkspaceID)
	switch {
	case o.Kind != KindRenewal || o.Status != Open || o.RenewalOn == "":
		// No longer a renewal to confirm: the timer just stops.
	case r.AskedAt.IsZero():
		step.AskedAt = now
		if err := s.tellOwner(ctx, &step.Effects, ws, o, "Confirm the renewal owner: "+o.Name,
			fmt.Sprintf("%s renews on %s. Confirm who owns the renewal (and which partner, if any) within %d days, or the admins are told.",
				o.Name, o.RenewalOn, set.RenewalEscalateDays)); err != nil {
			return err
		}
		step.Effects.Audit = append(step.Effects.Audit, audit.New(ctx, sys, "renewal timer", now, "opportunity.renewal_ask", "opportunity", o.ID, nil,
			map[string]any{"renewal_on": o.RenewalOn}, ""))
	default:
		step.EscalatedAt = now
		admins, err := s.Store.Admins(ctx, a.WorkspaceID)
		if err != nil {
			return err
		}
		if err := s.tell(&step.Effects, ws, admins, consolePath(o), "Renewal owner not confirmed: "+o.Name,
			fmt.Sprintf("%s renews on %s and nobody confirmed who owns the renewal since %s asked on %s.", o.Name, o.RenewalOn,
				nameOr(o.OwnerName, "its owner"), r.AskedAt.Format("2 Jan 2006"))); err != nil {
			return err
		}
		step.Effects.Audit = append(step.Effects.Audit, audit.New(ctx, sys, "renewal timer", now, "opportunity.renewal_escalate", "opportunity", o.ID, nil,
			map[string]any{"renewal_on": o.RenewalOn}, "Renewal ownership was not confirmed in time."))
	}
	next := o
	next.Renewal.AskedAt, next.Renewal.EscalatedAt = step.AskedAt, step.EscalatedAt
	step.Next = RenewalWake(next, set, now)
	if step.Next.Equal(now) {
		step.Next = now.Add(time.Second) // never loop on the same instant
	}
	_, err = s.Store.StepRenewal(ctx, step)
	return err
}

func nameOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// RenewalConfirmation says who owns a renewal: a vendor user (default: the actor)
// and, optionally, the partner that carries it (which becomes the account's
// incumbent partner).
type RenewalConfirmation struct {
	OwnerUserID string
	PartnerID   string
	Version     int
}

// ConfirmRenewal records who owns the renewal of an opportunity: it sets the owner,
// the renewal_owner field (the owner's name, and the partner's), stops the renewal
// timer and is audited. The vendor's people only.
func (s *Service) ConfirmRenewal(ctx context.Context, actor policy.Actor, actorName, id string, c RenewalConfirmation) (Opportunity, error) {
	if err := needVersion(c.Version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Opportunities, id)
	if err != nil {
		return Opportunity{}, err
	}
	var p tandem.Problems
	if before.Kind != KindRenewal {
		p.Add("kind", "is %s: only renewals have an owner to confirm", before.Kind)
	}
	owner := strings.TrimSpace(c.OwnerUserID)
	if owner == "" {
		owner = before.OwnerUserID
	}
	if owner == "" && actor.Kind == policy.ActorUser {
		owner = actor.UserID
	}
	ownerName := ""
	if owner == "" {
		p.Add("owner_user_id", "is required: say who owns the renewal")
	} else if ownerName, err = s.Store.InternalUser(ctx, actor.WorkspaceID, owner); tandem.KindOf(err) == tandem.KindNotFound {
		p.Add("owner_user_id", "is not a user of this workspace")
	} else if err != nil {
		return Opportunity{}, err
	}
	partnerID := strings.TrimSpace(c.PartnerID)
	if partnerID != "" {
		known, err := s.Store.KnownPartners(ctx, actor.WorkspaceID, []string{partnerID})
		if err != nil {
			return Opportunity{}, err
		}
		if !known[partnerID] {
			p.Add("partner_id", "is not a partner of this workspace")
		}
	}
	if err := p.Err("The renewal ownership cannot be confirmed."); err != nil {
		return Opportunity{}, err
	}
	if before.Version != c.Version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	now := s.Now().UTC()
	after := before
	after.OwnerUserID = owner
	label := ownerName
	if partnerID != "" {
		label += " with partner " + partnerID
	}
	d := map[string]string{}
	for k, v := range before.Details {
		d[k] = v
	}
	d["renewal_owner"] = label
	after.Details = d
	after.Renewal.ConfirmedAt, after.Renewal.ConfirmedBy, after.Renewal.WakeAt = now, audit.ActorID(actor), time.Time{}
	after.UpdatedAt, after.LastActivityAt, after.Version = now, now, c.Version+1
	e := audit.New(ctx, actor, actorName, now, "opportunity.renewal_confirm", "opportunity", id,
		map[string]any{"owner_user_id": before.OwnerUserID}, map[string]any{"owner_user_id": owner, "partner_id": partnerID}, "")
	w := Write{Opportunity: after, Expected: c.Version, Audit: []audit.Entry{e}, SetRenewal: true, IncumbentPartnerID: partnerID}
	return s.save(ctx, actor, w)
}

// RenewalSource lists renewal timers that are due.
type RenewalSource interface {
	DueRenewals(ctx context.Context, before time.Time, limit int) ([]RenewalArgs, error)
}

// SweepRenewals runs every renewal timer due by more than grace, in case its job was
// lost. A timer that fails does not hold up the others: it returns how many ran and
// every failure.
func (s *Service) SweepRenewals(ctx context.Context, src RenewalSource, grace time.Duration) (int, error) {
	due, err := src.DueRenewals(ctx, s.Now().Add(-grace), 500)
	if err != nil {
		return 0, err
	}
	return runDue(ctx, due, s.RenewalTick, func(a RenewalArgs) string { return "renewal timer of opportunity " + a.OpportunityID })
}
