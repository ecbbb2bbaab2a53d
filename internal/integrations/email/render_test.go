package email

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// rendered holds one Render result for the content checks below.
type rendered struct{ subject, text, html string }

func mustRender(t *testing.T, name string, data any) rendered {
	t.Helper()
	s, txt, h, err := Render(name, data)
	if err != nil {
		t.Fatalf("Render(%s): %v", name, err)
	}
	return rendered{s, txt, h}
}

// contains fails the test for each wanted piece missing from got.
func contains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// wellFormed checks what every rendered message shares.
func wellFormed(t *testing.T, r rendered, link string) {
	t.Helper()
	if r.subject == "" || strings.ContainsAny(r.subject, "\r\n") {
		t.Errorf("subject %q is not one line", r.subject)
	}
	if links := Links(r.text); len(links) != 1 || links[0] != link {
		t.Errorf("text links = %q, want only %q", links, link)
	}
	if !strings.HasSuffix(r.text, "\n") || strings.HasPrefix(r.text, "\n") || strings.Contains(r.text, "\n\n\n") {
		t.Errorf("text is not tidy: %q", r.text)
	}
	contains(t, "html", r.html,
		"<!DOCTYPE html>", `<html lang="en">`, `<meta charset="utf-8">`,
		"<title>"+htmlEscape(r.subject)+"</title>",
		`href="`+link+`"`, // the button
		`>`+link+`</a>`,   // and the same link shown as text
		"If the button does not work")
	if strings.Contains(r.html, "<script") || strings.Contains(r.html, "<style") {
		t.Errorf("html has script or style elements; styles must be inline")
	}
	if err := (Message{To: []Address{{Email: "a@example.com"}}, Subject: r.subject, Text: r.text, HTML: r.html, IdempotencyKey: "k"}).Validate(); err != nil {
		t.Errorf("rendered output does not make a valid message: %v", err)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestRenderSignin(t *testing.T) {
	link := "https://tandem.example/signin/abc?t=1"
	d := SigninData{WorkspaceName: "Northstar", PersonName: "Ana Lima", Link: link, ExpiresInMinutes: 15, RequestedFromIP: "2001:db8::1"}
	r := mustRender(t, TemplateSignin, d)
	wellFormed(t, r, link)
	if r.subject != "Your sign-in link for Northstar" {
		t.Errorf("subject = %q", r.subject)
	}
	for what, got := range map[string]string{"text": r.text, "html": r.html} {
		contains(t, what, got, "Hello Ana Lima,", "sign in to Northstar", "15 minutes", "works once", "2001:db8::1", "ignore this email")
	}

	d.PersonName, d.RequestedFromIP, d.ExpiresInMinutes = "", "", 1
	r = mustRender(t, TemplateSignin, &d)
	contains(t, "text", r.text, "Hello,", "1 minute.")
	if strings.Contains(r.text, "IP address") || strings.Contains(r.html, "IP address") {
		t.Error("the IP sentence is shown without an IP")
	}
}

func TestRenderInvitation(t *testing.T) {
	link := "https://tandem.example/invite/xyz"
	internal := InvitationData{WorkspaceName: "Northstar", InviterName: "Bo Chen", RoleLabel: "Partner manager", Link: link, ExpiresInDays: 7}
	r := mustRender(t, TemplateInvitation, internal)
	wellFormed(t, r, link)
	if r.subject != "Bo Chen invited you to Northstar on Tandem" {
		t.Errorf("subject = %q", r.subject)
	}
	contains(t, "text", r.text, "Bo Chen has invited you to Northstar on Tandem, as Partner manager.", "7 days", "not need a password")
	contains(t, "html", r.html, "<strong>Partner manager</strong>", "Accept the invitation")
	if strings.Contains(r.text, "partner portal") {
		t.Error("an internal invitation mentions the partner portal")
	}

	partner := internal
	partner.IsPartner, partner.PartnerName, partner.RoleLabel, partner.ExpiresInDays = true, "Globex Resellers", "Partner seller", 1
	r = mustRender(t, TemplateInvitation, partner)
	wellFormed(t, r, link)
	contains(t, "text", r.text, "Northstar's partner portal", "as Partner seller for Globex Resellers", "1 day.")
	contains(t, "html", r.html, "Northstar&rsquo;s partner portal", "<strong>Globex Resellers</strong>")

	partner.PartnerName = ""
	if _, _, _, err := Render(TemplateInvitation, partner); !hasField(err, "PartnerName") {
		t.Errorf("partner invitation without a partner name: err = %v", err)
	}
}

func TestRenderRegistrationConfirmation(t *testing.T) {
	link := "https://tandem.example/w/northstar/portal/registrations/reg_01"
	d := RegistrationConfirmationData{
		WorkspaceName: "Northstar", PartnerName: "Globex Resellers", CustomerName: "Initech GmbH",
		ReferenceID: "REG-2041", StatusLine: "Waiting for review; decisions take up to 2 business days.", Link: link,
	}
	r := mustRender(t, TemplateRegistrationConfirmation, d)
	wellFormed(t, r, link)
	if r.subject != "Registration received: Initech GmbH (REG-2041)" {
		t.Errorf("subject = %q", r.subject)
	}
	for what, got := range map[string]string{"text": r.text, "html": r.html} {
		contains(t, what, got, "Globex Resellers team", "Northstar has received your deal registration for", "Initech GmbH", "REG-2041", "Waiting for review; decisions take up to 2 business days.")
	}
}

func TestRenderEscapesUserDataInHTML(t *testing.T) {
	attack := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r := mustRender(t, TemplateRegistrationConfirmation, RegistrationConfirmationData{
		WorkspaceName: "North & Star", PartnerName: "Globex <b>", CustomerName: attack,
		ReferenceID: `REG-"1"`, StatusLine: "<i>approved</i>", Link: "https://tandem.example/r/1?a=1&b=<2>",
	})
	for _, bad := range []string{"<script", "<img", "<b>", "<i>", "onerror=alert(1)>"} {
		if strings.Contains(r.html, bad) {
			t.Errorf("html contains unescaped %q", bad)
		}
	}
	contains(t, "html", r.html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "North &amp; Star", "Globex &lt;b&gt;", "&lt;i&gt;approved&lt;/i&gt;")
	// In the plain-text part the same name is just text.
	contains(t, "text", r.text, attack)
}

func TestRenderKeepsUserDataOnOneLine(t *testing.T) {
	r := mustRender(t, TemplateRegistrationConfirmation, RegistrationConfirmationData{
		WorkspaceName: "Northstar", PartnerName: "Globex\r\n\r\nPlease also pay", CustomerName: "Initech\nBcc: x@example.com",
		ReferenceID: "REG-1", StatusLine: "Waiting.\n\nNew paragraph", Link: "https://tandem.example/r/1",
	})
	contains(t, "text", r.text, "Hello Globex Please also pay team,", "for Initech Bcc: x@example.com.", "Status: Waiting. New paragraph")
	if strings.Contains(r.subject, "\n") || r.subject != "Registration received: Initech Bcc: x@example.com (REG-1)" {
		t.Errorf("subject = %q", r.subject)
	}
	for _, line := range strings.Split(r.text, "\n") {
		if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "Please also pay") {
			t.Errorf("user data started a line of its own: %q", line)
		}
	}

	long := strings.Repeat("Ä", 500)
	r = mustRender(t, TemplateSignin, SigninData{WorkspaceName: long, Link: "https://t.example/s", ExpiresInMinutes: 15})
	if n := len([]rune(r.subject)); n > MaxSubjectRunes {
		t.Errorf("subject has %d characters", n)
	}
	if strings.Contains(r.text, strings.Repeat("Ä", maxFieldRunes+1)) || !strings.Contains(r.text, "…") {
		t.Errorf("a long workspace name was not cut")
	}
}

func hasField(err error, path string) bool {
	for _, f := range tandem.FieldsOf(err) {
		if f.Path == path {
			return true
		}
	}
	return false
}

func TestRenderRefusesBadData(t *testing.T) {
	cases := []struct {
		name  string
		tmpl  string
		data  any
		field string // expected field error; "" for a plain error
	}{
		{"unknown template", "welcome", SigninData{}, ""},
		{"wrong data type", TemplateSignin, InvitationData{}, ""},
		{"nil pointer", TemplateSignin, (*SigninData)(nil), ""},
		{"map", TemplateSignin, map[string]any{"Link": "https://t.example"}, ""},
		{"no workspace", TemplateSignin, SigninData{Link: "https://t.example/s", ExpiresInMinutes: 15}, "WorkspaceName"},
		{"blank workspace", TemplateSignin, SigninData{WorkspaceName: " \n ", Link: "https://t.example/s", ExpiresInMinutes: 15}, "WorkspaceName"},
		{"no link", TemplateSignin, SigninData{WorkspaceName: "N", ExpiresInMinutes: 15}, "Link"},
		{"javascript link", TemplateSignin, SigninData{WorkspaceName: "N", Link: "javascript:alert(1)", ExpiresInMinutes: 15}, "Link"},
		{"relative link", TemplateSignin, SigninData{WorkspaceName: "N", Link: "/signin/abc", ExpiresInMinutes: 15}, "Link"},
		{"link with a space", TemplateSignin, SigninData{WorkspaceName: "N", Link: "https://t.example/a b", ExpiresInMinutes: 15}, "Link"},
		{"no expiry", TemplateSignin, SigninData{WorkspaceName: "N", Link: "https://t.example/s"}, "ExpiresInMinutes"},
		{"bad IP", TemplateSignin, SigninData{WorkspaceName: "N", Link: "https://t.example/s", ExpiresInMinutes: 15, RequestedFromIP: "203.0.113.1, 10.0.0.1"}, "RequestedFromIP"},
		{"invitation without inviter", TemplateInvitation, InvitationData{WorkspaceName: "N", RoleLabel: "Viewer", Link: "https://t.example/i", ExpiresInDays: 7}, "InviterName"},
		{"invitation without days", TemplateInvitation, InvitationData{WorkspaceName: "N", InviterName: "B", RoleLabel: "Viewer", Link: "https://t.example/i"}, "ExpiresInDays"},
		{"confirmation without status", TemplateRegistrationConfirmation, RegistrationConfirmationData{WorkspaceName: "N", PartnerName: "P", CustomerName: "C", ReferenceID: "R", Link: "https://t.example/r"}, "StatusLine"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := Render(c.tmpl, c.data)
			if err == nil {
				t.Fatal("want an error")
			}
			if c.field != "" && !hasField(err, c.field) {
				t.Fatalf("err = %v; want a field error for %s", err, c.field)
			}
		})
	}
}

func TestEveryTemplateParses(t *testing.T) {
	set, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	names := TemplateNames()
	if strings.Join(names, ",") != "invitation,notice,registration_confirmation,registration_update,signin" {
		t.Errorf("TemplateNames = %v", names)
	}
	for _, n := range names {
		for _, part := range []string{"subject", "text", "footer"} {
			if set.text[n].Lookup(part) == nil {
				t.Errorf("%s.txt has no %q template", n, part)
			}
		}
		for _, part := range []string{"layout", "content", "action", "footer"} {
			if set.html[n].Lookup(part) == nil {
				t.Errorf("%s.html has no %q template", n, part)
			}
		}
	}
}
