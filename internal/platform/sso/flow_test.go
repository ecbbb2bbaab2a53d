package sso

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/platform/sso/ssotest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// wantUserErr checks that err refuses the sign-in as the person's own problem: an
// unauthenticated *tandem.Error whose message contains fragment, and not a
// provider problem for admins.
func wantUserErr(t *testing.T, err error, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatal("sign-in succeeded, want a refusal")
	}
	if k := tandem.KindOf(err); k != tandem.KindUnauthenticated {
		t.Fatalf("kind %s, want unauthenticated (err: %v)", k, err)
	}
	if msg, ok := AdminProblem(err); ok {
		t.Fatalf("reported to admins as %q; want the person's own problem", msg)
	}
	t.Logf("person reads: %s (cause: %v)", tandem.MessageOf(err), errors.Unwrap(err))
	if m := tandem.MessageOf(err); !strings.Contains(m, fragment) {
		t.Fatalf("message %q does not contain %q", m, fragment)
	}
}

// wantProviderErr checks that err is a *ProviderError of the given kind whose
// sentence for admins contains every fragment, and that the person signing in is
// told UnavailableMessage.
func wantProviderErr(t *testing.T, err error, kind tandem.Kind, fragments ...string) *ProviderError {
	t.Helper()
	if err == nil {
		t.Fatal("succeeded, want a provider problem")
	}
	var pe *ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %q is not a *ProviderError", err, err)
	}
	if k := tandem.KindOf(err); k != kind {
		t.Fatalf("kind %s, want %s (err: %v)", k, kind, err)
	}
	if got := tandem.MessageOf(err); got != UnavailableMessage {
		t.Fatalf("person is told %q, want UnavailableMessage", got)
	}
	msg, _ := AdminProblem(err)
	t.Logf("admins read: %s", msg)
	if msg != err.Error() {
		t.Fatalf("AdminProblem %q differs from Error %q", msg, err.Error())
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Fatalf("admin message %q does not contain %q", msg, f)
		}
	}
	if !strings.HasPrefix(msg, "The ") && !strings.HasPrefix(msg, "Single ") || !strings.HasSuffix(msg, ".") || strings.Contains(msg, "\n") {
		t.Fatalf("admin message %q is not one plain sentence", msg)
	}
	return pe
}

// assertNoSecrets checks that no text err can produce, causes included, repeats
// any of the secrets.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	var texts []string
	for e := error(err); e != nil; {
		texts = append(texts, e.Error(), fmt.Sprintf("%+v", e))
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				texts = append(texts, x.Error())
			}
			e = nil
			if pe, ok := u.(*ProviderError); ok {
				e = pe.Err
			}
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		default:
			e = nil
		}
	}
	texts = append(texts, tandem.MessageOf(err))
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Fatalf("error text %q repeats a secret", text)
			}
		}
	}
}

// flipLast returns s with its last character replaced by a different one.
func flipLast(s string) string {
	last := "A"
	if strings.HasSuffix(s, "A") {
		last = "B"
	}
	return s[:len(s)-1] + last
}

func TestSignInEndToEnd(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)

	authURL, st, err := p.Begin(t0)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for param, want := range map[string]string{
		"response_type": "code", "client_id": idp.ClientID(), "redirect_uri": idp.callback(),
		"scope": "openid email profile", "code_challenge_method": "S256",
		"state": st.Param, "nonce": st.Nonce,
	} {
		if got := q.Get(param); got != want {
			t.Errorf("authorization URL %s = %q, want %q", param, got, want)
		}
	}
	if q.Get("code_challenge") == "" || q.Get("code_challenge") == st.Verifier {
		t.Errorf("code_challenge %q must be present and not the verifier itself", q.Get("code_challenge"))
	}
	if strings.Contains(authURL, st.Verifier) {
		t.Error("the PKCE verifier leaked into the authorization URL")
	}
	if !st.ExpiresAt.Equal(t0.Add(StateLifetime)) {
		t.Errorf("state expires at %s, want %s", st.ExpiresAt, t0.Add(StateLifetime))
	}

	st, err = DecodeState(st.Encode())
	if err != nil {
		t.Fatal(err)
	}
	back := follow(t, idp, authURL)
	id, err := p.Finish(context.Background(), st, back, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want := Identity{Issuer: idp.Issuer(), Subject: "u-1001", Email: "dana@acme.com", EmailVerified: true, Name: "Dana Okafor"}
	if id != want {
		t.Fatalf("identity %+v, want %+v", id, want)
	}
	if !JITAllowed(idp.config(), id) {
		t.Error("JITAllowed refused a verified acme.com address")
	}
}

