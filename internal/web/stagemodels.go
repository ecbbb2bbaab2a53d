package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerStageModels(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/settings/stages", ui.console(ui.stageModelList))
	ui.handle(mux, "GET /w/{slug}/settings/stages/{motion}", ui.console(ui.stageModelEdit))
	ui.handle(mux, "POST /w/{slug}/settings/stages/{motion}", ui.console(ui.stageModelSave))
	ui.handle(mux, "POST /w/{slug}/settings/stages/{motion}/reset", ui.console(ui.stageModelReset))
}

// Blank stage rows offered for adding stages, beyond the model's own.
const blankStageRows = 2

func (ui *UI) stageModelList(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ms, err := ui.pipe().StageModels(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	edited := slices.ContainsFunc(ms, func(m pipeline.StageModel) bool { return m.Custom })
	p.Title, p.Data = "Pipeline stages", map[string]any{"Models": ms, "Edited": edited,
		"CanEdit": policy.RoleAllows(v.Actor.Role, policy.Settings, policy.Update)}
	ui.render(w, r, http.StatusOK, "stage_models", p)
}

// stageRow is one stage as the editor shows it, or as it was posted.
type stageRow struct {
	N                int // form row number
	Order            string
	Key, Label, Exit string
	Remove           bool
	Open, Won        int
	Errors           []string
}

// stageForm is the editor's state: the rows, the won stage, the lost criteria and
// the problems to show.
type stageForm struct {
	Rows     []stageRow
	WonAt    string
	Lost     string
	Version  int
	Problems []string          // about the model as a whole
	Errors   map[string]string // by form field (won_at, lost)
	Removing []string          // stages a confirmed save removes, as people read them
}

// criteriaLines writes exit criteria one per line as "kind: key | label".
func criteriaLines(cs []stage.Criterion) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		l := string(c.Kind)
		if c.Key != "" {
			l += ": " + c.Key
		}
		if c.Label != "" {
			l += " | " + c.Label
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// parseCriteriaLines reads exit criteria written one per line as "kind: key |
// label" (key and label optional; blank lines skipped) and returns each with the
// line it came from. It never fails: kinds and keys are judged by stage validation.
func parseCriteriaLines(text string) ([]stage.Criterion, []int) {
	var out []stage.Criterion
	var lines []int
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		spec, label, _ := strings.Cut(line, "|")
		kind, key, _ := strings.Cut(spec, ":")
		out = append(out, stage.Criterion{Kind: stage.CriterionKind(strings.ToLower(strings.TrimSpace(kind))),
			Key: strings.TrimSpace(key), Label: strings.TrimSpace(label)})
		lines = append(lines, i+1)
	}
	return out, lines
}

func stageFormOf(m pipeline.StageModel) stageForm {
	f := stageForm{WonAt: m.WonAt, Lost: criteriaLines(m.LostCriteria), Version: m.Version, Errors: map[string]string{}}
	if f.WonAt == "" && len(m.Stages) > 0 {
		f.WonAt = m.Stages[len(m.Stages)-1].Key
	}
	for i, s := range m.Stages {
		o := m.Occupancy[s.Key]
		f.Rows = append(f.Rows, stageRow{N: i, Order: strconv.Itoa(i + 1), Key: s.Key, Label: s.Label, Exit: criteriaLines(s.Exit), Open: o.Open, Won: o.Won})
	}
	for i := range blankStageRows {
		f.Rows = append(f.Rows, stageRow{N: len(m.Stages) + i})
	}
	return f
}

// postedForm reads the editor's form back.
func postedForm(r *http.Request, occ map[string]stage.Occupancy) stageForm {
	f := stageForm{WonAt: strings.TrimSpace(r.PostFormValue("won_at")), Lost: r.PostFormValue("lost"), Errors: map[string]string{}}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), stage.MaxStages+blankStageRows)
	for i := range n {
		at := func(name string) string { return r.PostFormValue(name + "_" + strconv.Itoa(i)) }
		row := stageRow{N: i, Order: strings.TrimSpace(at("order")), Key: strings.TrimSpace(at("key")), Label: strings.TrimSpace(at("label")),
			Exit: at("exit"), Remove: at("remove") != ""}
		o := occ[row.Key]
		row.Open, row.Won = o.Open, o.Won
		f.Rows = append(f.Rows, row)
	}
	return f
}

