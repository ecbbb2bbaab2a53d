package pipeline

import (
	"context"
	"io"
	"net/url"
	"strings"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// ContactExportFilter narrows a contact export. Zero values do not filter; Of is
// "accounts" (contacts at accounts), "partners" (contacts of partners) or "" (both).
type ContactExportFilter struct {
	AccountID string
	PartnerID string
	Query     string // name or email contains, case-insensitive
	Of        string
}

// ContactRow is a contact as an export writes it: with its account's domain.
type ContactRow struct {
	Contact
	AccountDomain string
}

// AccountFilterFromQuery reads an account list filter from URL parameters (q, owner_user_id,
// country, industry), as the list and the export take it.
func AccountFilterFromQuery(q url.Values) AccountFilter {
	return AccountFilter{Query: q.Get("q"), OwnerUserID: q.Get("owner_user_id"), Country: q.Get("country"), Industry: q.Get("industry")}
}

// ContactExportFilterFromQuery reads a contact export filter from URL parameters
// (q, account_id, partner_id, of).
func ContactExportFilterFromQuery(q url.Values) (ContactExportFilter, error) {
	f := ContactExportFilter{Query: q.Get("q"), AccountID: q.Get("account_id"), PartnerID: q.Get("partner_id"), Of: q.Get("of")}
	switch f.Of {
	case "", "accounts", "partners":
	default:
		return f, tandem.Invalid("The export filter is not valid.", tandem.FieldError{Path: "of", Detail: "must be accounts, partners or empty (both)"})
	}
	return f, nil
}

// AccountCSVRow is a as an export row (AccountCSVHeader).
func AccountCSVRow(a Account) []string {
	return []string{a.ID, a.Name, a.Domain, a.Country, a.Industry, a.OwnerUserID, a.IncumbentPartnerID}
}

// ContactCSVRow is c as an export row (ContactCSVHeader).
func ContactCSVRow(c ContactRow) []string {
	return []string{c.ID, c.AccountID, c.AccountDomain, c.PartnerID, c.Name, c.Email, c.Title}
}

const exportPage = 1000

// ExportAccounts writes every account matching f as CSV (header first, formula-safe
// cells), page by page; the file imports again with ImportAccounts.
func (s *Service) ExportAccounts(ctx context.Context, actor policy.Actor, f AccountFilter, w io.Writer) error {
	if err := policy.Authorize(actor, policy.Export, resource(policy.Accounts, actor, "")); err != nil {
		return err
	}
	f.Query = strings.TrimSpace(f.Query)
	cw, err := csvimport.NewWriter(w, AccountCSVHeader, csvimport.WriterOptions{})
	if err != nil {
		return err
	}
	after := ""
	for {
		as, more, err := s.Store.ListAccounts(ctx, actor.WorkspaceID, f, after, exportPage)
		if err != nil {
			return err
		}
		for _, a := range as {
			if err := cw.Write(AccountCSVRow(a)); err != nil {
				return err
			}
		}
		if !more || len(as) == 0 {
			return cw.Flush()
		}
		after = as[len(as)-1].ID
	}
}

// ExportContacts writes every contact matching f as CSV, page by page; the file
// imports again with ImportContacts. Contacts of partners are included only for an
// actor who may export partners.
func (s *Service) ExportContacts(ctx context.Context, actor policy.Actor, f ContactExportFilter, w io.Writer) error {
	if err := policy.Authorize(actor, policy.Export, resource(policy.Contacts, actor, "")); err != nil {
		return err
	}
	if f.Of != "accounts" {
		if err := policy.Authorize(actor, policy.Export, resource(policy.Partners, actor, "")); err != nil {
			if f.Of == "partners" || f.PartnerID != "" {
				return err
			}
			f.Of = "accounts"
		}
	}
	st, err := s.importStore()
	if err != nil {
		return err
	}
	f.Query = strings.TrimSpace(f.Query)
	cw, err := csvimport.NewWriter(w, ContactCSVHeader, csvimport.WriterOptions{})
	if err != nil {
		return err
	}
	after := ""
	for {
		cs, more, err := st.ExportContacts(ctx, actor.WorkspaceID, f, after, exportPage)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := cw.Write(ContactCSVRow(c)); err != nil {
				return err
			}
		}
		if !more || len(cs) == 0 {
			return cw.Flush()
		}
		after = cs[len(cs)-1].ID
	}
}
