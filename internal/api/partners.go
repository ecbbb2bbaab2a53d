package api

import (
	"net/http"

	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// partnerJSON is a partner as the API shows it to internal callers.
type partnerJSON struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Domain        string            `json:"domain"`
	Motions       []string          `json:"motions"`
	Tier          string            `json:"tier"`
	Region        string            `json:"region"`
	Regions       []string          `json:"regions"`
	Lifecycle     string            `json:"lifecycle"`
	Verticals     []string          `json:"verticals"`
	Territories   []string          `json:"territories"`
	NamedAccounts []string          `json:"named_accounts"`
	Tags          []string          `json:"tags"`
	Notes         string            `json:"notes"`
	OwnerUserID   string            `json:"owner_user_id"`
	Fit           partner.FitInputs `json:"fit"`
	FitScore      *int              `json:"fit_score"`
	FitBreakdown  *fitscore.Result  `json:"fit_breakdown"`
	CreatedAt     string            `json:"created_at"`
	UpdatedAt     string            `json:"updated_at"`
}

func orEmpty(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}

func toPartnerJSON(p partner.Partner) partnerJSON {
	ms := make([]string, len(p.Motions))
	for i, m := range p.Motions {
		ms[i] = string(m)
	}
	out := partnerJSON{ID: p.ID, Name: p.Name, Domain: p.Domain, Motions: ms, Tier: p.Tier, Region: p.Region, Regions: orEmpty(p.Regions),
		Lifecycle: string(p.Lifecycle), Verticals: orEmpty(p.Verticals), Territories: orEmpty(p.Territories), NamedAccounts: orEmpty(p.NamedAccounts),
		Tags: orEmpty(p.Tags), Notes: p.Notes, OwnerUserID: p.OwnerUserID, Fit: p.Fit, FitBreakdown: p.FitResult,
		CreatedAt: p.CreatedAt.Format(timeFormat), UpdatedAt: p.UpdatedAt.Format(timeFormat)}
	out.Fit.Technologies, out.Fit.Services = orEmpty(p.Fit.Technologies), orEmpty(p.Fit.Services)
	if p.FitResult != nil {
		out.FitScore = &p.FitResult.Score
	}
	return out
}

// partnerInput is the body of a partner create or update; absent fields are nil.
type partnerInput struct {
	Name          *string            `json:"name"`
	Domain        *string            `json:"domain"`
	Motions       *[]string          `json:"motions"`
	Tier          *string            `json:"tier"`
	Region        *string            `json:"region"`
	Regions       *[]string          `json:"regions"`
	Lifecycle     *string            `json:"lifecycle"`
	Verticals     *[]string          `json:"verticals"`
	Territories   *[]string          `json:"territories"`
	NamedAccounts *[]string          `json:"named_accounts"`
	Tags          *[]string          `json:"tags"`
	Notes         *string            `json:"notes"`
	OwnerUserID   *string            `json:"owner_user_id"`
	Fit           *partner.FitInputs `json:"fit"`
}

func (in partnerInput) changes() partner.Changes {
	c := partner.Changes{Name: in.Name, Domain: in.Domain, Tier: in.Tier, Region: in.Region, Regions: in.Regions, Verticals: in.Verticals,
		Territories: in.Territories, NamedAccounts: in.NamedAccounts, Tags: in.Tags, Notes: in.Notes, OwnerUserID: in.OwnerUserID, Fit: in.Fit}
	if in.Motions != nil {
		ms := make([]tandem.Motion, len(*in.Motions))
		for i, m := range *in.Motions {
			ms[i] = tandem.Motion(m)
		}
		c.Motions = &ms
	}
	return c
}

func (in partnerInput) newPartner() partner.NewPartner {
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	list := func(v *[]string) []string {
		if v == nil {
			return nil
		}
		return *v
	}
	c := in.changes()
	np := partner.NewPartner{Name: str(in.Name), Domain: str(in.Domain), Tier: str(in.Tier), Region: str(in.Region), Regions: list(in.Regions),
		Lifecycle: partner.Lifecycle(str(in.Lifecycle)), Verticals: list(in.Verticals), Territories: list(in.Territories),
		NamedAccounts: list(in.NamedAccounts), Tags: list(in.Tags), Notes: str(in.Notes), OwnerUserID: str(in.OwnerUserID)}
	if c.Motions != nil {
		np.Motions = *c.Motions
	}
	if in.Fit != nil {
		np.Fit = *in.Fit
	}
	return np
}

type lifecycleChangeJSON struct {
	From      string `json:"from"`
	To        string `json:"to"`
	At        string `json:"at"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	Rationale string `json:"rationale"`
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// RegisterPartners adds the partner routes.
func RegisterPartners(rt *Router, svc *partner.Service, segments *partner.Segments) {
	rt.Handle("GET", "/api/v1/partners", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		f, err := segments.Resolve(r.Context(), p.Actor, partner.FilterFromQuery(r.URL.Query()))
		if err != nil {
			return err
		}
		ps, more, err := svc.List(r.Context(), p.Actor, f, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		out := make([]partnerJSON, len(ps))
		for i, x := range ps {
			out[i] = toPartnerJSON(x)
			out[i].FitBreakdown = nil // lists carry the score; one partner's response explains it
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(x partnerJSON) string { return partner.Cursor(ps[len(ps)-1], f.Sort) }))
		return nil
	})
	rt.Handle("GET", "/api/v1/partners/export", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		f, err := segments.Resolve(r.Context(), p.Actor, partner.FilterFromQuery(r.URL.Query()))
		if err != nil {
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
		var in partnerInput
		if err := Decode(r, &in); err != nil {
			return err
		}
		if in.Lifecycle != nil {
			return tandem.Invalid("The partner is not valid.", tandem.FieldError{Path: "lifecycle", Detail: "is changed with POST /api/v1/partners/{id}/lifecycle, which records why"})
		}
		x, err := svc.Update(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.changes())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toPartnerJSON(x))
		return nil
	})
	rt.Handle("GET", "/api/v1/partners/{id}/lifecycle", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		h, err := svc.History(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		out := make([]lifecycleChangeJSON, len(h))
		for i, c := range h {
			out[i] = lifecycleChangeJSON{From: string(c.From), To: string(c.To), At: c.At.Format(timeFormat), ActorID: c.ActorID, ActorName: c.ActorName, Rationale: c.Rationale}
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("GET", "/api/v1/partner-settings", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		set, err := svc.Settings(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, set)
		return nil
	})
	rt.Handle("PUT", "/api/v1/partner-settings", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in partner.Settings
		if err := Decode(r, &in); err != nil {
			return err
		}
		set, _, err := svc.SaveSettings(r.Context(), p.Actor, p.Name, in)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, set)
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
		var in partnerInput
		if err := Decode(r, &in); err != nil {
			return err
		}
		created, err := svc.Create(r.Context(), p.Actor, p.Name, in.newPartner())
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/partners/"+created.ID)
		WriteJSON(w, http.StatusCreated, toPartnerJSON(created))
		return nil
	})
}
