package pipeline

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// MilestoneStatus is how far a plan milestone is.
type MilestoneStatus string

// The milestone statuses.
const (
	MilestoneOpen       MilestoneStatus = "open"
	MilestoneInProgress MilestoneStatus = "in_progress"
	MilestoneDone       MilestoneStatus = "done"
)

// Milestone is one dated commitment of a mutual action plan on an opportunity, owned
// by someone on the vendor's side or the partner's.
type Milestone struct {
	WorkspaceID   string
	ID            string
	OpportunityID string
	// Key names the milestone for exit criteria ("go_live"); optional, unique per plan.
	Key   string
	Title string
	// OwnerSide is SideVendor or SidePartner. A vendor-side owner is an internal
	// user (OwnerUserID). A partner-side milestone belongs to OwnerPartnerID, a
	// partner on the opportunity, and may name one of its users (OwnerUserID) or
	// contacts (OwnerContactID).
	OwnerSide      string
	OwnerUserID    string
	OwnerContactID string
	OwnerPartnerID string
	OwnerName      string
	DueOn          string // YYYY-MM-DD, or empty
	Status         MilestoneStatus
	Position       int
	DoneAt         time.Time
	// NudgeAt is when the overdue nudge runs (the end of the due day in the
	// workspace's time zone, as it was when the date was set); NudgedAt when it found
	// the milestone not done and told its owner.
	NudgeAt   time.Time
	NudgedAt  time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// Overdue reports whether m is not done and its due day has ended at now: its
// nudge time has come.
func (m Milestone) Overdue(now time.Time) bool {
	if m.Status == MilestoneDone || m.NudgeAt.IsZero() {
		return false
	}
	return !now.Before(m.NudgeAt)
}

// nudgeAt returns when the overdue nudge of m runs: midnight after the day it is due,
// in loc (the workspace's calendar), as a UTC time; zero when it is done or has no
// due date.
func nudgeAt(m Milestone, loc *time.Location) time.Time {
	if m.Status == MilestoneDone || m.DueOn == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, m.DueOn)
	if err != nil {
		return time.Time{}
	}
	next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	// Where a clock change skips midnight, time.Date may land in the due day's last
	// hour; the day ends at the first moment of the next one.
	for next.In(loc).Format(time.DateOnly) <= m.DueOn {
		next = next.Add(time.Hour)
	}
	return next.UTC()
}

