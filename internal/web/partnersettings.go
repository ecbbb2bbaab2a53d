package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/fitscore"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/tandem"
)

// criterionRow is one fit criterion on the settings page.
type criterionRow struct {
	C                      fitscore.Criterion
	Label, Help            string
	Targets                string
	SetBased, Deal, Counts bool
	Bases                  []fitscore.Basis
}

var criterionHelp = map[fitscore.Kind][2]string{
	fitscore.Industries:      {"Industries", "Target industries; the partner's verticals are matched against them."},
	fitscore.CustomerOverlap: {"Customer-base overlap", "Share of the partner's customers in your ICP, or accounts shared in account mapping."},
	fitscore.Geography:       {"Geography", "Target regions; the partner's regions are matched against them."},
	fitscore.TechStack:       {"Tech-stack overlap", "Your integrations; the partner's technologies are matched against them."},
	fitscore.DealSize:        {"Deal size", "The band of deal sizes you sell (whole units of the workspace currency)."},
	fitscore.Reach:           {"Reach", "Size of the partner's customer base or sales team; full marks at the count below."},
	fitscore.Complementarity: {"Complementarity", "Services you lack; the partner's services are matched against them."},
}

func criterionRows(set partner.Settings) []criterionRow {
	rows := make([]criterionRow, len(set.Fit.Criteria))
	for i, c := range set.Fit.Criteria {
		h := criterionHelp[c.Kind]
		row := criterionRow{C: c, Label: h[0], Help: h[1], Targets: strings.Join(c.Targets, ", "),
			SetBased: c.Kind == fitscore.Industries || c.Kind == fitscore.Geography || c.Kind == fitscore.TechStack || c.Kind == fitscore.Complementarity,
			Deal:     c.Kind == fitscore.DealSize, Counts: c.Kind == fitscore.Reach || c.Kind == fitscore.CustomerOverlap}
		switch c.Kind {
		case fitscore.Reach:
			row.Bases = []fitscore.Basis{fitscore.BasisCustomers, fitscore.BasisSellers}
		case fitscore.CustomerOverlap:
			row.Bases = []fitscore.Basis{fitscore.BasisShare, fitscore.BasisAccounts}
		}
		rows[i] = row
	}
	return rows
}

func (ui *UI) partnerSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	set, err := ui.o.Partners.Settings(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.renderPartnerSettings(w, r, p, http.StatusOK, set, nil)
}

func (ui *UI) renderPartnerSettings(w http.ResponseWriter, r *http.Request, p Page, status int, set partner.Settings, problems []tandem.FieldError) {
	errs := map[string]string{}
	for _, fe := range problems {
		key := strings.SplitN(fe.Path, "[", 2)[0]
		if name, ok := strings.CutPrefix(key, "coverage."); ok {
			key, fe.Detail = "territories", name+": "+fe.Detail
		}
		if name, ok := strings.CutPrefix(key, "exclusivity_limits."); ok {
			key, fe.Detail = "exclusivity_limits", name+": "+fe.Detail
		}
		var i int
		var field string
		if n, _ := fmt.Sscanf(strings.ReplaceAll(strings.TrimPrefix(fe.Path, "fit.criteria["), "].", " "), "%d %s", &i, &field); n == 2 && i < len(set.Fit.Criteria) {
			key = strings.SplitN(field, "[", 2)[0] + "_" + string(set.Fit.Criteria[i].Kind)
		}
		if errs[key] == "" {
			errs[key] = fe.Detail
		}
	}
	p.Title, p.Data = "Partner program settings", map[string]any{"S": set, "Territories": territoryLines(set),
		"Limits": limitLines(set),
		"Rows":   criterionRows(set), "Errors": errs}
	ui.render(w, r, status, "partner_settings", p)
}

