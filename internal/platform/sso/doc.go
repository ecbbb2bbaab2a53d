// Package sso signs people in with a workspace's own OpenID Connect identity
// provider (SPEC A2), as a relying party using the authorization code flow with
// PKCE, on top of github.com/coreos/go-oidc/v3 and golang.org/x/oauth2. It also
// decides who may be given an account on first sign-in (just-in-time provisioning
// by verified email domain).
//
// The package does no storage and keeps no state between requests: the per-sign-in
// secrets travel in a State that the caller keeps in the browser, and the per-
// workspace Provider is cached, if at all, by the caller.
//
// # Settings
//
// An admin edits a Config; store Config.Normalized() once Validate accepts it, and
// report Validate's field errors (paths issuer, client_id, client_secret,
// allowed_domains[i], default_role) like any other invalid input. To let the admin
// test the settings, call New: it performs discovery and reads the key set, and its
// *ProviderError says in one sentence what is wrong.
//
// # Wiring the two handlers
//
// The start handler (GET, for example /w/{workspace}/sso/start):
//
//  1. Load the workspace's Config. If it is not Enabled, do not offer single
//     sign-on at all.
//  2. Get the workspace's *Provider from the cache, or build it with New(ctx, cfg,
//     callbackURL, client) when there is none or Matches(cfg, callbackURL) is false.
//     If New fails, record AdminProblem(err) for the workspace's admins (see below),
//     log the error with its cause, and show the person the email-link sign-in form
//     with tandem.MessageOf(err) (UnavailableMessage). Do not cache failures for
//     long: retry New after a short delay, so a fixed provider recovers by itself.
//  3. authURL, st, err := p.Begin(now). Set a cookie holding the signed (and
//     optionally encrypted) st.Encode(): HttpOnly; Secure behind TLS; SameSite=Lax
//     (the provider's redirect back is a cross-site top-level GET, which Lax allows
//     and Strict would not); Path limited to the callback; Max-Age 600 to match
//     StateLifetime. Then redirect (303) to authURL.
//
// The callback handler (GET callbackURL):
//
//  1. Read the cookie and delete it at once (Max-Age=-1), so an attempt is
//     finished at most once. Verify its signature, then DecodeState. A missing,
//     forged or malformed cookie is an unauthenticated refusal: show a page that
//     offers to start again and the email-link form.
//  2. Get the Provider as in the start handler.
//  3. id, err := p.Finish(ctx, st, r.URL.Query(), now). On error, if
//     AdminProblem(err) reports true, record that sentence for the admins; in every
//     case show tandem.MessageOf(err) with a way to start again and the email-link
//     form, and log err (a *ProviderError's Err field holds the cause).
//  4. Find the user by (id.Issuer, id.Subject); failing that, by id.Email
//     (case-insensitively) in this workspace, and link the two. If there is no such
//     user and JITAllowed(cfg, id), create an internal user with role
//     cfg.ProvisionRole(); otherwise refuse with a plain page saying that an
//     invitation is needed. Partner users are never created just in time: they
//     belong to a partner organisation, which an email domain cannot choose. Then
//     start a session as for a magic link (rotate the session id).
//
// # Reporting a misconfigured provider
//
// A *ProviderError means every sign-in through this provider will fail until an
// admin acts. Store its Problem with the time on the workspace's single sign-on
// status (clear it after the next successful New or Finish), show it on the single
// sign-on settings page and as a banner to admins, and keep the email-link sign-in
// working: nothing in this package blocks it. Problem never contains secrets, codes
// or tokens; it may repeat what the provider said about itself (its issuer name, an
// error code and description), which only the provider's operator controls.
//
// # Security notes
//
// The state parameter, the nonce and the PKCE verifier are fresh for every sign-in.
// The state parameter ties the callback to the browser that started it (it defeats
// login cross-site request forgery); the nonce ties the ID token to that attempt;
// PKCE makes a stolen authorization code useless without the verifier in the
// browser's cookie. The expiry inside State is trusted only because the caller
// signs the cookie. Callback parameters are compared in constant time, repeated
// parameters are refused, and an RFC 9207 "iss" parameter, when the provider sends
// one, must name this issuer.
package sso
