package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/offboard"
)

type offboardingJSON struct {
	ID            string   `json:"id"`
	PartnerID     string   `json:"partner_id"`
	OwnerUserID   string   `json:"owner_user_id"`
	Reason        string   `json:"reason"`
	PeopleEnded   int      `json:"people_ended"`
	Registrations []string `json:"registrations_closed"`
	Opportunities []string `json:"opportunities_reassigned"`
	By            string   `json:"by"`
	At            string   `json:"at"`
}

func toOffboardingJSON(r offboard.Record) offboardingJSON {
	return offboardingJSON{ID: r.ID, PartnerID: r.PartnerID, OwnerUserID: r.OwnerUserID, Reason: r.Reason, PeopleEnded: r.UsersEnded,
		Registrations: r.Registrations, Opportunities: r.Opportunities, By: r.ActorName, At: r.At.Format(timeFormat)}
}

// RegisterOffboard adds GET /api/v1/partners/{id}/offboard (what offboarding would
// touch, and earlier offboardings) and POST (offboard, with "confirm": true).
func RegisterOffboard(rt *Router, svc *offboard.Service) {
	rt.Handle("GET", "/api/v1/partners/{id}/offboard", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pt, im, err := svc.Preview(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		hist, err := svc.History(r.Context(), p.Actor, pt.ID)
		if err != nil {
			return err
		}
		past := make([]offboardingJSON, len(hist))
		for i, x := range hist {
			past[i] = toOffboardingJSON(x)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"partner_id": pt.ID, "lifecycle": pt.Lifecycle, "impact": map[string]int{
			"people": im.People, "sessions": im.Sessions, "registrations": im.Registrations, "opportunities": im.Opportunities,
			"registration_links": im.Links, "api_tokens": im.Tokens}, "offboardings": past})
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/offboard", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			OwnerUserID string `json:"owner_user_id"`
			Reason      string `json:"reason"`
			Confirm     bool   `json:"confirm"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		rec, err := svc.Offboard(r.Context(), p.Actor, p.Name, r.PathValue("id"), offboard.Input{OwnerUserID: in.OwnerUserID, Reason: in.Reason, Confirmed: in.Confirm})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toOffboardingJSON(rec))
		return nil
	})
}
