package certification

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Person is someone a reminder goes to.
type Person struct {
	UserID  string
	Name    string
	Email   string
	Partner bool // a partner admin (portal link) rather than the partner manager (console link)
}

// Reminder is one expiry reminder, for the store to save in one transaction: the mark
// on the certification that it was sent for its expiry, the notifications and emails,
// and the audit entry.
type Reminder struct {
	Held          Held
	Notifications []notify.Notification
	Messages      []outbox.Message
	Audit         audit.Entry
}

// Store is what the certification service needs from persistence. Every method works
// within one workspace.
type Store interface {
	// Workspace returns the workspace.
	Workspace(ctx context.Context, workspaceID string) (workspace.Workspace, error)
	// Catalogue returns the workspace's catalogue, by name.
	Catalogue(ctx context.Context, workspaceID string) ([]Definition, error)
	// CreateDefinition adds an entry with its audit entry; a key already in use is a
	// KindConflict error.
	CreateDefinition(ctx context.Context, d Definition, e audit.Entry) error
	// UpdateDefinition saves an existing entry with its audit entry.
	UpdateDefinition(ctx context.Context, d Definition, e audit.Entry) error
	// PartnerName returns the partner's name, or a not-found error.
	PartnerName(ctx context.Context, workspaceID, partnerID string) (string, error)
	// PartnerContactName returns the name of the partner's contact, or a not-found
	// error when the contact is not one of that partner's people.
	PartnerContactName(ctx context.Context, workspaceID, partnerID, contactID string) (string, error)
	// PartnerCertifications returns every certification recorded for the partner
	// (revoked and expired ones included), newest earned first, with names filled.
	PartnerCertifications(ctx context.Context, workspaceID, partnerID string) ([]Held, error)
	// Certification returns one record with names filled, or a not-found error.
	Certification(ctx context.Context, workspaceID, id string) (Held, error)
	// RecordCertification saves a new record with its audit entry.
	RecordCertification(ctx context.Context, h Held, e audit.Entry) error
	// RevokeCertification marks the record revoked with its audit entry; a record
	// revoked meanwhile is a KindConflict error.
	RevokeCertification(ctx context.Context, h Held, e audit.Entry) error
	// CurrentCertifications returns the records of the partners (all the workspace's
	// partners when partnerIDs is nil) that are not revoked and whose expiry, if any,
	// is after the day from: a superset of those valid at any time from then on.
	CurrentCertifications(ctx context.Context, workspaceID string, partnerIDs []string, from time.Time) ([]Held, error)
	// ReminderRecipients returns the partner's active partner admins and its partner
	// manager (when active).
	ReminderRecipients(ctx context.Context, workspaceID, partnerID string) ([]Person, error)
	// SaveReminder marks r.Held reminded for its expiry and writes the rest of r, in
	// one transaction, only when no reminder for that expiry was saved before; it
	// reports whether it saved.
	SaveReminder(ctx context.Context, r Reminder) (bool, error)
}

// Service is the certification catalogue and the certifications partners hold.
type Service struct {
	Store Store
	Now   func() time.Time
	// Mail renders the reminder emails; nil sends in-app notifications only.
	Mail    outbox.Renderer
	BaseURL string
}

// Catalogue returns the workspace's certifications, for the vendor's people.
func (s *Service) Catalogue(ctx context.Context, actor policy.Actor) ([]Definition, error) {
	if err := policy.Authorize(actor, policy.List, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return nil, err
	}
	return s.Store.Catalogue(ctx, actor.WorkspaceID)
}

// CreateDefinition adds a certification to the catalogue, for people who may change
// the workspace settings. Invalid input is a KindInvalid error naming every bad
// field; a key in use is a KindConflict error.
func (s *Service) CreateDefinition(ctx context.Context, actor policy.Actor, actorName string, in DefinitionInput) (Definition, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Definition{}, err
	}
	in = in.normalize()
	if err := in.validate(true); err != nil {
		return Definition{}, err
	}
	all, err := s.Store.Catalogue(ctx, actor.WorkspaceID)
	if err != nil {
		return Definition{}, err
	}
	if len(all) >= MaxCatalogue {
		return Definition{}, tandem.Errorf(tandem.KindConflict, "The catalogue already holds %d certifications, the most it may; retire and reuse one instead.", MaxCatalogue)
	}
	if slices.ContainsFunc(all, func(d Definition) bool { return d.Key == in.Key }) {
		return Definition{}, tandem.Invalid("The certification is not valid.", tandem.FieldError{Path: "key", Detail: fmt.Sprintf("%q is already in the catalogue", in.Key)})
	}
	now := s.Now().UTC()
	d := Definition{WorkspaceID: actor.WorkspaceID, Key: in.Key, Name: in.Name, ValidityMonths: in.ValidityMonths, Motion: in.Motion,
		Product: in.Product, Retired: in.Retired, CreatedAt: now, UpdatedAt: now}
	e := audit.New(ctx, actor, actorName, now, "certification.define", "certification_definition", d.Key, nil, definitionView(d), "")
	if err := s.Store.CreateDefinition(ctx, d, e); err != nil {
		return Definition{}, err
	}
	return d, nil
}

