package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/demo"
)

// TestCSVUploadShowsProgressAndItsReport: a partner manager checks a partner file from
// the partner list; the page's upload script sends it, shows that it is working, and
// then shows the server's dry-run report with the rejected row's line.
func TestCSVUploadShowsProgressAndItsReport(t *testing.T) {
	_, base, mail := startWithMail(t)
	file := filepath.Join(t.TempDir(), "partners.csv")
	if err := os.WriteFile(file, []byte("name,motions\nUpload One,tech\n,resale\nUpload Two,referral\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := Browser(t)
	signInByEmail(t, ctx, mail, base, demo.ManagerEmail)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/partners"),
		// The upload script has taken over the form (it marks the forms it enhances).
		chromedp.WaitReady(`form[action="partners/import"][data-enhanced="upload"]`),
		chromedp.SetUploadFiles("#imp-file", []string{file}),
		chromedp.Click(`form[action="partners/import"] button[type=submit]`),
		chromedp.WaitVisible(`td[data-label="Line"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text("main"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "2 would be imported and 1 rejected") {
		t.Errorf("the report after the upload says %q", body)
	}
}
