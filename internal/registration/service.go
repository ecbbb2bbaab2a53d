package registration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Person is someone the service tells about a registration.
type Person struct {
	UserID string
	Name   string
	Email  string
}

// AccountFacts is an account the uniqueness test found, with what the conflict policy
// needs to know about who owns it.
type AccountFacts struct {
	account.Account
	OwnerUserID        string // the direct-sales owner, if any
	OwnerName          string
	IncumbentPartnerID string // the partner of record on the customer, if any
	Opportunities      []pipeline.Opportunity
}

// Facts are the records behind the uniqueness test's hits, loaded in one go.
type Facts struct {
	Accounts      map[string]AccountFacts
	Registrations map[string]Registration
	Partners      map[string]partner.Partner
}

// Effects are what a change causes besides the registration row itself; the store
// writes them all in the change's transaction.
type Effects struct {
	Audit         []audit.Entry
	Messages      []outbox.Message
	Notifications []notify.Notification
	// NewAccount and NewOpportunity are created by a conversion.
	NewAccount     *account.Account
	NewOpportunity *pipeline.Opportunity
	// ModelVersion, with NewOpportunity, is the version of the stage model its stage
	// was read from: the write fails with a conflict when the model changed since.
	ModelVersion *int
	// WakeAt is when the registration's timer should next run (zero: no timer). The
	// store records it on the registration and schedules a TimerArgs job for it.
	WakeAt time.Time
	// UseLinkID counts one use of the signed action link the change came through, in
	// the same transaction: a used-up or revoked link fails the whole change.
	UseLinkID string
}

// Filter narrows a list of registrations.
type Filter struct {
	PartnerID string   // only this partner's registrations
	Statuses  []Status // only these statuses
	Query     string   // customer name contains
	// ByDeadline orders open registrations by review deadline (the reviewer's queue)
	// instead of by id; pagination then uses the deadline cursor.
	ByDeadline bool
}

// Store is what the service needs from persistence.
type Store interface {
	MatchSource
	// Workspace returns the workspace and its raw registration settings.
	Workspace(ctx context.Context, workspaceID string) (workspace.Workspace, []byte, error)
	// PartnerByID returns one partner, or a not-found error.
	PartnerByID(ctx context.Context, workspaceID, id string) (partner.Partner, error)
	// CandidateFacts loads the accounts (with their open opportunities), registrations
	// and the partners behind them.
	CandidateFacts(ctx context.Context, workspaceID string, accountIDs, registrationIDs []string) (Facts, error)
	// Reviewers lists the active internal users who review registrations (admins and
	// partner managers).
	Reviewers(ctx context.Context, workspaceID string) ([]Person, error)
	// Admins lists the active administrators, who hear of breached deadlines.
	Admins(ctx context.Context, workspaceID string) ([]Person, error)
	// CreateRegistration saves a new registration and its effects together.
	CreateRegistration(ctx context.Context, r Registration, fx Effects) error
	// RegistrationByID returns one registration, or a not-found error.
	RegistrationByID(ctx context.Context, workspaceID, id string) (Registration, error)
	// UpdateRegistration saves r and its effects together when the stored version is
	// still expected (and stores expected+1); otherwise it fails with a conflict.
	UpdateRegistration(ctx context.Context, r Registration, expected int, fx Effects) error
	// ListRegistrations returns one page of registrations matching f after the cursor.
	ListRegistrations(ctx context.Context, workspaceID string, f Filter, after string, limit int) ([]Registration, bool, error)
}

// Mailer renders email templates (outbox.Renderer).
type Mailer = outbox.Renderer

