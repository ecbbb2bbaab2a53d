package registration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/protection"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Action is a reviewer's decision.
type Action string

// The review decisions.
const (
	Approve     Action = "approve"
	Decline     Action = "decline"
	RequestInfo Action = "request_info"
)

// Decision is a reviewer's decision on an open registration.
type Decision struct {
	Action Action
	// Rationale is required: why, in the reviewer's words, kept internal.
	Rationale string
	// PartnerMessage is what the partner reads; for declines and information
	// requests it is required, for approvals optional.
	PartnerMessage string
	// Version is the version the reviewer saw; a registration changed since is not
	// decided over (conflict). Zero skips the check.
	Version int
}

// Decide records a reviewer's decision on an open registration: approval starts
// protection and converts it into an opportunity (linking the matched account, or
// creating one), a decline opens the appeal window, a request for information sends
// it back to the partner. The partner is told by email and in the portal.
func (s *Service) Decide(ctx context.Context, actor policy.Actor, actorName, id string, d Decision) (Registration, error) {
	r, err := s.load(ctx, actor, id, policy.Decide)
	if err != nil {
		return Registration{}, err
	}
	var p tandem.Problems
	d.Rationale, d.PartnerMessage = strings.TrimSpace(d.Rationale), strings.TrimSpace(d.PartnerMessage)
	switch d.Action {
	case Approve, Decline, RequestInfo:
	default:
		p.Add("action", "must be approve, decline or request_info")
	}
	if d.Rationale == "" {
		p.Add("rationale", "is required: say why, for the audit log and the other reviewers")
	}
	if (d.Action == Decline || d.Action == RequestInfo) && d.PartnerMessage == "" {
		p.Add("partner_message", "is required: tell the partner what was decided or what is needed")
	}
	if utf8.RuneCountInString(d.Rationale) > maxText || utf8.RuneCountInString(d.PartnerMessage) > maxText {
		p.Add("rationale", "must be at most %d characters", maxText)
	}
	if err := p.Err("The decision is not complete."); err != nil {
		return Registration{}, err
	}
	if d.Version != 0 && d.Version != r.Version {
		return Registration{}, tandem.Errorf(tandem.KindConflict, "This registration changed while you were reviewing it (now: %s). Reload it and decide again.", r.Status.Label())
	}
	if !r.Status.Open() || (r.Status == InfoRequested && d.Action == RequestInfo) {
		return Registration{}, tandem.Errorf(tandem.KindConflict, "This registration is %s and cannot be decided now.", strings.ToLower(r.Status.Label()))
	}
	ws, set, cal, p0, err := s.context(ctx, r)
	if err != nil {
		return Registration{}, err
	}
	now := s.Now().UTC()
	before := r
	var fx Effects
	appeal := r.Status == Appealed
	if d.Action == Approve {
		chain := set.Chain(r)
		who := Approving{UserID: actor.UserID, Role: actor.Role, PartnerOwnerID: p0.OwnerUserID}
		if p0.OwnerUserID != "" {
			reviewers, err := s.Store.Reviewers(ctx, r.WorkspaceID)
			if err != nil {
				return Registration{}, err
			}
			who.OwnerReviews = slices.ContainsFunc(reviewers, func(x Person) bool { return x.UserID == p0.OwnerUserID })
		}
		if err := MayApprove(chain, r.Approvals, who); err != nil {
			return Registration{}, err
		}
		step := StepApproval{Step: len(r.Approvals), Approver: chain[len(r.Approvals)], UserID: actor.UserID, Name: actorName, At: now, Rationale: d.Rationale}
		r.Approvals = append(slices.Clone(r.Approvals), step)
		if len(r.Approvals) < len(chain) {
			return s.stepApproval(ctx, actor, actorName, before, r, d, ws, p0, set, cal, now, chain)
		}
	}
	if d.Action != Approve {
		r.Approvals = nil
	}
	switch d.Action {
	case Approve:
		if err := s.approve(ctx, &r, &fx, set, now, actorName, d.Rationale, d.PartnerMessage); err != nil {
			return Registration{}, err
		}
	case Decline:
		r.Status, r.DecidedAt, r.DecidedBy, r.DecisionRationale, r.PartnerMessage = Declined, now, actorName, d.Rationale, d.PartnerMessage
		if dl, ok := protection.AppealDeadline(set.Protection, now); ok && r.Appeals < set.Protection.MaxAppeals {
			r.AppealDueAt = dl
		} else {
			r.AppealDueAt = time.Time{}
		}
	case RequestInfo:
		r.Status, r.PartnerMessage, r.DecisionRationale = InfoRequested, d.PartnerMessage, d.Rationale
	}
	if d.Action != RequestInfo {
		met := now.Before(r.ReviewDueAt)
		r.ReviewSLAMet = &met
	}
	r.UpdatedAt = now
	verb := map[Action]string{Approve: "registration.approve", Decline: "registration.decline", RequestInfo: "registration.request_info"}[d.Action]
	if appeal && d.Action != RequestInfo {
		verb = "registration.appeal_" + string(d.Action)
	}
	after := statusView(r)
	after["partner_message"] = r.PartnerMessage
	if r.ReviewSLAMet != nil {
		after["review_sla_met"] = *r.ReviewSLAMet
	}
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, verb, "registration", r.ID, statusView(before), after, d.Rationale))
	headline := map[Action]string{
		Approve:     "Your registration for %s is approved",
		Decline:     "Your registration for %s was declined",
		RequestInfo: "More information needed for %s",
	}[d.Action]
	line := r.PartnerMessage
	if d.Action == Approve {
		line = strings.TrimSpace("Protected until " + r.ProtectionExpiresAt(set.Protection).In(cal.Location()).Format("2 January 2006") + ". " + d.PartnerMessage)
	}
	if d.Action == Decline && !r.AppealDueAt.IsZero() {
		line += " You may appeal with evidence until " + r.AppealDueAt.In(cal.Location()).Format("2 January 2006") + "."
	}
	if err := s.update(&fx, ws, p0, r, fmt.Sprintf(headline, r.CustomerName), line); err != nil {
		return Registration{}, err
	}
	return s.save(ctx, r, before.Version, &fx, set, cal, now)
}