// UpdateDefinition changes a catalogue entry's name, validity, motion, product or
// retirement. Certifications already recorded keep their expiry.
func (s *Service) UpdateDefinition(ctx context.Context, actor policy.Actor, actorName, key string, in DefinitionInput) (Definition, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Definition{}, err
	}
	in = in.normalize()
	if err := in.validate(false); err != nil {
		return Definition{}, err
	}
	all, err := s.Store.Catalogue(ctx, actor.WorkspaceID)
	if err != nil {
		return Definition{}, err
	}
	i := slices.IndexFunc(all, func(d Definition) bool { return d.Key == key })
	if i < 0 {
		return Definition{}, tandem.Errorf(tandem.KindNotFound, "The certification %q is not in the catalogue.", key)
	}
	before := all[i]
	d := before
	d.Name, d.ValidityMonths, d.Motion, d.Product, d.Retired, d.UpdatedAt = in.Name, in.ValidityMonths, in.Motion, in.Product, in.Retired, s.Now().UTC()
	e := audit.New(ctx, actor, actorName, d.UpdatedAt, "certification.redefine", "certification_definition", d.Key, definitionView(before), definitionView(d), "")
	if err := s.Store.UpdateDefinition(ctx, d, e); err != nil {
		return Definition{}, err
	}
	return d, nil
}

func definitionView(d Definition) map[string]any {
	return map[string]any{"key": d.Key, "name": d.Name, "validity_months": d.ValidityMonths, "motion": d.Motion, "product": d.Product, "retired": d.Retired}
}

func heldView(h Held) map[string]any {
	return map[string]any{"partner_id": h.PartnerID, "contact_id": h.ContactID, "key": h.Key, "earned_on": FormatDate(h.EarnedOn),
		"expires_on": FormatDate(h.ExpiresOn), "evidence": h.Evidence}
}

// ForPartner returns the certifications recorded for a partner, newest first: to the
// vendor's people who may see the partner, and to the partner's own people (who must
// be given only PartnerView).
func (s *Service) ForPartner(ctx context.Context, actor policy.Actor, partnerID string) ([]Held, error) {
	if err := s.authorizeRead(actor, partnerID); err != nil {
		return nil, err
	}
	if _, err := s.Store.PartnerName(ctx, actor.WorkspaceID, partnerID); err != nil {
		return nil, err
	}
	return s.Store.PartnerCertifications(ctx, actor.WorkspaceID, partnerID)
}

func (s *Service) authorizeRead(actor policy.Actor, partnerID string) error {
	if actor.IsPartner() {
		return policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.PartnerProfile, WorkspaceID: actor.WorkspaceID, ID: partnerID, Partners: []string{partnerID}})
	}
	return policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: partnerID})
}

