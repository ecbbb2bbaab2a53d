package registration

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseAmount: any text either parses to a non-negative amount that formats back
// to the same value, or is refused with a message; nothing panics.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12500", "12,500.50", "0.5", ".5", "1 000", "-3", "1e9", "12.345", "", "99999999999999", "٣٤", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAmount(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", s)
			}
			return
		}
		if v < 0 {
			t.Fatalf("%q parsed to a negative amount %d", s, v)
		}
		back, err := ParseAmount(FormatAmount(v))
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d (%v)", s, v, FormatAmount(v), back, err)
		}
	})
}

// FuzzNormalize: a submission from a form or JSON body is either accepted with every
// field within its limits, or refused with field errors that name fields; it never
// panics.
func FuzzNormalize(f *testing.F) {
	f.Add("Acme GmbH", "acme.de", "DE", "ana@acme.de", "12,000", "EUR", "2026-12-31", "resale", "Sam", "sam@p.example")
	f.Add("", "gmail.com", "Narnia", "not mail", "-1", "euro", "31/12", "barter", "", "")
	f.Add(strings.Repeat("x", 400), "http://[::1]/", "nl", "a@b", "1.234", "", "", "referral", "\x00", "a@b.c")
	f.Fuzz(func(t *testing.T, name, domain, country, contact, amount, currency, closeOn, motion, submitter, submitterEmail string) {
		in := Input{PartnerID: "prt_1", CustomerName: name, CustomerDomain: domain, CustomerCountry: country, ContactEmail: contact,
			Amount: amount, Currency: currency, ExpectedCloseOn: closeOn, Motion: motion, SubmitterName: submitter, SubmitterEmail: submitterEmail}
		r, err := normalize(in, ChannelLink, DefaultSettings(), "EUR")
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid || len(tandem.FieldsOf(err)) == 0 {
				t.Fatalf("refusal without field errors: %v", err)
			}
			return
		}
		if r.CustomerName == "" || utf8.RuneCountInString(r.CustomerName) > maxName || r.AmountMinor < 0 || r.CustomerDomain == "" {
			t.Fatalf("accepted an invalid submission: %+v", r)
		}
		if r.SubmitterName == "" || r.SubmitterEmail == "" {
			t.Fatalf("a link submission was accepted without a submitter: %+v", r)
		}
	})
}
