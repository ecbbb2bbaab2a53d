package api

import (
	"net/http"
	"time"

	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/tandem"
)

// definitionJSON is a catalogue entry as the API shows it.
type definitionJSON struct {
	Key            string `json:"key"`
	Name           string `json:"name"`
	ValidityMonths int    `json:"validity_months"`
	Motion         string `json:"motion"`
	Product        string `json:"product"`
	Retired        bool   `json:"retired"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

func toDefinitionJSON(d certification.Definition) definitionJSON {
	return definitionJSON{Key: d.Key, Name: d.Name, ValidityMonths: d.ValidityMonths, Motion: string(d.Motion), Product: d.Product,
		Retired: d.Retired, CreatedAt: d.CreatedAt.Format(timeFormat), UpdatedAt: d.UpdatedAt.Format(timeFormat)}
}

// definitionBody is a new catalogue entry, or the whole of a changed one.
type definitionBody struct {
	Key            string `json:"key"`
	Name           string `json:"name"`
	ValidityMonths int    `json:"validity_months"`
	Motion         string `json:"motion"`
	Product        string `json:"product"`
	Retired        bool   `json:"retired"`
}

func (b definitionBody) input() certification.DefinitionInput {
	return certification.DefinitionInput{Key: b.Key, Name: b.Name, ValidityMonths: b.ValidityMonths, Motion: tandem.Motion(b.Motion),
		Product: b.Product, Retired: b.Retired}
}

// heldJSON is a held certification as the vendor's people see it.
type heldJSON struct {
	certification.PartnerView
	PartnerID    string `json:"partner_id"`
	ContactID    string `json:"contact_id"`
	Evidence     string `json:"evidence"`
	RecordedBy   string `json:"recorded_by"`
	RecordedAt   string `json:"recorded_at"`
	RevokedAt    string `json:"revoked_at,omitempty"`
	RevokedBy    string `json:"revoked_by,omitempty"`
	RevokeReason string `json:"revoke_reason,omitempty"`
}

func toHeldJSON(h certification.Held, now time.Time) heldJSON {
	out := heldJSON{PartnerView: certification.ForPartnerView(h, now), PartnerID: h.PartnerID, ContactID: h.ContactID, Evidence: h.Evidence,
		RecordedBy: h.RecorderName, RecordedAt: h.CreatedAt.Format(timeFormat), RevokedBy: h.RevokerName, RevokeReason: h.RevokeReason}
	if h.Revoked() {
		out.RevokedAt = h.RevokedAt.Format(timeFormat)
	}
	return out
}

// recordBody is a certification to record.
type recordBody struct {
	Key       string `json:"key"`
	ContactID string `json:"contact_id"`
	EarnedOn  string `json:"earned_on"`
	Evidence  string `json:"evidence"`
}

// RegisterCertifications adds the certification routes: the workspace's catalogue
// (list, add, change) and a partner's certifications (list, record, revoke). A
// partner's own people list theirs with the partner-safe fields only.
func RegisterCertifications(rt *Router, svc *certification.Service) {
	rt.Handle("GET", "/api/v1/certification-catalogue", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ds, err := svc.Catalogue(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		out := make([]definitionJSON, len(ds))
		for i, d := range ds {
			out[i] = toDefinitionJSON(d)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("POST", "/api/v1/certification-catalogue", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in definitionBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		d, err := svc.CreateDefinition(r.Context(), p.Actor, p.Name, in.input())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, toDefinitionJSON(d))
		return nil
	})
	rt.Handle("PUT", "/api/v1/certification-catalogue/{key}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in definitionBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		d, err := svc.UpdateDefinition(r.Context(), p.Actor, p.Name, r.PathValue("key"), in.input())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toDefinitionJSON(d))
		return nil
	})
	rt.Handle("GET", "/api/v1/partners/{id}/certifications", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		hs, err := svc.ForPartner(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		now := svc.Now()
		if p.Actor.IsPartner() {
			out := make([]certification.PartnerView, len(hs))
			for i, h := range hs {
				out[i] = certification.ForPartnerView(h, now)
			}
			WriteJSON(w, http.StatusOK, map[string]any{"data": out})
			return nil
		}
		out := make([]heldJSON, len(hs))
		for i, h := range hs {
			out[i] = toHeldJSON(h, now)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/certifications", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in recordBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		h, err := svc.Record(r.Context(), p.Actor, p.Name, r.PathValue("id"), certification.RecordInput{Key: in.Key, ContactID: in.ContactID,
			EarnedOn: in.EarnedOn, Evidence: in.Evidence})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, toHeldJSON(h, svc.Now()))
		return nil
	})
	rt.Handle("POST", "/api/v1/partners/{id}/certifications/{cert}/revoke", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		h, err := svc.Revoke(r.Context(), p.Actor, p.Name, r.PathValue("id"), r.PathValue("cert"), in.Reason)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toHeldJSON(h, svc.Now()))
		return nil
	})
}
