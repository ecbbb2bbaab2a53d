package pipeline

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Store is what the pipeline service needs from persistence. Every method is scoped
// to one workspace; a record of another workspace is not found.
type Store interface {
	// ListAccounts returns accounts matching f with ids after `after`, in id order, at
	// most limit of them, and whether more follow.
	ListAccounts(ctx context.Context, workspaceID string, f AccountFilter, after string, limit int) ([]Account, bool, error)
	// AccountByID returns one account, or a not-found error.
	AccountByID(ctx context.Context, workspaceID, id string) (Account, error)
	// SaveAccount inserts a (expected 0) or updates it while its stored version is
	// still expected, storing expected+1; otherwise it fails with a conflict. The
	// audit entry is written in the same transaction.
	SaveAccount(ctx context.Context, a Account, expected int, e audit.Entry) error

	// ListContacts, ContactByID and SaveContact do the same for contacts at accounts.
	ListContacts(ctx context.Context, workspaceID string, f ContactFilter, after string, limit int) ([]Contact, bool, error)
	ContactByID(ctx context.Context, workspaceID, id string) (Contact, error)
	SaveContact(ctx context.Context, c Contact, expected int, e audit.Entry) error

	// ListOpportunities returns opportunities matching f (PartnerID: those the partner
	// is attributed on) with ids after `after`, in id order, at most limit, and whether
	// more follow; each with AccountName, OwnerName and Attribution filled.
	ListOpportunities(ctx context.Context, workspaceID string, f Filter, after string, limit int) ([]Opportunity, bool, error)
	// OpportunityByID returns one opportunity with AccountName, OwnerName and
	// Attribution filled, or a not-found error.
	OpportunityByID(ctx context.Context, workspaceID, id string) (Opportunity, error)
	// SaveOpportunity saves w in one transaction (see Write).
	SaveOpportunity(ctx context.Context, w Write) error
	// StageHistory returns the opportunity's stage changes, oldest first.
	StageHistory(ctx context.Context, workspaceID, opportunityID string) ([]StageChange, error)

	// AttributionSettings returns the workspace's attribution rules as saved (JSON),
	// or nothing when it has never changed them.
	AttributionSettings(ctx context.Context, workspaceID string) ([]byte, error)
	// RegistrationApproved reports whether the registration was ever approved.
	RegistrationApproved(ctx context.Context, workspaceID, registrationID string) (bool, error)
	// KnownPartners returns which of the ids are partners of the workspace.
	KnownPartners(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error)
	// InternalUser returns the name of the workspace's internal (vendor) user with the
	// id, or a not-found error.
	InternalUser(ctx context.Context, workspaceID, id string) (string, error)

	// Workspace returns the workspace's names and stored pipeline settings.
	Workspace(ctx context.Context, workspaceID string) (WorkspaceInfo, error)
	// SavePipelineSettings stores the settings (JSON) with the audit entry.
	SavePipelineSettings(ctx context.Context, workspaceID string, raw []byte, e audit.Entry) error
	// People returns the active users among ids (vendor or partner users), in id order.
	People(ctx context.Context, workspaceID string, ids []string) ([]Person, error)
	// Admins returns the workspace's active administrators.
	Admins(ctx context.Context, workspaceID string) ([]Person, error)

	// ListNotes returns the opportunity's notes that f lets through, newest first.
	ListNotes(ctx context.Context, workspaceID, opportunityID string, f NoteFilter) ([]Note, error)
	// SaveNote saves a note and what it changes on its opportunity in one transaction
	// (see NoteWrite).
	SaveNote(ctx context.Context, w NoteWrite) error
	// ListAttachments returns the opportunity's attachments that f lets through,
	// newest first, without their content.
	ListAttachments(ctx context.Context, workspaceID, opportunityID string, f AttachmentFilter) ([]Attachment, error)
	// AttachmentByID returns one attachment of the opportunity, or a not-found error.
	AttachmentByID(ctx context.Context, workspaceID, opportunityID, id string) (Attachment, error)
	// AttachmentContent returns a file attachment's content, or a not-found error.
	AttachmentContent(ctx context.Context, workspaceID, id string) ([]byte, error)
	// AttachedKinds returns the kinds of the attachments the opportunity holds.
	AttachedKinds(ctx context.Context, workspaceID, opportunityID string) ([]string, error)
	// SaveAttachment saves an attachment in one transaction (see AttachmentWrite).
	SaveAttachment(ctx context.Context, w AttachmentWrite) error
	// RemoveAttachment deletes an attachment and its content with the audit entry,
	// or fails with not found.
	RemoveAttachment(ctx context.Context, r AttachmentRemoval) error
	// FlagFollowUp marks a follow-up overdue with its effects (see FollowUpFlag) and
	// reports whether it did.
	FlagFollowUp(ctx context.Context, f FollowUpFlag) (bool, error)

	// ListMilestones returns the opportunity's plan in plan order.
	ListMilestones(ctx context.Context, workspaceID, opportunityID string) ([]Milestone, error)
	// MilestoneByID returns one milestone, or a not-found error.
	MilestoneByID(ctx context.Context, workspaceID, id string) (Milestone, error)
	// SavePlan saves milestones in one transaction (see PlanWrite); a milestone whose
	// stored version moved on fails it with a conflict.
	SavePlan(ctx context.Context, w PlanWrite) error
	// FlagMilestone marks a milestone nudged with its effects (see MilestoneFlag) and
	// reports whether it did.
	FlagMilestone(ctx context.Context, f MilestoneFlag) (bool, error)
	// PartnerPerson returns an active partner user and the partner it belongs to.
	PartnerPerson(ctx context.Context, workspaceID, userID string) (Person, string, error)
	// PartnerContact returns a contact of a partner that is not offboarded, and the
	// partner it belongs to.
	PartnerContact(ctx context.Context, workspaceID, contactID string) (Person, string, error)
	// Approvers returns the active admins and partner managers, with their roles.
	Approvers(ctx context.Context, workspaceID string) ([]Person, error)
	// PartnerTier returns the partner's program tier ("" when it has none).
	PartnerTier(ctx context.Context, workspaceID, partnerID string) (string, error)
	// StageModels returns the workspace's saved stage models (none for a workspace that
	// uses every default).
	StageModels(ctx context.Context, workspaceID string) ([]StoredModel, error)
	// StageOccupancy counts the motion's open and won opportunities by stage key.
	StageOccupancy(ctx context.Context, workspaceID string, m tandem.Motion) (map[string]stage.Occupancy, error)
	// SaveStageModel saves one motion's model in one transaction (see
	// StageModelWrite).
	SaveStageModel(ctx context.Context, w StageModelWrite) error
	// StepRenewal records a renewal timer's step (see RenewalStep) and reports
	// whether it did.
	StepRenewal(ctx context.Context, st RenewalStep) (bool, error)
}