// Record records a certification earned by the partner (or one of its people), for
// people who may change the partner. The expiry follows from the catalogue's
// validity. Invalid input is a KindInvalid error naming the field; nothing is saved.
func (s *Service) Record(ctx context.Context, actor policy.Actor, actorName, partnerID string, in RecordInput) (Held, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: partnerID}); err != nil {
		return Held{}, err
	}
	if _, err := s.Store.PartnerName(ctx, actor.WorkspaceID, partnerID); err != nil {
		return Held{}, err
	}
	all, err := s.Store.Catalogue(ctx, actor.WorkspaceID)
	if err != nil {
		return Held{}, err
	}
	in.Key, in.ContactID, in.Evidence = strings.TrimSpace(in.Key), strings.TrimSpace(in.ContactID), strings.TrimSpace(in.Evidence)
	var d *Definition
	if i := slices.IndexFunc(all, func(x Definition) bool { return x.Key == in.Key }); i >= 0 {
		d = &all[i]
	}
	now := s.Now().UTC()
	earned, expires, err := in.prepare(d, now)
	holder := ""
	if in.ContactID != "" {
		name, cerr := s.Store.PartnerContactName(ctx, actor.WorkspaceID, partnerID, in.ContactID)
		switch {
		case tandem.KindOf(cerr) == tandem.KindNotFound:
			fe := tandem.FieldError{Path: "contact_id", Detail: "is not one of this partner's people"}
			if err != nil {
				return Held{}, tandem.Invalid(tandem.MessageOf(err), append(tandem.FieldsOf(err), fe)...)
			}
			return Held{}, tandem.Invalid("The certification was not recorded.", fe)
		case cerr != nil:
			return Held{}, cerr
		}
		holder = name
	}
	if err != nil {
		return Held{}, err
	}
	h := Held{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("crt", now), PartnerID: partnerID, ContactID: in.ContactID, Key: in.Key,
		EarnedOn: earned, ExpiresOn: expires, RecordedBy: audit.ActorID(actor), RecorderName: actorName, Evidence: in.Evidence, CreatedAt: now,
		Name: d.Name, HolderName: holder}
	e := audit.New(ctx, actor, actorName, now, "certification.record", "partner", partnerID, nil, heldView(h), "Recorded "+h.Describe()+" ("+h.ID+").")
	if err := s.Store.RecordCertification(ctx, h, e); err != nil {
		return Held{}, err
	}
	return h, nil
}

// Revoke revokes a certification of the partner with a reason, for people who may
// change the partner; it stops counting at once. Revoking one already revoked is a
// KindConflict error.
func (s *Service) Revoke(ctx context.Context, actor policy.Actor, actorName, partnerID, id, reason string) (Held, error) {
	if err := policy.Authorize(actor, policy.Delete, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID, ID: partnerID}); err != nil {
		return Held{}, err
	}
	h, err := s.Store.Certification(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Held{}, err
	}
	if h.PartnerID != partnerID {
		return Held{}, tandem.Errorf(tandem.KindNotFound, "Certification not found.")
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Held{}, tandem.Invalid("The certification was not revoked.", tandem.FieldError{Path: "reason", Detail: "is required: say why the certification no longer stands"})
	case len(reason) > MaxReasonLen:
		return Held{}, tandem.Invalid("The certification was not revoked.", tandem.FieldError{Path: "reason", Detail: fmt.Sprintf("must be at most %d characters", MaxReasonLen)})
	}
	if h.Revoked() {
		return Held{}, tandem.Errorf(tandem.KindConflict, "This certification was already revoked on %s.", FormatDate(h.RevokedAt))
	}
	now := s.Now().UTC()
	h.RevokedAt, h.RevokedBy, h.RevokerName, h.RevokeReason = now, audit.ActorID(actor), actorName, reason
	e := audit.New(ctx, actor, actorName, now, "certification.revoke", "partner", partnerID,
		map[string]any{"certification": h.ID, "revoked": false}, map[string]any{"certification": h.ID, "revoked": true}, "Revoked "+h.Describe()+": "+reason)
	if err := s.Store.RevokeCertification(ctx, h, e); err != nil {
		return Held{}, err
	}
	return h, nil
}

// ValidKeys returns, for each of the partners, the keys of the certifications its
// organisation or its people hold valid at t. It is for the system's own rules
// (registration eligibility and the conflict policy) and checks no actor.
func (s *Service) ValidKeys(ctx context.Context, workspaceID string, partnerIDs []string, at time.Time) (map[string][]string, error) {
	if len(partnerIDs) == 0 {
		return map[string][]string{}, nil
	}
	hs, err := s.Store.CurrentCertifications(ctx, workspaceID, partnerIDs, at)
	if err != nil {
		return nil, err
	}
	return ValidKeys(hs, at), nil
}

// Names returns the catalogue's names by key, for messages that name a
// certification. It checks no actor.
func (s *Service) Names(ctx context.Context, workspaceID string) (map[string]string, error) {
	all, err := s.Store.Catalogue(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(all))
	for _, d := range all {
		out[d.Key] = d.Name
	}
	return out, nil
}

