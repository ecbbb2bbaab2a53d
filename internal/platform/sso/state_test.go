package sso

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// sampleState is a State of the shape Begin makes, with fixed values.
var sampleState = State{
	Issuer:      "https://login.acme.com",
	ClientID:    "tandem",
	RedirectURL: "https://tandem.acme.com/w/acme/sso/callback",
	Param:       "q1Xw0Zr7o4m2b3kVt1u9Hc3f4m6n7p8r9s0t1u2v3w4",
	Nonce:       "Nn1Xw0Zr7o4m2b3kVt1u9Hc3f4m6n7p8r9s0t1u2v3w",
	Verifier:    "vV1Xw0Zr7o4m2b3kVt1u9Hc3f4m6n7p8r9s0t1u2v3w",
	ExpiresAt:   time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC),
}

func TestStateRoundTrip(t *testing.T) {
	enc := sampleState.Encode()
	if len(enc) > 600 {
		t.Errorf("encoded state is %d characters; keep cookies small", len(enc))
	}
	if strings.ContainsAny(enc, "=;, \"\\") {
		t.Errorf("encoded state %q has characters that need quoting in a cookie", enc)
	}
	got, err := DecodeState(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !statesEqual(got, sampleState) {
		t.Fatalf("round trip gave %+v, want %+v", got, sampleState)
	}
}

func statesEqual(a, b State) bool {
	return a.Issuer == b.Issuer && a.ClientID == b.ClientID && a.RedirectURL == b.RedirectURL &&
		a.Param == b.Param && a.Nonce == b.Nonce && a.Verifier == b.Verifier && a.ExpiresAt.Equal(b.ExpiresAt)
}

func TestDecodeStateRefusesMalformed(t *testing.T) {
	wire := func(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }
	good := `"iss":"https://login.acme.com","cid":"tandem","ru":"https://t.acme.com/cb","st":"` + sampleState.Param +
		`","n":"` + sampleState.Nonce + `","pv":"` + sampleState.Verifier + `","exp":1795000000`
	if _, err := DecodeState(wire(`{"v":1,` + good + `}`)); err != nil {
		t.Fatalf("the reference state is refused: %v", err)
	}
	cases := map[string]string{
		"empty":             "",
		"not base64":        "%%%",
		"padded base64":     base64.URLEncoding.EncodeToString([]byte(`{"v":1,` + good + `}`)),
		"not json":          wire("hello"),
		"array":             wire("[]"),
		"other version":     wire(`{"v":2,` + good + `}`),
		"unknown field":     wire(`{"v":1,"x":1,` + good + `}`),
		"trailing data":     wire(`{"v":1,` + good + `}{}`),
		"http issuer":       wire(`{"v":1,` + strings.Replace(good, "https://login", "http://login", 1) + `}`),
		"short state":       wire(`{"v":1,` + strings.Replace(good, sampleState.Param, "abc", 1) + `}`),
		"short nonce":       wire(`{"v":1,` + strings.Replace(good, sampleState.Nonce, "abc", 1) + `}`),
		"bad verifier":      wire(`{"v":1,` + strings.Replace(good, sampleState.Verifier, strings.Repeat("!", 43), 1) + `}`),
		"no expiry":         wire(`{"v":1,` + strings.Replace(good, "1795000000", "0", 1) + `}`),
		"huge expiry":       wire(`{"v":1,` + strings.Replace(good, "1795000000", "99999999999999", 1) + `}`),
		"relative redirect": wire(`{"v":1,` + strings.Replace(good, "https://t.acme.com/cb", "/cb", 1) + `}`),
		"empty client id":   wire(`{"v":1,` + strings.Replace(good, `"cid":"tandem"`, `"cid":""`, 1) + `}`),
		"too long":          strings.Repeat("A", MaxEncodedStateLen+1),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			st, err := DecodeState(in)
			if !errors.Is(err, ErrMalformedState) {
				t.Fatalf("DecodeState = %+v, %v; want ErrMalformedState", st, err)
			}
			if len(in) > 8 && strings.Contains(err.Error(), in[:8]) {
				t.Fatalf("error %q repeats the input", err)
			}
		})
	}
}
