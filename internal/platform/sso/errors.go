package sso

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/tandemprm/tandem/internal/tandem"
)

// UnavailableMessage is what a person trying to sign in is told when the
// workspace's identity provider is misconfigured or cannot be reached.
const UnavailableMessage = "Single sign-on is not working for this workspace at the moment. Sign in with an email link instead, and let an administrator of this workspace know."

// ProviderError reports that a workspace's identity provider, or its settings in
// Tandem, is at fault: discovery failed, the client credentials were refused, the
// provider sent something unusable. Every sign-in through that provider will fail
// the same way until an admin acts, so callers should show Problem to the
// workspace's admins (for example on the single sign-on settings page) and keep
// offering sign-in by email link.
//
// Error returns Problem. Problem never contains client secrets, authorization codes
// or tokens. Unwrapping gives a *tandem.Error of kind Kind whose message is
// UnavailableMessage (what tandem.MessageOf shows the person signing in), then Err,
// the underlying cause, which is for logs.
type ProviderError struct {
	Issuer  string      // the issuer URL from the settings
	Problem string      // one sentence for admins, saying what is wrong and where to look
	Kind    tandem.Kind // unavailable when the provider could not be used; unauthenticated when it refused or spoiled one sign-in
	Err     error       // the cause, for logs; may be nil
}

// Error returns the sentence for admins.
func (e *ProviderError) Error() string { return e.Problem }

// Unwrap returns the *tandem.Error that transports map to a response, followed by
// the cause when there is one.
func (e *ProviderError) Unwrap() []error {
	te := &tandem.Error{Kind: e.Kind, Message: UnavailableMessage}
	if e.Err == nil {
		return []error{te}
	}
	return []error{te, e.Err}
}

// AdminProblem returns the sentence for admins when err says the workspace's
// identity provider or its settings are at fault, and false when err is the
// signing-in person's own problem (a stale or mismatched attempt, a cancelled
// sign-in, an unverified email) or nil.
func AdminProblem(err error) (string, bool) {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Problem, true
	}
	return "", false
}

// providerErr builds a *ProviderError. The problem is formatted by the caller and
// must already be a complete sentence.
func providerErr(issuer string, kind tandem.Kind, cause error, problem string) *ProviderError {
	return &ProviderError{Issuer: issuer, Problem: problem, Kind: kind, Err: cause}
}

// userErr is a refusal that is the signing-in person's to resolve, with a cause for
// logs.
func userErr(cause error, message string) error {
	return &tandem.Error{Kind: tandem.KindUnauthenticated, Message: message, Err: cause}
}

// Messages for refusals the person signing in can do something about.
const (
	msgDisabled      = "Single sign-on is turned off for this workspace. Sign in with an email link instead."
	msgChanged       = "The single sign-on settings of this workspace changed while you were signing in. Please start again."
	msgStateMismatch = "This sign-in could not be matched to one started in this browser. Please start signing in again."
	msgExpired       = "This sign-in took more than 10 minutes to complete and has expired. Please start again."
	msgCancelled     = "The identity provider did not sign you in: you may have cancelled, or your account there may not be allowed to use Tandem. Please try again, or sign in with an email link."
	msgLoginNeeded   = "The identity provider needs you to sign in there first. Please start again."
	msgIncomplete    = "The identity provider's reply was incomplete. Please start signing in again."
	msgCodeRefused   = "This sign-in could not be completed because its one-time code was already used or has expired. Please start again."
	msgNonce         = "The identity provider's reply does not belong to the sign-in started in this browser. Please start again."
	msgNoEmail       = "Your account at the identity provider has no usable email address, so Tandem cannot tell who you are. Ask your administrator to add one, or sign in with an email link."
	msgUnverified    = "Your identity provider has not verified your email address, so it cannot be used to sign in. Verify it there first, or sign in with an email link."
	msgInterrupted   = "Signing in was interrupted. Please try again."
)

// describeTransport turns a failed HTTP exchange into a short phrase an admin can
// act on. It never includes response bodies.
func describeTransport(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the request timed out"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "its host name " + strconv.Quote(dns.Name) + " does not exist"
		}
		return "its host name could not be looked up"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.As(err, &unknownCA), errors.As(err, &verifyErr):
		return "its TLS certificate is not trusted by this server"
	case errors.As(err, &hostErr):
		return "its TLS certificate is for a different host name"
	case errors.As(err, &certInvalid):
		return "its TLS certificate is not valid (it may have expired)"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "the request timed out"
	}
	return "the connection failed"
}

// httpStatusPhrase is "HTTP 404 Not Found" for 404.
func httpStatusPhrase(code int) string {
	s := "HTTP " + strconv.Itoa(code)
	if t := http.StatusText(code); t != "" {
		s += " " + t
	}
	return s
}

// quoteBounded quotes s for a message, cutting it to at most n bytes first, so that
// whatever a provider sends cannot swamp a page or forge lines in a log.
func quoteBounded(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strconv.Quote(s)
}

// cleanDescription keeps a provider's error_description short and printable.
func cleanDescription(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