// load returns the registration the actor may do action on.
func (s *Service) load(ctx context.Context, actor policy.Actor, id string, action policy.Action) (Registration, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return Registration{}, err
	}
	if err := policy.Authorize(actor, action, resource(r)); err != nil {
		return Registration{}, err
	}
	return r, nil
}

// save schedules r's next timer and stores r with its effects, over the version it
// was read at; it returns r as stored.
func (s *Service) save(ctx context.Context, r Registration, expected int, fx *Effects, set Settings, cal *calendar.Calendar, now time.Time) (Registration, error) {
	fx.WakeAt = s.nextWake(set, cal, r, now)
	r.WakeAt = fx.WakeAt
	if err := s.Store.UpdateRegistration(ctx, r, expected, *fx); err != nil {
		return Registration{}, err
	}
	r.Version = expected + 1
	s.note(r)
	return r, nil
}

// stepApproval records one approval of r's chain that is not the last, and asks
// whoever may give the next one; the registration keeps waiting and the partner hears
// nothing yet. r already holds the new approval.
func (s *Service) stepApproval(ctx context.Context, actor policy.Actor, actorName string, before, r Registration, d Decision,
	ws workspace.Workspace, p partner.Partner, set Settings, cal *calendar.Calendar, now time.Time, chain []Approver) (Registration, error) {
	r.UpdatedAt = now
	done := len(r.Approvals)
	var fx Effects
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, "registration.step_approval", "registration", r.ID,
		map[string]any{"approvals": done - 1}, map[string]any{"approvals": done, "step": chain[done-1], "of": len(chain)}, d.Rationale))
	var people []Person
	var err error
	switch chain[done] {
	case ApproverAdmin:
		people, err = s.Store.Admins(ctx, r.WorkspaceID)
	default:
		people, err = s.Store.Reviewers(ctx, r.WorkspaceID)
		if err == nil {
			people = routeToOwner(people, p)
		}
	}
	if err != nil {
		return Registration{}, err
	}
	var next []Person
	for _, who := range people {
		if !slices.ContainsFunc(r.Approvals, func(a StepApproval) bool { return a.UserID == who.UserID }) {
			next = append(next, who)
		}
	}
	if err := s.tell(&fx, ws, next, r, fmt.Sprintf("Approval %d of %d needed: %s", done+1, len(chain), r.CustomerName),
		fmt.Sprintf("%s gave approval %d of %d for %s's registration of %s (%s); the next must come from %s.", actorName, done, len(chain), p.Name, r.CustomerName, r.Amount(), chain[done].Label())); err != nil {
		return Registration{}, err
	}
	return s.save(ctx, r, before.Version, &fx, set, cal, now)
}

