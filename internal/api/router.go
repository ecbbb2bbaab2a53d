package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Principal is who is calling: the policy actor every service call is made as, and a
// name to record in the audit log.
type Principal struct {
	Actor policy.Actor
	Name  string
}

// key names the caller for idempotency records: a token or a person.
func (p Principal) key() string { return string(p.Actor.Kind) + ":" + audit.ActorID(p.Actor) }

// Authenticator identifies the caller of a request, or returns an unauthenticated
// error.
type Authenticator func(r *http.Request) (Principal, error)

// DenyAll is the Authenticator used until sign-in exists: every protected route
// answers 401.
func DenyAll(*http.Request) (Principal, error) {
	return Principal{}, tandem.Errorf(tandem.KindUnauthenticated, "This endpoint needs an API token: send Authorization: Bearer <token>.")
}

// Route is one registered API operation.
type Route struct {
	Method, Path string
	Public       bool
}

// Router registers API handlers on a ServeMux and remembers every route, so that the
// OpenAPI document can be checked against what is really served.
type Router struct {
	mux    *http.ServeMux
	auth   Authenticator
	db     *store.DB
	now    func() time.Time
	routes []Route
}

// NewRouter returns a router that registers on mux and authenticates with auth.
func NewRouter(mux *http.ServeMux, db *store.DB, auth Authenticator, now func() time.Time) *Router {
	if auth == nil {
		auth = DenyAll
	}
	return &Router{mux: mux, auth: auth, db: db, now: now}
}

// Routes returns every registered API route.
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// HandlerFunc is an API handler for an authenticated caller. It returns an error to
// have it written as problem+json.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p Principal) error

// Public registers a handler that needs no caller identity.
func (rt *Router) Public(method, path string, h http.HandlerFunc) {
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Public: true})
	rt.mux.HandleFunc(method+" "+path, h)
}

// Handle registers a handler for authenticated callers. POSTs honour Idempotency-Key.
func (rt *Router) Handle(method, path string, h HandlerFunc) {
	rt.routes = append(rt.routes, Route{Method: method, Path: path})
	rt.mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		p, err := rt.auth(r)
		if err != nil {
			if tandem.KindOf(err) == tandem.KindUnauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tandem"`)
			}
			WriteError(w, r, err)
			return
		}
		if method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
			rt.idempotent(w, r, p, h)
			return
		}
		if err := h(w, r, p); err != nil {
			WriteError(w, r, err)
		}
	})
}

// idempotent runs h at most once per Idempotency-Key and caller: a retry with the same
// key and body gets the first response again; the same key with a different body is
// refused.
func (rt *Router) idempotent(w http.ResponseWriter, r *http.Request, p Principal, h HandlerFunc) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		WriteError(w, r, tandem.Invalid("The Idempotency-Key header is not valid.",
			tandem.FieldError{Path: "Idempotency-Key", Detail: "must be 1–255 visible ASCII characters, such as a UUID"}))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		WriteError(w, r, decodeError(err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), withoutBoundary(r.Header.Get("Content-Type"), body)...))
	hash := hex.EncodeToString(sum[:])
	claimedAt := rt.now()
	stored, err := rt.db.ClaimIdempotencyKey(r.Context(), p.Actor.WorkspaceID, p.key(), key, hash, claimedAt)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if stored != nil {
		if stored.RequestHash != hash {
			WriteError(w, r, tandem.Invalid("This Idempotency-Key was already used for a different request.",
				tandem.FieldError{Path: "Idempotency-Key", Detail: "was used before with another method, path or body; use a new key"}))
			return
		}
		if stored.Status == store.ResponseLost {
			WriteError(w, r, tandem.Errorf(tandem.KindConflict, "This request was carried out, but the server stopped before it could answer, so there is no response to repeat. Look up the result rather than sending the request again."))
			return
		}
		w.Header().Set("Content-Type", stored.ContentType)
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(stored.Status)
		_, _ = w.Write(stored.Body)
		return
	}
	// The request's transaction marks the key as used when it commits, so that a crash
	// before the response is saved below cannot lead a retry to save the change again.
	r = r.WithContext(store.WithIdempotencyClaim(r.Context(), p.Actor.WorkspaceID, p.key(), key, claimedAt))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	if err := h(rec, r, p); err != nil {
		WriteError(rec, r, err)
	}
	ctx := r.Context()
	if rec.status >= 500 {
		_ = rt.db.ReleaseIdempotencyKey(ctx, p.Actor.WorkspaceID, p.key(), key, claimedAt)
		return
	}
	_ = rt.db.SaveIdempotentResponse(ctx, p.Actor.WorkspaceID, p.key(), key, claimedAt, rec.status, rec.Header().Get("Content-Type"), rec.buf.Bytes())
}

// recorder passes a response through while keeping a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }
func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

// withoutBoundary returns a multipart body with its boundary taken out, so that the
// same form sent again under a fresh boundary (most clients draw a new one for every
// request) counts as the same request; other bodies are returned as they are. The
// boundary may not occur inside a part, so taking it out loses nothing else.
func withoutBoundary(contentType string, body []byte) []byte {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return body
	}
	return bytes.ReplaceAll(body, []byte(params["boundary"]), nil)
}
