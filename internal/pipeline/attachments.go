package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Attachments are the documents of a deal: a signed order form, a quote, a statement
// of work. Each is a file kept by Tandem or a link to a document kept elsewhere, and
// each has a kind, which is what the stage models' "attachment present" exit
// criteria ask for. Who reads one follows the rule of notes: shared attachments are
// read by the vendor's people and the partners on the opportunity (one a partner
// added, by its own organisation only); internal ones by the vendor's people only.

// Limits on attachments.
const (
	// MaxAttachmentBytes is the largest file Tandem keeps.
	MaxAttachmentBytes = 10 << 20
	// MaxAttachments is how many attachments one opportunity may hold.
	MaxAttachments    = 100
	maxAttachmentName = 200
	maxAttachmentURL  = 2048
	// OtherAttachment is the kind of an attachment no criterion asks for.
	OtherAttachment = "other"
)

// Attachment is one document on an opportunity: a file (Size > 0) or a link (URL).
type Attachment struct {
	WorkspaceID   string
	ID            string
	OpportunityID string
	// Kind is what the document is; exit criteria of kind "attachment" ask for it.
	Kind string
	// Name is the file's name, or the link's title.
	Name string
	// URL is the address of a linked document; empty for a file.
	URL string
	// ContentType, Size and SHA256 describe a file; empty for a link.
	ContentType string
	Size        int64
	SHA256      string
	Visibility  Visibility
	AuthorID    string
	AuthorName  string
	AuthorSide  string // SideVendor or SidePartner
	// PartnerID is the organisation of a partner-side author: such an attachment is
	// read by the vendor and that organisation only.
	PartnerID string
	CreatedAt time.Time
}

// IsLink reports whether the attachment points at a document kept elsewhere.
func (a Attachment) IsLink() bool { return a.URL != "" }

// AttachmentInput is a document to attach: File with its FileName, or URL.
type AttachmentInput struct {
	Kind       string     // default OtherAttachment
	Name       string     // default: the file's name, or the link's host and path
	URL        string     // a link: https only
	FileName   string     // the uploaded file's own name
	File       []byte     // the file's content
	Visibility Visibility // default: Internal for the vendor, Shared for partners
}

// fileType is a kind of file Tandem keeps: the content type it is served with and
// what the sniffed content must look like.
type fileType struct {
	contentType string
	sniffed     []string // prefixes of http.DetectContentType's answer that fit
	label       string
	// magic, when set, is how the content must begin besides: the sniffer calls
	// too many things (programs among them) "application/octet-stream".
	magic string
}

// compoundFile is how the older Office formats (.doc, .xls, .ppt) begin.
const compoundFile = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

var (
	office    = []string{"application/zip"}
	oldOffice = []string{"application/octet-stream"}
	text      = []string{"text/plain"}
)

// fileTypes are the files an opportunity may hold, by extension. Anything a browser
// would run (HTML, SVG, scripts) is absent on purpose: files are always served as
// downloads with the type listed here, never with one guessed from the content.
var fileTypes = map[string]fileType{
	".pdf":  {"application/pdf", []string{"application/pdf"}, "a PDF", ""},
	".png":  {"image/png", []string{"image/png"}, "a PNG image", ""},
	".jpg":  {"image/jpeg", []string{"image/jpeg"}, "a JPEG image", ""},
	".jpeg": {"image/jpeg", []string{"image/jpeg"}, "a JPEG image", ""},
	".gif":  {"image/gif", []string{"image/gif"}, "a GIF image", ""},
	".webp": {"image/webp", []string{"image/webp"}, "a WebP image", ""},
	".txt":  {"text/plain; charset=utf-8", text, "plain text", ""},
	".csv":  {"text/csv; charset=utf-8", text, "CSV text", ""},
	".md":   {"text/markdown; charset=utf-8", text, "Markdown text", ""},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", office, "a Word document", ""},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", office, "an Excel workbook", ""},
	".pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation", office, "a PowerPoint deck", ""},
	".odt":  {"application/vnd.oasis.opendocument.text", office, "an OpenDocument text", ""},
	".ods":  {"application/vnd.oasis.opendocument.spreadsheet", office, "an OpenDocument spreadsheet", ""},
	".odp":  {"application/vnd.oasis.opendocument.presentation", office, "an OpenDocument presentation", ""},
	".doc":  {"application/msword", oldOffice, "a Word document", compoundFile},
	".xls":  {"application/vnd.ms-excel", oldOffice, "an Excel workbook", compoundFile},
	".ppt":  {"application/vnd.ms-powerpoint", oldOffice, "a PowerPoint deck", compoundFile},
}

