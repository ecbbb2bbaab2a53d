package web

import (
	"net/http"
	"strings"

	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

var weekdayChoices = []struct{ Key, Label string }{{"mon", "Monday"}, {"tue", "Tuesday"}, {"wed", "Wednesday"}, {"thu", "Thursday"},
	{"fri", "Friday"}, {"sat", "Saturday"}, {"sun", "Sunday"}}

func (ui *UI) registerWorkspace(mux *http.ServeMux) {
	ui.handle(mux, "GET /setup", ui.setupForm)
	ui.handle(mux, "POST /setup", ui.setup)
	ui.handle(mux, "GET /w/{slug}/settings/workspace", ui.console(ui.workspaceSettings))
	ui.handle(mux, "POST /w/{slug}/settings/workspace", ui.console(ui.saveWorkspaceSettings))
}

// settingsForm reads the workspace settings form.
func settingsForm(r *http.Request) workspace.Settings {
	_ = r.ParseForm()
	var holidays []string
	for _, l := range strings.Split(r.PostFormValue("holidays"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			holidays = append(holidays, l)
		}
	}
	return workspace.Settings{Name: r.PostFormValue("name"), TimeZone: r.PostFormValue("time_zone"), Currency: r.PostFormValue("currency"),
		Calendar: calendar.Config{Weekdays: r.PostForm["weekdays"], Hours: calendar.Hours{Start: r.PostFormValue("hours_start"), End: r.PostFormValue("hours_end")}, Holidays: holidays}}
}

func (ui *UI) renderSettings(w http.ResponseWriter, r *http.Request, p Page, status int, s workspace.Settings, err error) {
	errs := map[string]string{}
	for _, f := range tandem.FieldsOf(err) {
		errs[f.Path] = f.Detail
		if strings.HasPrefix(f.Path, "calendar.") {
			errs["calendar"] += f.Path + ": " + f.Detail + ". "
		}
	}
	days := map[string]bool{}
	for _, d := range s.Calendar.Weekdays {
		days[strings.ToLower(d)[:min(3, len(d))]] = true
	}
	p.Title, p.Data = "Workspace settings", map[string]any{"S": s, "Errors": errs, "Days": days, "Weekdays": weekdayChoices,
		"Holidays": strings.Join(s.Calendar.Holidays, "\n")}
	ui.render(w, r, status, "workspace_settings", p)
}

func (ui *UI) workspaceSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ws, err := ui.o.Workspaces.Get(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.renderSettings(w, r, p, http.StatusOK, workspace.Settings{Name: ws.Name, TimeZone: ws.TimeZone, Currency: ws.Currency, Calendar: ws.Calendar}, nil)
}

func (ui *UI) saveWorkspaceSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	in := settingsForm(r)
	_, err := ui.o.Workspaces.Update(r.Context(), v.Actor, v.Name, in)
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Settings saved."})
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	case tandem.KindInvalid:
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "Nothing was saved; please correct the fields marked below."})
		ui.renderSettings(w, r, p, http.StatusUnprocessableEntity, in, err)
	default:
		ui.Error(w, r, err)
	}
}

// setupAvailable reports whether the server has no workspace yet, which is the only
// time the first-run setup page exists.
func (ui *UI) setupAvailable(r *http.Request) bool {
	n, err := ui.o.DB.CountWorkspaces(r.Context())
	return err == nil && n == 0
}

func (ui *UI) setupForm(w http.ResponseWriter, r *http.Request) {
	if !ui.setupAvailable(r) {
		ui.NotFound(w, r)
		return
	}
	ui.render(w, r, http.StatusOK, "setup", Page{Title: "Set up Tandem", Data: map[string]any{"Form": map[string]string{"time_zone": "UTC", "currency": "USD"}, "Errors": map[string]string{}}})
}

func (ui *UI) setup(w http.ResponseWriter, r *http.Request) {
	if !ui.setupAvailable(r) {
		ui.NotFound(w, r)
		return
	}
	form := map[string]string{}
	for _, k := range []string{"name", "slug", "time_zone", "currency", "admin_email", "admin_name"} {
		form[k] = r.PostFormValue(k)
	}
	_, admin, _, err := ui.o.Identity.SetUpWorkspace(r.Context(), workspace.Workspace{Name: form["name"], Slug: form["slug"], TimeZone: form["time_zone"],
		Currency: strings.ToUpper(form["currency"])}, form["admin_email"], form["admin_name"])
	if err != nil {
		if k := tandem.KindOf(err); k != tandem.KindInvalid && k != tandem.KindConflict {
			ui.Error(w, r, err)
			return
		}
		errs := map[string]string{}
		for _, f := range tandem.FieldsOf(err) {
			errs[f.Path] = f.Detail
		}
		if len(errs) == 0 {
			errs["slug"] = tandem.MessageOf(err)
		}
		ui.render(w, r, http.StatusUnprocessableEntity, "setup", Page{Title: "Set up Tandem", Flashes: []Flash{{Kind: "error", Text: "Nothing was created; please correct the fields marked below."}},
			Data: map[string]any{"Form": form, "Errors": errs}})
		return
	}
	ui.render(w, r, http.StatusOK, "signin_sent", Page{Title: "Check your email", Data: map[string]any{"Email": admin.Email, "SMTP": ui.o.SMTPConfigured}})
}
