package email

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// Option adjusts a sender made by NewSMTPSender or NewSender.
type Option func(*options)

type options struct {
	tls    *tls.Config
	now    func() time.Time
	logger *slog.Logger
}

// WithTLSConfig sets the TLS settings used for STARTTLS and implicit TLS, for example
// to trust a private certificate authority. The sender uses a copy with ServerName
// set to the configured host when it is empty, and with at least TLS 1.2.
func WithTLSConfig(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// WithClock sets the clock that dates messages. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets where the sender writes one debug line per message sent (its
// Message-ID and the number of recipients). The default discards them.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

func collectOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// SMTPSender delivers messages to one SMTP server, opening a connection for each
// message. Build it with NewSMTPSender.
type SMTPSender struct {
	host     string
	port     int
	username string
	password string
	mode     TLSMode
	helo     string
	timeout  time.Duration
	from     Address
	opts     options
}

// NewSMTPSender validates cfg and returns a sender for it. cfg must name a host.
func NewSMTPSender(cfg Config, opts ...Option) (*SMTPSender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, fmt.Errorf("email: smtp-host is empty; use NewSender to fall back to the outbox")
	}
	mode, _ := ParseTLSMode(string(cfg.TLS)) // checked by Validate
	from, _ := parseFrom(cfg.From)           // checked by Validate
	s := &SMTPSender{
		host:     cfg.Host,
		port:     cfg.Port,
		username: cfg.Username,
		password: cfg.Password,
		mode:     mode,
		helo:     cfg.HELO,
		timeout:  cfg.Timeout,
		from:     from,
		opts:     collectOptions(opts),
	}
	if s.port == 0 {
		s.port = mode.DefaultPort()
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	return s, nil
}

// String describes the sender without its password, so that printing it with %v or
// %+v is safe.
func (s *SMTPSender) String() string {
	return fmt.Sprintf("email.SMTPSender{%s:%d tls=%s user=%q from=%q}", s.host, s.port, s.mode, s.username, s.from.Email)
}

// GoString is String, so that %#v does not print the password either.
func (s *SMTPSender) GoString() string { return s.String() }

// From returns the sender address that messages carry.
func (s *SMTPSender) From() Address { return s.from }

// Send validates m and delivers it over one new SMTP connection. ctx bounds the
// connection attempt; after that each exchange with the server is bounded by the
// configured timeout. An error is a *SendError; see IsPermanent. If the server
// accepted the message but closing the connection failed, Send returns nil.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return invalid(err)
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Stage: StageConnect, Err: fmt.Errorf("before connecting: %w", err)}
	}
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.host, s.clientOptions()...)
	if err != nil {
		return &SendError{Stage: StageConnect, Err: fmt.Errorf("set up SMTP client: %w", err)}
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if err != nil && !msg.IsDelivered() {
		return classifySMTP(fmt.Errorf("send to %s:%d: %w", s.host, s.port, err))
	}
	if err != nil {
		s.opts.logger.LogAttrs(ctx, slog.LevelDebug, "email delivered, but closing the SMTP connection failed",
			slog.String("message_id", msg.GetMessageID()), slog.String("error", err.Error()))
	}
	s.opts.logger.LogAttrs(ctx, slog.LevelDebug, "email sent",
		slog.String("message_id", msg.GetMessageID()),
		slog.Int("recipients", len(m.To)))
	return nil
}

func (s *SMTPSender) clientOptions() []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
	}
	if s.helo != "" {
		opts = append(opts, gomail.WithHELO(s.helo))
	}
	tc := &tls.Config{}
	if s.opts.tls != nil {
		tc = s.opts.tls.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = s.host
	}
	if tc.MinVersion < tls.VersionTLS12 {
		tc.MinVersion = tls.VersionTLS12
	}
	opts = append(opts, gomail.WithTLSConfig(tc))
	switch s.mode {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.mode == TLSNone {
			// Only reachable for a loopback host (Validate refuses others); go-mail's
			// PLAIN mechanism itself also refuses unencrypted non-local servers.
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(s.username), gomail.WithPassword(s.password))
	}
	return opts
}

// build turns a validated Message into a go-mail message.
func (s *SMTPSender) build(m Message) (*gomail.Msg, error) {
	return buildMsg(s.from, m, s.opts.now())
}

// buildMsg writes the headers and parts of m, sent by from at time now.
func buildMsg(from Address, m Message, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&mail.Address{Name: displayName(from.Name), Address: from.Email})
	for _, to := range m.To {
		msg.AddToMailAddress(&mail.Address{Name: displayName(to.Name), Address: to.Email})
	}
	setSubject(msg, m.Subject)
	msg.SetMessageIDWithValue(MessageID(m.IdempotencyKey, domainOf(from.Email)))
	msg.SetDateWithValue(now)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	for _, name := range sortedKeys(m.Headers) {
		canon := canonicalHeader(name)
		value := m.Headers[name]
		if canon == "Reply-To" {
			list, err := parseAddressList(value)
			if err != nil {
				return nil, invalid(fmt.Errorf("headers[%s]: %w", name, err))
			}
			msg.ReplyToMailAddress(list...)
			continue
		}
		msg.SetGenHeader(gomail.Header(canon), value)
	}
	msg.SetBodyString(gomail.TypeTextPlain, normaliseNewlines(m.Text))
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, normaliseNewlines(m.HTML))
	}
	return msg, nil
}

// setSubject writes the subject with its runs of white space made single spaces (a
// folded header line could not keep them anyway). go-mail encodes a subject only when
// it holds characters outside printable ASCII; a plain subject that happens to contain
// "=?" would then be read by mail programs as encoded words and shown as something
// else, so such a subject is always encoded here.
func setSubject(msg *gomail.Msg, subject string) {
	subject = strings.Join(strings.Fields(subject), " ")
	if !strings.Contains(subject, "=?") {
		msg.Subject(subject)
		return
	}
	var words []string
	for subject != "" {
		n := 0
		for n < len(subject) && n < 45 {
			_, size := utf8.DecodeRuneInString(subject[n:])
			if n+size > 45 {
				break
			}
			n += size
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(subject[:n]))+"?=")
		subject = subject[n:]
	}
	msg.SetGenHeaderPreformatted(gomail.HeaderSubject, strings.Join(words, "\r\n "))
}

// normaliseNewlines turns CR LF and lone CR into LF; go-mail writes every LF as CR LF.
func normaliseNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// displayName works around net/mail's Address.String, which writes a name that holds
// both non-ASCII letters and a backslash as a Q-encoded word with a bare backslash in
// it, which mail parsers (net/mail's own among them) refuse, losing the whole address
// header. In such a name the backslash becomes U+29F5, which looks the same.
func displayName(name string) string {
	if strings.ContainsRune(name, '\\') && strings.IndexFunc(name, func(r rune) bool { return r > '~' }) >= 0 {
		return strings.ReplaceAll(name, "\\", "\u29f5")
	}
	return name
}
