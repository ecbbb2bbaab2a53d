package web

import (
	"net/http"
	"net/url"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
)

// Saved views of the pipeline live beside the list rather than under
// /pipeline/{id}/…, whose patterns they would overlap.
func (ui *UI) registerPipelineViews(mux *http.ServeMux) {
	ui.handle(mux, "POST /w/{slug}/pipeline-views", ui.console(ui.savePipelineView))
	ui.handle(mux, "POST /w/{slug}/pipeline-views/{id}/delete", ui.console(ui.deletePipelineView))
}

// pipeViews is the saved-views service over the UI's database.
func (ui *UI) pipeViews() *pipeline.Views {
	return &pipeline.Views{Store: store.Pipeline{DB: ui.o.DB}, Now: ui.pipe().Now}
}

// pipelineExtras adds to the pipeline page's data the person's saved views, the
// current filters (as the query a view would keep) and whether they may create
// opportunities and read the pipeline settings.
func (ui *UI) pipelineExtras(r *http.Request, v Viewer, data map[string]any) {
	data["CanCreate"] = policy.RoleAllows(v.Actor.Role, policy.Opportunities, policy.Create)
	data["CanSettings"] = policy.RoleAllows(v.Actor.Role, policy.Settings, policy.Read)
	data["SettingsURL"] = "/w/" + v.WorkspaceSlug + "/settings/pipeline"
	views, err := ui.pipeViews().List(r.Context(), v.Actor)
	if err != nil {
		ui.o.Logger.ErrorContext(r.Context(), "reading saved pipeline views failed", "error", err.Error())
	}
	q, _ := pipeline.ViewQuery(r.URL.Query())
	var own, shared []viewLink
	for _, pv := range views {
		l := viewLink{View: pv, CanDelete: pipeline.MayDeleteView(v.Actor, pv)}
		if pv.UserID == v.Actor.UserID {
			own = append(own, l)
		} else {
			shared = append(shared, l)
		}
	}
	data["Views"], data["SharedViews"], data["ViewQuery"] = own, shared, q.Encode()
}

// viewLink is a saved view as the pipeline page offers it.
type viewLink struct {
	pipeline.View
	CanDelete bool
}

func (ui *UI) savePipelineView(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	q, _ := url.ParseQuery(r.PostFormValue("query"))
	view, err := ui.pipeViews().Save(r.Context(), v.Actor, v.Name, r.PostFormValue("name"), q, r.PostFormValue("shared") == "on")
	back := "/w/" + v.WorkspaceSlug + "/pipeline"
	if err == nil && view.Query != "" {
		back += "?" + view.Query
	} else if err != nil {
		if kept, _ := pipeline.ViewQuery(q); len(kept) > 0 {
			back += "?" + kept.Encode()
		}
	}
	text := "The view " + view.Name + " was saved."
	if view.Shared {
		text = "The view " + view.Name + " was saved and shared with everyone on your team."
	}
	ui.peopleOutcome(w, r, back, text, err)
}

func (ui *UI) deletePipelineView(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	err := ui.pipeViews().Delete(r.Context(), v.Actor, v.Name, r.PathValue("id"))
	ui.peopleOutcome(w, r, "/w/"+v.WorkspaceSlug+"/pipeline", "The view was deleted.", err)
}
