package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// AccountCSVHeader names the columns of an account export, which are the columns an
// account import reads (so an export imports again unchanged).
var AccountCSVHeader = []string{"id", "name", "domain", "country", "industry", "owner_user_id", "incumbent_partner_id"}

// ContactCSVHeader names the columns of a contact export and import. A contact row
// names its account by account_id or, when that is empty, by account_domain; or it
// names a partner by partner_id (a partner's contact).
var ContactCSVHeader = []string{"id", "account_id", "account_domain", "partner_id", "name", "email", "title"}

// AccountImportSchema is the CSV an account import reads. Every column but name is
// optional; "account" or "company" are accepted for name, "website" for domain and
// "owner" for owner_user_id. An empty id gets a new one.
var AccountImportSchema = csvimport.Schema{
	Columns: []csvimport.Column{
		{Name: "id"},
		{Name: "name", Required: true, Aliases: []string{"account", "company"}},
		{Name: "domain", Aliases: []string{"website"}},
		{Name: "country"},
		{Name: "industry"},
		{Name: "owner_user_id", Aliases: []string{"owner"}},
		{Name: "incumbent_partner_id", Aliases: []string{"incumbent_partner"}},
	},
	Validate: func(row map[string]string) tandem.Problems { _, p := accountFromRow(row); return p },
}

// ContactImportSchema is the CSV a contact import reads; "contact" is accepted for
// name, "job_title" for title.
var ContactImportSchema = csvimport.Schema{
	Columns: []csvimport.Column{
		{Name: "id"},
		{Name: "account_id"},
		{Name: "account_domain"},
		{Name: "partner_id"},
		{Name: "name", Required: true, Aliases: []string{"contact"}},
		{Name: "email"},
		{Name: "title", Aliases: []string{"job_title"}},
	},
	Validate: func(row map[string]string) tandem.Problems { _, _, p := contactFromRow(row); return p },
}

// ImportStore is what an import needs besides Store. The lookups run before the
// write transaction; ImportAccounts and ImportContacts insert every record and the
// audit entry in one transaction (all or none), calling progress with the number
// of records written so far.
type ImportStore interface {
	ImportAccounts(ctx context.Context, as []Account, e audit.Entry, progress func(done int)) error
	ImportContacts(ctx context.Context, cs []Contact, e audit.Entry, progress func(done int)) error
	// ExistingAccountIDs and ExistingContactIDs return which of ids are taken in the
	// workspace (contacts of partners included).
	ExistingAccountIDs(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error)
	ExistingContactIDs(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error)
	// AccountsByDomain returns, for each of domains that accounts of the workspace
	// have, the ids of those accounts (at most two: enough to tell it is ambiguous).
	AccountsByDomain(ctx context.Context, workspaceID string, domains []string) (map[string][]string, error)
	// InternalUserIDs returns which of ids are internal (vendor) users of the workspace.
	InternalUserIDs(ctx context.Context, workspaceID string, ids []string) (map[string]bool, error)
	// ExportContacts lists contacts of accounts and of partners matching f, in id
	// order after `after`, at most limit, and whether more follow.
	ExportContacts(ctx context.Context, workspaceID string, f ContactExportFilter, after string, limit int) ([]ContactRow, bool, error)
}

// ImportOptions tune an import: the reader's options (limits, reading progress) and
// Saved, called while the records are written with how many of total are stored.
type ImportOptions struct {
	csvimport.Options
	Saved func(done, total int)
}

func validID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkID(p *tandem.Problems, col, id string) {
	if id != "" && !validID(id) {
		p.Add(col, "must be at most 64 letters, digits, _ or -")
	}
}

// ImportDomain reduces a web address, host or e-mail address to the registrable
// domain an account is kept under, or reports why it cannot be one.
func ImportDomain(s string) (string, string) {
	if len(s) > 253 {
		return "", "must be at most 253 characters"
	}
	d, ok := match.RegistrableDomain(s)
	if !ok {
		return "", "is not a company web domain such as acme.com (IP addresses, public suffixes and free-mail providers are not)"
	}
	return d, ""
}

