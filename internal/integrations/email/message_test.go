package email

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func validMessage() Message {
	return Message{
		To:             []Address{{Name: "Ana Lima", Email: "ana@partner.example"}},
		Subject:        "Your sign-in link",
		Text:           "Open https://tandem.example/s/x\n",
		HTML:           "<p>Open it</p>",
		IdempotencyKey: "signin:ws_1:tok_1",
	}
}

// fieldPaths returns the field paths of a validation error.
func fieldPaths(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if tandem.KindOf(err) != tandem.KindInvalid {
		t.Fatalf("error kind = %s, want invalid: %v", tandem.KindOf(err), err)
	}
	var paths []string
	for _, f := range tandem.FieldsOf(err) {
		paths = append(paths, f.Path)
	}
	return paths
}

func TestValidateNamesTheFieldAtFault(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Message)
		want   string // the one field path expected; "" for valid
	}{
		{"valid", func(*Message) {}, ""},
		{"valid without HTML", func(m *Message) { m.HTML = "" }, ""},
		{"no recipients", func(m *Message) { m.To = nil }, "to"},
		{"too many recipients", func(m *Message) {
			m.To = make([]Address, MaxRecipients+1)
			for i := range m.To {
				m.To[i] = Address{Email: "a@example.com"}
			}
		}, "to"},
		{"empty address", func(m *Message) { m.To[0].Email = "" }, "to[0].email"},
		{"address with a display name", func(m *Message) { m.To[0].Email = "Eve <eve@example.com>" }, "to[0].email"},
		{"address with a header", func(m *Message) { m.To[0].Email = "eve@example.com\r\nBcc: x@example.com" }, "to[0].email"},
		{"address without domain", func(m *Message) { m.To[0].Email = "eve" }, "to[0].email"},
		{"second address", func(m *Message) { m.To = append(m.To, Address{Email: "bad@"}) }, "to[1].email"},
		{"name with a line break", func(m *Message) { m.To[0].Name = "Ana\nBcc: x@example.com" }, "to[0].name"},
		{"empty subject", func(m *Message) { m.Subject = "  " }, "subject"},
		{"subject with CR LF", func(m *Message) { m.Subject = "Hi\r\nBcc: x@example.com" }, "subject"},
		{"subject with LF", func(m *Message) { m.Subject = "Hi\nthere" }, "subject"},
		{"subject with a control character", func(m *Message) { m.Subject = "Hi\x00" }, "subject"},
		{"subject too long", func(m *Message) { m.Subject = strings.Repeat("é", MaxSubjectRunes+1) }, "subject"},
		{"subject not UTF-8", func(m *Message) { m.Subject = "caf\xe9" }, "subject"},
		{"no text", func(m *Message) { m.Text = "\n" }, "text"},
		{"text with NUL", func(m *Message) { m.Text = "a\x00b" }, "text"},
		{"HTML not UTF-8", func(m *Message) { m.HTML = "\xff" }, "html"},
		{"no key", func(m *Message) { m.IdempotencyKey = "" }, "idempotency_key"},
		{"key with a space", func(m *Message) { m.IdempotencyKey = "a b" }, "idempotency_key"},
		{"key too long", func(m *Message) { m.IdempotencyKey = strings.Repeat("k", MaxKeyBytes+1) }, "idempotency_key"},
		{"reserved header", func(m *Message) { m.Headers = map[string]string{"bcc": "x@example.com"} }, "headers[bcc]"},
		{"content header", func(m *Message) { m.Headers = map[string]string{"Content-Type": "text/plain"} }, "headers[Content-Type]"},
		{"header name with a colon", func(m *Message) { m.Headers = map[string]string{"X-A:": "1"} }, "headers[X-A:]"},
		{"header value with a line break", func(m *Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@example.com"} }, "headers[X-A]"},
		{"bad Reply-To", func(m *Message) { m.Headers = map[string]string{"Reply-To": "not an address"} }, "headers[Reply-To]"},
		{"header twice", func(m *Message) { m.Headers = map[string]string{"X-A": "1", "x-a": "2"} }, "headers[x-a]"},
		{"allowed headers", func(m *Message) {
			m.Headers = map[string]string{"Reply-To": "Deals <deals@example.com>, ops@example.com", "In-Reply-To": "<a@b>", "List-Unsubscribe": "<https://t.example/u>"}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := validMessage()
			c.change(&m)
			paths := fieldPaths(t, m.Validate())
			switch {
			case c.want == "" && len(paths) != 0:
				t.Fatalf("want valid, got %v", paths)
			case c.want != "" && (len(paths) != 1 || paths[0] != c.want):
				t.Fatalf("field errors %v, want exactly [%s]", paths, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	paths := fieldPaths(t, Message{}.Validate())
	want := []string{"to", "subject", "text", "idempotency_key"}
	if strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Fatalf("paths = %v, want %v", paths, want)
	}
}

func TestMessageID(t *testing.T) {
	a := MessageID("k1", "Tandem.Example")
	if a != MessageID("k1", "tandem.example") {
		t.Error("the domain's case changes the ID")
	}
	if a == MessageID("k2", "tandem.example") {
		t.Error("two keys share an ID")
	}
	local, domain, ok := strings.Cut(a, "@")
	if !ok || len(local) != 32 || domain != "tandem.example" || strings.Trim(local, "0123456789abcdef") != "" {
		t.Errorf("MessageID = %q, want 32 hex characters @tandem.example", a)
	}
}

func TestAddressString(t *testing.T) {
	for _, c := range []struct {
		a    Address
		want string
	}{
		{Address{Email: "a@example.com"}, "<a@example.com>"},
		{Address{Name: "Ana", Email: "a@example.com"}, `"Ana" <a@example.com>`},
		{Address{Name: "Zoë", Email: "z@example.com"}, "=?utf-8?q?Zo=C3=AB?= <z@example.com>"},
	} {
		if got := c.a.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.a, got, c.want)
		}
	}
}

func TestLinks(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"no links here", nil},
		{"open https://t.example/s/abc?x=1&y=2 now", []string{"https://t.example/s/abc?x=1&y=2"}},
		{"https://t.example/a\nhttp://t.example/b", []string{"https://t.example/a", "http://t.example/b"}},
		{"Sign in: https://t.example/a.", []string{"https://t.example/a"}},
		{"(see https://t.example/a)", []string{"https://t.example/a"}},
		{"https://en.example/wiki/Foo_(bar)", []string{"https://en.example/wiki/Foo_(bar)"}},
		{"<https://t.example/a>", []string{"https://t.example/a"}},
		{`"https://t.example/a"`, []string{"https://t.example/a"}},
		{"HTTPS://T.example/A", []string{"HTTPS://T.example/A"}},
		{"xhttps://t.example/a", nil},
		{"ftp://t.example/a mailto:a@example.com", nil},
		{"https:// broken", nil},
		{"http://", nil},
		{"twice https://t.example/a https://t.example/a", []string{"https://t.example/a", "https://t.example/a"}},
		{"ünïcode https://t.example/ä", []string{"https://t.example/ä"}},
	}
	for _, c := range cases {
		got := Links(c.text)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Links(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
