package ssotest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tandemprm/tandem/internal/platform/sso/ssotest"
)

// rp is a bare relying party made of go-oidc and oauth2, so that these tests check
// the provider against the libraries rather than against package sso.
type rp struct {
	idp      *ssotest.Provider
	oidc     *oidc.Provider
	oauth    oauth2.Config
	callback string
}

var clock = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) rp {
	t.Helper()
	idp := ssotest.Start(t)
	idp.SetClock(func() time.Time { return clock })
	callback := "http://127.0.0.1:1/w/acme/sso/callback"
	idp.RegisterRedirectURI(callback)
	op, err := oidc.NewProvider(context.Background(), idp.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return rp{idp: idp, oidc: op, callback: callback, oauth: oauth2.Config{
		ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(), Endpoint: op.Endpoint(),
		RedirectURL: callback, Scopes: []string{oidc.ScopeOpenID, "email"},
	}}
}

// attempt is one authorization request and the provider's answer to it.
type attempt struct {
	state, nonce, verifier string
	back                   url.Values
}

func (r rp) authorize(t *testing.T) attempt {
	t.Helper()
	a := attempt{state: "state-" + t.Name(), nonce: "nonce-" + t.Name(), verifier: oauth2.GenerateVerifier()}
	loc, err := r.idp.Authorize(r.oauth.AuthCodeURL(a.state, oidc.Nonce(a.nonce), oauth2.S256ChallengeOption(a.verifier)))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != r.callback {
		t.Fatalf("redirected to %s, want %s", got, r.callback)
	}
	a.back = loc.Query()
	if a.back.Get("state") != a.state {
		t.Fatalf("state %q came back as %q", a.state, a.back.Get("state"))
	}
	return a
}

// claims is what these tests read from an ID token.
type claims struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
}

