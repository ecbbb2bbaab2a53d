package web

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerPartner(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/partners/{id}", ui.console(ui.partnerDetail))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/lifecycle", ui.console(ui.partnerLifecycle))
}

func (ui *UI) partnerDetail(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderPartner(w, r, v, p, http.StatusOK, "")
}

func (ui *UI) renderPartner(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, problem string) {
	x, err := ui.o.Partners.Get(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	// The timeline is the partner's audit trail; only people who may read the audit
	// log see it.
	var history []audit.Entry
	if _, err := ui.o.Workspaces.Get(r.Context(), v.Actor); err == nil {
		history, _, err = ui.o.DB.ListAudit(r.Context(), v.WorkspaceID, audit.Filter{SubjectType: "partner", SubjectID: x.ID}, store.Page{Limit: 50})
		if err != nil {
			ui.Error(w, r, err)
			return
		}
	}
	var moves []partner.Lifecycle
	for _, l := range partner.Lifecycles {
		if partner.CheckMove(x.Lifecycle, l) == nil {
			moves = append(moves, l)
		}
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == "/w/"+v.WorkspaceSlug+"/partners"
	}
	p.Title, p.Data = x.Name, map[string]any{"P": x, "History": history, "Moves": moves, "Problem": problem}
	ui.render(w, r, status, "partner", p)
}

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
		ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, msg)
	default:
		ui.Error(w, r, err)
	}
}
