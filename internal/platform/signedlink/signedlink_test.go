package signedlink

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

var (
	t0         = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	secretA    = bytes.Repeat([]byte{7}, 32)
	secretB    = bytes.Repeat([]byte{9}, 48)
	fixedID    = bytes.Repeat([]byte{0xab}, 16)
	basicGrant = Grant{WorkspaceID: "ws_7f3a9c", Action: "registration.create", Subject: "partner_42", ExpiresAt: t0.Add(72 * time.Hour)}
)

// goldenToken pins the wire format: key "k2026" with secretA, link id ab×16 and
// basicGrant. If this changes, links already sent by email stop working.
const goldenToken = "AQVrMjAyNqurq6urq6urq6urq6urq6sJd3NfN2YzYTljE3JlZ2lzdHJhdGlvbi5jcmVhdGUKcGFydG5lcl80MgAAAAAAaagewAAAAABXI0eOc7LWf0yuVsoW4zsCFuX3QFzMZfGnEHJAQjPstw"

func keyring(t testing.TB, current Key, retired ...Key) *Keyring {
	t.Helper()
	k, err := NewKeyring(current, retired...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t testing.TB, k *Keyring, g Grant) (string, Claims) {
	t.Helper()
	tok, c, err := k.Sign(bytes.NewReader(fixedID), g, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tok, c
}

func TestSignAndVerify(t *testing.T) {
	k := keyring(t, Key{ID: "k2026", Secret: secretA})
	tok, c := sign(t, k, basicGrant)
	if tok != goldenToken {
		t.Errorf("token format changed:\n got %s\nwant %s", tok, goldenToken)
	}
	want := Claims{Grant: basicGrant, LinkID: strings.Repeat("ab", 16), KeyID: "k2026"}
	if c != want {
		t.Errorf("Sign claims = %+v, want %+v", c, want)
	}
	got, err := k.Verify(tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Verify claims = %+v, want %+v", got, want)
	}
	if strings.ContainsAny(tok, "+/=?&#% ") {
		t.Errorf("token is not URL-safe: %s", tok)
	}
}

func TestSignTruncatesExpiryToTheSecond(t *testing.T) {
	k := keyring(t, Key{ID: "k", Secret: secretA})
	g := basicGrant
	g.ExpiresAt = t0.Add(time.Hour + 700*time.Millisecond).In(time.FixedZone("x", 3600))
	tok, c := sign(t, k, g)
	if !c.ExpiresAt.Equal(t0.Add(time.Hour)) || c.ExpiresAt.Location() != time.UTC {
		t.Errorf("ExpiresAt = %s, want %s in UTC", c.ExpiresAt, t0.Add(time.Hour))
	}
	v, err := k.Verify(tok, t0)
	if err != nil || v != c {
		t.Errorf("Verify = %+v, %v; want %+v", v, err, c)
	}
}

func TestRandomLinkIDs(t *testing.T) {
	k := keyring(t, Key{ID: "k", Secret: secretA})
	seen := map[string]bool{}
	for range 100 {
		_, c, err := k.Sign(cryptoRand{}, basicGrant, t0)
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.LinkID] || len(c.LinkID) != 32 {
			t.Fatalf("link id %q repeated or malformed", c.LinkID)
		}
		seen[c.LinkID] = true
	}
	_, _, err := k.Sign(bytes.NewReader([]byte{1, 2, 3}), basicGrant, t0)
	if err == nil || !strings.Contains(err.Error(), "random link id") {
		t.Errorf("short randomness: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	k := keyring(t, Key{ID: "k", Secret: secretA})
	tok, c := sign(t, k, basicGrant)
	if _, err := k.Verify(tok, c.ExpiresAt.Add(-time.Nanosecond)); err != nil {
		t.Errorf("a nanosecond before expiry: %v", err)
	}
	for _, now := range []time.Time{c.ExpiresAt, c.ExpiresAt.Add(time.Hour)} {
		_, err := k.Verify(tok, now)
		if !errors.Is(err, ErrExpired) {
			t.Fatalf("at %s: got %v, want expired", now, err)
		}
		var e *Error
		if !errors.As(err, &e) || !e.ExpiredAt.Equal(c.ExpiresAt) {
			t.Errorf("ExpiredAt not reported: %v", err)
		}
		if msg := tandem.MessageOf(err); msg != "This link expired on 4 March 2026 at 12:00 UTC. Please ask for a new one." {
			t.Errorf("message: %q", msg)
		}
		if tandem.KindOf(err) != tandem.KindUnauthenticated {
			t.Errorf("kind: %s", tandem.KindOf(err))
		}
	}
}

func TestKeyRotation(t *testing.T) {
	old := Key{ID: "2025", Secret: secretA}
	cur := Key{ID: "2026", Secret: secretB}
	before := keyring(t, old)
	oldTok, _ := sign(t, before, basicGrant)

	rotated := keyring(t, cur, old)
	if c, err := rotated.Verify(oldTok, t0); err != nil || c.KeyID != "2025" {
		t.Errorf("old link after rotation: %+v, %v", c, err)
	}
	newTok, c := sign(t, rotated, basicGrant)
	if c.KeyID != "2026" {
		t.Errorf("signed with %q, want the current key", c.KeyID)
	}
	if _, err := before.Verify(newTok, t0); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("new link on the old keyring: %v", err)
	}

	retiredGone := keyring(t, cur)
	_, err := retiredGone.Verify(oldTok, t0)
	if !errors.Is(err, ErrUnknownKey) || tandem.KindOf(err) != tandem.KindUnauthenticated {
		t.Errorf("old link after its key was dropped: %v", err)
	}

	// Same key id, different secret: a forgery attempt, not an unknown key.
	impostor := keyring(t, Key{ID: "2025", Secret: secretB})
	if _, err := impostor.Verify(oldTok, t0); !errors.Is(err, ErrBadSignature) {
		t.Errorf("same id, other secret: %v", err)
	}
}

func TestNewKeyringRules(t *testing.T) {
	tests := []struct {
		name    string
		current Key
		retired []Key
		want    string
	}{
		{"short secret", Key{ID: "k", Secret: make([]byte, 31)}, nil, "at least 32 bytes"},
		{"empty id", Key{ID: "", Secret: secretA}, nil, "key id"},
		{"id with space", Key{ID: "k 1", Secret: secretA}, nil, "key id"},
		{"long id", Key{ID: strings.Repeat("k", 33), Secret: secretA}, nil, "key id"},
		{"duplicate id", Key{ID: "k", Secret: secretA}, []Key{{ID: "k", Secret: secretB}}, "used twice"},
		{"bad retired key", Key{ID: "k", Secret: secretA}, []Key{{ID: "old", Secret: []byte("short")}}, `key "old"`},
	}
	for _, tt := range tests {
		_, err := NewKeyring(tt.current, tt.retired...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tt.name, err, tt.want)
		}
	}
	// The keyring keeps its own copy of the secret.
	secret := bytes.Clone(secretA)
	k := keyring(t, Key{ID: "k", Secret: secret})
	tok, _ := sign(t, k, basicGrant)
	secret[0] ^= 1
	if _, err := k.Verify(tok, t0); err != nil {
		t.Errorf("changing the caller's secret slice affected the keyring: %v", err)
	}
}

func TestSignRejectsBadGrants(t *testing.T) {
	k := keyring(t, Key{ID: "k", Secret: secretA})
	tests := []struct {
		name  string
		edit  func(*Grant)
		field string
	}{
		{"no workspace", func(g *Grant) { g.WorkspaceID = "" }, "workspace_id"},
		{"workspace with space", func(g *Grant) { g.WorkspaceID = "ws 1" }, "workspace_id"},
		{"long workspace", func(g *Grant) { g.WorkspaceID = strings.Repeat("w", 129) }, "workspace_id"},
		{"non-ASCII subject", func(g *Grant) { g.Subject = "partnér" }, "subject"},
		{"holder with space", func(g *Grant) { g.Holder = "user 1" }, "holder"},
		{"long holder", func(g *Grant) { g.Holder = strings.Repeat("h", 129) }, "holder"},
		{"no subject", func(g *Grant) { g.Subject = "" }, "subject"},
		{"one-word action", func(g *Grant) { g.Action = "register" }, "action"},
		{"capitalised action", func(g *Grant) { g.Action = "Registration.create" }, "action"},
		{"empty action part", func(g *Grant) { g.Action = "registration..create" }, "action"},
		{"long action", func(g *Grant) { g.Action = "a." + strings.Repeat("b", 63) }, "action"},
		{"expired already", func(g *Grant) { g.ExpiresAt = t0 }, "expires_at"},
		{"expires within the second", func(g *Grant) { g.ExpiresAt = t0.Add(999 * time.Millisecond) }, "expires_at"},
		{"negative uses", func(g *Grant) { g.MaxUses = -1 }, "max_uses"},
		{"too many uses", func(g *Grant) { g.MaxUses = MaxUsesLimit + 1 }, "max_uses"},
	}
	for _, tt := range tests {
		g := basicGrant
		tt.edit(&g)
		_, _, err := k.Sign(bytes.NewReader(fixedID), g, t0)
		fields := tandem.FieldsOf(err)
		if tandem.KindOf(err) != tandem.KindInvalid || len(fields) != 1 || fields[0].Path != tt.field {
			t.Errorf("%s: got %v, want one invalid field %s", tt.name, err, tt.field)
		}
	}
	g := basicGrant
	g.MaxUses = MaxUsesLimit
	g.WorkspaceID = strings.Repeat("w", 128)
	g.Subject = strings.Repeat("s", 128)
	g.Holder = strings.Repeat("h", 128)
	tok, c := sign(t, k, g)
	if v, err := k.Verify(tok, t0); err != nil || v != c {
		t.Errorf("limits must round-trip: %+v, %v", v, err)
	}
}

func TestVerifyAction(t *testing.T) {
	k := keyring(t, Key{ID: "k", Secret: secretA})
	tok, _ := sign(t, k, basicGrant)
	if _, err := k.VerifyAction(tok, "registration.create", t0); err != nil {
		t.Errorf("right action: %v", err)
	}
	_, err := k.VerifyAction(tok, "announcement.ack", t0)
	if !errors.Is(err, ErrWrongAction) || tandem.KindOf(err) != tandem.KindForbidden {
		t.Errorf("wrong action: %v", err)
	}
	if _, err := k.VerifyAction("garbage", "registration.create", t0); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
}

// layout finds where each field of a signed basicGrant token lies in its bytes.
type layout struct{ version, keyID, linkID, workspace, action, subject, holder, expires, maxUses, mac int }

func layoutOf(c Claims) layout {
	var l layout
	l.version = 0
	l.keyID = 2 // after version and length byte
	l.linkID = l.keyID + len(c.KeyID)
	l.workspace = l.linkID + linkIDSize + 1
	l.action = l.workspace + len(c.WorkspaceID) + 1
	l.subject = l.action + len(c.Action) + 1
	l.holder = l.subject + len(c.Subject) + 1
	l.expires = l.holder + len(c.Holder)
	l.maxUses = l.expires + 8
	l.mac = l.maxUses + 4
	return l
}

func TestTamperingWithAnyFieldIsRefused(t *testing.T) {
	k := keyring(t, Key{ID: "k2026", Secret: secretA}, Key{ID: "k2027", Secret: secretB})
	g := basicGrant
	g.Holder = "puser_9"
	tok, c := sign(t, k, g)
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	l := layoutOf(c)
	flip := func(i int, b byte) func([]byte) []byte {
		return func(r []byte) []byte { r[i] ^= b; return r }
	}
	tests := []struct {
		name   string
		tamper func([]byte) []byte
		want   error
	}{
		{"version", func(r []byte) []byte { r[l.version] = 2; return r }, ErrMalformed},
		{"key id to another known key", func(r []byte) []byte { r[l.keyID+4] = '7'; return r }, ErrBadSignature},
		{"key id to an unknown key", func(r []byte) []byte { r[l.keyID+4] = '9'; return r }, ErrUnknownKey},
		{"key id to bad characters", func(r []byte) []byte { r[l.keyID] = '/'; return r }, ErrMalformed},
		{"key id length", flip(l.keyID-1, 0x01), ErrMalformed},
		{"link id", flip(l.linkID+3, 0x01), ErrBadSignature},
		{"workspace", flip(l.workspace+2, 0x01), ErrBadSignature},
		{"workspace length", flip(l.workspace-1, 0x01), ErrMalformed},
		{"action", func(r []byte) []byte { r[l.action+14] = 'b'; return r }, ErrBadSignature}, // registration.crebte
		{"action made invalid", func(r []byte) []byte { r[l.action] = 'R'; return r }, ErrMalformed},
		{"subject", flip(l.subject+8, 0x02), ErrBadSignature},
		{"holder", flip(l.holder+6, 0x01), ErrBadSignature},
		{"holder removed", func(r []byte) []byte { return append(append(r[:l.holder-1:l.holder-1], 0), r[l.expires:]...) }, ErrBadSignature},
		{"holder length", flip(l.holder-1, 0x02), ErrMalformed},
		{"holder made invalid", func(r []byte) []byte { r[l.holder] = ' '; return r }, ErrMalformed},
		{"expiry later", flip(l.expires+7, 0x80), ErrBadSignature},
		{"expiry far future", flip(l.expires+3, 0x01), ErrBadSignature},
		{"max uses", flip(l.maxUses+3, 0x01), ErrBadSignature},
		{"mac first byte", flip(l.mac, 0x01), ErrBadSignature},
		{"mac last byte", flip(len(raw)-1, 0x80), ErrBadSignature},
		{"mac truncated", func(r []byte) []byte { return r[:len(r)-1] }, ErrMalformed},
		{"mac missing", func(r []byte) []byte { return r[:l.mac] }, ErrMalformed},
		{"byte appended", func(r []byte) []byte { return append(r, 0) }, ErrMalformed},
		{"empty", func(r []byte) []byte { return nil }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := base64.RawURLEncoding.EncodeToString(tt.tamper(bytes.Clone(raw)))
			got, err := k.Verify(bad, t0)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if got != (Claims{}) {
				t.Errorf("claims leaked from a refused link: %+v", got)
			}
			if tandem.KindOf(err) != tandem.KindUnauthenticated || tandem.MessageOf(err) == "" {
				t.Errorf("kind %s, message %q", tandem.KindOf(err), tandem.MessageOf(err))
			}
		})
	}
}

