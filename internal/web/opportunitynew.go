package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
)

// newCreditRows is how many attribution rows the create form offers.
const newCreditRows = 3

func (ui *UI) registerOpportunityNew(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/pipeline/new", ui.console(ui.opportunityNew))
	ui.handle(mux, "POST /w/{slug}/pipeline/new", ui.console(ui.opportunityCreate))
}

// newOppForm is the create form as sent (or as first shown), with its field errors
// by input name.
type newOppForm struct {
	F       map[string]string
	Credits []credit
	Errors  map[string]string
}

func (ui *UI) opportunityNew(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := policy.Authorize(v.Actor, policy.Create, policy.Resource{Kind: policy.Opportunities, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := map[string]string{"account_mode": "existing", "account_id": q.Get("account"), "motion": q.Get("motion"), "kind": string(pipeline.KindNew),
		"owner_user_id": v.Actor.UserID, "account_q": q.Get("account_q")}
	if ws, err := ui.o.DB.WorkspaceByID(r.Context(), v.WorkspaceID); err == nil {
		f["currency"] = ws.Currency
	}
	credits := make([]credit, newCreditRows)
	credits[0].Kind = string(attribution.Sourced)
	ui.renderOpportunityNew(w, r, v, p, http.StatusOK, newOppForm{F: f, Credits: credits, Errors: map[string]string{}}, "")
}

// renderOpportunityNew shows the create form with the accounts to pick from: those
// matching the search, and the one picked.
func (ui *UI) renderOpportunityNew(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, form newOppForm, problem string) {
	ctx := r.Context()
	svc := ui.pipe()
	accounts, more, err := svc.ListAccounts(ctx, v.Actor, pipeline.AccountFilter{Query: form.F["account_q"]}, "", 100)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	opts := make([]option, 0, len(accounts)+1)
	picked := form.F["account_id"]
	for _, a := range accounts {
		if a.ID == picked {
			picked = ""
		}
		opts = append(opts, option{a.ID, a.Name + domainNote(a.Domain)})
	}
	if picked != "" {
		if a, err := svc.Account(ctx, v.Actor, picked); err == nil {
			opts = append([]option{{a.ID, a.Name + domainNote(a.Domain)}}, opts...)
		}
	}
	for len(form.Credits) < newCreditRows {
		form.Credits = append(form.Credits, credit{})
	}
	type creditRow struct {
		N   int
		C   credit
		Err string
	}
	rows := make([]creditRow, len(form.Credits))
	for i, c := range form.Credits {
		rows[i] = creditRow{N: i + 1, C: c, Err: form.Errors["credit_"+strconv.Itoa(i)]}
	}
	base := "/w/" + v.WorkspaceSlug + "/pipeline"
	p.Title = "New opportunity"
	p.Data = map[string]any{"Base": base, "F": form.F, "Errors": form.Errors, "Credits": rows, "Problem": problem,
		"Accounts": opts, "MoreAccounts": more, "Motions": motionOptions(), "Owners": ui.internalUsers(ctx, v.Actor),
		"Partners": ui.partnerOptions(ctx, v.Actor), "Kinds": []option{{string(pipeline.KindNew), "New business"},
			{string(pipeline.KindRenewal), "Renewal"}, {string(pipeline.KindExpansion), "Expansion"}},
		"CreditKinds": []option{{string(attribution.Sourced), "Sourced"}, {string(attribution.Influenced), "Influenced"}},
		"CanCredit":   policy.RoleAllows(v.Actor.Role, policy.Attribution, policy.Update)}
	ui.render(w, r, status, "pipeline_new", p)
}

func domainNote(d string) string {
	if d == "" {
		return ""
	}
	return " (" + d + ")"
}

// newOppInput reads the create form into the service's input; amounts and
// percentages that are not numbers are field errors before the service is asked.
func newOppInput(r *http.Request) (pipeline.OpportunityInput, newOppForm, tandem.Problems) {
	_ = r.ParseForm()
	f := map[string]string{}
	for _, k := range []string{"account_mode", "account_id", "account_q", "new_account_name", "new_account_domain", "new_account_country",
		"name", "motion", "kind", "amount", "currency", "close_on", "owner_user_id", "f_products", "next_step"} {
		f[k] = r.PostFormValue(k)
	}
	str := func(k string) *string { s := f[k]; return &s }
	in := pipeline.OpportunityInput{Name: str("name"), Motion: tandem.Motion(strings.TrimSpace(f["motion"])), Currency: str("currency"),
		CloseOn: str("close_on"), OwnerUserID: str("owner_user_id"), NextStep: str("next_step"), Kind: str("kind"),
		Fields: map[string]string{"products": f["f_products"]}}
	var probs tandem.Problems
	if f["account_mode"] == "new" {
		in.NewAccount = &pipeline.AccountInput{Name: str("new_account_name"), Domain: str("new_account_domain"), Country: str("new_account_country")}
	} else {
		in.AccountID = str("account_id")
	}
	if a := strings.TrimSpace(f["amount"]); a != "" {
		minor, err := registration.ParseAmount(a)
		if err != nil {
			// A negative amount, which the service refuses too, keeps anything from
			// being saved while it reports every other problem.
			probs.Add("amount", "%s", err.Error())
			minor = -1
		}
		in.AmountMinor = &minor
	}
	ids, kinds, pcts := r.PostForm["partner_id"], r.PostForm["credit_kind"], r.PostForm["percent"]
	form := newOppForm{F: f}
	entries := []attribution.Entry{}
	for i, id := range ids {
		if i >= newCreditRows {
			break
		}
		c := credit{PartnerID: strings.TrimSpace(id)}
		if i < len(kinds) {
			c.Kind = kinds[i]
		}
		if i < len(pcts) {
			c.Percent = strings.TrimSpace(pcts[i])
		}
		form.Credits = append(form.Credits, c)
		if c.PartnerID == "" {
			continue // an empty row credits nobody
		}
		e := attribution.Entry{PartnerID: c.PartnerID, Kind: attribution.Kind(c.Kind)}
		if pc, err := attribution.ParsePercent(strings.TrimSuffix(c.Percent, "%")); err != nil {
			probs.Add(fmt.Sprintf("%s[%d].percent", attribution.Path, len(entries)), "%s", err.Error())
			e.Percent = -1 // refused by the service too (see amount)
		} else {
			e.Percent = pc
		}
		entries = append(entries, e)
	}
	if len(entries) > 0 {
		in.Attribution = entries
	}
	return in, form, probs
}

// newOppErrors maps the service's field paths to the create form's inputs; an
// attribution path names the form row of the entry (empty rows are skipped).
func newOppErrors(err error, credits []credit) map[string]string {
	rowOf := []int{}
	for i, c := range credits {
		if c.PartnerID != "" {
			rowOf = append(rowOf, i)
		}
	}
	out := map[string]string{}
	put := func(k, d string) {
		if out[k] == "" {
			out[k] = d
		} else {
			out[k] += "; " + d
		}
	}
	for _, fe := range tandem.FieldsOf(err) {
		k := fe.Path
		switch {
		case strings.HasPrefix(k, "account."):
			k = "new_account_" + strings.TrimPrefix(k, "account.")
		case strings.HasPrefix(k, "fields."):
			k = "f_" + strings.TrimPrefix(k, "fields.")
		case k == "close_date":
			k = "close_on"
		case k == "owner" || k == "owner_user_id":
			k = "owner_user_id"
		case strings.HasPrefix(k, attribution.Path+"["):
			rest := strings.TrimPrefix(k, attribution.Path+"[")
			i, tail, _ := strings.Cut(rest, "]")
			n, aerr := strconv.Atoi(i)
			if aerr == nil && n < len(rowOf) {
				k = "credit_" + strconv.Itoa(rowOf[n])
				put(k, strings.ReplaceAll(strings.TrimPrefix(tail, "."), "_", " ")+" "+fe.Detail)
				continue
			}
			k = attribution.Path
		}
		put(k, fe.Detail)
	}
	return out
}

// opportunityCreate creates the opportunity from the form; a mistake shows the form
// again, filled in, with each problem beside its field and nothing saved.
func (ui *UI) opportunityCreate(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	in, form, probs := newOppInput(r)
	o, err := ui.pipe().CreateOpportunity(r.Context(), v.Actor, v.Name, in)
	if len(probs) > 0 && (err == nil || tandem.KindOf(err) == tandem.KindInvalid) {
		if err == nil { // cannot happen: the service refuses what the form could not read
			ui.Error(w, r, fmt.Errorf("an opportunity was created from a form with problems: %v", probs))
			return
		}
		// The form's own reading of a field replaces what the service said of it.
		merged := probs
		for _, fe := range tandem.FieldsOf(err) {
			if !slices.ContainsFunc(probs, func(p tandem.FieldError) bool { return p.Path == fe.Path }) {
				merged = append(merged, fe)
			}
		}
		err = tandem.Invalid(tandem.MessageOf(err), merged...)
	}
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: o.Name + " was created on " + o.AccountName + "."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+o.ID, http.StatusSeeOther)
	case tandem.KindInvalid:
		form.Errors = newOppErrors(err, form.Credits)
		ui.renderOpportunityNew(w, r, v, p, http.StatusUnprocessableEntity, form, "Nothing was saved: "+tandem.MessageOf(err)+" Please correct the fields marked below.")
	default:
		ui.Error(w, r, err)
	}
}
