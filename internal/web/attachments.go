package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// The documents of an opportunity on its console and portal pages: the list, the
// upload form, downloads, and removal through a confirmation page. The pipeline
// service decides who reads, adds and removes what; these handlers only translate.

// attachmentBodyLimit caps the body of an upload: the largest file Tandem keeps,
// with room for the form's other fields and the multipart framing.
const attachmentBodyLimit = pipeline.MaxAttachmentBytes + 256<<10

func (ui *UI) registerAttachments(mux *http.ServeMux) {
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/attachments", ui.console(ui.opportunityAttach))
	ui.handle(mux, "GET /w/{slug}/pipeline/{id}/attachments/{aid}", ui.console(ui.attachmentDownload))
	ui.handle(mux, "GET /w/{slug}/pipeline/{id}/attachments/{aid}/remove", ui.console(ui.attachmentRemoveConfirm))
	ui.handle(mux, "POST /w/{slug}/pipeline/{id}/attachments/{aid}/remove", ui.console(ui.attachmentRemove))
	ui.handle(mux, "POST /w/{slug}/portal/pipeline/{id}/attachments", ui.portal(ui.portalAttach))
	ui.handle(mux, "GET /w/{slug}/portal/pipeline/{id}/attachments/{aid}", ui.portal(ui.attachmentDownload))
	ui.handle(mux, "GET /w/{slug}/portal/pipeline/{id}/attachments/{aid}/remove", ui.portal(ui.attachmentRemoveConfirm))
	ui.handle(mux, "POST /w/{slug}/portal/pipeline/{id}/attachments/{aid}/remove", ui.portal(ui.attachmentRemove))
}

// attachmentForm is the upload form as typed, shown again after a refusal. The file
// itself is never kept: the browser cannot be given it back, so FileSent says to ask
// for it again.
type attachmentForm struct {
	Kind, Name, URL string
	Shared          bool
	FileSent        bool
}

// fileTooLarge is what the form says of a file over the limit, in the browser and
// from the server alike.
var fileTooLarge = "The file is larger than " + pipeline.ByteSize(pipeline.MaxAttachmentBytes) + ", the largest file Tandem keeps."

// maxFormValue bounds each text field of the upload form.
const maxFormValue = 4096

// readAttachmentForm reads an upload form (multipart, or URL-encoded for a link)
// from r, whose body the caller has capped. It returns the attachment to add, with
// Visibility Shared when the "share" box is ticked and Internal otherwise, the form
// as typed, and what went wrong while reading, by field ("file" when the body is
// over its cap or could not be read, or the file is larger than
// pipeline.MaxAttachmentBytes). The form is read as a stream, part by part, so the
// fields sent before the file (the form puts the file last) are kept even when the
// file is refused; a file is never read past the limit, and nothing is written to
// disk. What is left of a refused body, up to the cap, is read and dropped, so the
// browser gets the answer rather than a reset connection.
func readAttachmentForm(r *http.Request) (pipeline.AttachmentInput, attachmentForm, map[string]string) {
	errs := map[string]string{}
	tooLarge := fileTooLarge
	var form attachmentForm
	bodyErr := func(err error) {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			errs["file"] = tooLarge
			return
		}
		errs["file"] = "could not be read: the upload was cut short or is not a form; please try again"
	}
	set := func(name, value string) {
		switch name {
		case "kind":
			form.Kind = strings.TrimSpace(value)
		case "name":
			form.Name = value
		case "url":
			form.URL = strings.TrimSpace(value)
		case "share":
			form.Shared = value == "on"
		}
	}
	var in pipeline.AttachmentInput
	mr, err := r.MultipartReader()
	switch {
	case errors.Is(err, http.ErrNotMultipart):
		if err := r.ParseForm(); err != nil {
			bodyErr(err)
		}
		for _, k := range []string{"kind", "name", "url", "share"} {
			set(k, r.PostForm.Get(k))
		}
	case err != nil:
		bodyErr(err)
	default:
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				bodyErr(err)
				break
			}
			if part.FormName() != "file" {
				b, err := io.ReadAll(io.LimitReader(part, maxFormValue+1))
				if err != nil {
					bodyErr(err)
					break
				}
				if len(b) > maxFormValue {
					errs[part.FormName()] = fmt.Sprintf("must be at most %d characters", maxFormValue)
					continue
				}
				set(part.FormName(), string(b))
				continue
			}
			if part.FileName() == "" {
				continue // the file input left empty
			}
			form.FileSent, in.FileName = true, part.FileName()
			b, err := io.ReadAll(io.LimitReader(part, pipeline.MaxAttachmentBytes+1))
			switch {
			case err != nil:
				bodyErr(err)
			case len(b) > pipeline.MaxAttachmentBytes:
				errs["file"] = tooLarge
			default:
				in.File = b
				continue
			}
			break
		}
	}
	if len(errs) > 0 {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	in.Kind, in.Name, in.URL, in.Visibility = form.Kind, form.Name, form.URL, pipeline.Internal
	if form.Shared {
		in.Visibility = pipeline.Shared
	}
	return in, form, errs
}

