package email_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/integrations/email"
	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
	"github.com/tandemprm/tandem/internal/tandem"
)

var fixedNow = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

const wait = 5 * time.Second

// sender returns an SMTPSender pointed at srv with the given TLS mode and options.
func sender(t *testing.T, srv *smtptest.Server, mode email.TLSMode, mutate func(*email.Config), opts ...email.Option) *email.SMTPSender {
	t.Helper()
	cfg := email.Config{
		Host:    srv.Host(),
		Port:    srv.Port(),
		TLS:     mode,
		From:    "Tandem at Acme <no-reply@tandem.example>",
		HELO:    "tandem.test",
		Timeout: 5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := email.NewSMTPSender(cfg, append([]email.Option{email.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

func signinMessage(t *testing.T, key string) (email.Message, string) {
	t.Helper()
	link := "https://tandem.example/signin/redeem?token=abc123-" + key
	subject, text, html, err := email.Render(email.TemplateSignin, email.SigninData{
		WorkspaceName:    "Acme Cloud",
		PersonName:       "Ana Lima",
		Link:             link,
		ExpiresInMinutes: 15,
		RequestedFromIP:  "203.0.113.7",
	})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return email.Message{
		To:             []email.Address{{Name: "Ana Lima", Email: "ana@partner.example"}},
		Subject:        subject,
		Text:           text,
		HTML:           html,
		IdempotencyKey: key,
	}, link
}

func TestSendDeliversBothPartsAndTheLink(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv, email.TLSNone, nil)
	m, link := signinMessage(t, "signin:ws_1:tok_1")

	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, func(r smtptest.Received) bool { return r.Subject == m.Subject }, wait)

	if got.ParseErr != nil {
		t.Fatalf("received message did not parse: %v", got.ParseErr)
	}
	if got.Subject != "Your sign-in link for Acme Cloud" {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.EnvelopeFrom != "no-reply@tandem.example" || len(got.EnvelopeTo) != 1 || got.EnvelopeTo[0] != "ana@partner.example" {
		t.Errorf("envelope = %q -> %q", got.EnvelopeFrom, got.EnvelopeTo)
	}
	if got.From != `"Tandem at Acme" <no-reply@tandem.example>` {
		t.Errorf("From header = %q", got.From)
	}
	if len(got.To) != 1 || got.To[0] != "ana@partner.example" {
		t.Errorf("To header addresses = %q", got.To)
	}
	if got.Text != m.Text {
		t.Errorf("text part changed in transit:\n got %q\nwant %q", got.Text, m.Text)
	}
	if got.HTML != strings.ReplaceAll(m.HTML, "\r\n", "\n") {
		t.Errorf("HTML part changed in transit")
	}
	if links := smtptest.Links(got); len(links) != 1 || links[0] != link {
		t.Errorf("links in text = %q, want [%q]", links, link)
	}
	if !strings.Contains(got.HTML, `href="`+link+`"`) {
		t.Errorf("HTML has no href to the link")
	}
	if ct := got.Headers.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if d, err := got.Headers.Date(); err != nil || !d.Equal(fixedNow) {
		t.Errorf("Date = %v (%v), want %v", d, err, fixedNow)
	}
	if v := got.Headers.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", v)
	}
	if v := got.Headers.Get("User-Agent") + got.Headers.Get("X-Mailer"); v != "" {
		t.Errorf("mailer headers present: %q", v)
	}
	if got.TLS || got.Username != "" {
		t.Errorf("plain connection reported TLS=%v user=%q", got.TLS, got.Username)
	}
}

func TestMessageIDIsStableForOneKey(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv, email.TLSNone, nil)
	first, _ := signinMessage(t, "invite:ws_1:inv_9")
	other, _ := signinMessage(t, "invite:ws_1:inv_10")
	for _, m := range []email.Message{first, first, other} {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	srv.WaitFor(t, func(smtptest.Received) bool { return len(srv.Messages()) == 3 }, wait)
	msgs := srv.Messages()
	want := email.MessageID("invite:ws_1:inv_9", "tandem.example")
	if msgs[0].MessageID != want || msgs[1].MessageID != want {
		t.Errorf("Message-IDs of two sends of one key = %q, %q; want both %q", msgs[0].MessageID, msgs[1].MessageID, want)
	}
	if msgs[2].MessageID == want {
		t.Errorf("a different key got the same Message-ID %q", want)
	}
	if !strings.HasSuffix(want, "@tandem.example") || strings.Contains(want, "inv_9") {
		t.Errorf("Message-ID %q should end with the from domain and not show the key", want)
	}
}

func TestServerRepliesAreClassified(t *testing.T) {
	cases := []struct {
		name      string
		stage     smtptest.Stage
		code      int
		wantStage email.Stage
		permanent bool
	}{
		{"unknown recipient", smtptest.AtRcpt, 550, email.StageRecipient, true},
		{"mailbox busy", smtptest.AtRcpt, 450, email.StageRecipient, false},
		{"sender refused", smtptest.AtMail, 553, email.StageSender, true},
		{"try again later", smtptest.AtMail, 421, email.StageSender, false},
		{"content refused", smtptest.AtData, 554, email.StageData, true},
		{"content deferred", smtptest.AtData, 451, email.StageData, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			s := sender(t, srv, email.TLSNone, nil)
			m, _ := signinMessage(t, "k")
			srv.FailNext(1, c.stage, c.code)

			err := s.Send(context.Background(), m)
			var se *email.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send error = %v, want a *SendError", err)
			}
			if se.Stage != c.wantStage || se.Code != c.code || email.IsPermanent(err) != c.permanent {
				t.Errorf("got stage %s code %d permanent %v; want %s %d %v (%v)",
					se.Stage, se.Code, email.IsPermanent(err), c.wantStage, c.code, c.permanent, err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server recorded %d messages after refusing", n)
			}
			// The next attempt goes through, as a retrying job's would.
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			if n := len(srv.Messages()); n != 1 {
				t.Errorf("after the retry the server has %d messages, want 1", n)
			}
		})
	}
}

func TestRetryUntilDeliveredStopsOnPermanent(t *testing.T) {
	// A sketch of the send job's loop: retry temporary failures, stop on permanent ones.
	srv := smtptest.Start(t)
	s := sender(t, srv, email.TLSNone, nil)
	m, _ := signinMessage(t, "job:1")

	srv.FailNext(2, smtptest.AtMail, 451)
	attempts := 0
	var err error
	for attempts < 5 {
		attempts++
		if err = s.Send(context.Background(), m); err == nil || email.IsPermanent(err) {
			break
		}
	}
	if err != nil || attempts != 3 {
		t.Fatalf("after %d attempts err = %v; want success on the third", attempts, err)
	}

	srv.FailNext(1, smtptest.AtRcpt, 550)
	attempts = 0
	for attempts < 5 {
		attempts++
		if err = s.Send(context.Background(), m); err == nil || email.IsPermanent(err) {
			break
		}
	}
	if !email.IsPermanent(err) || attempts != 1 {
		t.Fatalf("after %d attempts err = %v; want a permanent failure on the first", attempts, err)
	}
}

func TestConnectionFailuresAreTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	s, err := email.NewSMTPSender(email.Config{Host: "127.0.0.1", Port: port, TLS: email.TLSNone, From: "t@tandem.example", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := signinMessage(t, "k")
	err = s.Send(context.Background(), m)
	var se *email.SendError
	if !errors.As(err, &se) || se.Stage != email.StageConnect || email.IsPermanent(err) {
		t.Fatalf("refused connection: err = %v; want a temporary connect failure", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, m); err == nil || email.IsPermanent(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: err = %v; want a temporary failure wrapping context.Canceled", err)
	}
}

func TestStartTLSWithLogin(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithStartTLS(), smtptest.WithAuth("tandem", "s3cret-pass"))
	s := sender(t, srv, email.TLSStartTLS, func(c *email.Config) {
		c.Username, c.Password = "tandem", "s3cret-pass"
	}, email.WithTLSConfig(srv.ClientTLSConfig()))
	m, link := signinMessage(t, "k")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, func(smtptest.Received) bool { return true }, wait)
	if !got.TLS || got.Username != "tandem" {
		t.Errorf("TLS=%v user=%q; want TLS and user tandem", got.TLS, got.Username)
	}
	if l := smtptest.Links(got); len(l) != 1 || l[0] != link {
		t.Errorf("links = %q", l)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithImplicitTLS())
	s := sender(t, srv, email.TLSImplicit, nil, email.WithTLSConfig(srv.ClientTLSConfig()))
	m, _ := signinMessage(t, "k")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.WaitFor(t, func(smtptest.Received) bool { return true }, wait); !got.TLS {
		t.Errorf("message did not arrive over TLS")
	}
}

func TestTLSProblemsAreTemporaryConnectFailures(t *testing.T) {
	m, _ := signinMessage(t, "k")
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithStartTLS())
		err := sender(t, srv, email.TLSStartTLS, nil).Send(context.Background(), m)
		assertConnectFailure(t, err, srv)
	})
	t.Run("server without STARTTLS", func(t *testing.T) {
		srv := smtptest.Start(t)
		err := sender(t, srv, email.TLSStartTLS, nil).Send(context.Background(), m)
		assertConnectFailure(t, err, srv)
	})
}

