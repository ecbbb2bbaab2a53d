package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Visibility says who may read a note.
type Visibility string

// The note visibilities.
const (
	// Shared notes are read by the vendor's people and by the partners on the
	// opportunity (a partner's own note only by its own organisation and the vendor).
	Shared Visibility = "partner"
	// Internal notes are read by the vendor's people only, never by a partner.
	Internal Visibility = "internal"
)

// NoteKind says what a note records.
type NoteKind string

// The note kinds.
const (
	// NoteUpdate is an ordinary update; written after a meeting it is the follow-up.
	NoteUpdate NoteKind = "update"
	// NoteMeeting records a meeting and starts the follow-up deadline.
	NoteMeeting NoteKind = "meeting"
)

// Sides of the partnership a person is on.
const (
	SideVendor  = "vendor"
	SidePartner = "partner"
)

// Note is one note on an opportunity.
type Note struct {
	WorkspaceID   string
	ID            string
	OpportunityID string
	Visibility    Visibility
	Kind          NoteKind
	Body          string
	AuthorID      string
	AuthorName    string
	AuthorSide    string // SideVendor or SidePartner
	// PartnerID is the organisation of a partner-side author: such a note is read by
	// the vendor and that organisation only. Empty for the vendor's notes.
	PartnerID string
	// FollowUpDueAt is, for a meeting, when its follow-up was due.
	FollowUpDueAt time.Time
	CreatedAt     time.Time
}

// NoteInput is a note to write.
type NoteInput struct {
	Body       string
	Visibility Visibility // default: Internal for the vendor, Shared for partners
	Kind       NoteKind   // default: NoteUpdate
}

// NoteFilter says which notes of an opportunity a reader gets.
type NoteFilter struct {
	SharedOnly bool   // only Shared notes
	PartnerID  string // with SharedOnly: only the vendor's and this partner's notes
}

// NoteWrite is a note saved in one transaction with what it changes on its
// opportunity: the last activity, and the meeting follow-up deadline (FollowUpDueAt
// zero clears it; a non-zero one is scheduled as a FollowUpArgs job), and the audit
// entry. The opportunity's version does not change: a note is not an edit.
type NoteWrite struct {
	Note           Note
	LastActivityAt time.Time
	// SetFollowUp says whether the follow-up deadline changes (to FollowUpDueAt).
	SetFollowUp   bool
	FollowUpDueAt time.Time
	Audit         audit.Entry
}

// Person is someone Tandem tells about something.
type Person struct {
	UserID string
	Name   string
	Email  string
	Role   tandem.Role // for the vendor's people, when the store knows it
}

// WorkspaceInfo is what the pipeline needs of its workspace: names for messages and
// its stored settings (JSON; empty for the defaults).
type WorkspaceInfo struct {
	ID, Name, Slug   string
	PipelineSettings []byte
	// TimeZone is the workspace's IANA zone: the calendar its dates are days of.
	TimeZone string
}