// kindOption is an attachment kind as forms and lists name it.
type kindOption struct {
	Value, Label string
	// Needs is what the stage criterion asking for this kind says ("A signed
	// order form is attached"); Where is which move needs it. Both are empty for a
	// kind no criterion asks for.
	Needs, Where string
}

// kindLabel names an attachment kind for people: "order_form" is "Order form".
func kindLabel(key string) string {
	if key == pipeline.OtherAttachment {
		return "Another document"
	}
	s := strings.ReplaceAll(key, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// criterionUses returns the labels of the stages whose exit needs an attachment of
// kind key, and whether closing as lost needs one.
func criterionUses(md stage.Model, key string) (stages []string, lost bool) {
	has := func(cs []stage.Criterion) bool {
		return slices.ContainsFunc(cs, func(c stage.Criterion) bool { return c.Kind == stage.KindAttachment && c.Key == key })
	}
	for _, s := range md.Stages {
		if has(s.Exit) {
			stages = append(stages, s.Label)
		}
	}
	return stages, has(md.LostCriteria)
}

// attachmentKinds returns the kinds the upload form offers for model md: each
// attachment criterion of the model, then "other".
func attachmentKinds(md stage.Model) []kindOption {
	var out []kindOption
	for _, c := range pipeline.AttachmentKinds(md) {
		o := kindOption{Value: c.Key, Label: kindLabel(c.Key)}
		stages, lost := criterionUses(md, c.Key)
		var where []string
		if len(stages) > 0 {
			where = append(where, "needed to leave "+strings.Join(stages, ", "))
		}
		if lost {
			where = append(where, "needed to close as lost")
		}
		if len(where) > 0 {
			o.Needs, o.Where = c.Text(), strings.Join(where, "; ")
		}
		out = append(out, o)
	}
	return out
}

// kindOf returns the option of kind key among kinds, or one named after the key.
func kindOf(kinds []kindOption, key string) kindOption {
	for _, k := range kinds {
		if k.Value == key {
			return k
		}
	}
	return kindOption{Value: key, Label: kindLabel(key)}
}

// attachmentRow is one attachment as the pages list it. Rows of the portal are built
// from the partner's safe view only.
type attachmentRow struct {
	ID, Kind, Name, URL string
	KindLabel, Meets    string
	Size                string
	Shared              bool
	AuthorName          string
	AuthorSide          string
	CreatedAt           time.Time
	// Href downloads a file; RemoveHref is the removal's confirmation page, for
	// those who may remove it.
	Href, RemoveHref string
	CanRemove        bool
}

// IsLink reports whether the row is a link to a document kept elsewhere.
func (a attachmentRow) IsLink() bool { return a.URL != "" }

// oppBase is where the viewer's opportunity pages live.
func oppBase(v Viewer) string {
	if v.PartnerID != "" {
		return "/w/" + v.WorkspaceSlug + "/portal/pipeline"
	}
	return "/w/" + v.WorkspaceSlug + "/pipeline"
}

// attachmentRows returns the attachments of o the viewer may read, newest first. A
// viewer who may not read documents at all gets none. Partners' rows come from
// pipeline.ToPartnerAttachments.
func (ui *UI) attachmentRows(ctx context.Context, v Viewer, o pipeline.Opportunity, kinds []kindOption) ([]attachmentRow, error) {
	if v.PartnerID != "" && !policy.RoleAllows(v.Actor.Role, policy.PartnerNotes, policy.List) {
		return nil, nil
	}
	as, err := ui.pipe().Attachments(ctx, v.Actor, o.ID)
	if tandem.KindOf(err) == tandem.KindForbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	base := oppBase(v) + "/" + o.ID + "/attachments/"
	row := func(id, kind, name, url string, size int64, shared bool, author, side string, at time.Time) attachmentRow {
		k := kindOf(kinds, kind)
		r := attachmentRow{ID: id, Kind: kind, Name: name, URL: url, KindLabel: k.Label, Meets: k.Needs, Shared: shared,
			AuthorName: author, AuthorSide: side, CreatedAt: at, RemoveHref: base + id + "/remove"}
		if url == "" {
			r.Href, r.Size = base+id, pipeline.ByteSize(size)
		}
		return r
	}
	var out []attachmentRow
	if v.PartnerID != "" {
		mayRemove := policy.RoleAllows(v.Actor.Role, policy.PartnerNotes, policy.Create)
		for _, a := range pipeline.ToPartnerAttachments(as) {
			r := row(a.ID, a.Kind, a.Name, a.URL, a.Size, true, a.AuthorName, a.AuthorSide, a.CreatedAt)
			// A partner reads only its own organisation's partner-side documents, and
			// removes those.
			r.CanRemove = mayRemove && a.AuthorSide == pipeline.SidePartner
			out = append(out, r)
		}
		return out, nil
	}
	mayEdit := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Opportunities, WorkspaceID: v.WorkspaceID, ID: o.ID, Partners: o.Partners()}) == nil
	me := audit.ActorID(v.Actor)
	for _, a := range as {
		r := row(a.ID, a.Kind, a.Name, a.URL, a.Size, a.Visibility == pipeline.Shared, a.AuthorName, a.AuthorSide, a.CreatedAt)
		r.CanRemove = mayEdit || a.AuthorID == me
		out = append(out, r)
	}
	return out, nil
}

