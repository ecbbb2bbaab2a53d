package sso

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// StateLifetime is how long a sign-in may take from Begin to Finish.
const StateLifetime = 10 * time.Minute

const (
	stateVersion = 1
	// MaxEncodedStateLen bounds the text DecodeState accepts; an encoded State is
	// well below it (about 500 characters with ordinary URLs).
	MaxEncodedStateLen = 2048
	randomLen          = 32 // bytes behind the state parameter and the nonce
	maxURLLen          = 512
)

var stateEncoding = base64.RawURLEncoding.Strict()

// State is what one browser's sign-in must remember between Begin and Finish. The
// server keeps none of it: the caller stores the encoded State in the browser, in a
// short-lived cookie that it signs (HMAC) so that it cannot be forged or altered —
// the expiry is only meaningful if it is authentic — and may also encrypt. Nonce and
// Verifier are secrets of that one sign-in: keep the cookie HttpOnly so page scripts
// cannot read it, and never log it.
//
// A State is bound to the settings and callback it was made with: Finish refuses it
// on a Provider with a different issuer, client id or redirect URL.
type State struct {
	Issuer      string    // issuer of the Provider that began the sign-in
	ClientID    string    // client id it used
	RedirectURL string    // callback URL it sent the browser to
	Param       string    // the OAuth 2.0 "state" parameter sent to the provider (RFC 6749 §10.12)
	Nonce       string    // the OpenID Connect nonce the ID token must carry
	Verifier    string    // the PKCE code verifier (RFC 7636); its S256 challenge went to the provider
	ExpiresAt   time.Time // the sign-in must finish before this instant (whole seconds, UTC)
}

// stateJSON is the wire form of a State, with short names to keep cookies small.
type stateJSON struct {
	V   int    `json:"v"`
	Iss string `json:"iss"`
	CID string `json:"cid"`
	RU  string `json:"ru"`
	St  string `json:"st"`
	N   string `json:"n"`
	PV  string `json:"pv"`
	Exp int64  `json:"exp"`
}

// Encode returns st as unpadded base64url text (safe in a cookie value without
// quoting), which DecodeState turns back into an equal State. The text is neither
// signed nor encrypted: that is the caller's job.
func (st State) Encode() string {
	b, err := json.Marshal(stateJSON{
		V: stateVersion, Iss: st.Issuer, CID: st.ClientID, RU: st.RedirectURL,
		St: st.Param, N: st.Nonce, PV: st.Verifier, Exp: st.ExpiresAt.Unix(),
	})
	if err != nil {
		// Marshalling a struct of strings and integers cannot fail.
		panic("sso: encoding state: " + err.Error())
	}
	return stateEncoding.EncodeToString(b)
}

// ErrMalformedState is returned (wrapped) by DecodeState for any text that is not a
// State encoded by this version of the package.
var ErrMalformedState = errors.New("sso: malformed sign-in state")

// DecodeState parses text made by State.Encode. It accepts only text of at most
// MaxEncodedStateLen characters whose every field is well formed (URLs of the
// accepted schemes, random values of the sizes Begin makes, a PKCE verifier as RFC
// 7636 defines it, a positive expiry), and otherwise returns an error wrapping
// ErrMalformedState that repeats none of the input. It does not check the expiry;
// Finish does.
func DecodeState(s string) (State, error) {
	if len(s) > MaxEncodedStateLen {
		return State{}, fmt.Errorf("%w: longer than %d characters", ErrMalformedState, MaxEncodedStateLen)
	}
	raw, err := stateEncoding.DecodeString(s)
	if err != nil {
		return State{}, fmt.Errorf("%w: not base64url", ErrMalformedState)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var w stateJSON
	if err := dec.Decode(&w); err != nil {
		return State{}, fmt.Errorf("%w: not a JSON state object", ErrMalformedState)
	}
	if _, err := dec.Token(); err != io.EOF {
		return State{}, fmt.Errorf("%w: trailing data", ErrMalformedState)
	}
	switch {
	case w.V != stateVersion:
		return State{}, fmt.Errorf("%w: unknown version", ErrMalformedState)
	case issuerProblem(w.Iss) != "":
		return State{}, fmt.Errorf("%w: bad issuer", ErrMalformedState)
	case w.CID == "" || len(w.CID) > maxClientIDLen || !printableASCII(w.CID):
		return State{}, fmt.Errorf("%w: bad client id", ErrMalformedState)
	case len(w.RU) > maxURLLen || redirectProblem(w.RU) != "":
		return State{}, fmt.Errorf("%w: bad redirect URL", ErrMalformedState)
	case !isRandomValue(w.St):
		return State{}, fmt.Errorf("%w: bad state parameter", ErrMalformedState)
	case !isRandomValue(w.N):
		return State{}, fmt.Errorf("%w: bad nonce", ErrMalformedState)
	case !isVerifier(w.PV):
		return State{}, fmt.Errorf("%w: bad code verifier", ErrMalformedState)
	case w.Exp <= 0 || w.Exp > 1<<40:
		return State{}, fmt.Errorf("%w: bad expiry", ErrMalformedState)
	}
	return State{
		Issuer: w.Iss, ClientID: w.CID, RedirectURL: w.RU,
		Param: w.St, Nonce: w.N, Verifier: w.PV,
		ExpiresAt: time.Unix(w.Exp, 0).UTC(),
	}, nil
}

// newRandomValue returns randomLen random bytes as unpadded base64url.
func newRandomValue() string {
	b := make([]byte, randomLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails; it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// isRandomValue reports whether s has the exact form newRandomValue makes.
func isRandomValue(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(randomLen) {
		return false
	}
	_, err := stateEncoding.DecodeString(s)
	return err == nil
}

// isVerifier reports whether s is a PKCE code verifier: 43 to 128 characters of
// letters, digits, "-", ".", "_" and "~" (RFC 7636 §4.1).
func isVerifier(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~')
	}) < 0
}