// ImportCountry turns an ISO 3166 alpha-2 or alpha-3 code or a country name into the
// alpha-2 code, or reports false.
func ImportCountry(s string) (string, bool) {
	c := match.NormalizeCountry(s)
	if len(c) != 2 {
		return "", false
	}
	r, err := language.ParseRegion(c)
	if err != nil || !r.IsCountry() {
		return "", false
	}
	return r.String(), true
}

// accountFromRow is the account one import row asks to create, with every problem
// that can be seen from the row alone (not ids of other records, not duplicates).
func accountFromRow(row map[string]string) (Account, tandem.Problems) {
	var p tandem.Problems
	a := Account{Account: account.Account{ID: row["id"], Name: row["name"], Industry: row["industry"]},
		OwnerUserID: row["owner_user_id"], IncumbentPartnerID: row["incumbent_partner_id"], Version: 1}
	checkID(&p, "id", a.ID)
	if utf8.RuneCountInString(a.Name) > 300 {
		p.Add("name", "must be at most 300 characters")
	}
	if v := row["domain"]; v != "" {
		d, why := ImportDomain(v)
		if why != "" {
			p.Add("domain", "%s", why)
		}
		a.Domain = d
	}
	if v := row["country"]; v != "" {
		c, ok := ImportCountry(v)
		if !ok {
			p.Add("country", "must be an ISO 3166 country code such as NL or US (or a country's name)")
		}
		a.Country = c
	}
	if utf8.RuneCountInString(a.Industry) > 100 {
		p.Add("industry", "must be at most 100 characters")
	}
	checkID(&p, "owner_user_id", a.OwnerUserID)
	checkID(&p, "incumbent_partner_id", a.IncumbentPartnerID)
	return a, p
}

// contactFromRow is the contact one import row asks to create and the account domain
// it names (when it names its account by domain), with the row's own problems.
func contactFromRow(row map[string]string) (Contact, string, tandem.Problems) {
	var p tandem.Problems
	c := Contact{Contact: account.Contact{ID: row["id"], AccountID: row["account_id"], PartnerID: row["partner_id"], Name: row["name"],
		Email: strings.ToLower(row["email"]), Title: row["title"]}, Version: 1}
	checkID(&p, "id", c.ID)
	checkID(&p, "account_id", c.AccountID)
	checkID(&p, "partner_id", c.PartnerID)
	domain := ""
	if v := row["account_domain"]; v != "" && c.AccountID == "" {
		d, why := ImportDomain(v)
		if why != "" {
			p.Add("account_domain", "%s", why)
		}
		domain = d
	}
	switch {
	case c.PartnerID != "" && (c.AccountID != "" || row["account_domain"] != ""):
		p.Add("partner_id", "a contact belongs to one account or one partner: leave partner_id or account_id and account_domain empty")
	case c.PartnerID == "" && c.AccountID == "" && row["account_domain"] == "":
		p.Add("account_id", "is required: name the account (account_id or account_domain) or the partner (partner_id)")
	}
	if utf8.RuneCountInString(c.Name) > 200 {
		p.Add("name", "must be at most 200 characters")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			p.Add("email", "must be a plain email address such as ana@example.com")
		}
	}
	if utf8.RuneCountInString(c.Title) > 200 {
		p.Add("title", "must be at most 200 characters")
	}
	return c, domain, p
}

// candidate is a row that passed its own checks, waiting for the checks against the
// rest of the file and the workspace.
type candidate[T any] struct {
	line   int
	rec    T
	domain string // contacts: the account domain to resolve
}

// rejects collects the rejections found after reading, one row possibly several times.
type rejects struct {
	errs  []csvimport.RowError
	lines map[int]bool
}

