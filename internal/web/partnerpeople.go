package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerPartnerPeople(mux *http.ServeMux) {
	ui.handle(mux, "POST /w/{slug}/partners/{id}/contacts", ui.console(ui.addContact))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/contacts/{contact}/invite", ui.console(ui.inviteContact))
	ui.handle(mux, "GET /w/{slug}/partner-contacts.csv", ui.console(ui.exportContacts))
	ui.handle(mux, "POST /w/{slug}/partner-contacts/import", ui.console(ui.importContacts))
	ui.handle(mux, "GET /w/{slug}/portal/profile", ui.portal(ui.portalProfile))
	ui.handle(mux, "POST /w/{slug}/portal/profile", ui.portal(ui.savePortalProfile))
	ui.handle(mux, "POST /w/{slug}/portal/contacts", ui.portal(ui.addContact))
	ui.handle(mux, "POST /w/{slug}/portal/contacts/{contact}", ui.portal(ui.editPortalContact))
	ui.handle(mux, "POST /w/{slug}/portal/contacts/{contact}/invite", ui.portal(ui.inviteContact))
}

// contactInput reads a contact form.
func contactInput(r *http.Request) partner.ContactInput {
	name, email, phone, title := r.PostFormValue("name"), r.PostFormValue("email"), r.PostFormValue("phone"), r.PostFormValue("title")
	role := partner.Role(r.PostFormValue("role"))
	return partner.ContactInput{Name: &name, Email: &email, Phone: &phone, Title: &title, Role: &role}
}

// peopleTarget is the partner a people form acts on and the page to return to: the
// partner's page in the console, the profile page in the portal.
func peopleTarget(r *http.Request, v Viewer) (string, string) {
	if v.PartnerID != "" {
		return v.PartnerID, "/w/" + v.WorkspaceSlug + "/portal/profile"
	}
	return r.PathValue("id"), "/w/" + v.WorkspaceSlug + "/partners/" + r.PathValue("id") + "#people"
}