// approve starts protection and converts r into an opportunity, linking the account
// the uniqueness test matched with certainty or creating one.
func (s *Service) approve(ctx context.Context, r *Registration, fx *Effects, set Settings, now time.Time, by, rationale, message string) error {
	r.Status, r.DecidedAt, r.DecidedBy, r.DecisionRationale = Approved, now, by, rationale
	r.ApprovedAt, r.WindowDays, r.AppealDueAt = now, set.Protection.WindowFor(r.Motion), time.Time{}
	r.EndedAt, r.RemindedFor, r.NoTouchFlaggedAt, r.ConversionFlaggedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	r.PartnerMessage = message
	if r.OpportunityID != "" {
		return nil
	}
	accountID := ""
	for _, c := range r.Candidates {
		if c.Kind == conflict.KindAccount && c.Decision == "match" {
			accountID = c.Ref
			break
		}
	}
	if accountID == "" {
		a := account.Account{WorkspaceID: r.WorkspaceID, ID: tandem.NewID("acc", now), Name: r.CustomerName, Domain: r.CustomerDomain,
			Country: r.CustomerCountry, CreatedAt: now, UpdatedAt: now}
		if err := a.Validate(); err != nil {
			return fmt.Errorf("convert registration %s: %w", r.ID, err)
		}
		fx.NewAccount, accountID = &a, a.ID
	}
	name := r.OpportunityName
	if name == "" {
		name = r.CustomerName + " — " + r.Motion.Label()
	}
	first := pipeline.FirstStage(r.Motion)
	if s.FirstStage != nil {
		var version int
		var err error
		if first, version, err = s.FirstStage(ctx, r.WorkspaceID, r.Motion); err != nil {
			return fmt.Errorf("convert registration %s: %w", r.ID, err)
		}
		fx.ModelVersion = &version
	}
	o := pipeline.Opportunity{WorkspaceID: r.WorkspaceID, ID: tandem.NewID("opp", now), AccountID: accountID, Name: name,
		AmountMinor: r.AmountMinor, Currency: r.Currency, CloseOn: r.ExpectedCloseOn, Motion: r.Motion, Stage: first,
		Status: pipeline.Open, PartnerID: r.PartnerID, RegistrationID: r.ID, LastActivityAt: now, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("convert registration %s: %w", r.ID, err)
	}
	fx.NewOpportunity = &o
	r.AccountID, r.OpportunityID, r.ConvertedAt = accountID, o.ID, now
	fx.Audit = append(fx.Audit, audit.New(ctx, policy.Actor{Kind: policy.ActorSystem, WorkspaceID: r.WorkspaceID}, "conversion", now,
		"registration.convert", "registration", r.ID, nil, map[string]any{"account_id": accountID, "opportunity_id": o.ID, "new_account": fx.NewAccount != nil}, ""))
	return nil
}

// Reply lets the partner answer a request for information; the registration goes
// back to the reviewers with the same deadline clock restarted.
func (s *Service) Reply(ctx context.Context, actor policy.Actor, actorName, id, text string) (Registration, error) {
	r, err := s.load(ctx, actor, id, policy.Update)
	if err != nil {
		return Registration{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxText {
		return Registration{}, tandem.Invalid("The reply is not complete.", tandem.FieldError{Path: "text", Detail: fmt.Sprintf("is required and at most %d characters", maxText)})
	}
	if r.Status != InfoRequested {
		return Registration{}, tandem.Errorf(tandem.KindConflict, "This registration is %s; nobody asked for more information.", strings.ToLower(r.Status.Label()))
	}
	ws, set, cal, p, err := s.context(ctx, r)
	if err != nil {
		return Registration{}, err
	}
	now := s.Now().UTC()
	before := r
	r.Status, r.UpdatedAt = Pending, now
	r.Proof = strings.TrimSpace(r.Proof + "\n\nReply " + now.Format("2006-01-02") + ": " + text)
	r.PartnerMessage = "Your answer is with the reviewers. " + set.describeSLA()
	r.ReviewDueAt = cal.AddBusiness(now, time.Duration(set.Protection.ReviewSLABusinessHours)*time.Hour).UTC()
	r.ReviewRemindedAt, r.ReviewEscalatedAt = time.Time{}, time.Time{}
	var fx Effects
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, "registration.reply", "registration", r.ID, statusView(before), statusView(r), text))
	if err := s.tellReviewers(ctx, &fx, ws, r, p, "Partner replied: "+r.CustomerName, fmt.Sprintf("%s answered your question about %s.", p.Name, r.CustomerName)); err != nil {
		return Registration{}, err
	}
	return s.save(ctx, r, before.Version, &fx, set, cal, now)
}