func TestBeginMakesFreshSecretsEachTime(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	seen := map[string]bool{}
	for range 50 {
		_, st, err := p.Begin(t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{st.Param, st.Nonce, st.Verifier} {
			if seen[v] {
				t.Fatalf("value %q repeated", v)
			}
			seen[v] = true
		}
	}
}

func TestSignInWithStringEmailVerifiedAndIssParameter(t *testing.T) {
	idp := newTestIdP(t)
	idp.EditClaims(func(c map[string]any) { c["email_verified"] = "true" })
	idp.SendIss()
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	if back.Get("iss") != idp.Issuer() {
		t.Fatalf("test provider did not send iss")
	}
	id, err := p.Finish(context.Background(), st, back, t0)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if !id.EmailVerified {
		t.Fatal("email_verified \"true\" not accepted")
	}
}

func TestFinishRefusesWrongState(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	code := back.Get("code")

	cases := map[string]func(url.Values){
		"altered":  func(q url.Values) { q.Set("state", flipLast(q.Get("state"))) },
		"missing":  func(q url.Values) { q.Del("state") },
		"repeated": func(q url.Values) { q.Add("state", q.Get("state")) },
		"empty":    func(q url.Values) { q.Set("state", "") },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range back {
				q[k] = append([]string(nil), v...)
			}
			edit(q)
			_, err := p.Finish(context.Background(), st, q, t0)
			wantUserErr(t, err, "could not be matched")
			assertNoSecrets(t, err, code, st.Param, st.Nonce, st.Verifier)
		})
	}
	// Another browser's state (a login CSRF attempt) is refused too.
	other, _ := begin(t, p, idp)
	_, err := p.Finish(context.Background(), other, back, t0)
	wantUserErr(t, err, "could not be matched")

	if n := idp.CodeExchanges(); n != 0 {
		t.Fatalf("%d code exchanges were attempted for refused callbacks", n)
	}
}

func TestFinishRefusesExpiredState(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	_, err := p.Finish(context.Background(), st, back, st.ExpiresAt)
	wantUserErr(t, err, "has expired")
	// One second earlier it still works.
	if _, err := p.Finish(context.Background(), st, back, st.ExpiresAt.Add(-time.Second)); err != nil {
		t.Fatalf("Finish just before expiry: %v", err)
	}
}

func TestFinishRefusesStateFromOtherSettings(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)

	cfg := idp.config()
	cfg.ClientID = "another-client"
	p2, err := New(context.Background(), cfg, idp.callback(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p2.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "settings of this workspace changed")

	p3, err := New(context.Background(), idp.config(), idp.Issuer()+"/w/other/sso/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p3.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "settings of this workspace changed")
}

func TestDisabledSettingsRefuseBeginAndFinish(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)

	cfg := idp.config()
	cfg.Enabled = false
	off, err := New(context.Background(), cfg, idp.callback(), nil)
	if err != nil {
		t.Fatalf("New must work on disabled settings so they can be tested: %v", err)
	}
	if _, _, err := off.Begin(t0); err == nil {
		t.Fatal("Begin worked while disabled")
	} else {
		wantUserErr(t, err, "turned off")
	}
	_, err = off.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "turned off")
}

func TestFinishRefusesIssParameterOfAnotherIssuer(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	back.Set("iss", "https://attacker.example")
	_, err := p.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "could not be matched")
}

func TestFinishRefusesNonceMismatch(t *testing.T) {
	idp := newTestIdP(t)
	idp.EditClaims(func(c map[string]any) { c["nonce"] = newRandomValue() })
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	_, err := p.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "does not belong to the sign-in")
	assertNoSecrets(t, err, back.Get("code"), st.Nonce, st.Verifier)

	idp.EditClaims(func(c map[string]any) { delete(c, "nonce") })
	st, back = begin(t, p, idp)
	_, err = p.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "does not belong to the sign-in")
}

