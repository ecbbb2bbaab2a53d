// Package ssotest runs a small OpenID Connect provider on loopback, for tests of
// code that signs people in through package sso: the relying party's own tests,
// the web sign-in handlers and browser tests.
//
// The provider is real as far as a relying party can tell. It serves discovery and
// a key set (through go-oidc's oidctest), an authorization endpoint and a token
// endpoint, and it checks what a careful provider checks: the client id and a
// registered redirect URI at the authorization endpoint; client authentication
// (client_secret_basic or client_secret_post), the grant type, the redirect URI
// and the PKCE verifier (S256 only) at the token endpoint, where every code is
// spent by its first use, good or bad. ID tokens carry the nonce of their
// authorization request and are signed with ES256 by oidctest.SignIDToken.
//
// Nobody logs in: the authorization endpoint approves every well-formed request at
// once as the current User (see SetUser) and redirects back to the redirect URI
// with a code and the state, as a provider would after the person had signed in.
// A test can make it refuse instead (DenyNext, FailNext), break it (Break,
// BreakKeys) and mend it (Repair), or spoil its ID tokens (EditClaims,
// SignWithUnpublishedKey, OmitIDToken).
//
// Typical use, with the callback of the server under test:
//
//	idp := ssotest.Start(t)
//	idp.RegisterRedirectURI(app.URL + "/w/acme/sso/callback")
//	idp.SetUser(ssotest.User{Subject: "u-7", Email: "lee@acme.com", EmailVerified: true, Name: "Lee Park"})
//	cfg := sso.Config{Issuer: idp.Issuer(), ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(),
//		AllowedDomains: []string{"acme.com"}, Enabled: true}
//
// A browser then signs in by following redirects as usual; a test without a
// browser passes the authorization URL to Authorize and requests the URL it
// returns from the server under test.
//
// The issuer is a plain http URL on 127.0.0.1, which sso accepts for loopback
// hosts. Every method is safe for concurrent use.
package ssotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
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

const (
	clientID = "tandem-test-client"
	keyID    = "ssotest-key-1"

	// idTokenLifetime is how long an ID token is valid after it is issued.
	idTokenLifetime = time.Hour
)

// User is the person the provider says has signed in.
type User struct {
	Subject       string // the "sub" claim
	Email         string // the "email" claim, left out when empty
	EmailVerified bool   // the "email_verified" claim
	Name          string // the "name" claim, left out when empty
}

// Provider is a running test identity provider. Make one with Start.
type Provider struct {
	srv    *httptest.Server
	disc   *oidctest.Server
	key    *ecdsa.PrivateKey
	secret string

	mu         sync.Mutex
	redirects  map[string]bool
	codes      map[string]*grant
	user       User
	now        func() time.Time
	failNext   *authError
	broken     bool
	keysBroken bool
	edit       func(claims map[string]any)
	signWith   *ecdsa.PrivateKey
	noIDToken  bool
	sendIss    bool
	exchanges  int
}

// grant is what an authorization code stands for.
type grant struct {
	redirectURI, nonce, challenge string
	user                          User
	used                          bool
}

// authError is an error the authorization endpoint sends back instead of a code.
type authError struct{ code, description string }

// Start starts a provider listening on 127.0.0.1 on a free port and closes it when
// the test ends. It signs in Dana Okafor (subject "u-1001", "dana@acme.com",
// verified) until SetUser says otherwise, issues tokens at time.Now until SetClock
// says otherwise, and knows no redirect URI until RegisterRedirectURI adds one.
func Start(t testing.TB) *Provider {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ssotest: generating the signing key: %v", err)
	}
	p := &Provider{
		key: key,
		disc: &oidctest.Server{
			PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: keyID, Algorithm: oidc.ES256}},
			Algorithms: []string{oidc.ES256},
		},
		secret:    "ssotest-secret-" + randomText(18),
		redirects: map[string]bool{},
		codes:     map[string]*grant{},
		user:      User{Subject: "u-1001", Email: "dana@acme.com", EmailVerified: true, Name: "Dana Okafor"},
		now:       time.Now,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		down := p.keysBroken
		p.mu.Unlock()
		if down {
			http.Error(w, "The key set is down for maintenance.", http.StatusServiceUnavailable)
			return
		}
		p.disc.ServeHTTP(w, r)
	})
	mux.Handle("/", p.disc)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ssotest: listening on loopback: %v", err)
	}
	p.srv = httptest.NewUnstartedServer(p.breakable(mux))
	p.srv.Listener.Close()
	p.srv.Listener = l
	p.srv.Start()
	p.disc.SetIssuer(p.srv.URL)
	t.Cleanup(p.srv.Close)
	return p
}

