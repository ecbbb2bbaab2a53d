package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// OpportunityInput describes an opportunity to create, or with pointers the fields to
// change. Fields merges into Details: a key with an empty value removes it.
type OpportunityInput struct {
	AccountID   *string
	Name        *string
	AmountMinor *int64
	Currency    *string
	CloseOn     *string
	OwnerUserID *string
	NextStep    *string
	Fields      map[string]string
	// Kind is new (default), renewal or expansion; RenewalOn a renewal's date.
	Kind      *string
	RenewalOn *string
	// Only on creation: the motion (required), the stage to start in (default: the
	// model's first; a later one must meet every exit criterion before it) and the
	// sourcing partner, credited at 100% until attribution is recorded.
	Motion    tandem.Motion
	Stage     string
	PartnerID string
	// Only on creation: NewAccount, used when AccountID is empty, is an account to
	// create with the opportunity in the same transaction (its problems are reported
	// under "account."); Attribution, when not nil, is the partners credited from the
	// start, checked as SetAttribution checks them, and its first sourced entry
	// becomes the sourcing partner in place of PartnerID.
	NewAccount  *AccountInput
	Attribution []attribution.Entry
}

// auditView is what the audit log records of an opportunity: its saved fields.
func auditView(o Opportunity) map[string]any {
	return map[string]any{"account_id": o.AccountID, "name": o.Name, "amount_minor": o.AmountMinor, "currency": o.Currency,
		"close_on": o.CloseOn, "motion": o.Motion, "stage": o.Stage, "status": o.Status, "owner_user_id": o.OwnerUserID,
		"next_step": o.NextStep, "partner_id": o.PartnerID, "registration_id": o.RegistrationID, "fields": o.Details,
		"kind": o.Kind, "renewal_on": o.RenewalOn}
}

// ListOpportunities returns one page of opportunities matching f. A partner actor
// sees only the opportunities its organisation is attributed on.
func (s *Service) ListOpportunities(ctx context.Context, actor policy.Actor, f Filter, after string, limit int) ([]Opportunity, bool, error) {
	var named []string
	if f.PartnerID != "" {
		named = []string{f.PartnerID}
	}
	if err := policy.Authorize(actor, policy.List, resource(policy.Opportunities, actor, "", named...)); err != nil {
		return nil, false, err
	}
	if p, ok := actor.PartnerOnly(); ok {
		f.PartnerID = p
	}
	var probs tandem.Problems
	if f.Motion != "" {
		if _, err := tandem.ParseMotion(string(f.Motion)); err != nil {
			probs.Add("motion", "%s", tandem.MessageOf(err))
		}
	}
	switch f.Status {
	case "", Open, Won, Lost:
	default:
		probs.Add("status", "must be open, won or lost")
	}
	f.CloseFrom, f.CloseTo = strings.TrimSpace(f.CloseFrom), strings.TrimSpace(f.CloseTo)
	dates := 0
	for _, d := range []struct{ path, v string }{{"close_from", f.CloseFrom}, {"close_to", f.CloseTo}} {
		if _, err := time.Parse(time.DateOnly, d.v); d.v != "" && err != nil {
			probs.Add(d.path, "must be a date (YYYY-MM-DD)")
		} else if d.v != "" {
			dates++
		}
	}
	if dates == 2 && f.CloseTo < f.CloseFrom {
		probs.Add("close_to", "must not be before close_from")
	}
	if err := probs.Err("The filter is not valid."); err != nil {
		return nil, false, err
	}
	f.InactiveBefore, f.FollowUpDueBy = time.Time{}, time.Time{}
	if actor.IsPartner() && f.Attention != "" {
		return nil, false, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "attention", Detail: "is for the vendor's people"})
	}
	if err := s.attentionFilter(ctx, actor.WorkspaceID, &f); err != nil {
		return nil, false, err
	}
	f.Query = strings.TrimSpace(f.Query)
	return s.Store.ListOpportunities(ctx, actor.WorkspaceID, f, after, limit)
}