// TemplateItem is one milestone of a motion's plan template: what, whose, and how
// many days after the plan is started it is due.
type TemplateItem struct {
	Key       string `json:"key"`
	Title     string `json:"title"`
	OwnerSide string `json:"owner_side"`
	DueDays   int    `json:"due_days"`
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// DefaultTemplates returns the plan templates a workspace starts with, one per
// motion, keyed by motion. Their keys include the milestones the default stage models
// ask for (proof_complete and go_live for services-led, joint_enablement and
// joint_proof for tech/ISV).
func DefaultTemplates() map[string][]TemplateItem {
	v, p := SideVendor, SidePartner
	return map[string][]TemplateItem{
		string(tandem.MotionReferral): {
			{"intro_meeting", "The partner introduces the decision maker", p, 7},
			{"discovery", "Discovery call held", v, 14},
			{"proposal", "Proposal sent", v, 30},
			{"decision", "Customer decision", p, 45},
		},
		string(tandem.MotionResale): {
			{"joint_demo", "Joint demo delivered", v, 14},
			{"quote", "Quote sent within the discount band", p, 21},
			{"order", "Order placed with the distributor", p, 45},
			{"launch", "Customer launched and enabled", p, 75},
		},
		string(tandem.MotionMarketplace): {
			{"listing", "Marketplace offer ready", v, 7},
			{"private_offer", "Private offer extended", v, 21},
			{"accepted", "Customer accepts the offer in the marketplace", p, 35},
		},
		string(tandem.MotionServices): {
			{"workshop", "Discovery workshop held", p, 14},
			{"proof_complete", "The proof or workshop is complete", p, 30},
			{"sow_signed", "Statement of work signed", p, 45},
			{"go_live", "The customer is live", p, 90},
		},
		string(tandem.MotionTech): {
			{"joint_enablement", "Joint seller enablement is done", v, 14},
			{"use_case", "Integration use case agreed", p, 21},
			{"joint_proof", "The joint proof point is done", p, 45},
		},
	}
}

const maxTemplateItems = 30

// validateTemplates reports every problem of the templates, by path
// ("plan_templates.referral[1].key").
func validateTemplates(ts map[string][]TemplateItem, p *tandem.Problems) {
	motions := make([]string, 0, len(ts))
	for m := range ts {
		motions = append(motions, m)
	}
	slices.Sort(motions)
	for _, m := range motions {
		base := "plan_templates." + m
		if _, err := tandem.ParseMotion(m); err != nil {
			p.Add(base, "is not a motion: use referral, resale, marketplace, services or tech")
			continue
		}
		items := ts[m]
		if len(items) > maxTemplateItems {
			p.Add(base, "must have at most %d milestones", maxTemplateItems)
			continue
		}
		seen := map[string]bool{}
		for i, it := range items {
			at := fmt.Sprintf("%s[%d]", base, i)
			switch {
			case !keyPattern.MatchString(it.Key):
				p.Add(at+".key", "must be lower-case letters, digits and underscores, starting with a letter (at most 40)")
			case seen[it.Key]:
				p.Add(at+".key", "%q is used twice", it.Key)
			}
			seen[it.Key] = true
			if t := strings.TrimSpace(it.Title); t == "" || utf8.RuneCountInString(t) > maxTitle {
				p.Add(at+".title", "is required and at most %d characters", maxTitle)
			}
			if it.OwnerSide != SideVendor && it.OwnerSide != SidePartner {
				p.Add(at+".owner_side", "must be vendor or partner")
			}
			if it.DueDays < 0 || it.DueDays > 365 {
				p.Add(at+".due_days", "must be from 0 to 365")
			}
		}
	}
}

const maxTitle = 200

// MilestoneInput describes a milestone to add, or with pointers what to change.
type MilestoneInput struct {
	Key            *string
	Title          *string
	OwnerSide      *string
	OwnerUserID    *string
	OwnerContactID *string
	OwnerPartnerID *string
	DueOn          *string
	Status         *string
}

// PlanWrite saves milestones of one opportunity in one transaction: each inserted
// (Expected 0) or updated while its stored version is still Expected; the
// opportunity's last activity; the audit entries; and, for every milestone with a
// NudgeAt, its nudge job (MilestoneArgs).
type PlanWrite struct {
	WorkspaceID, OpportunityID string
	Items                      []PlanItemWrite
	LastActivityAt             time.Time
	Audit                      []audit.Entry
}

// PlanItemWrite is one milestone of a PlanWrite.
type PlanItemWrite struct {
	Milestone Milestone
	Expected  int
}

// Plan returns the opportunity's milestones in plan order. A partner gets only the
// milestones its own organisation owns.
func (s *Service) Plan(ctx context.Context, actor policy.Actor, oppID string) ([]Milestone, error) {
	if _, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID); err != nil {
		return nil, err
	}
	if err := policy.Authorize(actor, policy.List, resource(policy.PlanItems, actor, "", nonEmpty(actor.PartnerID)...)); err != nil {
		return nil, err
	}
	ms, err := s.Store.ListMilestones(ctx, actor.WorkspaceID, oppID)
	if err != nil {
		return nil, err
	}
	if pid, ok := actor.PartnerOnly(); ok {
		ms = slices.DeleteFunc(ms, func(m Milestone) bool { return pid == "" || m.OwnerPartnerID != pid })
	}
	return ms, nil
}