// model builds the stage model the form describes: rows not removed and not blank,
// sorted by their order number (ties keep the form's order). rowOf[i] is the form
// row of stage i, lineOf[i][j] the line of its criterion j.
func (f stageForm) model(m tandem.Motion) (md stage.Model, rowOf []int, lineOf [][]int, lostLines []int) {
	type kept struct {
		order int
		row   int
	}
	var ks []kept
	for i, row := range f.Rows {
		if row.Remove || (row.Key == "" && row.Label == "" && strings.TrimSpace(row.Exit) == "") {
			continue
		}
		o, err := strconv.Atoi(row.Order)
		if err != nil {
			o = 1 << 30 // no number: after the numbered ones
		}
		ks = append(ks, kept{o, i})
	}
	slices.SortStableFunc(ks, func(a, b kept) int { return a.order - b.order })
	md = stage.Model{Motion: m, WonAt: f.WonAt}
	for _, k := range ks {
		row := f.Rows[k.row]
		exit, lines := parseCriteriaLines(row.Exit)
		md.Stages = append(md.Stages, stage.Stage{Key: row.Key, Label: row.Label, Exit: exit})
		rowOf, lineOf = append(rowOf, k.row), append(lineOf, lines)
	}
	md.LostCriteria, lostLines = parseCriteriaLines(f.Lost)
	return md, rowOf, lineOf, lostLines
}

// place puts the service's problems next to the form fields they name.
func (f *stageForm) place(fes []tandem.FieldError, rowOf []int, lineOf [][]int, lostLines []int) {
	for _, fe := range fes {
		var i, j int
		var rest string
		switch {
		case strings.HasPrefix(fe.Path, "stages["):
			if n, _ := fmt.Sscanf(fe.Path, "stages[%d].%s", &i, &rest); n == 2 && i < len(rowOf) {
				row := &f.Rows[rowOf[i]]
				what := rest
				if n, _ := fmt.Sscanf(rest, "exit[%d]", &j); n == 1 && j < len(lineOf[i]) {
					what = fmt.Sprintf("exit criteria, line %d", lineOf[i][j])
				}
				row.Errors = append(row.Errors, what+": "+fe.Detail)
				continue
			}
			f.Problems = append(f.Problems, fe.Detail)
		case strings.HasPrefix(fe.Path, "lost_criteria["):
			if n, _ := fmt.Sscanf(fe.Path, "lost_criteria[%d]", &j); n == 1 && j < len(lostLines) {
				f.Errors["lost"] = strings.TrimSpace(f.Errors["lost"] + fmt.Sprintf(" Line %d: %s.", lostLines[j], fe.Detail))
				continue
			}
			f.Problems = append(f.Problems, fe.Detail)
		case fe.Path == "won_at":
			f.Errors["won_at"] = fe.Detail
		default:
			f.Problems = append(f.Problems, fe.Detail)
		}
	}
}

func (ui *UI) stageModelEdit(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	m, err := ui.pipe().StageModel(r.Context(), v.Actor, tandem.Motion(r.PathValue("motion")))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.renderStageModel(w, r, v, p, http.StatusOK, m, stageFormOf(m), "")
}

