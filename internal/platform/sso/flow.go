package sso

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tandemprm/tandem/internal/tandem"
)

const (
	maxCodeLen  = 4096
	maxEmailLen = 254
	maxNameLen  = 200
)

// Identity is who the identity provider says signed in. Issuer and Subject together
// identify the person for good (link accounts by them); Email may change over time.
// Email is as the provider sent it, without surrounding spaces; compare it without
// regard to case. EmailVerified is always true in an Identity returned by Finish,
// which refuses unverified addresses. Name may be empty.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// Begin starts a sign-in at now. It returns the provider's authorization URL, to
// which the caller redirects the browser, and the State the caller must keep in
// that browser (see State) until the provider sends it back to the callback.
//
// Each call makes a fresh state parameter and nonce (32 random bytes each) and a
// PKCE code verifier, whose SHA-256 challenge (S256) goes in the URL; the request
// asks for the "openid email profile" scopes and the authorization code flow. The
// State expires StateLifetime after now. Begin refuses with an unauthenticated
// *tandem.Error while the settings are disabled.
func (p *Provider) Begin(now time.Time) (authURL string, st State, err error) {
	if !p.cfg.Enabled {
		return "", State{}, userErr(nil, msgDisabled)
	}
	st = State{
		Issuer:      p.cfg.Issuer,
		ClientID:    p.cfg.ClientID,
		RedirectURL: p.redirectURL,
		Param:       newRandomValue(),
		Nonce:       newRandomValue(),
		Verifier:    oauth2.GenerateVerifier(),
		ExpiresAt:   now.Add(StateLifetime).Truncate(time.Second).UTC(),
	}
	authURL = p.oauth.AuthCodeURL(st.Param, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	return authURL, st, nil
}

// Finish completes the sign-in that st began, given the query of the request the
// provider sent to the callback URL, at now. ctx bounds the requests to the
// provider (the code exchange and, when needed, fetching its signing keys).
//
// In order, it refuses: settings turned off or changed since Begin; a state
// parameter missing, repeated or not equal to st's (compared in constant time); st
// past its expiry; an "iss" parameter (RFC 9207) naming another issuer; an "error"
// parameter from the provider; a missing code. It then exchanges the code with the
// PKCE verifier, verifies the ID token with go-oidc (signature with the provider's
// published keys, issuer, audience = client id, expiry at now), and checks the
// authorized party when there are several audiences, the nonce (constant time) and,
// when present, the access token hash. Finally it requires a subject and an email
// address that the provider marks as verified.
//
// Refusals the person can resolve (a stale, replayed or foreign attempt; a
// cancelled sign-in; an unverified or missing email) are unauthenticated
// *tandem.Errors with a message for that person. Failures that mean the provider or
// its settings are at fault (credentials refused, provider unreachable, an ID token
// that fails verification) are *ProviderErrors (see AdminProblem). No error carries
// the code, tokens, nonce or verifier.
func (p *Provider) Finish(ctx context.Context, st State, query url.Values, now time.Time) (Identity, error) {
	iss := p.cfg.Issuer
	switch {
	case !p.cfg.Enabled:
		return Identity{}, userErr(nil, msgDisabled)
	case st.Issuer != iss || st.ClientID != p.cfg.ClientID || st.RedirectURL != p.redirectURL:
		return Identity{}, userErr(errors.New("sso: state was made with other settings"), msgChanged)
	}
	states := query["state"]
	if len(states) != 1 || st.Param == "" || subtle.ConstantTimeCompare([]byte(states[0]), []byte(st.Param)) != 1 {
		return Identity{}, userErr(errors.New("sso: state parameter missing or different"), msgStateMismatch)
	}
	if !now.Before(st.ExpiresAt) {
		return Identity{}, userErr(fmt.Errorf("sso: sign-in state expired at %s", st.ExpiresAt.Format(time.RFC3339)), msgExpired)
	}
	if v, ok := query["iss"]; ok && (len(v) != 1 || v[0] != iss) {
		return Identity{}, userErr(errors.New("sso: callback names another issuer"), msgStateMismatch)
	}
	if _, ok := query["error"]; ok {
		return Identity{}, p.callbackError(query.Get("error"), query.Get("error_description"))
	}
	codes := query["code"]
	if len(codes) != 1 || codes[0] == "" || len(codes[0]) > maxCodeLen {
		return Identity{}, userErr(errors.New("sso: callback has no single code parameter"), msgIncomplete)
	}

	ctx = oidc.ClientContext(ctx, p.client)
	tok, err := p.oauth.Exchange(ctx, codes[0], oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Identity{}, p.exchangeError(ctx, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return Identity{}, providerErr(iss, tandem.KindUnauthenticated, errors.New("sso: token response has no id_token"),
			fmt.Sprintf("The identity provider at %s finished a sign-in without an ID token; make sure the client is set up for OpenID Connect and may use the \"openid\" scope.", iss))
	}
	verifier := p.oidc.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, Now: func() time.Time { return now }})
	idt, err := verifier.Verify(ctx, rawID)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return Identity{}, &tandem.Error{Kind: tandem.KindUnavailable, Message: msgInterrupted, Err: fmt.Errorf("sso: verifying ID token: %w", err)}
		}
		return Identity{}, p.badToken(fmt.Errorf("sso: verifying ID token: %w", err), diagnoseIDToken(err, rawID, iss, p.cfg.ClientID, now))
	}
	var claims struct {
		AuthorizedParty string   `json:"azp"`
		Email           string   `json:"email"`
		EmailVerified   flexBool `json:"email_verified"`
		Name            string   `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, p.badToken(fmt.Errorf("sso: reading ID token claims: %w", err), "its claims could not be read")
	}
	if azp := claims.AuthorizedParty; (azp != "" || len(idt.Audience) > 1) && azp != p.cfg.ClientID {
		return Identity{}, p.badToken(errors.New("sso: azp is not the client id"), "it was issued to another client (its azp claim)")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return Identity{}, userErr(errors.New("sso: ID token nonce differs from the state's"), msgNonce)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, p.badToken(errors.New("sso: at_hash does not match the access token"), "its access token hash (at_hash) does not match the access token")
		}
	}
	if idt.Subject == "" || len(idt.Subject) > 255 {
		return Identity{}, p.badToken(errors.New("sso: ID token subject empty or too long"), "its subject (sub) is empty or longer than 255 characters")
	}
	email := strings.TrimSpace(claims.Email)
	if !plausibleEmail(email) {
		return Identity{}, userErr(errors.New("sso: ID token has no usable email claim"), msgNoEmail)
	}
	if !claims.EmailVerified {
		return Identity{}, userErr(errors.New("sso: email not verified by the provider"), msgUnverified)
	}
	return Identity{
		Issuer:        iss,
		Subject:       idt.Subject,
		Email:         email,
		EmailVerified: true,
		Name:          cleanName(claims.Name),
	}, nil
}

// errorCodeRe is the form of error codes worth repeating; anything else is
// reported as unrecognised.
var errorCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// callbackError turns an "error" parameter from the provider (RFC 6749 §4.1.2.1,
// OpenID Connect Core §3.1.2.6) into a refusal.
func (p *Provider) callbackError(code, description string) error {
	iss := p.cfg.Issuer
	cause := fmt.Errorf("sso: provider answered error %s", quoteBounded(code, 64))
	switch code {
	case "access_denied":
		return userErr(cause, msgCancelled)
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return userErr(cause, msgLoginNeeded)
	case "server_error", "temporarily_unavailable":
		return providerErr(iss, tandem.KindUnavailable, cause,
			fmt.Sprintf("The identity provider at %s reported a failure of its own (%s) during a sign-in%s.", iss, code, describedAs(description)))
	}
	shown := "an unrecognised error"
	if errorCodeRe.MatchString(code) {
		shown = code
	}
	return providerErr(iss, tandem.KindUnauthenticated, cause,
		fmt.Sprintf("The identity provider at %s refused a sign-in request (%s)%s; check the client id and that %s is registered with it as a redirect URL.", iss, shown, describedAs(description), p.redirectURL))
}

// describedAs renders a provider's error description for an admin, or nothing.
func describedAs(description string) string {
	if d := cleanDescription(description); d != "" {
		return ", saying " + quoteBounded(d, 220)
	}
	return ""
}

// exchangeError explains a failed code exchange at the token endpoint.
func (p *Provider) exchangeError(ctx context.Context, err error) error {
	iss := p.cfg.Issuer
	if errors.Is(ctx.Err(), context.Canceled) {
		return &tandem.Error{Kind: tandem.KindUnavailable, Message: msgInterrupted, Err: fmt.Errorf("sso: exchanging code: %w", ctx.Err())}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// Neither the response body nor the description is kept: both are the
		// provider's free text, and the cause must stay safe to log.
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		cause := fmt.Errorf("sso: token endpoint answered %s with error %s", httpStatusPhrase(status), quoteBounded(re.ErrorCode, 64))
		switch re.ErrorCode {
		case "invalid_grant":
			return userErr(cause, msgCodeRefused)
		case "invalid_client", "unauthorized_client":
			return providerErr(iss, tandem.KindUnauthenticated, cause,
				fmt.Sprintf("The identity provider at %s refused Tandem's client id or client secret when finishing a sign-in (%s); check both in the single sign-on settings.", iss, re.ErrorCode))
		}
		shown := "no error code"
		if errorCodeRe.MatchString(re.ErrorCode) {
			shown = "error " + re.ErrorCode
		}
		return providerErr(iss, tandem.KindUnauthenticated, cause,
			fmt.Sprintf("The identity provider at %s refused to finish a sign-in at its token endpoint (%s, %s).", iss, httpStatusPhrase(status), shown))
	}
	var uerr *url.Error
	if errors.As(err, &uerr) || errors.Is(err, context.DeadlineExceeded) {
		return providerErr(iss, tandem.KindUnavailable, fmt.Errorf("sso: exchanging code: %w", err),
			fmt.Sprintf("The identity provider at %s could not be reached to finish a sign-in: %s.", iss, describeTransport(err)))
	}
	// What is left is a reply that could not be parsed. oauth2 does not put the
	// body of such a reply in its error, so the error is safe to keep.
	return providerErr(iss, tandem.KindUnauthenticated, fmt.Errorf("sso: exchanging code: %w", err),
		fmt.Sprintf("The identity provider at %s answered a sign-in's code exchange with a reply that is not a valid token response.", iss))
}

// badToken reports an ID token that failed a check: the provider sent it directly
// over TLS, so the provider or the settings are at fault.
func (p *Provider) badToken(cause error, what string) error {
	return providerErr(p.cfg.Issuer, tandem.KindUnauthenticated, cause,
		fmt.Sprintf("The identity provider at %s returned an ID token that failed verification: %s.", p.cfg.Issuer, what))
}

// diagnoseIDToken says which check an ID token failed, for admins. The decision
// was go-oidc's; this only reads the token's claims (unverified) to name the most
// likely reason.
func diagnoseIDToken(err error, raw, issuer, clientID string, now time.Time) string {
	var expired *oidc.TokenExpiredError
	if errors.As(err, &expired) {
		return "it had already expired when it arrived at " + now.UTC().Format(time.RFC3339) + ", so check that this server's clock and the provider's are right"
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "it is not a signed JSON Web Token"
	}
	payload, perr := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	var c struct {
		Issuer   string    `json:"iss"`
		Audience audiences `json:"aud"`
	}
	if perr != nil || json.Unmarshal(payload, &c) != nil {
		return "it is malformed"
	}
	switch {
	case c.Issuer != issuer:
		return "it names a different issuer than " + issuer
	case !slices.Contains([]string(c.Audience), clientID):
		return "it was issued for a different client id than " + quoteBounded(clientID, 100) + ", so check the client id in the single sign-on settings"
	}
	return "its signature could not be checked against the signing keys the provider publishes (the key set may be unreachable, or the token signed with a key or algorithm it does not list)"
}

// audiences reads the "aud" claim, which is a string or an array of strings.
type audiences []string

func (a *audiences) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audiences{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// flexBool reads a boolean claim that some providers send as the string "true" or
// "false". Anything else reads as false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", `"true"`:
		*f = true
	default:
		*f = false
	}
	return nil
}

// plausibleEmail reports whether s looks like an email address worth matching:
// something before and after its last "@", no spaces or control characters, and not
// too long. Deliverability is the provider's business.
func plausibleEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > maxEmailLen {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
}

// cleanName trims a display name, drops control characters and bounds its length.
func cleanName(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
	if r := []rune(s); len(r) > maxNameLen {
		s = string(r[:maxNameLen])
	}
	return s
}
