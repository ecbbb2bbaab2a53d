package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerPartner(mux *http.ServeMux) {
	ui.handle(mux, "POST /w/{slug}/partners", ui.console(ui.createPartner))
	ui.handle(mux, "GET /w/{slug}/partners.csv", ui.console(ui.exportPartners))
	ui.handle(mux, "POST /w/{slug}/partners/import", ui.console(ui.importPartners))
	ui.handle(mux, "GET /w/{slug}/partners/{id}", ui.console(ui.partnerDetail))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/lifecycle", ui.console(ui.partnerLifecycle))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/profile", ui.console(ui.partnerProfile))
	ui.handle(mux, "GET /w/{slug}/settings/partners", ui.console(ui.partnerSettings))
	ui.handle(mux, "POST /w/{slug}/settings/partners", ui.console(ui.savePartnerSettings))
}

func (ui *UI) partnerDetail(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderPartner(w, r, v, p, http.StatusOK, "", nil, nil)
}

// partnerForm is the profile form's fields as typed, kept when the form comes back
// with mistakes.
type partnerForm map[string]string

func formOf(x partner.Partner) partnerForm {
	num := func(n *int) string {
		if n == nil {
			return ""
		}
		return strconv.Itoa(*n)
	}
	f := partnerForm{"name": x.Name, "domain": x.Domain, "tier": x.Tier, "regions": strings.Join(x.Regions, ", "),
		"verticals": strings.Join(x.Verticals, ", "), "named_accounts": strings.Join(x.NamedAccounts, "\n"), "tags": strings.Join(x.Tags, ", "),
		"notes": x.Notes, "owner_user_id": x.OwnerUserID, "technologies": strings.Join(x.Fit.Technologies, ", "), "services": strings.Join(x.Fit.Services, ", "),
		"customers": num(x.Fit.Customers), "customers_in_icp": num(x.Fit.CustomersInICP), "shared_accounts": num(x.Fit.SharedAccounts), "sellers": num(x.Fit.Sellers)}
	if x.Fit.DealSize != nil {
		f["deal_size"] = strconv.FormatInt(*x.Fit.DealSize, 10)
	}
	for _, t := range x.Territories {
		f["territory:"+strings.ToLower(t)] = "on"
	}
	for _, m := range x.Motions {
		f["motion:"+string(m)] = "on"
	}
	return f
}

