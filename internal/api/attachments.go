package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// attachmentJSON is an attachment as the vendor's people see it.
type attachmentJSON struct {
	pipeline.PartnerAttachmentView
	OpportunityID string `json:"opportunity_id"`
	Visibility    string `json:"visibility"`
	SHA256        string `json:"sha256,omitempty"`
	AuthorID      string `json:"author_id"`
	PartnerID     string `json:"partner_id"`
}

// attachmentsOut returns attachments as the principal may see them: partners get the
// shared ones' safe view only.
func attachmentsOut(p Principal, as []pipeline.Attachment) any {
	if p.Actor.IsPartner() {
		return pipeline.ToPartnerAttachments(as)
	}
	out := make([]attachmentJSON, len(as))
	for i, a := range as {
		out[i] = attachmentJSON{PartnerAttachmentView: pipeline.ToPartnerAttachments([]pipeline.Attachment{sharedCopy(a)})[0],
			OpportunityID: a.OpportunityID, Visibility: string(a.Visibility), SHA256: a.SHA256, AuthorID: a.AuthorID, PartnerID: a.PartnerID}
	}
	return out
}

// sharedCopy returns a marked shared, so that its partner-safe fields can be taken
// for the vendor's fuller view.
func sharedCopy(a pipeline.Attachment) pipeline.Attachment {
	a.Visibility = pipeline.Shared
	return a
}

// maxFormField is the longest value a text field of an upload form may have.
const maxFormField = 4096

// maxLinkBody is the largest JSON body of a link attachment.
const maxLinkBody = 64 << 10

// BeginUpload readies the reading of an attachment upload to the opportunity in the
// path: it checks the actor may attach to it before a byte of the body is read,
// waits for an upload slot (pipeline.UploadSlot) and gives the body
// pipeline.UploadReadTime to arrive, and the answer a minute more to be written. The caller must call the returned function
// when done.
func BeginUpload(w http.ResponseWriter, r *http.Request, svc *pipeline.Service, actor policy.Actor) (func(), error) {
	if err := svc.MayAttach(r.Context(), actor, r.PathValue("id")); err != nil {
		return nil, err
	}
	release, err := pipeline.UploadSlot(r.Context())
	if err != nil {
		return nil, fmt.Errorf("wait for an upload slot: %w", err)
	}
	// The server's timeouts are for ordinary requests: a large file may need longer
	// to arrive, and the answer must still be writable after it has.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(pipeline.UploadReadTime))
	_ = rc.SetWriteDeadline(time.Now().Add(pipeline.UploadReadTime + time.Minute))
	return release, nil
}

// AttachmentUpload reads an attachment from a request: a JSON object for a link
// ({"kind", "name", "url", "visibility"}), or multipart/form-data with the file in
// the part "file" and the text fields kind, name, url and visibility. Files are
// limited to pipeline.MaxAttachmentBytes; a larger one is refused on "file" with the
// limit, without reading past it.
func AttachmentUpload(r *http.Request) (pipeline.AttachmentInput, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "multipart/form-data" {
		return readMultipartAttachment(multipart.NewReader(r.Body, params["boundary"]))
	}
	var in struct {
		Kind       string `json:"kind"`
		Name       string `json:"name"`
		URL        string `json:"url"`
		Visibility string `json:"visibility"`
	}
	// A link needs no file's room: the upload route's larger body limit is for files.
	r.Body = http.MaxBytesReader(nil, r.Body, maxLinkBody)
	if err := Decode(r, &in); err != nil {
		var re *requestError
		if errors.As(err, &re) && re.status == http.StatusUnsupportedMediaType {
			re.msg = "Send a link as JSON (Content-Type: application/json) or a file as multipart/form-data with the file in the part \"file\"."
		}
		return pipeline.AttachmentInput{}, err
	}
	return pipeline.AttachmentInput{Kind: in.Kind, Name: in.Name, URL: in.URL, Visibility: pipeline.Visibility(in.Visibility)}, nil
}

