package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/demo"
)

// TestPartnerJoinsSegmentJourney: a partner manager adds a partner, tags it on its
// profile, writes a segment rule (first with a mistake, which the page points at),
// and the segment's list shows the new partner; untagging it takes it out again, and
// the partner is then offboarded from its page.
func TestPartnerJoinsSegmentJourney(t *testing.T) {
	_, base, mail := startWithMail(t)
	ctx := Browser(t)
	text := texter(t, ctx)
	signInByEmail(t, ctx, mail, base, demo.ManagerEmail)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/partners"),
		chromedp.SendKeys("#n-name", "Quillfeather Analytics"),
		chromedp.Click(`input[name="motions"][value="tech"]`),
		Follow(`form:has(#n-name) button[type=submit]`),
		chromedp.WaitVisible("#profile"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h := text("h1"); h != "Quillfeather Analytics" {
		t.Fatalf("after adding, the page is %q", h)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys("#pf-tags", "pilot-wave"),
		chromedp.SendKeys("#pf-verticals", "Logistics"),
		Follow(`#profile button[type=submit]`),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// A rule with a mistake is refused and the fault is pointed at.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/segments"),
		chromedp.SendKeys("#sg-name", "Pilot wave"),
		chromedp.SendKeys("#sg-rule", `tags contains`),
		Follow(`form:has(#sg-rule) button[type=submit]`),
		chromedp.WaitVisible("p.field-error"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if e := text("p.field-error"); !strings.Contains(e, "column 14") {
		t.Errorf("the refusal says %q", e)
	}
	err = chromedp.Do(ctx,
		chromedp.Clear("#sg-rule"),
		chromedp.SendKeys("#sg-rule", `tags contains "pilot-wave" and verticals contains "logistics"`),
		Follow(`form:has(#sg-rule) button[type=submit]`),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h := text("h1"); h != "Partners: Pilot wave" {
		t.Errorf("the segment's list is titled %q", h)
	}
	if rows := text("main table tbody"); !strings.Contains(rows, "Quillfeather Analytics") || strings.Count(rows, "\n") > 1 {
		t.Errorf("the segment lists %q", rows)
	}
	// Untagged, the partner leaves the segment at once.
	err = chromedp.Do(ctx,
		Follow(`main table a`),
		chromedp.WaitVisible("#profile"),
		chromedp.Clear("#pf-tags"),
		Follow(`#profile button[type=submit]`),
		chromedp.WaitVisible(".flash.success"),
		chromedp.Navigate(base+"/w/demo/segments"),
		Follow(`main table a[href^="partners?segment=seg_"]`),
		chromedp.WaitVisible(".card.empty"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if e := text(".card.empty"); !strings.Contains(e, "No partner matches") {
		t.Errorf("the emptied segment says %q", e)
	}
	// The journey ends with offboarding the partner from its page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/partners?q=Quillfeather"),
		Follow(`main table a`),
		chromedp.WaitVisible("#profile"),
		Follow(`a[href$="/offboard"]`),
		chromedp.WaitVisible("#ob-submit"),
		chromedp.SendKeys("#ob-reason", "Pilot ended"),
		chromedp.Click("#ob-confirm"),
		Follow("#ob-submit"),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if f := text(".flash.success"); !strings.HasPrefix(f, "Offboarded: ") {
		t.Errorf("after offboarding: %q", f)
	}
}
