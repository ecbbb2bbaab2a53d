package web

import (
	"net/http"
	"strings"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerSettings(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/settings/users", ui.anyone(ui.users))
	ui.handle(mux, "POST /w/{slug}/settings/users", ui.anyone(ui.invite))
	ui.handle(mux, "GET /w/{slug}/settings/users/{id}/deactivate", ui.anyone(ui.confirmDeactivate))
	ui.handle(mux, "POST /w/{slug}/settings/users/{id}/deactivate", ui.anyone(ui.deactivate))
	ui.handle(mux, "POST /w/{slug}/settings/users/{id}/manager", ui.anyone(ui.setManager))
	ui.handle(mux, "GET /w/{slug}/settings/tokens", ui.anyone(ui.tokens))
	ui.handle(mux, "POST /w/{slug}/settings/tokens", ui.anyone(ui.createToken))
	ui.handle(mux, "POST /w/{slug}/settings/tokens/{id}/revoke", ui.anyone(ui.revokeToken))
	ui.handle(mux, "GET /w/{slug}/audit", ui.console(ui.auditLog))
	ui.handle(mux, "GET /w/{slug}/audit.csv", ui.console(ui.auditCSV))
	ui.handle(mux, "GET /w/{slug}/outbox", ui.console(ui.outboxPage))
}

var roleChoices = []tandem.Role{tandem.RoleAdmin, tandem.RolePartnerManager, tandem.RoleSales, tandem.RoleViewer,
	tandem.RolePartnerAdmin, tandem.RolePartnerSeller, tandem.RolePartnerMarketer}

func (ui *UI) usersPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, form map[string]string, problems []tandem.FieldError) {
	users, err := ui.o.Identity.ListUsers(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	errs := map[string]string{}
	for _, f := range problems {
		errs[f.Path] = f.Detail
	}
	choices := roleChoices
	if v.PartnerID != "" { // partner admins invite colleagues of their own organisation only
		choices = []tandem.Role{tandem.RolePartnerAdmin, tandem.RolePartnerSeller, tandem.RolePartnerMarketer}
	}
	roles := map[tandem.Role]string{}
	for _, rl := range roleChoices {
		roles[rl] = identity.RoleLabel(rl)
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == r.URL.Path
	}
	// Admins choose whom each of the vendor's people reports to; the choices are the
	// active internal users.
	var managers []identity.User
	names := map[string]string{}
	canManage := v.PartnerID == "" && policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Users, WorkspaceID: v.WorkspaceID}) == nil
	for _, u := range users {
		names[u.ID] = u.DisplayName()
		if u.PartnerID == "" && u.Status != identity.Deactivated {
			managers = append(managers, u)
		}
	}
	p.Title, p.Data = "People", map[string]any{"Users": users, "Form": form, "Errors": errs, "Roles": choices, "RoleLabels": roles,
		"Slug": v.WorkspaceSlug, "Partner": v.PartnerID, "Managers": managers, "Names": names, "CanManage": canManage}
	ui.render(w, r, status, "users", p)
}

func (ui *UI) users(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.usersPage(w, r, v, p, http.StatusOK, map[string]string{}, nil)
}