// Service is the one place deal registrations are submitted, decided and timed;
// every transport calls it.
type Service struct {
	Store   Store
	Finder  *Finder
	Mail    Mailer
	Now     func() time.Time
	BaseURL string
	// TierRanks, when set, gives the rank of each of the workspace's program tiers
	// (by lower-cased name); it then replaces the ranks kept in the settings, so the
	// program's tiers are the one list eligibility and conflict rules read.
	TierRanks func(ctx context.Context, workspaceID string) (map[string]int, error)
	// FirstStage, when set, gives the stage of the workspace's model of the motion an
	// approved registration's opportunity starts in, and the version of the stored
	// model it comes from (0: the default); unset, the default model's first.
	FirstStage func(ctx context.Context, workspaceID string, m tandem.Motion) (string, int, error)
	// Certifications, when set, tells which certifications partners hold; the
	// certification eligibility rules and the conflict policy's certification rule
	// read it. Without it no partner holds any.
	Certifications CertificationSource
}

// CertificationSource tells which certifications partners hold (package
// certification).
type CertificationSource interface {
	// ValidKeys returns, per partner, the keys of the certifications its organisation
	// or its people hold valid at t.
	ValidKeys(ctx context.Context, workspaceID string, partnerIDs []string, at time.Time) (map[string][]string, error)
	// Names returns the catalogue's certification names by key.
	Names(ctx context.Context, workspaceID string) (map[string]string, error)
}

// Receipt is what the submitter learns at once: the registration as they may see it
// and one sentence about what happens next. It never names another party.
type Receipt struct {
	Registration Registration
	Message      string
	// MayCollide is true when the uniqueness test found something; the partner is
	// told only that a reviewer will look.
	MayCollide bool
	// Settings are the workspace's registration settings the submission was judged by.
	Settings Settings
}

// Submit validates a submission, runs the uniqueness test and the conflict policy,
// saves the registration with its confirmation and notifications, and schedules its
// review timer. Invalid input is a KindInvalid error naming every bad field, and
// nothing is saved.
func (s *Service) Submit(ctx context.Context, actor policy.Actor, actorName string, ch Channel, in Input) (Receipt, error) {
	r, fx, rc, err := s.prepare(ctx, actor, actorName, ch, in, nil)
	if err != nil {
		return Receipt{}, err
	}
	if err := s.Store.CreateRegistration(ctx, r, fx); err != nil {
		return Receipt{}, err
	}
	s.note(r)
	return rc, nil
}

