// Package offboard ends a partnership in one step (SPEC B7): the partner moves to
// offboarded, every one of its people loses access at once (sessions ended, sign-in
// and registration links revoked, API tokens revoked), its open registrations close
// and its open opportunities pass to a vendor owner chosen by the manager — or back
// to the vendor, unassigned — all in one transaction with one audit entry. Nothing is
// deleted: registrations, opportunities, attribution, notes and the audit log stay
// readable. An offboarded partner comes back only through onboarding.
package offboard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Impact is what offboarding a partner would touch, shown before confirming.
type Impact struct {
	People        int // partner users who still have access
	Sessions      int // their signed-in sessions
	Registrations int // open registrations: waiting for a decision or protected
	Opportunities int // open opportunities the partner sourced or is credited on
	Links         int // registration links not yet revoked
	Tokens        int // API tokens not yet revoked
}

// Record is one offboarding as kept.
type Record struct {
	WorkspaceID   string
	ID            string
	PartnerID     string
	OwnerUserID   string // "" when the deals went back to the vendor unassigned
	Reason        string
	UsersEnded    int
	Registrations []string // closed
	Opportunities []string // reassigned
	ActorID       string
	ActorName     string
	At            time.Time
}

// Plan is one offboarding for the store to carry out in one transaction.
type Plan struct {
	Record
	From     partner.Lifecycle
	Expected time.Time // the partner's UpdatedAt as read
	Change   partner.Change
	Audit    audit.Entry // its Changes are filled by the store with what was done
	// Notice tells the new owner what they received (nil when there is no owner);
	// its Body is completed by the store with the counts.
	Notice *notify.Notification
}

// Store is what offboarding needs from persistence.
type Store interface {
	// PartnerByID returns one partner of the workspace, or a not-found error.
	PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error)
	// InternalUserName returns the name (or email) of an active internal user, or a
	// not-found error.
	InternalUserName(ctx context.Context, workspaceID, userID string) (string, error)
	// OffboardImpact counts what offboarding the partner would touch.
	OffboardImpact(ctx context.Context, workspaceID, partnerID string, now time.Time) (Impact, error)
	// Offboard carries out p in one transaction: it fails with a conflict, changing
	// nothing, when the partner changed since p.Expected. It returns the record with
	// what was done.
	Offboard(ctx context.Context, p Plan) (Record, error)
	// Offboardings lists the partner's offboardings, newest first.
	Offboardings(ctx context.Context, workspaceID, partnerID string) ([]Record, error)
}

// Service offboards partners.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Input is a manager's offboarding request.
type Input struct {
	// OwnerUserID is the active internal user who takes over the partner's open
	// deals; empty returns them to the vendor unassigned.
	OwnerUserID string
	Reason      string
	// Confirmed must be true: offboarding ends people's access at once.
	Confirmed bool
}

// Preview returns the partner and what offboarding it would touch.
func (s *Service) Preview(ctx context.Context, actor policy.Actor, partnerID string) (partner.Partner, Impact, error) {
	if err := policy.Authorize(actor, policy.Delete, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: partnerID}); err != nil {
		return partner.Partner{}, Impact{}, err
	}
	p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, partnerID)
	if err != nil {
		return partner.Partner{}, Impact{}, err
	}
	im, err := s.Store.OffboardImpact(ctx, actor.WorkspaceID, partnerID, s.Now().UTC())
	return p, im, err
}

// History lists the partner's offboardings, newest first.
func (s *Service) History(ctx context.Context, actor policy.Actor, partnerID string) ([]Record, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: partnerID}); err != nil {
		return nil, err
	}
	return s.Store.Offboardings(ctx, actor.WorkspaceID, partnerID)
}

// Offboard offboards the partner as described by in. Invalid input (no
// confirmation, an owner who is not an active internal user, a reason over 2000
// characters) is a KindInvalid error naming the fields; a partner that may not move
// to offboarded (it already is) is a KindInvalid error on "lifecycle". Nothing
// changes unless everything does.
func (s *Service) Offboard(ctx context.Context, actor policy.Actor, actorName, partnerID string, in Input) (Record, error) {
	if err := policy.Authorize(actor, policy.Delete, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: partnerID}); err != nil {
		return Record{}, err
	}
	p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, partnerID)
	if err != nil {
		return Record{}, err
	}
	var pr tandem.Problems
	in.Reason, in.OwnerUserID = strings.TrimSpace(in.Reason), strings.TrimSpace(in.OwnerUserID)
	if !in.Confirmed {
		pr.Add("confirm", "confirm that %s's people lose access now and its open deals are handed over", p.Name)
	}
	if len(in.Reason) > 2000 {
		pr.Add("reason", "must be at most 2000 characters")
	}
	if in.OwnerUserID != "" {
		_, err = s.Store.InternalUserName(ctx, actor.WorkspaceID, in.OwnerUserID)
		if tandem.KindOf(err) == tandem.KindNotFound {
			pr.Add("owner_user_id", "must be an active internal user of this workspace, or empty to return the deals to the vendor")
		} else if err != nil {
			return Record{}, err
		}
	}
	if err := partner.CheckMove(p.Lifecycle, partner.Offboarded); err != nil {
		pr = append(pr, tandem.FieldsOf(err)...)
	}
	if err := pr.Err("The partner cannot be offboarded as asked."); err != nil {
		return Record{}, err
	}
	now := s.Now().UTC()
	rationale := in.Reason
	plan := Plan{
		Record: Record{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("off", now), PartnerID: p.ID, OwnerUserID: in.OwnerUserID, Reason: in.Reason,
			ActorID: audit.ActorID(actor), ActorName: actorName, At: now},
		From: p.Lifecycle, Expected: p.UpdatedAt,
		Change: partner.Change{ID: tandem.NewID("plc", now), PartnerID: p.ID, From: p.Lifecycle, To: partner.Offboarded, At: now,
			ActorID: audit.ActorID(actor), ActorName: actorName, Rationale: rationale},
		Audit: audit.New(ctx, actor, actorName, now, "partner.offboard", "partner", p.ID, nil, nil, rationale),
	}
	if in.OwnerUserID != "" {
		n := notify.New(actor.WorkspaceID, in.OwnerUserID, fmt.Sprintf("%s was offboarded; its open deals are yours", p.Name),
			"", "/pipeline?owner="+in.OwnerUserID, now)
		plan.Notice = &n
	}
	return s.Store.Offboard(ctx, plan)
}
