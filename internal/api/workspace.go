package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/workspace"
)

type workspaceJSON struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	workspace.Settings
}

// RegisterWorkspace adds the workspace settings routes.
func RegisterWorkspace(rt *Router, svc *workspace.Service) {
	show := func(w http.ResponseWriter, status int, ws workspace.Workspace) {
		WriteJSON(w, status, workspaceJSON{ID: ws.ID, Slug: ws.Slug, Settings: workspace.Settings{Name: ws.Name, TimeZone: ws.TimeZone, Currency: ws.Currency, Calendar: ws.Calendar}})
	}
	rt.Handle("GET", "/api/v1/workspace", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ws, err := svc.Get(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		show(w, http.StatusOK, ws)
		return nil
	})
	rt.Handle("PUT", "/api/v1/workspace", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in workspace.Settings
		if err := Decode(r, &in); err != nil {
			return err
		}
		ws, err := svc.Update(r.Context(), p.Actor, p.Name, in)
		if err != nil {
			return err
		}
		show(w, http.StatusOK, ws)
		return nil
	})
}
