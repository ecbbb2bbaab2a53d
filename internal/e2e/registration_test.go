package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestDealRegistrationJourney: a partner registers a deal through a signed link
// without signing in and gets the confirmation by email; the reviewer sees that the
// customer collides with an existing account and why, and approves; the partner then
// sees the approval and how long the protection runs.
func TestDealRegistrationJourney(t *testing.T) {
	a, base, mail := startWithMail(t)
	bg := context.Background()
	// The account the partner will collide with, owned by direct sales.
	facts, err := a.Registrations.Store.CandidateFacts(bg, "ws_demo", []string{"acc_demo000023"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	account := facts.Accounts["acc_demo000023"]
	if err := a.DB.SetAccountOwner(bg, nil, "ws_demo", account.ID, "usr_demo000002", "", account.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	// Paul, the partner manager, makes a registration link for the partner.
	paul := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000001", Role: tandem.RolePartnerManager}
	link, _, err := a.Links.Issue(bg, paul, "Paul Partnerships", "/r/", signedlink.Grant{WorkspaceID: "ws_demo", Action: "registration.create",
		Subject: "prt_demo000000", ExpiresAt: time.Now().Add(24 * time.Hour), MaxUses: 5})
	if err != nil {
		t.Fatal(err)
	}

	ctx := Browser(t)
	text := texter(t, ctx)
	typed := strings.ToUpper(strings.Join(strings.Fields(account.Name)[:2], " "))
	err = chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.SendKeys("#rf-name", typed),
		chromedp.SendKeys("#rf-domain", "https://www."+account.Domain+"/contact"),
		chromedp.SendKeys("#rf-size", "42000"),
		chromedp.SendKeys("#rf-sname", "Nora Northwind"),
		chromedp.SendKeys("#rf-semail", "nora@northwind-advisory.example"),
		Follow("button[type=submit]"),
		chromedp.WaitNotPresent("#rf-name"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h := text("h1"); h != "Deal registered" {
		t.Fatalf("after registering: %q (%s)", h, text("main"))
	}
	if body := text("main"); !strings.Contains(body, "may already be in progress") || strings.Contains(body, account.Name) {
		t.Errorf("the partner's receipt should say a reviewer decides, without naming the account: %q", body)
	}
	confirm := mail.WaitFor(t, func(r smtptest.Received) bool {
		return strings.Contains(strings.Join(r.To, ","), "nora@northwind-advisory.example") && strings.Contains(r.Subject, "Registration received")
	}, 20*time.Second)
	if !strings.Contains(confirm.Text, typed) {
		t.Errorf("the confirmation does not name the customer: %q", confirm.Text)
	}

	// The reviewer signs in and finds the registration at the top of the queue.
	signInByEmail(t, ctx, mail, base, demo.ManagerEmail)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/w/demo/registrations")); err != nil {
		t.Fatal(err)
	}
	queue := text("main table")
	if !strings.Contains(queue, typed) || !strings.Contains(queue, account.Name) || !strings.Contains(queue, "domain") {
		t.Fatalf("the queue does not show the collision and its reasons: %q", queue)
	}
	err = chromedp.Do(ctx,
		Follow("main table a"),
		chromedp.WaitVisible("#d-why"),
	)
	if err != nil {
		t.Fatal(err)
	}
	detail := text("main")
	for _, want := range []string{account.Name, "Direct sales", "vertical"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the registration page lacks %q", want)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Click("input[name=action][value=approve]"),
		chromedp.SendKeys("#d-why", "Sofia agreed to co-sell this one."),
		Follow("form[action$='/decision'] button[type=submit]"),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if f := text(".flash.success"); !strings.Contains(f, "approved") {
		t.Errorf("after approving: %q", f)
	}
	mail.WaitFor(t, func(r smtptest.Received) bool {
		return strings.Contains(strings.Join(r.To, ","), "nora@northwind-advisory.example") && strings.Contains(r.Subject, "is approved")
	}, 20*time.Second)
	if err := chromedp.Do(ctx, Follow("form[action='/signout'] button"), chromedp.WaitVisible("#email")); err != nil {
		t.Fatal(err)
	}

	// The partner's admin sees the approval and the protection expiry.
	signInByEmail(t, ctx, mail, base, demo.PartnerEmail)
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/w/demo/portal/registrations"), Follow("main table a"), chromedp.WaitVisible("h1"))
	if err != nil {
		t.Fatal(err)
	}
	page := text("main")
	if !strings.Contains(page, "Approved") || !strings.Contains(page, "Protected until") {
		t.Errorf("the partner's page does not show the approval and its protection: %q", page)
	}
	for _, leak := range []string{account.Name, "Sofia", "vertical", "Direct sales"} {
		if strings.Contains(page, leak) {
			t.Errorf("the partner's page shows %q", leak)
		}
	}
}

// signInByEmail signs email in through the emailed link in the browser.
func signInByEmail(t *testing.T, ctx context.Context, mail *smtptest.Server, base, email string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.SendKeys("#email", email), Follow("button[type=submit]"), chromedp.WaitNotPresent("#email"))
	if err != nil {
		t.Fatal(err)
	}
	msg := mail.WaitFor(t, func(r smtptest.Received) bool {
		return strings.Contains(strings.Join(r.To, ","), email) && strings.Contains(r.Text, "/signin/")
	}, 20*time.Second)
	var link string
	for _, l := range smtptest.Links(msg) {
		if strings.Contains(l, "/signin/") {
			link = l
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(link), Follow("button[type=submit]"), chromedp.WaitVisible(".flash.success")); err != nil {
		t.Fatal(err)
	}
}