// prepare does everything Submit does short of saving: it returns the registration,
// the effects to save with it and the submitter's receipt. batch holds registrations
// prepared earlier in the same upload and not saved yet, which the uniqueness test
// must see too.
func (s *Service) prepare(ctx context.Context, actor policy.Actor, actorName string, ch Channel, in Input, batch map[string]Registration) (Registration, Effects, Receipt, error) {
	if actor.IsPartner() && in.PartnerID == "" {
		in.PartnerID = actor.PartnerID
	}
	if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Registrations, WorkspaceID: actor.WorkspaceID, Partners: []string{in.PartnerID}}); err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	ws, raw, err := s.Store.Workspace(ctx, actor.WorkspaceID)
	if err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	set, err := ParseSettings(raw)
	if err != nil {
		return Registration{}, Effects{}, Receipt{}, fmt.Errorf("registration settings of workspace %s: %w", ws.Slug, err)
	}
	r, err := normalize(in, ch, set, ws.Currency)
	if err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, r.PartnerID)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindNotFound {
			return Registration{}, Effects{}, Receipt{}, tandem.Invalid("The registration is not complete.", tandem.FieldError{Path: "partner_id", Detail: "is not a partner of this workspace"})
		}
		return Registration{}, Effects{}, Receipt{}, err
	}
	if err := eligible(p, r.Motion); err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	if err := s.withinLimits(ctx, set, p, r, batch); err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	now := s.Now().UTC()
	r.WorkspaceID, r.ID, r.Channel, r.Status = actor.WorkspaceID, tandem.NewID("reg", now), ch, Pending
	r.CreatedAt, r.UpdatedAt, r.Version = now, now, 1
	if actor.Kind == policy.ActorUser || actor.Kind == policy.ActorPartnerUser || actor.Kind == policy.ActorToken {
		r.SubmittedBy = actor.UserID
	}
	if r.SubmitterName == "" {
		r.SubmitterName = actorName
	}

	res, cands, err := s.uniqueness(ctx, set, p, r, now, batch)
	if err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	r.Ruling, r.ConflictType, r.ConflictRule = res.Ruling, res.Type, res.Rule
	r.PartnerMessage, r.InternalExplanation, r.Candidates = res.PartnerExplanation, res.InternalExplanation, cands

	cal, err := ws.BusinessCalendar()
	if err != nil {
		return Registration{}, Effects{}, Receipt{}, fmt.Errorf("business calendar of workspace %s: %w", ws.Slug, err)
	}
	r.ReviewDueAt = cal.AddBusiness(now, time.Duration(set.Protection.ReviewSLABusinessHours)*time.Hour).UTC()

	var fx Effects
	fx.Audit = append(fx.Audit, audit.New(ctx, actor, actorName, now, "registration.submit", "registration", r.ID, nil, auditView(r), ""))
	auto := set.AutoApprove.Enabled && res.Ruling == conflict.Approve && res.Reason == conflict.ReasonNoCollision &&
		set.TierRank(p.Tier) >= set.AutoApprove.MinTierRank && !set.needsSeveral(r)
	message := "Received. " + set.describeSLA()
	if len(cands) > 0 {
		message = "Received. This company may already be in progress with us; a reviewer will decide. " + set.describeSLA()
	}
	if auto {
		before := r
		if err := s.approve(ctx, &r, &fx, set, now, "automatic", "Approved automatically: nothing competes for this customer and the partner's tier qualifies.", ""); err != nil {
			return Registration{}, Effects{}, Receipt{}, err
		}
		fx.Audit = append(fx.Audit, audit.New(ctx, policy.Actor{Kind: policy.ActorSystem, WorkspaceID: r.WorkspaceID}, "automatic approval", now,
			"registration.approve", "registration", r.ID, statusView(before), statusView(r), r.DecisionRationale))
		message = "Approved. Your protection runs until " + r.ProtectionExpiresAt(set.Protection).In(cal.Location()).Format("2 January 2006") + "."
	} else {
		r.PartnerMessage = message
		if err := s.tellReviewers(ctx, &fx, ws, r, p, "New registration: "+r.CustomerName,
			fmt.Sprintf("%s registered %s; decide by %s.", p.Name, r.CustomerName, r.ReviewDueAt.In(cal.Location()).Format("Mon 2 Jan 15:04"))); err != nil {
			return Registration{}, Effects{}, Receipt{}, err
		}
	}
	if err := s.confirm(&fx, ws, p, r, message); err != nil {
		return Registration{}, Effects{}, Receipt{}, err
	}
	if r.SubmittedBy != "" && actor.IsPartner() {
		fx.Notifications = append(fx.Notifications, notify.New(r.WorkspaceID, r.SubmittedBy, "Registration received: "+r.CustomerName, message, s.partnerPath(r), now))
	}
	fx.WakeAt = s.nextWake(set, cal, r, now)
	r.WakeAt = fx.WakeAt
	if actor.Kind == policy.ActorLink && actor.Link != nil {
		fx.UseLinkID = actor.Link.LinkID
	}
	return r, fx, Receipt{Registration: r, Message: message, MayCollide: len(cands) > 0, Settings: set}, nil
}

// OpenCounter counts a partner's registrations that are waiting or protected.
type OpenCounter interface {
	CountOpenRegistrations(ctx context.Context, workspaceID, partnerID string) (int, error)
}

// TerritorySource gives the workspace's territories and what they cover.
type TerritorySource interface {
	PartnerSettings(ctx context.Context, workspaceID string) (partner.Settings, error)
}

// tierAllows applies the eligibility rule on program tiers: a partner whose tier
// ranks below the workspace's minimum may not register deals.
func tierAllows(set Settings, p partner.Partner) error {
	if min := set.Eligibility.MinTierRank; min > 0 && set.TierRank(p.Tier) < min {
		tier := p.Tier
		if tier == "" {
			tier = "no tier"
		}
		return tandem.Errorf(tandem.KindForbidden, "%s (%s) cannot register deals: registration is open from a higher program tier. Your partner manager can tell you how to get there.", p.Name, tier)
	}
	return nil
}

