package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerConflicts(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/conflicts", ui.console(ui.conflictList))
	ui.handle(mux, "GET /w/{slug}/conflicts/metrics", ui.console(ui.conflictMetrics))
	ui.handle(mux, "GET /w/{slug}/conflicts/{id}", ui.console(ui.conflictDetail))
	ui.handle(mux, "POST /w/{slug}/conflicts/{id}/steps", ui.console(ui.conflictStep))
}

func (ui *UI) conflictList(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	view := r.URL.Query().Get("view")
	f := api.ConflictFilter(r)
	f.Statuses = nil
	switch view {
	case "", "open":
		view, f.Statuses = "open", []conflictcase.Status{conflictcase.Risk, conflictcase.Active}
	case "resolved":
		f.Statuses = []conflictcase.Status{conflictcase.Resolved}
	case "all":
	default:
		ui.NotFound(w, r)
		return
	}
	cs, more, err := ui.o.Conflicts.List(r.Context(), v.Actor, f, r.URL.Query().Get("after"), 50)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	next := ""
	if more && len(cs) > 0 {
		next = cs[len(cs)-1].ID
	}
	now := time.Now()
	names := ui.pipelinePartnerNames(r.Context(), v.Actor)
	rows := make([]conflictRow, len(cs))
	for i, c := range cs {
		rows[i] = conflictRow{C: c, AckLate: c.AcknowledgedAt.IsZero() && c.Open() && !now.Before(c.AckDueAt),
			PlanLate: c.Plan == "" && c.Open() && !now.Before(c.PlanDueAt), Partners: namesOf(names, c.PartnerIDs)}
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/conflicts")
	p.Title, p.Data = "Channel conflicts", map[string]any{"Rows": rows, "Next": next, "View": view, "Cause": string(f.Cause), "Causes": conflictcase.Causes}
	ui.render(w, r, http.StatusOK, "conflicts", p)
}

type conflictRow struct {
	C                 conflictcase.Case
	AckLate, PlanLate bool
	Partners          []string
}

// namesOf names each partner of ids with the page's name lookup.
func namesOf(names *partnerNames, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names.of(id)
	}
	return out
}

func (ui *UI) conflictDetail(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderConflict(w, r, v, p, http.StatusOK, "")
}

func (ui *UI) renderConflict(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, problem string) {
	c, err := ui.o.Conflicts.Get(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ws, err := ui.o.Identity.Store.WorkspaceByID(r.Context(), v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	res := policy.Resource{Kind: policy.ConflictCases, WorkspaceID: v.WorkspaceID, ID: c.ID}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/conflicts")
	p.Title = c.Summary
	p.Data = map[string]any{"C": c, "Loc": loc, "Problem": problem, "Partners": namesOf(ui.pipelinePartnerNames(r.Context(), v.Actor), c.PartnerIDs),
		"CanUpdate": c.Open() && policy.Authorize(v.Actor, policy.Update, res) == nil,
		"CanDecide": c.Open() && policy.Authorize(v.Actor, policy.Decide, res) == nil}
	ui.render(w, r, status, "conflict", p)
}

func (ui *UI) conflictStep(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	step := conflictcase.Step(r.PostFormValue("step"))
	_, err := ui.o.Conflicts.Act(r.Context(), v.Actor, v.Name, r.PathValue("id"), step, r.PostFormValue("text"), r.PostFormValue("ruling"), version)
	switch tandem.KindOf(err) {
	case "":
		done := map[conflictcase.Step]string{conflictcase.Acknowledge: "Acknowledged.", conflictcase.SetPlan: "Plan recorded.",
			conflictcase.AddNote: "Note added.", conflictcase.Resolve: "Resolved; the ruling is in the audit log."}[step]
		SetFlash(w, Flash{Kind: "success", Text: done})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/conflicts/"+r.PathValue("id"), http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		ui.renderConflict(w, r, v, p, http.StatusUnprocessableEntity, problemText(err))
	default:
		ui.Error(w, r, err)
	}
}

// conflictMetrics shows the conflict rate, causes and times, as tables with bars.
func (ui *UI) conflictMetrics(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	from, to, err := api.Period(r, time.Now())
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	m, err := ui.o.Conflicts.Metrics(r.Context(), v.Actor, from, to, ui.pipelinePartnerNames(r.Context(), v.Actor).of)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/conflicts")
	p.Title = "Conflict metrics"
	p.Data = map[string]any{"M": m, "From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly),
		"Rate": fmt.Sprintf("%.1f", m.Rate), "AckMedian": hoursText(m.AckMedian), "AckP90": hoursText(m.AckP90),
		"ResolveMedian": hoursText(m.ResolveMedian), "ResolveP90": hoursText(m.ResolveP90),
		"Dimensions": []dimension{{"By cause", m.ByCause}, {"By type", m.ByType}, {"By motion", m.ByMotion}, {"By region", m.ByRegion}, {"By partner", m.ByPartner}}}
	ui.render(w, r, http.StatusOK, "conflict_metrics", p)
}

type dimension struct {
	Title  string
	Counts []conflictcase.Count
}

func hoursText(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	if d < 48*time.Hour {
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