// attachmentHint says which files the form takes.
func attachmentHint() string {
	return "Files up to " + pipeline.ByteSize(pipeline.MaxAttachmentBytes) + ": " + strings.Join(pipeline.AttachmentExtensions(), " ") +
		". Or give an https:// link to a document kept elsewhere instead of a file."
}

// attachmentSection is what an opportunity page needs to list the attachments and
// offer the upload form: the form as typed after a refusal (form, errs), or a fresh
// one with the kind named by the query's "attach" preselected.
func (ui *UI) attachmentSection(r *http.Request, v Viewer, o pipeline.Opportunity, md stage.Model, form *attachmentForm, errs map[string]string, wanted string) (map[string]any, error) {
	kinds := attachmentKinds(md)
	rows, err := ui.attachmentRows(r.Context(), v, o, kinds)
	if err != nil {
		return nil, err
	}
	canInternal, canShared := pipeline.AttachRights(v.Actor)
	f := attachmentForm{Kind: pipeline.OtherAttachment, Shared: !canInternal}
	if form != nil {
		f = *form
		if f.Kind == "" {
			f.Kind = pipeline.OtherAttachment
		}
	} else {
		if wanted == "" {
			wanted = r.URL.Query().Get("attach")
		}
		if wanted != "" && slices.ContainsFunc(kinds, func(k kindOption) bool { return k.Value == wanted }) {
			f.Kind = wanted
		}
	}
	return map[string]any{"Attachments": rows, "AttachKinds": kinds, "AttachForm": f, "AttachErrors": errs,
		"CanAttach": canInternal || canShared, "AttachCanInternal": canInternal, "AttachCanShared": canShared,
		"AttachHint": attachmentHint(), "AttachAccept": strings.Join(pipeline.AttachmentExtensions(), ","),
		"AttachPortal": v.PartnerID != "", "AttachMaxBytes": pipeline.MaxAttachmentBytes, "AttachTooLarge": fileTooLarge,
		"AttachOpen": form != nil || wanted != "" || len(rows) == 0}, nil
}

