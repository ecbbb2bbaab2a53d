package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tandemprm/tandem/internal/tandem"
)

const (
	// defaultHTTPTimeout bounds each request to the identity provider when the
	// caller passes no client of its own.
	defaultHTTPTimeout = 10 * time.Second
	// maxResponseBytes bounds what is read from any one response of the provider.
	maxResponseBytes = 1 << 20
	// wellKnownPath is appended to the issuer for discovery (OpenID Connect
	// Discovery 1.0, section 4).
	wellKnownPath = "/.well-known/openid-configuration"
)

// Provider is one workspace's identity provider, discovered and ready to run
// sign-ins. It holds no per-sign-in state, never changes after New, and is safe for
// concurrent use by any number of requests.
//
// Building one costs two requests to the provider (discovery and its key set), so
// callers keep one per workspace and build a new one when the settings change (see
// Matches). Keeping that cache is the caller's business; this package keeps none.
type Provider struct {
	cfg         Config // normalised
	redirectURL string
	client      *http.Client
	oidc        *oidc.Provider
	oauth       oauth2.Config
}

// New discovers the identity provider named by cfg.Issuer and returns a Provider
// that sends people back to redirectURL, the absolute URL of the caller's callback
// handler, which must be registered with the provider exactly as given.
//
// httpClient makes every request to the provider, now and in later Finish calls;
// nil means a client with a 10-second timeout. ctx bounds discovery only.
//
// New fetches the discovery document with go-oidc, checks that it names cfg.Issuer
// exactly and lists https authorization, token and key set endpoints, and reads the
// key set once, so that a wrong issuer, an unreachable provider or a broken key set
// is found when settings are saved or tested rather than halfway through someone's
// sign-in. It does not look at cfg.Enabled.
//
// Any failure that an admin must fix, including invalid settings, is a
// *ProviderError whose message is one sentence naming the provider and what is
// wrong, such as "The identity provider at https://login.acme.com did not answer
// discovery: the connection was refused; …". If ctx is cancelled, the error is a
// plain unavailable *tandem.Error instead, since nothing is wrong with the provider.
func New(ctx context.Context, cfg Config, redirectURL string, httpClient *http.Client) (*Provider, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, providerErr(cfg.Issuer, tandem.KindUnavailable, err,
			"The single sign-on settings are not valid ("+fieldSummary(err)+"); correct them in the workspace's single sign-on settings.")
	}
	if cfg.Issuer == "" {
		return nil, providerErr("", tandem.KindUnavailable, nil,
			"Single sign-on is not set up for this workspace: enter the identity provider's issuer URL and client id in the single sign-on settings.")
	}
	if problem := redirectProblem(redirectURL); problem != "" {
		return nil, providerErr(cfg.Issuer, tandem.KindUnavailable, nil,
			fmt.Sprintf("The address people are sent back to after signing in (%s) %s; this comes from the server's public base URL setting.", quoteBounded(redirectURL, 200), problem))
	}

	base := httpClient
	if base == nil {
		base = &http.Client{Timeout: defaultHTTPTimeout}
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	rec := &recordingTransport{base: rt}
	client := *base
	client.Transport = rec

	op, err := oidc.NewProvider(oidc.ClientContext(ctx, &client), cfg.Issuer)
	if err != nil {
		return nil, discoveryError(ctx, cfg.Issuer, err, int(rec.discoveryStatus.Load()))
	}

	var meta struct {
		JWKSURL     string   `json:"jwks_uri"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := op.Claims(&meta); err != nil {
		return nil, providerErr(cfg.Issuer, tandem.KindUnavailable, fmt.Errorf("sso: reading discovery metadata: %w", err),
			fmt.Sprintf("The identity provider at %s did not answer discovery with a valid OpenID Connect configuration document; check the issuer URL.", cfg.Issuer))
	}
	ep := op.Endpoint()
	for _, e := range []struct{ name, url string }{
		{"authorization endpoint", ep.AuthURL},
		{"token endpoint", ep.TokenURL},
		{"signing key set (jwks_uri)", meta.JWKSURL},
	} {
		if problem := endpointProblem(e.url); problem != "" {
			return nil, providerErr(cfg.Issuer, tandem.KindUnavailable, nil,
				fmt.Sprintf("The identity provider at %s has a discovery document whose %s is %s; it cannot be used for sign-in.", cfg.Issuer, e.name, problem))
		}
	}
	if err := checkKeySet(ctx, &client, cfg.Issuer, meta.JWKSURL); err != nil {
		return nil, err
	}

	ep.AuthStyle = authStyle(meta.AuthMethods, cfg.ClientSecret)
	return &Provider{
		cfg:         cfg,
		redirectURL: redirectURL,
		client:      &client,
		oidc:        op,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  redirectURL,
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
		},
	}, nil
}

// Matches reports whether p was built from exactly these settings (compared after
// Normalized) and redirect URL, so a cached Provider can be kept; when it reports
// false, build a new one with New.
func (p *Provider) Matches(cfg Config, redirectURL string) bool {
	c := cfg.Normalized()
	return c.Issuer == p.cfg.Issuer && c.ClientID == p.cfg.ClientID &&
		c.ClientSecret == p.cfg.ClientSecret && c.DefaultRole == p.cfg.DefaultRole &&
		c.Enabled == p.cfg.Enabled && slices.Equal(c.AllowedDomains, p.cfg.AllowedDomains) &&
		redirectURL == p.redirectURL
}

// Issuer returns the issuer URL p signs people in with.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// discoveryError explains a failed oidc.NewProvider call. status is the HTTP status
// of the discovery response, or 0 when none arrived.
func discoveryError(ctx context.Context, issuer string, err error, status int) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return &tandem.Error{Kind: tandem.KindUnavailable, Message: msgInterrupted,
			Err: fmt.Errorf("sso: discovery at %s: %w", issuer, err)}
	}
	cause := fmt.Errorf("sso: discovery at %s: %w", issuer, err)
	var mismatch *oidc.IssuerMismatchError
	var uerr *url.Error
	switch {
	case errors.As(err, &mismatch):
		return providerErr(issuer, tandem.KindUnavailable, cause,
			fmt.Sprintf("The identity provider at %s names itself %s in its discovery document; set the issuer in the single sign-on settings to exactly that value.", issuer, quoteBounded(mismatch.Discovered, 200)))
	case errors.As(err, &uerr), errors.Is(err, context.DeadlineExceeded):
		return providerErr(issuer, tandem.KindUnavailable, cause,
			fmt.Sprintf("The identity provider at %s did not answer discovery: %s; check the issuer URL and that this server can reach it.", issuer, describeTransport(err)))
	case status != 0 && status != http.StatusOK:
		return providerErr(issuer, tandem.KindUnavailable, cause,
			fmt.Sprintf("The identity provider at %s did not answer discovery: its discovery address answered %s; check the issuer URL.", issuer, httpStatusPhrase(status)))
	case status == http.StatusOK:
		return providerErr(issuer, tandem.KindUnavailable, cause,
			fmt.Sprintf("The identity provider at %s did not answer discovery with a valid OpenID Connect configuration document; check the issuer URL.", issuer))
	}
	return providerErr(issuer, tandem.KindUnavailable, cause,
		fmt.Sprintf("The identity provider at %s did not answer discovery; check the issuer URL and that this server can reach it.", issuer))
}

// checkKeySet fetches the provider's JSON Web Key Set once and checks that it holds
// at least one key, so that a broken key set is reported with the settings.
func checkKeySet(ctx context.Context, client *http.Client, issuer, jwksURL string) error {
	fail := func(cause error, detail string) error {
		if errors.Is(ctx.Err(), context.Canceled) {
			return &tandem.Error{Kind: tandem.KindUnavailable, Message: msgInterrupted,
				Err: fmt.Errorf("sso: reading key set of %s: %w", issuer, cause)}
		}
		return providerErr(issuer, tandem.KindUnavailable, fmt.Errorf("sso: reading key set of %s: %w", issuer, cause),
			fmt.Sprintf("The identity provider at %s did not serve its signing keys: %s.", issuer, detail))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return fail(err, "its key set address is not a valid URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fail(err, describeTransport(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("status %d", resp.StatusCode), "its key set address answered "+httpStatusPhrase(resp.StatusCode))
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return fail(err, "its key set is not valid JSON")
	}
	for _, k := range set.Keys {
		if k.Kty != "" {
			return nil
		}
	}
	return fail(errors.New("no keys with a key type"), "its key set holds no keys")
}

// authStyle picks how the client authenticates at the token endpoint: in the
// Authorization header when the provider supports client_secret_basic (the default
// when it says nothing, per OpenID Connect Discovery), in the form body when it
// supports only client_secret_post or the client has no secret.
func authStyle(methods []string, secret string) oauth2.AuthStyle {
	if secret == "" {
		return oauth2.AuthStyleInParams
	}
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") {
		return oauth2.AuthStyleInHeader
	}
	if slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleAutoDetect
}

// redirectProblem says what is wrong with the callback URL, or "" when it is an
// absolute https URL (http for loopback hosts) without a fragment.
func redirectProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case s == "" || err != nil || u.Host == "" || u.Opaque != "":
		return "is not an absolute URL"
	case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
		return "does not use https"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not contain a fragment"
	case u.User != nil:
		return "must not contain a user name or password"
	}
	return ""
}

// fieldSummary lists the field errors of a validation error in one line.
func fieldSummary(err error) string {
	var parts []string
	for _, f := range tandem.FieldsOf(err) {
		parts = append(parts, f.Path+": "+f.Detail)
	}
	return strings.Join(parts, "; ")
}

// recordingTransport remembers the status of the last discovery response, so that
// a failed discovery can be explained without parsing go-oidc's error text, and
// caps every response body at maxResponseBytes.
type recordingTransport struct {
	base            http.RoundTripper
	discoveryStatus atomic.Int32
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(req.URL.Path, wellKnownPath) {
		t.discoveryStatus.Store(int32(resp.StatusCode))
	}
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxResponseBytes), Closer: resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
