// Package apitoken makes, reads and checks API tokens (SPEC A3), and reads the scope
// lists that limit them.
//
// # Token format
//
//	tdm_<public id>_<secret>
//
// The public id is 16 characters and the secret 40, both in lowercase base32
// (a–z, 2–7), from 10 and 25 random bytes: 80 bits to find the token's row, 200
// bits that prove possession. The "tdm_" prefix makes a leaked token easy to
// recognise for people and secret scanners. A token is 61 characters long.
//
// # What to store
//
// Store the public id (unique; a collision, practically impossible, should simply be
// retried with a new token) and the hash; show the token once and never store it.
// To authenticate, Parse the header, load the row by public id, and call Matches
// with the stored hash. The public id may be shown in lists ("tdm_abcd…") to tell
// tokens apart.
//
// The hash is SHA-256 (with a fixed label and the public id mixed in). A fast hash
// is enough here, unlike for passwords: the secret is 200 random bits, so even
// someone holding the stored hashes cannot search the space of secrets, however fast
// they can compute SHA-256, and slow password hashes would only add cost to every
// API request. Comparison is constant time.
package apitoken

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"io"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Prefix starts every token.
const Prefix = "tdm_"

const (
	publicIDBytes = 10
	secretBytes   = 25
	// PublicIDLen is the length of a public id in characters.
	PublicIDLen = publicIDBytes * 8 / 5
	secretLen   = secretBytes * 8 / 5
	// TokenLen is the length of a whole token in characters.
	TokenLen = len(Prefix) + PublicIDLen + 1 + secretLen
)

var (
	b32       = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	hashLabel = []byte("tandem api token v1\x00")
)

// Generated is a new token and what to store about it.
type Generated struct {
	Token    string // the whole token: show it once, never store or log it
	PublicID string // store: the lookup key; safe to show
	Hash     []byte // store: SHA-256 digest (32 bytes) to check the secret against
}

// Generate makes a new token from rnd (crypto/rand.Reader in production). It fails
// only when rnd fails.
func Generate(rnd io.Reader) (Generated, error) {
	var buf [publicIDBytes + secretBytes]byte
	if _, err := io.ReadFull(rnd, buf[:]); err != nil {
		return Generated{}, fmt.Errorf("apitoken: read random bytes: %w", err)
	}
	id := b32.EncodeToString(buf[:publicIDBytes])
	secret := b32.EncodeToString(buf[publicIDBytes:])
	return Generated{
		Token:    Prefix + id + "_" + secret,
		PublicID: id,
		Hash:     hash(id, secret),
	}, nil
}

func hash(publicID, secret string) []byte {
	h := sha256.New()
	h.Write(hashLabel)
	h.Write([]byte(publicID))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return h.Sum(nil)
}

// Parsed is a token taken apart. It keeps the secret unexported so that it is not
// printed or serialised by accident.
type Parsed struct {
	PublicID string
	secret   string
}

// Matches reports, in constant time, whether the token's secret is the one whose
// hash was stored.
func (p Parsed) Matches(storedHash []byte) bool {
	if p.secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare(hash(p.PublicID, p.secret), storedHash) == 1
}

// String shows the token's public part only, for logs.
func (p Parsed) String() string { return Display(p.PublicID) }

// Display returns how a token is shown after it was created: its prefix and public
// id, then an ellipsis ("tdm_abcdefghijklmnop_…").
func Display(publicID string) string { return Prefix + publicID + "_…" }

func unauthenticated(format string, args ...any) error {
	return tandem.Errorf(tandem.KindUnauthenticated, format, args...)
}

// ParseAuthorization reads the value of an Authorization header, which must be
// "Bearer <token>" (the scheme in any case). Every failure is a KindUnauthenticated
// *tandem.Error whose message says what to send instead; no message repeats the
// header's content.
func ParseAuthorization(header string) (Parsed, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return Parsed{}, unauthenticated("Send an API token in the Authorization header, as: Authorization: Bearer %s…", Prefix)
	}
	scheme, rest, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return Parsed{}, unauthenticated("The Authorization header must use the Bearer scheme, as: Authorization: Bearer %s…", Prefix)
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return Parsed{}, unauthenticated("The Authorization header has no token after Bearer.")
	}
	return Parse(rest)
}

// Parse takes a token apart and checks its shape; it does not know whether the token
// exists. Failures are KindUnauthenticated *tandem.Errors that never repeat the
// token.
func Parse(token string) (Parsed, error) {
	if !strings.HasPrefix(token, Prefix) {
		return Parsed{}, unauthenticated("This is not a Tandem API token: tokens start with %q.", Prefix)
	}
	if len(token) != TokenLen || token[len(Prefix)+PublicIDLen] != '_' {
		return Parsed{}, unauthenticated("This API token is incomplete or has extra characters: a token is %d characters, %s then %d characters, an underscore and %d more. Copy it again from where it was first shown.",
			TokenLen, Prefix, PublicIDLen, secretLen)
	}
	id := token[len(Prefix) : len(Prefix)+PublicIDLen]
	secret := token[len(Prefix)+PublicIDLen+1:]
	if !alphabet(id) || !alphabet(secret) {
		return Parsed{}, unauthenticated("This API token contains characters that tokens never have (only a–z and 2–7 after the prefix). Copy it again from where it was first shown.")
	}
	if !canonical(id) || !canonical(secret) {
		return Parsed{}, unauthenticated("This API token is not valid. Copy it again from where it was first shown.")
	}
	return Parsed{PublicID: id, secret: secret}, nil
}

func alphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// canonical reports whether s decodes and encodes back to itself. The chosen
// lengths are whole multiples of 5 bytes, so every string of the alphabet is; the
// check keeps that true if the lengths ever change.
func canonical(s string) bool {
	b, err := b32.DecodeString(s)
	return err == nil && b32.EncodeToString(b) == s
}