// load reads an opportunity and checks that actor may do action to it; partners who
// are not attributed on it learn only that it is not found.
func (s *Service) load(ctx context.Context, actor policy.Actor, action policy.Action, kind policy.Kind, id string) (Opportunity, error) {
	// Refuse what the role may never do before reading anything.
	if err := policy.Authorize(actor, action, resource(kind, actor, id, actor.PartnerID)); err != nil {
		return Opportunity{}, err
	}
	o, err := s.Store.OpportunityByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Opportunity{}, err
	}
	if err := policy.Authorize(actor, action, resource(kind, actor, id, o.Partners()...)); err != nil {
		return Opportunity{}, err
	}
	return o, nil
}

// Opportunity returns one opportunity the actor may see.
func (s *Service) Opportunity(ctx context.Context, actor policy.Actor, id string) (Opportunity, error) {
	return s.load(ctx, actor, policy.Read, policy.Opportunities, id)
}

// StageHistory returns the opportunity's stage changes, oldest first.
func (s *Service) StageHistory(ctx context.Context, actor policy.Actor, id string) ([]StageChange, error) {
	if _, err := s.load(ctx, actor, policy.Read, policy.Opportunities, id); err != nil {
		return nil, err
	}
	return s.Store.StageHistory(ctx, actor.WorkspaceID, id)
}

func applyOpportunity(o *Opportunity, in OpportunityInput) {
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	str(&o.AccountID, in.AccountID)
	str(&o.Name, in.Name)
	str(&o.CloseOn, in.CloseOn)
	str(&o.OwnerUserID, in.OwnerUserID)
	str(&o.NextStep, in.NextStep)
	str(&o.RenewalOn, in.RenewalOn)
	if in.Kind != nil {
		o.Kind = Kind(strings.TrimSpace(*in.Kind))
		if o.Kind == "" {
			o.Kind = KindNew
		}
	}
	if in.Currency != nil {
		o.Currency = strings.ToUpper(strings.TrimSpace(*in.Currency))
	}
	if in.AmountMinor != nil {
		o.AmountMinor = *in.AmountMinor
	}
	if len(in.Fields) > 0 {
		d := maps.Clone(o.Details)
		if d == nil {
			d = map[string]string{}
		}
		for k, v := range in.Fields {
			if v = strings.TrimSpace(v); v == "" {
				delete(d, k)
			} else {
				d[k] = v
			}
		}
		o.Details = d
	}
}

// checkRefs adds a field error for an account, owner or partner the opportunity names
// that the workspace does not have.
func (s *Service) checkRefs(ctx context.Context, before, after Opportunity, p *tandem.Problems) error {
	if after.AccountID != "" && after.AccountID != before.AccountID {
		_, err := s.Store.AccountByID(ctx, after.WorkspaceID, after.AccountID)
		switch {
		case tandem.KindOf(err) == tandem.KindNotFound:
			p.Add("account_id", "is not an account of this workspace")
		case err != nil:
			return err
		}
	}
	if after.OwnerUserID != before.OwnerUserID {
		if err := s.checkOwner(ctx, after.WorkspaceID, after.OwnerUserID, "owner_user_id", p); err != nil {
			return err
		}
	}
	if after.PartnerID != "" && after.PartnerID != before.PartnerID {
		known, err := s.Store.KnownPartners(ctx, after.WorkspaceID, []string{after.PartnerID})
		if err != nil {
			return err
		}
		if !known[after.PartnerID] {
			p.Add("partner_id", "is not a partner of this workspace")
		}
	}
	return nil
}

func validate(o Opportunity, p tandem.Problems) error {
	p = append(p, tandem.FieldsOf(o.Validate())...)
	return p.Err("The opportunity is not valid.")
}

// facts gathers what the exit criteria of o's model md ask about o, and returns md
// as the rules judge it: where the workspace has discount bands, its discount
// criteria ask for a granted discount and say so (see GuardDiscount).
func (s *Service) facts(ctx context.Context, o Opportunity, md stage.Model) (stage.Facts, stage.Model, error) {
	approved := false
	if o.RegistrationID != "" {
		var err error
		if approved, err = s.Store.RegistrationApproved(ctx, o.WorkspaceID, o.RegistrationID); err != nil {
			return stage.Facts{}, stage.Model{}, err
		}
	}
	set, err := s.Settings(ctx, o.WorkspaceID)
	if err != nil {
		return stage.Facts{}, stage.Model{}, err
	}
	bands := len(set.PricingConfig().Bands) > 0
	f := Facts(o, approved, bands)
	if bands {
		md = GuardDiscount(md)
	}
	if o.ID != "" {
		plan, err := s.Store.ListMilestones(ctx, o.WorkspaceID, o.ID)
		if err != nil {
			return stage.Facts{}, stage.Model{}, err
		}
		for _, m := range plan {
			if m.Key != "" && m.Status == MilestoneDone {
				f.Milestones[m.Key] = true
			}
		}
		kinds, err := s.Store.AttachedKinds(ctx, o.WorkspaceID, o.ID)
		if err != nil {
			return stage.Facts{}, stage.Model{}, err
		}
		for _, k := range kinds {
			f.Attachments[k] = true
		}
	}
	return f, md, nil
}

