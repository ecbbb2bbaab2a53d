package web

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/tandem"
)

// bandFormSpare is how many empty discount-band rows the settings form adds below
// the saved ones.
const bandFormSpare = 3

func (ui *UI) registerPipelineSettings(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/settings/pipeline", ui.console(ui.pipelineSettings))
	ui.handle(mux, "POST /w/{slug}/settings/pipeline", ui.console(ui.savePipelineSettings))
}

// bandRow is one discount band as the form shows it.
type bandRow struct {
	N                                                     int
	Tier, Motion, Name, Min, Max, Approver, Certification string
	Err                                                   string
}

// templateBox is one motion's plan template as the form shows it: a milestone per
// line.
type templateBox struct {
	Motion, Label, Text, Err string
	Custom                   bool
}

// PlanLine writes a template milestone as the settings form's line.
func PlanLine(it pipeline.TemplateItem) string {
	return fmt.Sprintf("%s | %s | %s | %d", it.Key, it.Title, it.OwnerSide, it.DueDays)
}

// ParsePlanLines reads a motion's plan template from the settings form: one
// milestone per non-blank line, "key | title | vendor or partner | due days". A line
// without four parts or with due days that are not a whole number is reported by its
// index among the milestones (as the service's paths count them), with the field.
func ParsePlanLines(text string) ([]pipeline.TemplateItem, map[int]tandem.FieldError) {
	var items []pipeline.TemplateItem
	probs := map[int]tandem.FieldError{}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		i := len(items)
		if len(parts) != 4 {
			probs[i] = tandem.FieldError{Path: "line", Detail: "must be four parts separated by |: key | title | vendor or partner | due days"}
			items = append(items, pipeline.TemplateItem{DueDays: -1})
			continue
		}
		it := pipeline.TemplateItem{Key: parts[0], Title: parts[1], OwnerSide: strings.ToLower(parts[2])}
		d, err := strconv.Atoi(parts[3])
		if err != nil {
			probs[i] = tandem.FieldError{Path: "due_days", Detail: "must be a whole number of days"}
			d = -1 // refused by the service too, which then reports the rest
		}
		it.DueDays = d
		items = append(items, it)
	}
	return items, probs
}

func (ui *UI) pipelineSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	set, err := ui.pipe().ReadSettings(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.renderPipelineSettings(w, r, v, p, http.StatusOK, set, nil, nil)
}

// percentText writes a percentage for a form field ("" for a value the form could
// not read).
func percentText(p attribution.Percent) string {
	if p < 0 {
		return ""
	}
	return p.String()
}

// renderPipelineSettings shows the settings form. raw, when not nil, is the form as
// sent, shown again as typed; errs are the field errors by input name.
func (ui *UI) renderPipelineSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, set pipeline.Settings, raw url.Values, errs map[string]string) {
	if errs == nil {
		errs = map[string]string{}
	}
	cfg := pricing.DefaultConfig()
	if set.Pricing != nil {
		cfg = *set.Pricing
	}
	var bands []bandRow
	if raw != nil {
		for i := range raw["band_name"] {
			at := func(k string) string {
				if vs := raw[k]; i < len(vs) {
					return vs[i]
				}
				return ""
			}
			bands = append(bands, bandRow{Tier: at("band_tier"), Motion: at("band_motion"), Name: at("band_name"), Min: at("band_min"),
				Max: at("band_max"), Approver: at("band_approver"), Certification: at("band_certification")})
		}
	} else {
		for _, b := range cfg.Bands {
			bands = append(bands, bandRow{Tier: b.Tier, Motion: string(b.Motion), Name: b.Name, Min: percentText(b.Min), Max: percentText(b.Max),
				Approver: b.Approver, Certification: b.Certification})
		}
		for range bandFormSpare {
			bands = append(bands, bandRow{})
		}
	}
	for i := range bands {
		bands[i].N = i + 1
		bands[i].Err = errs["band_"+strconv.Itoa(i)]
	}
	var boxes []templateBox
	for _, m := range tandem.Motions {
		b := templateBox{Motion: string(m), Label: m.Label(), Err: errs["tpl_"+string(m)]}
		_, b.Custom = set.PlanTemplates[string(m)]
		if raw != nil {
			b.Text = raw.Get("tpl_" + string(m))
		} else {
			items := set.Templates()[string(m)]
			lines := make([]string, len(items))
			for i, it := range items {
				lines[i] = PlanLine(it)
			}
			b.Text = strings.Join(lines, "\n")
		}
		boxes = append(boxes, b)
	}
	f := map[string]string{"freshness_days": strconv.Itoa(set.FreshnessDays), "follow_up_hours": strconv.Itoa(set.FollowUpHours),
		"renewal_confirm_days": strconv.Itoa(set.RenewalConfirmDays), "renewal_escalate_days": strconv.Itoa(set.RenewalEscalateDays),
		"ceiling": percentText(cfg.Ceiling), "exception_approver": cfg.ExceptionApprover}
	for k := range f {
		if raw != nil {
			f[k] = raw.Get(k)
		}
	}
	p.Title = "Pipeline settings"
	p.Data = map[string]any{"F": f, "Errors": errs, "Bands": bands, "Templates": boxes, "Motions": motionOptions(),
		"CanEdit": policy.RoleAllows(v.Actor.Role, policy.Settings, policy.Update), "Pipeline": "/w/" + v.WorkspaceSlug + "/pipeline"}
	ui.render(w, r, status, "pipeline_settings", p)
}