func (r *rejects) add(line int, col, format string, args ...any) {
	if r.lines == nil {
		r.lines = map[int]bool{}
	}
	r.errs = append(r.errs, csvimport.RowError{Line: line, Column: col, Reason: fmt.Sprintf(format, args...)})
	r.lines[line] = true
}

// merge adds r's rejections to the report in line order and counts their rows out of
// the valid ones.
func (r *rejects) merge(rep *csvimport.Report) {
	if len(r.errs) == 0 {
		return
	}
	rep.Rejected = append(rep.Rejected, r.errs...)
	slices.SortStableFunc(rep.Rejected, func(a, b csvimport.RowError) int { return a.Line - b.Line })
	rep.Valid -= len(r.lines)
}

// firstSeen reports a value seen on an earlier row of the file (the later rows are
// rejected, naming the first).
type firstSeen map[string]int

func (f firstSeen) check(r *rejects, line int, col, value, what string) {
	if value == "" {
		return
	}
	if first, ok := f[value]; ok {
		r.add(line, col, "line %d has the same %s", first, what)
		return
	}
	f[value] = line
}

func put(set map[string]bool, v string) {
	if v != "" {
		set[v] = true
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *Service) importStore() (ImportStore, error) {
	st, ok := s.Store.(ImportStore)
	if !ok {
		return nil, tandem.Errorf(tandem.KindInternal, "this store cannot import or export accounts and contacts")
	}
	return st, nil
}

// readCandidates reads the file and returns its plan with every row that passed its
// own checks, in file order.
func readCandidates[T any](ctx context.Context, r io.Reader, schema csvimport.Schema, opt csvimport.Options,
	build func(row map[string]string) (T, string)) (*csvimport.Plan, []candidate[T], error) {
	plan, err := csvimport.Read(ctx, r, schema, opt)
	if err != nil {
		return nil, nil, err
	}
	var cs []candidate[T]
	_ = plan.Commit(csvimport.ValidRowsOnly, func(line int, row map[string]string) error {
		rec, domain := build(row)
		cs = append(cs, candidate[T]{line: line, rec: rec, domain: domain})
		return nil
	})
	return plan, cs, nil
}

// commit applies mode to the plan whose report now includes the late rejections and
// returns the records to write: none (with the refusal) in AllOrNothing mode when any
// row was rejected, else every candidate not rejected late.
func commit[T any](plan *csvimport.Plan, mode csvimport.Mode, cs []candidate[T], late *rejects) ([]T, error) {
	var out []T
	i := 0
	err := plan.Commit(mode, func(int, map[string]string) error {
		c := cs[i]
		i++
		if !late.lines[c.line] {
			out = append(out, c.rec)
		}
		return nil
	})
	return out, err
}

func saved(opt ImportOptions, total int) func(int) {
	return func(done int) {
		if opt.Saved != nil {
			opt.Saved(done, total)
		}
	}
}

// ImportAccounts reads an account CSV (AccountImportSchema) and, unless dryRun,
// creates its accounts in one transaction.
//
// Every row is checked before anything is written: its own cells (name present,
// domain reduced to its registrable part, country an ISO code), then against the
// file (an id or domain already on an earlier row) and the workspace (an id or domain
// an account already has, an owner who is not an internal user, an incumbent that is
// not a partner). The report lists every rejected row with line, column and reason.
// With mode AllOrNothing (the default) one rejected row means nothing is created and
// a KindInvalid error is returned with the report; ValidRowsOnly creates the rest.
//
// The audit log gets one summary entry per import ("account.import": how many
// accounts, from how many rows) rather than one entry per account, so that a file of
// 100,000 accounts writes one audit row, not 100,000.
func (s *Service) ImportAccounts(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt ImportOptions) (csvimport.Report, int, error) {
	if err := policy.Authorize(actor, policy.Create, resource(policy.Accounts, actor, "")); err != nil {
		return csvimport.Report{}, 0, err
	}
	st, err := s.importStore()
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	plan, cs, err := readCandidates(ctx, r, AccountImportSchema, opt.Options, func(row map[string]string) (Account, string) {
		a, _ := accountFromRow(row)
		return a, ""
	})
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	late, err := s.checkAccounts(ctx, st, actor.WorkspaceID, cs)
	if err != nil {
		return plan.Report, 0, err
	}
	late.merge(&plan.Report)
	if dryRun {
		return plan.Report, 0, nil
	}
	as, err := commit(plan, mode, cs, late)
	if err != nil || len(as) == 0 {
		return plan.Report, 0, err
	}
	now := s.Now().UTC()
	for i := range as {
		a := &as[i]
		if a.ID == "" {
			a.ID = tandem.NewID("acc", now)
		}
		a.WorkspaceID, a.CreatedAt, a.UpdatedAt = actor.WorkspaceID, now, now
	}
	e := audit.New(ctx, actor, actorName, now, "account.import", "account", "", nil, nil,
		fmt.Sprintf("imported %d accounts from CSV (%d rows, %d rejected)", len(as), plan.Report.Rows, plan.Report.RejectedRows()))
	if err := st.ImportAccounts(ctx, as, e, saved(opt, len(as))); err != nil {
		return plan.Report, 0, err
	}
	return plan.Report, len(as), nil
}

func (s *Service) checkAccounts(ctx context.Context, st ImportStore, ws string, cs []candidate[Account]) (*rejects, error) {
	late := &rejects{lines: map[int]bool{}}
	ids, domains, owners, partners := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	seenID, seenDomain := firstSeen{}, firstSeen{}
	for _, c := range cs {
		seenID.check(late, c.line, "id", c.rec.ID, "id")
		seenDomain.check(late, c.line, "domain", c.rec.Domain, "domain")
		put(ids, c.rec.ID)
		put(domains, c.rec.Domain)
		put(owners, c.rec.OwnerUserID)
		put(partners, c.rec.IncumbentPartnerID)
	}
	takenIDs, err := st.ExistingAccountIDs(ctx, ws, keys(ids))
	if err != nil {
		return nil, err
	}
	takenDomains, err := st.AccountsByDomain(ctx, ws, keys(domains))
	if err != nil {
		return nil, err
	}
	users, err := st.InternalUserIDs(ctx, ws, keys(owners))
	if err != nil {
		return nil, err
	}
	known, err := s.knownPartners(ctx, ws, keys(partners))
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		a := c.rec
		if a.ID != "" && takenIDs[a.ID] {
			late.add(c.line, "id", "an account with this id already exists")
		}
		if other := takenDomains[a.Domain]; a.Domain != "" && len(other) > 0 {
			late.add(c.line, "domain", "account %s already has this domain", other[0])
		}
		if a.OwnerUserID != "" && !users[a.OwnerUserID] {
			late.add(c.line, "owner_user_id", "is not a user of this workspace")
		}
		if a.IncumbentPartnerID != "" && !known[a.IncumbentPartnerID] {
			late.add(c.line, "incumbent_partner_id", "is not a partner of this workspace")
		}
	}
	return late, nil
}