func TestTamperingWithTheText(t *testing.T) {
	k := keyring(t, Key{ID: "k2026", Secret: secretA})
	tok, _ := sign(t, k, basicGrant)
	tests := []struct{ name, token string }{
		{"padding added", tok + "="},
		{"standard alphabet plus", tok[:5] + "+" + tok[6:]},
		{"standard alphabet slash", tok[:5] + "/" + tok[6:]},
		{"whitespace", tok[:10] + " " + tok[10:]},
		{"newline", tok + "\n"},
		{"cut in half", tok[:len(tok)/2]},
		{"too long", strings.Repeat("A", maxTokenLen+4)},
		// The last character carries spare bits; changing only them must not yield a
		// second spelling of the same token.
		{"non-canonical final character", tok[:len(tok)-1] + string(tok[len(tok)-1]+1)},
	}
	for _, tt := range tests {
		if _, err := k.Verify(tt.token, t0); err == nil {
			t.Errorf("%s: accepted", tt.name)
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestStoreErrors(t *testing.T) {
	for _, tt := range []struct {
		reason Reason
		is     error
		kind   tandem.Kind
		text   string
	}{
		{UsedUp, ErrUsedUp, tandem.KindForbidden, "already been used"},
		{Revoked, ErrRevoked, tandem.KindForbidden, "withdrawn"},
		{Expired, ErrExpired, tandem.KindUnauthenticated, "has expired"},
	} {
		err := NewError(tt.reason)
		if !errors.Is(err, tt.is) || errors.Is(err, ErrMalformed) {
			t.Errorf("%s: errors.Is mismatch", tt.reason)
		}
		if tandem.KindOf(err) != tt.kind || !strings.Contains(tandem.MessageOf(err), tt.text) {
			t.Errorf("%s: kind %s, message %q", tt.reason, tandem.KindOf(err), tandem.MessageOf(err))
		}
		if !strings.Contains(err.Error(), string(tt.reason)) {
			t.Errorf("%s: log text %q", tt.reason, err.Error())
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	k := keyring(t, Key{ID: "k", Secret: secretA})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				tok, c, err := k.Sign(cryptoRand{}, basicGrant, t0)
				if err != nil {
					t.Error(err)
					return
				}
				if v, err := k.Verify(tok, t0); err != nil || v != c {
					t.Error("verify failed under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkVerify(b *testing.B) {
	k := keyring(b, Key{ID: "k", Secret: secretA})
	tok, _ := sign(b, k, basicGrant)
	for b.Loop() {
		if _, err := k.Verify(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}