// AttachmentExtensions lists the file name endings Tandem accepts, sorted.
func AttachmentExtensions() []string {
	out := make([]string, 0, len(fileTypes))
	for ext := range fileTypes {
		out = append(out, ext)
	}
	slices.Sort(out)
	return out
}

// CheckAttachment validates in as the actor's attachment (partners attach shared
// documents only) and returns the attachment it describes with every derived field
// set (kind, name, content type, size and checksum, or the link), or a problem per
// field. IDs, authorship and time are left to the caller.
func CheckAttachment(in AttachmentInput, partner bool) (Attachment, error) {
	var p tandem.Problems
	a := Attachment{Kind: strings.TrimSpace(in.Kind), Visibility: in.Visibility}
	if a.Kind == "" {
		a.Kind = OtherAttachment
	}
	if !stage.ValidKey(a.Kind) {
		p.Add("kind", "must be 1 to 40 lowercase letters, digits or underscores, starting with a letter (e.g. order_form)")
	}
	if a.Visibility == "" {
		a.Visibility = Internal
		if partner {
			a.Visibility = Shared
		}
	}
	switch a.Visibility {
	case Shared:
	case Internal:
		if partner {
			p.Add("visibility", "partners attach shared documents only")
		}
	default:
		p.Add("visibility", "must be partner (shared with the partners on the opportunity) or internal")
	}
	link := strings.TrimSpace(in.URL)
	switch {
	case link != "" && (len(in.File) > 0 || in.FileName != ""):
		p.Add("url", "give either a file or a link, not both")
	case link != "":
		u, err := checkLink(link)
		if err != "" {
			p.Add("url", "%s", err)
		}
		a.URL = u
	case in.FileName == "" && len(in.File) == 0:
		p.Add("file", "is required: upload a file or give a link")
	default:
		checkFile(&p, &a, in)
	}
	name := cleanName(in.Name)
	if name == "" {
		switch {
		case a.URL != "":
			if u, err := url.Parse(a.URL); err == nil {
				name = cleanName(u.Host + strings.TrimSuffix(u.Path, "/"))
			}
		default:
			name = cleanName(baseName(in.FileName))
		}
	}
	if a.ContentType != "" {
		name = withExtension(name, strings.ToLower(path.Ext(baseName(in.FileName))))
	}
	if utf8.RuneCountInString(name) > maxAttachmentName {
		p.Add("name", "must be at most %d characters", maxAttachmentName)
	}
	a.Name = name
	if err := p.Err("The attachment is not valid."); err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// checkLink returns the link cleaned up, or what is wrong with it.
func checkLink(raw string) (string, string) {
	if len(raw) > maxAttachmentURL {
		return "", "must be at most 2048 characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", "is not a web address"
	case u.Scheme != "https":
		return "", "must start with https://"
	case u.Host == "" || u.Hostname() == "":
		return "", "must name a host, e.g. https://docs.example.com/order-form"
	case u.User != nil:
		return "", "must not carry a user name or password"
	}
	for _, r := range raw {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", "must not contain spaces or control characters"
		}
	}
	return u.String(), ""
}

