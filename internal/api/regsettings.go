package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/registration"
)

// RegisterRegistrationSettings adds GET and PUT /api/v1/registration-settings. A PUT
// changes only the fields it sends; the rest keep their values.
func RegisterRegistrationSettings(rt *Router, svc *registration.Service) {
	rt.Handle("GET", "/api/v1/registration-settings", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		set, err := svc.GetSettings(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, set)
		return nil
	})
	rt.Handle("PUT", "/api/v1/registration-settings", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		set, err := svc.GetSettings(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		if err := Decode(r, &set); err != nil {
			return err
		}
		saved, err := svc.UpdateSettings(r.Context(), p.Actor, p.Name, set)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, saved)
		return nil
	})
}