// Location returns the workspace's time zone, or UTC when it has none Go knows.
func (w WorkspaceInfo) Location() *time.Location {
	if w.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Effects are what a timer tells people, saved in one transaction with the flag it
// sets.
type Effects struct {
	Audit         []audit.Entry
	Notifications []notify.Notification
	Messages      []outbox.Message
}

const maxNoteLen = 10000

// notesKind is the policy kind guarding notes of visibility v.
func notesKind(v Visibility) policy.Kind {
	if v == Internal {
		return policy.InternalNotes
	}
	return policy.PartnerNotes
}

// AddNote writes a note on an opportunity the actor may see. Partners write shared
// notes only, on opportunities their organisation is attributed on; the vendor's
// people write either kind as their role allows. A meeting note starts the follow-up
// deadline (Settings.FollowUpHours), whose timer is scheduled in the same
// transaction; any later note that is not a meeting is the follow-up and clears it.
// Every note counts as activity on the opportunity and is audited (without its
// text, which stays with the note).
func (s *Service) AddNote(ctx context.Context, actor policy.Actor, actorName, oppID string, in NoteInput) (Note, error) {
	o, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID)
	if err != nil {
		return Note{}, err
	}
	var p tandem.Problems
	if in.Visibility == "" {
		in.Visibility = Internal
		if actor.IsPartner() {
			in.Visibility = Shared
		}
	}
	if in.Kind == "" {
		in.Kind = NoteUpdate
	}
	switch in.Visibility {
	case Shared:
	case Internal:
		if actor.IsPartner() {
			p.Add("visibility", "partners write shared notes only")
		}
	default:
		p.Add("visibility", "must be partner (shared with the partners on the opportunity) or internal")
	}
	if in.Kind != NoteUpdate && in.Kind != NoteMeeting {
		p.Add("kind", "must be update or meeting")
	}
	body := strings.TrimSpace(in.Body)
	switch {
	case body == "":
		p.Add("body", "is required")
	case utf8.RuneCountInString(body) > maxNoteLen:
		p.Add("body", "must be at most %d characters", maxNoteLen)
	}
	if err := p.Err("The note is not valid."); err != nil {
		return Note{}, err
	}
	// The opportunity is visible to the actor (load); the note belongs to the
	// partner's own organisation, which is what a partner's collection names.
	if err := policy.Authorize(actor, policy.Create, resource(notesKind(in.Visibility), actor, "", nonEmpty(actor.PartnerID)...)); err != nil {
		return Note{}, err
	}
	set, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return Note{}, err
	}
	now := s.Now().UTC()
	n := Note{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("not", now), OpportunityID: oppID, Visibility: in.Visibility, Kind: in.Kind,
		Body: body, AuthorID: audit.ActorID(actor), AuthorName: actorName, AuthorSide: SideVendor, CreatedAt: now}
	if pid, ok := actor.PartnerOnly(); ok {
		n.AuthorSide, n.PartnerID = SidePartner, pid
	}
	w := NoteWrite{Note: n, LastActivityAt: now}
	after := map[string]any{"note_id": n.ID, "visibility": n.Visibility, "kind": n.Kind}
	switch {
	case n.Kind == NoteMeeting:
		w.SetFollowUp = true
		w.FollowUpDueAt = now.Add(time.Duration(set.FollowUpHours) * time.Hour)
		w.Note.FollowUpDueAt = w.FollowUpDueAt
		after["follow_up_due_at"] = w.FollowUpDueAt
	case !o.FollowUpDueAt.IsZero():
		w.SetFollowUp = true
		after["followed_up"] = true
	}
	w.Audit = audit.New(ctx, actor, actorName, now, "opportunity.note", "opportunity", oppID, nil, after, "")
	if err := s.Store.SaveNote(ctx, w); err != nil {
		return Note{}, err
	}
	return w.Note, nil
}

// Notes returns the notes on an opportunity the actor may read, newest first: the
// vendor's people get internal notes too when their role reads them; a partner gets
// the shared notes of the vendor and of its own organisation, never internal ones
// nor another partner's.
func (s *Service) Notes(ctx context.Context, actor policy.Actor, oppID string) ([]Note, error) {
	_, f, err := s.readFilter(ctx, actor, oppID)
	if err != nil {
		return nil, err
	}
	return s.Store.ListNotes(ctx, actor.WorkspaceID, oppID, f)
}

// readFilter checks that the actor may see the opportunity and what is shared on it,
// and returns the opportunity with which of its notes and attachments the actor
// reads: all of them for the vendor's people whose role reads internal ones; shared
// ones otherwise, and for a partner only the vendor's and its own organisation's.
func (s *Service) readFilter(ctx context.Context, actor policy.Actor, oppID string) (Opportunity, NoteFilter, error) {
	o, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID)
	if err != nil {
		return Opportunity{}, NoteFilter{}, err
	}
	if err := policy.Authorize(actor, policy.List, resource(policy.PartnerNotes, actor, "", nonEmpty(actor.PartnerID)...)); err != nil {
		return Opportunity{}, NoteFilter{}, err
	}
	f := NoteFilter{SharedOnly: true}
	if pid, ok := actor.PartnerOnly(); ok {
		if pid == "" {
			return Opportunity{}, NoteFilter{}, tandem.Errorf(tandem.KindForbidden, "What is shared on an opportunity is shared with a partner organisation.")
		}
		f.PartnerID = pid
	} else if policy.Authorize(actor, policy.List, resource(policy.InternalNotes, actor, "")) == nil {
		f.SharedOnly = false
	}
	return o, f, nil
}

// Lets reports whether f lets through what has visibility v and, when a partner
// wrote it, came from organisation partnerID.
func (f NoteFilter) Lets(v Visibility, partnerID string) bool {
	if !f.SharedOnly {
		return true
	}
	return v == Shared && (f.PartnerID == "" || partnerID == "" || partnerID == f.PartnerID)
}

// PartnerNoteView is a note as a partner may see it. A test pins it to the policy's
// safe fields for notes.
type PartnerNoteView struct {
	ID         string    `json:"id"`
	Body       string    `json:"body"`
	AuthorName string    `json:"author_name"`
	AuthorSide string    `json:"author_side"`
	CreatedAt  time.Time `json:"created_at"`
}