// Missing returns what a move of o to `to` would miss, by the rule MoveStage applies,
// as field errors (empty when the move is allowed or cannot be judged).
func (s *Service) Missing(ctx context.Context, o Opportunity, to string) ([]tandem.FieldError, error) {
	md, err := s.model(ctx, o.WorkspaceID, o.Motion)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindInvalid {
			return nil, nil
		}
		return nil, err
	}
	facts, md, err := s.facts(ctx, o, md)
	if err != nil {
		return nil, err
	}
	from := o.Stage
	if from != stage.Lost && md.Index(from) < 0 {
		from = ""
	}
	need, err := md.Missing(from, to, facts)
	if err != nil {
		return nil, nil
	}
	out := make([]tandem.FieldError, 0, len(need))
	for _, n := range need {
		out = append(out, tandem.FieldError{Path: n.Path, Detail: n.Text + " (needed to leave " + md.Label(n.Stage) + ")"})
	}
	return out, nil
}

// CreateOpportunity validates in and saves it as a new opportunity with its first
// stage-history entry, audited. Starting past the model's first stage is refused,
// like a stage change, with every exit criterion it misses.
func (s *Service) CreateOpportunity(ctx context.Context, actor policy.Actor, actorName string, in OpportunityInput) (Opportunity, error) {
	named := nonEmpty(in.PartnerID)
	if in.Attribution != nil {
		if actor.IsPartner() {
			return Opportunity{}, tandem.Errorf(tandem.KindForbidden, "Partners cannot set the attribution of an opportunity.")
		}
		named = nil
		for _, e := range in.Attribution {
			named = append(named, nonEmpty(e.PartnerID)...)
		}
	}
	if err := policy.Authorize(actor, policy.Create, resource(policy.Opportunities, actor, "", named...)); err != nil {
		return Opportunity{}, err
	}
	// Crediting partners decides what they are paid: it needs the right to change
	// attribution, as SetAttribution does, not only the right to create.
	if len(in.Attribution) > 0 {
		if err := policy.Authorize(actor, policy.Update, resource(policy.Attribution, actor, "", named...)); err != nil {
			return Opportunity{}, err
		}
	}
	now := s.Now().UTC()
	o := Opportunity{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("opp", now), Motion: in.Motion, Status: Open,
		PartnerID: strings.TrimSpace(in.PartnerID), LastActivityAt: now, CreatedAt: now, UpdatedAt: now, Version: 1, Kind: KindNew}
	applyOpportunity(&o, in)
	var p tandem.Problems
	// before is what the opportunity is compared with for its references: an account
	// created with it is new, not one to look up.
	var before Opportunity
	var newAccount *Account
	if in.NewAccount != nil && o.AccountID != "" {
		p.Add("account", "give either account_id or a new account, not both")
	}
	if in.Attribution != nil && strings.TrimSpace(in.PartnerID) != "" {
		p.Add("partner_id", "give either partner_id or attribution, not both: attribution's first sourced partner is the sourcing partner")
	}
	if in.NewAccount != nil && o.AccountID == "" {
		a, err := s.newAccount(ctx, actor, *in.NewAccount, now, &p)
		if err != nil {
			return Opportunity{}, err
		}
		newAccount, o.AccountID, before.AccountID = &a, a.ID, a.ID
	}
	if in.Attribution != nil {
		o.Attribution = slices.Clone(in.Attribution)
		o.PartnerID = sourcing(o.Attribution)
		if err := s.checkAttribution(ctx, actor.WorkspaceID, o.Attribution, &p); err != nil {
			return Opportunity{}, err
		}
	}
	if err := s.checkRefs(ctx, before, o, &p); err != nil {
		return Opportunity{}, err
	}
	if err := validate(o, p); err != nil {
		return Opportunity{}, err
	}
	m, modelVersion, err := s.modelAt(ctx, o.WorkspaceID, o.Motion)
	if err != nil {
		return Opportunity{}, err
	}
	o.Stage = strings.TrimSpace(in.Stage)
	if o.Stage == "" {
		o.Stage = m.Stages[0].Key
	}
	if o.PartnerID != "" && in.Attribution == nil {
		o.Attribution = []attribution.Entry{{PartnerID: o.PartnerID, Kind: attribution.Sourced, Percent: attribution.Hundred}}
	}
	facts, m, err := s.facts(ctx, o, m)
	if err != nil {
		return Opportunity{}, err
	}
	if err := stage.CheckMove(m, "", o.Stage, facts); err != nil {
		return Opportunity{}, err
	}
	o.Status = StatusAt(m, o.Stage)
	if err := s.scheduleRenewal(ctx, Opportunity{}, &o, now); err != nil {
		return Opportunity{}, err
	}
	w := Write{Opportunity: o, SetRenewal: true, ModelVersion: &modelVersion,
		Stage: &StageChange{WorkspaceID: o.WorkspaceID, ID: tandem.NewID("stg", now), OpportunityID: o.ID, To: o.Stage, At: now,
			ActorID: audit.ActorID(actor), ActorName: actorName},
		Audit: []audit.Entry{audit.New(ctx, actor, actorName, now, "opportunity.create", "opportunity", o.ID, nil, auditView(o), "")}}
	if in.Attribution != nil {
		entries := o.Attribution
		w.Attribution = &entries
		view := auditView(o)
		view["attribution"] = entries
		w.Audit[0] = audit.New(ctx, actor, actorName, now, "opportunity.create", "opportunity", o.ID, nil, view, "")
	}
	if newAccount != nil {
		w.Account = newAccount
		w.Audit = append([]audit.Entry{audit.New(ctx, actor, actorName, now, "account.create", "account", newAccount.ID, nil, *newAccount, "")}, w.Audit...)
	}
	if err := s.Store.SaveOpportunity(ctx, w); err != nil {
		return Opportunity{}, err
	}
	return s.Store.OpportunityByID(ctx, actor.WorkspaceID, o.ID)
}