// Appeal reopens a declined registration for a second decision, with the partner's
// evidence, within the appeal window and the number of appeals allowed.
func (s *Service) Appeal(ctx context.Context, actor policy.Actor, actorName, id, evidence string) (Registration, error) {
	r, err := s.load(ctx, actor, id, policy.Update)
	if err != nil {
		return Registration{}, err
	}
	evidence = strings.TrimSpace(evidence)
	if evidence == "" || utf8.RuneCountInString(evidence) > maxText {
		return Registration{}, tandem.Invalid("The appeal is not complete.", tandem.FieldError{Path: "evidence", Detail: fmt.Sprintf("is required (what the reviewer should reconsider) and at most %d characters", maxText)})
	}
	if r.Status != Declined {
		return Registration{}, tandem.Errorf(tandem.KindConflict, "Only a declined registration can be appealed; this one is %s.", strings.ToLower(r.Status.Label()))
	}
	ws, set, cal, p, err := s.context(ctx, r)
	if err != nil {
		return Registration{}, err
	}
	now := s.Now().UTC()
	if err := protection.CanAppeal(set.Protection, r.DecidedAt, r.Appeals, now); err != nil {
		return Registration{}, err
	}
	before := r
	r.Status, r.Appeals, r.AppealText, r.UpdatedAt = Appealed, r.Appeals+1, evidence, now
	r.AppealDueAt = time.Time{}
	r.ReviewDueAt = cal.AddBusiness(now, time.Duration(set.Protection.AppealSLABusinessHours)*time.Hour).UTC()
	r.ReviewRemindedAt, r.ReviewEscalatedAt, r.ReviewSLAMet = time.Time{}, time.Time{}, nil
	r.PartnerMessage = fmt.Sprintf("Your appeal is with the reviewers; they decide within %d business hours.", set.Protection.AppealSLABusinessHours)
	var fx Effects
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, "registration.appeal", "registration", r.ID, statusView(before), statusView(r), evidence))
	if err := s.tellReviewers(ctx, &fx, ws, r, p, "Appeal: "+r.CustomerName, fmt.Sprintf("%s appealed the decline of %s.", p.Name, r.CustomerName)); err != nil {
		return Registration{}, err
	}
	return s.save(ctx, r, before.Version, &fx, set, cal, now)
}

// Extend lengthens an approved registration's protection within the workspace's
// limits; a reviewer grants it (partners ask through their manager).
func (s *Service) Extend(ctx context.Context, actor policy.Actor, actorName, id string, days int, reason string) (Registration, error) {
	r, err := s.load(ctx, actor, id, policy.Decide)
	if err != nil {
		return Registration{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Registration{}, tandem.Invalid("The extension is not complete.", tandem.FieldError{Path: "reason", Detail: "is required"})
	}
	ws, set, cal, p, err := s.context(ctx, r)
	if err != nil {
		return Registration{}, err
	}
	now := s.Now().UTC()
	if r.Status != Approved {
		return Registration{}, tandem.Errorf(tandem.KindConflict, "Only an approved registration can be extended; this one is %s.", strings.ToLower(r.Status.Label()))
	}
	pf, err := protection.Extend(set.Protection, r.protectionFacts(), days, false, now)
	if err != nil {
		return Registration{}, err
	}
	before := r
	r.withProtection(pf)
	r.UpdatedAt = now
	var fx Effects
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, "registration.extend", "registration", r.ID,
		map[string]any{"protection_expires_at": before.ProtectionExpiresAt(set.Protection)},
		map[string]any{"protection_expires_at": r.ProtectionExpiresAt(set.Protection), "days": days}, strings.TrimSpace(reason)))
	if err := s.update(&fx, ws, p, r, "Protection extended for "+r.CustomerName,
		fmt.Sprintf("Protected until %s.", r.ProtectionExpiresAt(set.Protection).In(cal.Location()).Format("2 January 2006"))); err != nil {
		return Registration{}, err
	}
	return s.save(ctx, r, before.Version, &fx, set, cal, now)
}

