package partner

import (
	"context"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/segment"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Segment is a saved, named rule over partners (SPEC B4). Its members are worked out
// whenever they are asked for, so a segment updates itself as partners change.
type Segment struct {
	WorkspaceID string
	ID          string
	Name        string
	Rule        string // in the segment rule language; empty for the top-fit built-in
	BuiltIn     bool
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// The built-in segments, present in every workspace.
const (
	TopFitID  = "top-fit-20"
	DormantID = "dormant-60"
)

// BuiltIns are the segments every workspace has: the top 20% of partners by fit
// score, and partners with no recorded activity for 60 days.
var BuiltIns = []Segment{
	{ID: TopFitID, Name: "Top 20% by fit", BuiltIn: true},
	{ID: DormantID, Name: "Dormant 60 days", Rule: segment.DormantRule, BuiltIn: true},
}

// Field describes one field segment rules may name, for the builder's help.
type Field struct {
	Name    string
	Type    segment.Type
	Meaning string
	Example string
}

// Fields are the partner fields rules may name, in the order the help lists them.
var Fields = []Field{
	{"name", segment.TypeString, "the partner's name", `name contains "cloud"`},
	{"domain", segment.TypeString, "the partner's web domain", `domain contains ".de"`},
	{"tier", segment.TypeString, "the program tier", `tier = "Gold"`},
	{"lifecycle", segment.TypeString, "applied, onboarding, active, dormant or offboarded", `lifecycle in ("active", "onboarding")`},
	{"region", segment.TypeString, "the partner's main region", `region = "EMEA"`},
	{"regions", segment.TypeStringList, "every region the partner covers", `regions contains "APAC"`},
	{"motions", segment.TypeStringList, "referral, resale, marketplace, services, tech", `motions contains "resale"`},
	{"verticals", segment.TypeStringList, "industries the partner works in", `verticals in ("Finance", "Health")`},
	{"territories", segment.TypeStringList, "assigned territories", `territories contains "Benelux"`},
	{"tags", segment.TypeStringList, "tags", `tags contains "strategic"`},
	{"named_accounts", segment.TypeStringList, "assigned customers", `named_accounts is not empty`},
	{"owner", segment.TypeString, "the partner manager's user id (empty: nobody)", `owner is empty`},
	{"fit", segment.TypeNumber, "fit score 0–100 (empty while not scored)", `fit >= 70`},
	{"contacts", segment.TypeNumber, "number of people recorded at the partner", `contacts = 0`},
	{"registrations", segment.TypeNumber, "deal registrations submitted by the partner", `registrations >= 5`},
	{"created", segment.TypeTime, "when the partner was added", `created newer than 90 days`},
	{"updated", segment.TypeTime, "when the profile last changed", `updated older than 180 days`},
	{"last_activity", segment.TypeTime, "the partner's latest registration, opportunity change or portal sign-in", `last_activity older than 60 days`},
}

// Schema is the segment schema of partner records.
var Schema = func() segment.Schema {
	s := segment.Schema{}
	for _, f := range Fields {
		s[f.Name] = f.Type
	}
	return s
}()

// Activity is what a segment knows about a partner beyond its profile.
type Activity struct {
	LastActivity  time.Time // zero: none recorded
	Registrations int
	Contacts      int
}

// record is a partner as a segment rule reads it.
type record struct {
	p *Partner
	a Activity
}

func (r record) ID() string { return r.p.ID }

func (r record) Text(field string) (string, bool) {
	switch field {
	case "name":
		return r.p.Name, true
	case "domain":
		return r.p.Domain, true
	case "tier":
		return r.p.Tier, true
	case "lifecycle":
		return string(r.p.Lifecycle), true
	case "region":
		return r.p.Region, true
	case "owner":
		return r.p.OwnerUserID, true
	}
	return "", false
}

func (r record) Number(field string) (float64, bool) {
	switch field {
	case "fit":
		if r.p.FitResult == nil {
			return 0, false
		}
		return float64(r.p.FitResult.Score), true
	case "contacts":
		return float64(r.a.Contacts), true
	case "registrations":
		return float64(r.a.Registrations), true
	}
	return 0, false
}

func (r record) List(field string) ([]string, bool) {
	switch field {
	case "regions":
		return r.p.Regions, true
	case "motions":
		ms := make([]string, len(r.p.Motions))
		for i, m := range r.p.Motions {
			ms[i] = string(m)
		}
		return ms, true
	case "verticals":
		return r.p.Verticals, true
	case "territories":
		return r.p.Territories, true
	case "tags":
		return r.p.Tags, true
	case "named_accounts":
		return r.p.NamedAccounts, true
	}
	return nil, false
}

func (r record) Time(field string) (time.Time, bool) {
	switch field {
	case "created":
		return r.p.CreatedAt, true
	case "updated":
		return r.p.UpdatedAt, true
	case "last_activity":
		return r.a.LastActivity, !r.a.LastActivity.IsZero()
	}
	return time.Time{}, false
}

// SegmentStore is what segments need from persistence.
type SegmentStore interface {
	// Segments returns the workspace's saved segments by name.
	Segments(ctx context.Context, workspaceID string) ([]Segment, error)
	// SegmentByID returns one saved segment, or a not-found error.
	SegmentByID(ctx context.Context, workspaceID, id string) (Segment, error)
	// SaveSegment inserts (created true) or updates s with e; a name already used
	// in the workspace is a conflict.
	SaveSegment(ctx context.Context, s Segment, created bool, e audit.Entry) error
	// DeleteSegment removes a saved segment with e.
	DeleteSegment(ctx context.Context, workspaceID, id string, e audit.Entry) error
	// SegmentPartners returns every partner of the workspace with what rules read:
	// profile fields, lists and the fit score (FitResult holds the score alone).
	SegmentPartners(ctx context.Context, workspaceID string) ([]Partner, error)
	// PartnerActivity returns, per partner id, its activity; partners without any are
	// absent.
	PartnerActivity(ctx context.Context, workspaceID string) (map[string]Activity, error)
}

// Segments keeps saved segments and works out their members; the partner list, the
// API and later features (cadences, content access, reports) ask it.
type Segments struct {
	Store    SegmentStore
	Partners Store
	Now      func() time.Time
}

// Check parses rule against the partner schema: nil, or a KindInvalid error on
// "rule" that gives the column of the fault and what was expected there.
func Check(rule string) error {
	_, err := segment.Parse(rule, Schema)
	return err
}

// List returns the built-in segments, then the workspace's saved ones by name.
func (s *Segments) List(ctx context.Context, actor policy.Actor) ([]Segment, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return nil, err
	}
	saved, err := s.Store.Segments(ctx, actor.WorkspaceID)
	if err != nil {
		return nil, err
	}
	out := append([]Segment(nil), BuiltIns...)
	for i := range out {
		out[i].WorkspaceID = actor.WorkspaceID
	}
	return append(out, saved...), nil
}

// Get returns a built-in or saved segment.
func (s *Segments) Get(ctx context.Context, actor policy.Actor, id string) (Segment, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return Segment{}, err
	}
	for _, b := range BuiltIns {
		if b.ID == id {
			b.WorkspaceID = actor.WorkspaceID
			return b, nil
		}
	}
	return s.Store.SegmentByID(ctx, actor.WorkspaceID, id)
}

