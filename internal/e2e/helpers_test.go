package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
	"github.com/tandemprm/tandem/internal/platform/config"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// startWithMail starts the whole product on SQLite with the demo workspace, sending
// its email to a loopback SMTP server the test reads.
func startWithMail(t *testing.T) (*app.App, string, *smtptest.Server) {
	t.Helper()
	mail := smtptest.Start(t)
	a, base := apptest.StartWith(t, storetest.Engines()[0], func(c *config.Config) {
		c.SMTP = config.SMTP{Host: mail.Host(), Port: mail.Port(), TLS: "none", From: "Tandem <tandem@northstar.example>"}
	})
	return a, base, mail
}

// texter returns a function that reads the text of the first element matching a
// selector in the browser of ctx, failing the test when it cannot.
func texter(t *testing.T, ctx context.Context) func(sel string) string {
	return func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