// withinLimits applies the workspace's eligibility rules: the partner's tier, its
// territories against the customer's country, and how many registrations it may have
// open at once (those of the same upload included).
func (s *Service) withinLimits(ctx context.Context, set Settings, p partner.Partner, r Registration, batch map[string]Registration) error {
	el := set.Eligibility
	if err := tierAllows(set, p); err != nil {
		return err
	}
	if err := s.inTerritory(ctx, set, p, r.CustomerCountry); err != nil {
		return err
	}
	if err := s.certified(ctx, set, p, r.Motion); err != nil {
		return err
	}
	if el.MaxOpen <= 0 {
		return nil
	}
	c, ok := s.Store.(OpenCounter)
	if !ok {
		return nil
	}
	n, err := c.CountOpenRegistrations(ctx, p.WorkspaceID, p.ID)
	if err != nil {
		return err
	}
	for _, b := range batch {
		if b.PartnerID == p.ID {
			n++
		}
	}
	if n >= el.MaxOpen {
		return tandem.Errorf(tandem.KindForbidden, "%s already has %d registrations waiting or protected, the most this program allows at once. Close or withdraw one, or ask your partner manager.", p.Name, n)
	}
	return nil
}

// inTerritory applies the territory rule when the workspace switched it on: a partner
// with territories registers only customers in a country one of them covers.
func (s *Service) inTerritory(ctx context.Context, set Settings, p partner.Partner, country string) error {
	ts, ok := s.Store.(TerritorySource)
	if !ok || !set.Eligibility.InTerritory || len(p.Territories) == 0 {
		return nil
	}
	ps, err := ts.PartnerSettings(ctx, p.WorkspaceID)
	if err != nil {
		return err
	}
	if ok, why := ps.InTerritory(p, country); !ok {
		return tandem.Invalid("The registration is outside your territories.", tandem.FieldError{Path: "customer_country", Detail: why})
	}
	return nil
}

// certified applies the certification rules: a partner registers deals of a motion
// only when it (or one of its people) holds a valid certification each rule for that
// motion asks for. The refusal names the certification missing.
func (s *Service) certified(ctx context.Context, set Settings, p partner.Partner, m tandem.Motion) error {
	if len(set.Eligibility.Certifications) == 0 {
		return nil
	}
	var held []string
	if s.Certifications != nil {
		keys, err := s.Certifications.ValidKeys(ctx, p.WorkspaceID, []string{p.ID}, s.Now().UTC())
		if err != nil {
			return err
		}
		held = keys[p.ID]
	}
	rule, missing := set.Eligibility.MissingCertification(m, held)
	if !missing {
		return nil
	}
	what := "a valid certification from the program"
	if rule.Key != "" {
		name := rule.Key
		if s.Certifications != nil {
			names, err := s.Certifications.Names(ctx, p.WorkspaceID)
			if err != nil {
				return err
			}
			if n, ok := names[rule.Key]; ok {
				name = n
			}
		}
		what = fmt.Sprintf("a valid %q certification", name)
	}
	return tandem.Errorf(tandem.KindForbidden, "%s cannot register %s deals yet: it needs %s, held by the organisation or one of its people. Your partner manager can tell you how to earn it.",
		p.Name, m.Label(), what)
}

// eligible checks that the partner may register deals of the motion at all.
func eligible(p partner.Partner, m tandem.Motion) error {
	switch p.Lifecycle {
	case partner.Active, partner.Onboarding:
	default:
		return tandem.Errorf(tandem.KindForbidden, "%s cannot register deals while its partnership is %s.", p.Name, p.Lifecycle)
	}
	for _, pm := range p.Motions {
		if pm == m {
			return nil
		}
	}
	names := make([]string, 0, len(p.Motions))
	for _, pm := range p.Motions {
		names = append(names, pm.Label())
	}
	return tandem.Invalid("The registration is not complete.", tandem.FieldError{Path: "motion",
		Detail: fmt.Sprintf("%s is not a motion %s runs with us (it runs: %s)", m.Label(), p.Name, strings.Join(names, ", "))})
}

