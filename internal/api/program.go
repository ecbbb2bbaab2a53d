package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/tandem"
)

// tierReviewJSON is a tier review as the API shows it (internal callers only).
type tierReviewJSON struct {
	ID          string        `json:"id"`
	PartnerID   string        `json:"partner_id"`
	PartnerName string        `json:"partner_name"`
	Direction   string        `json:"direction"`
	FromTier    string        `json:"from_tier"`
	ToTier      string        `json:"to_tier"`
	Status      string        `json:"status"`
	Evidence    program.Basis `json:"evidence"`
	CreatedAt   string        `json:"created_at"`
	UpdatedAt   string        `json:"updated_at"`
	DecidedAt   string        `json:"decided_at,omitempty"`
	DecidedBy   string        `json:"decided_by,omitempty"`
	Rationale   string        `json:"rationale,omitempty"`
}

func toTierReviewJSON(r program.Review) tierReviewJSON {
	out := tierReviewJSON{ID: r.ID, PartnerID: r.PartnerID, PartnerName: r.PartnerName, Direction: string(r.Direction), FromTier: r.FromTier,
		ToTier: r.ToTier, Status: r.Status, Evidence: r.Evidence, CreatedAt: r.CreatedAt.Format(timeFormat), UpdatedAt: r.UpdatedAt.Format(timeFormat),
		DecidedBy: r.DeciderName, Rationale: r.Rationale}
	if !r.DecidedAt.IsZero() {
		out.DecidedAt = r.DecidedAt.Format(timeFormat)
	}
	if out.Evidence.Current == nil {
		out.Evidence.Current = []program.Check{}
	}
	return out
}

// RegisterProgram adds the program routes: GET and PUT /api/v1/tiers (tiers and
// the review grace period; a PUT replaces the whole document), the tier reviews list,
// a run of the review now, and decisions on proposals.
func RegisterProgram(rt *Router, svc *program.Service) {
	rt.Handle("GET", "/api/v1/tiers", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		set, err := svc.Get(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, set)
		return nil
	})
	rt.Handle("PUT", "/api/v1/tiers", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var set program.Settings
		if err := Decode(r, &set); err != nil {
			return err
		}
		saved, err := svc.Update(r.Context(), p.Actor, p.Name, set)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, saved)
		return nil
	})
	rt.Handle("GET", "/api/v1/tier-reviews", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		limit, err := limitParam(r, 100, 500)
		if err != nil {
			return err
		}
		rs, err := svc.List(r.Context(), p.Actor, r.URL.Query().Get("status"), limit)
		if err != nil {
			return err
		}
		out := make([]tierReviewJSON, len(rs))
		for i, x := range rs {
			out[i] = toTierReviewJSON(x)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("POST", "/api/v1/tier-reviews/run", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		n, err := svc.RunNow(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"open": n})
		return nil
	})
	rt.Handle("POST", "/api/v1/tier-reviews/{id}/decision", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Decision  string `json:"decision"`
			Rationale string `json:"rationale"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		if in.Decision != "confirm" && in.Decision != "dismiss" {
			return invalidParam("decision", "must be confirm or dismiss")
		}
		x, err := svc.Decide(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Decision == "confirm", in.Rationale)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toTierReviewJSON(x))
		return nil
	})
}

// invalidParam is a KindInvalid error on one request field.
func invalidParam(field, detail string) error {
	return tandem.Invalid("The request is not valid.", tandem.FieldError{Path: field, Detail: detail})
}