func (ui *UI) renderPartner(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, problem string, form partnerForm, problems []tandem.FieldError) {
	ctx := r.Context()
	x, err := ui.o.Partners.Get(ctx, v.Actor, r.PathValue("id"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	// The audit entries are shown to people who may read the audit log.
	var history []audit.Entry
	if _, err := ui.o.Workspaces.Get(ctx, v.Actor); err == nil {
		history, _, err = ui.o.DB.ListAudit(ctx, v.WorkspaceID, audit.Filter{SubjectType: "partner", SubjectID: x.ID}, store.Page{Limit: 50})
		if err != nil {
			ui.Error(w, r, err)
			return
		}
	}
	timeline, err := ui.o.Partners.History(ctx, v.Actor, x.ID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	set, err := ui.o.Partners.Settings(ctx, v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	owner, err := ui.o.Partners.OwnerName(ctx, v.Actor, x)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	contacts, err := ui.o.Contacts.List(ctx, v.Actor, x.ID)
	if err != nil && tandem.KindOf(err) != tandem.KindForbidden {
		ui.Error(w, r, err)
		return
	}
	exclusive, err := ui.o.Partners.Exclusivities(ctx, v.Actor, x.ID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	certs, err := ui.certificationSection(ctx, v, x.ID, contacts)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	var moves []partner.Lifecycle
	for _, l := range partner.Lifecycles {
		if partner.CheckMove(x.Lifecycle, l) == nil {
			moves = append(moves, l)
		}
	}
	editable := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID, ID: x.ID}) == nil
	var owners []identity.User
	if editable {
		users, err := ui.o.Identity.ListUsers(ctx, v.Actor)
		if err != nil && tandem.KindOf(err) != tandem.KindForbidden {
			ui.Error(w, r, err)
			return
		}
		for _, u := range users {
			if u.PartnerID == "" && u.Status != identity.Deactivated {
				owners = append(owners, u)
			}
		}
	}
	if form == nil {
		form = formOf(x)
	}
	errs := map[string]string{}
	for _, fe := range problems {
		key := strings.SplitN(fe.Path, "[", 2)[0]
		key = strings.TrimPrefix(key, "fit.")
		if _, seen := errs[key]; !seen {
			errs[key] = fe.Detail
		}
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == "/w/"+v.WorkspaceSlug+"/partners"
	}
	p.Title, p.Data = x.Name, map[string]any{"P": x, "History": history, "Timeline": timeline, "Moves": moves, "Problem": problem,
		"Owner": owner, "Owners": owners, "Editable": editable, "Form": form, "Errors": errs, "Settings": set, "Motions": tandem.Motions,
		"Contacts": contacts, "Roles": partner.Roles, "Exclusive": exclusive, "Certs": certs, "Now": ui.o.Partners.Now(),
		"CanGrant": policy.Authorize(v.Actor, policy.Decide, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID, ID: x.ID}) == nil, "PortalRoles": []tandem.Role{tandem.RolePartnerAdmin, tandem.RolePartnerSeller, tandem.RolePartnerMarketer},
		"CanManagePeople": policy.Authorize(v.Actor, policy.Create, policy.Resource{Kind: policy.PartnerUsers, WorkspaceID: v.WorkspaceID, Partners: []string{x.ID}}) == nil}
	ui.render(w, r, status, "partner", p)
}

// splitList reads a list typed into one field, separated by commas or new lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
}

// partnerProfile saves the profile form; mistakes come back on the page with the
// form as typed and the fields marked.
func (ui *UI) partnerProfile(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	form := partnerForm{}
	for _, k := range []string{"name", "domain", "tier", "regions", "verticals", "named_accounts", "tags", "notes", "owner_user_id",
		"technologies", "services", "deal_size", "customers", "customers_in_icp", "shared_accounts", "sellers"} {
		form[k] = r.PostFormValue(k)
	}
	var pr tandem.Problems
	num := func(k string) *int {
		s := strings.TrimSpace(form[k])
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			pr.Add("fit."+k, "must be a whole number")
			return nil
		}
		return &n
	}
	fit := partner.FitInputs{Technologies: splitList(form["technologies"]), Services: splitList(form["services"]), Customers: num("customers"),
		CustomersInICP: num("customers_in_icp"), SharedAccounts: num("shared_accounts"), Sellers: num("sellers")}
	if s := strings.TrimSpace(form["deal_size"]); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err != nil {
			pr.Add("fit.deal_size", "must be a whole number")
		} else {
			fit.DealSize = &n
		}
	}
	var motions []tandem.Motion
	for _, m := range r.PostForm["motions"] {
		motions = append(motions, tandem.Motion(m))
		form["motion:"+m] = "on"
	}
	territories := r.PostForm["territories"]
	for _, t := range territories {
		form["territory:"+strings.ToLower(t)] = "on"
	}
	regions, verticals, named, tags := splitList(form["regions"]), splitList(form["verticals"]), splitList(form["named_accounts"]), splitList(form["tags"])
	c := partner.Changes{Name: ptr(form["name"]), Domain: ptr(form["domain"]), Tier: ptr(form["tier"]), Regions: &regions, Verticals: &verticals,
		NamedAccounts: &named, Tags: &tags, Notes: ptr(form["notes"]), OwnerUserID: ptr(form["owner_user_id"]), Motions: &motions,
		Territories: &territories, Fit: &fit}
	var err error = pr.Err("The partner is not valid.")
	if err == nil {
		_, err = ui.o.Partners.Update(r.Context(), v.Actor, v.Name, r.PathValue("id"), c)
	}
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "The profile was saved."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+r.PathValue("id"), http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The profile was not saved: " + tandem.MessageOf(err) + " Please correct the fields marked below."})
		ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, "", form, tandem.FieldsOf(err))
	default:
		ui.Error(w, r, err)
	}
}

func ptr(s string) *string { return &s }

func (ui *UI) partnerLifecycle(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_, err := ui.o.Partners.MoveLifecycle(r.Context(), v.Actor, v.Name, r.PathValue("id"), partner.Lifecycle(r.PostFormValue("to")), r.PostFormValue("rationale"))
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Lifecycle changed to " + r.PostFormValue("to") + "."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+r.PathValue("id"), http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		msg := tandem.MessageOf(err)
		if f := tandem.FieldsOf(err); len(f) > 0 {
			msg = f[0].Detail
		}
		ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, msg, nil, nil)
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) partners(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.partnerList(w, r, v, p, http.StatusOK, map[string]string{}, nil)
}

