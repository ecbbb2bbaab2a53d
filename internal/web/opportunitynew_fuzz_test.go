package web

import (
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/attribution"
)

var (
	plainAmountText  = regexp.MustCompile(`^[0-9]*(\.[0-9]{1,2})?$`)
	plainPercentText = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,2})?$`)
)

// sameNumber reports whether the decimal typed has exactly the value of hundredths.
func sameNumber(typed string, hundredths int64) bool {
	r, ok := new(big.Rat).SetString(typed)
	return ok && r.Cmp(big.NewRat(hundredths, 100)) == 0
}

// FuzzNewOppInput feeds the opportunity create form arbitrary bodies: it never
// panics; an amount or attribution percentage it reads is a plain decimal holding
// exactly the number typed, and one it cannot read is a problem on "amount" or
// "attribution[i].percent" (the entry it belongs to) with a value the service
// refuses, never silently another number.
func FuzzNewOppInput(f *testing.F) {
	for _, seed := range []string{
		"name=Renewal&account_mode=existing&account_id=acc_1&amount=12%2C500.50&currency=EUR",
		"account_mode=new&new_account_name=Acme&amount=1+000&partner_id=prt_1&credit_kind=sourced&percent=100%25",
		"amount=12.345&partner_id=prt_1&partner_id=&partner_id=prt_2&credit_kind=sourced&credit_kind=influenced&credit_kind=influenced&percent=33.33&percent=&percent=1e2",
		"amount=-5&partner_id=prt_1&percent=-0.5",
		"amount=.5&partner_id=prt_1&partner_id=prt_2&partner_id=prt_3&partner_id=prt_4&percent=25&percent=25&percent=25&percent=25",
		"amount=99999999999999&partner_id=prt_1&percent=1234567890123",
		"amount=%EF%BC%91&partner_id=+&percent=",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/w/demo/pipeline/new", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		in, form, probs := newOppInput(r)
		if len(form.Credits) > newCreditRows || len(in.Attribution) > len(form.Credits) {
			t.Fatalf("%d credit rows and %d entries", len(form.Credits), len(in.Attribution))
		}
		named := map[string]int{}
		for _, p := range probs {
			if p.Detail == "" {
				t.Fatalf("problem on %q without a detail", p.Path)
			}
			named[p.Path]++
		}
		typed := strings.TrimSpace(r.PostFormValue("amount"))
		switch {
		case typed == "":
			if in.AmountMinor != nil || named["amount"] > 0 {
				t.Fatalf("no amount typed but %v / %v", in.AmountMinor, probs)
			}
		case named["amount"] > 0:
			if named["amount"] != 1 || in.AmountMinor == nil || *in.AmountMinor != -1 {
				t.Fatalf("amount %q refused but kept as %v", typed, in.AmountMinor)
			}
		default:
			plain := strings.NewReplacer(",", "", " ", "", "_", "").Replace(typed)
			if in.AmountMinor == nil || *in.AmountMinor < 0 || !plainAmountText.MatchString(plain) || !sameNumber("0"+plain, *in.AmountMinor) {
				t.Fatalf("amount %q read as %v", typed, in.AmountMinor)
			}
		}
		entries := 0
		for _, c := range form.Credits {
			if c.PartnerID == "" {
				continue
			}
			if entries >= len(in.Attribution) {
				t.Fatalf("row for %q has no entry", c.PartnerID)
			}
			e, path := in.Attribution[entries], fmt.Sprintf("%s[%d].percent", attribution.Path, entries)
			entries++
			pct := strings.TrimSuffix(c.Percent, "%")
			if named[path] > 0 {
				if named[path] != 1 || e.Percent != -1 {
					t.Fatalf("percent %q refused but kept as %d", c.Percent, e.Percent)
				}
				delete(named, path)
				continue
			}
			if e.PartnerID != c.PartnerID || !plainPercentText.MatchString(pct) || !sameNumber(pct, int64(e.Percent)) {
				t.Fatalf("percent %q of %q read as %d", c.Percent, c.PartnerID, e.Percent)
			}
		}
		if entries != len(in.Attribution) {
			t.Fatalf("%d entries from %d filled rows", len(in.Attribution), entries)
		}
		delete(named, "amount")
		if len(named) > 0 {
			t.Fatalf("problems on fields the form does not have: %v", named)
		}
	})
}
