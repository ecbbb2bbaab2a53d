package signedlink

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

// cryptoRand reads from crypto/rand without naming the package variable in tests.
type cryptoRand struct{}

func (cryptoRand) Read(p []byte) (int, error) { return rand.Read(p) }

// FuzzVerify feeds arbitrary text to Verify. It must never panic, must refuse with
// one of Verify's four reasons, and whatever the parser accepts must be the one
// canonical spelling of its bytes: re-encoding the parsed claims gives the input
// back.
func FuzzVerify(f *testing.F) {
	k, err := NewKeyring(Key{ID: "k2026", Secret: secretA}, Key{ID: "k2025", Secret: secretB})
	if err != nil {
		f.Fatal(err)
	}
	for _, g := range []Grant{
		basicGrant,
		{WorkspaceID: "0b7c2d4e-8f1a-4b6c-9d2e-3f4a5b6c7d8e", Action: "announcement.ack", Subject: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Holder: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", ExpiresAt: t0.Add(14 * 24 * time.Hour), MaxUses: 1},
	} {
		tok, _, err := k.Sign(bytes.NewReader(fixedID), g, t0)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	f.Add("")
	f.Add("AQ")
	f.Add(goldenToken + "A")
	now := t0.Add(time.Hour)
	f.Fuzz(func(t *testing.T, token string) {
		c, err := k.Verify(token, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not an *Error: %v", err)
			}
			switch e.Reason {
			case Malformed, UnknownKey, BadSignature, Expired:
			default:
				t.Fatalf("unexpected reason %s", e.Reason)
			}
			if c != (Claims{}) {
				t.Fatalf("claims returned with an error: %+v", c)
			}
		}
		p, err := parse(token)
		if err != nil {
			return
		}
		var id [linkIDSize]byte
		if _, err := hex.Decode(id[:], []byte(p.claims.LinkID)); err != nil {
			t.Fatalf("link id %q is not hex", p.claims.LinkID)
		}
		again := encoding.EncodeToString(append(appendBody(nil, p.claims, id), p.mac...))
		if again != token {
			t.Fatalf("parse accepted a non-canonical token:\n in  %q\n out %q", token, again)
		}
	})
}