// attachErrors adds the service's field errors to errs.
func attachErrors(errs map[string]string, err error) {
	for _, fe := range tandem.FieldsOf(err) {
		errs[fe.Path] = fe.Detail
	}
}

// addAttachment reads the upload form and adds the attachment. It returns the
// attachment added, or the form as typed with what is wrong (errs, and a conflict
// such as the opportunity's limit in problem); any other error is returned as err.
func (ui *UI) addAttachment(w http.ResponseWriter, r *http.Request, v Viewer, decide func(*pipeline.AttachmentInput)) (a pipeline.Attachment, form attachmentForm, errs map[string]string, problem string, err error) {
	release, err := api.BeginUpload(w, r, ui.pipe(), v.Actor)
	if err != nil {
		return a, form, errs, "", err
	}
	defer release()
	r.Body = http.MaxBytesReader(w, r.Body, attachmentBodyLimit)
	in, form, errs := readAttachmentForm(r)
	if len(errs) > 0 {
		return a, form, errs, "", nil
	}
	decide(&in)
	a, err = ui.pipe().AddAttachment(r.Context(), v.Actor, v.Name, r.PathValue("id"), in)
	switch tandem.KindOf(err) {
	case "":
		return a, form, nil, "", nil
	case tandem.KindInvalid:
		attachErrors(errs, err)
		if len(errs) == 0 {
			problem = tandem.MessageOf(err)
		}
		return a, form, errs, problem, nil
	case tandem.KindConflict:
		return a, form, errs, tandem.MessageOf(err), nil
	}
	return a, form, errs, "", err
}

// attachedText is the flash after an upload; a long name is shortened to keep the
// message within what a flash carries.
func attachedText(a pipeline.Attachment, partner bool) string {
	name := a.Name
	if r := []rune(name); len(r) > 60 {
		name = string(r[:57]) + "…"
	}
	switch {
	case partner:
		return "Attached " + name + "; the vendor's team can read it."
	case a.Visibility == pipeline.Shared:
		return "Attached " + name + " and shared it with the partners on this opportunity."
	}
	return "Attached " + name + " (internal: partners never see it)."
}

// opportunityAttach adds a file or a link to an opportunity from the console.
func (ui *UI) opportunityAttach(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	a, form, errs, problem, err := ui.addAttachment(w, r, v, func(in *pipeline.AttachmentInput) {
		// Whoever may attach with one visibility only gets that one.
		switch internal, shared := pipeline.AttachRights(v.Actor); {
		case !internal:
			in.Visibility = pipeline.Shared
		case !shared:
			in.Visibility = pipeline.Internal
		}
	})
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	id := r.PathValue("id")
	if len(errs) == 0 && problem == "" {
		SetFlash(w, Flash{Kind: "success", Text: attachedText(a, false)})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/pipeline/"+id+"#attachments", http.StatusSeeOther)
		return
	}
	st := detailState{status: http.StatusUnprocessableEntity, attachForm: &form, attachErrors: errs,
		problem: "The attachment was not saved: correct what is marked in Attachments below."}
	if problem != "" {
		st.status, st.problem = http.StatusConflict, "The attachment was not saved: "+problem
	}
	ui.renderOpportunity(w, r, v, p, st)
}