// context loads what a change to r needs: workspace, settings, calendar, partner.
func (s *Service) context(ctx context.Context, r Registration) (workspace.Workspace, Settings, *calendar.Calendar, partner.Partner, error) {
	ws, raw, err := s.Store.Workspace(ctx, r.WorkspaceID)
	if err != nil {
		return workspace.Workspace{}, Settings{}, nil, partner.Partner{}, err
	}
	set, err := ParseSettings(raw)
	if err != nil {
		return workspace.Workspace{}, Settings{}, nil, partner.Partner{}, fmt.Errorf("registration settings of workspace %s: %w", ws.Slug, err)
	}
	cal, err := ws.BusinessCalendar()
	if err != nil {
		return workspace.Workspace{}, Settings{}, nil, partner.Partner{}, fmt.Errorf("business calendar of workspace %s: %w", ws.Slug, err)
	}
	p, err := s.Store.PartnerByID(ctx, r.WorkspaceID, r.PartnerID)
	if err != nil {
		return workspace.Workspace{}, Settings{}, nil, partner.Partner{}, err
	}
	return ws, set, cal, p, nil
}

// nextWake is when r's timer must next run: the review reminder or deadline while it
// waits for a reviewer, the protection rules' next action once approved.
func (s *Service) nextWake(set Settings, cal *calendar.Calendar, r Registration, now time.Time) time.Time {
	if r.Status == Pending || r.Status == Appealed {
		if r.ReviewRemindedAt.IsZero() && set.RemindBeforeHours > 0 {
			if at := remindAt(set, cal, r); at.After(now) {
				return at
			}
			return now
		}
		if r.ReviewEscalatedAt.IsZero() {
			if r.ReviewDueAt.After(now) {
				return r.ReviewDueAt
			}
			return now
		}
		return time.Time{}
	}
	if r.Status == Approved {
		if next, ok := protection.Next(set.Protection, r.protectionFacts(), now); ok {
			return next.UTC()
		}
		if len(protection.Due(set.Protection, r.protectionFacts(), now)) > 0 {
			return now
		}
	}
	return time.Time{}
}

// remindAt is when reviewers are reminded of an open registration: RemindBeforeHours
// business hours before its deadline, but never before submission.
func remindAt(set Settings, cal *calendar.Calendar, r Registration) time.Time {
	sla := time.Duration(set.Protection.ReviewSLABusinessHours) * time.Hour
	before := time.Duration(set.RemindBeforeHours) * time.Hour
	if before >= sla {
		return r.UpdatedAt
	}
	// The deadline was computed from the last (re)submission; count forward from it.
	start := r.ReviewDueAt
	for _, c := range []time.Time{r.CreatedAt, r.UpdatedAt} {
		if cal.AddBusiness(c, sla).Equal(r.ReviewDueAt) {
			start = c
		}
	}
	if start.Equal(r.ReviewDueAt) {
		return r.ReviewDueAt.Add(-before)
	}
	return cal.AddBusiness(start, sla-before).UTC()
}