func (ui *UI) renderStageModel(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, m pipeline.StageModel, f stageForm, problem string) {
	var fields []option
	for _, fd := range stage.BuiltinFields() {
		fields = append(fields, option{fd.Key, fd.Label})
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/settings/stages")
	p.Title = m.Motion.Label() + " stages"
	p.Data = map[string]any{"M": m, "F": f, "Problem": problem, "Fields": fields, "Base": "/w/" + v.WorkspaceSlug + "/settings/stages",
		"CanEdit": policy.RoleAllows(v.Actor.Role, policy.Settings, policy.Update), "RowCount": len(f.Rows)}
	ui.render(w, r, status, "stage_model", p)
}

func (ui *UI) stageModelSave(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	svc := ui.pipe()
	motion := tandem.Motion(r.PathValue("motion"))
	cur, err := svc.StageModel(r.Context(), v.Actor, motion)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	f := postedForm(r, cur.Occupancy)
	if r.PostFormValue("add") != "" { // more blank rows, nothing saved
		for range blankStageRows {
			f.Rows = append(f.Rows, stageRow{N: len(f.Rows)})
		}
		ui.renderStageModel(w, r, v, p, http.StatusOK, cur, f, "")
		return
	}
	next, rowOf, lineOf, lostLines := f.model(motion)
	// Removing stages is confirmed first: say which, then save only on the second click.
	change := stage.Compare(cur.Model, next)
	if len(change.Removed) > 0 && r.PostFormValue("confirm") == "" && next.Validate() == nil {
		for _, k := range change.Removed {
			f.Removing = append(f.Removing, fmt.Sprintf("%s (%s)", cur.Label(k), k))
		}
		ui.renderStageModel(w, r, v, p, http.StatusOK, cur, f, "")
		return
	}
	_, err = svc.SaveStageModel(r.Context(), v.Actor, v.Name, motion, next, f.Version)
	switch {
	case err == nil:
		SetFlash(w, Flash{Kind: "success", Text: "The " + motion.Label() + " stages are saved (" + change.String() + "). Each opportunity's next stage change follows them."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/stages/"+url.PathEscape(string(motion)), http.StatusSeeOther)
	case tandem.KindOf(err) == tandem.KindInvalid, tandem.KindOf(err) == tandem.KindConflict && len(tandem.FieldsOf(err)) > 0:
		f.place(tandem.FieldsOf(err), rowOf, lineOf, lostLines)
		status := http.StatusUnprocessableEntity
		if tandem.KindOf(err) == tandem.KindConflict {
			status = http.StatusConflict
		}
		ui.renderStageModel(w, r, v, p, status, cur, f, tandem.MessageOf(err))
	case tandem.KindOf(err) == tandem.KindConflict:
		now, rerr := svc.StageModel(r.Context(), v.Actor, motion)
		if rerr != nil {
			ui.Error(w, r, rerr)
			return
		}
		ui.renderStageModel(w, r, v, p, http.StatusConflict, now, stageFormOf(now),
			"Someone else saved these stages a moment ago; they are shown as they are now. Make your change again.")
	default:
		ui.Error(w, r, err)
	}
}

func (ui *UI) stageModelReset(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	svc := ui.pipe()
	motion := tandem.Motion(r.PathValue("motion"))
	cur, err := svc.StageModel(r.Context(), v.Actor, motion)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	if r.PostFormValue("confirm") == "" {
		ui.renderStageModel(w, r, v, p, http.StatusUnprocessableEntity, cur, stageFormOf(cur),
			"Tick the box to confirm that the default stages replace your own.")
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = svc.ResetStageModel(r.Context(), v.Actor, v.Name, motion, version)
	switch {
	case err == nil:
		SetFlash(w, Flash{Kind: "success", Text: "The " + motion.Label() + " motion uses the default stages again."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/stages/"+url.PathEscape(string(motion)), http.StatusSeeOther)
	case tandem.KindOf(err) == tandem.KindConflict:
		f := stageFormOf(cur)
		for _, fe := range tandem.FieldsOf(err) {
			f.Problems = append(f.Problems, fe.Detail)
		}
		if now, rerr := svc.StageModel(r.Context(), v.Actor, motion); rerr == nil && now.Version != cur.Version {
			cur, f = now, stageFormOf(now)
		}
		ui.renderStageModel(w, r, v, p, http.StatusConflict, cur, f, tandem.MessageOf(err))
	default:
		ui.Error(w, r, err)
	}
}