// uniqueness matches r against the workspace's accounts, opportunities and
// registrations and runs the conflict policy over what it found.
func (s *Service) uniqueness(ctx context.Context, set Settings, p partner.Partner, r Registration, now time.Time, batch map[string]Registration) (conflict.Result, []Candidate, error) {
	hits, err := s.Finder.Find(ctx, r.WorkspaceID, r.matchRecord())
	if err != nil {
		return conflict.Result{}, nil, err
	}
	if len(hits) > 50 {
		hits = hits[:50]
	}
	var accIDs, regIDs []string
	for _, h := range hits {
		if strings.HasPrefix(h.ID, "reg_") {
			regIDs = append(regIDs, h.ID)
		} else {
			accIDs = append(accIDs, h.ID)
		}
	}
	facts, err := s.Store.CandidateFacts(ctx, r.WorkspaceID, accIDs, regIDs)
	if err != nil {
		return conflict.Result{}, nil, err
	}
	for _, id := range regIDs {
		if x, ok := batch[id]; ok {
			facts.Registrations[id] = x
			if _, ok := facts.Partners[x.PartnerID]; !ok {
				bp, err := s.Store.PartnerByID(ctx, r.WorkspaceID, x.PartnerID)
				if err != nil {
					return conflict.Result{}, nil, err
				}
				facts.Partners[x.PartnerID] = bp
			}
		}
	}
	sub := conflict.Submission{PartnerID: p.ID, Motion: r.Motion, TierRank: set.TierRank(p.Tier), SubmittedAt: now}
	_, sub.NamedAccount = partner.HoldsNamedAccount(p, r.CustomerName, r.CustomerDomain)
	// named says whether a competing partner holds the customer as a named account, by
	// the name and domain submitted or by those of the record that matched.
	named := func(partnerID, name, domain string) bool {
		other, ok := facts.Partners[partnerID]
		if partnerID == "" || !ok {
			return false
		}
		if _, ok := partner.HoldsNamedAccount(other, r.CustomerName, r.CustomerDomain); ok {
			return true
		}
		_, ok = partner.HoldsNamedAccount(other, name, domain)
		return ok
	}
	var cc []conflict.Candidate
	var out []Candidate
	for _, h := range hits {
		m := conflict.MatchPossible
		if h.Decision == match.Match {
			m = conflict.MatchCertain
		}
		base := Candidate{Score: h.Score, Decision: h.Decision.String(), Reasons: h.Reasons}
		if a, ok := facts.Accounts[h.ID]; ok {
			if a.IncumbentPartnerID == p.ID {
				sub.Incumbent = true
			}
			party := s.accountParty(a, facts)
			party.NamedAccount = named(party.PartnerID, a.Name, a.Domain)
			c := base
			c.Kind, c.Ref, c.Name, c.Domain, c.Side = conflict.KindAccount, a.ID, a.Name, a.Domain, party.Side
			c.PartnerID, c.PartnerName = party.PartnerID, partnerName(facts, party.PartnerID)
			out = append(out, c)
			cc = append(cc, conflict.Candidate{Ref: a.ID, Kind: conflict.KindAccount, Match: m, Score: h.Score, Party: party})
			for _, o := range a.Opportunities {
				op := s.opportunityParty(o, a, facts)
				op.NamedAccount = named(op.PartnerID, a.Name, a.Domain)
				oc := base
				oc.Kind, oc.Ref, oc.Name, oc.Domain, oc.Side = conflict.KindOpportunity, o.ID, o.Name+" ("+a.Name+")", a.Domain, op.Side
				oc.PartnerID, oc.PartnerName, oc.Status = op.PartnerID, partnerName(facts, op.PartnerID), string(o.Status)
				out = append(out, oc)
				cc = append(cc, conflict.Candidate{Ref: o.ID, Kind: conflict.KindOpportunity, Match: m, Score: h.Score, Party: op})
			}
			continue
		}
		if other, ok := facts.Registrations[h.ID]; ok {
			op := facts.Partners[other.PartnerID]
			party := conflict.Party{Side: conflict.SidePartner, PartnerID: other.PartnerID, Name: op.Name, Motion: other.Motion,
				TierRank: set.TierRank(op.Tier), Registration: other.Status.regStatus(), ClaimedAt: other.CreatedAt,
				ProtectedUntil: other.ProtectionExpiresAt(set.Protection), Incumbent: false,
				NamedAccount: named(other.PartnerID, other.CustomerName, other.CustomerDomain)}
			c := base
			c.Kind, c.Ref, c.Name, c.Domain, c.Side = conflict.KindRegistration, other.ID, other.CustomerName, other.CustomerDomain, conflict.SidePartner
			c.PartnerID, c.PartnerName, c.Status = other.PartnerID, op.Name, string(other.Status)
			out = append(out, c)
			cc = append(cc, conflict.Candidate{Ref: other.ID, Kind: conflict.KindRegistration, Match: m, Score: h.Score, Party: party})
		}
	}
	if len(cc) > conflict.MaxCandidates {
		cc = cc[:conflict.MaxCandidates]
	}
	if err := s.exclusivity(ctx, r, now, &sub, cc); err != nil {
		return conflict.Result{}, nil, err
	}
	if err := s.certifications(ctx, r.WorkspaceID, &sub, cc, now); err != nil {
		return conflict.Result{}, nil, err
	}
	res, err := conflict.Evaluate(set.Policy, sub, cc, now)
	if err != nil {
		return conflict.Result{}, nil, fmt.Errorf("conflict policy: %w", err)
	}
	byRef := map[string]conflict.Pair{}
	for _, pr := range res.Pairs {
		byRef[pr.Candidate.Ref] = pr
	}
	for i := range out {
		if pr, ok := byRef[out[i].Ref]; ok {
			out[i].Outcome, out[i].Note = string(pr.Outcome), pr.Note
		}
	}
	// Candidates that cannot compete (no owner, the partner's own accounts) are still
	// shown to reviewers: they tell where the deal would land.
	return res, out, nil
}

