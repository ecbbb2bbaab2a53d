package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// dragCard drags the card of opportunity id onto the board column of stage `to` with
// the HTML drag-and-drop events a person's drag fires.
func dragCard(id, to string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		script := `(function () {
  var card = document.querySelector('li.deal[data-id="` + id + `"]');
  var col = document.querySelector('[data-stage="` + to + `"]');
  if (!card || !col) return false;
  var dt = new DataTransfer();
  var fire = function (el, type) { el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt})); };
  fire(card, "dragstart"); fire(col, "dragenter"); fire(col, "dragover"); fire(col, "drop"); fire(card, "dragend");
  return true;
})()`
		ok, err := chromedp.Evaluate[bool](script)(ctx, t)
		if err == nil && !ok {
			err = errNoCard
		}
		return chromedp.Void{}, err
	}
}

type e2eError string

func (e e2eError) Error() string { return string(e) }

const errNoCard = e2eError("no such card or column on the board")

// TestPipelineStageJourney: a partner manager drags an opportunity to the next stage
// on the board, is told exactly what is missing, fills it in with an internal note
// and succeeds, then writes an internal and a shared note; the partner signs in and
// sees the stage change and the shared note in the portal but not
// the internal note, nor the amount.
func TestPipelineStageJourney(t *testing.T) {
	a, base, mail := startWithMail(t)
	bg := context.Background()
	sys := policy.System("ws_demo")
	pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
	str := func(s string) *string { return &s }
	acc, err := pipe.CreateAccount(bg, sys, "setup", pipeline.AccountInput{Name: str("Wombat Works")})
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(5555500)
	opp, err := pipe.CreateOpportunity(bg, sys, "setup", pipeline.OpportunityInput{AccountID: &acc.ID, Name: str("Wombat warehouse rollout"),
		AmountMinor: &amount, Currency: str("EUR"), Motion: tandem.MotionReferral, PartnerID: "prt_demo000000"})
	if err != nil {
		t.Fatal(err)
	}

	ctx := Browser(t)
	text := texter(t, ctx)
	signInByEmail(t, ctx, mail, base, demo.ManagerEmail)
	card := `li.deal[data-id="` + opp.ID + `"]`
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/pipeline?view=board&motion=referral"),
		chromedp.WaitVisible(`[data-stage="introduced"] `+card),
	)
	if err != nil {
		t.Fatal(err)
	}
	if b := text(card + " button"); b != "Move to Qualified" {
		t.Errorf("the card's button says %q", b)
	}
	// Drag the card onto the next column: refused, with what is missing.
	if err := chromedp.Do(ctx, dragCard(opp.ID, "qualified"), chromedp.WaitVisible("#missing-list")); err != nil {
		t.Fatal(err)
	}
	missing := text("#missing-list")
	for _, want := range []string{"Opportunity owner is filled in (needed to leave Introduction logged)", "Partner contact is filled in (needed to leave Introduction logged)"} {
		if !strings.Contains(missing, want) {
			t.Errorf("the refusal does not say %q: %q", want, missing)
		}
	}
	if n := strings.Count(missing, "\n") + 1; n != 2 {
		t.Errorf("the refusal lists %d requirements, want 2: %q", n, missing)
	}
	// Fill them in, with an internal note, and move again.
	note := "Internal only: procurement wants a 30% discount"
	err = chromedp.Do(ctx,
		chromedp.SetValue("#fill-owner_user_id", "usr_demo000002"),
		chromedp.SendKeys("#fill-f_partner_contact", "Lee Seller"),
		chromedp.SendKeys("#fill-note", note),
		Follow("#fill-form button[type=submit]"),
		chromedp.WaitVisible(".flash.success"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if f := text(".flash.success"); !strings.Contains(f, "moved to Qualified") {
		t.Errorf("after filling in: %q", f)
	}
	if s := text("ol.stages li.current"); !strings.Contains(s, "Qualified") {
		t.Errorf("the current stage is %q", s)
	}
	if !strings.Contains(text("main"), note) {
		t.Errorf("the console does not show the internal note")
	}
	// Beside the stage change, an internal note and a shared one, written on the
	// opportunity's page.
	internal := "Internal only: their CFO wants the contract by Friday"
	shared := "Shared: kickoff workshop booked for Tuesday"
	err = chromedp.Do(ctx,
		chromedp.SendKeys("#note-body", internal),
		chromedp.Click("#note-internal"),
		Follow("#note-form button[type=submit]"),
		chromedp.WaitVisible("#note-list li.note.internal"),
		chromedp.SendKeys("#note-body", shared),
		chromedp.Click("#note-shared"),
		Follow("#note-form button[type=submit]"),
		chromedp.WaitVisible("#note-list li.note.partner"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if notes := text("#note-list"); !strings.Contains(notes, internal) || !strings.Contains(notes, shared) {
		t.Errorf("the console's notes: %q", notes)
	}
	if err := chromedp.Do(ctx, Follow("form[action='/signout'] button"), chromedp.WaitVisible("#email")); err != nil {
		t.Fatal(err)
	}

	// The partner sees the stage change, not the note nor the amount.
	signInByEmail(t, ctx, mail, base, demo.PartnerEmail)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/portal/"),
		Follow(`nav.main a[href$="/portal/pipeline"]`),
		chromedp.WaitVisible("main table"),
		Follow(`main table a[href$="`+opp.ID+`"]`),
		chromedp.WaitVisible("#stage"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text("#stage"); s != "Qualified" {
		t.Errorf("the partner sees the stage %q", s)
	}
	page := text("main")
	if !strings.Contains(page, "Wombat warehouse rollout") || !strings.Contains(page, "Sofia") {
		t.Errorf("the partner's page lacks the opportunity or its owner: %q", page)
	}
	if notes := text("#note-list"); !strings.Contains(notes, shared) {
		t.Errorf("the partner does not see the shared note: %q", notes)
	}
	for _, leak := range []string{"30%", "procurement", "55,555", "55555", "EUR", "Lee Seller", "CFO", internal} {
		if strings.Contains(page, leak) {
			t.Errorf("the partner's page shows %q", leak)
		}
	}
}
