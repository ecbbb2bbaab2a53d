package api

import (
	"context"
	"io"
	"net/http"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// partnerContactJSON is a partner contact as internal callers see it; partner callers get
// it reduced to the partner-user safe fields.
func partnerContactJSON(actor policy.Actor, c partner.Contact) map[string]any {
	m := map[string]any{"id": c.ID, "partner_id": c.PartnerID, "name": c.Name, "email": c.Email, "phone": c.Phone, "title": c.Title,
		"role": string(c.Role), "portal_status": c.PortalStatus, "created_at": c.CreatedAt.Format(timeFormat),
		"updated_at": c.UpdatedAt.Format(timeFormat), "version": c.Version}
	if actor.IsPartner() {
		return policy.Redact(policy.PartnerUsers, m)
	}
	return m
}

type contactBody struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
	Title *string `json:"title"`
	Role  *string `json:"role"`
}

func (b contactBody) input() partner.ContactInput {
	in := partner.ContactInput{Name: b.Name, Email: b.Email, Phone: b.Phone, Title: b.Title}
	if b.Role != nil {
		r := partner.Role(*b.Role)
		in.Role = &r
	}
	return in
}

// RegisterPartnerContacts adds the routes of partner contacts, their portal
// invitations and CSV files, and of a partner's own profile.
func RegisterPartnerContacts(rt *Router, svc *partner.Contacts, partners *partner.Service) {
	rt.Handle("GET", "/api/v1/partners/{id}/contacts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		cs, err := svc.List(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		out := make([]map[string]any, len(cs))
		for i, c := range cs {
			out[i] = partnerContactJSON(p.Actor, c)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/contacts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in contactBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		c, err := svc.Add(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.input())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, partnerContactJSON(p.Actor, c))
		return nil
	})
	rt.Handle("PATCH", "/api/v1/partners/{id}/contacts/{contact}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in contactBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		c, err := svc.Update(r.Context(), p.Actor, p.Name, r.PathValue("id"), r.PathValue("contact"), in.input())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, partnerContactJSON(p.Actor, c))
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/contacts/{contact}/invite", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Role string `json:"role"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		c, err := svc.InviteToPortal(r.Context(), p.Actor, p.Name, r.PathValue("id"), r.PathValue("contact"), tandem.Role(in.Role))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, partnerContactJSON(p.Actor, c))
		return nil
	})
	rt.Handle("POST", "/api/v1/partner-contacts/import", importHandler(func(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt pipeline.ImportOptions) (csvimport.Report, int, error) {
		return svc.Import(ctx, actor, actorName, r, mode, dryRun, opt.Options)
	}))
	rt.Handle("GET", "/api/v1/partner-contacts/export", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := policy.Authorize(p.Actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: p.Actor.WorkspaceID}); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="partner-contacts.csv"`)
		_ = svc.Export(r.Context(), p.Actor, r.URL.Query().Get("partner_id"), w) // headers are sent; a failure cuts the file short
		return nil
	})
	rt.Handle("GET", "/api/v1/partner-profile", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pr, err := partners.OwnProfile(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, pr.Safe())
		return nil
	})
	rt.Handle("PATCH", "/api/v1/partner-profile", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Name      *string   `json:"name"`
			Website   *string   `json:"website"`
			Regions   *[]string `json:"regions"`
			Verticals *[]string `json:"verticals"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		if in.Website != nil {
			return tandem.Invalid("The profile was not saved.", tandem.FieldError{Path: "website",
				Detail: "is set by your partner manager (it decides which addresses may ask for your registration links); ask them to change it"})
		}
		pr, err := partners.UpdateOwnProfile(r.Context(), p.Actor, p.Name, partner.ProfileChanges{Name: in.Name, Regions: in.Regions, Verticals: in.Verticals})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, pr.Safe())
		return nil
	})
}