// Remind sends the expiry reminders due in the workspace at now: each valid
// certification expiring within ReminderDays that was not renewed is announced once
// per expiry to its partner's admins and partner manager, in-app and by email. It is
// idempotent — a reminder already saved is never sent again, even by a concurrent
// run — and returns how many certifications it reminded of.
func (s *Service) Remind(ctx context.Context, workspaceID string) (int, error) {
	now := s.Now().UTC()
	hs, err := s.Store.CurrentCertifications(ctx, workspaceID, nil, now)
	if err != nil {
		return 0, err
	}
	var due []Held
	for _, h := range hs {
		if DueReminder(h, hs, now) {
			due = append(due, h)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	ws, err := s.Store.Workspace(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	sent := 0
	people := map[string][]Person{}
	for _, h := range due {
		who, ok := people[h.PartnerID]
		if !ok {
			if who, err = s.Store.ReminderRecipients(ctx, workspaceID, h.PartnerID); err != nil {
				return sent, err
			}
			people[h.PartnerID] = who
		}
		r, err := s.reminder(ctx, ws, h, who, now)
		if err != nil {
			return sent, err
		}
		ok, err = s.Store.SaveReminder(ctx, r)
		if err != nil {
			return sent, fmt.Errorf("save the expiry reminder of certification %s: %w", h.ID, err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (s *Service) reminder(ctx context.Context, ws workspace.Workspace, h Held, people []Person, now time.Time) (Reminder, error) {
	partnerName, err := s.Store.PartnerName(ctx, ws.ID, h.PartnerID)
	if err != nil {
		return Reminder{}, err
	}
	days := int(Day(h.ExpiresOn).Sub(Day(now)).Hours() / 24)
	title := fmt.Sprintf("Certification expiring: %s", h.Name)
	holder := partnerName
	if h.HolderName != "" {
		holder = h.HolderName + " (" + partnerName + ")"
	}
	body := fmt.Sprintf("%s's %s certification expires on %s, in %d days. Renew it before then to keep it counting for registration, conflict rulings and tier requirements.",
		holder, h.Name, h.ExpiresOn.Format("2 January 2006"), days)
	r := Reminder{Held: h}
	r.Held.RemindedUntil = h.ExpiresOn
	for _, p := range people {
		link := "/partners/" + h.PartnerID + "#certifications"
		if p.Partner {
			link = "/portal/profile#certifications"
		}
		r.Notifications = append(r.Notifications, notify.New(ws.ID, p.UserID, title, body, link, now))
		if p.Email == "" || s.Mail == nil {
			continue
		}
		subject, text, html, err := s.Mail.Render("notice", map[string]any{"WorkspaceName": ws.Name, "PersonName": p.Name, "Title": title,
			"Body": body, "Link": strings.TrimSuffix(s.BaseURL, "/") + "/w/" + ws.Slug + link})
		if err != nil {
			return Reminder{}, fmt.Errorf("render the certification reminder: %w", err)
		}
		r.Messages = append(r.Messages, outbox.Message{WorkspaceID: ws.ID, ID: tandem.NewID("msg", now), To: p.Email, ToName: p.Name,
			Subject: subject, Text: text, HTML: html, Status: outbox.Queued, CreatedAt: now})
	}
	r.Audit = audit.New(ctx, policy.System(ws.ID), "Certification reminders", now, "certification.remind", "partner", h.PartnerID, nil,
		map[string]any{"certification": h.ID, "expires_on": FormatDate(h.ExpiresOn), "recipients": len(people)}, "Reminded of "+h.Describe()+".")
	return r, nil
}

// PartnerView is a certification as the partner's own people see it: no evidence,
// no recorder, no reasons.
type PartnerView struct {
	ID         string `json:"id"`
	Key        string `json:"key"`
	Name       string `json:"name"`
	HolderName string `json:"holder_name"`
	EarnedOn   string `json:"earned_on"`
	ExpiresOn  string `json:"expires_on"`
	Status     string `json:"status"`
}

// ForPartnerView returns h as its partner may see it, with its status at now.
func ForPartnerView(h Held, now time.Time) PartnerView {
	return PartnerView{ID: h.ID, Key: h.Key, Name: h.Name, HolderName: h.HolderName, EarnedOn: FormatDate(h.EarnedOn),
		ExpiresOn: FormatDate(h.ExpiresOn), Status: string(h.StatusAt(now))}
}