// portalAttach adds a shared document from the partner to an opportunity its
// organisation is on.
func (ui *UI) portalAttach(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	a, form, errs, problem, err := ui.addAttachment(w, r, v, func(in *pipeline.AttachmentInput) { in.Visibility = pipeline.Shared })
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	id := r.PathValue("id")
	if len(errs) == 0 && problem == "" {
		SetFlash(w, Flash{Kind: "success", Text: attachedText(a, true)})
		http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/portal/pipeline/"+id+"#attachments", http.StatusSeeOther)
		return
	}
	status := http.StatusUnprocessableEntity
	if problem != "" {
		status = http.StatusConflict
	}
	// The portal's form has no visibility: a problem with it is named above the form.
	if d, ok := errs["visibility"]; ok {
		problem = strings.TrimSpace(problem + " Visibility " + d + ".")
	}
	ui.renderPortalOpportunity(w, r, v, p, status, portalState{attachForm: &form, attachErrors: errs, attachProblem: problem})
}

// attachmentDownload sends a file attachment the viewer may read, always as a
// download with the type it was checked against, never rendered in the browser. A
// link has nothing to download.
func (ui *UI) attachmentDownload(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	a, body, err := ui.pipe().AttachmentContent(r.Context(), v.Actor, r.PathValue("id"), r.PathValue("aid"))
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	if a.IsLink() {
		ui.render(w, r, http.StatusNotFound, "error", Page{Title: "Nothing to download",
			Data: map[string]string{"Message": a.Name + " is a link to a document kept elsewhere, not a file Tandem keeps. Open it from the opportunity's Attachments."}})
		return
	}
	api.ServeAttachment(w, r, a, body)
}

// removal is what the confirmation page of a removal shows.
type removal struct {
	OppName  string
	A        attachmentRow
	Reliance string
	Back     string
}

// findRemoval returns the opportunity's attachment named in the path as the viewer
// sees it, with what relies on it; not found when the viewer may not read it, and
// forbidden when the viewer may not remove it.
func (ui *UI) findRemoval(r *http.Request, v Viewer) (removal, error) {
	ctx := r.Context()
	svc := ui.pipe()
	o, err := svc.Opportunity(ctx, v.Actor, r.PathValue("id"))
	if err != nil {
		return removal{}, err
	}
	ms, err := ui.stageModels(ctx, v)
	if err != nil {
		return removal{}, err
	}
	md, _ := ms.Model(o.Motion)
	rows, err := ui.attachmentRows(ctx, v, o, attachmentKinds(md))
	if err != nil {
		return removal{}, err
	}
	i := slices.IndexFunc(rows, func(a attachmentRow) bool { return a.ID == r.PathValue("aid") })
	if i < 0 {
		return removal{}, tandem.Errorf(tandem.KindNotFound, "That attachment does not exist.")
	}
	a := rows[i]
	if !a.CanRemove {
		return removal{}, tandem.Errorf(tandem.KindForbidden, "You can remove only the attachments you added; %s was added by %s.", a.Name, a.AuthorName)
	}
	others := 0
	for _, x := range rows {
		if x.ID != a.ID && x.Kind == a.Kind {
			others++
		}
	}
	rm := removal{A: a, Back: oppBase(v) + "/" + o.ID + "#attachments", Reliance: reliance(md, o.Stage, a, others, v.PartnerID != "")}
	rm.OppName = o.Name
	if v.PartnerID != "" {
		rm.OppName = pipeline.ToPartnerView(o).Name
	}
	return rm, nil
}