// knownPartners asks the store about partner ids a few hundred at a time.
func (s *Service) knownPartners(ctx context.Context, ws string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		m, err := s.Store.KnownPartners(ctx, ws, ids[start:min(start+500, len(ids))])
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// ImportContacts reads a contact CSV (ContactImportSchema) and, unless dryRun,
// creates its contacts in one transaction, with the semantics of ImportAccounts.
// Each row names its account by account_id (which must exist) or, when that is
// empty, by account_domain (which exactly one account must have); or it names a
// partner by partner_id, which needs the right to change partners. Ids and, per
// account or partner, e-mail addresses must not repeat in the file; ids must be new.
// One summary audit entry ("contact.import") is written per import.
func (s *Service) ImportContacts(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt ImportOptions) (csvimport.Report, int, error) {
	if err := policy.Authorize(actor, policy.Create, resource(policy.Contacts, actor, "")); err != nil {
		return csvimport.Report{}, 0, err
	}
	st, err := s.importStore()
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	plan, cs, err := readCandidates(ctx, r, ContactImportSchema, opt.Options, func(row map[string]string) (Contact, string) {
		c, d, _ := contactFromRow(row)
		return c, d
	})
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	for _, c := range cs {
		if c.rec.PartnerID != "" {
			if err := policy.Authorize(actor, policy.Update, resource(policy.Partners, actor, "")); err != nil {
				return plan.Report, 0, err
			}
			break
		}
	}
	late, err := s.checkContacts(ctx, st, actor.WorkspaceID, cs)
	if err != nil {
		return plan.Report, 0, err
	}
	late.merge(&plan.Report)
	if dryRun {
		return plan.Report, 0, nil
	}
	out, err := commit(plan, mode, cs, late)
	if err != nil || len(out) == 0 {
		return plan.Report, 0, err
	}
	now := s.Now().UTC()
	for i := range out {
		c := &out[i]
		if c.ID == "" {
			c.ID = tandem.NewID("con", now)
		}
		c.WorkspaceID, c.CreatedAt, c.UpdatedAt = actor.WorkspaceID, now, now
	}
	e := audit.New(ctx, actor, actorName, now, "contact.import", "contact", "", nil, nil,
		fmt.Sprintf("imported %d contacts from CSV (%d rows, %d rejected)", len(out), plan.Report.Rows, plan.Report.RejectedRows()))
	if err := st.ImportContacts(ctx, out, e, saved(opt, len(out))); err != nil {
		return plan.Report, 0, err
	}
	return plan.Report, len(out), nil
}

func (s *Service) checkContacts(ctx context.Context, st ImportStore, ws string, cs []candidate[Contact]) (*rejects, error) {
	late := &rejects{lines: map[int]bool{}}
	ids, accounts, domains, partners := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		put(ids, c.rec.ID)
		put(accounts, c.rec.AccountID)
		put(domains, c.domain)
		put(partners, c.rec.PartnerID)
	}
	takenIDs, err := st.ExistingContactIDs(ctx, ws, keys(ids))
	if err != nil {
		return nil, err
	}
	knownAccounts, err := st.ExistingAccountIDs(ctx, ws, keys(accounts))
	if err != nil {
		return nil, err
	}
	byDomain, err := st.AccountsByDomain(ctx, ws, keys(domains))
	if err != nil {
		return nil, err
	}
	knownPartners, err := s.knownPartners(ctx, ws, keys(partners))
	if err != nil {
		return nil, err
	}
	seenID, seenEmail := firstSeen{}, firstSeen{}
	for i := range cs {
		c := &cs[i]
		seenID.check(late, c.line, "id", c.rec.ID, "id")
		if c.rec.ID != "" && takenIDs[c.rec.ID] {
			late.add(c.line, "id", "a contact with this id already exists")
		}
		switch {
		case c.rec.AccountID != "":
			if !knownAccounts[c.rec.AccountID] {
				late.add(c.line, "account_id", "is not an account of this workspace")
			}
		case c.domain != "":
			switch ids := byDomain[c.domain]; len(ids) {
			case 0:
				late.add(c.line, "account_domain", "no account of this workspace has this domain")
			case 1:
				c.rec.AccountID = ids[0]
			default:
				late.add(c.line, "account_domain", "several accounts have this domain (%s, …): give account_id instead", strings.Join(ids, ", "))
			}
		case c.rec.PartnerID != "":
			if !knownPartners[c.rec.PartnerID] {
				late.add(c.line, "partner_id", "is not a partner of this workspace")
			}
		}
		if c.rec.Email != "" {
			owner := c.rec.AccountID
			if owner == "" {
				owner = "domain:" + c.domain
			}
			if c.rec.PartnerID != "" {
				owner = "partner:" + c.rec.PartnerID
			}
			seenEmail.check(late, c.line, "email", owner+"\x00"+c.rec.Email, "email at the same account or partner")
		}
	}
	return late, nil
}