// checkFile fills a's file fields from in, or adds what is wrong to p.
func checkFile(p *tandem.Problems, a *Attachment, in AttachmentInput) {
	fname := baseName(in.FileName)
	ext := strings.ToLower(path.Ext(fname))
	ft, ok := fileTypes[ext]
	switch {
	case len(in.File) == 0:
		p.Add("file", "is empty")
		return
	case len(in.File) > MaxAttachmentBytes:
		p.Add("file", "is %s; the largest file Tandem keeps is %s", byteSize(int64(len(in.File))), byteSize(MaxAttachmentBytes))
		return
	case ext == "":
		p.Add("file", "has no type: name it with one of %s", strings.Join(AttachmentExtensions(), " "))
		return
	case !ok:
		p.Add("file", "%s files are not kept: use one of %s", ext, strings.Join(AttachmentExtensions(), " "))
		return
	}
	sniffed := http.DetectContentType(in.File)
	fits := false
	for _, s := range ft.sniffed {
		if s != "" && strings.HasPrefix(sniffed, s) {
			fits = true
		}
	}
	if fits && strings.HasPrefix(ft.contentType, "text/") && !utf8.Valid(in.File) {
		fits = false
	}
	if fits && ft.magic != "" && !bytes.HasPrefix(in.File, []byte(ft.magic)) {
		fits = false
	}
	if !fits {
		p.Add("file", "is named %s but its content is not %s", ext, ft.label)
		return
	}
	sum := sha256.Sum256(in.File)
	a.ContentType, a.Size, a.SHA256 = ft.contentType, int64(len(in.File)), hex.EncodeToString(sum[:])
}

// withExtension returns a file's name ending in ext, the extension of the type the
// file was checked as (or one of the same type, as ".jpg" for ".jpeg"), so that a
// name typed as "contract.exe" is saved as "contract.exe.pdf" and opened as what it
// is, never as what the name claims.
func withExtension(name, ext string) string {
	if have, ok := fileTypes[strings.ToLower(path.Ext(name))]; ok && have.contentType == fileTypes[ext].contentType {
		return name
	}
	return name + ext
}

// baseName returns the last element of a file path written with either slash.
func baseName(n string) string {
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// cleanName trims n and drops control and format characters (which could disguise
// a file's type when shown), and invalid UTF-8.
func cleanName(n string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(n, "") {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// byteSize writes n bytes for people: "512 bytes", "1.5 MB".
func byteSize(n int64) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return trimZero(float64(n)/(1<<10)) + " KB"
	}
	return trimZero(float64(n)/(1<<20)) + " MB"
}

// ByteSize writes a file size for people.
func ByteSize(n int64) string { return byteSize(n) }

// trimZero writes f with one decimal, dropping a trailing ".0".
func trimZero(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}

// AttachmentFilter says which attachments of an opportunity a reader gets.
type AttachmentFilter = NoteFilter

// AttachmentWrite is an attachment saved with its content (nil for a link), the
// opportunity's last activity and the audit entry, in one transaction. The store
// refuses it with a conflict when the opportunity already holds MaxAttachments.
type AttachmentWrite struct {
	Attachment     Attachment
	Content        []byte
	LastActivityAt time.Time
	Audit          audit.Entry
}

// AttachmentRemoval removes an attachment and its content with the audit entry, in
// one transaction.
type AttachmentRemoval struct {
	WorkspaceID, OpportunityID, AttachmentID string
	Audit                                    audit.Entry
}

// AttachRights reports with which visibilities the actor may attach documents: the
// rights of notes of the same visibility (partners never attach internal ones).
func AttachRights(actor policy.Actor) (internal, shared bool) {
	shared = policy.Authorize(actor, policy.Create, resource(policy.PartnerNotes, actor, "", nonEmpty(actor.PartnerID)...)) == nil
	internal = !actor.IsPartner() && policy.Authorize(actor, policy.Create, resource(policy.InternalNotes, actor, "")) == nil
	return internal, shared
}

// MayAttach reports whether the actor may attach anything to the opportunity: it
// must see it and may attach with at least one visibility (AttachRights).
// Transports call it before reading an upload's body, so a file is never read for
// someone who could not attach it.
func (s *Service) MayAttach(ctx context.Context, actor policy.Actor, oppID string) error {
	if _, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID); err != nil {
		return err
	}
	if internal, shared := AttachRights(actor); !internal && !shared {
		return policy.Authorize(actor, policy.Create, resource(policy.PartnerNotes, actor, "", nonEmpty(actor.PartnerID)...))
	}
	return nil
}

// uploadSlots bounds how many uploads are read at once in this process: each holds
// up to MaxAttachmentBytes in memory while it is checked and saved.
var uploadSlots = make(chan struct{}, 4)