// Service is the one place accounts, contacts and opportunities are listed, created
// and changed, stages moved and partners credited; every transport calls it.
type Service struct {
	Store Store
	Now   func() time.Time
	// Mail renders the emails timers send (nil: people are told in the app only).
	Mail outbox.Renderer
	// BaseURL is where links in emails point (the deployment's public address).
	BaseURL string
}

func resource(kind policy.Kind, actor policy.Actor, id string, partners ...string) policy.Resource {
	return policy.Resource{Kind: kind, WorkspaceID: actor.WorkspaceID, ID: id, Partners: partners}
}

// needVersion refuses a change that does not say which version it was made to.
func needVersion(v int) error {
	if v <= 0 {
		return tandem.Invalid("The change does not say which version it applies to.",
			tandem.FieldError{Path: "version", Detail: "is required: send the version you last read"})
	}
	return nil
}

// ---- Accounts ----

// AccountInput describes an account to create, or with pointers the fields to change.
type AccountInput struct {
	Name, Domain, Country, Industry, OwnerUserID *string
	// IncumbentPartnerID is the partner of record on the customer (G6), or "" for none.
	IncumbentPartnerID *string
}

// ListAccounts returns one page of the workspace's accounts matching f.
func (s *Service) ListAccounts(ctx context.Context, actor policy.Actor, f AccountFilter, after string, limit int) ([]Account, bool, error) {
	if err := policy.Authorize(actor, policy.List, resource(policy.Accounts, actor, "")); err != nil {
		return nil, false, err
	}
	f.Query = strings.TrimSpace(f.Query)
	return s.Store.ListAccounts(ctx, actor.WorkspaceID, f, after, limit)
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, actor policy.Actor, id string) (Account, error) {
	if err := policy.Authorize(actor, policy.Read, resource(policy.Accounts, actor, id)); err != nil {
		return Account{}, err
	}
	return s.Store.AccountByID(ctx, actor.WorkspaceID, id)
}

func applyAccount(a *Account, in AccountInput) {
	set := func(dst *string, v *string, f func(string) string) {
		if v != nil {
			*dst = f(strings.TrimSpace(*v))
		}
	}
	same := func(s string) string { return s }
	set(&a.Name, in.Name, same)
	set(&a.Domain, in.Domain, strings.ToLower)
	set(&a.Country, in.Country, strings.ToUpper)
	set(&a.Industry, in.Industry, same)
	set(&a.OwnerUserID, in.OwnerUserID, same)
	set(&a.IncumbentPartnerID, in.IncumbentPartnerID, same)
}