func milestoneView(m Milestone) map[string]any {
	return map[string]any{"key": m.Key, "title": m.Title, "owner_side": m.OwnerSide, "owner_user_id": m.OwnerUserID,
		"owner_contact_id": m.OwnerContactID, "owner_partner_id": m.OwnerPartnerID, "due_on": m.DueOn, "status": m.Status}
}

// resolveOwner checks m's owner and fills its name: a vendor-side owner must be an
// internal user; a partner-side milestone needs a partner on the opportunity and may
// name one of its active users or contacts. Problems are added under "owner_…".
func (s *Service) resolveOwner(ctx context.Context, o Opportunity, m *Milestone, p *tandem.Problems) error {
	switch m.OwnerSide {
	case SideVendor:
		m.OwnerContactID, m.OwnerPartnerID, m.OwnerName = "", "", ""
		if m.OwnerUserID == "" {
			m.OwnerUserID = o.OwnerUserID
		}
		if m.OwnerUserID == "" {
			return nil
		}
		name, err := s.Store.InternalUser(ctx, o.WorkspaceID, m.OwnerUserID)
		if tandem.KindOf(err) == tandem.KindNotFound {
			p.Add("owner_user_id", "is not a user of this workspace")
			return nil
		}
		m.OwnerName = name
		return err
	case SidePartner:
		m.OwnerName = ""
		switch {
		case m.OwnerUserID != "":
			who, pid, err := s.Store.PartnerPerson(ctx, o.WorkspaceID, m.OwnerUserID)
			if tandem.KindOf(err) == tandem.KindNotFound {
				p.Add("owner_user_id", "is not a partner user of this workspace")
				return nil
			} else if err != nil {
				return err
			}
			m.OwnerName, m.OwnerPartnerID, m.OwnerContactID = who.Name, pid, ""
		case m.OwnerContactID != "":
			who, pid, err := s.Store.PartnerContact(ctx, o.WorkspaceID, m.OwnerContactID)
			if tandem.KindOf(err) == tandem.KindNotFound {
				p.Add("owner_contact_id", "is not a contact of a partner of this workspace")
				return nil
			} else if err != nil {
				return err
			}
			m.OwnerName, m.OwnerPartnerID = who.Name, pid
		case m.OwnerPartnerID == "":
			m.OwnerPartnerID = o.PartnerID
			if m.OwnerPartnerID == "" && len(o.Attribution) > 0 {
				m.OwnerPartnerID = o.Attribution[0].PartnerID
			}
		}
		if m.OwnerPartnerID == "" || !slices.Contains(o.Partners(), m.OwnerPartnerID) {
			p.Add("owner_partner_id", "must be a partner credited on this opportunity")
		}
		return nil
	}
	p.Add("owner_side", "must be vendor or partner")
	return nil
}

func validateMilestone(m Milestone, p *tandem.Problems) {
	if m.Key != "" && !keyPattern.MatchString(m.Key) {
		p.Add("key", "must be lower-case letters, digits and underscores, starting with a letter (at most 40)")
	}
	if t := m.Title; t == "" || utf8.RuneCountInString(t) > maxTitle {
		p.Add("title", "is required and at most %d characters", maxTitle)
	}
	if m.DueOn != "" {
		if _, err := time.Parse(time.DateOnly, m.DueOn); err != nil {
			p.Add("due_on", "must be a date written YYYY-MM-DD")
		}
	}
	switch m.Status {
	case MilestoneOpen, MilestoneInProgress, MilestoneDone:
	default:
		p.Add("status", "must be open, in_progress or done")
	}
}

func applyMilestone(m *Milestone, in MilestoneInput) {
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	str(&m.Key, in.Key)
	str(&m.Title, in.Title)
	str(&m.OwnerSide, in.OwnerSide)
	str(&m.OwnerUserID, in.OwnerUserID)
	str(&m.OwnerContactID, in.OwnerContactID)
	str(&m.OwnerPartnerID, in.OwnerPartnerID)
	str(&m.DueOn, in.DueOn)
	if in.Status != nil {
		m.Status = MilestoneStatus(strings.TrimSpace(*in.Status))
	}
}

