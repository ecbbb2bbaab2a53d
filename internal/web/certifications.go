package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerCertifications(mux *http.ServeMux) {
	if ui.o.Certifications == nil {
		return
	}
	ui.handle(mux, "GET /w/{slug}/settings/certifications", ui.console(ui.cataloguePage))
	ui.handle(mux, "POST /w/{slug}/settings/certifications", ui.console(ui.addToCatalogue))
	ui.handle(mux, "GET /w/{slug}/settings/certifications/{key}", ui.console(ui.catalogueEntryPage))
	ui.handle(mux, "POST /w/{slug}/settings/certifications/{key}", ui.console(ui.saveCatalogueEntry))
	ui.handle(mux, "POST /w/{slug}/settings/certifications/{key}/retire", ui.console(ui.retireCatalogueEntry))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/certifications", ui.console(ui.recordCertification))
	ui.handle(mux, "GET /w/{slug}/partners/{id}/certifications/{cert}/revoke", ui.console(ui.revokeCertificationPage))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/certifications/{cert}/revoke", ui.console(ui.revokeCertification))
}

// definitionForm is a catalogue form as typed, kept when it comes back with mistakes.
type definitionForm struct {
	Key, Name, Validity, Motion, Product string
	NeverExpires, Retired                bool
}

func definitionFormOf(d certification.Definition) definitionForm {
	f := definitionForm{Key: d.Key, Name: d.Name, Motion: string(d.Motion), Product: d.Product, Retired: d.Retired, NeverExpires: d.ValidityMonths == 0}
	if d.ValidityMonths > 0 {
		f.Validity = strconv.Itoa(d.ValidityMonths)
	}
	return f
}

// ParseDefinitionForm reads a catalogue form: key, name, validity_months (whole
// months), never_expires ("on": validity 0, whatever the months say), motion,
// product and retired ("on"). It returns the input for the certification service,
// the form as typed (to show again) and a KindInvalid error naming validity_months
// when it is neither a whole number nor left out with never_expires ticked; the
// catalogue's own rules are the service's to check.
func ParseDefinitionForm(form url.Values) (certification.DefinitionInput, definitionForm, error) {
	f := definitionForm{Key: form.Get("key"), Name: form.Get("name"), Validity: strings.TrimSpace(form.Get("validity_months")),
		Motion: form.Get("motion"), Product: form.Get("product"), NeverExpires: form.Get("never_expires") == "on", Retired: form.Get("retired") == "on"}
	in := certification.DefinitionInput{Key: f.Key, Name: f.Name, Motion: tandem.Motion(f.Motion), Product: f.Product, Retired: f.Retired}
	var p tandem.Problems
	switch {
	case f.NeverExpires:
	case f.Validity == "":
		p.Add("validity_months", "is required: give the months it stays valid, or tick \"never expires\"")
	default:
		n, err := strconv.Atoi(f.Validity)
		if err != nil {
			p.Add("validity_months", "must be a whole number of months")
		}
		in.ValidityMonths = n
	}
	return in, f, p.Err("The certification is not valid.")
}

func (ui *UI) canChangeSettings(v Viewer) bool {
	return policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: v.WorkspaceID}) == nil
}

func (ui *UI) cataloguePage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderCatalogue(w, r, v, p, http.StatusOK, definitionForm{}, nil)
}

func (ui *UI) renderCatalogue(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, form definitionForm, err error) {
	all, lerr := ui.o.Certifications.Catalogue(r.Context(), v.Actor)
	if lerr != nil {
		ui.Error(w, r, lerr)
		return
	}
	errs := fieldErrors(err)
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: tandem.MessageOf(err) + " Please correct the fields marked below."})
		if len(errs) == 0 {
			errs["form"] = tandem.MessageOf(err)
		}
	}
	p.Title = "Certifications"
	p.Data = map[string]any{"Catalogue": all, "Form": form, "Errors": errs, "Motions": tandem.Motions, "CanEdit": ui.canChangeSettings(v),
		"MaxValidity": certification.MaxValidityMonths}
	ui.render(w, r, status, "certifications", p)
}

func (ui *UI) addToCatalogue(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := r.ParseForm(); err != nil {
		ui.Error(w, r, tandem.Invalid("The form could not be read."))
		return
	}
	in, form, err := ParseDefinitionForm(r.PostForm)
	if err == nil {
		_, err = ui.o.Certifications.CreateDefinition(r.Context(), v.Actor, v.Name, in)
	}
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: strings.TrimSpace(in.Name) + " was added to the catalogue."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/certifications", http.StatusSeeOther)
	case tandem.KindInvalid:
		ui.renderCatalogue(w, r, v, p, http.StatusUnprocessableEntity, form, err)
	default:
		ui.Error(w, r, err)
	}
}

// catalogueEntry finds the catalogue entry named by the path's key.
func (ui *UI) catalogueEntry(r *http.Request, v Viewer) (certification.Definition, error) {
	all, err := ui.o.Certifications.Catalogue(r.Context(), v.Actor)
	if err != nil {
		return certification.Definition{}, err
	}
	i := slices.IndexFunc(all, func(d certification.Definition) bool { return d.Key == r.PathValue("key") })
	if i < 0 {
		return certification.Definition{}, tandem.Errorf(tandem.KindNotFound, "Certification not found.")
	}
	return all[i], nil
}

