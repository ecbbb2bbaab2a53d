// Package api is Tandem's JSON REST API under /api/v1: strict request decoding, RFC
// 9457 problem+json errors with a path for each invalid field, keyset pagination,
// idempotent POSTs and the OpenAPI 3.1 document served at /api/openapi.json. Handlers
// translate between HTTP and domain services; they make no decisions of their own.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []tandem.FieldError `json:"errors,omitempty"`
}

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[tandem.Kind]int{
	tandem.KindInvalid:         http.StatusUnprocessableEntity,
	tandem.KindNotFound:        http.StatusNotFound,
	tandem.KindConflict:        http.StatusConflict,
	tandem.KindForbidden:       http.StatusForbidden,
	tandem.KindUnauthenticated: http.StatusUnauthorized,
	tandem.KindRateLimited:     http.StatusTooManyRequests,
	tandem.KindUnavailable:     http.StatusServiceUnavailable,
	tandem.KindInternal:        http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for an error's kind.
func StatusOf(err error) int {
	if s, ok := statusOf[tandem.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// requestError is a transport-level failure (malformed JSON, wrong content type, a
// body too large) with its own status; it never reaches the domain.
type requestError struct {
	status int
	msg    string
	fields []tandem.FieldError
}

func (e *requestError) Error() string { return e.msg }

// WriteError writes err as problem+json. Internal errors are logged with the request
// id and shown as a plain sentence; nothing internal leaks into the response.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem{Instance: r.URL.Path, RequestID: reqid.From(r.Context())}
	var re *requestError
	if errors.As(err, &re) {
		p.Status, p.Detail, p.Errors = re.status, re.msg, re.fields
		p.Type = "urn:tandem:problem:bad-request"
	} else {
		kind := tandem.KindOf(err)
		p.Status = StatusOf(err)
		p.Detail = tandem.MessageOf(err)
		p.Errors = tandem.FieldsOf(err)
		p.Type = "urn:tandem:problem:" + string(kind)
		if kind == tandem.KindInternal {
			slog.ErrorContext(r.Context(), "request failed", "error", err.Error(), "path", r.URL.Path)
		}
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		secs := int(tandem.RetryAfterOf(err).Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	}
	WriteJSONType(w, p.Status, "application/problem+json", p)
}

// WriteJSON writes v as a JSON response with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	WriteJSONType(w, status, "application/json", v)
}

// WriteJSONType writes v as JSON with the given media type.
func WriteJSONType(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"type":"urn:tandem:problem:internal","title":"Internal Server Error","status":500}`)
		contentType = "application/problem+json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