// ExclusivitySource gives the territories partners hold exclusively.
type ExclusivitySource interface {
	// ExclusiveTerritories returns, by partner, the territories in which each of
	// partnerIDs holds exclusivity in force at now.
	ExclusiveTerritories(ctx context.Context, workspaceID string, partnerIDs []string, now time.Time) (map[string][]string, error)
}

// exclusivity fills in the territory-exclusivity inputs of the conflict policy: the
// territories whose coverage includes the customer's country, and the territories
// the submitter and each competing partner hold exclusively. A store that keeps no
// territories or grants leaves them empty, and the rule then decides nothing.
func (s *Service) exclusivity(ctx context.Context, r Registration, now time.Time, sub *conflict.Submission, cc []conflict.Candidate) error {
	ts, ok1 := s.Store.(TerritorySource)
	xs, ok2 := s.Store.(ExclusivitySource)
	if !ok1 || !ok2 || strings.TrimSpace(r.CustomerCountry) == "" {
		return nil
	}
	ps, err := ts.PartnerSettings(ctx, r.WorkspaceID)
	if err != nil {
		return err
	}
	sub.Territories = ps.Covering(r.CustomerCountry)
	if len(sub.Territories) == 0 {
		return nil
	}
	ids := []string{sub.PartnerID}
	for _, c := range cc {
		if c.Party.Side == conflict.SidePartner && c.Party.PartnerID != "" && !slices.Contains(ids, c.Party.PartnerID) {
			ids = append(ids, c.Party.PartnerID)
		}
	}
	held, err := xs.ExclusiveTerritories(ctx, r.WorkspaceID, ids, now)
	if err != nil {
		return err
	}
	sub.ExclusiveTerritories = held[sub.PartnerID]
	for i := range cc {
		if cc[i].Party.Side == conflict.SidePartner {
			cc[i].Party.ExclusiveTerritories = held[cc[i].Party.PartnerID]
		}
	}
	return nil
}