// Tick does whatever is due for the registration at its timer: remind or escalate an
// overdue review, or carry out protection actions (expiry reminder, expiry or
// automatic extension, no-touch and conversion flags). wake is the time the job was
// scheduled for; a job whose time is no longer the registration's is stale and does
// nothing, so a rescheduled timer never fires twice. Everything done is recorded on
// the registration in the same transaction.
func (s *Service) Tick(ctx context.Context, t TimerArgs) error {
	workspaceID, id := t.WorkspaceID, t.RegistrationID
	sys := policy.Actor{Kind: policy.ActorSystem, WorkspaceID: workspaceID}
	r, err := s.Store.RegistrationByID(ctx, workspaceID, id)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindNotFound {
			return nil
		}
		return err
	}
	if r.WakeAt.IsZero() || r.WakeAt.UnixMilli() != t.WakeMS {
		return nil // stale: the registration was rescheduled since
	}
	ws, set, cal, p, err := s.context(ctx, r)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	before := r
	var fx Effects
	loc := cal.Location()
	switch r.Status {
	case Pending, Appealed:
		if r.ReviewRemindedAt.IsZero() && set.RemindBeforeHours > 0 && !now.Before(remindAt(set, cal, r)) {
			r.ReviewRemindedAt = now
			fx.Audit = append(fx.Audit, audit.New(ctx, sys, "review timer", now, "registration.review_reminder", "registration", r.ID, nil, nil, ""))
			if err := s.tellReviewers(ctx, &fx, ws, r, p, "Decision due soon: "+r.CustomerName,
				fmt.Sprintf("The registration of %s by %s must be decided by %s.", r.CustomerName, p.Name, r.ReviewDueAt.In(loc).Format("Mon 2 Jan 15:04"))); err != nil {
				return err
			}
		}
		if r.ReviewEscalatedAt.IsZero() && !now.Before(r.ReviewDueAt) {
			r.ReviewEscalatedAt = now
			fx.Audit = append(fx.Audit, audit.New(ctx, sys, "review timer", now, "registration.review_overdue", "registration", r.ID, nil, nil,
				"The review deadline passed without a decision."))
			if err := s.escalate(ctx, &fx, ws, r, p, "Overdue: registration of "+r.CustomerName,
				fmt.Sprintf("The registration of %s by %s was due for a decision at %s and is still open.", r.CustomerName, p.Name, r.ReviewDueAt.In(loc).Format("Mon 2 Jan 15:04"))); err != nil {
				return err
			}
		}
	case Approved:
		pf := r.protectionFacts()
		for _, a := range protection.Due(set.Protection, pf, now) {
			switch a.Kind {
			case protection.ActionRemind:
				pf.RemindedFor = protection.Expiry(set.Protection, pf)
				if err := s.update(&fx, ws, p, r, "Protection ends soon for "+r.CustomerName,
					fmt.Sprintf("Your protection ends on %s. Ask your partner manager for an extension if the deal needs more time.", pf.RemindedFor.In(loc).Format("2 January 2006"))); err != nil {
					return err
				}
			case protection.ActionExpire:
				pf.EndedAt = a.At
				r.Status = Expired
				if err := s.update(&fx, ws, p, r, "Protection ended for "+r.CustomerName, "The protection window ended; the customer is open to other registrations again."); err != nil {
					return err
				}
			case protection.ActionAutoExtend:
				ext, err := protection.AutoExtend(set.Protection, pf, now)
				if err != nil {
					return err
				}
				pf = ext
			case protection.ActionFlagNoTouch:
				pf.NoTouchFlaggedAt = now
				if err := s.tellReviewers(ctx, &fx, ws, r, p, "No activity: "+r.CustomerName,
					fmt.Sprintf("%s's protected registration of %s has had no activity for %d days; consider reassigning it.", p.Name, r.CustomerName, set.Protection.NoTouchDays)); err != nil {
					return err
				}
			case protection.ActionConversionOverdue:
				pf.ConversionFlaggedAt = now
				if err := s.tellReviewers(ctx, &fx, ws, r, p, "Not converted: "+r.CustomerName,
					fmt.Sprintf("The approved registration of %s has no opportunity yet.", r.CustomerName)); err != nil {
					return err
				}
			}
			fx.Audit = append(fx.Audit, audit.New(ctx, sys, "protection timer", now, "registration."+string(a.Kind), "registration", r.ID, nil,
				map[string]any{"due_at": a.At, "days": a.Days}, ""))
		}
		r.withProtection(pf)
	}
	if len(fx.Audit) == 0 {
		if wait := r.WakeAt.Sub(now); wait > 0 {
			return &EarlyError{Wait: wait} // the job ran before its time: try again then
		}
		fx.Audit = append(fx.Audit, audit.New(ctx, sys, "timer", now, "registration.timer_reset", "registration", r.ID, nil, nil, "Nothing was due; the next timer was recomputed."))
	}
	r.UpdatedAt = now
	fx.WakeAt = s.nextWake(set, cal, r, now)
	r.WakeAt = fx.WakeAt
	if err := s.Store.UpdateRegistration(ctx, r, before.Version, fx); err != nil {
		return err
	}
	s.note(r)
	return nil
}

// TimerSource lists timers that are overdue.
type TimerSource interface {
	DueTimers(ctx context.Context, now time.Time, limit int) ([]TimerArgs, error)
}

