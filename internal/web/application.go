package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tandemprm/tandem/internal/application"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerApplications(mux *http.ServeMux) {
	if ui.o.Applications == nil {
		return
	}
	ui.handle(mux, "GET /w/{slug}/apply", ui.publicApplication)
	ui.handle(mux, "POST /w/{slug}/apply", ui.publicApplication)
	ui.handle(mux, "GET /w/{slug}/applications", ui.console(ui.applications))
	ui.handle(mux, "GET /w/{slug}/applications/{id}", ui.console(ui.applicationPage))
	ui.handle(mux, "POST /w/{slug}/applications/{id}/accept", ui.console(ui.acceptApplication))
	ui.handle(mux, "POST /w/{slug}/applications/{id}/reject", ui.console(ui.rejectApplication))
}

// publicApplication is the page a prospective partner fills in; a vendor can link to
// it or embed it in its own site. The answer never says whether the applicant is
// already known.
func (ui *UI) publicApplication(w http.ResponseWriter, r *http.Request) {
	ws, err := ui.o.Identity.Store.WorkspaceBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p := Page{Title: "Apply to partner with " + ws.Name, WorkspaceName: ws.Name}
	data := map[string]any{"Workspace": ws.Name, "Motions": tandem.Motions, "Sent": false, "Errors": map[string]string{}, "F": application.Form{}, "Chosen": map[tandem.Motion]bool{}}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		f, perr := application.ParseForm(r.PostForm)
		chosen := map[tandem.Motion]bool{}
		for _, m := range r.PostForm["motions"] {
			chosen[tandem.Motion(m)] = true
		}
		data["F"], data["Chosen"] = f, chosen
		if perr == nil {
			perr = ui.o.Applications.Submit(r.Context(), ws.Slug, f)
		}
		switch tandem.KindOf(perr) {
		case "":
			data["Sent"] = true
		case tandem.KindInvalid:
			errs := map[string]string{}
			for _, fe := range tandem.FieldsOf(perr) {
				errs[fe.Path] = fe.Detail
			}
			status, data["Errors"] = http.StatusUnprocessableEntity, errs
		case tandem.KindRateLimited:
			if s := int(tandem.RetryAfterOf(perr).Seconds()); s > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(s))
			}
			status, data["Errors"] = http.StatusTooManyRequests, map[string]string{"form": tandem.MessageOf(perr)}
		default:
			ui.Error(w, r, perr)
			return
		}
	}
	// The page may be shown inside the vendor's own site.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors *; base-uri 'self'; form-action 'self'")
	w.Header().Del("X-Frame-Options")
	p.Data = data
	ui.render(w, r, status, "application_public", p)
}

func (ui *UI) applications(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = application.New
	}
	q := status
	if q == "all" {
		q = ""
	}
	as, err := ui.o.Applications.List(r.Context(), v.Actor, q, 200)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p.Title = "Partner applications"
	p.Data = map[string]any{"Rows": as, "View": status}
	ui.render(w, r, http.StatusOK, "applications", p)
}

func (ui *UI) applicationPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderApplication(w, r, v, p, http.StatusOK, nil)
}

func (ui *UI) renderApplication(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, err error) {
	a, gerr := ui.o.Applications.Get(r.Context(), v.Actor, r.PathValue("id"))
	if gerr != nil {
		ui.Error(w, r, gerr)
		return
	}
	errs := map[string]string{}
	for _, fe := range tandem.FieldsOf(err) {
		errs[fe.Path] = fe.Detail
	}
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: tandem.MessageOf(err)})
	}
	p.Title = "Application: " + a.Company
	p.Data = map[string]any{"A": a, "Errors": errs}
	ui.render(w, r, status, "application", p)
}

func (ui *UI) acceptApplication(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	a, err := ui.o.Applications.Accept(r.Context(), v.Actor, v.Name, r.PathValue("id"))
	if err != nil {
		switch tandem.KindOf(err) {
		case tandem.KindInvalid:
			ui.renderApplication(w, r, v, p, http.StatusUnprocessableEntity, err)
			return
		case tandem.KindConflict:
			ui.renderApplication(w, r, v, p, http.StatusConflict, err)
			return
		}
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: fmt.Sprintf("%s accepted into onboarding; %s was invited unless already in the workspace.", a.Company, a.ContactEmail)})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+a.PartnerID, http.StatusSeeOther)
}

func (ui *UI) rejectApplication(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	a, err := ui.o.Applications.Reject(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("reason"))
	if err != nil {
		switch tandem.KindOf(err) {
		case tandem.KindInvalid:
			ui.renderApplication(w, r, v, p, http.StatusUnprocessableEntity, err)
			return
		case tandem.KindConflict:
			ui.renderApplication(w, r, v, p, http.StatusConflict, err)
			return
		}
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: a.Company + "'s application was rejected; the reason was emailed to " + a.ContactEmail + "."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/applications", http.StatusSeeOther)
}
