package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerProgram(mux *http.ServeMux) {
	if ui.o.Program == nil {
		return
	}
	ui.handle(mux, "GET /w/{slug}/settings/tiers", ui.console(ui.tiersPage))
	ui.handle(mux, "POST /w/{slug}/settings/tiers", ui.console(ui.saveTiers))
	ui.handle(mux, "GET /w/{slug}/tier-reviews", ui.console(ui.tierReviews))
	ui.handle(mux, "POST /w/{slug}/tier-reviews/run", ui.console(ui.runTierReview))
	ui.handle(mux, "POST /w/{slug}/tier-reviews/{id}/decision", ui.console(ui.decideTierReview))
}

// wholeUnits formats an amount in hundredths as whole units with thousands
// separators (cents are dropped: requirements are round numbers).
func wholeUnits(minor int64) string {
	s := strconv.FormatInt(minor/100, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// tierRow is one row of the tiers form.
type tierRow struct {
	Index                                         int
	Name, Rank, Revenue, Certs, Regs, Benefits    string
	NameErr, RankErr, RevErr, CertErr, RegErr, BE string
}

// tierFormRows is the number of empty rows offered for new tiers.
const tierFormRows = 2

func (ui *UI) tiersPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	set, err := ui.o.Program.Get(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	var rows []tierRow
	for i, t := range set.Sorted() {
		rows = append(rows, tierRow{Index: i, Name: t.Name, Rank: strconv.Itoa(t.Rank), Revenue: strconv.FormatInt(t.Requirements.RevenueMinor/100, 10),
			Certs: strconv.Itoa(t.Requirements.Certifications), Regs: strconv.Itoa(t.Requirements.Registrations90d), Benefits: strings.Join(t.Benefits, "\n")})
	}
	ui.renderTiers(w, r, p, http.StatusOK, rows, strconv.Itoa(set.GraceDays), nil)
}

func (ui *UI) renderTiers(w http.ResponseWriter, r *http.Request, p Page, status int, rows []tierRow, grace string, err error) {
	for i := 0; i < tierFormRows; i++ {
		rows = append(rows, tierRow{Index: len(rows)})
	}
	errs := map[string]string{}
	for _, fe := range tandem.FieldsOf(err) {
		errs[fe.Path] = fe.Detail
	}
	for i := range rows {
		pre := fmt.Sprintf("tiers[%d]", i)
		rows[i].NameErr, rows[i].RankErr = errs[pre+".name"], errs[pre+".rank"]
		rows[i].RevErr, rows[i].CertErr = errs[pre+".requirements.revenue_minor"], errs[pre+".requirements.certifications"]
		rows[i].RegErr = errs[pre+".requirements.registrations_90d"]
		for k, d := range errs {
			if strings.HasPrefix(k, pre+".benefits") {
				rows[i].BE = d
			}
		}
	}
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The tiers were not saved; please correct the fields marked below."})
		if len(errs) == 0 {
			errs["form"] = tandem.MessageOf(err)
		}
	}
	p.Title = "Program tiers"
	p.Data = map[string]any{"Rows": rows, "Grace": grace, "Errors": errs}
	ui.render(w, r, status, "program_tiers", p)
}

func (ui *UI) saveTiers(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := r.ParseForm(); err != nil {
		ui.Error(w, r, tandem.Invalid("The form could not be read."))
		return
	}
	set, rows, formErr := ParseTiersForm(r.PostForm)
	grace := r.PostFormValue("grace_days")
	if formErr != nil {
		ui.renderTiers(w, r, p, http.StatusUnprocessableEntity, rows, grace, formErr)
		return
	}
	if _, err := ui.o.Program.Update(r.Context(), v.Actor, v.Name, set); err != nil {
		if tandem.KindOf(err) == tandem.KindInvalid {
			ui.renderTiers(w, r, p, http.StatusUnprocessableEntity, rows, grace, err)
			return
		}
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: "Tiers saved. Partners keep their tier until a manager confirms a tier review."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/tiers", http.StatusSeeOther)
}

// ParseTiersForm reads the tiers form: rows tier_name_N, tier_rank_N,
// tier_revenue_N (whole currency units), tier_certifications_N,
// tier_registrations_N and tier_benefits_N (one per line) for N from 0, rows whose
// name is empty being left out, and grace_days. It returns the settings, the rows as
// typed (to show again) and a KindInvalid error naming the fields that are not
// numbers; the settings' own rules are checked by program.Settings.Validate.
func ParseTiersForm(form map[string][]string) (program.Settings, []tierRow, error) {
	get := func(k string) string {
		if vs := form[k]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	var set program.Settings
	var rows []tierRow
	var probs tandem.Problems
	for i := 0; i < program.MaxTiers+tierFormRows; i++ {
		n := strconv.Itoa(i)
		row := tierRow{Name: get("tier_name_" + n), Rank: get("tier_rank_" + n), Revenue: get("tier_revenue_" + n), Certs: get("tier_certifications_" + n),
			Regs: get("tier_registrations_" + n), Benefits: get("tier_benefits_" + n)}
		if row.Name == "" && row.Rank == "" && row.Revenue == "" && row.Certs == "" && row.Regs == "" && row.Benefits == "" {
			continue
		}
		idx := len(set.Tiers)
		row.Index = idx
		path := fmt.Sprintf("tiers[%d]", idx)
		num := func(s, field string) int64 {
			if s == "" {
				return 0
			}
			v, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
			if err != nil || v < 0 || v > 1e13 {
				probs.Add(path+"."+field, "must be a whole number of 0 or more")
				return 0
			}
			return v
		}
		rank := num(row.Rank, "rank")
		t := program.Tier{Name: row.Name, Rank: int(rank), Requirements: program.Requirements{
			RevenueMinor:     num(row.Revenue, "requirements.revenue_minor") * 100,
			Certifications:   int(num(row.Certs, "requirements.certifications")),
			Registrations90d: int(num(row.Regs, "requirements.registrations_90d"))}}
		for _, b := range strings.Split(row.Benefits, "\n") {
			if b = strings.TrimSpace(b); b != "" {
				t.Benefits = append(t.Benefits, b)
			}
		}
		set.Tiers = append(set.Tiers, t)
		rows = append(rows, row)
	}
	g, err := strconv.Atoi(get("grace_days"))
	if err != nil {
		probs.Add("grace_days", "must be a whole number of days")
	}
	set.GraceDays = g
	return set, rows, probs.Err("The tiers are not valid.")
}

// reviewRow is a tier review with its evidence formatted for the page.
type reviewRow struct {
	R      program.Review
	Checks []checkRow
}

type checkRow struct {
	Label, Required, Measured, Current string
	Met, Tracked                       bool
}

func checkRows(ev program.Basis) []checkRow {
	var out []checkRow
	for i, c := range ev.Proposed {
		row := checkRow{Label: c.Label, Met: c.Met, Tracked: c.Tracked}
		f := func(n int64) string { return strconv.FormatInt(n, 10) }
		if c.Requirement == "revenue_12m" {
			f = func(n int64) string { return ev.Currency + " " + wholeUnits(n) }
		}
		row.Required = "none"
		if c.Required > 0 {
			row.Required = f(c.Required)
		}
		row.Measured = "not measured"
		if c.Tracked {
			row.Measured = f(c.Measured)
		}
		if i < len(ev.Current) {
			cur := ev.Current[i]
			row.Current = "none"
			if cur.Required > 0 {
				row.Current = f(cur.Required)
			}
		}
		out = append(out, row)
	}
	return out
}

func (ui *UI) tierReviews(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = program.Open
	}
	if status == "all" {
		status = ""
	}
	rs, err := ui.o.Program.List(r.Context(), v.Actor, status, 200)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	set, err := ui.o.Program.Get(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	rows := make([]reviewRow, len(rs))
	for i, x := range rs {
		rows[i] = reviewRow{R: x, Checks: checkRows(x.Evidence)}
	}
	view := status
	if view == "" {
		view = "all"
	}
	p.Title = "Tier reviews"
	p.Data = map[string]any{"Rows": rows, "View": view, "Grace": set.GraceDays}
	ui.render(w, r, http.StatusOK, "tier_reviews", p)
}

func (ui *UI) runTierReview(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	n, err := ui.o.Program.RunNow(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: fmt.Sprintf("Tier review done: %d open proposal(s).", n)})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/tier-reviews", http.StatusSeeOther)
}

func (ui *UI) decideTierReview(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	d := r.PostFormValue("decision")
	if d != "confirm" && d != "dismiss" {
		ui.Error(w, r, tandem.Invalid("Choose confirm or dismiss.", tandem.FieldError{Path: "decision", Detail: "must be confirm or dismiss"}))
		return
	}
	x, err := ui.o.Program.Decide(r.Context(), v.Actor, v.Name, r.PathValue("id"), d == "confirm", r.PostFormValue("rationale"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	text := fmt.Sprintf("Proposal dismissed; %s stays %s.", x.PartnerName, x.FromTier)
	if x.Status == program.Confirmed {
		text = fmt.Sprintf("%s is now %s.", x.PartnerName, x.ToTier)
	}
	SetFlash(w, Flash{Kind: "success", Text: text})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/tier-reviews", http.StatusSeeOther)
}