// Sweep runs every registration timer that is overdue by more than grace, in case its
// job was lost; Tick's checks make a timer that already ran do nothing. A timer that
// fails does not hold up the others: it returns how many ran and every failure.
func (s *Service) Sweep(ctx context.Context, src TimerSource, grace time.Duration) (int, error) {
	due, err := src.DueTimers(ctx, s.Now().Add(-grace), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, a := range due {
		err := s.Tick(ctx, a)
		var early *EarlyError
		if err != nil && !errors.As(err, &early) {
			errs = append(errs, fmt.Errorf("registration %s timer: %w", a.RegistrationID, err))
			continue // one broken registration must not hold up everyone else's timers
		}
		n++
	}
	return n, errors.Join(errs...)
}

// TimerArgs is the durable job that runs Tick for one registration at WakeMS (Unix
// milliseconds), the wake time the registration recorded when the job was queued.
type TimerArgs struct {
	WorkspaceID    string `json:"workspace_id"`
	RegistrationID string `json:"registration_id"`
	WakeMS         int64  `json:"wake_ms"`
}

// Kind names the job kind.
func (TimerArgs) Kind() string { return "registration_timer" }

// EarlyError says a timer ran before its time and should run again after Wait.
type EarlyError struct{ Wait time.Duration }

func (e *EarlyError) Error() string { return fmt.Sprintf("registration timer ran %s early", e.Wait) }

// tellReviewers notifies the reviewers of r in the console's bell and by email: the
// partner's manager (its owner) when that person is an active reviewer, and every
// reviewer otherwise.
func (s *Service) tellReviewers(ctx context.Context, fx *Effects, ws workspace.Workspace, r Registration, p partner.Partner, title, body string) error {
	people, err := s.Store.Reviewers(ctx, r.WorkspaceID)
	if err != nil {
		return err
	}
	return s.tell(fx, ws, routeToOwner(people, p), r, title, body)
}

// routeToOwner narrows reviewers to p's owner when the owner is one of them.
func routeToOwner(reviewers []Person, p partner.Partner) []Person {
	for _, who := range reviewers {
		if p.OwnerUserID != "" && who.UserID == p.OwnerUserID {
			return []Person{who}
		}
	}
	return reviewers
}

// ManagerSource gives the person an internal user reports to.
type ManagerSource interface {
	// ManagerOf returns the active internal user whom userID reports to, and false
	// when there is none (no manager set, or the manager was deactivated).
	ManagerOf(ctx context.Context, workspaceID, userID string) (Person, bool, error)
}

// escalate tells the workspace's admins, the partner's manager when that person is
// a reviewer but not an admin, and the one that partner manager reports to (when the
// store knows reporting lines and one is set), that r needs attention. Nobody is told
// twice.
func (s *Service) escalate(ctx context.Context, fx *Effects, ws workspace.Workspace, r Registration, p partner.Partner, title, body string) error {
	admins, err := s.Store.Admins(ctx, r.WorkspaceID)
	if err != nil {
		return err
	}
	has := func(id string) bool {
		return slices.ContainsFunc(admins, func(a Person) bool { return a.UserID == id })
	}
	if p.OwnerUserID != "" && !has(p.OwnerUserID) {
		reviewers, err := s.Store.Reviewers(ctx, r.WorkspaceID)
		if err != nil {
			return err
		}
		if owner := routeToOwner(reviewers, p); len(owner) == 1 && owner[0].UserID == p.OwnerUserID {
			admins = append(admins, owner[0])
		}
	}
	if ms, ok := s.Store.(ManagerSource); ok && p.OwnerUserID != "" {
		m, found, err := ms.ManagerOf(ctx, r.WorkspaceID, p.OwnerUserID)
		if err != nil {
			return err
		}
		if found && !has(m.UserID) {
			admins = append(admins, m)
		}
	}
	return s.tell(fx, ws, admins, r, title, body)
}

// tell notifies people in-app and by email about r.
func (s *Service) tell(fx *Effects, ws workspace.Workspace, people []Person, r Registration, title, body string) error {
	now := s.Now().UTC()
	for _, who := range people {
		fx.Notifications = append(fx.Notifications, notify.New(r.WorkspaceID, who.UserID, title, body, s.consolePath(r), now))
		if who.Email == "" || s.Mail == nil {
			continue
		}
		m, err := s.message(ws, who.Email, who.Name, "notice", map[string]any{
			"WorkspaceName": ws.Name, "PersonName": who.Name, "Title": title, "Body": body, "Link": s.BaseURL + s.consolePath(r),
		})
		if err != nil {
			return err
		}
		fx.Messages = append(fx.Messages, m)
	}
	return nil
}

// confirm queues the submitter's confirmation email.
func (s *Service) confirm(fx *Effects, ws workspace.Workspace, p partner.Partner, r Registration, status string) error {
	if r.SubmitterEmail == "" || s.Mail == nil {
		return nil
	}
	m, err := s.message(ws, r.SubmitterEmail, r.SubmitterName, "registration_confirmation", map[string]any{
		"WorkspaceName": ws.Name, "PartnerName": p.Name, "CustomerName": r.CustomerName, "ReferenceID": r.ID,
		"StatusLine": status, "Link": s.BaseURL + s.partnerPath(r),
	})
	if err != nil {
		return err
	}
	fx.Messages = append(fx.Messages, m)
	return nil
}

// update tells the submitter (email and, for partner users, the bell) what changed.
func (s *Service) update(fx *Effects, ws workspace.Workspace, p partner.Partner, r Registration, headline, line string) error {
	now := s.Now().UTC()
	if r.SubmittedBy != "" {
		fx.Notifications = append(fx.Notifications, notify.New(r.WorkspaceID, r.SubmittedBy, headline, line, s.partnerPath(r), now))
	}
	if r.SubmitterEmail == "" || s.Mail == nil {
		return nil
	}
	m, err := s.message(ws, r.SubmitterEmail, r.SubmitterName, "registration_update", map[string]any{
		"WorkspaceName": ws.Name, "PartnerName": p.Name, "CustomerName": r.CustomerName, "ReferenceID": r.ID,
		"Headline": headline, "StatusLine": line, "Link": s.BaseURL + s.partnerPath(r),
	})
	if err != nil {
		return err
	}
	fx.Messages = append(fx.Messages, m)
	return nil
}

func (s *Service) message(ws workspace.Workspace, to, toName, template string, data map[string]any) (outbox.Message, error) {
	subject, text, html, err := s.Mail.Render(template, data)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("render %s email: %w", template, err)
	}
	now := s.Now().UTC()
	return outbox.Message{WorkspaceID: ws.ID, ID: tandem.NewID("msg", now), To: to, ToName: toName,
		Subject: subject, Text: text, HTML: html, Status: outbox.Queued, CreatedAt: now}, nil
}

