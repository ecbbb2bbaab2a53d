package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/notify"
)

// RegisterNotifications adds the caller's notification routes.
func RegisterNotifications(rt *Router, svc *notify.Service) {
	rt.Handle("GET", "/api/v1/notifications", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ns, unread, err := svc.List(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		if ns == nil {
			ns = []notify.Notification{}
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": ns, "unread": unread})
		return nil
	})
	rt.Handle("POST", "/api/v1/notifications/read", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := svc.MarkAllRead(r.Context(), p.Actor); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
