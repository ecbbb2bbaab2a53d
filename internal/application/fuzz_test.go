package application

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseForm feeds the public application form parser arbitrary bodies: it never
// panics; what it accepts has a company, a contact name, a lower-case email address,
// at least one known motion listed once, and fields within their limits.
func FuzzParseForm(f *testing.F) {
	for _, seed := range []string{
		"company=Acme+GmbH&website=https%3A%2F%2Fwww.acme.example%2Fabout&contact_name=Ana&contact_email=Ana%40Acme.example&motions=referral&motions=resale&region=DACH&message=Hello",
		"company=Solo&contact_name=Bo&contact_email=bo%40gmail.com&motions=services",
		"company=&contact_name=&contact_email=not-an-email&motions=bartering",
		"company=X&contact_name=Y&contact_email=y%40x.example&motions=referral&motions=referral&website=%3A%2F%2F",
		"company=%FF%FE&contact_name=%00&contact_email=a%40b.example&motions=referral&nickname=robot",
		"website=http%3A%2F%2F%5B%3A%3A1%5D%3A80&company=Ip&contact_name=I&contact_email=i%40ip.example&motions=referral",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		form, err := ParseForm(v)
		if err != nil {
			return
		}
		if form.Company == "" || form.ContactName == "" || len(form.Motions) == 0 || form.ContactEmail != strings.ToLower(form.ContactEmail) {
			t.Fatalf("accepted %+v", form)
		}
		if utf8.RuneCountInString(form.Company) > maxShort || utf8.RuneCountInString(form.Message) > maxMessage {
			t.Fatalf("accepted an over-long field")
		}
		seen := map[string]bool{}
		for _, m := range form.Motions {
			if seen[string(m)] {
				t.Fatalf("motion %s twice", m)
			}
			seen[string(m)] = true
		}
		_ = form.MatchDomain()
	})
}

func TestWebsiteDomainAndMatchDomain(t *testing.T) {
	for in, want := range map[string]string{"https://www.Acme.example/about": "acme.example", "shop.acme.co.uk": "acme.co.uk", "acme.example": "acme.example"} {
		if got, ok := WebsiteDomain(in); !ok || got != want {
			t.Errorf("%s: %q %v", in, got, ok)
		}
	}
	if d := (Form{ContactEmail: "ana@gmail.com"}).MatchDomain(); d != "" {
		t.Errorf("free mail matched on %q", d)
	}
	if d := (Form{ContactEmail: "ana@sales.acme.example"}).MatchDomain(); d != "acme.example" {
		t.Errorf("company email: %q", d)
	}
}
