package smtptest

import (
	"encoding/base64"
	"strings"
	"testing"
)

// crlf turns a readable message with LF line ends into one with CR LF, as on the wire.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseMultipartAlternative(t *testing.T) {
	raw := crlf(`From: =?utf-8?q?Tandem_f=C3=BCr_Acme?= <t@tandem.example>
To: "Ana" <ana@partner.example>, bo@partner.example
Subject: =?utf-8?b?U2lnbi1pbiDinJM=?=
Message-ID: <abc123@tandem.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Open https://t.example/s/abc?x=3D1 =
now.
--b1
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString([]byte(`<p><a href="https://t.example/s/abc?x=1">Sign in</a></p>`)) + `
--b1--
`)
	r, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if r.From != "Tandem für Acme <t@tandem.example>" {
		t.Errorf("From = %q", r.From)
	}
	if strings.Join(r.To, ",") != "ana@partner.example,bo@partner.example" {
		t.Errorf("To = %q", r.To)
	}
	if r.Subject != "Sign-in ✓" || r.MessageID != "abc123@tandem.example" {
		t.Errorf("Subject %q, Message-ID %q", r.Subject, r.MessageID)
	}
	if r.Text != "Open https://t.example/s/abc?x=1 now." {
		t.Errorf("Text = %q", r.Text)
	}
	if r.HTML != `<p><a href="https://t.example/s/abc?x=1">Sign in</a></p>` {
		t.Errorf("HTML = %q", r.HTML)
	}
	if l := Links(r); len(l) != 1 || l[0] != "https://t.example/s/abc?x=1" {
		t.Errorf("Links = %q", l)
	}
}

func TestParseOtherShapes(t *testing.T) {
	cases := []struct {
		name, raw  string
		text, html string
		wantErr    bool
	}{
		{"no content type is plain text", "Subject: x\n\nhello\n", "hello\n", "", false},
		{"plain text in latin-1", "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9\n", "café\n", "", false},
		{"html only", "Content-Type: text/html\n\n<p>hi</p>", "", "<p>hi</p>", false},
		{"mixed with an attachment", "Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\nbody\n--a--\n--m\nContent-Type: text/plain\nContent-Disposition: attachment; filename=x.txt\n\nnot the body\n--m--\n", "body", "", false},
		{"first text part wins", "Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\none\n--a\nContent-Type: text/plain\n\ntwo\n--a--\n", "one", "", false},
		{"unknown part type skipped", "Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: image/png\n\nxx\n--a\nContent-Type: text/plain\n\nt\n--a--\n", "t", "", false},
		{"unreadable content type skipped", "Content-Type: text/plain; charset\n\nx", "", "", false},
		{"multipart without boundary", "Content-Type: multipart/alternative\n\nx", "", "", true},
		{"unknown transfer encoding", "Content-Transfer-Encoding: x-uue\n\nx", "", "", true},
		{"bad base64", "Content-Transfer-Encoding: base64\n\n!!!!", "", "", true},
		{"no header end", "Subject: x", "", "", false},
		{"not a header", "no colon here\n\nbody", "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse(crlf(c.raw))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && (r.Text != c.text || r.HTML != c.html) {
				t.Fatalf("text %q html %q; want %q %q", r.Text, r.HTML, c.text, c.html)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	deep := "Content-Type: multipart/mixed; boundary=b0\n\n"
	for i := range maxDepth + 2 {
		deep += "--b" + string(rune('0'+i)) + "\nContent-Type: multipart/mixed; boundary=b" + string(rune('1'+i)) + "\n\n"
	}
	if _, err := Parse(crlf(deep)); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep nesting: err = %v", err)
	}
	many := "Content-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b\nContent-Type: image/png\n\nx\n", maxParts+1) + "--b--\n"
	if _, err := Parse(crlf(many)); err == nil || !strings.Contains(err.Error(), "parts") {
		t.Errorf("many parts: err = %v", err)
	}
	if _, err := Parse(make([]byte, MaxMessageBytes+1)); err == nil {
		t.Error("oversized message: want an error")
	}
}