// stamp sets what follows from m's status and due date at now, in the workspace's
// time zone loc: when it was done and when its overdue nudge runs (a changed due date
// or a reopened milestone may be nudged again).
func stamp(before, m *Milestone, now time.Time, loc *time.Location) {
	if m.Status == MilestoneDone && (before == nil || before.Status != MilestoneDone) {
		m.DoneAt = now
	}
	if m.Status != MilestoneDone {
		m.DoneAt = time.Time{}
	}
	m.NudgeAt = nudgeAt(*m, loc)
	if before != nil && !before.NudgeAt.Equal(m.NudgeAt) {
		m.NudgedAt = time.Time{}
	}
}

// AddMilestone adds a milestone to the opportunity's plan (the vendor's people). The
// owner defaults to the opportunity's owner on the vendor's side, and to its sourcing
// partner on the partner's; the status to open. Bad input is refused by field.
func (s *Service) AddMilestone(ctx context.Context, actor policy.Actor, actorName, oppID string, in MilestoneInput) (Milestone, error) {
	o, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID)
	if err != nil {
		return Milestone{}, err
	}
	if err := policy.Authorize(actor, policy.Create, resource(policy.PlanItems, actor, "", nonEmpty(actor.PartnerID)...)); err != nil {
		return Milestone{}, err
	}
	if actor.IsPartner() {
		return Milestone{}, tandem.Errorf(tandem.KindForbidden, "The vendor's team plans the milestones; you update your own.")
	}
	plan, err := s.Store.ListMilestones(ctx, actor.WorkspaceID, oppID)
	if err != nil {
		return Milestone{}, err
	}
	now := s.Now().UTC()
	m := Milestone{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("mst", now), OpportunityID: oppID, OwnerSide: SideVendor,
		Status: MilestoneOpen, Position: len(plan), CreatedAt: now, UpdatedAt: now, Version: 1}
	applyMilestone(&m, in)
	var p tandem.Problems
	validateMilestone(m, &p)
	if m.Key != "" && slices.ContainsFunc(plan, func(x Milestone) bool { return x.Key == m.Key }) {
		p.Add("key", "%q is already a milestone of this plan", m.Key)
	}
	if err := s.resolveOwner(ctx, o, &m, &p); err != nil {
		return Milestone{}, err
	}
	if err := p.Err("The milestone is not valid."); err != nil {
		return Milestone{}, err
	}
	loc, err := s.location(ctx, actor.WorkspaceID)
	if err != nil {
		return Milestone{}, err
	}
	stamp(nil, &m, now, loc)
	e := audit.New(ctx, actor, actorName, now, "opportunity.milestone_add", "opportunity", oppID, nil, milestoneView(m), "")
	w := PlanWrite{WorkspaceID: actor.WorkspaceID, OpportunityID: oppID, Items: []PlanItemWrite{{Milestone: m}}, LastActivityAt: now, Audit: []audit.Entry{e}}
	if err := s.Store.SavePlan(ctx, w); err != nil {
		return Milestone{}, err
	}
	return m, nil
}

