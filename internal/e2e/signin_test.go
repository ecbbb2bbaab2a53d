package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
)

// TestSignInWithAnEmailedLink: a person asks for a link, reads the email from a real
// SMTP server on loopback, follows the link, lands in the right place and signs out.
func TestSignInWithAnEmailedLink(t *testing.T) {
	_, base, mail := startWithMail(t)
	ctx := Browser(t)
	must := func(v string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		email, landing, heading string
	}{
		{demo.AdminEmail, "/w/demo/", "Tandem Demo (Northstar Software)"},
		{demo.PartnerEmail, "/w/demo/portal/", "Welcome"},
	} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.SendKeys("#email", tc.email),
			Follow("button[type=submit]"),
			chromedp.WaitNotPresent("#email"),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h := must(chromedp.Run(ctx, chromedp.Text("h1"))); h != "Check your email" {
			t.Fatalf("after asking for a link: %q", h)
		}
		msg := mail.WaitFor(t, func(r smtptest.Received) bool { return strings.Contains(strings.Join(r.To, ","), tc.email) }, 20*time.Second)
		var link string
		for _, l := range smtptest.Links(msg) {
			if strings.Contains(l, "/signin/") {
				link = l
			}
		}
		if link == "" {
			t.Fatalf("no sign-in link in the email %q", msg.Text)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(link),
			Follow("button[type=submit]"),
			chromedp.WaitVisible(".flash.success"),
		)
		if err != nil {
			t.Fatal(err)
		}
		loc := must(chromedp.Run(ctx, chromedp.Location()))
		if !strings.HasSuffix(loc, tc.landing) {
			t.Errorf("%s landed on %s, want %s", tc.email, loc, tc.landing)
		}
		if h := must(chromedp.Run(ctx, chromedp.Text("h1"))); h != tc.heading {
			t.Errorf("%s sees heading %q, want %q", tc.email, h, tc.heading)
		}
		err = chromedp.Do(ctx, Follow("form[action='/signout'] button"), chromedp.WaitVisible("#email"))
		if err != nil {
			t.Fatal(err)
		}
		if f := must(chromedp.Run(ctx, chromedp.Text(".flash.success"))); f != "You are signed out." {
			t.Errorf("after signing out: %q", f)
		}
		// The used link does not work twice.
		if err := chromedp.Do(ctx, chromedp.Navigate(link), Follow("button[type=submit]"), chromedp.WaitVisible("#email")); err != nil {
			t.Fatal(err)
		}
		if h := must(chromedp.Run(ctx, chromedp.Text("h1"))); h != "This link cannot be used" {
			t.Errorf("reusing the link shows %q", h)
		}
	}
}