// newAccount builds the account an opportunity is created with, adding its problems
// to p under "account.".
func (s *Service) newAccount(ctx context.Context, actor policy.Actor, in AccountInput, now time.Time, p *tandem.Problems) (Account, error) {
	if err := policy.Authorize(actor, policy.Create, resource(policy.Accounts, actor, "")); err != nil {
		return Account{}, err
	}
	a := Account{Account: account.Account{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("acc", now), CreatedAt: now, UpdatedAt: now}, Version: 1}
	applyAccount(&a, in)
	var ap tandem.Problems
	if err := s.checkOwner(ctx, actor.WorkspaceID, a.OwnerUserID, "owner_user_id", &ap); err != nil {
		return Account{}, err
	}
	if err := s.checkIncumbent(ctx, a, &ap); err != nil {
		return Account{}, err
	}
	for _, fe := range tandem.FieldsOf(validateAccount(a, ap)) {
		p.Add("account."+fe.Path, "%s", fe.Detail)
	}
	return a, nil
}

// sourcing returns the partner of the first sourced entry, or "".
func sourcing(entries []attribution.Entry) string {
	for _, e := range entries {
		if e.Kind == attribution.Sourced {
			return e.PartnerID
		}
	}
	return ""
}

// checkAttribution adds to p every problem of the entries: against the workspace's
// attribution rules (attribution.Validate) and partners the workspace does not have.
func (s *Service) checkAttribution(ctx context.Context, workspaceID string, entries []attribution.Entry, p *tandem.Problems) error {
	cfg, err := s.AttributionConfig(ctx, workspaceID)
	if err != nil {
		return err
	}
	if verr := attribution.Validate(entries, cfg); verr != nil {
		if tandem.KindOf(verr) != tandem.KindInvalid {
			return verr
		}
		*p = append(*p, tandem.FieldsOf(verr)...)
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.PartnerID != "" {
			ids = append(ids, e.PartnerID)
		}
	}
	known, err := s.Store.KnownPartners(ctx, workspaceID, ids)
	if err != nil {
		return err
	}
	for i, e := range entries {
		if e.PartnerID != "" && !known[e.PartnerID] {
			p.Add(fmt.Sprintf("%s[%d].partner_id", attribution.Path, i), "%q is not a partner of this workspace", e.PartnerID)
		}
	}
	return nil
}

