package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// exclusivityJSON is one exclusivity grant as internal callers see it; partners never
// reach these routes.
func exclusivityJSON(x partner.Exclusivity, now time.Time) map[string]any {
	m := map[string]any{"partner_id": x.PartnerID, "territory": x.Territory, "granted_at": x.GrantedAt.Format(timeFormat),
		"granted_by": x.GrantedBy, "granted_by_name": x.GrantedByName, "expires_at": nil, "rationale": x.Rationale, "in_force": x.InForce(now)}
	if !x.ExpiresAt.IsZero() {
		m["expires_at"] = x.ExpiresAt.Format(timeFormat)
	}
	return m
}

// parseExpiry reads an optional expiry: an RFC 3339 time, or a date (the grant then
// ends as that day begins, UTC). Empty means none.
func parseExpiry(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, tandem.Invalid("The exclusivity grant is not valid.", tandem.FieldError{Path: "expires_at",
		Detail: "must be a date (2027-06-30) or a time in RFC 3339 (2027-06-30T00:00:00Z)"})
}

// RegisterExclusivity adds the routes of partners' territory exclusivity grants.
func RegisterExclusivity(rt *Router, svc *partner.Service) {
	rt.Handle("GET", "/api/v1/partners/{id}/exclusivity", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		xs, err := svc.Exclusivities(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		now := svc.Now()
		out := make([]map[string]any, len(xs))
		for i, x := range xs {
			out[i] = exclusivityJSON(x, now)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/exclusivity", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Territory string `json:"territory"`
			ExpiresAt string `json:"expires_at"`
			Rationale string `json:"rationale"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		exp, err := parseExpiry(in.ExpiresAt)
		if err != nil {
			return err
		}
		x, err := svc.GrantExclusivity(r.Context(), p.Actor, p.Name, r.PathValue("id"), partner.Grant{Territory: in.Territory, ExpiresAt: exp, Rationale: in.Rationale})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, exclusivityJSON(x, svc.Now()))
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/exclusivity/revoke", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Territory string `json:"territory"`
			Rationale string `json:"rationale"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		if err := svc.RevokeExclusivity(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Territory, in.Rationale); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