func (ui *UI) partnerList(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, form map[string]string, problems []tandem.FieldError) {
	ctx := r.Context()
	f := partner.FilterFromQuery(r.URL.Query())
	segs, err := ui.o.Segments.List(ctx, v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	views, err := ui.o.Views.List(ctx, v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	var ps []partner.Partner
	more, problem := false, ""
	rf, err := ui.o.Segments.Resolve(ctx, v.Actor, f)
	if err == nil {
		ps, more, err = ui.o.Partners.List(ctx, v.Actor, rf, r.URL.Query().Get("after"), 50)
	}
	switch tandem.KindOf(err) {
	case "":
	case tandem.KindInvalid:
		status, problem = http.StatusUnprocessableEntity, tandem.MessageOf(err)
		for _, fe := range tandem.FieldsOf(err) {
			problem += " " + fe.Path + ": " + fe.Detail + "."
		}
	default:
		ui.Error(w, r, err)
		return
	}
	next := ""
	if more && len(ps) > 0 {
		next = partner.Cursor(ps[len(ps)-1], f.Sort)
	}
	q := f.Values()
	errs := map[string]string{}
	for _, fe := range problems {
		errs[strings.SplitN(fe.Path, "[", 2)[0]] = fe.Detail
	}
	segName := ""
	for _, s := range segs {
		if s.ID == f.SegmentID {
			segName = s.Name
		}
	}
	p.Title, p.Data = "Partners", map[string]any{"Partners": ps, "NextURL": pageURL("", q, next), "ExportURL": pageURL("partners.csv", q, ""),
		"F": f, "QueryString": q.Encode(), "Filtered": len(q) > 0, "Motions": tandem.Motions, "Lifecycles": partner.Lifecycles, "Form": form, "Errors": errs,
		"Segments": segs, "SegmentName": segName, "Views": views, "Problem": problem,
		"Sorts": []struct{ Value, Label string }{{"", "Date added"}, {"name", "Name"}, {"tier", "Tier"}, {"fit", "Fit (highest first)"}, {"updated", "Last change"}}}
	ui.render(w, r, status, "partners", p)
}

// createPartner adds a partner from the form on the list page; on a mistake the
// list comes back with the form filled in and the fields marked.
func (ui *UI) createPartner(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	form := map[string]string{"name": r.PostFormValue("name"), "domain": r.PostFormValue("domain"), "tier": r.PostFormValue("tier"), "region": r.PostFormValue("region")}
	in := partner.NewPartner{Name: form["name"], Domain: form["domain"], Tier: form["tier"], Region: form["region"], Lifecycle: partner.Onboarding}
	for _, m := range r.PostForm["motions"] {
		in.Motions = append(in.Motions, tandem.Motion(m))
	}
	created, err := ui.o.Partners.Create(r.Context(), v.Actor, v.Name, in)
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: created.Name + " was added and is onboarding."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+created.ID, http.StatusSeeOther)
	case tandem.KindInvalid:
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The partner was not added; please correct the fields marked below."})
		ui.partnerList(w, r, v, p, http.StatusUnprocessableEntity, form, tandem.FieldsOf(err))
	default:
		ui.Error(w, r, err)
	}
}

// exportPartners downloads the filtered list as CSV.
func (ui *UI) exportPartners(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	if err := policy.Authorize(v.Actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	f, err := ui.o.Segments.Resolve(r.Context(), v.Actor, partner.FilterFromQuery(r.URL.Query()))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="partners.csv"`)
	if err := ui.o.Partners.Export(r.Context(), v.Actor, f, w); err != nil {
		ui.o.Logger.ErrorContext(r.Context(), "partner export failed", "error", err.Error())
	}
}

// importPartners takes an uploaded CSV: a dry run shows what would happen, a real run
// imports all rows or none (or the valid ones, when asked).
func (ui *UI) importPartners(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	file, _, err := r.FormFile("file")
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "Choose a CSV file to import (files larger than the upload limit can be imported with tandem import partners)."})
		ui.partnerList(w, r, v, p, http.StatusUnprocessableEntity, map[string]string{}, nil)
		return
	}
	defer file.Close()
	dryRun := r.PostFormValue("dry_run") == "on"
	mode := csvimport.AllOrNothing
	if r.PostFormValue("valid_only") == "on" {
		mode = csvimport.ValidRowsOnly
	}
	report, created, err := ui.o.Partners.Import(r.Context(), v.Actor, v.Name, file, mode, dryRun, csvimport.Options{})
	status := http.StatusOK
	msg := ""
	switch {
	case err != nil && tandem.KindOf(err) != tandem.KindInvalid:
		ui.Error(w, r, err)
		return
	case err != nil:
		status, msg = http.StatusUnprocessableEntity, tandem.MessageOf(err)
		for _, f := range tandem.FieldsOf(err) {
			if len(report.Rejected) == 0 {
				msg += " " + f.Path + ": " + f.Detail + "."
			}
		}
	case dryRun:
		msg = fmt.Sprintf("Dry run: %d rows; %d would be imported and %d rejected. Nothing was written.", report.Rows, report.Valid, report.RejectedRows())
	default:
		msg = fmt.Sprintf("Imported %d partners from %d rows (%d rejected).", created, report.Rows, report.RejectedRows())
	}
	p.Title, p.Data = "Partner import", map[string]any{"Message": msg, "Report": report, "Failed": err != nil,
		"Back": "/w/" + v.WorkspaceSlug + "/partners", "BackLabel": "Partners"}
	ui.render(w, r, status, "import_report", p)
}

// pageURL is path with the list's query q and, when after is not empty, the cursor of
// the next page: the link a list page uses to go on, or to export what it shows. It is
// "" when a next page was asked for (path "") but there is none.
func pageURL(path string, q url.Values, after string) string {
	if path == "" && after == "" {
		return ""
	}
	q2 := url.Values{}
	for k, vs := range q {
		q2[k] = vs
	}
	if after != "" {
		q2.Set("after", after)
	}
	return path + "?" + q2.Encode()
}
