// Package e2e holds browser tests: real Chromium (headless) driven over the DevTools
// protocol against the whole product served on loopback. Tests skip when no browser is
// installed, unless TANDEM_E2E=1 says they must run (as in CI).
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findBrowser returns the path of a Chromium-family browser, or "".
func findBrowser() string {
	if p := os.Getenv("TANDEM_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser starts a headless browser for the test and returns a context to drive it.
func Browser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		if os.Getenv("TANDEM_E2E") == "1" {
			t.Fatal("TANDEM_E2E=1 but no Chromium was found: install Debian's chromium package or set TANDEM_CHROME")
		}
		t.Skip("no Chromium found; set TANDEM_E2E=1 to require browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// A ceiling for a hung browser, not a speed check: under the race detector with
	// every package testing at once on two cores, a long journey takes over a minute.
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser %s: %v", path, err)
	}
	return ctx
}

// Follow clicks sel, which must start a navigation (a form's submit button or a link),
// and returns once the page it leads to has loaded. Waiting for a selector alone is not
// enough: the page being left can match it too (a flash message from the step before),
// and a navigation started while the form's own is still in flight is aborted, or
// never reports its load.
func Follow(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Evaluate[bool](`window.__tandemLeaving = true`)(ctx, t); err != nil {
			return chromedp.Void{}, fmt.Errorf("mark the page before clicking %s: %w", sel, err)
		}
		if _, err := chromedp.Click(sel)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		for {
			// While one document replaces the other, evaluation can fail: that is "not yet".
			arrived, err := chromedp.Evaluate[bool](`window.__tandemLeaving !== true && document.readyState === "complete"`)(ctx, t)
			if err == nil && arrived {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("wait for the page after clicking %s: %w", sel, ctx.Err())
			case <-time.After(25 * time.Millisecond):
			}
		}
	}
}
