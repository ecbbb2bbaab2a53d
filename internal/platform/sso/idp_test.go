package sso

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/platform/sso/ssotest"
)

// t0 is the test clock's "now": tokens are issued at t0 and Finish runs at t0 unless
// a test says otherwise.
var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// testCallbackPath is where, on the test provider's own host, the tests pretend
// Tandem's callback handler is; nothing requests it.
const testCallbackPath = "/w/acme/sso/callback"

// testIdP is an ssotest provider that issues tokens at t0 and accepts the test
// callback.
type testIdP struct {
	*ssotest.Provider
}

// newTestIdP starts a provider on loopback and stops it when the test ends.
func newTestIdP(t testing.TB) testIdP {
	t.Helper()
	idp := testIdP{ssotest.Start(t)}
	idp.SetClock(func() time.Time { return t0 })
	idp.RegisterRedirectURI(idp.callback())
	return idp
}

func (idp testIdP) callback() string { return idp.Issuer() + testCallbackPath }

// config returns enabled settings for this provider that allow acme.com.
func (idp testIdP) config() Config {
	return Config{
		Issuer: idp.Issuer(), ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(),
		AllowedDomains: []string{"acme.com"}, DefaultRole: "sales", Enabled: true,
	}
}

// newProvider builds a Provider for idp's default settings.
func newProvider(t testing.TB, idp testIdP) *Provider {
	t.Helper()
	p, err := New(context.Background(), idp.config(), idp.callback(), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// follow sends the browser to authURL, without following the provider's redirect,
// and returns the query the provider sends to the callback.
func follow(t testing.TB, idp testIdP, authURL string) url.Values {
	t.Helper()
	q, err := followErr(idp, authURL)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// followErr is follow for goroutines other than the test's own.
func followErr(idp testIdP, authURL string) (url.Values, error) {
	loc, err := idp.Authorize(authURL)
	if err != nil {
		return nil, err
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != idp.callback() {
		return nil, fmt.Errorf("redirected to %s, want the callback %s", got, idp.callback())
	}
	return loc.Query(), nil
}

// begin starts a sign-in on p and follows it to the callback, passing the State
// through Encode and DecodeState as a cookie would.
func begin(t testing.TB, p *Provider, idp testIdP) (State, url.Values) {
	t.Helper()
	authURL, st, err := p.Begin(t0)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	cookie := st.Encode()
	back, err := DecodeState(cookie)
	if err != nil {
		t.Fatalf("DecodeState(Encode()): %v", err)
	}
	return back, follow(t, idp, authURL)
}