// UpdateMilestone changes a milestone at version, which must be the version the
// caller read (a newer one is a conflict carrying the current milestone). The
// vendor's people change anything; a partner changes only the status of a milestone
// its own organisation owns — another partner's milestone is not found. Marking it
// done may complete an exit criterion of the stage model.
func (s *Service) UpdateMilestone(ctx context.Context, actor policy.Actor, actorName, oppID, id string, version int, in MilestoneInput) (Milestone, error) {
	if err := needVersion(version); err != nil {
		return Milestone{}, err
	}
	o, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID)
	if err != nil {
		return Milestone{}, err
	}
	before, err := s.Store.MilestoneByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Milestone{}, err
	}
	if before.OpportunityID != oppID {
		return Milestone{}, tandem.Errorf(tandem.KindNotFound, "That plan item does not exist.")
	}
	owners := []string{}
	if before.OwnerPartnerID != "" {
		owners = append(owners, before.OwnerPartnerID)
	}
	if err := policy.Authorize(actor, policy.Update, resource(policy.PlanItems, actor, id, owners...)); err != nil {
		return Milestone{}, err
	}
	if actor.IsPartner() {
		if in.Key != nil || in.Title != nil || in.OwnerSide != nil || in.OwnerUserID != nil || in.OwnerContactID != nil || in.OwnerPartnerID != nil || in.DueOn != nil {
			return Milestone{}, tandem.Invalid("The milestone is not valid.", tandem.FieldError{Path: "status", Detail: "is the only thing partners change; ask the vendor's team for the rest"})
		}
	}
	if before.Version != version {
		return Milestone{}, stale("plan item", before, before.Version)
	}
	after := before
	applyMilestone(&after, in)
	var p tandem.Problems
	validateMilestone(after, &p)
	if after.Key != before.Key && after.Key != "" {
		plan, err := s.Store.ListMilestones(ctx, actor.WorkspaceID, oppID)
		if err != nil {
			return Milestone{}, err
		}
		if slices.ContainsFunc(plan, func(x Milestone) bool { return x.Key == after.Key && x.ID != id }) {
			p.Add("key", "%q is already a milestone of this plan", after.Key)
		}
	}
	if after.OwnerSide != before.OwnerSide || after.OwnerUserID != before.OwnerUserID || after.OwnerContactID != before.OwnerContactID || after.OwnerPartnerID != before.OwnerPartnerID {
		if err := s.resolveOwner(ctx, o, &after, &p); err != nil {
			return Milestone{}, err
		}
	}
	if err := p.Err("The milestone is not valid."); err != nil {
		return Milestone{}, err
	}
	if audit.Diff(milestoneView(before), milestoneView(after)) == "" {
		return before, nil
	}
	loc, err := s.location(ctx, actor.WorkspaceID)
	if err != nil {
		return Milestone{}, err
	}
	now := s.Now().UTC()
	stamp(&before, &after, now, loc)
	after.UpdatedAt, after.Version = now, version+1
	e := audit.New(ctx, actor, actorName, now, "opportunity.milestone_update", "opportunity", oppID, milestoneView(before), milestoneView(after), "")
	w := PlanWrite{WorkspaceID: actor.WorkspaceID, OpportunityID: oppID, Items: []PlanItemWrite{{Milestone: after, Expected: version}}, LastActivityAt: now, Audit: []audit.Entry{e}}
	if err := s.Store.SavePlan(ctx, w); err != nil {
		if tandem.KindOf(err) == tandem.KindConflict {
			if cur, rerr := s.Store.MilestoneByID(ctx, actor.WorkspaceID, id); rerr == nil {
				return Milestone{}, stale("plan item", cur, cur.Version)
			}
		}
		return Milestone{}, err
	}
	return after, nil
}

