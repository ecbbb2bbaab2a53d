// Package server assembles Tandem's HTTP surface — health, metrics, the JSON API and
// the web UI — behind one middleware chain (request id, logging, metrics, security
// headers, body limits, panic recovery), and runs it with timeouts and graceful
// shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/jobs"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/store"
)

// Options configure a Server.
type Options struct {
	DB           *store.DB
	Jobs         *jobs.Queue
	Logger       *slog.Logger
	MaxBodyBytes int64
	// BodyLimit, when set, gives the largest body of a request that may carry more
	// than MaxBodyBytes (a file upload); the larger of the two applies. Handlers that
	// accept such bodies check their own, tighter limits.
	BodyLimit func(r *http.Request) int64
	// Secure marks the deployment as served over HTTPS (adds HSTS).
	Secure bool
}

// Server is Tandem's HTTP handler. Register routes on Mux before serving.
type Server struct {
	Mux     *http.ServeMux
	opts    Options
	metrics *metrics
	handler http.Handler
}

// New returns a server with /healthz, /readyz and /metrics registered.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	s := &Server{Mux: http.NewServeMux(), opts: o, metrics: newMetrics(o.DB, o.Jobs)}
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.Mux.HandleFunc("GET /readyz", s.ready)
	s.Mux.Handle("GET /metrics", s.metrics.handler())
	// Browsers say where a request comes from (Sec-Fetch-Site, Origin); a
	// state-changing request from another site is refused with 403 before any handler
	// runs. Requests without those headers (API clients) are unaffected.
	s.handler = s.middleware(http.NewCrossOriginProtection().Handler(s.Mux))
	return s
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.opts.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	if ok, err := s.opts.DB.MigrationsCurrent(ctx); err != nil || !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database migrations pending\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if len(id) < 8 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			id = reqid.New()
		}
		ctx := reqid.WithIP(reqid.With(r.Context(), id), clientIP(r))
		r = r.WithContext(ctx)
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.opts.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if r.Body != nil {
			limit := s.opts.MaxBodyBytes
			if s.opts.BodyLimit != nil {
				limit = max(limit, s.opts.BodyLimit(r))
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.opts.Logger.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !sw.wrote {
					http.Error(sw, "Something went wrong on our side. It has been logged; please try again.", http.StatusInternalServerError)
				}
			}
			d := time.Since(start)
			s.metrics.observe(r.Pattern, r.Method, sw.status, d)
			s.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", r.Pattern),
				slog.Int("status", sw.status), slog.Duration("duration", d), slog.String("remote", clientIP(r)))
		}()
		next.ServeHTTP(sw, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Run serves on ln until ctx is cancelled, then stops accepting connections and gives
// running requests up to grace to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
