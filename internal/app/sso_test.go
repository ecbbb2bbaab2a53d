package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/platform/sso/ssotest"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// ssoSignIn walks the sign-in: start → the provider's authorize endpoint (which
// approves at once) → callback. It returns the callback's response.
func ssoSignIn(t *testing.T, c *http.Client, idp *ssotest.Provider, base string) (*http.Response, string) {
	t.Helper()
	resp, body := call(t, c, "GET", base+"/w/demo/sso/start", nil)
	if resp.StatusCode != http.StatusSeeOther {
		return resp, body
	}
	callback, err := idp.Authorize(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("provider: %v", err)
	}
	return call(t, c, "GET", callback.String(), nil)
}

func TestSingleSignOnWithJustInTimeAccountsAndAdminVisibleProblems(t *testing.T) {
	a, base := apptest.Start(t, storetest.Engines()[0])
	idp := ssotest.Start(t)
	idp.RegisterRedirectURI(base + "/w/demo/sso/callback")
	admin := signIn(t, a, base, demo.AdminEmail)

	// Bad settings are refused field by field; nothing is saved.
	resp, body := form(t, admin, base+"/w/demo/settings/sso", url.Values{"issuer": {"ftp://x"}, "client_id": {""}, "allowed_domains": {"gmail.com"}, "enabled": {"on"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "field-error") {
		t.Fatalf("bad SSO settings: %d", resp.StatusCode)
	}
	resp, _ = form(t, admin, base+"/w/demo/settings/sso", url.Values{"issuer": {idp.Issuer()}, "client_id": {idp.ClientID()},
		"client_secret": {idp.ClientSecret()}, "allowed_domains": {"northstar.example"}, "default_role": {"sales"}, "enabled": {"on"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save SSO settings: %d", resp.StatusCode)
	}

	// A new colleague from an allowed domain gets an account on first sign-in.
	idp.SetUser(ssotest.User{Subject: "u-1", Email: "Rita@Northstar.example", EmailVerified: true, Name: "Rita Rep"})
	c := browser(t)
	resp, _ = ssoSignIn(t, c, idp, base)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/" {
		t.Fatalf("SSO sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := call(t, c, "GET", base+"/w/demo/", nil)
	if !strings.Contains(page, "Rita Rep") {
		t.Fatal("the new colleague is not signed in")
	}
	_, body = call(t, admin, "GET", base+"/api/v1/users", nil)
	if !strings.Contains(body, `"email":"rita@northstar.example","name":"Rita Rep","role":"sales","status":"active"`) {
		t.Fatalf("just-in-time account: %s", body)
	}

	// An existing partner user signs in as themself; a stranger from another domain
	// and an unverified address are refused.
	idp.SetUser(ssotest.User{Subject: "u-2", Email: demo.PartnerEmail, EmailVerified: true})
	resp, _ = ssoSignIn(t, browser(t), idp, base)
	if resp.Header.Get("Location") != "/w/demo/portal/" {
		t.Fatalf("partner via SSO: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	idp.SetUser(ssotest.User{Subject: "u-3", Email: "eve@elsewhere.example", EmailVerified: true})
	resp, body = ssoSignIn(t, browser(t), idp, base)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "invite you") {
		t.Fatalf("stranger: %d", resp.StatusCode)
	}
	idp.SetUser(ssotest.User{Subject: "u-4", Email: "sly@northstar.example", EmailVerified: false})
	resp, _ = ssoSignIn(t, browser(t), idp, base)
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("an unverified address was signed in")
	}

	// A forged state cookie is refused.
	idp.SetUser(ssotest.User{Subject: "u-1", Email: "rita@northstar.example", EmailVerified: true, Name: "Rita Rep"})
	forged := browser(t)
	resp, _ = call(t, forged, "GET", base+"/w/demo/sso/start", nil)
	u, _ := url.Parse(base + "/w/demo/sso/")
	cs := forged.Jar.Cookies(u)
	if len(cs) != 1 {
		t.Fatalf("state cookies: %d", len(cs))
	}
	for _, ck := range cs {
		ck.Value = strings.Replace(ck.Value, ".", "x.", 1)
		ck.Path = "/w/demo/sso/"
	}
	forged.Jar.SetCookies(u, cs)
	callback, err := idp.Authorize(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := call(t, forged, "GET", callback.String(), nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged state: %d", resp.StatusCode)
	}

	// A provider that refuses Tandem as a client is an admin's problem: the person is
	// told plainly and admins see why.
	idp.FailNext("unauthorized_client", "client is disabled")
	resp, _ = ssoSignIn(t, browser(t), idp, base)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("provider refusing the client: %d", resp.StatusCode)
	}
	_, page = call(t, admin, "GET", base+"/w/demo/settings/sso", nil)
	if !strings.Contains(page, "The identity provider is not working.") {
		t.Fatal("admins are not told that the provider refused the client")
	}

	// When the provider is down, saving the settings says so, sign-in says so
	// plainly, and emailed links keep working.
	idp.Break()
	_, _ = form(t, admin, base+"/w/demo/settings/sso", url.Values{"issuer": {idp.Issuer()}, "client_id": {idp.ClientID()},
		"allowed_domains": {"northstar.example"}, "default_role": {"sales"}, "enabled": {"on"}})
	resp, body = call(t, browser(t), "GET", base+"/w/demo/sso/start", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "email") {
		t.Fatalf("broken provider at sign-in: %d", resp.StatusCode)
	}
	_, page = call(t, admin, "GET", base+"/w/demo/settings/sso", nil)
	if !strings.Contains(page, "The identity provider is not working.") {
		t.Fatal("admins are not told that the provider is broken")
	}
	signIn(t, a, base, demo.ManagerEmail)
	_, body = call(t, admin, "GET", base+"/api/v1/audit?action=workspace.update_sso", nil)
	if strings.Contains(body, idp.ClientSecret()) || !strings.Contains(body, "(set)") {
		t.Fatalf("the audit log must record that a secret is set, never the secret: %s", body)
	}
}