func assertConnectFailure(t *testing.T, err error, srv *smtptest.Server) {
	t.Helper()
	var se *email.SendError
	if !errors.As(err, &se) || se.Stage != email.StageConnect || email.IsPermanent(err) {
		t.Fatalf("err = %v; want a temporary connect failure", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server recorded %d messages", n)
	}
}

func TestWrongPasswordIsNotPermanentAndNotShown(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithStartTLS(), smtptest.WithAuth("tandem", "right-password"))
	var logs bytes.Buffer
	s := sender(t, srv, email.TLSStartTLS, func(c *email.Config) {
		c.Username, c.Password = "tandem", "wrong-password-xyzzy"
	}, email.WithTLSConfig(srv.ClientTLSConfig()), email.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	m, _ := signinMessage(t, "k")
	err := s.Send(context.Background(), m)
	var se *email.SendError
	if !errors.As(err, &se) || se.Stage != email.StageConnect || se.Code != 535 {
		t.Fatalf("err = %v; want a connect failure with code 535", err)
	}
	if email.IsPermanent(err) {
		t.Errorf("a login failure should wait for the configuration to be fixed, not drop the message")
	}
	for _, where := range []string{err.Error(), fmt.Sprintf("%+v", err), logs.String()} {
		if strings.Contains(where, "xyzzy") {
			t.Errorf("password shown: %s", where)
		}
	}
}

func TestLoginWithoutTLSOnLoopback(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("dev", "devpass"))
	s := sender(t, srv, email.TLSNone, func(c *email.Config) { c.Username, c.Password = "dev", "devpass" })
	m, _ := signinMessage(t, "k")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.WaitFor(t, func(smtptest.Received) bool { return true }, wait); got.Username != "dev" {
		t.Errorf("user = %q", got.Username)
	}
}

