package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/partner"
)

type segmentJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Rule      string `json:"rule"`
	BuiltIn   bool   `json:"built_in"`
	Members   *int   `json:"members,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	CreatedAt string `json:"created_at,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

func toSegmentJSON(s partner.Segment) segmentJSON {
	out := segmentJSON{ID: s.ID, Name: s.Name, Rule: s.Rule, BuiltIn: s.BuiltIn, CreatedBy: s.CreatedBy}
	if !s.CreatedAt.IsZero() {
		out.CreatedAt, out.UpdatedAt = s.CreatedAt.Format(timeFormat), s.UpdatedAt.Format(timeFormat)
	}
	return out
}

// RegisterSegments adds the routes of saved partner segments. Their members are the
// partner list filtered with ?segment=ID.
func RegisterSegments(rt *Router, svc *partner.Segments) {
	rt.Handle("GET", "/api/v1/segments", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ss, err := svc.List(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		out := make([]segmentJSON, len(ss))
		for i, s := range ss {
			out[i] = toSegmentJSON(s)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("POST", "/api/v1/segments", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Name string `json:"name"`
			Rule string `json:"rule"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		s, err := svc.Create(r.Context(), p.Actor, p.Name, in.Name, in.Rule)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/segments/"+s.ID)
		WriteJSON(w, http.StatusCreated, toSegmentJSON(s))
		return nil
	})
	rt.Handle("POST", "/api/v1/segments/check", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Rule string `json:"rule"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		ids, err := svc.Preview(r.Context(), p.Actor, in.Rule)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"valid": true, "members": len(ids)})
		return nil
	})
	rt.Handle("GET", "/api/v1/segments/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		s, err := svc.Get(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		ids, err := svc.Members(r.Context(), p.Actor, s.ID)
		if err != nil {
			return err
		}
		out := toSegmentJSON(s)
		n := len(ids)
		out.Members = &n
		WriteJSON(w, http.StatusOK, out)
		return nil
	})
	rt.Handle("PATCH", "/api/v1/segments/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Name *string `json:"name"`
			Rule *string `json:"rule"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		s, err := svc.Update(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Name, in.Rule)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toSegmentJSON(s))
		return nil
	})
	rt.Handle("DELETE", "/api/v1/segments/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := svc.Delete(r.Context(), p.Actor, p.Name, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
