package email_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/integrations/email"
	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
)

// The header fields a message written by the sender may have; anything else in the
// output means a value escaped into a header of its own.
var allowedHeaders = map[string]bool{
	"From": true, "To": true, "Subject": true, "Date": true, "Message-Id": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
	"Auto-Submitted": true, "X-Tandem-Test": true,
}

// FuzzMessageRoundTrip builds a message from arbitrary fields. Whatever Validate
// accepts must be written so that reading it back gives the same subject, recipient,
// text and Message-ID, and no header fields other than the sender's own.
func FuzzMessageRoundTrip(f *testing.F) {
	f.Add("Your sign-in link for Northstar", "Ana Lima", "ana@partner.example", "Open https://t.example/s/a\n", "signin:1", "v")
	f.Add("Réunion — 🎉", "Zoë Ångström", "zoe@partner.example", "é à ü\n\nbye", "k", "ü")
	f.Add("Hi\r\nBcc: x@example.com", "Eve", "eve@example.com", "x", "k", "1\r\nBcc: y@example.com")
	f.Add(strings.Repeat("long subject words ", 12), "\"Quoted\" <Name>", "a.b+c@example.com", strings.Repeat("line of text ", 100), "k2", "")
	f.Add("=?utf-8?q?encoded?=", "=?utf-8?b?QQ==?=", "x@example.com", "=3D and trailing space \n.\n", "k3", "=?x?")
	from := email.Address{Name: "Tandem", Email: "no-reply@tandem.example"}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, subject, name, addr, text, key, header string) {
		m := email.Message{
			To:             []email.Address{{Name: name, Email: addr}},
			Subject:        subject,
			Text:           text,
			IdempotencyKey: key,
			Headers:        map[string]string{"X-Tandem-Test": header},
		}
		raw, err := email.WriteForTest(from, m, now)
		if m.Validate() != nil {
			if err == nil || !email.IsPermanent(err) {
				t.Fatalf("an invalid message was written, or refused with a temporary error: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("a valid message could not be written: %v", err)
		}
		r, err := smtptest.Parse(raw)
		if err != nil {
			t.Fatalf("written message does not parse: %v\n%s", err, raw)
		}
		for h := range r.Headers {
			if !allowedHeaders[h] {
				t.Fatalf("unexpected header %q in\n%s", h, raw)
			}
		}
		if want := strings.Join(strings.Fields(subject), " "); r.Subject != want {
			t.Fatalf("subject %q came back as %q\n%s", want, r.Subject, raw)
		}
		if len(r.To) != 1 || r.To[0] != addr {
			t.Fatalf("recipient %q came back as %q", addr, r.To)
		}
		if want := normaliseNewlines(text); r.Text != want {
			t.Fatalf("text %q came back as %q", want, r.Text)
		}
		if r.MessageID != email.MessageID(key, "tandem.example") {
			t.Fatalf("Message-ID = %q", r.MessageID)
		}
	})
}

func normaliseNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