// certifications gives the submitter and every competing partner the keys of the
// certifications they hold valid at now, for the conflict policy's certification
// rule: one lookup for all of them.
func (s *Service) certifications(ctx context.Context, workspaceID string, sub *conflict.Submission, cc []conflict.Candidate, now time.Time) error {
	if s.Certifications == nil {
		return nil
	}
	ids := []string{sub.PartnerID}
	for _, c := range cc {
		if c.Party.Side == conflict.SidePartner && c.Party.PartnerID != "" && !slices.Contains(ids, c.Party.PartnerID) {
			ids = append(ids, c.Party.PartnerID)
		}
	}
	keys, err := s.Certifications.ValidKeys(ctx, workspaceID, ids, now)
	if err != nil {
		return fmt.Errorf("certifications of the parties: %w", err)
	}
	sub.Certifications = keys[sub.PartnerID]
	for i := range cc {
		if cc[i].Party.Side == conflict.SidePartner {
			cc[i].Party.Certifications = keys[cc[i].Party.PartnerID]
		}
	}
	return nil
}

func (s *Service) accountParty(a AccountFacts, facts Facts) conflict.Party {
	switch {
	case a.IncumbentPartnerID != "":
		ip := facts.Partners[a.IncumbentPartnerID]
		return conflict.Party{Side: conflict.SidePartner, PartnerID: a.IncumbentPartnerID, Name: ip.Name, Incumbent: true,
			Registration: conflict.RegNone, ClaimedAt: a.CreatedAt, Motion: firstMotion(ip)}
	case a.OwnerUserID != "":
		return conflict.Party{Side: conflict.SideDirect, Name: "direct sales (" + a.OwnerName + ")", ClaimedAt: a.CreatedAt}
	}
	return conflict.Party{Side: conflict.SideNone, Name: a.Name}
}

func (s *Service) opportunityParty(o pipeline.Opportunity, a AccountFacts, facts Facts) conflict.Party {
	if o.PartnerID != "" {
		op := facts.Partners[o.PartnerID]
		return conflict.Party{Side: conflict.SidePartner, PartnerID: o.PartnerID, Name: op.Name, Motion: o.Motion,
			Registration: conflict.RegNone, ClaimedAt: o.CreatedAt, Incumbent: a.IncumbentPartnerID == o.PartnerID}
	}
	if o.OwnerUserID != "" || a.OwnerUserID != "" {
		return conflict.Party{Side: conflict.SideDirect, Name: "direct sales", ClaimedAt: o.CreatedAt}
	}
	return conflict.Party{Side: conflict.SideNone, Name: o.Name}
}

func firstMotion(p partner.Partner) tandem.Motion {
	if len(p.Motions) > 0 {
		return p.Motions[0]
	}
	return ""
}

func partnerName(f Facts, id string) string {
	if id == "" {
		return ""
	}
	return f.Partners[id].Name
}

// note tells this process's index about r at once.
func (s *Service) note(r Registration) {
	if s.Finder != nil {
		s.Finder.Note(r.WorkspaceID, MatchRecord{Record: r.matchRecord(), Active: r.Competes(), UpdatedAt: r.UpdatedAt})
	}
}

// Competes reports whether the registration still stands in other submissions' way:
// it waits for a decision or is approved and protected. Only such a registration can
// be withdrawn or released.
func (r Registration) Competes() bool {
	return r.Status.Open() || (r.Status == Approved && r.EndedAt.IsZero())
}

