package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// pipelinePage is how many opportunities the list shows at once, and boardColumn how
// many cards one stage column of the board shows.
const (
	pipelinePage = 50
	boardColumn  = 50
)

func (ui *UI) registerPipeline(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/pipeline", ui.console(ui.pipelineList))
	ui.handle(mux, "GET /w/{slug}/pipeline.csv", ui.console(ui.exportPipeline))
	ui.handle(mux, "GET /w/{slug}/pipeline/{id}", ui.console(ui.opportunityDetail))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/stage", ui.console(ui.opportunityMove))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/edit", ui.console(ui.opportunityEdit))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/attribution", ui.console(ui.opportunityAttribution))
	ui.handle(mux, "GET /w/{slug}/portal/pipeline", ui.portal(ui.portalPipeline))
	ui.handle(mux, "GET /w/{slug}/portal/pipeline/{id}", ui.portal(ui.portalOpportunity))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/notes", ui.console(ui.opportunityNote))
	ui.handle(mux, "POST /w/{slug}/portal/pipeline/{id}/notes", ui.portal(ui.portalNote))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/plan", ui.console(ui.planAdd))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/discount", ui.console(ui.discountRequest))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/renewal", ui.console(ui.renewalConfirm))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/discount/decision", ui.console(ui.discountDecision))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/price-protection", ui.console(ui.priceProtection))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/plan/template", ui.console(ui.planTemplate))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/plan/{item}", ui.console(ui.planUpdate))
	ui.handle(mux, "POST /w/{slug}/portal/pipeline/{id}/plan/{item}", ui.portal(ui.portalPlanUpdate))
	ui.registerAttachments(mux)
}

// pipe is the pipeline service the app wired in, or one over the UI's database.
func (ui *UI) pipe() *pipeline.Service {
	if ui.o.Pipeline != nil {
		return ui.o.Pipeline
	}
	return &pipeline.Service{Store: store.Pipeline{DB: ui.o.DB}, Now: time.Now}
}

// formatAmount writes hundredths as a number with two decimals and thousands
// separators ("120,000.50").
func formatAmount(minor int64) string {
	whole := strconv.FormatInt(minor/100, 10)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s.%02d", b.String(), minor%100)
}

// plainAmount writes hundredths as a plain decimal for forms and CSV ("120000.50"),
// or "" for nothing.
func plainAmount(minor int64) string {
	if minor == 0 {
		return ""
	}
	return fmt.Sprintf("%d.%02d", minor/100, minor%100)
}

// stageModels reads the workspace's stage models once for the page being answered.
func (ui *UI) stageModels(ctx context.Context, v Viewer) (pipeline.Models, error) {
	return ui.pipe().Models(ctx, v.WorkspaceID)
}

// partnerNames looks partner names up once per page.
type partnerNames struct {
	ui    *UI
	ctx   context.Context
	actor policy.Actor
	names map[string]string
}

func (ui *UI) pipelinePartnerNames(ctx context.Context, actor policy.Actor) *partnerNames {
	return &partnerNames{ui: ui, ctx: ctx, actor: actor, names: map[string]string{}}
}

func (n *partnerNames) of(id string) string {
	if id == "" {
		return ""
	}
	if s, ok := n.names[id]; ok {
		return s
	}
	s := id
	if p, err := n.ui.o.Partners.Get(n.ctx, n.actor, id); err == nil {
		s = p.Name
	}
	n.names[id] = s
	return s
}

// credit is one attribution entry as the console shows it.
type credit struct {
	PartnerID, Partner, Kind, Percent string
}

func (n *partnerNames) credits(entries []attribution.Entry) []credit {
	out := make([]credit, len(entries))
	for i, e := range entries {
		out[i] = credit{PartnerID: e.PartnerID, Partner: n.of(e.PartnerID), Kind: string(e.Kind), Percent: e.Percent.String()}
	}
	return out
}

// oppRow is an opportunity as the console list and board show it.
type oppRow struct {
	O          pipeline.Opportunity
	StageLabel string
	Amount     string
	Partners   []credit
	Next       string // key of the next stage, if any
	NextLabel  string
	Flags      pipeline.Flags
}

func (ui *UI) oppRow(n *partnerNames, ms pipeline.Models, o pipeline.Opportunity) oppRow {
	row := oppRow{O: o, StageLabel: ms.Label(o.Motion, o.Stage), Partners: n.credits(o.Attribution)}
	if o.AmountMinor > 0 {
		row.Amount = formatAmount(o.AmountMinor) + " " + o.Currency
	}
	if md, ok := ms.Model(o.Motion); ok {
		if i := md.Index(o.Stage); i >= 0 && i+1 < len(md.Stages) {
			row.Next, row.NextLabel = md.Stages[i+1].Key, md.Stages[i+1].Label
		}
	}
	return row
}

// pipelineFilter reads the list filters from the query.
func pipelineFilter(q url.Values) pipeline.Filter {
	return pipeline.Filter{Motion: tandem.Motion(strings.TrimSpace(q.Get("motion"))), Stage: strings.TrimSpace(q.Get("stage")),
		Status: pipeline.Status(strings.TrimSpace(q.Get("status"))), PartnerID: strings.TrimSpace(q.Get("partner")),
		OwnerUserID: strings.TrimSpace(q.Get("owner")), Query: strings.TrimSpace(q.Get("q")), Attention: strings.TrimSpace(q.Get("attention"))}
}