// checkIncumbent reports an incumbent partner the workspace does not have.
func (s *Service) checkIncumbent(ctx context.Context, a Account, p *tandem.Problems) error {
	if a.IncumbentPartnerID == "" {
		return nil
	}
	known, err := s.Store.KnownPartners(ctx, a.WorkspaceID, []string{a.IncumbentPartnerID})
	if err != nil {
		return err
	}
	if !known[a.IncumbentPartnerID] {
		p.Add("incumbent_partner_id", "is not a partner of this workspace")
	}
	return nil
}

// checkOwner reports an owner that is not an internal user of the workspace as a
// field error at path.
func (s *Service) checkOwner(ctx context.Context, workspaceID, ownerID, path string, p *tandem.Problems) error {
	if ownerID == "" {
		return nil
	}
	if _, err := s.Store.InternalUser(ctx, workspaceID, ownerID); err != nil {
		if tandem.KindOf(err) != tandem.KindNotFound {
			return err
		}
		p.Add(path, "is not a user of this workspace")
	}
	return nil
}

func validateAccount(a Account, p tandem.Problems) error {
	for _, f := range tandem.FieldsOf(a.Validate()) {
		p = append(p, f)
	}
	if len(a.Domain) > 253 {
		p.Add("domain", "must be at most 253 characters")
	}
	if utf8.RuneCountInString(a.Industry) > 100 {
		p.Add("industry", "must be at most 100 characters")
	}
	return p.Err("The account is not valid.")
}

// CreateAccount validates in and saves it as a new account, audited.
func (s *Service) CreateAccount(ctx context.Context, actor policy.Actor, actorName string, in AccountInput) (Account, error) {
	if err := policy.Authorize(actor, policy.Create, resource(policy.Accounts, actor, "")); err != nil {
		return Account{}, err
	}
	now := s.Now().UTC()
	a := Account{Account: account.Account{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("acc", now), CreatedAt: now, UpdatedAt: now}, Version: 1}
	applyAccount(&a, in)
	var p tandem.Problems
	if err := s.checkOwner(ctx, actor.WorkspaceID, a.OwnerUserID, "owner_user_id", &p); err != nil {
		return Account{}, err
	}
	if err := s.checkIncumbent(ctx, a, &p); err != nil {
		return Account{}, err
	}
	if err := validateAccount(a, p); err != nil {
		return Account{}, err
	}
	e := audit.New(ctx, actor, actorName, now, "account.create", "account", a.ID, nil, a, "")
	if err := s.Store.SaveAccount(ctx, a, 0, e); err != nil {
		return Account{}, err
	}
	return a, nil
}

// UpdateAccount applies the non-nil fields of in to the account at version, which
// must be the version the caller read; a newer stored version is a conflict whose
// error carries the current account (CurrentOf).
func (s *Service) UpdateAccount(ctx context.Context, actor policy.Actor, actorName, id string, version int, in AccountInput) (Account, error) {
	if err := policy.Authorize(actor, policy.Update, resource(policy.Accounts, actor, id)); err != nil {
		return Account{}, err
	}
	if err := needVersion(version); err != nil {
		return Account{}, err
	}
	before, err := s.Store.AccountByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Account{}, err
	}
	if before.Version != version {
		return Account{}, stale("account", before, before.Version)
	}
	after := before
	applyAccount(&after, in)
	var p tandem.Problems
	if after.OwnerUserID != before.OwnerUserID {
		if err := s.checkOwner(ctx, actor.WorkspaceID, after.OwnerUserID, "owner_user_id", &p); err != nil {
			return Account{}, err
		}
	}
	if after.IncumbentPartnerID != before.IncumbentPartnerID {
		if err := s.checkIncumbent(ctx, after, &p); err != nil {
			return Account{}, err
		}
	}
	if err := validateAccount(after, p); err != nil {
		return Account{}, err
	}
	if audit.Diff(before, after) == "" {
		return before, nil
	}
	after.UpdatedAt, after.Version = s.Now().UTC(), version+1
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "account.update", "account", id, before, after, "")
	if err := s.Store.SaveAccount(ctx, after, version, e); err != nil {
		return Account{}, s.staleAccount(ctx, actor, id, err)
	}
	return after, nil
}

func (s *Service) staleAccount(ctx context.Context, actor policy.Actor, id string, err error) error {
	if tandem.KindOf(err) != tandem.KindConflict {
		return err
	}
	if cur, rerr := s.Store.AccountByID(ctx, actor.WorkspaceID, id); rerr == nil {
		return stale("account", cur, cur.Version)
	}
	return err
}

// ---- Contacts ----

