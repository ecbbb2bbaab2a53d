package api

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

type importFunc func(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt pipeline.ImportOptions) (csvimport.Report, int, error)

// csvUpload reads the options of a CSV upload: the body must be text/csv; mode is
// all_or_nothing (the default) or valid_rows_only; dry_run=true only checks.
func csvUpload(r *http.Request) (csvimport.Mode, bool, error) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		return 0, false, &requestError{status: http.StatusUnsupportedMediaType, msg: "The request body must be a CSV file, sent with Content-Type: text/csv."}
	}
	q := r.URL.Query()
	mode := csvimport.AllOrNothing
	switch q.Get("mode") {
	case "", "all_or_nothing":
	case "valid_rows_only":
		mode = csvimport.ValidRowsOnly
	default:
		return 0, false, tandem.Invalid("The upload options are not valid.", tandem.FieldError{Path: "mode", Detail: "must be all_or_nothing (the default) or valid_rows_only"})
	}
	switch q.Get("dry_run") {
	case "", "false":
		return mode, false, nil
	case "true":
		return mode, true, nil
	}
	return 0, false, tandem.Invalid("The upload options are not valid.", tandem.FieldError{Path: "dry_run", Detail: "must be true or false"})
}

// importHandler answers an import with its report: 200 when it was imported (or the
// dry run ran), 422 with the report when all-or-nothing refused the file.
func importHandler(run importFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p Principal) error {
		mode, dry, err := csvUpload(r)
		if err != nil {
			return err
		}
		rep, n, err := run(r.Context(), p.Actor, p.Name, r.Body, mode, dry, pipeline.ImportOptions{Options: csvimport.Options{Size: r.ContentLength}})
		if err != nil && (tandem.KindOf(err) != tandem.KindInvalid || len(rep.Rejected) == 0) {
			return err
		}
		status := http.StatusOK
		if err != nil {
			status = http.StatusUnprocessableEntity
		}
		rejected := rep.Rejected
		if rejected == nil {
			rejected = []csvimport.RowError{}
		}
		WriteJSON(w, status, map[string]any{"dry_run": dry, "rows": rep.Rows, "valid": rep.Valid, "rejected": rejected,
			"warnings": nonNilStrings(rep.Warnings), "imported": n})
		return nil
	}
}

// RegisterAccountsIO adds the CSV import and export routes of accounts and contacts.
func RegisterAccountsIO(rt *Router, svc *pipeline.Service) {
	rt.Handle("POST", "/api/v1/accounts/import", importHandler(svc.ImportAccounts))
	rt.Handle("POST", "/api/v1/contacts/import", importHandler(svc.ImportContacts))
	rt.Handle("GET", "/api/v1/accounts/export", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.Accounts, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="accounts.csv"`)
		_ = svc.ExportAccounts(r.Context(), p.Actor, pipeline.AccountFilterFromQuery(r.URL.Query()), w) // headers are sent; a failure cuts the file short
		return nil
	})
	rt.Handle("GET", "/api/v1/contacts/export", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		f, err := pipeline.ContactExportFilterFromQuery(r.URL.Query())
		if err != nil {
			return err
		}
		if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.Contacts, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		if f.Of == "partners" || f.PartnerID != "" {
			if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
				return err
			}
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
		_ = svc.ExportContacts(r.Context(), p.Actor, f, w) // headers are sent; a failure cuts the file short
		return nil
	})
}
