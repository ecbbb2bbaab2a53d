package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerExclusivity(mux *http.ServeMux) {
	ui.handle(mux, "POST /w/{slug}/partners/{id}/exclusivity", ui.console(ui.grantExclusivity))
	ui.handle(mux, "POST /w/{slug}/partners/{id}/exclusivity/revoke", ui.console(ui.revokeExclusivity))
}

// grantExclusivity saves the grant form of the partner page; a refused grant comes
// back on the page with the reason.
func (ui *UI) grantExclusivity(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	g := partner.Grant{Territory: r.PostFormValue("territory"), Rationale: r.PostFormValue("rationale")}
	if s := strings.TrimSpace(r.PostFormValue("expires_on")); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, "The expiry must be a date such as 2027-06-30.", nil, nil)
			return
		}
		g.ExpiresAt = d
	}
	x, err := ui.o.Partners.GrantExclusivity(r.Context(), v.Actor, v.Name, r.PathValue("id"), g)
	ui.afterExclusivity(w, r, v, p, err, "Exclusivity in "+x.Territory+" granted.")
}

// revokeExclusivity ends a grant once the person confirmed it.
func (ui *UI) revokeExclusivity(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	t := r.PostFormValue("territory")
	if r.PostFormValue("confirm") != "yes" {
		ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, "Tick the box to confirm that "+t+" should no longer be exclusive to this partner.", nil, nil)
		return
	}
	err := ui.o.Partners.RevokeExclusivity(r.Context(), v.Actor, v.Name, r.PathValue("id"), t, r.PostFormValue("rationale"))
	ui.afterExclusivity(w, r, v, p, err, "Exclusivity in "+t+" revoked.")
}

func (ui *UI) afterExclusivity(w http.ResponseWriter, r *http.Request, v Viewer, p Page, err error, done string) {
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: done})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/partners/"+r.PathValue("id")+"#exclusivity", http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		ui.renderPartner(w, r, v, p, http.StatusUnprocessableEntity, exclusivityProblem(err), nil, nil)
	default:
		ui.Error(w, r, err)
	}
}

// exclusivityLabels names the grant form's fields as the partner page labels them.
var exclusivityLabels = map[string]string{"territory": "Territory", "expires_at": "Until", "rationale": "Why", "partner_id": "Partner"}

// exclusivityProblem writes a refused grant or revocation as one sentence for the
// partner page: the service's message followed by every field error, each led by the
// label of the field it is about ("Until: must be in the future …").
func exclusivityProblem(err error) string {
	parts := []string{tandem.MessageOf(err)}
	for _, fe := range tandem.FieldsOf(err) {
		label := exclusivityLabels[fe.Path]
		if label == "" {
			label = fe.Path
		}
		parts = append(parts, label+": "+strings.TrimSuffix(fe.Detail, ".")+".")
	}
	return strings.Join(parts, " ")
}