// reliance says whether a stage criterion relies on attachment a, on an opportunity
// at stage cur, with others more attachments of the same kind the viewer can see.
func reliance(md stage.Model, cur string, a attachmentRow, others int, partner bool) string {
	if a.Meets == "" {
		return "No stage criterion relies on it: it is kept as " + strings.ToLower(a.KindLabel) + "."
	}
	// A lost opportunity that is reopened is judged again on every stage before the
	// one it goes to, so for it no stage is behind.
	lost := cur == stage.Lost
	var ahead, left []string
	at := md.Index(cur)
	for i, s := range md.Stages {
		if !slices.ContainsFunc(s.Exit, func(c stage.Criterion) bool { return c.Kind == stage.KindAttachment && c.Key == a.Kind }) {
			continue
		}
		if !lost && at >= 0 && i < at {
			left = append(left, s.Label)
		} else {
			ahead = append(ahead, s.Label)
		}
	}
	_, toLose := criterionUses(md, a.Kind)
	var needs []string
	switch {
	case len(ahead) > 0 && lost:
		needs = append(needs, "to reopen the opportunity past "+strings.Join(ahead, ", "))
	case len(ahead) > 0:
		needs = append(needs, "to leave "+strings.Join(ahead, ", "))
	}
	if toLose && md.Open(cur) {
		needs = append(needs, "to close the opportunity as lost")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "It meets the criterion “%s”", a.Meets)
	switch {
	case len(needs) > 0:
		fmt.Fprintf(&b, ", which is needed %s.", strings.Join(needs, " and "))
	case len(left) > 0:
		fmt.Fprintf(&b, "; the opportunity has already left %s, and stages already left stay left.", strings.Join(left, ", "))
		return b.String()
	default:
		b.WriteString(", which this opportunity no longer needs.")
		return b.String()
	}
	seen := ""
	if partner {
		seen = " that you can see"
	}
	switch others {
	case 0:
		if partner {
			fmt.Fprintf(&b, " It is the only %s you can see (the vendor's team may hold others): without one, that is refused.", strings.ToLower(a.KindLabel))
			break
		}
		fmt.Fprintf(&b, " It is the only %s: without it, that is refused until another is attached.", strings.ToLower(a.KindLabel))
	case 1:
		fmt.Fprintf(&b, " One other %s%s stays, so the criterion is still met.", strings.ToLower(a.KindLabel), seen)
	default:
		fmt.Fprintf(&b, " %d other attachments of this kind%s stay, so the criterion is still met.", others, seen)
	}
	return b.String()
}

// attachmentRemoveConfirm asks before an attachment is removed, saying what relies
// on it.
func (ui *UI) attachmentRemoveConfirm(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ui.renderRemoval(w, r, v, p, http.StatusOK, "", "")
}

func (ui *UI) renderRemoval(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, reason, reasonErr string) {
	rm, err := ui.findRemoval(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.markNav(&p, oppBase(v))
	p.Title = "Remove " + rm.A.Name
	p.Data = map[string]any{"R": rm, "A": rm.A, "Portal": v.PartnerID != "", "Reason": reason, "ReasonError": reasonErr}
	ui.render(w, r, status, "attachment_remove", p)
}

// attachmentRemove removes an attachment, with the reason given, and goes back to
// the opportunity.
func (ui *UI) attachmentRemove(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	rm, err := ui.findRemoval(r, v)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	err = ui.pipe().RemoveAttachment(r.Context(), v.Actor, v.Name, r.PathValue("id"), rm.A.ID, reason)
	switch tandem.KindOf(err) {
	case "":
		SetFlash(w, Flash{Kind: "success", Text: "Removed " + rm.A.Name + "."})
		http.Redirect(w, r, rm.Back, http.StatusSeeOther)
	case tandem.KindInvalid:
		msg := tandem.MessageOf(err)
		if fes := tandem.FieldsOf(err); len(fes) > 0 {
			msg = fes[0].Detail
		}
		ui.renderRemoval(w, r, v, p, http.StatusUnprocessableEntity, reason, msg)
	default:
		ui.Error(w, r, err)
	}
}
