package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestHomePageShowsWhatTandemIs(t *testing.T) {
	_, base := apptest.Start(t, storetest.Engines()[0])
	ctx := Browser(t) // started last so that it closes first and leaves no connection open
	must := func(v string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	title := must(chromedp.Run(ctx, chromedp.Title()))
	heading := must(chromedp.Run(ctx, chromedp.Text("h1")))
	body := must(chromedp.Run(ctx, chromedp.Text("main")))
	footer := must(chromedp.Run(ctx, chromedp.Text("footer")))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
		t.Fatal(err)
	}
	narrowWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if title != "Welcome · Tandem" {
		t.Errorf("title %q", title)
	}
	if heading != "Partner programs that run themselves" {
		t.Errorf("heading %q", heading)
	}
	if !strings.Contains(body, "no password is needed") {
		t.Errorf("the page does not say how to sign in: %q", body)
	}
	if !strings.Contains(footer, "Tandem test") {
		t.Errorf("footer %q", footer)
	}
	if narrowWidth > 375 {
		t.Errorf("on a phone-width screen the page is %dpx wide: it scrolls sideways", narrowWidth)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/no/such/page")); err != nil {
		t.Fatal(err)
	}
	notFound := must(chromedp.Run(ctx, chromedp.Text("h1")))
	if notFound != "Page not found" {
		t.Errorf("404 page heading %q", notFound)
	}
}
