package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// registrationLinkDays is how long a registration link sent to a partner works, and
// registrationLinkUses how many deals it can register.
const (
	registrationLinkDays = 30
	registrationLinkUses = 25
)

func (ui *UI) registerRegistrations(mux *http.ServeMux) {
	// Reviewers.
	ui.handle(mux, "GET /w/{slug}/registrations", ui.console(ui.registrationQueue))
	ui.handle(mux, "GET /w/{slug}/registrations/{id}", ui.console(ui.registrationDetail))
	ui.handle(mux, "POST /w/{slug}/registrations/{id}/decision", ui.console(ui.registrationDecision))
	ui.handle(mux, "POST /w/{slug}/registrations/{id}/extension", ui.console(ui.registrationExtension))
	ui.handle(mux, "POST /w/{slug}/registrations/{id}/withdraw", ui.console(ui.registrationRelease))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/registration-link", ui.console(ui.registrationLink))
	ui.handle(mux, "POST /w/{slug}/registrations/import", ui.console(ui.importRegistrations))
	ui.handle(mux, "POST /w/{slug}/portal/registrations/import", ui.portal(ui.importRegistrations))
	// Partners, signed in.
	ui.handle(mux, "GET /w/{slug}/portal/registrations", ui.portal(ui.portalRegistrations))
	ui.handle(mux, "GET /w/{slug}/portal/registrations/new", ui.portal(ui.portalRegistrationForm))
	ui.handle(mux, "POST /w/{slug}/portal/registrations", ui.portal(ui.portalRegister))
	ui.handle(mux, "GET /w/{slug}/portal/registrations/{id}", ui.portal(ui.portalRegistration))
	ui.handle(mux, "POST /w/{slug}/portal/registrations/{id}/reply", ui.portal(ui.portalReply))
	ui.handle(mux, "POST /w/{slug}/portal/registrations/{id}/appeal", ui.portal(ui.portalAppeal))
	ui.handle(mux, "POST /w/{slug}/portal/registrations/{id}/withdraw", ui.portal(ui.portalWithdraw))
	// Partners holding a signed link, not signed in.
	ui.handle(mux, "GET /w/{slug}/register", ui.publicRegistration)
	ui.handle(mux, "POST /w/{slug}/register", ui.publicRegistration)
	ui.handle(mux, "GET /r/{token}", ui.linkRegistrationForm)
	ui.handle(mux, "POST /r/{token}", ui.linkRegister)
}

// formInput reads the registration form.
func formInput(r *http.Request) (registration.Input, map[string]string) {
	_ = r.ParseForm()
	f := map[string]string{}
	for _, k := range []string{"customer_name", "customer_domain", "customer_country", "contact_name", "contact_email", "opportunity_name",
		"deal_size", "currency", "expected_close_on", "motion", "products", "description", "proof", "submitter_name", "submitter_email"} {
		f[k] = r.PostFormValue(k)
	}
	var products []string
	for _, p := range strings.Split(f["products"], ",") {
		if p = strings.TrimSpace(p); p != "" {
			products = append(products, p)
		}
	}
	custom := map[string]string{}
	for k, vs := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "custom_"); ok && len(vs) > 0 {
			custom[key], f[k] = vs[0], vs[0]
		}
	}
	return registration.Input{Custom: custom, CustomerName: f["customer_name"], CustomerDomain: f["customer_domain"], CustomerCountry: f["customer_country"],
		ContactName: f["contact_name"], ContactEmail: f["contact_email"], OpportunityName: f["opportunity_name"], Amount: f["deal_size"],
		Currency: f["currency"], ExpectedCloseOn: f["expected_close_on"], Motion: f["motion"], Products: products,
		Description: f["description"], Proof: f["proof"], SubmitterName: f["submitter_name"], SubmitterEmail: f["submitter_email"]}, f
}

func fieldErrors(err error) map[string]string {
	errs := map[string]string{}
	for _, fe := range tandem.FieldsOf(err) {
		errs[strings.Replace(fe.Path, "custom.", "custom_", 1)] = fe.Detail
	}
	return errs
}

// registrationForm renders the form a partner registers a deal with, signed in or by
// link.
func (ui *UI) registrationForm(w http.ResponseWriter, r *http.Request, p Page, status int, data map[string]any) {
	if data["Form"] == nil {
		data["Form"] = map[string]string{}
	}
	if data["Errors"] == nil {
		data["Errors"] = map[string]string{}
	}
	if data["Custom"] == nil {
		if pt, ok := data["Partner"].(partner.Partner); ok {
			if set, _, err := ui.o.Registrations.Settings(r.Context(), pt.WorkspaceID); err == nil {
				data["Custom"] = set.CustomFields
			}
		}
	}
	p.Title, p.Data = "Register a deal", data
	ui.render(w, r, status, "registration_form", p)
}