func TestInvalidMessageIsPermanentAndNeverConnects(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv, email.TLSNone, nil)
	err := s.Send(context.Background(), email.Message{
		To:      []email.Address{{Email: "not an address"}},
		Subject: "Hi\r\nBcc: victim@example.com",
		Text:    "x",
	})
	if !email.IsPermanent(err) {
		t.Fatalf("err = %v; want permanent", err)
	}
	if tandem.KindOf(err) != tandem.KindInvalid {
		t.Errorf("kind = %s; want invalid", tandem.KindOf(err))
	}
	paths := map[string]bool{}
	for _, f := range tandem.FieldsOf(err) {
		paths[f.Path] = true
	}
	for _, p := range []string{"to[0].email", "subject", "idempotency_key"} {
		if !paths[p] {
			t.Errorf("no field error for %s in %v", p, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages", n)
	}
}

func TestHeadersAndInternationalText(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv, email.TLSNone, nil)
	m := email.Message{
		To:             []email.Address{{Name: "Zoë Ångström", Email: "zoe@partner.example"}, {Email: "ops@partner.example"}},
		Subject:        "Réunion confirmée — 🎉 » deal «",
		Text:           "Ligne une.\nLigne deux avec des accents: é à ü.\n",
		IdempotencyKey: "k-intl",
		Headers: map[string]string{
			"Reply-To":    "Deals <deals+reg_1@in.tandem.example>",
			"In-Reply-To": "<abc@partner.example>",
		},
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, func(smtptest.Received) bool { return true }, wait)
	if got.Subject != m.Subject {
		t.Errorf("subject = %q, want %q", got.Subject, m.Subject)
	}
	if got.Text != m.Text {
		t.Errorf("text = %q, want %q", got.Text, m.Text)
	}
	if got.HTML != "" {
		t.Errorf("a message without HTML got an HTML part")
	}
	if ct := got.Headers.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if len(got.EnvelopeTo) != 2 || len(got.To) != 2 {
		t.Errorf("recipients: envelope %q, header %q", got.EnvelopeTo, got.To)
	}
	if v := got.Headers.Get("Reply-To"); !strings.Contains(v, "deals+reg_1@in.tandem.example") {
		t.Errorf("Reply-To = %q", v)
	}
	if v := got.Headers.Get("In-Reply-To"); v != "<abc@partner.example>" {
		t.Errorf("In-Reply-To = %q", v)
	}
	to, err := got.Headers.AddressList("To")
	if err != nil || to[0].Name != "Zoë Ångström" {
		t.Errorf("To names = %v (%v)", to, err)
	}
}

