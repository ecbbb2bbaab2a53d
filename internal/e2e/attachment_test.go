package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestSignedOrderFormWinsTheReferral: a referral deal waits in "Commercial terms";
// moving it to won is refused for want of a signed order form, and the refusal opens
// the upload form on that kind. The partner manager attaches the PDF, the move goes
// through, and the partner, for whom the form was not shared, does not see it.
func TestSignedOrderFormWinsTheReferral(t *testing.T) {
	a, base, mail := startWithMail(t)
	bg := context.Background()
	sys := policy.System("ws_demo")
	pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
	str := func(s string) *string { return &s }
	amount := int64(1_250_000)
	o, err := pipe.CreateOpportunity(bg, sys, "setup", pipeline.OpportunityInput{AccountID: str("acc_demo000007"), Name: str("Koala fleet referral"),
		Motion: tandem.MotionReferral, PartnerID: "prt_demo000000", OwnerUserID: str("usr_demo000002"), AmountMinor: &amount, Currency: str("EUR"),
		CloseOn: str("2027-01-29"), NextStep: str("Countersign"), Fields: map[string]string{"partner_contact": "Lee Seller", "use_case": "Fleet tracking", "champion": "Dana"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err = pipe.SetAttribution(bg, sys, "setup", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "Northwind introduced them",
		Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: attribution.Hundred}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipe.MoveStage(bg, sys, "setup", o.ID, pipeline.StageMove{To: "commercials", Version: o.Version}); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "Koala order form (signed).pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := Browser(t)
	text := texter(t, ctx)
	signInByEmail(t, ctx, mail, base, demo.ManagerEmail)
	page := base + "/w/demo/pipeline/" + o.ID
	err = chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.SetValue("#mv-to", "won_credited"),
		Follow("#move-form button[type=submit]"),
		chromedp.WaitVisible("#missing-list"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if m := text("#missing-list"); !strings.Contains(m, "A signed order form is attached") {
		t.Fatalf("the refusal says %q", m)
	}
	kind, err := chromedp.Run(ctx, chromedp.Value("#att-kind"))
	if err != nil || kind != "order_form" {
		t.Fatalf("the upload form is on kind %q (%v)", kind, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles("#att-file", []string{pdf}),
		Follow("#attach-form button[type=submit]"),
		chromedp.WaitVisible("#attachment-list"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if f := text(".flash.success"); !strings.Contains(f, "Koala order form (signed).pdf") || !strings.Contains(f, "internal") {
		t.Errorf("after attaching: %q", f)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue("#mv-to", "won_credited"),
		Follow("#move-form button[type=submit]"),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text("ol.stages li.current"); !strings.Contains(s, "Won, referral credited") {
		t.Fatalf("after attaching the order form, the stage is %q", s)
	}
	if err := chromedp.Do(ctx, Follow("form[action='/signout'] button"), chromedp.WaitVisible("#email")); err != nil {
		t.Fatal(err)
	}

	// The partner sees the won deal; the internal order form is not among its documents.
	signInByEmail(t, ctx, mail, base, demo.PartnerEmail)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/w/demo/portal/pipeline/"+o.ID), chromedp.WaitVisible("#attachments")); err != nil {
		t.Fatal(err)
	}
	if docs := text("#attachments"); strings.Contains(docs, "Koala order form") || !strings.Contains(docs, "No shared documents yet") {
		t.Errorf("the partner's documents: %q", docs)
	}
}