func (ui *UI) portalRegistrationForm(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	pt, err := ui.o.Registrations.Store.PartnerByID(r.Context(), v.WorkspaceID, v.PartnerID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	form := map[string]string{}
	if len(pt.Motions) > 0 {
		form["motion"] = string(pt.Motions[0])
	}
	ui.registrationForm(w, r, p, http.StatusOK, map[string]any{"Action": "/w/" + v.WorkspaceSlug + "/portal/registrations",
		"Partner": pt, "Form": form, "Signed": true})
}

func (ui *UI) portalRegister(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	in, form := formInput(r)
	in.PartnerID = v.PartnerID
	u, err := ui.o.Identity.Store.UserByID(r.Context(), v.WorkspaceID, v.Actor.UserID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	in.SubmitterName, in.SubmitterEmail = u.DisplayName(), u.Email
	rc, err := ui.o.Registrations.Submit(r.Context(), v.Actor, v.Name, registration.ChannelPortal, in)
	if tandem.KindOf(err) == tandem.KindInvalid {
		pt, _ := ui.o.Registrations.Store.PartnerByID(r.Context(), v.WorkspaceID, v.PartnerID)
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The deal was not registered; please correct the fields marked below."})
		ui.registrationForm(w, r, p, http.StatusUnprocessableEntity, map[string]any{"Action": "/w/" + v.WorkspaceSlug + "/portal/registrations",
			"Partner": pt, "Form": form, "Errors": fieldErrors(err), "Signed": true})
		return
	}
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: rc.Message})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/portal/registrations/"+rc.Registration.ID, http.StatusSeeOther)
}

func (ui *UI) portalRegistrations(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	rs, more, err := ui.o.Registrations.List(r.Context(), v.Actor, registration.Filter{}, r.URL.Query().Get("after"), 50)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	set, loc, err := ui.o.Registrations.Settings(r.Context(), v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	views := make([]registration.PartnerView, len(rs))
	for i, x := range rs {
		views[i] = registration.ToPartnerView(x, set)
	}
	next := ""
	if more && len(rs) > 0 {
		next = rs[len(rs)-1].ID
	}
	p.Title, p.Data = "Your registrations", map[string]any{"Registrations": views, "Next": next, "Loc": loc}
	ui.render(w, r, http.StatusOK, "portal_registrations", p)
}

// registrationOf reads the registration named in the path, with the workspace's
// registration settings and time zone.
func (ui *UI) registrationOf(r *http.Request, v Viewer) (registration.Registration, registration.Settings, *time.Location, error) {
	x, err := ui.o.Registrations.Get(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return x, registration.Settings{}, nil, err
	}
	set, loc, err := ui.o.Registrations.Settings(r.Context(), v.WorkspaceID)
	return x, set, loc, err
}

func (ui *UI) portalRegistration(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderPortalRegistration(w, r, v, p, http.StatusOK, "")
}

func (ui *UI) renderPortalRegistration(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, problem string) {
	x, set, loc, err := ui.registrationOf(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	view := registration.ToPartnerView(x, set)
	p.Title = x.CustomerName
	p.Data = map[string]any{"R": view, "StatusLabel": x.Status.Label(), "Loc": loc, "Problem": problem,
		"CanReply": x.Status == registration.InfoRequested, "CanAppeal": x.CanAppeal(time.Now()), "AppealDueAt": x.AppealDueAt,
		"CanWithdraw": x.Competes()}
	ui.render(w, r, status, "portal_registration", p)
}

func (ui *UI) portalReply(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_, err := ui.o.Registrations.Reply(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("text"))
	ui.afterPortalAction(w, r, v, p, err, "Your answer was sent to the reviewers.")
}

func (ui *UI) portalAppeal(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_, err := ui.o.Registrations.Appeal(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("evidence"))
	ui.afterPortalAction(w, r, v, p, err, "Your appeal was sent to the reviewers.")
}

func (ui *UI) portalWithdraw(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_, err := ui.o.Registrations.Withdraw(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("reason"))
	ui.afterPortalAction(w, r, v, p, err, "The registration is withdrawn.")
}

// registrationRelease ends a registration on the reviewer's side.
func (ui *UI) registrationRelease(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	x, err := ui.o.Registrations.Withdraw(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PostFormValue("reason"))
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Released: the customer is open to other registrations. The partner has been told."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/registrations/"+x.ID, http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		ui.renderRegistration(w, r, v, p, http.StatusUnprocessableEntity, problemText(err), nil)
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) afterPortalAction(w http.ResponseWriter, r *http.Request, v Viewer, p Page, err error, done string) {
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: done})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/portal/registrations/"+r.PathValue("id"), http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		ui.renderPortalRegistration(w, r, v, p, http.StatusUnprocessableEntity, problemText(err))
	default:
		ui.Error(w, r, err)
	}
}