// Get returns one registration the actor may see.
func (s *Service) Get(ctx context.Context, actor policy.Actor, id string) (Registration, error) {
	// The partner wall needs the owner, so read first and answer not-found for
	// anything the actor may not see.
	r, err := s.Store.RegistrationByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindNotFound {
			if aerr := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Registrations, WorkspaceID: actor.WorkspaceID, ID: id}); aerr != nil && tandem.KindOf(aerr) != tandem.KindNotFound {
				return Registration{}, aerr
			}
		}
		return Registration{}, err
	}
	if err := policy.Authorize(actor, policy.Read, resource(r)); err != nil {
		return Registration{}, err
	}
	return r, nil
}

// List returns one page of registrations the actor may see; partners only ever get
// their own organisation's.
func (s *Service) List(ctx context.Context, actor policy.Actor, f Filter, after string, limit int) ([]Registration, bool, error) {
	if actor.IsPartner() {
		f.PartnerID = actor.PartnerID
	}
	var ps []string
	if f.PartnerID != "" {
		ps = []string{f.PartnerID}
	}
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.Registrations, WorkspaceID: actor.WorkspaceID, Partners: ps}); err != nil {
		return nil, false, err
	}
	for _, st := range f.Statuses {
		if st.Label() == string(st) {
			return nil, false, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "status",
				Detail: fmt.Sprintf("unknown status %q: use pending, info_requested, appealed, approved, declined, expired or withdrawn", st)})
		}
	}
	return s.Store.ListRegistrations(ctx, actor.WorkspaceID, f, after, limit)
}

// Settings returns the workspace's registration settings and its calendar's location.
func (s *Service) Settings(ctx context.Context, workspaceID string) (Settings, *time.Location, error) {
	ws, raw, err := s.Store.Workspace(ctx, workspaceID)
	if err != nil {
		return Settings{}, nil, err
	}
	set, err := ParseSettings(raw)
	if err != nil {
		return Settings{}, nil, err
	}
	if s.TierRanks != nil {
		if set.TierRanks, err = s.TierRanks(ctx, workspaceID); err != nil {
			return Settings{}, nil, err
		}
	}
	cal, err := ws.BusinessCalendar()
	if err != nil {
		return Settings{}, nil, err
	}
	return set, cal.Location(), nil
}

func resource(r Registration) policy.Resource {
	return policy.Resource{Kind: policy.Registrations, WorkspaceID: r.WorkspaceID, ID: r.ID, Partners: []string{r.PartnerID}}
}

// partnerPath is the portal page of r.
func (s *Service) partnerPath(r Registration) string { return "/portal/registrations/" + r.ID }

// consolePath is the reviewer's page of r.
func (s *Service) consolePath(r Registration) string { return "/registrations/" + r.ID }

// auditView is the registration as the audit log records it at submission.
func auditView(r Registration) map[string]any {
	return map[string]any{
		"partner_id": r.PartnerID, "channel": r.Channel, "customer_name": r.CustomerName, "customer_domain": r.CustomerDomain,
		"customer_country": r.CustomerCountry, "contact_email": r.ContactEmail, "motion": r.Motion, "deal_size": r.Amount(),
		"expected_close_on": r.ExpectedCloseOn, "status": r.Status, "recommended_ruling": r.Ruling, "conflict_type": r.ConflictType,
		"conflict_rule": r.ConflictRule, "candidates": len(r.Candidates), "review_due_at": r.ReviewDueAt,
	}
}

// statusView is the part of a registration that decisions change.
func statusView(r Registration) map[string]any {
	m := map[string]any{"status": r.Status}
	if !r.ApprovedAt.IsZero() {
		m["approved_at"] = r.ApprovedAt
		m["window_days"] = r.WindowDays
	}
	if !r.EndedAt.IsZero() {
		m["ended_at"] = r.EndedAt
	}
	if r.OpportunityID != "" {
		m["opportunity_id"] = r.OpportunityID
		m["account_id"] = r.AccountID
	}
	if n := len(r.Extensions); n > 0 {
		m["extensions"] = n
	}
	return m
}