// ContactInput describes a contact to create, or with pointers the fields to change.
type ContactInput struct {
	AccountID, Name, Email, Title *string
}

// ListContacts returns one page of contacts at the workspace's accounts matching f.
func (s *Service) ListContacts(ctx context.Context, actor policy.Actor, f ContactFilter, after string, limit int) ([]Contact, bool, error) {
	if err := policy.Authorize(actor, policy.List, resource(policy.Contacts, actor, "")); err != nil {
		return nil, false, err
	}
	f.Query = strings.TrimSpace(f.Query)
	return s.Store.ListContacts(ctx, actor.WorkspaceID, f, after, limit)
}

// Contact returns one contact.
func (s *Service) Contact(ctx context.Context, actor policy.Actor, id string) (Contact, error) {
	if err := policy.Authorize(actor, policy.Read, resource(policy.Contacts, actor, id)); err != nil {
		return Contact{}, err
	}
	return s.Store.ContactByID(ctx, actor.WorkspaceID, id)
}

func applyContact(c *Contact, in ContactInput) {
	if in.AccountID != nil {
		c.AccountID = strings.TrimSpace(*in.AccountID)
	}
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if in.Email != nil {
		c.Email = strings.ToLower(strings.TrimSpace(*in.Email))
	}
	if in.Title != nil {
		c.Title = strings.TrimSpace(*in.Title)
	}
}

func (s *Service) validateContact(ctx context.Context, c Contact, checkAccount bool) error {
	var p tandem.Problems
	if c.AccountID == "" {
		p.Add("account_id", "is required")
	} else if checkAccount {
		if _, err := s.Store.AccountByID(ctx, c.WorkspaceID, c.AccountID); err != nil {
			if tandem.KindOf(err) != tandem.KindNotFound {
				return err
			}
			p.Add("account_id", "is not an account of this workspace")
		}
	}
	for _, f := range tandem.FieldsOf(c.Validate()) {
		if f.Path != "account_id" {
			p = append(p, f)
		}
	}
	if utf8.RuneCountInString(c.Name) > 200 {
		p.Add("name", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(c.Title) > 200 {
		p.Add("title", "must be at most 200 characters")
	}
	return p.Err("The contact is not valid.")
}

// CreateContact validates in and saves it as a new contact at an account, audited.
func (s *Service) CreateContact(ctx context.Context, actor policy.Actor, actorName string, in ContactInput) (Contact, error) {
	if err := policy.Authorize(actor, policy.Create, resource(policy.Contacts, actor, "")); err != nil {
		return Contact{}, err
	}
	now := s.Now().UTC()
	c := Contact{Contact: account.Contact{WorkspaceID: actor.WorkspaceID, ID: tandem.NewID("con", now), CreatedAt: now}, UpdatedAt: now, Version: 1}
	applyContact(&c, in)
	if err := s.validateContact(ctx, c, true); err != nil {
		return Contact{}, err
	}
	e := audit.New(ctx, actor, actorName, now, "contact.create", "contact", c.ID, nil, c, "")
	if err := s.Store.SaveContact(ctx, c, 0, e); err != nil {
		return Contact{}, err
	}
	return c, nil
}

// UpdateContact applies the non-nil fields of in to the contact at version (see
// UpdateAccount for the version rule).
func (s *Service) UpdateContact(ctx context.Context, actor policy.Actor, actorName, id string, version int, in ContactInput) (Contact, error) {
	if err := policy.Authorize(actor, policy.Update, resource(policy.Contacts, actor, id)); err != nil {
		return Contact{}, err
	}
	if err := needVersion(version); err != nil {
		return Contact{}, err
	}
	before, err := s.Store.ContactByID(ctx, actor.WorkspaceID, id)
	if err != nil {
		return Contact{}, err
	}
	if before.Version != version {
		return Contact{}, stale("contact", before, before.Version)
	}
	after := before
	applyContact(&after, in)
	if err := s.validateContact(ctx, after, after.AccountID != before.AccountID); err != nil {
		return Contact{}, err
	}
	if audit.Diff(before, after) == "" {
		return before, nil
	}
	after.UpdatedAt, after.Version = s.Now().UTC(), version+1
	e := audit.New(ctx, actor, actorName, after.UpdatedAt, "contact.update", "contact", id, before, after, "")
	if err := s.Store.SaveContact(ctx, after, version, e); err != nil {
		if tandem.KindOf(err) == tandem.KindConflict {
			if cur, rerr := s.Store.ContactByID(ctx, actor.WorkspaceID, id); rerr == nil {
				return Contact{}, stale("contact", cur, cur.Version)
			}
		}
		return Contact{}, err
	}
	return after, nil
}