// CanAppeal reports whether the partner may still appeal a decline at now.
func (r Registration) CanAppeal(now time.Time) bool {
	return r.Status == Declined && !r.AppealDueAt.IsZero() && now.Before(r.AppealDueAt)
}

// Withdraw ends a registration: the partner withdraws its own (waiting or protected),
// or a reviewer releases one — for instance a protected registration flagged for
// going untouched — so that the customer is open to others again. The reason is
// required and kept in the audit log; the partner is told.
func (s *Service) Withdraw(ctx context.Context, actor policy.Actor, actorName, id, reason string) (Registration, error) {
	action := policy.Update
	if !actor.IsPartner() {
		action = policy.Decide
	}
	r, err := s.load(ctx, actor, id, action)
	if err != nil {
		return Registration{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxText {
		return Registration{}, tandem.Invalid("The reason is missing.", tandem.FieldError{Path: "reason", Detail: fmt.Sprintf("is required and at most %d characters", maxText)})
	}
	if !r.Competes() {
		return Registration{}, tandem.Errorf(tandem.KindConflict, "This registration is %s already.", strings.ToLower(r.Status.Label()))
	}
	ws, set, cal, p, err := s.context(ctx, r)
	if err != nil {
		return Registration{}, err
	}
	now := s.Now().UTC()
	before := r
	r.Status, r.UpdatedAt = Withdrawn, now
	if !r.ApprovedAt.IsZero() && r.EndedAt.IsZero() {
		r.EndedAt = now
	}
	var fx Effects
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, "registration.withdraw", "registration", r.ID, statusView(before), statusView(r), reason))
	if actor.IsPartner() {
		r.PartnerMessage = "You withdrew this registration: " + reason
		if err := s.tellReviewers(ctx, &fx, ws, r, p, "Withdrawn: "+r.CustomerName, fmt.Sprintf("%s withdrew its registration of %s: %s", p.Name, r.CustomerName, reason)); err != nil {
			return Registration{}, err
		}
	} else {
		r.PartnerMessage = "Released by " + ws.Name + ": " + reason
		if err := s.update(&fx, ws, p, r, "Your registration for "+r.CustomerName+" was released", reason); err != nil {
			return Registration{}, err
		}
	}
	return s.save(ctx, r, before.Version, &fx, set, cal, now)
}