func TestFinishRefusesBadIDTokens(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(testIdP)
		expect []string
	}{
		{"wrong audience", func(i testIdP) { i.EditClaims(func(c map[string]any) { c["aud"] = "some-other-app" }) },
			[]string{"failed verification", "different client id"}},
		{"audience list without us", func(i testIdP) { i.EditClaims(func(c map[string]any) { c["aud"] = []string{"a", "b"} }) },
			[]string{"different client id"}},
		{"expired", func(i testIdP) { i.EditClaims(func(c map[string]any) { c["exp"] = t0.Add(-time.Minute).Unix() }) },
			[]string{"already expired", "clock"}},
		{"other issuer", func(i testIdP) { i.EditClaims(func(c map[string]any) { c["iss"] = "https://impostor.example" }) },
			[]string{"different issuer"}},
		{"signed with an unpublished key", func(i testIdP) { i.SignWithUnpublishedKey() },
			[]string{"signature could not be checked"}},
		{"another authorized party", func(i testIdP) {
			i.EditClaims(func(c map[string]any) { c["aud"] = []string{i.ClientID(), "x"}; c["azp"] = "x" })
		}, []string{"azp"}},
		{"several audiences without azp", func(i testIdP) {
			i.EditClaims(func(c map[string]any) { c["aud"] = []string{i.ClientID(), "x"} })
		}, []string{"azp"}},
		{"key set unreachable when verifying", func(i testIdP) { i.BreakKeys() },
			[]string{"key set may be unreachable"}},
		{"access token hash mismatch", func(i testIdP) { i.EditClaims(func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }) },
			[]string{"at_hash"}},
		{"no subject", func(i testIdP) { i.EditClaims(func(c map[string]any) { c["sub"] = "" }) },
			[]string{"subject"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idp := newTestIdP(t)
			p := newProvider(t, idp)
			c.setup(idp)
			st, back := begin(t, p, idp)
			_, err := p.Finish(context.Background(), st, back, t0.Add(time.Second))
			pe := wantProviderErr(t, err, tandem.KindUnauthenticated, append([]string{idp.Issuer()}, c.expect...)...)
			if pe.Err == nil {
				t.Error("no cause kept for the log")
			}
			assertNoSecrets(t, err, back.Get("code"), st.Nonce, st.Verifier, idp.ClientSecret())
		})
	}
}

func TestFinishRefusesUnverifiedOrMissingEmail(t *testing.T) {
	cases := []struct {
		name     string
		verified any
		email    string
		fragment string
	}{
		{"verified false", false, "dana@acme.com", "not verified"},
		{"verified \"false\"", "false", "dana@acme.com", "not verified"},
		{"verified claim absent", nil, "dana@acme.com", "not verified"},
		{"verified odd value", 1, "dana@acme.com", "not verified"},
		{"no email", true, "", "no usable email"},
		{"not an address", true, "dana", "no usable email"},
		{"spaces in address", true, "dana smith@acme.com", "no usable email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idp := newTestIdP(t)
			verified, isBool := c.verified.(bool)
			idp.SetUser(ssotest.User{Subject: "u-1001", Email: c.email, EmailVerified: verified, Name: "Dana Okafor"})
			if !isBool {
				// Some providers send a string or another value, or leave the claim out.
				idp.EditClaims(func(claims map[string]any) {
					if c.verified == nil {
						delete(claims, "email_verified")
					} else {
						claims["email_verified"] = c.verified
					}
				})
			}
			p := newProvider(t, idp)
			st, back := begin(t, p, idp)
			_, err := p.Finish(context.Background(), st, back, t0)
			wantUserErr(t, err, c.fragment)
		})
	}
}

func TestFinishHandlesProviderErrorParameter(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	_, st, err := p.Begin(t0)
	if err != nil {
		t.Fatal(err)
	}
	reply := func(kv ...string) url.Values {
		q := url.Values{"state": {st.Param}}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}

	_, err = p.Finish(context.Background(), st, reply("error", "access_denied", "error_description", "User cancelled"), t0)
	wantUserErr(t, err, "did not sign you in")

	_, err = p.Finish(context.Background(), st, reply("error", "login_required"), t0)
	wantUserErr(t, err, "sign in there first")

	_, err = p.Finish(context.Background(), st, reply("error", "unauthorized_client", "error_description", "Client is not\nallowed"), t0)
	wantProviderErr(t, err, tandem.KindUnauthenticated, "refused a sign-in request (unauthorized_client)", `"Client is not allowed"`, idp.callback())

	_, err = p.Finish(context.Background(), st, reply("error", "temporarily_unavailable"), t0)
	wantProviderErr(t, err, tandem.KindUnavailable, "failure of its own (temporarily_unavailable)")

	_, err = p.Finish(context.Background(), st, reply("error", "<script>alert(1)</script>"), t0)
	pe := wantProviderErr(t, err, tandem.KindUnauthenticated, "an unrecognised error")
	if strings.Contains(pe.Problem, "<script>") {
		t.Fatal("an unrecognised error code was repeated")
	}

	// Without the right state, an error parameter is just a mismatched callback.
	_, err = p.Finish(context.Background(), st, url.Values{"error": {"unauthorized_client"}}, t0)
	wantUserErr(t, err, "could not be matched")

	_, err = p.Finish(context.Background(), st, reply(), t0)
	wantUserErr(t, err, "incomplete")
}