// Issuer returns the provider's issuer URL, such as "http://127.0.0.1:41234".
func (p *Provider) Issuer() string { return p.srv.URL }

// ClientID returns the client id the provider knows the relying party by.
func (p *Provider) ClientID() string { return clientID }

// ClientSecret returns the client secret the token endpoint expects. It is
// different for every provider Start makes.
func (p *Provider) ClientSecret() string { return p.secret }

// RegisterRedirectURI adds uri to the redirect URIs the provider accepts. As with a
// real provider, the authorization endpoint refuses any other with a plain error
// page (HTTP 400) rather than redirecting there.
func (p *Provider) RegisterRedirectURI(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirects[uri] = true
}

// SetUser makes u the person the authorization endpoint signs in from now on. A
// code already issued keeps the user it was issued for.
func (p *Provider) SetUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = u
}

// SetClock makes now the provider's clock: ID tokens are issued at now() and
// expire an hour later. nil restores time.Now.
func (p *Provider) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

// DenyNext makes the next well-formed authorization request end with
// error=access_denied, as when the person cancels at the provider; later requests
// are approved again.
func (p *Provider) DenyNext() {
	p.FailNext("access_denied", "The user cancelled the sign-in.")
}

// FailNext makes the next well-formed authorization request end with the OAuth
// error code (and error_description, when not empty) instead of a code, for
// example "unauthorized_client" or "temporarily_unavailable"; later requests are
// approved again.
func (p *Provider) FailNext(code, description string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext = &authError{code: code, description: description}
}

// Break makes the provider answer every request, discovery included, with HTTP
// 503 Service Unavailable until Repair, as a provider down for maintenance would.
func (p *Provider) Break() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.broken = true
}

// BreakKeys makes only the key set answer HTTP 503 Service Unavailable until
// Repair, so that ID tokens cannot be verified while everything else works.
func (p *Provider) BreakKeys() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keysBroken = true
}

// Repair undoes Break and BreakKeys.
func (p *Provider) Repair() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.broken, p.keysBroken = false, false
}

// Close shuts the provider down at once, so that every later request to it fails
// with a refused connection. Start arranges for it to be called at cleanup.
func (p *Provider) Close() { p.srv.Close() }

// EditClaims makes edit change the claims of every ID token issued from now on,
// just before it is signed; nil stops that. edit runs without the provider's lock
// held but on the token endpoint's goroutine, so it must not block.
func (p *Provider) EditClaims(edit func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.edit = edit
}

// SignWithUnpublishedKey makes the provider sign ID tokens from now on with a key
// that its key set does not publish, under the published key's id, as after a
// botched key rotation.
func (p *Provider) SignWithUnpublishedKey() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("ssotest: generating a key: " + err.Error())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signWith = key
}

// OmitIDToken makes the token endpoint answer from now on with an access token
// only, as a provider does for a client not set up for OpenID Connect.
func (p *Provider) OmitIDToken() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noIDToken = true
}

// SendIss makes the authorization endpoint add the RFC 9207 "iss" parameter
// (naming this provider) to every redirect from now on.
func (p *Provider) SendIss() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendIss = true
}

// CodeExchanges returns how many codes have been presented at the token endpoint
// by an authenticated client, whether or not they were accepted.
func (p *Provider) CodeExchanges() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exchanges
}