func (r rp) finish(t *testing.T, a attempt) (*oidc.IDToken, claims) {
	t.Helper()
	tok, err := r.oauth.Exchange(context.Background(), a.back.Get("code"), oauth2.VerifierOption(a.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.oidc.Verifier(&oidc.Config{ClientID: r.idp.ClientID(), Now: func() time.Time { return clock }}).Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if idt.Nonce != a.nonce {
		t.Fatalf("nonce %q, want %q", idt.Nonce, a.nonce)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return idt, c
}

// wantTokenError checks that exchanging a's code with the given verifier is
// refused with the OAuth error code.
func (r rp) wantTokenError(t *testing.T, conf oauth2.Config, a attempt, verifier, code string) {
	t.Helper()
	_, err := conf.Exchange(context.Background(), a.back.Get("code"), oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("exchange error %v, want %s", err, code)
	}
}

func TestSignsInTheCurrentUser(t *testing.T) {
	r := setup(t)
	if got := r.oidc.Endpoint().AuthURL; !strings.HasPrefix(got, "http://127.0.0.1:") {
		t.Fatalf("authorization endpoint %s is not on loopback", got)
	}
	idt, c := r.finish(t, r.authorize(t))
	if idt.Subject != "u-1001" || c != (claims{Email: "dana@acme.com", EmailVerified: true, Name: "Dana Okafor"}) {
		t.Fatalf("default user: sub %q, %+v", idt.Subject, c)
	}
	if !idt.IssuedAt.Equal(clock) || !idt.Expiry.Equal(clock.Add(time.Hour)) {
		t.Fatalf("issued %s, expires %s; want the provider's clock", idt.IssuedAt, idt.Expiry)
	}

	pending := r.authorize(t)
	r.idp.SetUser(ssotest.User{Subject: "u-7", Email: "lee@acme.com", Name: "Lee Park"})
	idt, c = r.finish(t, r.authorize(t))
	if idt.Subject != "u-7" || c != (claims{Email: "lee@acme.com", Name: "Lee Park"}) {
		t.Fatalf("after SetUser: sub %q, %+v", idt.Subject, c)
	}
	// A code keeps the person it was issued for.
	if idt, _ := r.finish(t, pending); idt.Subject != "u-1001" {
		t.Fatalf("a code issued before SetUser signed in %q", idt.Subject)
	}
}

func TestTokenEndpointChecks(t *testing.T) {
	r := setup(t)

	a := r.authorize(t)
	r.finish(t, a)
	r.wantTokenError(t, r.oauth, a, a.verifier, "invalid_grant") // spent

	a = r.authorize(t)
	r.wantTokenError(t, r.oauth, a, oauth2.GenerateVerifier(), "invalid_grant")
	r.wantTokenError(t, r.oauth, a, a.verifier, "invalid_grant") // the failed attempt spent it

	a = r.authorize(t)
	other := r.oauth
	other.RedirectURL = r.callback + "/elsewhere"
	r.wantTokenError(t, other, a, a.verifier, "invalid_grant")

	a = r.authorize(t)
	other = r.oauth
	other.ClientSecret = "wrong"
	r.wantTokenError(t, other, a, a.verifier, "invalid_client")
	other = r.oauth
	other.ClientID = "someone-else"
	r.wantTokenError(t, other, a, a.verifier, "invalid_client")

	before := r.idp.CodeExchanges()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		conf := r.oauth
		conf.Endpoint.AuthStyle = style
		a = r.authorize(t)
		if _, err := conf.Exchange(context.Background(), a.back.Get("code"), oauth2.VerifierOption(a.verifier)); err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
	}
	if n := r.idp.CodeExchanges() - before; n != 2 {
		t.Fatalf("CodeExchanges grew by %d, want 2", n)
	}
}

func TestAuthorizationEndpointChecks(t *testing.T) {
	r := setup(t)
	good := func() url.Values {
		u, _ := url.Parse(r.oauth.AuthCodeURL("st", oidc.Nonce("n"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		return u.Query()
	}
	send := func(q url.Values) (*url.URL, error) {
		return r.idp.Authorize(r.oidc.Endpoint().AuthURL + "?" + q.Encode())
	}

	for name, edit := range map[string]func(url.Values){
		"unregistered redirect URI": func(q url.Values) { q.Set("redirect_uri", r.callback+"x") },
		"unknown client":            func(q url.Values) { q.Set("client_id", "someone-else") },
	} {
		q := good()
		edit(q)
		if loc, err := send(q); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("%s: redirected to %v (err %v), want a 400 page", name, loc, err)
		}
	}

	for name, edit := range map[string]func(url.Values){
		"no PKCE":         func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") },
		"plain PKCE":      func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"no nonce":        func(q url.Values) { q.Del("nonce") },
		"no openid scope": func(q url.Values) { q.Set("scope", "email") },
		"implicit flow":   func(q url.Values) { q.Set("response_type", "token") },
		"no state":        func(q url.Values) { q.Del("state") },
		"short challenge": func(q url.Values) { q.Set("code_challenge", "abc") },
	} {
		q := good()
		edit(q)
		loc, err := send(q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := loc.Query(); got.Get("error") != "invalid_request" || got.Has("code") {
			t.Errorf("%s: answered %v, want error=invalid_request", name, got)
		}
	}

	if _, err := r.idp.Authorize("http://127.0.0.1:1/auth?client_id=x"); err == nil {
		t.Error("Authorize followed a URL of another server")
	}
}

func TestDenyAndFailNext(t *testing.T) {
	r := setup(t)
	r.idp.SendIss()
	r.idp.DenyNext()
	a := r.authorize(t)
	if a.back.Get("error") != "access_denied" || a.back.Has("code") || a.back.Get("iss") != r.idp.Issuer() {
		t.Fatalf("after DenyNext: %v", a.back)
	}
	r.finish(t, r.authorize(t)) // only the next one

	r.idp.FailNext("unauthorized_client", "Client is not allowed")
	a = r.authorize(t)
	if a.back.Get("error") != "unauthorized_client" || a.back.Get("error_description") != "Client is not allowed" {
		t.Fatalf("after FailNext: %v", a.back)
	}
}

func TestBreakAndRepair(t *testing.T) {
	r := setup(t)
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(r.idp.Issuer() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const discovery = "/.well-known/openid-configuration"

	r.idp.Break()
	if _, err := oidc.NewProvider(context.Background(), r.idp.Issuer()); err == nil {
		t.Fatal("discovery worked on a broken provider")
	}
	if s := get("/keys"); s != http.StatusServiceUnavailable {
		t.Fatalf("key set answered %d while broken", s)
	}
	r.idp.Repair()
	if s := get(discovery); s != http.StatusOK {
		t.Fatalf("discovery answered %d after Repair", s)
	}

	r.idp.BreakKeys()
	if d, k := get(discovery), get("/keys"); d != http.StatusOK || k != http.StatusServiceUnavailable {
		t.Fatalf("with keys broken, discovery answered %d and keys %d", d, k)
	}
	r.idp.Repair()
	r.finish(t, r.authorize(t))

	r.idp.Close()
	if _, err := http.Get(r.idp.Issuer() + discovery); err == nil {
		t.Fatal("a closed provider answered")
	}
}

func TestSpoiledTokens(t *testing.T) {
	r := setup(t)
	verify := func() error {
		a := r.authorize(t)
		tok, err := r.oauth.Exchange(context.Background(), a.back.Get("code"), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			return errors.New("no ID token")
		}
		_, err = r.oidc.Verifier(&oidc.Config{ClientID: r.idp.ClientID(), Now: func() time.Time { return clock }}).Verify(context.Background(), raw)
		return err
	}

	r.idp.EditClaims(func(c map[string]any) { c["aud"] = "another-app" })
	if verify() == nil {
		t.Error("EditClaims did not change the audience")
	}
	r.idp.EditClaims(nil)
	if err := verify(); err != nil {
		t.Fatalf("EditClaims(nil): %v", err)
	}
	r.idp.SignWithUnpublishedKey()
	if verify() == nil {
		t.Error("a token signed with an unpublished key verified")
	}
	r.idp.OmitIDToken()
	if err := verify(); err == nil || err.Error() != "no ID token" {
		t.Errorf("OmitIDToken: %v", err)
	}
}