// ToPartnerNotes returns the shared notes among ns as partners see them; an internal
// note is dropped even if one was passed by mistake.
func ToPartnerNotes(ns []Note) []PartnerNoteView {
	out := make([]PartnerNoteView, 0, len(ns))
	for _, n := range ns {
		if n.Visibility != Shared {
			continue
		}
		out = append(out, PartnerNoteView{ID: n.ID, Body: n.Body, AuthorName: n.AuthorName, AuthorSide: n.AuthorSide, CreatedAt: n.CreatedAt})
	}
	return out
}

// ---- Freshness and follow-up ----

// Flags are what needs attention on an opportunity at a moment.
type Flags struct {
	// Stale: open, with no note, edit or stage change for Settings.FreshnessDays.
	Stale bool `json:"stale"`
	// QuietDays is how many whole days have passed since the last activity.
	QuietDays int `json:"quiet_days"`
	// FollowUpDueAt is when the follow-up of the last meeting is due (nil: none owed).
	FollowUpDueAt *time.Time `json:"follow_up_due_at"`
	// FollowUpOverdue: a follow-up is owed and its time has passed.
	FollowUpOverdue bool `json:"follow_up_overdue"`
}

// LastActivity returns when anything last happened on o (its creation at least).
func (o Opportunity) LastActivity() time.Time {
	if o.LastActivityAt.After(o.CreatedAt) {
		return o.LastActivityAt
	}
	return o.CreatedAt
}

// FlagsAt returns what needs attention on o at now under set.
func FlagsAt(o Opportunity, set Settings, now time.Time) Flags {
	var f Flags
	quiet := now.Sub(o.LastActivity())
	if quiet > 0 {
		f.QuietDays = int(quiet / (24 * time.Hour))
	}
	f.Stale = o.Status == Open && quiet >= time.Duration(set.FreshnessDays)*24*time.Hour
	if !o.FollowUpDueAt.IsZero() {
		due := o.FollowUpDueAt
		f.FollowUpDueAt = &due
		f.FollowUpOverdue = !now.Before(due)
	}
	return f
}

// Attention filters for lists: opportunities that are stale or owe an overdue
// follow-up.
const (
	AttentionStale    = "stale"
	AttentionFollowUp = "follow_up_overdue"
)

// attentionFilter turns f.Attention into the store's time bounds at now.
func (s *Service) attentionFilter(ctx context.Context, workspaceID string, f *Filter) error {
	switch f.Attention {
	case "":
		return nil
	case AttentionStale:
		set, err := s.Settings(ctx, workspaceID)
		if err != nil {
			return err
		}
		f.InactiveBefore = s.Now().UTC().Add(-time.Duration(set.FreshnessDays) * 24 * time.Hour)
	case AttentionFollowUp:
		f.FollowUpDueBy = s.Now().UTC()
	default:
		return tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "attention", Detail: "must be stale or follow_up_overdue"})
	}
	return nil
}

// FollowUpArgs is the durable job that checks, at DueMS (Unix milliseconds), whether
// the meeting follow-up due then on an opportunity was written.
type FollowUpArgs struct {
	WorkspaceID   string `json:"workspace_id"`
	OpportunityID string `json:"opportunity_id"`
	DueMS         int64  `json:"due_ms"`
}

// Kind names the job kind.
func (FollowUpArgs) Kind() string { return "opportunity_follow_up" }

// EarlyError says a timer ran before its time and should run again after Wait.
type EarlyError struct{ Wait time.Duration }

func (e *EarlyError) Error() string { return fmt.Sprintf("pipeline timer ran %s early", e.Wait) }

// FollowUpFlag marks the follow-up due at DueAt on an opportunity overdue at At,
// with what that tells people, in one transaction. The store sets the flag only
// while the opportunity still owes that follow-up unflagged, and otherwise writes
// nothing and reports false.
type FollowUpFlag struct {
	WorkspaceID, OpportunityID string
	DueAt, At                  time.Time
	Effects                    Effects
}