func TestConcurrentSends(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv, email.TLSNone, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			m, _ := signinMessage(t, fmt.Sprintf("k%d", i))
			errs <- s.Send(context.Background(), m)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Messages()); n != 8 {
		t.Fatalf("got %d messages, want 8", n)
	}
}

func TestOutboxSenderHandsMessagesOn(t *testing.T) {
	var got []email.Outboxed
	s, err := email.NewSender(email.Config{}, func(_ context.Context, m email.Outboxed) error {
		got = append(got, m)
		return nil
	}, email.WithClock(clock))
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	if _, ok := s.(*email.OutboxSender); !ok {
		t.Fatalf("NewSender without a host gave %T, want *OutboxSender", s)
	}
	m, link := signinMessage(t, "signin:1")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("callback called %d times", len(got))
	}
	o := got[0]
	if o.MessageID != email.MessageID("signin:1", "localhost") || !o.CreatedAt.Equal(fixedNow) || o.From.Email != "tandem@localhost" {
		t.Errorf("outboxed = %+v", o)
	}
	if l := email.Links(o.Message.Text); len(l) != 1 || l[0] != link {
		t.Errorf("links in the outboxed text = %q", l)
	}

	if err := s.Send(context.Background(), email.Message{}); !email.IsPermanent(err) || len(got) != 1 {
		t.Errorf("invalid message: err = %v, callback calls = %d", err, len(got))
	}

	boom := errors.New("database is locked")
	failing := &email.OutboxSender{From: email.Address{Email: "t@tandem.example"}, Deliver: func(context.Context, email.Outboxed) error { return boom }}
	err = failing.Send(context.Background(), m)
	var se *email.SendError
	if !errors.As(err, &se) || se.Stage != email.StageOutbox || email.IsPermanent(err) || !errors.Is(err, boom) {
		t.Errorf("failing callback: err = %v", err)
	}
}

func TestNewSender(t *testing.T) {
	if _, err := email.NewSender(email.Config{}, nil); err == nil {
		t.Error("no host and no outbox: want an error")
	}
	s, err := email.NewSender(email.Config{Host: "smtp.example.com", From: "a@example.com"}, nil)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	if _, ok := s.(*email.SMTPSender); !ok {
		t.Errorf("NewSender with a host gave %T", s)
	}
	_, err = email.NewSender(email.Config{Host: "smtp.example.com"}, nil)
	if f := tandem.FieldsOf(err); len(f) != 1 || f[0].Path != "smtp-from" {
		t.Errorf("missing from: err = %v", err)
	}
}
