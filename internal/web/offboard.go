package web

import (
	"fmt"
	"net/http"

	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/offboard"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerOffboard(mux *http.ServeMux) {
	if ui.o.Offboard == nil {
		return
	}
	ui.handle(mux, "GET /w/{slug}/partners/{id}/offboard", ui.console(ui.offboardPage))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/offboard", ui.console(ui.offboardPartner))
}

func (ui *UI) offboardPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderOffboard(w, r, v, p, http.StatusOK, offboard.Input{}, nil)
}

func (ui *UI) renderOffboard(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, in offboard.Input, err error) {
	pt, im, perr := ui.o.Offboard.Preview(r.Context(), v.Actor, r.PathValue("id"))
	if perr != nil {
		ui.Error(w, r, perr)
		return
	}
	history, herr := ui.o.Offboard.History(r.Context(), v.Actor, pt.ID)
	if herr != nil {
		ui.Error(w, r, herr)
		return
	}
	users, uerr := ui.o.Identity.ListUsers(r.Context(), v.Actor)
	if uerr != nil && tandem.KindOf(uerr) != tandem.KindForbidden {
		ui.Error(w, r, uerr)
		return
	}
	var owners []identity.User
	for _, u := range users {
		if u.PartnerID == "" && u.Status != identity.Deactivated {
			owners = append(owners, u)
		}
	}
	errs := map[string]string{}
	for _, fe := range tandem.FieldsOf(err) {
		errs[fe.Path] = fe.Detail
	}
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: tandem.MessageOf(err)})
	}
	p.Title = "Offboard " + pt.Name
	p.Data = map[string]any{"P": pt, "Impact": im, "Owners": owners, "In": in, "Errors": errs, "History": history,
		"Done": pt.Lifecycle == partner.Offboarded}
	ui.render(w, r, status, "partner_offboard", p)
}

func (ui *UI) offboardPartner(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	in := offboard.Input{OwnerUserID: r.PostFormValue("owner_user_id"), Reason: r.PostFormValue("reason"), Confirmed: r.PostFormValue("confirm") == "yes"}
	rec, err := ui.o.Offboard.Offboard(r.Context(), v.Actor, v.Name, r.PathValue("id"), in)
	if err != nil {
		if tandem.KindOf(err) == tandem.KindInvalid {
			ui.renderOffboard(w, r, v, p, http.StatusUnprocessableEntity, in, err)
			return
		}
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: fmt.Sprintf("Offboarded: %d people signed out, %d registrations closed, %d opportunities handed over.",
		rec.UsersEnded, len(rec.Registrations), len(rec.Opportunities))})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+rec.PartnerID, http.StatusSeeOther)
}