func TestFinishRefusesReplayedCodeAndWrongVerifier(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	if _, err := p.Finish(context.Background(), st, back, t0); err != nil {
		t.Fatal(err)
	}
	_, err := p.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "already used or has expired")
	assertNoSecrets(t, err, back.Get("code"), st.Verifier)

	// A stolen code is useless without the verifier of the browser that began.
	st, back = begin(t, p, idp)
	thief := st
	_, other, _ := p.Begin(t0)
	thief.Verifier = other.Verifier
	_, err = p.Finish(context.Background(), thief, back, t0)
	wantUserErr(t, err, "already used or has expired")
}

func TestFinishReportsRefusedClientSecret(t *testing.T) {
	idp := newTestIdP(t)
	cfg := idp.config()
	cfg.ClientSecret = "wrong-secret-value"
	p, err := New(context.Background(), cfg, idp.callback(), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, back := begin(t, p, idp)
	_, err = p.Finish(context.Background(), st, back, t0)
	wantProviderErr(t, err, tandem.KindUnauthenticated, "client id or client secret", "invalid_client")
	assertNoSecrets(t, err, "wrong-secret-value", back.Get("code"), st.Verifier, "refused by the test provider")
}

func TestFinishReportsMissingIDToken(t *testing.T) {
	idp := newTestIdP(t)
	idp.OmitIDToken()
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	_, err := p.Finish(context.Background(), st, back, t0)
	wantProviderErr(t, err, tandem.KindUnauthenticated, "without an ID token")
}

func TestFinishReportsUnreachableTokenEndpoint(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	idp.Close()
	_, err := p.Finish(context.Background(), st, back, t0)
	wantProviderErr(t, err, tandem.KindUnavailable, "could not be reached", "connection was refused")
	assertNoSecrets(t, err, back.Get("code"), st.Verifier, idp.ClientSecret())
}

func TestFinishInterruptedIsNotReportedToAdmins(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Finish(ctx, st, back, t0)
	if err == nil {
		t.Fatal("Finish worked with a cancelled context")
	}
	if _, ok := AdminProblem(err); ok {
		t.Fatalf("a cancelled request was reported to admins: %v", err)
	}
}

func TestConcurrentSignIns(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			authURL, st, err := p.Begin(t0)
			if err != nil {
				errs <- err
				return
			}
			back, err := followErr(idp, authURL)
			if err != nil {
				errs <- err
				return
			}
			if _, err := p.Finish(context.Background(), st, back, t0); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSignInAsTheProvidersUser(t *testing.T) {
	idp := newTestIdP(t)
	idp.SetUser(ssotest.User{Subject: "u-2002", Email: " Lee@Acme.com ", EmailVerified: true})
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	id, err := p.Finish(context.Background(), st, back, t0)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want := Identity{Issuer: idp.Issuer(), Subject: "u-2002", Email: "Lee@Acme.com", EmailVerified: true}
	if id != want {
		t.Fatalf("identity %+v, want %+v", id, want)
	}
}

func TestFinishAfterTheProviderRefuses(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)

	idp.DenyNext()
	st, back := begin(t, p, idp)
	_, err := p.Finish(context.Background(), st, back, t0)
	wantUserErr(t, err, "did not sign you in")

	idp.FailNext("unauthorized_client", "Client is not allowed")
	st, back = begin(t, p, idp)
	_, err = p.Finish(context.Background(), st, back, t0)
	wantProviderErr(t, err, tandem.KindUnauthenticated, "refused a sign-in request (unauthorized_client)", idp.callback())

	// The next attempt is approved again.
	st, back = begin(t, p, idp)
	if _, err := p.Finish(context.Background(), st, back, t0); err != nil {
		t.Fatalf("Finish after the refusals: %v", err)
	}
}
