package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerSegments(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/segments", ui.console(ui.segments))
	ui.handle(mux, "POST /w/{slug}/segments", ui.console(ui.createSegment))
	ui.handle(mux, "POST /w/{slug}/segments/{id}/delete", ui.console(ui.deleteSegment))
	ui.handle(mux, "POST /w/{slug}/partners/views", ui.console(ui.saveView))
	ui.handle(mux, "POST /w/{slug}/partners/views/{id}/delete", ui.console(ui.deleteView))
}

func (ui *UI) segments(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderSegments(w, r, v, p, http.StatusOK, map[string]string{}, nil)
}

func (ui *UI) renderSegments(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, form map[string]string, problems []tandem.FieldError) {
	segs, err := ui.o.Segments.List(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	sizes, err := ui.o.Segments.Sizes(r.Context(), v.Actor, segs)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	errs := map[string]string{}
	for _, fe := range problems {
		errs[fe.Path] = fe.Detail
	}
	// The fault's column, to point at it under the rule as typed.
	caret := ""
	if d := errs["rule"]; strings.HasPrefix(d, "column ") {
		var col int
		for _, c := range strings.TrimPrefix(d, "column ") {
			if c < '0' || c > '9' {
				break
			}
			col = col*10 + int(c-'0')
		}
		if col > 0 && col <= len(form["rule"])+1 {
			caret = strings.Repeat(" ", col-1) + "^"
		}
	}
	p.Title, p.Data = "Segments", map[string]any{"Segments": segs, "Sizes": sizes, "Fields": partner.Fields, "Form": form, "Errors": errs, "Caret": caret}
	ui.render(w, r, status, "segments", p)
}

func (ui *UI) createSegment(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	form := map[string]string{"name": r.PostFormValue("name"), "rule": r.PostFormValue("rule")}
	seg, err := ui.o.Segments.Create(r.Context(), v.Actor, v.Name, form["name"], form["rule"])
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "The segment " + seg.Name + " was saved."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners?segment="+seg.ID, http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The segment was not saved: " + tandem.MessageOf(err)})
		ui.renderSegments(w, r, v, p, http.StatusUnprocessableEntity, form, tandem.FieldsOf(err))
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) deleteSegment(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if r.PostFormValue("confirm") != "yes" {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "Tick the box to confirm that the segment should be deleted."})
		ui.renderSegments(w, r, v, p, http.StatusUnprocessableEntity, map[string]string{}, nil)
		return
	}
	err := ui.o.Segments.Delete(r.Context(), v.Actor, v.Name, r.PathValue("id"))
	ui.peopleOutcome(w, r, "/w/"+v.WorkspaceSlug+"/segments", "The segment was deleted.", err)
}

func (ui *UI) saveView(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	q, _ := url.ParseQuery(r.PostFormValue("query"))
	view, err := ui.o.Views.Save(r.Context(), v.Actor, r.PostFormValue("name"), q)
	ui.peopleOutcome(w, r, "/w/"+v.WorkspaceSlug+"/partners?"+view.Query, "The view "+view.Name+" was saved.", err)
}

func (ui *UI) deleteView(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	err := ui.o.Views.Delete(r.Context(), v.Actor, r.PathValue("id"))
	ui.peopleOutcome(w, r, "/w/"+v.WorkspaceSlug+"/partners", "The view was deleted.", err)
}
