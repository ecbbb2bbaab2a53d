package signedlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

const (
	version1     = 1
	linkIDSize   = 16
	macSize      = sha256.Size
	maxKeyID     = 32
	maxWorkspace = 128
	maxAction    = 64
	maxSubject   = 128
	maxHolder    = 128
	// MaxUsesLimit is the largest use limit a link may carry.
	MaxUsesLimit = 1_000_000
	// MinSecretSize is the shortest secret a Key may have, in bytes.
	MinSecretSize = 32
	// maxTokenLen bounds the work done on untrusted input before decoding.
	maxTokenLen = 1024
)

var (
	encoding  = base64.RawURLEncoding.Strict()
	keyIDRe   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)
	actionRe  = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	macKeyTag = []byte("tandem signed action link, version 1")
)

// Key is one signing key. Secret must be at least MinSecretSize random bytes; ID
// names it inside every token it signs, and is not secret.
type Key struct {
	ID     string
	Secret []byte
}

// Keyring signs with its current key and verifies with any of its keys. It is
// immutable and safe for concurrent use.
type Keyring struct {
	current string
	macKeys map[string][]byte
}

// NewKeyring returns a keyring that signs with current and also verifies links
// signed with any of the retired keys. It fails when a key id is malformed or
// repeated, or a secret is shorter than MinSecretSize. The secrets are copied.
func NewKeyring(current Key, retired ...Key) (*Keyring, error) {
	k := &Keyring{current: current.ID, macKeys: map[string][]byte{}}
	for _, key := range append([]Key{current}, retired...) {
		if !keyIDRe.MatchString(key.ID) {
			return nil, fmt.Errorf("signedlink: key id %q must be 1–%d characters of letters, digits, '.', '_' or '-'", key.ID, maxKeyID)
		}
		if len(key.Secret) < MinSecretSize {
			return nil, fmt.Errorf("signedlink: key %q has a %d-byte secret; at least %d bytes are required", key.ID, len(key.Secret), MinSecretSize)
		}
		if _, dup := k.macKeys[key.ID]; dup {
			return nil, fmt.Errorf("signedlink: key id %q is used twice", key.ID)
		}
		m := hmac.New(sha256.New, key.Secret)
		m.Write(macKeyTag)
		k.macKeys[key.ID] = m.Sum(nil)
	}
	return k, nil
}

// Grant is what a link allows: Action on Subject in the workspace WorkspaceID until
// ExpiresAt, at most MaxUses times (0 for no limit; the store enforces it).
type Grant struct {
	WorkspaceID string
	Action      string // e.g. "registration.create", "announcement.ack"
	Subject     string // e.g. a partner id or an announcement id
	// Holder is who the link was made for, when that matters (e.g. the partner user
	// asked to acknowledge an announcement); the audit log records the use as theirs.
	// Empty when whoever holds the link may use it.
	Holder    string
	ExpiresAt time.Time
	MaxUses   int
}

// Claims are the contents of a verified link: its grant, the random id the store
// records uses and revocation under, and the id of the key that signed it.
type Claims struct {
	Grant
	LinkID string // 32 lowercase hex characters
	KeyID  string
}

// Sign makes a link for g, signed with the current key. The link id is read from
// rnd (crypto/rand.Reader in production). ExpiresAt is truncated to the second and
// must be after now. Sign returns the token and the claims to record in the store;
// a grant that breaks a rule gives a KindInvalid *tandem.Error naming the field.
func (k *Keyring) Sign(rnd io.Reader, g Grant, now time.Time) (token string, claims Claims, err error) {
	g.ExpiresAt = time.Unix(g.ExpiresAt.Unix(), 0).UTC()
	var p tandem.Problems
	checkText(&p, "workspace_id", g.WorkspaceID, maxWorkspace)
	if !actionRe.MatchString(g.Action) || len(g.Action) > maxAction {
		p.Add("action", "must be at most %d characters of dot-separated lowercase words, such as registration.create", maxAction)
	}
	checkText(&p, "subject", g.Subject, maxSubject)
	if g.Holder != "" {
		checkText(&p, "holder", g.Holder, maxHolder)
	}
	if !g.ExpiresAt.After(now) {
		p.Add("expires_at", "must be in the future")
	}
	if g.MaxUses < 0 || g.MaxUses > MaxUsesLimit {
		p.Add("max_uses", "must be between 0 (no limit) and %d", MaxUsesLimit)
	}
	if err := p.Err("The link cannot be made."); err != nil {
		return "", Claims{}, err
	}
	var id [linkIDSize]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return "", Claims{}, fmt.Errorf("signedlink: read random link id: %w", err)
	}
	c := Claims{Grant: g, LinkID: hex.EncodeToString(id[:]), KeyID: k.current}
	body := appendBody(nil, c, id)
	return encoding.EncodeToString(k.mac(k.current, body)), c, nil
}