func nonEmpty(s string) []string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return []string{s}
}

// UpdateOpportunity applies the non-nil fields of in to the opportunity at version,
// which must be the version the caller read; a newer stored version is a conflict
// whose error carries the current opportunity (CurrentOf). The motion, stage and
// partners change only through MoveStage and SetAttribution.
func (s *Service) UpdateOpportunity(ctx context.Context, actor policy.Actor, actorName, id string, version int, in OpportunityInput) (Opportunity, error) {
	if err := needVersion(version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Opportunities, id)
	if err != nil {
		return Opportunity{}, err
	}
	if before.Version != version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	after := before
	applyOpportunity(&after, in)
	var p tandem.Problems
	if err := s.checkRefs(ctx, before, after, &p); err != nil {
		return Opportunity{}, err
	}
	if err := validate(after, p); err != nil {
		return Opportunity{}, err
	}
	if audit.Diff(auditView(before), auditView(after)) == "" {
		return before, nil
	}
	now := s.Now().UTC()
	after.UpdatedAt, after.LastActivityAt, after.Version = now, now, version+1
	if err := s.scheduleRenewal(ctx, before, &after, now); err != nil {
		return Opportunity{}, err
	}
	w := Write{Opportunity: after, Expected: version, SetRenewal: after.Renewal != before.Renewal,
		Audit: []audit.Entry{audit.New(ctx, actor, actorName, now, "opportunity.update", "opportunity", id, auditView(before), auditView(after), "")}}
	return s.save(ctx, actor, w)
}

// save writes w and returns the opportunity as stored, or on a lost race the
// conflict error carrying the current opportunity.
func (s *Service) save(ctx context.Context, actor policy.Actor, w Write) (Opportunity, error) {
	if err := s.Store.SaveOpportunity(ctx, w); err != nil {
		if tandem.KindOf(err) == tandem.KindConflict && !errors.Is(err, ErrStageModelChanged) {
			if cur, rerr := s.Store.OpportunityByID(ctx, actor.WorkspaceID, w.Opportunity.ID); rerr == nil {
				return Opportunity{}, stale("opportunity", cur, cur.Version)
			}
		}
		return Opportunity{}, err
	}
	return s.Store.OpportunityByID(ctx, actor.WorkspaceID, w.Opportunity.ID)
}

// StageMove asks for an opportunity to move to another stage of its model (or to
// stage.Lost). Version is the version the caller read; Note, if any, is recorded in
// the audit log as the reason.
type StageMove struct {
	To      string
	Version int
	Note    string
}

// MoveStage moves the opportunity to m.To when its stage model allows it: forward
// moves need every exit criterion of the stages left behind. A refusal is a
// KindInvalid error with one field error per missing criterion, each naming the
// field, attribution, milestone, attachment or registration it needs, so every
// transport can say exactly what is missing. An allowed move updates the status
// (won from the model's won stage on, lost in stage.Lost), records the stage history
// and the audit entry in one transaction.
func (s *Service) MoveStage(ctx context.Context, actor policy.Actor, actorName, id string, m StageMove) (Opportunity, error) {
	if err := needVersion(m.Version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Opportunities, id)
	if err != nil {
		return Opportunity{}, err
	}
	if before.Version != m.Version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	to := strings.TrimSpace(m.To)
	if to == before.Stage {
		return before, nil
	}
	md, modelVersion, err := s.modelAt(ctx, before.WorkspaceID, before.Motion)
	if err != nil {
		return Opportunity{}, err
	}
	facts, md, err := s.facts(ctx, before, md)
	if err != nil {
		return Opportunity{}, err
	}
	from := before.Stage
	if from != stage.Lost && md.Index(from) < 0 {
		from = "" // a stage the model no longer has: judge the move as from the start
	}
	if err := stage.CheckMove(md, from, to, facts); err != nil {
		return Opportunity{}, err
	}
	now := s.Now().UTC()
	after := before
	after.Stage, after.Status = to, StatusAt(md, to)
	after.UpdatedAt, after.LastActivityAt, after.Version = now, now, m.Version+1
	w := Write{Opportunity: after, Expected: m.Version, ModelVersion: &modelVersion,
		Stage: &StageChange{WorkspaceID: after.WorkspaceID, ID: tandem.NewID("stg", now), OpportunityID: id, From: before.Stage, To: to, At: now,
			ActorID: audit.ActorID(actor), ActorName: actorName},
		Audit: []audit.Entry{audit.New(ctx, actor, actorName, now, "opportunity.stage", "opportunity", id,
			map[string]any{"stage": before.Stage, "status": before.Status}, map[string]any{"stage": after.Stage, "status": after.Status},
			strings.TrimSpace(m.Note))}}
	return s.save(ctx, actor, w)
}