// parsePipelineSettings reads the settings form over the current settings. Numbers
// the form cannot read are field errors (by the service's paths) and are replaced
// by values the service refuses, so that it reports every other problem too; rowOf
// maps a band's index among those sent to its form row (empty rows are skipped).
func parsePipelineSettings(form url.Values, cur pipeline.Settings) (pipeline.Settings, tandem.Problems, []int) {
	set := cur
	var probs tandem.Problems
	num := func(k string, dst *int) {
		n, err := strconv.Atoi(strings.TrimSpace(form.Get(k)))
		if err != nil {
			probs.Add(k, "must be a whole number")
			n = -1
		}
		*dst = n
	}
	num("freshness_days", &set.FreshnessDays)
	num("follow_up_hours", &set.FollowUpHours)
	num("renewal_confirm_days", &set.RenewalConfirmDays)
	num("renewal_escalate_days", &set.RenewalEscalateDays)
	pct := func(path, s string) attribution.Percent {
		v, err := attribution.ParsePercent(strings.TrimSuffix(strings.TrimSpace(s), "%"))
		if err != nil {
			probs.Add(path, "must be a percentage such as 12.5")
			return -1
		}
		return v
	}
	cfg := pricing.Config{Ceiling: pct("pricing.ceiling", form.Get("ceiling")), ExceptionApprover: strings.TrimSpace(form.Get("exception_approver")),
		Bands: []pricing.Band{}}
	var rowOf []int
	at := func(k string, i int) string {
		if vs := form[k]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for i := range form["band_name"] {
		b := pricing.Band{Tier: at("band_tier", i), Motion: tandem.Motion(at("band_motion", i)), Name: at("band_name", i),
			Approver: at("band_approver", i), Certification: at("band_certification", i)}
		minText, maxText := at("band_min", i), at("band_max", i)
		if b.Tier == "" && b.Motion == "" && b.Name == "" && minText == "" && maxText == "" && b.Approver == "" && b.Certification == "" {
			continue // an empty row is no band
		}
		n := len(cfg.Bands)
		b.Min = pct(fmt.Sprintf("pricing.bands[%d].min", n), minText)
		b.Max = pct(fmt.Sprintf("pricing.bands[%d].max", n), maxText)
		cfg.Bands = append(cfg.Bands, b)
		rowOf = append(rowOf, i)
	}
	set.Pricing = &cfg
	defaults := pipeline.DefaultTemplates()
	set.PlanTemplates = map[string][]pipeline.TemplateItem{}
	for _, m := range tandem.Motions {
		text, sent := form["tpl_"+string(m)]
		if !sent {
			if items, ok := cur.PlanTemplates[string(m)]; ok {
				set.PlanTemplates[string(m)] = items // not on the form: unchanged
			}
			continue
		}
		items, bad := ParsePlanLines(strings.Join(text, "\n"))
		for i, fe := range bad {
			probs.Add(fmt.Sprintf("plan_templates.%s[%d].%s", m, i, fe.Path), "%s", fe.Detail)
		}
		if len(items) == 0 || len(bad) == 0 && reflect.DeepEqual(items, defaults[string(m)]) {
			continue // blank or the default: the default, which then follows later changes
		}
		set.PlanTemplates[string(m)] = items
	}
	if len(set.PlanTemplates) == 0 {
		set.PlanTemplates = nil
	}
	return set, probs, rowOf
}

// settingsErrors maps the service's paths to the settings form's inputs: a band's
// problems go to its row, a template milestone's to its motion's box by line.
func settingsErrors(fes []tandem.FieldError, rowOf []int) map[string]string {
	out := map[string]string{}
	put := func(k, d string) {
		if out[k] == "" {
			out[k] = d
		} else if !strings.Contains(out[k], d) {
			out[k] += "; " + d
		}
	}
	for _, fe := range fes {
		path := fe.Path
		switch {
		case strings.HasPrefix(path, "pricing.bands["):
			rest := strings.TrimPrefix(path, "pricing.bands[")
			i, field, _ := strings.Cut(rest, "]")
			n, err := strconv.Atoi(i)
			if err != nil || n >= len(rowOf) {
				put("bands", fe.Detail)
				continue
			}
			put("band_"+strconv.Itoa(rowOf[n]), strings.TrimPrefix(field, ".")+" "+fe.Detail)
		case path == "pricing.bands":
			put("bands", fe.Detail)
		case strings.HasPrefix(path, "pricing."):
			put(strings.TrimPrefix(path, "pricing."), fe.Detail)
		case strings.HasPrefix(path, "plan_templates."):
			rest := strings.TrimPrefix(path, "plan_templates.")
			m, idx, hasIdx := strings.Cut(rest, "[")
			if !hasIdx {
				put("tpl_"+m, fe.Detail)
				continue
			}
			i, field, _ := strings.Cut(idx, "]")
			n, _ := strconv.Atoi(i)
			field = strings.ReplaceAll(strings.TrimPrefix(field, "."), "_", " ")
			if field == "line" {
				field = ""
			} else {
				field += " "
			}
			put("tpl_"+m, fmt.Sprintf("line %d: %s%s", n+1, field, fe.Detail))
		default:
			put(path, fe.Detail)
		}
	}
	return out
}

// savePipelineSettings saves the form through the service (validated and audited
// there); a mistake shows the form again as typed with each problem beside its
// field, and nothing is saved.
func (ui *UI) savePipelineSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	svc := ui.pipe()
	cur, err := svc.ReadSettings(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	_ = r.ParseForm()
	set, probs, rowOf := parsePipelineSettings(r.PostForm, cur)
	_, err = svc.SaveSettings(r.Context(), v.Actor, v.Name, set)
	if len(probs) > 0 && err == nil {
		ui.Error(w, r, fmt.Errorf("pipeline settings with unreadable fields were saved: %v", probs))
		return
	}
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "The pipeline settings were saved."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/pipeline", http.StatusSeeOther)
	case tandem.KindInvalid:
		fes := slices.Clone([]tandem.FieldError(probs))
		for _, fe := range tandem.FieldsOf(err) {
			// The form's own reading of a field, or of a whole template line, replaces
			// what the service said of it.
			if !slices.ContainsFunc(probs, func(p tandem.FieldError) bool {
				line, whole := strings.CutSuffix(p.Path, ".line")
				return p.Path == fe.Path || whole && strings.HasPrefix(fe.Path, line+".")
			}) {
				fes = append(fes, fe)
			}
		}
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "Nothing was saved: " + tandem.MessageOf(err) + " Please correct the fields marked below."})
		ui.renderPipelineSettings(w, r, v, p, http.StatusUnprocessableEntity, set, r.PostForm, settingsErrors(fes, rowOf))
	default:
		ui.Error(w, r, err)
	}
}