func problemText(err error) string {
	msg := tandem.MessageOf(err)
	for _, f := range tandem.FieldsOf(err) {
		msg += " " + strings.ReplaceAll(f.Path, "_", " ") + ": " + f.Detail + "."
	}
	return msg
}

// linkActor checks a registration link and returns the actor it lets its holder act
// as, or renders why it cannot be used.
func (ui *UI) linkActor(w http.ResponseWriter, r *http.Request) (policy.Actor, signedlink.Claims, bool) {
	claims, actor, err := ui.o.Links.Check(r.Context(), r.PathValue("token"), "registration.create")
	if err != nil {
		ui.render(w, r, http.StatusGone, "error", Page{Title: "This link cannot be used",
			Data: map[string]string{"Message": tandem.MessageOf(err) + " Ask your partner manager for a new registration link."}})
		return policy.Actor{}, claims, false
	}
	return actor, claims, true
}

func (ui *UI) linkRegistrationForm(w http.ResponseWriter, r *http.Request) {
	actor, _, ok := ui.linkActor(w, r)
	if !ok {
		return
	}
	ui.renderLinkForm(w, r, actor, http.StatusOK, map[string]string{}, nil)
}

func (ui *UI) renderLinkForm(w http.ResponseWriter, r *http.Request, actor policy.Actor, status int, form map[string]string, errs map[string]string) {
	pt, err := ui.o.Registrations.Store.PartnerByID(r.Context(), actor.WorkspaceID, actor.PartnerID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ws, err := ui.o.Identity.Store.WorkspaceByID(r.Context(), actor.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	if form["motion"] == "" && len(pt.Motions) > 0 {
		form["motion"] = string(pt.Motions[0])
	}
	p := Page{WorkspaceName: ws.Name}
	if errs != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The deal was not registered; please correct the fields marked below."})
	}
	ui.registrationForm(w, r, p, status, map[string]any{"Action": r.URL.Path, "Partner": pt, "Form": form, "Errors": errs, "Signed": false, "Workspace": ws.Name})
}

func (ui *UI) linkRegister(w http.ResponseWriter, r *http.Request) {
	actor, _, ok := ui.linkActor(w, r)
	if !ok {
		return
	}
	in, form := formInput(r)
	in.PartnerID = actor.PartnerID
	rc, err := ui.o.Registrations.Submit(r.Context(), actor, strings.TrimSpace(in.SubmitterName)+" (by link)", registration.ChannelLink, in)
	switch {
	case err == nil:
	case tandem.KindOf(err) == tandem.KindInvalid:
		ui.renderLinkForm(w, r, actor, http.StatusUnprocessableEntity, form, fieldErrors(err))
		return
	case errors.As(err, new(*signedlink.Error)):
		ui.render(w, r, http.StatusGone, "error", Page{Title: "This link cannot be used",
			Data: map[string]string{"Message": tandem.MessageOf(err) + " Nothing was registered. Ask your partner manager for a new registration link."}})
		return
	default:
		ui.Error(w, r, err)
		return
	}
	ws, _ := ui.o.Identity.Store.WorkspaceByID(r.Context(), actor.WorkspaceID)
	ui.render(w, r, http.StatusOK, "registration_received", Page{Title: "Deal registered", WorkspaceName: ws.Name,
		Data: map[string]any{"Receipt": rc, "Email": rc.Registration.SubmitterEmail, "Again": r.URL.Path}})
}

// registrationLink issues a registration link for a partner and shows it once.
func (ui *UI) registrationLink(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	pt, err := ui.o.Partners.Get(r.Context(), v.Actor, id)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	url, claims, err := ui.o.Links.Issue(r.Context(), v.Actor, v.Name, "/r/", signedlink.Grant{WorkspaceID: v.WorkspaceID,
		Action: "registration.create", Subject: pt.ID, ExpiresAt: time.Now().Add(registrationLinkDays * 24 * time.Hour), MaxUses: registrationLinkUses})
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p.Title, p.Data = "Registration link for "+pt.Name, map[string]any{"Partner": pt, "URL": url, "Expires": claims.ExpiresAt, "Uses": registrationLinkUses}
	ui.render(w, r, http.StatusOK, "registration_link", p)
}

// registrationQueue is the reviewers' page: open registrations by deadline, or all
// registrations newest first.
func (ui *UI) registrationQueue(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	q := r.URL.Query()
	view := q.Get("view")
	f := registration.Filter{Query: q.Get("q")}
	if view == "" {
		view = "queue"
	}
	switch view {
	case "queue":
		f.Statuses, f.ByDeadline = []registration.Status{registration.Pending, registration.Appealed, registration.InfoRequested}, true
	case "all":
	default:
		f.Statuses = []registration.Status{registration.Status(view)}
	}
	rs, more, err := ui.o.Registrations.List(r.Context(), v.Actor, f, q.Get("after"), 50)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	set, loc, err := ui.o.Registrations.Settings(r.Context(), v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	next := ""
	if more && len(rs) > 0 {
		next = rs[len(rs)-1].ID
		if f.ByDeadline {
			next = store.QueueCursor(rs[len(rs)-1])
		}
	}
	rows := make([]queueRow, len(rs))
	now := time.Now()
	names := ui.pipelinePartnerNames(r.Context(), v.Actor)
	for i, x := range rs {
		rows[i] = queueRow{R: x, Expires: x.ProtectionExpiresAt(set.Protection), Overdue: x.Status.Open() && x.Status != registration.InfoRequested && !now.Before(x.ReviewDueAt),
			Left: untilText(now, x.ReviewDueAt), Partner: names.of(x.PartnerID), Waiting: set.WaitingOn(x)}
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/registrations")
	p.Title, p.Data = "Deal registrations", map[string]any{"Rows": rows, "Next": next, "View": view, "Q": f.Query, "Loc": loc,
		"Views": []string{"queue", "all", "approved", "declined", "expired"}}
	ui.render(w, r, http.StatusOK, "registrations", p)
}

type queueRow struct {
	R       registration.Registration
	Partner string
	Expires time.Time
	Overdue bool
	Left    string
	Waiting string // the approval step it waits on, when it needs several
}

// untilText says how long until t, roughly ("in 5 h", "2 d overdue").
func untilText(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	suffix := ""
	if d < 0 {
		d, suffix = -d, " overdue"
	} else {
		suffix = " left"
	}
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min" + suffix
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h" + suffix
	}
	return strconv.Itoa(int(d.Hours()/24)) + " d" + suffix
}

func (ui *UI) markNav(p *Page, href string) {
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == href
	}
}

func (ui *UI) registrationDetail(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderRegistration(w, r, v, p, http.StatusOK, "", nil)
}

func (ui *UI) renderRegistration(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, problem string, form map[string]string) {
	x, set, loc, err := ui.registrationOf(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	pn, err := ui.o.Registrations.Store.PartnerByID(r.Context(), v.WorkspaceID, x.PartnerID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	history, _, err := ui.o.DB.ListAudit(r.Context(), v.WorkspaceID, audit.Filter{SubjectType: "registration", SubjectID: x.ID}, store.Page{Limit: 200})
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	// Oldest first reads as a story.
	for i, j := 0, len(history)-1; i < j; i, j = i+1, j-1 {
		history[i], history[j] = history[j], history[i]
	}
	if form == nil {
		form = map[string]string{}
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/registrations")
	canDecide := policy.Authorize(v.Actor, policy.Decide, policy.Resource{Kind: policy.Registrations, WorkspaceID: v.WorkspaceID, ID: x.ID, Partners: []string{x.PartnerID}}) == nil
	p.Title = x.CustomerName
	p.Data = map[string]any{"R": x, "Partner": pn, "Expires": x.ProtectionExpiresAt(set.Protection), "Loc": loc, "History": history,
		"Problem": problem, "Form": form, "CanDecide": canDecide && x.Status.Open(), "CanExtend": canDecide && x.Status == registration.Approved,
		"CanRelease":     canDecide && x.Competes(),
		"ExtensionsLeft": extensionsLeft(set, x), "Answers": registration.Answers(x, set.CustomFields), "Left": untilText(time.Now(), x.ReviewDueAt),
		"Steps": set.Steps(x), "Waiting": set.WaitingOn(x)}
	ui.render(w, r, status, "registration", p)
}

func extensionsLeft(set registration.Settings, x registration.Registration) int {
	n := set.Protection.MaxExtensions - len(x.Extensions)
	if n < 0 {
		return 0
	}
	return n
}

func (ui *UI) registrationDecision(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	form := map[string]string{"action": r.PostFormValue("action"), "rationale": r.PostFormValue("rationale"), "partner_message": r.PostFormValue("partner_message")}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	x, err := ui.o.Registrations.Decide(r.Context(), v.Actor, v.Name, r.PathValue("id"), registration.Decision{
		Action: registration.Action(form["action"]), Rationale: form["rationale"], PartnerMessage: form["partner_message"], Version: version})
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Decision recorded: " + strings.ToLower(x.Status.Label()) + ". The partner has been told."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/registrations/"+x.ID, http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		ui.renderRegistration(w, r, v, p, http.StatusUnprocessableEntity, problemText(err), form)
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) registrationExtension(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	days, _ := strconv.Atoi(r.PostFormValue("days"))
	x, err := ui.o.Registrations.Extend(r.Context(), v.Actor, v.Name, r.PathValue("id"), days, r.PostFormValue("reason"))
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Protection extended by " + strconv.Itoa(days) + " days."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/registrations/"+x.ID, http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		ui.renderRegistration(w, r, v, p, http.StatusUnprocessableEntity, problemText(err), nil)
	default:
		ui.Error(w, r, err)
	}
}

// importRegistrations registers the deals of an uploaded CSV file (console and portal).
func (ui *UI) importRegistrations(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	back, label := "/w/"+v.WorkspaceSlug+"/registrations?view=all", "Registrations"
	if v.PartnerID != "" {
		back, label = "/w/"+v.WorkspaceSlug+"/portal/registrations", "Your registrations"
	}
	p.Title = "Registration upload"
	file, _, err := r.FormFile("file")
	if err != nil {
		p.Data = map[string]any{"Message": "Choose a CSV file to upload.", "Failed": true, "Back": back, "BackLabel": label}
		ui.render(w, r, http.StatusUnprocessableEntity, "import_report", p)
		return
	}
	defer file.Close()
	dryRun := r.PostFormValue("dry_run") == "on"
	mode := csvimport.AllOrNothing
	if r.PostFormValue("valid_only") == "on" {
		mode = csvimport.ValidRowsOnly
	}
	res, err := ui.o.Registrations.Import(r.Context(), v.Actor, v.Name, file, mode, dryRun, csvimport.Options{})
	status, msg := http.StatusOK, ""
	switch {
	case err != nil && tandem.KindOf(err) != tandem.KindInvalid:
		ui.Error(w, r, err)
		return
	case err != nil:
		status, msg = http.StatusUnprocessableEntity, tandem.MessageOf(err)
		if len(res.Report.Rejected) == 0 {
			msg = problemText(err)
		}
	case dryRun:
		msg = fmt.Sprintf("Dry run: %d rows; %d would be registered and %d rejected. Nothing was registered.", res.Report.Rows, res.Report.Valid, res.Report.RejectedRows())
	default:
		msg = fmt.Sprintf("Registered %d deals from %d rows (%d rejected); %d may collide with existing customers and wait for a reviewer.",
			len(res.Registered), res.Report.Rows, res.Report.RejectedRows(), res.Colliding)
	}
	p.Data = map[string]any{"Message": msg, "Report": res.Report, "Failed": err != nil, "Back": back, "BackLabel": label}
	ui.render(w, r, status, "import_report", p)
}

// publicRegistration is the page anyone can reach (and a vendor can link to or embed):
// a partner's seller asks for a registration link by email.
func (ui *UI) publicRegistration(w http.ResponseWriter, r *http.Request) {
	ws, err := ui.o.Identity.Store.WorkspaceBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p := Page{Title: "Register a deal with " + ws.Name, WorkspaceName: ws.Name}
	data := map[string]any{"Workspace": ws.Name, "Email": "", "Sent": false, "Error": ""}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		email := r.PostFormValue("email")
		data["Email"] = email
		err := ui.o.PublicRegistration.RequestLink(r.Context(), ws.Slug, email, r.PostFormValue("company_website"))
		switch tandem.KindOf(err) {
		case "":
			data["Sent"] = true
		case tandem.KindInvalid:
			status, data["Error"] = http.StatusUnprocessableEntity, "Enter your work email address, such as you@partner.com."
		case tandem.KindRateLimited:
			if s := int(tandem.RetryAfterOf(err).Seconds()); s > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(s))
			}
			status, data["Error"] = http.StatusTooManyRequests, tandem.MessageOf(err)
		default:
			ui.Error(w, r, err)
			return
		}
	}
	// The page may be shown inside the vendor's own site.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors *; base-uri 'self'; form-action 'self'")
	w.Header().Del("X-Frame-Options")
	p.Data = data
	ui.render(w, r, status, "registration_public", p)
}