func (ui *UI) savePartnerSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	set, err := ui.o.Partners.Settings(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	_ = r.ParseForm()
	var pr tandem.Problems
	set.Territories, set.Coverage = parseTerritoryLines(r.PostFormValue("territories"))
	if _, ok := r.PostForm["exclusivity_limits"]; ok {
		var bad []string
		set.ExclusivityLimits, bad = parseLimitLines(r.PostFormValue("exclusivity_limits"))
		for _, line := range bad {
			pr.Add("exclusivity_limits."+line, "write a territory, a colon and a number of partners, such as Benelux: 2")
		}
	}
	set.Fit.Missing = fitscore.Missing(r.PostFormValue("missing"))
	for i, c := range set.Fit.Criteria {
		k := string(c.Kind)
		at := fmt.Sprintf("fit.criteria[%d].", i)
		whole := func(field string) int64 {
			s := strings.TrimSpace(r.PostFormValue(field + "_" + k))
			if s == "" {
				return 0
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				pr.Add(at+field, "must be a whole number")
			}
			return n
		}
		c.Disabled = r.PostFormValue("on_"+k) != "on"
		c.Weight = int(whole("weight"))
		if _, ok := r.PostForm["targets_"+k]; ok {
			c.Targets = nil
			for _, t := range splitList(r.PostFormValue("targets_" + k)) {
				if t = strings.TrimSpace(t); t != "" {
					c.Targets = append(c.Targets, t)
				}
			}
		}
		if _, ok := r.PostForm["full_"+k]; ok {
			c.Full = int(whole("full"))
		}
		if c.Kind == fitscore.DealSize {
			c.MinDeal, c.MaxDeal = whole("min_deal"), whole("max_deal")
		}
		if _, ok := r.PostForm["basis_"+k]; ok {
			c.Basis = fitscore.Basis(r.PostFormValue("basis_" + k))
		}
		if _, ok := r.PostForm["scale_"+k]; ok {
			c.Scale = fitscore.Scale(r.PostFormValue("scale_" + k))
		}
		set.Fit.Criteria[i] = c
	}
	n := 0
	err = pr.Err("The partner program settings are not valid.")
	if err == nil {
		_, n, err = ui.o.Partners.SaveSettings(r.Context(), v.Actor, v.Name, set)
	}
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: fmt.Sprintf("The partner program settings were saved and %d partners were rescored.", n)})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/partners", http.StatusSeeOther)
	case tandem.KindInvalid:
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The settings were not saved; please correct the fields marked below."})
		ui.renderPartnerSettings(w, r, p, http.StatusUnprocessableEntity, set, tandem.FieldsOf(err))
	default:
		ui.Error(w, r, err)
	}
}

// territoryLines writes the territories one per line, each followed by the countries
// it covers: "Benelux: BE, LU, NL".
func territoryLines(set partner.Settings) string {
	lines := make([]string, len(set.Territories))
	for i, t := range set.Territories {
		lines[i] = t
		if cs := set.Coverage[t]; len(cs) > 0 {
			lines[i] += ": " + strings.Join(cs, ", ")
		}
	}
	return strings.Join(lines, "\n")
}

// parseTerritoryLines reads what territoryLines writes: one territory per line, with
// an optional colon and the countries it covers, separated by commas.
func parseTerritoryLines(text string) ([]string, map[string][]string) {
	var names []string
	coverage := map[string][]string{}
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		name, countries, _ := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		names = append(names, name)
		for _, c := range strings.Split(countries, ",") {
			if c = strings.TrimSpace(c); c != "" {
				coverage[name] = append(coverage[name], c)
			}
		}
	}
	return names, coverage
}

// limitLines writes the territories' exclusivity limits one per line: "Benelux: 2".
func limitLines(set partner.Settings) string {
	var lines []string
	for _, t := range set.Territories {
		if n, ok := set.ExclusivityLimits[t]; ok {
			lines = append(lines, fmt.Sprintf("%s: %d", t, n))
		}
	}
	return strings.Join(lines, "\n")
}

// parseLimitLines reads what limitLines writes, returning the lines it cannot read.
func parseLimitLines(text string) (map[string]int, []string) {
	out := map[string]int{}
	var bad []string
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, num, ok := strings.Cut(line, ":")
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if name = strings.TrimSpace(name); !ok || name == "" || err != nil {
			bad = append(bad, strings.TrimSpace(line))
			continue
		}
		out[name] = n
	}
	return out, bad
}