func (ui *UI) catalogueEntryPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	d, err := ui.catalogueEntry(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.renderCatalogueEntry(w, r, v, p, http.StatusOK, d, definitionFormOf(d), nil)
}

func (ui *UI) renderCatalogueEntry(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, d certification.Definition, form definitionForm, err error) {
	if perr := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: v.WorkspaceID}); perr != nil {
		ui.Error(w, r, perr)
		return
	}
	errs := fieldErrors(err)
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: tandem.MessageOf(err) + " Please correct the fields marked below."})
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == "/w/"+v.WorkspaceSlug+"/settings/certifications"
	}
	p.Title = "Edit " + d.Name
	p.Data = map[string]any{"D": d, "Form": form, "Errors": errs, "Motions": tandem.Motions, "MaxValidity": certification.MaxValidityMonths}
	ui.render(w, r, status, "certification_edit", p)
}

func (ui *UI) saveCatalogueEntry(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := r.ParseForm(); err != nil {
		ui.Error(w, r, tandem.Invalid("The form could not be read."))
		return
	}
	d, err := ui.catalogueEntry(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	in, form, err := ParseDefinitionForm(r.PostForm)
	form.Key = d.Key
	if err == nil {
		d2, uerr := ui.o.Certifications.UpdateDefinition(r.Context(), v.Actor, v.Name, d.Key, in)
		if uerr == nil {
			SetFlash(w, Flash{Kind: "success", Text: d2.Name + " was saved. Certifications already recorded keep their expiry dates."})
			http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/certifications", http.StatusSeeOther)
			return
		}
		err = uerr
	}
	if tandem.KindOf(err) != tandem.KindInvalid {
		ui.Error(w, r, err)
		return
	}
	ui.renderCatalogueEntry(w, r, v, p, http.StatusUnprocessableEntity, d, form, err)
}

// retireCatalogueEntry retires (retired=on) or brings back an entry, leaving the
// rest of it as it is.
func (ui *UI) retireCatalogueEntry(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	d, err := ui.catalogueEntry(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	retire := r.PostFormValue("retired") == "on"
	in := certification.DefinitionInput{Key: d.Key, Name: d.Name, ValidityMonths: d.ValidityMonths, Motion: d.Motion, Product: d.Product, Retired: retire}
	if _, err := ui.o.Certifications.UpdateDefinition(r.Context(), v.Actor, v.Name, d.Key, in); err != nil {
		ui.Error(w, r, err)
		return
	}
	text := d.Name + " is retired: it can no longer be recorded, and certifications already held count until they expire."
	if !retire {
		text = d.Name + " can be recorded again."
	}
	SetFlash(w, Flash{Kind: "success", Text: text})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/certifications", http.StatusSeeOther)
}

// heldRow is a held certification with its status on the day the page is shown.
type heldRow struct {
	certification.Held
	Status certification.Status
}

// heldGroup is one table of the Certifications section.
type heldGroup struct {
	Title  string
	People bool // held by people: the table names each one
	Rows   []heldRow
}

// recordForm is the record form of the partner page as typed, with its mistakes.
type recordForm struct {
	Key, ContactID, EarnedOn, Evidence string
	Errors                             map[string]string
}

type recordFormKey struct{}

// certificationSection is what the partner page's Certifications section shows:
// the records held by the organisation and by its people, the catalogue entries that
// can be recorded, the record form, and what the viewer may do.
func (ui *UI) certificationSection(ctx context.Context, v Viewer, partnerID string, contacts []partner.Contact) (map[string]any, error) {
	if ui.o.Certifications == nil {
		return nil, nil
	}
	hs, err := ui.o.Certifications.ForPartner(ctx, v.Actor, partnerID)
	if err != nil {
		return nil, err
	}
	now := ui.o.Certifications.Now()
	var org, people []heldRow
	for _, h := range hs {
		row := heldRow{Held: h, Status: h.StatusAt(now)}
		if h.ContactID == "" {
			org = append(org, row)
		} else {
			people = append(people, row)
		}
	}
	slices.SortStableFunc(people, func(a, b heldRow) int { return cmp.Compare(a.HolderName, b.HolderName) })
	canRecord := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID, ID: partnerID}) == nil
	var open []certification.Definition
	if canRecord {
		all, err := ui.o.Certifications.Catalogue(ctx, v.Actor)
		if err != nil {
			return nil, err
		}
		for _, d := range all {
			if !d.Retired {
				open = append(open, d)
			}
		}
	}
	form, _ := ctx.Value(recordFormKey{}).(recordForm)
	if form.EarnedOn == "" {
		form.EarnedOn = certification.FormatDate(now)
	}
	var groups []heldGroup
	if len(org) > 0 {
		groups = append(groups, heldGroup{Title: "Held by the organisation", Rows: org})
	}
	if len(people) > 0 {
		groups = append(groups, heldGroup{Title: "Held by its people", People: true, Rows: people})
	}
	return map[string]any{"Groups": groups, "Any": len(hs) > 0, "Catalogue": open, "Contacts": contacts, "Form": form,
		"CanRecord": canRecord, "Today": certification.FormatDate(now),
		"CanRevoke": policy.Authorize(v.Actor, policy.Delete, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID, ID: partnerID}) == nil}, nil
}