// ApplyTemplate adds the motion's template milestones the plan does not have yet (by
// key), due the template's days after today, vendor-side ones owned by the
// opportunity's owner and partner-side ones by its sourcing partner. It returns the
// milestones added (none when the plan already has them all).
func (s *Service) ApplyTemplate(ctx context.Context, actor policy.Actor, actorName, oppID string) ([]Milestone, error) {
	o, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID)
	if err != nil {
		return nil, err
	}
	if err := policy.Authorize(actor, policy.Create, resource(policy.PlanItems, actor, "", nonEmpty(actor.PartnerID)...)); err != nil {
		return nil, err
	}
	if actor.IsPartner() {
		return nil, tandem.Errorf(tandem.KindForbidden, "The vendor's team plans the milestones; you update your own.")
	}
	set, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return nil, err
	}
	plan, err := s.Store.ListMilestones(ctx, actor.WorkspaceID, oppID)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	loc, err := s.location(ctx, actor.WorkspaceID)
	if err != nil {
		return nil, err
	}
	y, mo, d := now.In(loc).Date()
	today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	var added []Milestone
	var items []PlanItemWrite
	var p tandem.Problems
	for _, it := range set.Templates()[string(o.Motion)] {
		if slices.ContainsFunc(plan, func(x Milestone) bool { return x.Key == it.Key }) {
			continue
		}
		m := Milestone{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("mst", now), OpportunityID: oppID, Key: it.Key, Title: it.Title,
			OwnerSide: it.OwnerSide, DueOn: today.AddDate(0, 0, it.DueDays).Format(time.DateOnly), Status: MilestoneOpen,
			Position: len(plan) + len(added), CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := s.resolveOwner(ctx, o, &m, &p); err != nil {
			return nil, err
		}
		stamp(nil, &m, now, loc)
		added = append(added, m)
		items = append(items, PlanItemWrite{Milestone: m})
	}
	if err := p.Err("The template cannot be applied: the opportunity has no partner to own the partner's milestones. Credit a partner first."); err != nil {
		return nil, err
	}
	if len(added) == 0 {
		return nil, nil
	}
	keys := make([]string, len(added))
	for i, m := range added {
		keys[i] = m.Key
	}
	e := audit.New(ctx, actor, actorName, now, "opportunity.plan_template", "opportunity", oppID, nil, map[string]any{"milestones": keys}, "")
	if err := s.Store.SavePlan(ctx, PlanWrite{WorkspaceID: actor.WorkspaceID, OpportunityID: oppID, Items: items, LastActivityAt: now, Audit: []audit.Entry{e}}); err != nil {
		return nil, err
	}
	return added, nil
}

// PartnerMilestoneView is a milestone as a partner may see it. A test pins it to the
// policy's safe fields for plan items.
type PartnerMilestoneView struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	OwnerName string     `json:"owner_name"`
	OwnerSide string     `json:"owner_side"`
	DueOn     string     `json:"due_on"`
	Status    string     `json:"status"`
	DoneAt    *time.Time `json:"done_at"`
	// Version is what a status change must send back (see UpdateMilestone).
	Version int `json:"version"`
}

// ToPartnerMilestones returns milestones as partners see them.
func ToPartnerMilestones(ms []Milestone) []PartnerMilestoneView {
	out := make([]PartnerMilestoneView, len(ms))
	for i, m := range ms {
		out[i] = PartnerMilestoneView{ID: m.ID, Title: m.Title, OwnerName: m.OwnerName, OwnerSide: m.OwnerSide, DueOn: m.DueOn, Status: string(m.Status), Version: m.Version}
		if !m.DoneAt.IsZero() {
			d := m.DoneAt
			out[i].DoneAt = &d
		}
	}
	return out
}

// ---- The overdue nudge ----

// MilestoneArgs is the durable job that, at WakeMS (Unix milliseconds), nudges the
// owner of a milestone that is still not done after its due day.
type MilestoneArgs struct {
	WorkspaceID string `json:"workspace_id"`
	MilestoneID string `json:"milestone_id"`
	WakeMS      int64  `json:"wake_ms"`
}

// Kind names the job kind.
func (MilestoneArgs) Kind() string { return "milestone_nudge" }

// MilestoneFlag marks a milestone nudged at At, with what that tells people, in one
// transaction, while it is still not done, unnudged and due to be nudged at Wake;
// otherwise the store writes nothing and reports false.
type MilestoneFlag struct {
	WorkspaceID, MilestoneID string
	Wake, At                 time.Time
	Effects                  Effects
}