func checkText(p *tandem.Problems, field, s string, max int) {
	if s == "" || len(s) > max || !printable(s) {
		p.Add(field, "must be 1–%d printable characters without spaces", max)
	}
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// mac appends the MAC of body under key id to body.
func (k *Keyring) mac(id string, body []byte) []byte {
	m := hmac.New(sha256.New, k.macKeys[id])
	m.Write(body)
	return m.Sum(body)
}

func appendBody(b []byte, c Claims, id [linkIDSize]byte) []byte {
	b = append(b, version1)
	b = appendString(b, c.KeyID)
	b = append(b, id[:]...)
	b = appendString(b, c.WorkspaceID)
	b = appendString(b, c.Action)
	b = appendString(b, c.Subject)
	b = appendString(b, c.Holder)
	b = binary.BigEndian.AppendUint64(b, uint64(c.ExpiresAt.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(c.MaxUses))
	return b
}

func appendString(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...)
}

// parsed is a token taken apart but not yet verified.
type parsed struct {
	claims Claims
	body   []byte // the bytes the MAC covers
	mac    []byte
}

// parse decodes and takes apart a token, checking its structure and the rules for
// each field but not its MAC or expiry.
func parse(token string) (parsed, error) {
	if len(token) == 0 {
		return parsed{}, errors.New("empty token")
	}
	if len(token) > maxTokenLen {
		return parsed{}, fmt.Errorf("token is %d characters long, more than %d", len(token), maxTokenLen)
	}
	// The decoder skips line breaks; refuse them and anything else outside the
	// alphabet first, so that each token has exactly one spelling.
	for i := 0; i < len(token); i++ {
		if c := token[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return parsed{}, fmt.Errorf("character %d is not part of a token", i+1)
		}
	}
	raw, err := encoding.DecodeString(token)
	if err != nil {
		return parsed{}, fmt.Errorf("decode token: %w", err)
	}
	r := reader{b: raw}
	if v := r.byte(); v != version1 {
		return parsed{}, fmt.Errorf("unknown token version %d", v)
	}
	var c Claims
	c.KeyID = r.string(maxKeyID)
	var id [linkIDSize]byte
	copy(id[:], r.bytes(linkIDSize))
	c.LinkID = hex.EncodeToString(id[:])
	c.WorkspaceID = r.string(maxWorkspace)
	c.Action = r.string(maxAction)
	c.Subject = r.string(maxSubject)
	c.Holder = r.optionalString(maxHolder)
	expires := r.uint64()
	maxUses := r.uint32()
	bodyLen := r.off
	mac := r.bytes(macSize)
	if r.err != nil {
		return parsed{}, r.err
	}
	if r.off != len(raw) {
		return parsed{}, fmt.Errorf("%d unexpected bytes after the signature", len(raw)-r.off)
	}
	switch {
	case !keyIDRe.MatchString(c.KeyID):
		return parsed{}, errors.New("bad key id")
	case !printable(c.WorkspaceID):
		return parsed{}, errors.New("bad workspace id")
	case !actionRe.MatchString(c.Action):
		return parsed{}, errors.New("bad action")
	case !printable(c.Subject):
		return parsed{}, errors.New("bad subject")
	case c.Holder != "" && !printable(c.Holder):
		return parsed{}, errors.New("bad holder")
	case expires > 1<<62:
		return parsed{}, errors.New("expiry out of range")
	case maxUses > MaxUsesLimit:
		return parsed{}, errors.New("use limit out of range")
	}
	c.ExpiresAt = time.Unix(int64(expires), 0).UTC()
	c.MaxUses = int(maxUses)
	return parsed{claims: c, body: raw[:bodyLen], mac: mac}, nil
}

// reader takes a byte slice apart, remembering the first error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.off {
		r.err = errors.New("token is truncated")
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *reader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) string(max int) string {
	n := int(r.byte())
	if r.err == nil && (n == 0 || n > max) {
		r.err = fmt.Errorf("field length %d is outside 1–%d", n, max)
	}
	return string(r.bytes(n))
}

func (r *reader) optionalString(max int) string {
	n := int(r.byte())
	if r.err == nil && n > max {
		r.err = fmt.Errorf("field length %d is over %d", n, max)
	}
	return string(r.bytes(n))
}

func (r *reader) uint64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) uint32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// Verify checks token and returns its claims when it is well formed, signed by a key
// in the keyring and not expired at now. Otherwise it returns an *Error whose Reason
// is Malformed, UnknownKey, BadSignature or Expired (checked in that order); the
// error unwraps to a *tandem.Error with a message fit to show a person. Verify does
// not know about uses or revocation: see the package documentation for the store's
// part.
func (k *Keyring) Verify(token string, now time.Time) (Claims, error) {
	p, err := parse(token)
	if err != nil {
		return Claims{}, &Error{Reason: Malformed, cause: err}
	}
	key, ok := k.macKeys[p.claims.KeyID]
	if !ok {
		return Claims{}, &Error{Reason: UnknownKey, cause: fmt.Errorf("no key %q in the keyring", p.claims.KeyID)}
	}
	m := hmac.New(sha256.New, key)
	m.Write(p.body)
	if !hmac.Equal(m.Sum(nil), p.mac) {
		return Claims{}, &Error{Reason: BadSignature, cause: fmt.Errorf("signature does not match key %q", p.claims.KeyID)}
	}
	if !now.Before(p.claims.ExpiresAt) {
		return Claims{}, &Error{Reason: Expired, ExpiredAt: p.claims.ExpiresAt,
			cause: fmt.Errorf("link %s expired at %s", p.claims.LinkID, p.claims.ExpiresAt.Format(time.RFC3339))}
	}
	return p.claims, nil
}

// VerifyAction is Verify, and also refuses, with Reason WrongAction, a valid link
// made for an action other than action. Endpoints that perform one action should
// use it, so that a link for one thing can never be spent on another.
func (k *Keyring) VerifyAction(token, action string, now time.Time) (Claims, error) {
	c, err := k.Verify(token, now)
	if err != nil {
		return Claims{}, err
	}
	if c.Action != action {
		return Claims{}, &Error{Reason: WrongAction, cause: fmt.Errorf("link %s is for %q, not %q", c.LinkID, c.Action, action)}
	}
	return c, nil
}