// UploadSlot waits for a turn to read an upload and returns the function that ends
// it, or ctx's error when ctx ends first.
func UploadSlot(ctx context.Context) (func(), error) {
	select {
	case uploadSlots <- struct{}{}:
		return func() { <-uploadSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// UploadReadTime is how long an upload's body may take to arrive: a 10 MB file over
// a slow link needs longer than the server's usual read timeout.
const UploadReadTime = 10 * time.Minute

// AddAttachment attaches a file or a link to an opportunity the actor may see. The
// rights are those of notes of the same visibility: partners attach shared documents
// only, on opportunities their organisation is attributed on. An attachment counts
// as activity on the opportunity and is audited with its kind, name, size and
// checksum (or the link), never its content.
func (s *Service) AddAttachment(ctx context.Context, actor policy.Actor, actorName, oppID string, in AttachmentInput) (Attachment, error) {
	if _, err := s.load(ctx, actor, policy.Read, policy.Opportunities, oppID); err != nil {
		return Attachment{}, err
	}
	a, err := CheckAttachment(in, actor.IsPartner())
	if err != nil {
		return Attachment{}, err
	}
	if err := policy.Authorize(actor, policy.Create, resource(notesKind(a.Visibility), actor, "", nonEmpty(actor.PartnerID)...)); err != nil {
		return Attachment{}, err
	}
	now := s.Now().UTC()
	a.WorkspaceID, a.ID, a.OpportunityID, a.CreatedAt = actor.WorkspaceID, tandem.NewID("att", now), oppID, now
	a.AuthorID, a.AuthorName, a.AuthorSide = audit.ActorID(actor), actorName, SideVendor
	if pid, ok := actor.PartnerOnly(); ok {
		a.AuthorSide, a.PartnerID = SidePartner, pid
	}
	w := AttachmentWrite{Attachment: a, LastActivityAt: now}
	if !a.IsLink() {
		w.Content = in.File
	}
	w.Audit = audit.New(ctx, actor, actorName, now, "opportunity.attachment_added", "opportunity", oppID, nil, attachmentAudit(a), "")
	if err := s.Store.SaveAttachment(ctx, w); err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// attachmentAudit is what the audit log keeps of an attachment.
func attachmentAudit(a Attachment) map[string]any {
	m := map[string]any{"attachment_id": a.ID, "kind": a.Kind, "name": a.Name, "visibility": a.Visibility}
	if a.IsLink() {
		m["url"] = a.URL
	} else {
		m["size"], m["sha256"], m["content_type"] = a.Size, a.SHA256, a.ContentType
	}
	return m
}

// Attachments returns the attachments of an opportunity the actor may read, newest
// first, by the rule of notes: a partner gets the shared ones of the vendor and of
// its own organisation, never internal ones nor another partner's.
func (s *Service) Attachments(ctx context.Context, actor policy.Actor, oppID string) ([]Attachment, error) {
	_, f, err := s.readFilter(ctx, actor, oppID)
	if err != nil {
		return nil, err
	}
	return s.Store.ListAttachments(ctx, actor.WorkspaceID, oppID, f)
}

// readable returns the opportunity and the attachment if the actor may read it, and
// not found otherwise (an attachment the actor may not read does not exist for it).
func (s *Service) readable(ctx context.Context, actor policy.Actor, oppID, attID string) (Opportunity, Attachment, error) {
	o, f, err := s.readFilter(ctx, actor, oppID)
	if err != nil {
		return Opportunity{}, Attachment{}, err
	}
	a, err := s.Store.AttachmentByID(ctx, actor.WorkspaceID, oppID, attID)
	if err != nil {
		return Opportunity{}, Attachment{}, err
	}
	if !f.Lets(a.Visibility, a.PartnerID) {
		return Opportunity{}, Attachment{}, tandem.Errorf(tandem.KindNotFound, "That attachment does not exist.")
	}
	return o, a, nil
}

// AttachmentContent returns an attachment the actor may read with its file's
// content. A link has no content: it returns the attachment and nil.
func (s *Service) AttachmentContent(ctx context.Context, actor policy.Actor, oppID, attID string) (Attachment, []byte, error) {
	_, a, err := s.readable(ctx, actor, oppID, attID)
	if err != nil || a.IsLink() {
		return a, nil, err
	}
	body, err := s.Store.AttachmentContent(ctx, actor.WorkspaceID, attID)
	if err != nil {
		return Attachment{}, nil, err
	}
	if sum := sha256.Sum256(body); !bytes.Equal([]byte(hex.EncodeToString(sum[:])), []byte(a.SHA256)) {
		return Attachment{}, nil, tandem.Errorf(tandem.KindConflict, "The stored file %s does not match its checksum; it was not sent.", a.Name)
	}
	return a, body, nil
}

const maxRemovalReason = 500

// RemoveAttachment deletes an attachment and its file. The vendor's people who may
// change the opportunity remove any attachment they can read; anyone else, partners
// included, removes only what they may write: a partner the documents its own
// organisation attached, a vendor user without that right the ones they attached
// themselves. The audit entry keeps the kind, name, checksum and the reason given.
// Stages already left stay left: exit criteria are checked on the way out only.
func (s *Service) RemoveAttachment(ctx context.Context, actor policy.Actor, actorName, oppID, attID, reason string) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxRemovalReason {
		return tandem.Invalid("The removal is not valid.", tandem.FieldError{Path: "reason", Detail: "must be at most 500 characters"})
	}
	o, a, err := s.readable(ctx, actor, oppID, attID)
	if err != nil {
		return err
	}
	mayEdit := !actor.IsPartner() && policy.Authorize(actor, policy.Update, resource(policy.Opportunities, actor, oppID, o.Partners()...)) == nil
	own := a.AuthorID == audit.ActorID(actor)
	if pid, ok := actor.PartnerOnly(); ok {
		own = a.AuthorSide == SidePartner && a.PartnerID == pid &&
			policy.Authorize(actor, policy.Create, resource(policy.PartnerNotes, actor, "", pid)) == nil
	}
	if !mayEdit && !own {
		return tandem.Errorf(tandem.KindForbidden, "You can remove only the attachments you added; %s was added by %s.", a.Name, a.AuthorName)
	}
	now := s.Now().UTC()
	e := audit.New(ctx, actor, actorName, now, "opportunity.attachment_removed", "opportunity", oppID, attachmentAudit(a), nil, reason)
	return s.Store.RemoveAttachment(ctx, AttachmentRemoval{WorkspaceID: actor.WorkspaceID, OpportunityID: oppID, AttachmentID: attID, Audit: e})
}

// AttachmentKinds returns the attachment criteria of the opportunity's stage model
// (key → what it asks for), so forms can offer them as kinds; OtherAttachment is
// always there.
func AttachmentKinds(m stage.Model) []stage.Criterion {
	var out []stage.Criterion
	seen := map[string]bool{}
	add := func(cs []stage.Criterion) {
		for _, c := range cs {
			if c.Kind == stage.KindAttachment && !seen[c.Key] {
				seen[c.Key] = true
				out = append(out, c)
			}
		}
	}
	for _, st := range m.Stages {
		add(st.Exit)
	}
	add(m.LostCriteria)
	if !seen[OtherAttachment] {
		out = append(out, stage.Criterion{Kind: stage.KindAttachment, Key: OtherAttachment, Label: "Another document"})
	}
	return out
}

// PartnerAttachmentView is an attachment as a partner may see it. A test pins it to
// the policy's safe fields for notes.
type PartnerAttachmentView struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	URL         string    `json:"url,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Size        int64     `json:"size,omitempty"`
	AuthorName  string    `json:"author_name"`
	AuthorSide  string    `json:"author_side"`
	CreatedAt   time.Time `json:"created_at"`
}

// ToPartnerAttachments returns the shared attachments among as as partners see them;
// an internal one is dropped even if passed by mistake.
func ToPartnerAttachments(as []Attachment) []PartnerAttachmentView {
	out := make([]PartnerAttachmentView, 0, len(as))
	for _, a := range as {
		if a.Visibility != Shared {
			continue
		}
		out = append(out, PartnerAttachmentView{ID: a.ID, Kind: a.Kind, Name: a.Name, URL: a.URL, ContentType: a.ContentType, Size: a.Size,
			AuthorName: a.AuthorName, AuthorSide: a.AuthorSide, CreatedAt: a.CreatedAt})
	}
	return out
}