// NudgeTick runs a milestone's overdue nudge: when the milestone is still not done
// at its time, its owner is told — a vendor or partner user in the app and by email,
// a partner contact by email — and, when the owner cannot be reached, the
// opportunity's owner instead. A job for a milestone done, rescheduled or already
// nudged does nothing; one that runs early returns an *EarlyError.
func (s *Service) NudgeTick(ctx context.Context, a MilestoneArgs) error {
	m, err := s.Store.MilestoneByID(ctx, a.WorkspaceID, a.MilestoneID)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindNotFound {
			return nil
		}
		return err
	}
	if m.Status == MilestoneDone || m.NudgeAt.IsZero() || m.NudgeAt.UnixMilli() != a.WakeMS || !m.NudgedAt.IsZero() {
		return nil
	}
	now := s.Now().UTC()
	if wait := m.NudgeAt.Sub(now); wait > 0 {
		return &EarlyError{Wait: wait}
	}
	o, err := s.Store.OpportunityByID(ctx, a.WorkspaceID, m.OpportunityID)
	if err != nil {
		return err
	}
	if o.Status != Open {
		// A won or lost deal's plan is over: the timer is marked done without telling anyone.
		_, err = s.Store.FlagMilestone(ctx, MilestoneFlag{WorkspaceID: a.WorkspaceID, MilestoneID: m.ID, Wake: m.NudgeAt, At: now})
		return err
	}
	ws, err := s.Store.Workspace(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	title := "Overdue: " + m.Title
	body := fmt.Sprintf("The milestone “%s” of the plan for %s was due on %s and is not done yet.", m.Title, o.Name, m.DueOn)
	var fx Effects
	var who []Person
	link := consolePath(o)
	switch {
	case m.OwnerUserID != "":
		who, err = s.Store.People(ctx, a.WorkspaceID, []string{m.OwnerUserID})
		if m.OwnerSide == SidePartner {
			link = "/portal/pipeline/" + o.ID
		}
	case m.OwnerContactID != "":
		var p Person
		p, _, err = s.Store.PartnerContact(ctx, a.WorkspaceID, m.OwnerContactID)
		if err == nil && p.Email != "" {
			who = []Person{{Name: p.Name, Email: p.Email}}
		}
		if tandem.KindOf(err) == tandem.KindNotFound {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	if len(who) > 0 {
		if err := s.tell(&fx, ws, who, link, title, body); err != nil {
			return err
		}
	} else if err := s.tellOwner(ctx, &fx, ws, o, title, body); err != nil {
		return err
	}
	fx.Audit = append(fx.Audit, audit.New(ctx, policy.System(a.WorkspaceID), "plan timer", now, "opportunity.milestone_overdue", "opportunity", o.ID, nil,
		map[string]any{"milestone": m.Title, "due_on": m.DueOn}, "The milestone was not done by its due date; its owner was nudged."))
	_, err = s.Store.FlagMilestone(ctx, MilestoneFlag{WorkspaceID: a.WorkspaceID, MilestoneID: m.ID, Wake: m.NudgeAt, At: now, Effects: fx})
	return err
}

// MilestoneSource lists milestone nudges that are due and not yet run.
type MilestoneSource interface {
	DueMilestones(ctx context.Context, before time.Time, limit int) ([]MilestoneArgs, error)
}

// SweepMilestones runs every milestone nudge overdue by more than grace, in case its
// job was lost. A nudge that fails does not hold up the others: it returns how many
// ran and every failure.
func (s *Service) SweepMilestones(ctx context.Context, src MilestoneSource, grace time.Duration) (int, error) {
	due, err := src.DueMilestones(ctx, s.Now().Add(-grace), 500)
	if err != nil {
		return 0, err
	}
	return runDue(ctx, due, s.NudgeTick, func(a MilestoneArgs) string { return "nudge of milestone " + a.MilestoneID })
}

// location returns the workspace's time zone, in which milestone due dates are days.
func (s *Service) location(ctx context.Context, workspaceID string) (*time.Location, error) {
	ws, err := s.Store.Workspace(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return ws.Location(), nil
}