// filterQuery writes f back as query parameters, with extra pairs appended.
func filterQuery(f pipeline.Filter, extra ...string) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("motion", string(f.Motion))
	set("stage", f.Stage)
	set("status", string(f.Status))
	set("partner", f.PartnerID)
	set("owner", f.OwnerUserID)
	set("q", f.Query)
	set("attention", f.Attention)
	for i := 0; i+1 < len(extra); i += 2 {
		set(extra[i], extra[i+1])
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

type option struct{ Value, Label string }

// internalUsers lists the workspace's active internal people, who may own
// opportunities.
func (ui *UI) internalUsers(ctx context.Context, actor policy.Actor) []option {
	us, err := ui.o.Identity.ListUsers(ctx, actor)
	if err != nil {
		return nil
	}
	var out []option
	for _, u := range us {
		if u.PartnerID == "" && u.Status != identity.Deactivated {
			out = append(out, option{u.ID, u.DisplayName()})
		}
	}
	return out
}

// partnerOptions lists the workspace's partners for the filter and attribution forms.
func (ui *UI) partnerOptions(ctx context.Context, actor policy.Actor) []option {
	ps, _, err := ui.o.Partners.List(ctx, actor, partner.Filter{}, "", 500)
	if err != nil {
		return nil
	}
	out := make([]option, len(ps))
	for i, p := range ps {
		out[i] = option{p.ID, p.Name}
	}
	return out
}

func motionOptions() []option {
	out := make([]option, len(tandem.Motions))
	for i, m := range tandem.Motions {
		out[i] = option{string(m), m.Label()}
	}
	return out
}

// stageOptions lists the stages of one motion's model, or of every model (labelled
// with the motion) when m is empty.
func stageOptions(ms pipeline.Models, m tandem.Motion) []option {
	var out []option
	seen := map[string]bool{}
	for _, mo := range tandem.Motions {
		if m != "" && mo != m {
			continue
		}
		md, _ := ms.Model(mo)
		for _, s := range md.Stages {
			if seen[s.Key] {
				continue
			}
			seen[s.Key] = true
			label := s.Label
			if m == "" {
				label = mo.Label() + ": " + s.Label
			}
			out = append(out, option{s.Key, label})
		}
	}
	return append(out, option{stage.Lost, "Closed – lost"})
}

// column is one stage of the board.
type column struct {
	Key, Label string
	Rows       []oppRow
	More       bool
	ListURL    string
}

func (ui *UI) pipelineList(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	q := r.URL.Query()
	f := pipelineFilter(q)
	svc := ui.pipe()
	names := ui.pipelinePartnerNames(r.Context(), v.Actor)
	base := "/w/" + v.WorkspaceSlug + "/pipeline"
	board := q.Get("view") == "board"
	set, err := svc.Settings(r.Context(), v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ms, err := ui.stageModels(r.Context(), v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	now := svc.Now()
	flagged := func(row oppRow) oppRow {
		row.Flags = pipeline.FlagsAt(row.O, set, now)
		return row
	}
	data := map[string]any{"Attention": []option{{pipeline.AttentionStale, "No update for " + strconv.Itoa(set.FreshnessDays) + " days"},
		{pipeline.AttentionFollowUp, "Meeting follow-up overdue"}}, "F": f, "Board": board, "Base": base, "Motions": motionOptions(), "Stages": stageOptions(ms, f.Motion),
		"Owners": ui.internalUsers(r.Context(), v.Actor), "Partners": ui.partnerOptions(r.Context(), v.Actor),
		"Statuses": []option{{"open", "Open"}, {"won", "Won"}, {"lost", "Lost"}},
		"CanMove":  policy.RoleAllows(v.Actor.Role, policy.Opportunities, policy.Update),
		"CSV":      base + ".csv" + filterQuery(f), "ListURL": base + filterQuery(f), "BoardURL": base + filterQuery(f, "view", "board")}
	if board {
		if f.Motion == "" {
			f.Motion = tandem.MotionReferral
		}
		md, ok := ms.Model(f.Motion)
		if !ok {
			ui.Error(w, r, tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "motion", Detail: "is not a motion"}))
			return
		}
		back := base + filterQuery(f, "view", "board")
		var cols []column
		for _, s := range md.Stages {
			cf := f
			cf.Stage = s.Key
			os, more, err := svc.ListOpportunities(r.Context(), v.Actor, cf, "", boardColumn)
			if err != nil {
				ui.Error(w, r, err)
				return
			}
			c := column{Key: s.Key, Label: s.Label, More: more, ListURL: base + filterQuery(cf)}
			for _, o := range os {
				c.Rows = append(c.Rows, flagged(ui.oppRow(names, ms, o)))
			}
			cols = append(cols, c)
		}
		data["Columns"], data["Back"], data["BoardMotion"] = cols, back, f.Motion
		data["Stages"] = stageOptions(ms, f.Motion)
		p.Title = "Pipeline board: " + f.Motion.Label()
	} else {
		os, more, err := svc.ListOpportunities(r.Context(), v.Actor, f, q.Get("after"), pipelinePage)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		rows := make([]oppRow, len(os))
		for i, o := range os {
			rows[i] = flagged(ui.oppRow(names, ms, o))
		}
		if more && len(os) > 0 {
			data["Next"] = base + filterQuery(f, "after", os[len(os)-1].ID)
		}
		data["Rows"] = rows
		p.Title = "Pipeline"
	}
	ui.pipelineExtras(r, v, data)
	p.Data = data
	ui.render(w, r, http.StatusOK, "pipeline", p)
}

// pipelineCSVHeader names the columns of a pipeline export.
var pipelineCSVHeader = []string{"id", "name", "account", "motion", "stage", "status", "amount", "currency", "close_on", "owner",
	"next_step", "partners", "last_activity_at"}

// exportPipeline downloads the filtered list as CSV, every cell formula-safe.
func (ui *UI) exportPipeline(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	if err := policy.Authorize(v.Actor, policy.Export, policy.Resource{Kind: policy.Opportunities, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	svc, f := ui.pipe(), pipelineFilter(r.URL.Query())
	// Check the filter before the download starts, so that a bad one is a page.
	first, more, err := svc.ListOpportunities(r.Context(), v.Actor, f, "", 500)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	names := ui.pipelinePartnerNames(r.Context(), v.Actor)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="pipeline.csv"`)
	cw, err := csvimport.NewWriter(w, pipelineCSVHeader, csvimport.WriterOptions{})
	if err != nil {
		return
	}
	os := first
	for {
		for _, o := range os {
			var ps []string
			for _, c := range names.credits(o.Attribution) {
				ps = append(ps, fmt.Sprintf("%s (%s %s%%)", c.Partner, c.Kind, c.Percent))
			}
			if err := cw.Write([]string{o.ID, o.Name, o.AccountName, string(o.Motion), o.Stage, string(o.Status), plainAmount(o.AmountMinor),
				o.Currency, o.CloseOn, o.OwnerName, o.NextStep, strings.Join(ps, "; "), o.LastActivityAt.UTC().Format(time.RFC3339)}); err != nil {
				return
			}
		}
		if !more || len(os) == 0 {
			break
		}
		if os, more, err = svc.ListOpportunities(r.Context(), v.Actor, f, os[len(os)-1].ID, 500); err != nil {
			ui.o.Logger.ErrorContext(r.Context(), "pipeline export failed", "error", err.Error())
			return
		}
	}
	if err := cw.Flush(); err != nil {
		ui.o.Logger.ErrorContext(r.Context(), "pipeline export failed", "error", err.Error())
	}
}

// missingItem is one refused exit criterion with how to fill it in, if it can be.
type missingItem struct {
	Path, Detail string
	// Input says which control fills it: amount, currency, date, owner, text,
	// textarea, attribution (the attribution form below), milestone (the plan
	// below), attachment (the attachments below, with Key the kind to attach) or ""
	// (not recordable yet).
	Input, Name, Label string
	Key                string
}

// fieldLabel is the built-in label of an opportunity field.
func fieldLabel(key string) string {
	for _, f := range stage.BuiltinFields() {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

func missingItems(fes []tandem.FieldError) []missingItem {
	out := make([]missingItem, 0, len(fes))
	for _, fe := range fes {
		it := missingItem{Path: fe.Path, Detail: fe.Detail, Label: fieldLabel(fe.Path)}
		switch fe.Path {
		case "amount":
			it.Input, it.Name = "amount", "amount"
		case "currency":
			it.Input, it.Name = "currency", "currency"
		case "close_date":
			it.Input, it.Name = "date", "close_on"
		case "owner":
			it.Input, it.Name = "owner", "owner_user_id"
		case "next_step":
			it.Input, it.Name = "textarea", "next_step"
		case "attribution":
			it.Input = "attribution"
		default:
			if strings.HasPrefix(fe.Path, "milestones.") {
				it.Input = "milestone"
				break
			}
			if key, ok := strings.CutPrefix(fe.Path, "attachments."); ok {
				it.Input, it.Key = "attachment", key
				break
			}
			for _, k := range pipeline.DetailFields() {
				if k == fe.Path {
					it.Input, it.Name = "text", "f_"+k
					if k == "use_case" || k == "success_criteria" || k == "loss_reason" {
						it.Input = "textarea"
					}
				}
			}
		}
		out = append(out, it)
	}
	return out
}

// detailState is what a re-rendered detail page carries from the request that failed.
type detailState struct {
	status  int
	problem string
	// A refused move: where to, the note typed and what is missing.
	moveTo, note string
	missing      []missingItem
	// Edits that were refused, with their field errors.
	form   map[string]string
	errors map[string]string
	// An attribution change that was refused.
	attrRows   []credit
	attrReason string
	attrErrors []tandem.FieldError
	// A note that was refused, with its field errors.
	noteForm   pipeline.NoteInput
	noteErrors map[string]string
	// A plan change that was refused, with its field errors.
	planErrors []tandem.FieldError
	// A pricing change that was refused, with its field errors.
	pricingErrors []tandem.FieldError
	// An upload that was refused: the form as typed and its field errors.
	attachForm   *attachmentForm
	attachErrors map[string]string
}

func (ui *UI) opportunityDetail(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusOK})
}

// stageStep is one stage of the model as the detail page draws it.
type stageStep struct {
	Key, Label      string
	Current, Passed bool
	Exit            []string
}

// historyRow is one stage change with how long the opportunity had stayed before.
type historyRow struct {
	C             pipeline.StageChange
	FromLabel, To string
	Stayed        string
}

func durationText(d time.Duration) string {
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " d"
}

func (ui *UI) renderOpportunity(w http.ResponseWriter, r *http.Request, v Viewer, p Page, st detailState) {
	ctx := r.Context()
	svc := ui.pipe()
	o, err := svc.Opportunity(ctx, v.Actor, r.PathValue("id"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	hist, err := svc.StageHistory(ctx, v.Actor, o.ID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	notes, err := svc.Notes(ctx, v.Actor, o.ID)
	if err != nil && tandem.KindOf(err) != tandem.KindForbidden {
		ui.Error(w, r, err)
		return
	}
	set, err := svc.Settings(ctx, v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	flags := pipeline.FlagsAt(o, set, svc.Now())
	plan, err := svc.Plan(ctx, v.Actor, o.ID)
	if err != nil && tandem.KindOf(err) != tandem.KindForbidden {
		ui.Error(w, r, err)
		return
	}
	names := ui.pipelinePartnerNames(ctx, v.Actor)
	ms, err := ui.stageModels(ctx, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	md, _ := ms.Model(o.Motion)
	if len(set.PricingConfig().Bands) > 0 {
		md = pipeline.GuardDiscount(md)
	}
	cur := md.Index(o.Stage)
	var steps []stageStep
	for i, s := range md.Stages {
		step := stageStep{Key: s.Key, Label: s.Label, Current: s.Key == o.Stage, Passed: cur >= 0 && i < cur}
		for _, c := range s.Exit {
			step.Exit = append(step.Exit, c.Text())
		}
		steps = append(steps, step)
	}
	var lostNeeds []string
	for _, c := range md.LostCriteria {
		lostNeeds = append(lostNeeds, c.Text())
	}
	rows := make([]historyRow, len(hist))
	for i, h := range hist {
		rows[i] = historyRow{C: h, FromLabel: ms.Label(o.Motion, h.From), To: ms.Label(o.Motion, h.To)}
		if i > 0 {
			rows[i].Stayed = durationText(h.At.Sub(hist[i-1].At))
		}
	}
	// The activity (with the notes written beside stage changes and the reasons for
	// credit changes) comes from the audit log, for those who may read it.
	var activity []audit.Entry
	if policy.RoleAllows(v.Actor.Role, policy.AuditLog, policy.List) {
		activity, _, err = ui.o.DB.ListAudit(ctx, v.WorkspaceID, audit.Filter{SubjectType: "opportunity", SubjectID: o.ID}, store.Page{Limit: 100})
		if err != nil {
			ui.Error(w, r, err)
			return
		}
	}
	form := st.form
	if form == nil {
		form = map[string]string{"name": o.Name, "amount": plainAmount(o.AmountMinor), "currency": o.Currency, "close_on": o.CloseOn,
			"owner_user_id": o.OwnerUserID, "next_step": o.NextStep, "kind": string(o.Kind), "renewal_on": o.RenewalOn}
		for k, val := range o.Details {
			form["f_"+k] = val
		}
	}
	var details []option
	for _, k := range pipeline.DetailFields() {
		details = append(details, option{k, fieldLabel(k)})
	}
	attrRows := st.attrRows
	if attrRows == nil {
		attrRows = names.credits(o.Attribution)
	}
	attrRows = append(attrRows, credit{Kind: string(attribution.Influenced)}) // one empty row to add a partner
	row := ui.oppRow(names, ms, o)
	canEdit := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Opportunities, WorkspaceID: v.WorkspaceID, ID: o.ID, Partners: o.Partners()}) == nil
	canCredit := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Attribution, WorkspaceID: v.WorkspaceID, ID: o.ID, Partners: o.Partners()}) == nil
	var moveTo []option
	for _, s := range md.Stages {
		if s.Key != o.Stage {
			moveTo = append(moveTo, option{s.Key, s.Label})
		}
	}
	if o.Stage != stage.Lost && !md.Won(o.Stage) {
		moveTo = append(moveTo, option{stage.Lost, "Closed – lost"})
	}
	selected := st.moveTo
	if selected == "" {
		selected = row.Next
	}
	noteRes := func(k policy.Kind) bool {
		return policy.Authorize(v.Actor, policy.Create, policy.Resource{Kind: k, WorkspaceID: v.WorkspaceID}) == nil
	}
	noteForm := st.noteForm
	if noteForm.Visibility == "" {
		noteForm.Visibility = pipeline.Internal
	}
	// A refused move that misses a document opens the attachment form on its kind.
	wanted := ""
	for _, m := range st.missing {
		if m.Input == "attachment" && wanted == "" {
			wanted = m.Key
		}
	}
	attach, err := ui.attachmentSection(r, v, o, md, st.attachForm, st.attachErrors, wanted)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/pipeline")
	p.Title = o.Name
	data := map[string]any{"O": o, "Row": row, "Steps": steps, "LostNeeds": lostNeeds, "History": rows, "Activity": activity,
		"Base": "/w/" + v.WorkspaceSlug + "/pipeline", "Problem": st.problem, "MoveTo": moveTo, "Selected": selected, "Note": st.note,
		"Missing": st.missing, "MissingTo": ms.Label(o.Motion, st.moveTo), "Form": form, "Errors": st.errors, "Details": details,
		"Owners": ui.internalUsers(ctx, v.Actor), "Partners": ui.partnerOptions(ctx, v.Actor), "AttrRows": attrRows,
		"AttrReason": st.attrReason, "AttrErrors": st.attrErrors, "CanEdit": canEdit, "CanCredit": canCredit,
		"RegBase": "/w/" + v.WorkspaceSlug + "/registrations", "MotionLabel": o.Motion.Label(), "StageLabel": ms.Label(o.Motion, o.Stage),
		"Notes": notes, "Flags": flags, "Settings": set, "CanNoteInternal": noteRes(policy.InternalNotes), "CanNoteShared": noteRes(policy.PartnerNotes),
		"NoteForm": noteForm, "NoteErrors": st.noteErrors, "Plan": ui.planRows(names, plan, svc.Now()), "PlanErrors": st.planErrors,
		"CanPlan":    policy.Authorize(v.Actor, policy.Create, policy.Resource{Kind: policy.PlanItems, WorkspaceID: v.WorkspaceID}) == nil,
		"PlanOwners": ui.planOwners(ctx, v.Actor, names, o), "Statuses": milestoneStatuses, "HasTemplate": len(set.Templates()[string(o.Motion)]) > 0,
		"MayApprove": pipeline.MayApprove(v.Actor, o.Pricing), "PricingErrors": st.pricingErrors}
	for k, val := range attach {
		data[k] = val
	}
	p.Data = data
	ui.render(w, r, st.status, "pipeline_opportunity", p)
}

// safeBack returns the page to go back to after a move from the list or board, or
// the opportunity's page.
func safeBack(v Viewer, back, id string) string {
	base := "/w/" + v.WorkspaceSlug + "/pipeline"
	if (back == base || strings.HasPrefix(back, base+"?")) && !strings.ContainsAny(back, "\\\r\n") {
		return back
	}
	return base + "/" + id
}

func (ui *UI) opportunityMove(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	to, note := r.PostFormValue("to"), r.PostFormValue("note")
	o, err := ui.pipe().MoveStage(r.Context(), v.Actor, v.Name, r.PathValue("id"), pipeline.StageMove{To: to, Version: version, Note: note})
	ui.afterMove(w, r, v, p, o, err, to, note, r.PostFormValue("back"), "")
}

// afterMove redirects after a stage move, or shows the opportunity with what is
// missing (or what changed meanwhile).
func (ui *UI) afterMove(w http.ResponseWriter, r *http.Request, v Viewer, p Page, o pipeline.Opportunity, err error, to, note, back, saved string) {
	switch tandem.KindOf(err) {
	case "":
		label := o.Stage
		if ms, err := ui.stageModels(r.Context(), v); err == nil {
			label = ms.Label(o.Motion, o.Stage)
		}
		SetFlash(w, Flash{Kind: "success", Text: saved + o.Name + " moved to " + label + "."})
		http.Redirect(w, r, safeBack(v, back, o.ID), http.StatusSeeOther)
	case tandem.KindInvalid:
		st := detailState{status: http.StatusUnprocessableEntity, moveTo: to, note: note, problem: saved + tandem.MessageOf(err)}
		for _, fe := range tandem.FieldsOf(err) {
			if fe.Path == "to" || fe.Path == "from" || fe.Path == "version" {
				st.problem += " " + fe.Detail + "."
				continue
			}
			st.missing = append(st.missing, missingItems([]tandem.FieldError{fe})...)
		}
		ui.renderOpportunity(w, r, v, p, st)
	case tandem.KindConflict:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusConflict, moveTo: to, note: note,
			problem: "Someone else changed this opportunity a moment ago; it is shown as it is now. Check it and move it again."})
	default:
		ui.Error(w, r, err)
	}
}

// editInput reads the edit form: only the fields the form carries change.
func editInput(r *http.Request) (pipeline.OpportunityInput, map[string]string, error) {
	_ = r.ParseForm()
	in := pipeline.OpportunityInput{Fields: map[string]string{}}
	form := map[string]string{}
	has := func(k string) (*string, bool) {
		vals, ok := r.PostForm[k]
		if !ok || len(vals) == 0 {
			return nil, false
		}
		s := vals[0]
		form[k] = s
		return &s, true
	}
	in.Name, _ = has("name")
	in.CloseOn, _ = has("close_on")
	in.OwnerUserID, _ = has("owner_user_id")
	in.NextStep, _ = has("next_step")
	in.Kind, _ = has("kind")
	in.RenewalOn, _ = has("renewal_on")
	if c, ok := has("currency"); ok {
		in.Currency = c
	}
	var amountErr error
	if a, ok := has("amount"); ok {
		var v int64
		if strings.TrimSpace(*a) != "" {
			var err error
			if v, err = registration.ParseAmount(*a); err != nil {
				amountErr = tandem.Invalid("The opportunity is not valid.", tandem.FieldError{Path: "amount", Detail: err.Error()})
			}
		}
		in.AmountMinor = &v
	}
	for _, k := range pipeline.DetailFields() {
		if s, ok := has("f_" + k); ok {
			in.Fields[k] = *s
		}
	}
	return in, form, amountErr
}

// editErrors maps the service's field paths to the edit form's names.
func editErrors(err error) map[string]string {
	out := map[string]string{}
	for _, fe := range tandem.FieldsOf(err) {
		k := fe.Path
		switch {
		case strings.HasPrefix(k, "fields."):
			k = "f_" + strings.TrimPrefix(k, "fields.")
		case k == "close_date":
			k = "close_on"
		case k == "owner":
			k = "owner_user_id"
		}
		out[k] = fe.Detail
	}
	return out
}

// opportunityEdit saves the edit form, or the fill-in form of a refused move, and
// then, when the form says where to, moves the opportunity again.
func (ui *UI) opportunityEdit(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	in, form, err := editInput(r)
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	to, note := strings.TrimSpace(r.PostFormValue("move_to")), r.PostFormValue("note")
	svc := ui.pipe()
	var o pipeline.Opportunity
	if err == nil {
		o, err = svc.UpdateOpportunity(r.Context(), v.Actor, v.Name, id, version, in)
	}
	switch tandem.KindOf(err) {
	case "":
	case tandem.KindInvalid:
		st := detailState{status: http.StatusUnprocessableEntity, form: form, errors: editErrors(err), moveTo: to, note: note,
			problem: "Nothing was saved: " + tandem.MessageOf(err) + " Please correct the fields marked below."}
		if to != "" {
			// Keep the fill-in form: what was missing is still missing.
			if cur, gerr := svc.Opportunity(r.Context(), v.Actor, id); gerr == nil {
				st.missing = ui.stillMissing(r.Context(), v, cur, to)
			}
		}
		ui.renderOpportunity(w, r, v, p, st)
		return
	case tandem.KindConflict:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusConflict, moveTo: to, note: note,
			problem: "Someone else changed this opportunity a moment ago; nothing was saved. It is shown as it is now: apply your change again."})
		return
	default:
		ui.Error(w, r, err)
		return
	}
	if to == "" {
		SetFlash(w, Flash{Kind: "success", Text: "Saved."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id, http.StatusSeeOther)
		return
	}
	moved, err := svc.MoveStage(r.Context(), v.Actor, v.Name, id, pipeline.StageMove{To: to, Version: o.Version, Note: note})
	ui.afterMove(w, r, v, p, moved, err, to, note, "", "Saved. ")
}

// stillMissing returns what a move of o to `to` still misses, by the rule the service
// applies (pipeline.Service.Missing), so that a fill-in form refused for a bad value
// keeps listing what the move needs.
func (ui *UI) stillMissing(ctx context.Context, _ Viewer, o pipeline.Opportunity, to string) []missingItem {
	fes, err := ui.pipe().Missing(ctx, o, to)
	if err != nil {
		return nil
	}
	return missingItems(fes)
}

// opportunityAttribution replaces the partners credited on the opportunity; a reason
// is required and audited.
func (ui *UI) opportunityAttribution(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	ids, kinds, pcts := r.PostForm["partner_id"], r.PostForm["kind"], r.PostForm["percent"]
	var entries []attribution.Entry
	var rows []credit
	var probs tandem.Problems
	for i, id := range ids {
		id = strings.TrimSpace(id)
		kind, pct := "", ""
		if i < len(kinds) {
			kind = kinds[i]
		}
		if i < len(pcts) {
			pct = strings.TrimSpace(pcts[i])
		}
		if id == "" {
			continue // an empty row adds nobody
		}
		e := attribution.Entry{PartnerID: id, Kind: attribution.Kind(kind)}
		if pc, err := attribution.ParsePercent(strings.TrimSuffix(pct, "%")); err != nil {
			probs.Add(fmt.Sprintf("%s[%d].percent", attribution.Path, len(entries)), "%s", err.Error())
		} else {
			e.Percent = pc
		}
		entries = append(entries, e)
		rows = append(rows, credit{PartnerID: id, Kind: kind, Percent: pct})
	}
	reason := r.PostFormValue("reason")
	err := probs.Err("The attribution is not valid.")
	if err == nil {
		_, err = ui.pipe().SetAttribution(r.Context(), v.Actor, v.Name, r.PathValue("id"), pipeline.AttributionChange{Entries: entries, Reason: reason, Version: version})
	}
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Attribution saved."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+r.PathValue("id")+"#attribution", http.StatusSeeOther)
	case tandem.KindInvalid:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusUnprocessableEntity, problem: "The attribution was not saved: " + tandem.MessageOf(err),
			attrRows: rows, attrReason: reason, attrErrors: attributionErrors(err, rows)})
	case tandem.KindConflict:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusConflict,
			problem: "Someone else changed this opportunity a moment ago; the attribution was not saved. It is shown as it is now: apply your change again."})
	default:
		ui.Error(w, r, err)
	}
}

// attributionErrors rewrites "attribution[1].percent" as "Row 2 (percent)" so that
// people can find it in the form.
func attributionErrors(err error, rows []credit) []tandem.FieldError {
	var out []tandem.FieldError
	for _, fe := range tandem.FieldsOf(err) {
		path := fe.Path
		if rest, ok := strings.CutPrefix(path, attribution.Path+"["); ok {
			if i, tail, ok := strings.Cut(rest, "]"); ok {
				if n, aerr := strconv.Atoi(i); aerr == nil {
					path = "Row " + strconv.Itoa(n+1) + " " + strings.TrimPrefix(tail, ".")
					if n < len(rows) {
						path += " (" + rows[n].PartnerID + ")"
					}
				}
			}
		} else if path == attribution.Path {
			path = "Total"
		}
		out = append(out, tandem.FieldError{Path: strings.ReplaceAll(path, "_", " "), Detail: fe.Detail})
	}
	return out
}

// milestoneStatuses are the statuses a plan milestone can have, for the forms.
var milestoneStatuses = []option{{"open", "Open"}, {"in_progress", "In progress"}, {"done", "Done"}}

// planRow is a milestone as the console shows it.
type planRow struct {
	M       pipeline.Milestone
	Owner   string
	Overdue bool
}

func (ui *UI) planRows(n *partnerNames, ms []pipeline.Milestone, now time.Time) []planRow {
	out := make([]planRow, len(ms))
	for i, m := range ms {
		owner := m.OwnerName
		if m.OwnerSide == pipeline.SidePartner {
			org := n.of(m.OwnerPartnerID)
			if owner == "" {
				owner = org
			} else {
				owner += " (" + org + ")"
			}
		}
		if owner == "" {
			owner = "Nobody yet"
		}
		out[i] = planRow{M: m, Owner: owner, Overdue: m.Overdue(now)}
	}
	return out
}

// planOwners lists who may own a milestone: the vendor's people and the partners
// credited on the opportunity, as "vendor:<user>" and "partner:<partner>".
func (ui *UI) planOwners(ctx context.Context, actor policy.Actor, n *partnerNames, o pipeline.Opportunity) []option {
	var out []option
	for _, u := range ui.internalUsers(ctx, actor) {
		out = append(out, option{"vendor:" + u.Value, u.Label + " (your team)"})
	}
	for _, id := range o.Partners() {
		out = append(out, option{"partner:" + id, n.of(id) + " (partner)"})
	}
	return out
}

// planFailed shows the opportunity again with the plan's errors, or the error page.
func (ui *UI) planFailed(w http.ResponseWriter, r *http.Request, v Viewer, p Page, err error) {
	switch tandem.KindOf(err) {
	case tandem.KindInvalid:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusUnprocessableEntity, planErrors: tandem.FieldsOf(err),
			problem: "The plan was not changed: " + tandem.MessageOf(err)})
	case tandem.KindConflict:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusConflict,
			problem: "Someone else changed this milestone a moment ago; it is shown as it is now. Apply your change again."})
	default:
		ui.Error(w, r, err)
	}
}

// planAdd adds a milestone to the opportunity's plan.
func (ui *UI) planAdd(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	title, key, due := r.PostFormValue("title"), r.PostFormValue("key"), r.PostFormValue("due_on")
	in := pipeline.MilestoneInput{Title: &title, Key: &key, DueOn: &due}
	side, who, _ := strings.Cut(r.PostFormValue("owner"), ":")
	switch side {
	case pipeline.SideVendor:
		in.OwnerSide, in.OwnerUserID = &side, &who
	case pipeline.SidePartner:
		in.OwnerSide, in.OwnerPartnerID = &side, &who
	}
	if _, err := ui.pipe().AddMilestone(r.Context(), v.Actor, v.Name, id, in); err != nil {
		ui.planFailed(w, r, v, p, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: "Milestone added to the plan."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id+"#plan", http.StatusSeeOther)
}

// planTemplate adds the motion's template milestones the plan lacks.
func (ui *UI) planTemplate(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	added, err := ui.pipe().ApplyTemplate(r.Context(), v.Actor, v.Name, id)
	if err != nil {
		ui.planFailed(w, r, v, p, err)
		return
	}
	text := "The plan already has every milestone of the template."
	if len(added) > 0 {
		text = strconv.Itoa(len(added)) + " milestones added from the template."
	}
	SetFlash(w, Flash{Kind: "success", Text: text})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id+"#plan", http.StatusSeeOther)
}

// planUpdate changes a milestone's status (and due date, when the form sends one).
func (ui *UI) planUpdate(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	status := r.PostFormValue("status")
	in := pipeline.MilestoneInput{Status: &status}
	if due, ok := r.PostForm["due_on"]; ok && len(due) > 0 {
		in.DueOn = &due[0]
	}
	if _, err := ui.pipe().UpdateMilestone(r.Context(), v.Actor, v.Name, id, r.PathValue("item"), version, in); err != nil {
		ui.planFailed(w, r, v, p, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: "Milestone updated."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id+"#plan", http.StatusSeeOther)
}

// portalPlanUpdate lets the partner change the status of a milestone its
// organisation owns.
func (ui *UI) portalPlanUpdate(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	status := r.PostFormValue("status")
	_, err := ui.pipe().UpdateMilestone(r.Context(), v.Actor, v.Name, id, r.PathValue("item"), version, pipeline.MilestoneInput{Status: &status})
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Plan item updated."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/portal/pipeline/"+id+"#plan", http.StatusSeeOther)
	case tandem.KindInvalid, tandem.KindConflict:
		msg := tandem.MessageOf(err)
		for _, fe := range tandem.FieldsOf(err) {
			msg += " " + fe.Path + " " + fe.Detail + "."
		}
		ui.renderPortalOpportunity(w, r, v, p, http.StatusUnprocessableEntity, portalState{planError: msg})
	default:
		ui.Error(w, r, err)
	}
}

// renewalConfirm records who owns the renewal (and the partner carrying it).
func (ui *UI) renewalConfirm(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err := ui.pipe().ConfirmRenewal(r.Context(), v.Actor, v.Name, id, pipeline.RenewalConfirmation{OwnerUserID: r.PostFormValue("owner_user_id"),
		PartnerID: r.PostFormValue("partner_id"), Version: version})
	ui.pricingDone(w, r, v, p, id, "Renewal ownership confirmed.", err)
}

// pricingDone redirects to the pricing section after a change, or shows the page
// again with what was refused.
func (ui *UI) pricingDone(w http.ResponseWriter, r *http.Request, v Viewer, p Page, id, text string, err error) {
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: text})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id+"#pricing", http.StatusSeeOther)
	case tandem.KindInvalid:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusUnprocessableEntity, pricingErrors: tandem.FieldsOf(err),
			problem: "Nothing was changed: " + tandem.MessageOf(err)})
	case tandem.KindConflict:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusConflict, problem: tandem.MessageOf(err) + " It is shown as it is now."})
	default:
		ui.Error(w, r, err)
	}
}

// discountRequest asks for a discount, checked against the workspace's bands.
func (ui *UI) discountRequest(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	pct, err := attribution.ParsePercent(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("discount")), "%"))
	var o pipeline.Opportunity
	if err != nil {
		err = tandem.Invalid("The discount cannot be asked for.", tandem.FieldError{Path: "discount", Detail: err.Error()})
	} else {
		o, err = ui.pipe().RequestDiscount(r.Context(), v.Actor, v.Name, id, pipeline.DiscountRequest{Discount: pct, Reason: r.PostFormValue("reason"), Version: version})
	}
	text := "Discount recorded."
	switch o.Pricing.Status {
	case pipeline.DiscountWithin:
		text = "The discount is within the band and granted."
	case pipeline.DiscountPending:
		text = "The discount is outside the band; the approvers were asked."
	}
	ui.pricingDone(w, r, v, p, id, text, err)
}

// discountDecision approves or declines the pending discount.
func (ui *UI) discountDecision(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	approve := r.PostFormValue("decision") == "approve"
	o, err := ui.pipe().DecideDiscount(r.Context(), v.Actor, v.Name, id, pipeline.DiscountDecision{Approve: approve, Reason: r.PostFormValue("reason"), Version: version})
	ui.pricingDone(w, r, v, p, id, "Discount "+string(o.Pricing.Status)+".", err)
}

// priceProtection turns price protection on (with dates and discount) or off.
func (ui *UI) priceProtection(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	pp := pricing.Protection{Enabled: r.PostFormValue("enabled") == "on"}
	var probs tandem.Problems
	if pp.Enabled {
		for _, f := range []struct {
			name string
			dst  *time.Time
		}{{"from", &pp.From}, {"until", &pp.Until}} {
			if val := strings.TrimSpace(r.PostFormValue(f.name)); val != "" {
				d, err := time.Parse(time.DateOnly, val)
				if err != nil {
					probs.Add("price_protection."+f.name, "must be a date written YYYY-MM-DD")
				}
				*f.dst = d
			}
		}
		if val := strings.TrimSpace(r.PostFormValue("discount")); val != "" {
			pct, err := attribution.ParsePercent(strings.TrimSuffix(val, "%"))
			if err != nil {
				probs.Add("price_protection.discount", "%s", err.Error())
			}
			pp.Discount = pct
		}
	}
	err := probs.Err("The price protection is not valid.")
	if err == nil {
		_, err = ui.pipe().SetPriceProtection(r.Context(), v.Actor, v.Name, id, pp, version)
	}
	ui.pricingDone(w, r, v, p, id, "Price protection saved.", err)
}

// noteInput reads the note form.
func noteInput(r *http.Request) pipeline.NoteInput {
	return pipeline.NoteInput{Body: r.PostFormValue("body"), Visibility: pipeline.Visibility(r.PostFormValue("visibility")),
		Kind: pipeline.NoteKind(r.PostFormValue("kind"))}
}

func noteErrors(err error) map[string]string {
	out := map[string]string{}
	for _, fe := range tandem.FieldsOf(err) {
		out[fe.Path] = fe.Detail
	}
	return out
}

// opportunityNote writes a note (internal or shared, an update or a meeting) on the
// opportunity.
func (ui *UI) opportunityNote(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	in := noteInput(r)
	id := r.PathValue("id")
	n, err := ui.pipe().AddNote(r.Context(), v.Actor, v.Name, id, in)
	switch tandem.KindOf(err) {
	case "":
		text := "Internal note saved."
		if n.Visibility == pipeline.Shared {
			text = "Note saved and shared with the partners on this opportunity."
		}
		if !n.FollowUpDueAt.IsZero() {
			text += " Follow-up due by " + n.FollowUpDueAt.Format("Mon 2 Jan 15:04") + " UTC."
		}
		SetFlash(w, Flash{Kind: "success", Text: text})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id+"#notes", http.StatusSeeOther)
	case tandem.KindInvalid:
		ui.renderOpportunity(w, r, v, p, detailState{status: http.StatusUnprocessableEntity, noteForm: in, noteErrors: noteErrors(err),
			problem: "The note was not saved: " + tandem.MessageOf(err)})
	default:
		ui.Error(w, r, err)
	}
}

// ---- Partner portal ----

// portalOpp is an opportunity as the partner sees it: the safe view, with the stage
// named by its label.
type portalOpp struct {
	V          pipeline.PartnerView
	StageLabel string
	Motion     string
	Kind       string // the kind's label
}

func toPortalOpp(ms pipeline.Models, o pipeline.Opportunity) portalOpp {
	pv := pipeline.ToPartnerView(o)
	return portalOpp{V: pv, StageLabel: ms.Label(tandem.Motion(pv.Motion), pv.Stage), Motion: tandem.Motion(pv.Motion).Label(), Kind: pipeline.KindLabel(pv.Kind)}
}

func (ui *UI) portalPipeline(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	q := r.URL.Query()
	f := pipeline.Filter{Query: strings.TrimSpace(q.Get("q"))}
	os, more, err := ui.pipe().ListOpportunities(r.Context(), v.Actor, f, q.Get("after"), pipelinePage)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ms, err := ui.stageModels(r.Context(), v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	views := make([]portalOpp, len(os))
	for i, o := range os {
		views[i] = toPortalOpp(ms, o)
	}
	next := ""
	if more && len(os) > 0 {
		next = "?" + url.Values{"q": {f.Query}, "after": {os[len(os)-1].ID}}.Encode()
	}
	p.Title, p.Data = "Shared pipeline", map[string]any{"Opps": views, "Next": next, "Q": f.Query, "Base": "/w/" + v.WorkspaceSlug + "/portal/pipeline"}
	ui.render(w, r, http.StatusOK, "portal_pipeline", p)
}

func (ui *UI) portalOpportunity(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderPortalOpportunity(w, r, v, p, http.StatusOK, portalState{})
}

// portalState is what a re-rendered portal opportunity page carries from the request
// that failed.
type portalState struct {
	noteBody, noteError, planError string
	// An upload that was refused: the form as typed, its field errors and a
	// problem that belongs to no field.
	attachForm    *attachmentForm
	attachErrors  map[string]string
	attachProblem string
}

// renderPortalOpportunity shows the partner one opportunity in its safe view, with
// the shared notes and, after a refused note, what was typed and why.
func (ui *UI) renderPortalOpportunity(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, st portalState) {
	svc := ui.pipe()
	o, err := svc.Opportunity(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ms, err := ui.stageModels(r.Context(), v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	view := toPortalOpp(ms, o)
	var credits []pipeline.PartnerCreditView
	if policy.RoleAllows(v.Actor.Role, policy.Attribution, policy.Read) {
		_, entries, err := svc.Attribution(r.Context(), v.Actor, o.ID)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		credits = pipeline.ToPartnerCredits(o, entries)
	}
	// Only what the safe view holds leaves this function: the stage model is public
	// to the partner (it is the motion's), the record is not.
	md, _ := ms.Model(tandem.Motion(view.V.Motion))
	cur := md.Index(view.V.Stage)
	var steps []stageStep
	for i, s := range md.Stages {
		steps = append(steps, stageStep{Key: s.Key, Label: s.Label, Current: s.Key == view.V.Stage, Passed: cur >= 0 && i < cur})
	}
	// The partner's own plan items, in their safe view.
	var plan []pipeline.PartnerMilestoneView
	if policy.RoleAllows(v.Actor.Role, policy.PlanItems, policy.List) {
		ms, err := svc.Plan(r.Context(), v.Actor, o.ID)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		plan = pipeline.ToPartnerMilestones(ms)
	}
	// Shared notes only, in their safe view.
	var notes []pipeline.PartnerNoteView
	if policy.RoleAllows(v.Actor.Role, policy.PartnerNotes, policy.List) {
		ns, err := svc.Notes(r.Context(), v.Actor, o.ID)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		notes = pipeline.ToPartnerNotes(ns)
	}
	// Shared documents, in their safe view.
	attach, err := ui.attachmentSection(r, v, o, md, st.attachForm, st.attachErrors, "")
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.markNav(&p, "/w/"+v.WorkspaceSlug+"/portal/pipeline")
	data := map[string]any{"O": view, "Credits": credits, "Steps": steps, "Base": "/w/" + v.WorkspaceSlug + "/portal/pipeline",
		"Notes": notes, "CanNote": policy.RoleAllows(v.Actor.Role, policy.PartnerNotes, policy.Create), "NoteBody": st.noteBody, "NoteError": st.noteError,
		"Plan": plan, "PlanError": st.planError, "CanUpdatePlan": policy.RoleAllows(v.Actor.Role, policy.PlanItems, policy.Update), "Statuses": milestoneStatuses,
		"AttachProblem": st.attachProblem}
	for k, val := range attach {
		data[k] = val
	}
	p.Title, p.Data = view.V.Name, data
	ui.render(w, r, status, "portal_pipeline_opportunity", p)
}

// portalNote writes a shared note from the partner on an opportunity its
// organisation is attributed on.
func (ui *UI) portalNote(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	id := r.PathValue("id")
	in := pipeline.NoteInput{Body: r.PostFormValue("body"), Visibility: pipeline.Shared, Kind: pipeline.NoteUpdate}
	_, err := ui.pipe().AddNote(r.Context(), v.Actor, v.Name, id, in)
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Note shared with the vendor's team."})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/portal/pipeline/"+id+"#notes", http.StatusSeeOther)
	case tandem.KindInvalid:
		msg := tandem.MessageOf(err)
		if fes := tandem.FieldsOf(err); len(fes) > 0 {
			msg = "The note " + fes[0].Detail + "."
		}
		ui.renderPortalOpportunity(w, r, v, p, http.StatusUnprocessableEntity, portalState{noteBody: in.Body, noteError: msg})
	default:
		ui.Error(w, r, err)
	}
}
