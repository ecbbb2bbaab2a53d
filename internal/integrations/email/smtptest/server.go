// Package smtptest runs a real SMTP server on the loopback interface for tests, so that
// mail sent by Tandem can be read back and its links followed.
//
// Start listens on 127.0.0.1 on a free port and stops when the test ends. The server
// accepts every message (unless told to fail with FailNext), keeps it in memory, and
// parses it with the standard library (net/mail, mime, mime/multipart,
// mime/quotedprintable): headers, the plain-text part and the HTML part. Options add
// STARTTLS or implicit TLS with a certificate made at start, and AUTH PLAIN.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tandemprm/tandem/internal/integrations/email"
)

// MaxMessageBytes is the largest message the server accepts.
const MaxMessageBytes = 10 << 20

// Stage is the SMTP command at which FailNext makes the server answer with an error.
type Stage string

// The stages FailNext can fail at.
const (
	AtMail Stage = "MAIL" // the sender (MAIL FROM)
	AtRcpt Stage = "RCPT" // each recipient (RCPT TO)
	AtData Stage = "DATA" // after the content has been received
)

// Option changes how Start sets up the server.
type Option func(*config)

type config struct {
	startTLS, implicitTLS bool
	username, password    string
}

// WithStartTLS makes the server offer STARTTLS with a self-signed certificate for
// 127.0.0.1 and localhost, made at start. Clients trust it through ClientTLSConfig.
func WithStartTLS() Option { return func(c *config) { c.startTLS = true } }

// WithImplicitTLS makes the server speak TLS from the first byte, with the same kind
// of certificate as WithStartTLS.
func WithImplicitTLS() Option { return func(c *config) { c.implicitTLS = true } }

// WithAuth makes the server require AUTH PLAIN with this username and password
// before MAIL FROM. Without TLS the server allows AUTH in plain text, as it only
// listens on loopback.
func WithAuth(username, password string) Option {
	return func(c *config) { c.username, c.password = username, password }
}

// Server is a running test SMTP server.
type Server struct {
	addr *net.TCPAddr
	cfg  config
	srv  *smtp.Server
	tls  *tls.Config // server side; nil without TLS
	pool *x509.CertPool

	mu       sync.Mutex
	messages []Received
	changed  chan struct{} // closed and replaced whenever messages grows
	failures []failure
}

type failure struct {
	stage Stage
	code  int
}

// Start runs a server on 127.0.0.1 on a free port. It is closed when the test and its
// subtests finish.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{changed: make(chan struct{})}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.startTLS && s.cfg.implicitTLS {
		t.Fatal("smtptest: choose WithStartTLS or WithImplicitTLS, not both")
	}
	if s.cfg.startTLS || s.cfg.implicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			t.Fatalf("smtptest: make certificate: %v", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.pool = pool
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().(*net.TCPAddr)

	srv := smtp.NewServer(backend{s})
	srv.Domain = "smtptest.localhost"
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = 100
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = quietLog{}
	srv.AllowInsecureAuth = s.tls == nil
	if s.cfg.startTLS {
		srv.TLSConfig = s.tls
	}
	if s.cfg.implicitTLS {
		l = tls.NewListener(l, s.tls)
	}
	s.srv = srv

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // returns when Close is called
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		// Serve may not have registered the listener with the server yet, in which
		// case Close did not close it; closing it here ends Serve either way.
		_ = l.Close()
		<-done
	})
	return s
}

// Addr returns the server's address as "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr.String() }

// Host returns "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// ClientTLSConfig returns a client TLS configuration that trusts the server's
// certificate, or nil when the server has no TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.pool == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.pool, ServerName: s.Host(), MinVersion: tls.VersionTLS12}
}

// Messages returns a copy of every message accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.messages))
	copy(out, s.messages)
	return out
}

// WaitFor returns the first accepted message for which match returns true, waiting up
// to timeout for it to arrive. match is called without any lock held, so it may call
// the server's methods. If none does, it fails the test, listing what did
// arrive.
func (s *Server) WaitFor(t testing.TB, match func(Received) bool, timeout time.Duration) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs := append([]Received(nil), s.messages...)
		changed := s.changed
		s.mu.Unlock()
		seen := make([]string, 0, len(msgs))
		for _, m := range msgs {
			if match(m) {
				return m
			}
			seen = append(seen, fmt.Sprintf("%q to %v", m.Subject, m.EnvelopeTo))
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("smtptest: no matching message within %s; received %d: %s",
				timeout, len(seen), strings.Join(seen, "; "))
			return Received{}
		}
	}
}

// FailNext makes the server answer the next n commands of the given stage with the
// SMTP reply code (4xx for a temporary failure, 5xx for a permanent one) instead of
// accepting them. A message refused at any stage is not recorded.
func (s *Server) FailNext(n int, stage Stage, code int) {
	if code < 400 || code > 599 {
		panic("smtptest: FailNext needs a 4xx or 5xx code, got " + strconv.Itoa(code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{stage, code})
	}
}

// takeFailure returns the SMTP error for the next failure planned at stage, if any.
func (s *Server) takeFailure(stage Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.failures {
		if f.stage == stage {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			return &smtp.SMTPError{
				Code:         f.code,
				EnhancedCode: smtp.EnhancedCode{f.code / 100, 0, 0},
				Message:      fmt.Sprintf("smtptest: planned failure at %s", stage),
			}
		}
	}
	return nil
}

func (s *Server) record(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

// Links returns the http and https links in the plain-text part of r, in order (see
// email.Links for the rules).
func Links(r Received) []string { return email.Links(r.Text) }

// backend makes one session per connection.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, conn: c, tls: isTLS}, nil
}

// session is one client connection; go-smtp calls it from one goroutine.
type session struct {
	s    *Server
	conn *smtp.Conn
	tls  bool
	user string
	from string
	to   []string
}

var errBadLogin = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "smtptest: wrong username or password"}

func (ss *session) AuthMechanisms() []string {
	if ss.s.cfg.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.cfg.username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.cfg.username || password != ss.s.cfg.password || (identity != "" && identity != username) {
			return errBadLogin
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.cfg.username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	if err := ss.s.takeFailure(AtMail); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.takeFailure(AtRcpt); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("smtptest: read message: %w", err)
	}
	if err := ss.s.takeFailure(AtData); err != nil {
		return err
	}
	rec, perr := Parse(raw)
	rec.Raw = bytes.Clone(raw)
	rec.ParseErr = perr
	rec.EnvelopeFrom = ss.from
	rec.EnvelopeTo = append([]string(nil), ss.to...)
	rec.Username = ss.user
	_, rec.TLS = ss.conn.TLSConnectionState()
	ss.s.record(rec)
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// quietLog drops go-smtp's connection error lines, which tests that break connections
// on purpose would otherwise print.
type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}