// readMultipartAttachment reads the parts of an upload form: one file part and
// short text fields; unknown parts are refused by name.
func readMultipartAttachment(mr *multipart.Reader) (pipeline.AttachmentInput, error) {
	var in pipeline.AttachmentInput
	seenFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return pipeline.AttachmentInput{}, bodyError(err, "The upload is not a readable multipart form")
		}
		name := part.FormName()
		if name == "file" {
			if seenFile {
				return pipeline.AttachmentInput{}, tandem.Invalid("The attachment is not valid.", tandem.FieldError{Path: "file", Detail: "send one file per attachment"})
			}
			seenFile = true
			in.FileName = part.FileName()
			body, err := io.ReadAll(io.LimitReader(part, pipeline.MaxAttachmentBytes+1))
			if err != nil {
				return pipeline.AttachmentInput{}, bodyError(err, "The file could not be read")
			}
			if len(body) > pipeline.MaxAttachmentBytes {
				return pipeline.AttachmentInput{}, tandem.Invalid("The attachment is not valid.", tandem.FieldError{Path: "file",
					Detail: "is larger than " + pipeline.ByteSize(pipeline.MaxAttachmentBytes) + ", the largest file Tandem keeps"})
			}
			in.File = body
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return pipeline.AttachmentInput{}, bodyError(err, "The form could not be read")
		}
		if len(value) > maxFormField {
			return pipeline.AttachmentInput{}, tandem.Invalid("The attachment is not valid.", tandem.FieldError{Path: name, Detail: fmt.Sprintf("must be at most %d bytes", maxFormField)})
		}
		switch name {
		case "kind":
			in.Kind = string(value)
		case "name":
			in.Name = string(value)
		case "url":
			in.URL = string(value)
		case "visibility":
			in.Visibility = pipeline.Visibility(value)
		default:
			return pipeline.AttachmentInput{}, tandem.Invalid("The attachment is not valid.", tandem.FieldError{Path: name,
				Detail: "is not a field of an attachment (send file, kind, name, url or visibility)"})
		}
	}
	return in, nil
}

// bodyError reports a body that could not be read: too large (413) or malformed (400).
func bodyError(err error, what string) error {
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("The request body is larger than the limit of %d bytes.", big.Limit)}
	}
	return &requestError{status: http.StatusBadRequest, msg: what + ": " + err.Error() + "."}
}

// ContentDisposition returns an "attachment" Content-Disposition for name: a plain
// ASCII fallback and the exact name in UTF-8 (RFC 6266, RFC 8187), so a browser saves
// the file under its name and nothing in the name can end the header.
func ContentDisposition(name string) string {
	var ascii, enc strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' || r >= utf8.RuneSelf:
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b < utf8.RuneSelf && (('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') || strings.IndexByte(attrChar, b) >= 0) {
			enc.WriteByte(b)
			continue
		}
		fmt.Fprintf(&enc, "%%%02X", b)
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}

// ServeAttachment writes a file attachment as a download: the type it was checked
// as, never sniffed, in a sandbox, kept from shared caches. The attachment's id is
// its ETag (a file never changes under its id): a matching If-None-Match gets 304,
// and HEAD gets the headers only.
func ServeAttachment(w http.ResponseWriter, r *http.Request, a pipeline.Attachment, body []byte) {
	h := w.Header()
	etag := `"` + a.ID + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	for _, t := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if t = strings.TrimPrefix(strings.TrimSpace(t), "W/"); t == etag || t == "*" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", ContentDisposition(a.Name))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Last-Modified", a.CreatedAt.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// RegisterAttachments adds the routes for documents on opportunities.
func RegisterAttachments(rt *Router, svc *pipeline.Service) {
	rt.Handle("GET", "/api/v1/opportunities/{id}/attachments", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		as, err := svc.Attachments(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": attachmentsOut(p, as)})
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/attachments", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		release, err := BeginUpload(w, r, svc, p.Actor)
		if err != nil {
			return err
		}
		defer release()
		in, err := AttachmentUpload(r)
		if err != nil {
			return err
		}
		a, err := svc.AddAttachment(r.Context(), p.Actor, p.Name, r.PathValue("id"), in)
		if err != nil {
			return err
		}
		switch v := attachmentsOut(p, []pipeline.Attachment{a}).(type) {
		case []pipeline.PartnerAttachmentView:
			WriteJSON(w, http.StatusCreated, v[0])
		case []attachmentJSON:
			WriteJSON(w, http.StatusCreated, v[0])
		}
		return nil
	})
	rt.Handle("GET", "/api/v1/opportunities/{id}/attachments/{aid}/content", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		a, body, err := svc.AttachmentContent(r.Context(), p.Actor, r.PathValue("id"), r.PathValue("aid"))
		if err != nil {
			return err
		}
		if a.IsLink() {
			return tandem.Errorf(tandem.KindNotFound, "That attachment is a link to %s; Tandem keeps no file for it.", a.URL)
		}
		ServeAttachment(w, r, a, body)
		return nil
	})
	rt.Handle("DELETE", "/api/v1/opportunities/{id}/attachments/{aid}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if err := svc.RemoveAttachment(r.Context(), p.Actor, p.Name, r.PathValue("id"), r.PathValue("aid"), r.URL.Query().Get("reason")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
