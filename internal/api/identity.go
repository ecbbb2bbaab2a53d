package api

import (
	"net/http"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// RegisterIdentity adds the people, token and audit routes.
func RegisterIdentity(rt *Router, ids *identity.Service, db *store.DB) {
	rt.Handle("GET", "/api/v1/users", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		us, err := ids.ListUsers(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		if p.Actor.IsPartner() {
			views := make([]PartnerUserView, len(us))
			for i, u := range us {
				views[i] = partnerUserView(u)
			}
			WriteJSON(w, http.StatusOK, NewList(views, false, func(u PartnerUserView) string { return u.ID }))
			return nil
		}
		WriteJSON(w, http.StatusOK, NewList(us, false, func(u identity.User) string { return u.ID }))
		return nil
	})
	rt.Handle("POST", "/api/v1/users", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Email     string `json:"email"`
			Name      string `json:"name"`
			Role      string `json:"role"`
			PartnerID string `json:"partner_id"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		u, err := ids.Invite(r.Context(), p.Actor, p.Name, identity.Invitation{Email: in.Email, Name: in.Name, Role: tandem.Role(in.Role), PartnerID: in.PartnerID})
		if err != nil {
			return err
		}
		if p.Actor.IsPartner() {
			WriteJSON(w, http.StatusCreated, partnerUserView(u))
			return nil
		}
		WriteJSON(w, http.StatusCreated, u)
		return nil
	})
	rt.Handle("PUT", "/api/v1/users/{id}/manager", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			ManagerID string `json:"manager_id"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		u, err := ids.SetManager(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.ManagerID)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, u)
		return nil
	})
	rt.Handle("POST", "/api/v1/users/{id}/deactivate", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Rationale string `json:"rationale"`
		}
		if r.ContentLength != 0 {
			if err := Decode(r, &in); err != nil {
				return err
			}
		}
		u, err := ids.Deactivate(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Rationale)
		if err != nil {
			return err
		}
		if p.Actor.IsPartner() {
			WriteJSON(w, http.StatusOK, partnerUserView(u))
			return nil
		}
		WriteJSON(w, http.StatusOK, u)
		return nil
	})
	rt.Handle("GET", "/api/v1/tokens", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ts, err := ids.ListTokens(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		if p.Actor.IsPartner() {
			views := make([]PartnerTokenView, len(ts))
			for i, t := range ts {
				views[i] = partnerTokenView(t)
			}
			WriteJSON(w, http.StatusOK, NewList(views, false, func(t PartnerTokenView) string { return t.ID }))
			return nil
		}
		WriteJSON(w, http.StatusOK, NewList(ts, false, func(t identity.Token) string { return t.ID }))
		return nil
	})
	rt.Handle("POST", "/api/v1/tokens", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Name   string `json:"name"`
			Role   string `json:"role"`
			Scopes string `json:"scopes"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		secret, t, err := ids.CreateToken(r.Context(), p.Actor, p.Name, identity.NewToken{Name: in.Name, Role: tandem.Role(in.Role), Scopes: in.Scopes})
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		if p.Actor.IsPartner() {
			WriteJSON(w, http.StatusCreated, struct {
				PartnerTokenView
				Secret string `json:"token"`
			}{partnerTokenView(t), secret})
			return nil
		}
		WriteJSON(w, http.StatusCreated, struct {
			identity.Token
			Secret string `json:"token"`
		}{t, secret})
		return nil
	})
	rt.Handle("POST", "/api/v1/tokens/{id}/revoke", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := ids.RevokeToken(r.Context(), p.Actor, p.Name, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	rt.Handle("GET", "/api/v1/audit", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := policy.Authorize(p.Actor, policy.List, policy.Resource{Kind: policy.AuditLog, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		f, err := audit.ParseFilter(r.URL.Query())
		if err != nil {
			return err
		}
		es, more, err := db.ListAudit(r.Context(), p.Actor.WorkspaceID, f, pg)
		if err != nil {
			return err
		}
		out := make([]auditJSON, len(es))
		for i, e := range es {
			out[i] = toAuditJSON(e)
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(e auditJSON) string { return e.ID }))
		return nil
	})
	rt.Handle("GET", "/api/v1/audit/export", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.AuditLog, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		f, err := audit.ParseFilter(r.URL.Query())
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
		_ = audit.WriteCSV(w, func(after string) ([]audit.Entry, bool, error) {
			return db.ListAudit(r.Context(), p.Actor.WorkspaceID, f, store.Page{After: after, Limit: 500})
		})
		return nil
	})
}

type auditJSON struct {
	ID          string `json:"id"`
	At          string `json:"at"`
	ActorType   string `json:"actor_type"`
	ActorID     string `json:"actor_id"`
	ActorName   string `json:"actor_name"`
	Action      string `json:"action"`
	SubjectType string `json:"subject_type"`
	SubjectID   string `json:"subject_id"`
	Changes     string `json:"changes"`
	Rationale   string `json:"rationale"`
	RequestID   string `json:"request_id"`
	IP          string `json:"ip"`
}

func toAuditJSON(e audit.Entry) auditJSON {
	return auditJSON{ID: e.ID, At: e.At.Format(timeFormat), ActorType: e.ActorType, ActorID: e.ActorID, ActorName: e.ActorName,
		Action: e.Action, SubjectType: e.SubjectType, SubjectID: e.SubjectID, Changes: e.Changes, Rationale: e.Rationale,
		RequestID: e.RequestID, IP: e.IP}
}

// PartnerUserView is a person as partner users see them: only the fields on the
// policy's safe list for partner users.
type PartnerUserView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

func partnerUserView(u identity.User) PartnerUserView {
	return PartnerUserView{ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Status: string(u.Status), CreatedAt: u.CreatedAt}
}

// PartnerTokenView is an API token as partner users see it.
type PartnerTokenView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Scopes     string    `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	RevokedAt  time.Time `json:"revoked_at"`
}

func partnerTokenView(t identity.Token) PartnerTokenView {
	return PartnerTokenView{ID: t.ID, Name: t.Name, Role: string(t.Role), Scopes: t.Scopes, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}