// recordCertification saves the record form of the partner page; mistakes come back
// on the page beside the fields, with the form as typed.
func (ui *UI) recordCertification(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	in := certification.RecordInput{Key: r.PostFormValue("key"), ContactID: r.PostFormValue("contact_id"), EarnedOn: r.PostFormValue("earned_on"),
		Evidence: r.PostFormValue("evidence")}
	h, err := ui.o.Certifications.Record(r.Context(), v.Actor, v.Name, r.PathValue("id"), in)
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Recorded: " + h.Describe() + "."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+r.PathValue("id")+"#certifications", http.StatusSeeOther)
	case tandem.KindInvalid:
		form := recordForm{Key: in.Key, ContactID: in.ContactID, EarnedOn: in.EarnedOn, Evidence: in.Evidence, Errors: fieldErrors(err)}
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: tandem.MessageOf(err) + " Please correct the fields marked in the Certifications section."})
		r = r.WithContext(context.WithValue(r.Context(), recordFormKey{}, form))
		ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, "", nil, nil)
	default:
		ui.Error(w, r, err)
	}
}

// heldCertification finds the partner's certification named by the path.
func (ui *UI) heldCertification(r *http.Request, v Viewer) (certification.Held, error) {
	hs, err := ui.o.Certifications.ForPartner(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return certification.Held{}, err
	}
	i := slices.IndexFunc(hs, func(h certification.Held) bool { return h.ID == r.PathValue("cert") })
	if i < 0 {
		return certification.Held{}, tandem.Errorf(tandem.KindNotFound, "Certification not found.")
	}
	return hs[i], nil
}

func (ui *UI) revokeCertificationPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderRevoke(w, r, v, p, http.StatusOK, "", nil)
}

func (ui *UI) renderRevoke(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, reason string, errs map[string]string) {
	if err := policy.Authorize(v.Actor, policy.Delete, policy.Resource{Kind: policy.Partners, WorkspaceID: v.WorkspaceID, ID: r.PathValue("id")}); err != nil {
		ui.Error(w, r, err)
		return
	}
	h, err := ui.heldCertification(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	pt, err := ui.o.Partners.Get(r.Context(), v.Actor, h.PartnerID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	if errs == nil {
		errs = map[string]string{}
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == "/w/"+v.WorkspaceSlug+"/partners"
	}
	p.Title = "Revoke " + h.Name
	p.Data = map[string]any{"H": h, "Status": h.StatusAt(ui.o.Certifications.Now()), "Partner": pt, "Reason": reason, "Errors": errs,
		"Back": "/w/" + v.WorkspaceSlug + "/partners/" + h.PartnerID + "#certifications"}
	ui.render(w, r, status, "certification_revoke", p)
}

// revokeCertification revokes once the person gave a reason and ticked the
// confirmation; otherwise the confirmation page comes back with the fields marked.
func (ui *UI) revokeCertification(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	reason := r.PostFormValue("reason")
	if r.PostFormValue("confirm") != "yes" {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The certification was not revoked."})
		ui.renderRevoke(w, r, v, p, http.StatusUnprocessableEntity, reason, map[string]string{"confirm": "Tick the box to confirm the revocation: it cannot be undone."})
		return
	}
	h, err := ui.o.Certifications.Revoke(r.Context(), v.Actor, v.Name, r.PathValue("id"), r.PathValue("cert"), reason)
	back := "/w/" + v.WorkspaceSlug + "/partners/" + r.PathValue("id") + "#certifications"
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Revoked: " + h.Describe() + ". It no longer counts."})
		http.Redirect(w, r, back, http.StatusSeeOther)
	case tandem.KindInvalid:
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: tandem.MessageOf(err)})
		ui.renderRevoke(w, r, v, p, http.StatusUnprocessableEntity, reason, fieldErrors(err))
	case tandem.KindConflict:
		SetFlash(w, Flash{Kind: "error", Text: tandem.MessageOf(err)})
		http.Redirect(w, r, back, http.StatusSeeOther)
	default:
		ui.Error(w, r, err)
	}
}

// portalCertifications is what the portal's profile page shows of the partner's own
// certifications: the partner view (safe fields only) and how many expire soon.
func (ui *UI) portalCertifications(ctx context.Context, v Viewer) ([]certification.PartnerView, int, error) {
	if ui.o.Certifications == nil {
		return nil, 0, nil
	}
	hs, err := ui.o.Certifications.ForPartner(ctx, v.Actor, v.PartnerID)
	if err != nil {
		return nil, 0, err
	}
	now := ui.o.Certifications.Now()
	out := make([]certification.PartnerView, len(hs))
	expiring := 0
	for i, h := range hs {
		out[i] = certification.ForPartnerView(h, now)
		if out[i].Status == string(certification.StatusExpiring) {
			expiring++
		}
	}
	return out, expiring, nil
}