// ---- Attribution ----

// AttributionConfig returns the workspace's attribution rules.
func (s *Service) AttributionConfig(ctx context.Context, workspaceID string) (attribution.Config, error) {
	raw, err := s.Store.AttributionSettings(ctx, workspaceID)
	if err != nil {
		return attribution.Config{}, err
	}
	if len(raw) == 0 {
		return attribution.DefaultConfig(), nil
	}
	cfg, err := attribution.ParseConfig(raw)
	if err != nil {
		return attribution.Config{}, fmt.Errorf("attribution settings of workspace %s: %w", workspaceID, err)
	}
	return cfg, nil
}

// Attribution returns the opportunity and the partners credited on it. A partner
// actor gets only its own organisation's entry: partners on the same opportunity never
// see each other's shares.
func (s *Service) Attribution(ctx context.Context, actor policy.Actor, id string) (Opportunity, []attribution.Entry, error) {
	o, err := s.load(ctx, actor, policy.Read, policy.Attribution, id)
	if err != nil {
		return Opportunity{}, nil, err
	}
	entries := slices.Clone(o.Attribution)
	if p, ok := actor.PartnerOnly(); ok {
		entries = slices.DeleteFunc(entries, func(e attribution.Entry) bool { return e.PartnerID != p })
	}
	return o, entries, nil
}

// AttributionChange replaces the partners credited on an opportunity. Reason says
// why and is required; Version is the opportunity version the caller read.
type AttributionChange struct {
	Entries []attribution.Entry
	Reason  string
	Version int
}

// SetAttribution validates the entries against the workspace's rules (attribution.
// Validate: one sourcing partner unless split sourcing is allowed, percentages from 0
// to 100, the total rule) and that every partner exists, reporting every problem with
// its field path ("attribution[1].percent"); then it saves them with the who and why
// in the audit log. The opportunity's sourcing partner becomes the first sourced
// entry, or none.
func (s *Service) SetAttribution(ctx context.Context, actor policy.Actor, actorName, id string, ch AttributionChange) (Opportunity, error) {
	if err := needVersion(ch.Version); err != nil {
		return Opportunity{}, err
	}
	before, err := s.load(ctx, actor, policy.Update, policy.Attribution, id)
	if err != nil {
		return Opportunity{}, err
	}
	var probs tandem.Problems
	if err := s.checkAttribution(ctx, actor.WorkspaceID, ch.Entries, &probs); err != nil {
		return Opportunity{}, err
	}
	reason := strings.TrimSpace(ch.Reason)
	if reason == "" {
		probs.Add("reason", "is required: say why the credit changes")
	}
	if err := probs.Err("The attribution is not valid."); err != nil {
		return Opportunity{}, err
	}
	if before.Version != ch.Version {
		return Opportunity{}, stale("opportunity", before, before.Version)
	}
	change := attribution.Diff(before.Attribution, ch.Entries)
	if change.Empty() {
		return before, nil
	}
	now := s.Now().UTC()
	after := before
	after.PartnerID = sourcing(ch.Entries)
	entries := slices.Clone(ch.Entries)
	if entries == nil {
		entries = []attribution.Entry{}
	}
	after.Attribution = entries
	after.UpdatedAt, after.Version = now, ch.Version+1
	e := audit.New(ctx, actor, actorName, now, "opportunity.attribution", "opportunity", id,
		map[string]any{"attribution": before.Attribution, "partner_id": before.PartnerID},
		map[string]any{"attribution": entries, "partner_id": after.PartnerID}, reason+" ("+change.String()+")")
	return s.save(ctx, actor, Write{Opportunity: after, Expected: ch.Version, Attribution: &entries, Audit: []audit.Entry{e}})
}