func (ui *UI) invite(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	form := map[string]string{"email": r.PostFormValue("email"), "name": r.PostFormValue("name"), "role": r.PostFormValue("role"), "partner_id": r.PostFormValue("partner_id")}
	if v.PartnerID != "" {
		form["partner_id"] = "" // the portal form has no partner field: colleagues join the inviter's partner
	}
	u, err := ui.o.Identity.Invite(r.Context(), v.Actor, v.Name, identity.Invitation{Email: form["email"], Name: form["name"],
		Role: tandem.Role(form["role"]), PartnerID: form["partner_id"]})
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Invitation sent to " + u.Email + "."})
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		fields := tandem.FieldsOf(err)
		if len(fields) == 0 {
			fields = []tandem.FieldError{{Path: "email", Detail: tandem.MessageOf(err)}}
		}
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The invitation was not sent; please check the form."})
		ui.usersPage(w, r, v, p, http.StatusUnprocessableEntity, form, fields)
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) confirmDeactivate(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	u, err := ui.o.Identity.Store.UserByID(r.Context(), v.WorkspaceID, r.PathValue("id"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	res := policy.Resource{Kind: policy.Users, WorkspaceID: v.WorkspaceID, ID: u.ID}
	if u.PartnerID != "" {
		res = policy.Resource{Kind: policy.PartnerUsers, WorkspaceID: v.WorkspaceID, ID: u.ID, Partners: []string{u.PartnerID}}
	}
	if err := policy.Authorize(v.Actor, policy.Update, res); err != nil {
		ui.Error(w, r, err)
		return
	}
	p.Title, p.Data = "Deactivate "+u.DisplayName(), map[string]any{"User": u}
	ui.render(w, r, http.StatusOK, "user_deactivate", p)
}

func (ui *UI) deactivate(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	u, err := ui.o.Identity.Deactivate(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("rationale"))
	if err != nil {
		if tandem.KindOf(err) == tandem.KindConflict {
			SetFlash(w, Flash{Kind: "error", Text: tandem.MessageOf(err)})
			http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/users", http.StatusSeeOther)
			return
		}
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: u.DisplayName() + " no longer has access. Their history is kept."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/users", http.StatusSeeOther)
}

// setManager saves the manager chosen for one of the vendor's people; a refusal (a
// loop in the reporting line) comes back as a message on the people page.
func (ui *UI) setManager(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	u, err := ui.o.Identity.SetManager(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("manager_id"))
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "The manager of " + u.DisplayName() + " was saved."})
	case tandem.KindInvalid:
		// Name the person whose manager was refused and the column the refusal is
		// about ("Reports to"), with every reason the service gave.
		who := "this person"
		if x, uerr := ui.o.Identity.Store.UserByID(r.Context(), v.WorkspaceID, r.PathValue("id")); uerr == nil {
			who = x.DisplayName()
		}
		parts := []string{"The manager of " + who + " was not saved."}
		for _, fe := range tandem.FieldsOf(err) {
			label := "Reports to"
			if fe.Path != "manager_id" {
				label = fe.Path
			}
			parts = append(parts, label+": "+strings.TrimSuffix(fe.Detail, ".")+".")
		}
		if len(parts) == 1 {
			parts = append(parts, tandem.MessageOf(err))
		}
		SetFlash(w, Flash{Kind: "error", Text: strings.Join(parts, " ")})
	default:
		ui.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/users", http.StatusSeeOther)
}

func (ui *UI) tokensPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, created string, problems []tandem.FieldError) {
	ts, err := ui.o.Identity.ListTokens(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == r.URL.Path
	}
	p.Title, p.Data = "API tokens", map[string]any{"Tokens": ts, "Created": created, "Problems": problems, "Slug": v.WorkspaceSlug}
	ui.render(w, r, status, "tokens", p)
}

func (ui *UI) tokens(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.tokensPage(w, r, v, p, http.StatusOK, "", nil)
}

// createToken shows the new token on the response page itself, once; it is never
// stored or shown again.
func (ui *UI) createToken(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	token, _, err := ui.o.Identity.CreateToken(r.Context(), v.Actor, v.Name, identity.NewToken{Name: r.PostFormValue("name"), Scopes: r.PostFormValue("scopes")})
	switch tandem.KindOf(err) {
	case "":
		w.Header().Set("Cache-Control", "no-store")
		ui.tokensPage(w, r, v, p, http.StatusCreated, token, nil)
	case tandem.KindInvalid:
		ui.tokensPage(w, r, v, p, http.StatusUnprocessableEntity, "", tandem.FieldsOf(err))
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) revokeToken(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := ui.o.Identity.RevokeToken(r.Context(), v.Actor, v.Name, r.PathValue("id")); err != nil {
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: "The token is revoked; requests with it are refused from now on."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/tokens", http.StatusSeeOther)
}

func (ui *UI) auditLog(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := policy.Authorize(v.Actor, policy.List, policy.Resource{Kind: policy.AuditLog, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	f, err := audit.ParseFilter(r.URL.Query())
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	es, more, err := ui.o.DB.ListAudit(r.Context(), v.WorkspaceID, f, store.Page{After: r.URL.Query().Get("after"), Limit: 100})
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	next := ""
	if more {
		next = es[len(es)-1].ID
	}
	q := r.URL.Query()
	q.Del("after")
	p.Title, p.Data = "Audit log", map[string]any{"Entries": es, "NextURL": pageURL("", q, next), "Query": q,
		"ExportURL": pageURL("/w/"+v.WorkspaceSlug+"/audit.csv", q, ""), "Slug": v.WorkspaceSlug}
	ui.render(w, r, http.StatusOK, "audit", p)
}

// auditCSV exports every entry matching the filters, streaming page by page.
func (ui *UI) auditCSV(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	if err := policy.Authorize(v.Actor, policy.Export, policy.Resource{Kind: policy.AuditLog, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	f, err := audit.ParseFilter(r.URL.Query())
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
	_ = audit.WriteCSV(w, func(after string) ([]audit.Entry, bool, error) {
		return ui.o.DB.ListAudit(r.Context(), v.WorkspaceID, f, store.Page{After: after, Limit: 500})
	})
}

func (ui *UI) outboxPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := policy.Authorize(v.Actor, policy.List, policy.Resource{Kind: policy.Outbox, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	ms, err := ui.o.DB.ListOutbox(r.Context(), v.WorkspaceID, 100)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p.Title, p.Data = "Outbox", map[string]any{"Messages": ms, "SMTP": ui.o.SMTPConfigured}
	ui.render(w, r, http.StatusOK, "outbox", p)
}
