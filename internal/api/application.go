package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/application"
)

type applicationJSON struct {
	ID               string   `json:"id"`
	Status           string   `json:"status"`
	Company          string   `json:"company"`
	Website          string   `json:"website"`
	Domain           string   `json:"domain"`
	ContactName      string   `json:"contact_name"`
	ContactEmail     string   `json:"contact_email"`
	Motions          []string `json:"motions"`
	Region           string   `json:"region"`
	Message          string   `json:"message"`
	MatchedPartnerID string   `json:"matched_partner_id"`
	MatchReason      string   `json:"match_reason"`
	Submissions      int      `json:"submissions"`
	PartnerID        string   `json:"partner_id"`
	DecidedAt        string   `json:"decided_at,omitempty"`
	DecidedBy        string   `json:"decided_by,omitempty"`
	Reason           string   `json:"reason,omitempty"`
	CreatedAt        string   `json:"created_at"`
}

func toApplicationJSON(a application.Application) applicationJSON {
	ms := make([]string, len(a.Motions))
	for i, m := range a.Motions {
		ms[i] = string(m)
	}
	out := applicationJSON{ID: a.ID, Status: a.Status, Company: a.Company, Website: a.Website, Domain: a.Domain, ContactName: a.ContactName,
		ContactEmail: a.ContactEmail, Motions: ms, Region: a.Region, Message: a.Message, MatchedPartnerID: a.MatchedPartnerID, MatchReason: a.MatchReason,
		Submissions: a.Submissions, PartnerID: a.PartnerID, DecidedBy: a.DeciderName, Reason: a.Reason, CreatedAt: a.CreatedAt.Format(timeFormat)}
	if !a.DecidedAt.IsZero() {
		out.DecidedAt = a.DecidedAt.Format(timeFormat)
	}
	return out
}

// RegisterApplications adds the partner application review routes (internal callers
// only): list, read, and accept or reject with a reason.
func RegisterApplications(rt *Router, svc *application.Service) {
	rt.Handle("GET", "/api/v1/applications", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		limit, err := limitParam(r, 100, 500)
		if err != nil {
			return err
		}
		as, err := svc.List(r.Context(), p.Actor, r.URL.Query().Get("status"), limit)
		if err != nil {
			return err
		}
		out := make([]applicationJSON, len(as))
		for i, a := range as {
			out[i] = toApplicationJSON(a)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("GET", "/api/v1/applications/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		a, err := svc.Get(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toApplicationJSON(a))
		return nil
	})
	rt.Handle("POST", "/api/v1/applications/{id}/decision", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Decision string `json:"decision"`
			Reason   string `json:"reason"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		var a application.Application
		var err error
		switch in.Decision {
		case "accept":
			a, err = svc.Accept(r.Context(), p.Actor, p.Name, r.PathValue("id"))
		case "reject":
			a, err = svc.Reject(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Reason)
		default:
			return invalidParam("decision", "must be accept or reject")
		}
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toApplicationJSON(a))
		return nil
	})
}