// peopleOutcome sends the browser back with a message, or shows the error page.
func (ui *UI) peopleOutcome(w http.ResponseWriter, r *http.Request, back, done string, err error) {
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: done})
	case tandem.KindInvalid, tandem.KindConflict:
		msg := tandem.MessageOf(err)
		for _, f := range tandem.FieldsOf(err) {
			msg += " " + f.Path + ": " + f.Detail + "."
		}
		SetFlash(w, Flash{Kind: "error", Text: truncateText(msg, 280)})
	default:
		ui.Error(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (ui *UI) addContact(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	pid, back := peopleTarget(r, v)
	c, err := ui.o.Contacts.Add(r.Context(), v.Actor, v.Name, pid, contactInput(r))
	ui.peopleOutcome(w, r, back, c.Name+" was added.", err)
}

func (ui *UI) editPortalContact(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	pid, back := peopleTarget(r, v)
	c, err := ui.o.Contacts.Update(r.Context(), v.Actor, v.Name, pid, r.PathValue("contact"), contactInput(r))
	ui.peopleOutcome(w, r, back, c.Name+" was saved.", err)
}

func (ui *UI) inviteContact(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	pid, back := peopleTarget(r, v)
	c, err := ui.o.Contacts.InviteToPortal(r.Context(), v.Actor, v.Name, pid, r.PathValue("contact"), tandem.Role(r.PostFormValue("portal_role")))
	ui.peopleOutcome(w, r, back, c.Name+" was invited to the partner portal and will get a sign-in link by email.", err)
}

// exportContacts downloads the contacts of one partner (partner_id) or of all.
func (ui *UI) exportContacts(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	if err := policy.Authorize(v.Actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="partner-contacts.csv"`)
	if err := ui.o.Contacts.Export(r.Context(), v.Actor, r.URL.Query().Get("partner_id"), w); err != nil {
		ui.o.Logger.ErrorContext(r.Context(), "partner contacts export failed", "error", err.Error())
	}
}

// importContacts takes an uploaded contacts CSV: dry run, all or nothing, or the
// valid rows only.
func (ui *UI) importContacts(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	back := "/w/" + v.WorkspaceSlug + "/partners"
	file, _, err := r.FormFile("file")
	if err != nil {
		SetFlash(w, Flash{Kind: "error", Text: "Choose a CSV file of partner contacts to import."})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	defer file.Close()
	dryRun := r.PostFormValue("dry_run") == "on"
	mode := csvimport.AllOrNothing
	if r.PostFormValue("valid_only") == "on" {
		mode = csvimport.ValidRowsOnly
	}
	report, created, err := ui.o.Contacts.Import(r.Context(), v.Actor, v.Name, file, mode, dryRun, csvimport.Options{})
	status, msg := http.StatusOK, ""
	switch {
	case err != nil && tandem.KindOf(err) != tandem.KindInvalid:
		ui.Error(w, r, err)
		return
	case err != nil:
		status, msg = http.StatusUnprocessableEntity, tandem.MessageOf(err)
		if len(report.Rejected) == 0 {
			for _, f := range tandem.FieldsOf(err) {
				msg += " " + f.Path + ": " + f.Detail + "."
			}
		}
	case dryRun:
		msg = fmt.Sprintf("Dry run: %d rows; %d would be imported and %d rejected. Nothing was written.", report.Rows, report.Valid, report.RejectedRows())
	default:
		msg = fmt.Sprintf("Imported %d partner contacts from %d rows (%d rejected).", created, report.Rows, report.RejectedRows())
	}
	p.Title, p.Data = "Partner contacts import", map[string]any{"Message": msg, "Report": report, "Failed": err != nil, "Back": back, "BackLabel": "Partners"}
	ui.render(w, r, status, "import_report", p)
}

// portalProfile shows a partner's own organisation: the safe profile fields, its
// people, and forms for partner admins.
func (ui *UI) portalProfile(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ctx := r.Context()
	pr, err := ui.o.Partners.OwnProfile(ctx, v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	var people []map[string]any
	if policy.RoleAllows(v.Actor.Role, policy.PartnerUsers, policy.List) {
		cs, err := ui.o.Contacts.List(ctx, v.Actor, v.PartnerID)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		for _, c := range cs {
			people = append(people, policy.Redact(policy.PartnerUsers, map[string]any{"id": c.ID, "name": c.Name, "email": c.Email,
				"phone": c.Phone, "title": c.Title, "role": string(c.Role), "portal_status": c.PortalStatus}))
		}
	}
	certs, expiring, err := ui.portalCertifications(ctx, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	safe := pr.Safe()
	list := func(k string) string {
		vs, _ := safe[k].([]string)
		return strings.Join(vs, ", ")
	}
	p.Title, p.Data = "Our profile", map[string]any{"Profile": safe, "Regions": list("regions"), "Verticals": list("verticals"), "Motions": safe["motions"],
		"People": people, "Roles": partner.Roles, "Certifications": certs, "Expiring": expiring, "ReminderDays": certification.ReminderDays,
		"CanEdit":   policy.RoleAllows(v.Actor.Role, policy.PartnerProfile, policy.Update),
		"CanManage": policy.RoleAllows(v.Actor.Role, policy.PartnerUsers, policy.Create)}
	ui.render(w, r, http.StatusOK, "portal_profile", p)
}

func (ui *UI) savePortalProfile(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	name := r.PostFormValue("name")
	regions, verticals := splitList(r.PostFormValue("regions")), splitList(r.PostFormValue("verticals"))
	_, err := ui.o.Partners.UpdateOwnProfile(r.Context(), v.Actor, v.Name, partner.ProfileChanges{Name: &name, Regions: &regions, Verticals: &verticals})
	ui.peopleOutcome(w, r, "/w/"+v.WorkspaceSlug+"/portal/profile", "Your profile was saved.", err)
}