// FollowUpTick runs the follow-up timer: when the follow-up it was set for is still
// owed at its time, the opportunity is flagged and its owner (or, without one, the
// workspace's admins) is told in the console and by email. A timer for a follow-up
// that was written, or replaced by a later meeting, does nothing; one that runs early
// returns an *EarlyError.
func (s *Service) FollowUpTick(ctx context.Context, a FollowUpArgs) error {
	o, err := s.Store.OpportunityByID(ctx, a.WorkspaceID, a.OpportunityID)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindNotFound {
			return nil
		}
		return err
	}
	if o.FollowUpDueAt.IsZero() || o.FollowUpDueAt.UnixMilli() != a.DueMS || !o.FollowUpOverdueAt.IsZero() {
		return nil
	}
	now := s.Now().UTC()
	if wait := o.FollowUpDueAt.Sub(now); wait > 0 {
		return &EarlyError{Wait: wait}
	}
	ws, err := s.Store.Workspace(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	var fx Effects
	title := "Follow-up overdue: " + o.Name
	body := fmt.Sprintf("A meeting on %s was logged and its follow-up was due at %s UTC; no note has followed it yet.", o.Name, o.FollowUpDueAt.Format("Mon 2 Jan 15:04"))
	if err := s.tellOwner(ctx, &fx, ws, o, title, body); err != nil {
		return err
	}
	sys := policy.System(a.WorkspaceID)
	fx.Audit = append(fx.Audit, audit.New(ctx, sys, "follow-up timer", now, "opportunity.follow_up_overdue", "opportunity", o.ID, nil,
		map[string]any{"follow_up_due_at": o.FollowUpDueAt}, "The follow-up after a meeting was not written in time."))
	_, err = s.Store.FlagFollowUp(ctx, FollowUpFlag{WorkspaceID: a.WorkspaceID, OpportunityID: o.ID, DueAt: o.FollowUpDueAt, At: now, Effects: fx})
	return err
}

// FollowUpSource lists follow-up timers that are overdue and not yet flagged.
type FollowUpSource interface {
	DueFollowUps(ctx context.Context, before time.Time, limit int) ([]FollowUpArgs, error)
}

// SweepFollowUps runs every follow-up timer overdue by more than grace, in case its
// job was lost; FollowUpTick's checks make one that already ran do nothing. A timer
// that fails does not hold up the others: it returns how many ran and every failure.
func (s *Service) SweepFollowUps(ctx context.Context, src FollowUpSource, grace time.Duration) (int, error) {
	due, err := src.DueFollowUps(ctx, s.Now().Add(-grace), 500)
	if err != nil {
		return 0, err
	}
	return runDue(ctx, due, s.FollowUpTick, func(a FollowUpArgs) string { return "follow-up timer of opportunity " + a.OpportunityID })
}

// runDue runs tick for every due timer a sweep found. A timer that fails does not
// hold up the others, and one that turns out early is left for its job; it returns
// how many ran and every failure, each named by what.
func runDue[T any](ctx context.Context, due []T, tick func(context.Context, T) error, what func(T) string) (int, error) {
	ran := 0
	var errs []error
	for _, a := range due {
		var early *EarlyError
		if err := tick(ctx, a); err != nil && !errors.As(err, &early) {
			errs = append(errs, fmt.Errorf("%s: %w", what(a), err))
			continue
		}
		ran++
	}
	return ran, errors.Join(errs...)
}

// consolePath is the opportunity's page in the console, inside the workspace.
func consolePath(o Opportunity) string { return "/pipeline/" + o.ID }

// tellOwner tells the opportunity's owner, or without one the workspace's admins, in
// the console and by email.
func (s *Service) tellOwner(ctx context.Context, fx *Effects, ws WorkspaceInfo, o Opportunity, title, body string) error {
	var people []Person
	var err error
	if o.OwnerUserID != "" {
		people, err = s.Store.People(ctx, o.WorkspaceID, []string{o.OwnerUserID})
	}
	if err != nil {
		return err
	}
	if len(people) == 0 {
		if people, err = s.Store.Admins(ctx, o.WorkspaceID); err != nil {
			return err
		}
	}
	return s.tell(fx, ws, people, consolePath(o), title, body)
}

// tell notifies people in the app and, when they have an address and mail is set up,
// by email; the link is a path inside the workspace.
func (s *Service) tell(fx *Effects, ws WorkspaceInfo, people []Person, link, title, body string) error {
	now := s.Now().UTC()
	for _, who := range people {
		if who.UserID != "" {
			fx.Notifications = append(fx.Notifications, notify.New(ws.ID, who.UserID, title, body, link, now))
		}
		if who.Email == "" || s.Mail == nil {
			continue
		}
		subject, text, html, err := s.Mail.Render("notice", map[string]any{"WorkspaceName": ws.Name, "PersonName": who.Name,
			"Title": title, "Body": body, "Link": s.BaseURL + "/w/" + ws.Slug + link})
		if err != nil {
			return fmt.Errorf("render notice email: %w", err)
		}
		fx.Messages = append(fx.Messages, outbox.Message{WorkspaceID: ws.ID, ID: tandem.NewID("msg", now), To: who.Email, ToName: who.Name,
			Subject: subject, Text: text, HTML: html, Status: outbox.Queued, CreatedAt: now})
	}
	return nil
}