func validSegment(name, rule string) (string, string, error) {
	// The rule is checked as typed, so that the column of a fault is where the
	// person sees it; it is saved trimmed.
	checkErr := Check(rule)
	name, rule = strings.TrimSpace(name), strings.TrimSpace(rule)
	var pr tandem.Problems
	if name == "" {
		pr.Add("name", "is required")
	} else if len(name) > 100 {
		pr.Add("name", "must be at most 100 characters")
	}
	pr = append(pr, tandem.FieldsOf(checkErr)...)
	return name, rule, pr.Err("The segment is not valid.")
}

// Create saves a segment after checking its rule.
func (s *Segments) Create(ctx context.Context, actor policy.Actor, actorName, name, rule string) (Segment, error) {
	if err := authorize(actor, policy.Update, ""); err != nil {
		return Segment{}, err
	}
	name, rule, err := validSegment(name, rule)
	if err != nil {
		return Segment{}, err
	}
	now := s.Now().UTC()
	seg := Segment{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("seg", now), Name: name, Rule: rule, CreatedBy: actorName, CreatedAt: now, UpdatedAt: now}
	e := audit.New(ctx, actor, actorName, now, "segment.create", "segment", seg.ID, nil, seg, "")
	if err := s.Store.SaveSegment(ctx, seg, true, e); err != nil {
		return Segment{}, err
	}
	return seg, nil
}

