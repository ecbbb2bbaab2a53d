package smtptest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse, as a hostile or broken client could send
// to the server. It must not panic, must keep within its limits, and the text it
// returns must have no CR LF pairs left.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"Subject: x\r\n\r\nhello\r\n",
		"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhi=\r\n there https://t.example/x\r\n--a\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--a--\r\n",
		"Subject: =?utf-8?q?caf=C3=A9?= =?latin1?q?caf=E9?= =?x-unknown?b?AA==?=\r\nTo: a@example.com, =?utf-8?b?w7Y=?= <b@example.com>\r\n\r\n",
		"Content-Type: multipart/mixed; boundary=\"x y\"\r\n\r\n--x y\r\nContent-Type: multipart/alternative; boundary=z\r\n\r\n--z\r\n\r\nnested\r\n--z--\r\n--x y--\r\n",
		"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xe9t\xe9\r\n",
		"Content-Transfer-Encoding: base64\r\n\r\n!!",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := Parse(raw)
		if err != nil {
			return
		}
		if strings.Contains(r.Text, "\r\n") || strings.Contains(r.HTML, "\r\n") {
			t.Fatalf("CR LF left in a body: %q %q", r.Text, r.HTML)
		}
		if len(r.Text) > MaxMessageBytes+1 || len(r.HTML) > MaxMessageBytes+1 {
			t.Fatalf("body larger than the message limit")
		}
		// Links works on whatever came out.
		for _, l := range Links(r) {
			if !utf8.ValidString(l) && utf8.ValidString(r.Text) {
				t.Fatalf("invalid link %q from valid text", l)
			}
		}
	})
}
