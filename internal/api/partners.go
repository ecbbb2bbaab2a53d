package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// partnerJSON is a partner as the API shows it to internal callers.
type partnerJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Domain    string   `json:"domain"`
	Motions   []string `json:"motions"`
	Tier      string   `json:"tier"`
	Region    string   `json:"region"`
	Lifecycle string   `json:"lifecycle"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
}

func toPartnerJSON(p partner.Partner) partnerJSON {
	ms := make([]string, len(p.Motions))
	for i, m := range p.Motions {
		ms[i] = string(m)
	}
	return partnerJSON{ID: p.ID, Name: p.Name, Domain: p.Domain, Motions: ms, Tier: p.Tier, Region: p.Region,
		Lifecycle: string(p.Lifecycle), CreatedAt: p.CreatedAt.Format(timeFormat), UpdatedAt: p.UpdatedAt.Format(timeFormat)}
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// RegisterPartners adds the partner routes.
func RegisterPartners(rt *Router, svc *partner.Service) {
	rt.Handle("GET", "/api/v1/partners", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		f := partner.FilterFromQuery(r.URL.Query())
		ps, more, err := svc.List(r.Context(), p.Actor, f, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		out := make([]partnerJSON, len(ps))
		for i, x := range ps {
			out[i] = toPartnerJSON(x)
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(x partnerJSON) string { return x.ID }))
		return nil
	})
	rt.Handle("GET", "/api/v1/partners/export", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		f := partner.FilterFromQuery(r.URL.Query())
		if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="partners.csv"`)
		_ = svc.Export(r.Context(), p.Actor, f, w) // headers are sent; a failure cuts the file short
		return nil
	})
	rt.Handle("GET", "/api/v1/partners/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		x, err := svc.Get(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toPartnerJSON(x))
		return nil
	})
	rt.Handle("PATCH", "/api/v1/partners/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Name    *string   `json:"name"`
			Domain  *string   `json:"domain"`
			Motions *[]string `json:"motions"`
			Tier    *string   `json:"tier"`
			Region  *string   `json:"region"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		c := partner.Changes{Name: in.Name, Domain: in.Domain, Tier: in.Tier, Region: in.Region}
		if in.Motions != nil {
			ms := make([]tandem.Motion, len(*in.Motions))
			for i, m := range *in.Motions {
				ms[i] = tandem.Motion(m)
			}
			c.Motions = &ms
		}
		x, err := svc.Update(r.Context(), p.Actor, p.Name, r.PathValue("id"), c)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toPartnerJSON(x))
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/lifecycle", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			To        string `json:"to"`
			Rationale string `json:"rationale"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		x, err := svc.MoveLifecycle(r.Context(), p.Actor, p.Name, r.PathValue("id"), partner.Lifecycle(in.To), in.Rationale)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toPartnerJSON(x))
		return nil
	})
	rt.Handle("POST", "/api/v1/partners", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Name      string   `json:"name"`
			Domain    string   `json:"domain"`
			Motions   []string `json:"motions"`
			Tier      string   `json:"tier"`
			Region    string   `json:"region"`
			Lifecycle string   `json:"lifecycle"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		np := partner.NewPartner{Name: in.Name, Domain: in.Domain, Tier: in.Tier, Region: in.Region, Lifecycle: partner.Lifecycle(in.Lifecycle)}
		for _, m := range in.Motions {
			np.Motions = append(np.Motions, tandem.Motion(m))
		}
		created, err := svc.Create(r.Context(), p.Actor, p.Name, np)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/partners/"+created.ID)
		WriteJSON(w, http.StatusCreated, toPartnerJSON(created))
		return nil
	})
}