// Update renames a saved segment or changes its rule; nil fields stay.
func (s *Segments) Update(ctx context.Context, actor policy.Actor, actorName, id string, name, rule *string) (Segment, error) {
	if err := authorize(actor, policy.Update, ""); err != nil {
		return Segment{}, err
	}
	before, err := s.Get(ctx, actor, id)
	if err != nil {
		return Segment{}, err
	}
	if before.BuiltIn {
		return Segment{}, tandem.Errorf(tandem.KindConflict, "%s is built in and cannot be changed; save a segment of your own instead.", before.Name)
	}
	after := before
	if name != nil {
		after.Name = *name
	}
	if rule != nil {
		after.Rule = *rule
	}
	if after.Name, after.Rule, err = validSegment(after.Name, after.Rule); err != nil {
		return Segment{}, err
	}
	after.UpdatedAt = s.Now().UTC()
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "segment.update", "segment", id, before, after, "")
	if err := s.Store.SaveSegment(ctx, after, false, e); err != nil {
		return Segment{}, err
	}
	return after, nil
}

// Delete removes a saved segment.
func (s *Segments) Delete(ctx context.Context, actor policy.Actor, actorName, id string) error {
	if err := authorize(actor, policy.Update, ""); err != nil {
		return err
	}
	seg, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if seg.BuiltIn {
		return tandem.Errorf(tandem.KindConflict, "%s is built in and cannot be deleted.", seg.Name)
	}
	e := audit.New(ctx, actor, actorName, s.Now().UTC(), "segment.delete", "segment", id, seg, nil, "")
	return s.Store.DeleteSegment(ctx, actor.WorkspaceID, id, e)
}

// records loads every partner of the workspace with its activity.
func (s *Segments) records(ctx context.Context, workspaceID string) ([]segment.Record, error) {
	all, err := s.Store.SegmentPartners(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	act, err := s.Store.PartnerActivity(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	recs := make([]segment.Record, len(all))
	for i := range all {
		recs[i] = record{p: &all[i], a: act[all[i].ID]}
	}
	return recs, nil
}

// Members returns the ids of the partners in the segment now.
func (s *Segments) Members(ctx context.Context, actor policy.Actor, id string) ([]string, error) {
	seg, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.evaluate(ctx, actor.WorkspaceID, seg)
}

// Preview returns the ids of the partners an unsaved rule selects now.
func (s *Segments) Preview(ctx context.Context, actor policy.Actor, rule string) ([]string, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return nil, err
	}
	if err := Check(rule); err != nil {
		return nil, err
	}
	return s.evaluate(ctx, actor.WorkspaceID, Segment{Rule: rule})
}

func (s *Segments) evaluate(ctx context.Context, workspaceID string, seg Segment) ([]string, error) {
	recs, err := s.records(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	if seg.ID == TopFitID {
		return segment.TopPercent(recs, "fit", 20)
	}
	rule, err := segment.Parse(seg.Rule, Schema)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	ids := []string{}
	for _, r := range recs {
		if rule.Match(r, now) {
			ids = append(ids, r.ID())
		}
	}
	return ids, nil
}

// Resolve turns f's segment into the ids of its members, so that the store filters
// by them; a filter without a segment is returned unchanged.
func (s *Segments) Resolve(ctx context.Context, actor policy.Actor, f Filter) (Filter, error) {
	if f.SegmentID == "" {
		return f, nil
	}
	ids, err := s.Members(ctx, actor, f.SegmentID)
	if tandem.KindOf(err) == tandem.KindNotFound {
		return f, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "segment", Detail: "no segment of this workspace has this id"})
	}
	if err != nil {
		return f, err
	}
	f.IDs = ids
	return f, nil
}

// Sizes returns how many partners each of the segments holds now, reading the
// partners once.
func (s *Segments) Sizes(ctx context.Context, actor policy.Actor, segs []Segment) (map[string]int, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return nil, err
	}
	recs, err := s.records(ctx, actor.WorkspaceID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(segs))
	now := s.Now()
	for _, seg := range segs {
		if seg.ID == TopFitID {
			ids, err := segment.TopPercent(recs, "fit", 20)
			if err != nil {
				return nil, err
			}
			out[seg.ID] = len(ids)
			continue
		}
		rule, err := segment.Parse(seg.Rule, Schema)
		if err != nil {
			continue // a rule saved under an older schema: shown without a size
		}
		out[seg.ID] = len(rule.Filter(recs, now))
	}
	return out, nil
}
