package sso

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"
)

// t0 is the test clock's "now": tokens are issued at t0 and Finish runs at t0 unless
// a test says otherwise.
var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

const (
	testClientID     = "tandem-test-client"
	testClientSecret = "s3cret-value-for-tests"
	testKeyID        = "test-key-1"
	testCallbackPath = "/w/acme/sso/callback"
)

// testUser is the account the test provider signs in.
type testUser struct {
	Subject       string
	Email         string
	EmailVerified any // bool, or a string for providers that send one
	Name          string
}

// testIdP is a small OpenID Connect provider for tests. go-oidc's oidctest.Server
// serves discovery and the key set; testIdP adds what that server only advertises:
// an authorization endpoint that redirects back with a code (always signing in
// testIdP.user, as if they had just authenticated) and a token endpoint that checks
// client authentication, the redirect URI and the PKCE verifier (S256), spends each
// code once and returns an ID token signed with oidctest.SignIDToken.
type testIdP struct {
	srv  *httptest.Server
	disc *oidctest.Server
	key  *ecdsa.PrivateKey

	mu        sync.Mutex
	codes     map[string]*grant
	user      testUser
	mutate    func(claims map[string]any) // edits the ID token claims before signing
	signWith  *ecdsa.PrivateKey           // signs with this key instead, when set
	noIDToken bool                        // answer the token request without an ID token
	sendIss   bool                        // add the RFC 9207 iss parameter to the redirect
	keysDown  bool                        // answer key set requests with 503
	exchanges int
}

type grant struct {
	clientID, redirectURI, nonce, challenge string
	used                                    bool
}

// newTestIdP starts a provider on loopback and stops it when the test ends.
func newTestIdP(t testing.TB) *testIdP {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIdP{
		key: key,
		disc: &oidctest.Server{
			PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: testKeyID, Algorithm: oidc.ES256}},
			Algorithms: []string{oidc.ES256},
		},
		codes: map[string]*grant{},
		user:  testUser{Subject: "u-1001", Email: "dana@acme.com", EmailVerified: true, Name: "Dana Okafor"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth", idp.authorize)
	mux.HandleFunc("POST /token", idp.token)
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		down := idp.keysDown
		idp.mu.Unlock()
		if down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		idp.disc.ServeHTTP(w, r)
	})
	mux.Handle("/", idp.disc)
	idp.srv = httptest.NewServer(mux)
	idp.disc.SetIssuer(idp.srv.URL)
	t.Cleanup(idp.srv.Close)
	return idp
}

func (idp *testIdP) issuer() string   { return idp.srv.URL }
func (idp *testIdP) callback() string { return idp.srv.URL + testCallbackPath }

// config returns enabled settings for this provider that allow acme.com.
func (idp *testIdP) config() Config {
	return Config{
		Issuer: idp.issuer(), ClientID: testClientID, ClientSecret: testClientSecret,
		AllowedDomains: []string{"acme.com"}, DefaultRole: "sales", Enabled: true,
	}
}

// set changes the provider's behaviour under its lock.
func (idp *testIdP) set(f func(*testIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	f(idp)
}

func (idp *testIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if redirect != idp.callback() || q.Get("client_id") != testClientID {
		http.Error(w, "unknown client or redirect URI", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(redirect)
	reply := url.Values{"state": {q.Get("state")}}
	idp.mu.Lock()
	if idp.sendIss {
		reply.Set("iss", idp.issuer())
	}
	idp.mu.Unlock()
	switch {
	case q.Get("response_type") != "code",
		!slices.Contains(strings.Fields(q.Get("scope")), "openid"),
		q.Get("code_challenge_method") != "S256",
		len(q.Get("code_challenge")) != 43,
		q.Get("nonce") == "", q.Get("state") == "":
		reply.Set("error", "invalid_request")
	default:
		code := base64.RawURLEncoding.EncodeToString(randomBytes(24))
		idp.mu.Lock()
		idp.codes[code] = &grant{clientID: testClientID, redirectURI: redirect, nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
		idp.mu.Unlock()
		reply.Set("code", code)
	}
	back.RawQuery = reply.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (idp *testIdP) token(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "refused by the test provider"})
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != testClientID || secret != testClientSecret {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		fail(http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.exchanges++
	g := idp.codes[r.PostForm.Get("code")]
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if g == nil || g.used || g.redirectURI != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		if g != nil {
			g.used = true // a failed attempt spends the code too
		}
		fail(http.StatusBadRequest, "invalid_grant")
		return
	}
	g.used = true
	claims := map[string]any{
		"iss":   idp.issuer(),
		"sub":   idp.user.Subject,
		"aud":   testClientID,
		"iat":   t0.Unix(),
		"exp":   t0.Add(time.Hour).Unix(),
		"nonce": g.nonce,
		"name":  idp.user.Name,
	}
	if idp.user.Email != "" {
		claims["email"] = idp.user.Email
	}
	if idp.user.EmailVerified != nil {
		claims["email_verified"] = idp.user.EmailVerified
	}
	if idp.mutate != nil {
		idp.mutate(claims)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		fail(http.StatusInternalServerError, "server_error")
		return
	}
	key := idp.key
	if idp.signWith != nil {
		key = idp.signWith
	}
	resp := map[string]any{"access_token": "at-" + base64.RawURLEncoding.EncodeToString(randomBytes(16)), "token_type": "Bearer", "expires_in": 3600}
	if !idp.noIDToken {
		resp["id_token"] = oidctest.SignIDToken(key, testKeyID, oidc.ES256, string(payload))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// newProvider builds a Provider for idp's default settings.
func newProvider(t testing.TB, idp *testIdP) *Provider {
	t.Helper()
	p, err := New(context.Background(), idp.config(), idp.callback(), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// follow requests authURL as a browser would, without following the provider's
// redirect, and returns the query the provider sends to the callback.
func follow(t testing.TB, authURL, callback string) url.Values {
	t.Helper()
	q, err := followErr(authURL, callback)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// followErr is follow for goroutines other than the test's own.
func followErr(authURL, callback string) (url.Values, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		return nil, fmt.Errorf("authorization request: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("authorization request answered %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("bad Location: %w", err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback {
		return nil, fmt.Errorf("redirected to %s, want the callback %s", got, callback)
	}
	return loc.Query(), nil
}

// begin starts a sign-in on p and follows it to the callback, passing the State
// through Encode and DecodeState as a cookie would.
func begin(t testing.TB, p *Provider, idp *testIdP) (State, url.Values) {
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
	return back, follow(t, authURL, idp.callback())
}