// Authorize does at the provider what a browser does with an authorization URL
// (the one sso's Provider.Begin returns): it requests authURL and returns where
// the provider sends the browser next, which is a registered redirect URI with
// either "code" and "state" or "error" and "state" in its query. It does not
// request that URL. It fails when authURL is not this provider's authorization
// endpoint or the provider does not redirect, with what the provider said.
func (p *Provider) Authorize(authURL string) (*url.URL, error) {
	if !strings.HasPrefix(authURL, p.srv.URL+"/auth?") {
		return nil, fmt.Errorf("ssotest: %q is not an authorization URL of the provider at %s", authURL, p.srv.URL)
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(authURL)
	if err != nil {
		return nil, fmt.Errorf("ssotest: authorization request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("ssotest: authorization endpoint answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("ssotest: authorization endpoint redirected to a bad URL: %w", err)
	}
	return loc, nil
}

// breakable answers 503 for every request while the provider is broken.
func (p *Provider) breakable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		broken := p.broken
		p.mu.Unlock()
		if broken {
			http.Error(w, "The identity provider is down for maintenance.", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	p.mu.Lock()
	registered := p.redirects[redirect]
	p.mu.Unlock()
	if q.Get("client_id") != clientID {
		http.Error(w, fmt.Sprintf("Unknown client %q.", q.Get("client_id")), http.StatusBadRequest)
		return
	}
	if !registered {
		http.Error(w, fmt.Sprintf("The redirect URI %q is not registered for this client (see RegisterRedirectURI).", redirect), http.StatusBadRequest)
		return
	}
	back, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "The redirect URI is not a URL.", http.StatusBadRequest)
		return
	}
	reply := back.Query()
	reply.Set("state", q.Get("state"))

	p.mu.Lock()
	if p.sendIss {
		reply.Set("iss", p.srv.URL)
	}
	switch {
	case q.Get("response_type") != "code",
		!slices.Contains(strings.Fields(q.Get("scope")), "openid"),
		q.Get("code_challenge_method") != "S256",
		len(q.Get("code_challenge")) != 43,
		q.Get("nonce") == "", q.Get("state") == "":
		reply.Set("error", "invalid_request")
	case p.failNext != nil:
		reply.Set("error", p.failNext.code)
		if p.failNext.description != "" {
			reply.Set("error_description", p.failNext.description)
		}
		p.failNext = nil
	default:
		code := randomText(24)
		p.codes[code] = &grant{redirectURI: redirect, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), user: p.user}
		reply.Set("code", code)
	}
	p.mu.Unlock()

	back.RawQuery = reply.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "refused by the test provider"})
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: both are form-encoded before they go in the header.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != clientID || secret != p.secret {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		fail(http.StatusBadRequest, "unsupported_grant_type")
		return
	}

	p.mu.Lock()
	p.exchanges++
	g := p.codes[r.PostForm.Get("code")]
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if g == nil || g.used || g.redirectURI != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		if g != nil {
			g.used = true // a failed attempt spends the code too
		}
		p.mu.Unlock()
		fail(http.StatusBadRequest, "invalid_grant")
		return
	}
	g.used = true
	now := p.now()
	edit, signWith, noIDToken := p.edit, p.signWith, p.noIDToken
	p.mu.Unlock()

	claims := map[string]any{
		"iss":            p.srv.URL,
		"sub":            g.user.Subject,
		"aud":            clientID,
		"iat":            now.Unix(),
		"exp":            now.Add(idTokenLifetime).Unix(),
		"nonce":          g.nonce,
		"email_verified": g.user.EmailVerified,
	}
	if g.user.Email != "" {
		claims["email"] = g.user.Email
	}
	if g.user.Name != "" {
		claims["name"] = g.user.Name
	}
	if edit != nil {
		edit(claims)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		fail(http.StatusInternalServerError, "server_error")
		return
	}
	key := p.key
	if signWith != nil {
		key = signWith
	}
	resp := map[string]any{"access_token": "at-" + randomText(16), "token_type": "Bearer", "expires_in": 3600}
	if !noIDToken {
		resp["id_token"] = oidctest.SignIDToken(key, keyID, oidc.ES256, string(payload))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

// randomText returns n random bytes as unpadded base64url text.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
