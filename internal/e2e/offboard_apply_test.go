package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
)

// TestOffboardSignsPartnerOutAndApplicationBecomesPartner: a partner's person is in
// the portal when a manager offboards the partner from its page; their next page is
// the sign-in page. Then a prospective partner applies through the public form, the
// manager accepts the application, the new partner is in onboarding and its contact
// receives an invitation.
func TestOffboardSignsPartnerOutAndApplicationBecomesPartner(t *testing.T) {
	_, base, mail := startWithMail(t)
	partnerSide, manager := Browser(t), Browser(t)
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	signInByEmail(t, partnerSide, mail, base, demo.PartnerEmail)
	if h := text(partnerSide, "h1"); h != "Welcome" {
		t.Fatalf("partner portal: %q", h)
	}
	signInByEmail(t, manager, mail, base, demo.ManagerEmail)
	err := chromedp.Do(manager,
		chromedp.Navigate(base+"/w/demo/partners/prt_demo000000"),
		Follow(`a[href$="/offboard"]`),
		chromedp.WaitVisible("#ob-submit"),
		chromedp.SendKeys("#ob-reason", "Contract ended"),
		chromedp.Click("#ob-confirm"),
		Follow("#ob-submit"),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if f := text(manager, ".flash.success"); !strings.HasPrefix(f, "Offboarded: ") || !strings.Contains(f, "people signed out") {
		t.Fatalf("after offboarding: %q", f)
	}
	// The partner's person is signed out at once: the next page asks them to sign in.
	if err := chromedp.Do(partnerSide, chromedp.Navigate(base+"/w/demo/portal/"), chromedp.WaitVisible("#email")); err != nil {
		t.Fatalf("the offboarded partner's person still sees the portal: %v", err)
	}

	// A prospective partner applies on the public form…
	err = chromedp.Do(partnerSide,
		chromedp.Navigate(base+"/w/demo/apply"),
		chromedp.SendKeys("#ap-company", "Kestrel Data Works"),
		chromedp.SendKeys("#ap-website", "https://www.kestrel-data.example"),
		chromedp.SendKeys("#ap-name", "Kit Kestrel"),
		chromedp.SendKeys("#ap-email", "kit@kestrel-data.example"),
		chromedp.Click(`input[name="motions"][value="services"]`),
		chromedp.SendKeys("#ap-message", "We implement data platforms."),
		Follow("#ap-submit"),
		chromedp.WaitVisible(`[role="status"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(partnerSide, `[role="status"]`); !strings.Contains(s, "Thank you") {
		t.Fatalf("after applying: %q", s)
	}
	// …and the manager accepts it into onboarding.
	err = chromedp.Do(manager,
		chromedp.Navigate(base+"/w/demo/applications"),
		Follow(`a[href^="applications/apl_"]`),
		chromedp.WaitVisible("#accept-application"),
		Follow("#accept-application"),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h := text(manager, "h1"); h != "Kestrel Data Works" {
		t.Fatalf("after accepting, the page is %q", h)
	}
	if !strings.Contains(text(manager, "main"), "Lifecycle: onboarding") {
		t.Fatal("the new partner is not in onboarding")
	}
	mail.WaitFor(t, func(r smtptest.Received) bool {
		return strings.Contains(strings.Join(r.To, ","), "kit@kestrel-data.example") && strings.Contains(r.Text, "/signin/")
	}, 20*time.Second)
}
