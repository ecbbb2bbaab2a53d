package apitoken

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

func fixed(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 64)) }

func generate(t *testing.T) Generated {
	t.Helper()
	g, err := Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGenerateFormat(t *testing.T) {
	g, err := Generate(fixed(0))
	if err != nil {
		t.Fatal(err)
	}
	// Ten zero bytes and twenty-five zero bytes, in lowercase base32.
	want := "tdm_" + strings.Repeat("a", 16) + "_" + strings.Repeat("a", 40)
	if g.Token != want || g.PublicID != strings.Repeat("a", 16) || len(g.Hash) != 32 {
		t.Errorf("Generate = %+v", g)
	}
	if len(g.Token) != TokenLen || TokenLen != 61 {
		t.Errorf("token length %d, TokenLen %d", len(g.Token), TokenLen)
	}
	seen := map[string]bool{}
	for range 200 {
		g := generate(t)
		if seen[g.PublicID] || seen[g.Token] {
			t.Fatal("repeated token")
		}
		seen[g.PublicID], seen[g.Token] = true, true
		if !strings.HasPrefix(g.Token, Prefix+g.PublicID+"_") {
			t.Fatalf("token %q does not carry its public id", g.Token)
		}
		if strings.Contains(string(g.Hash), g.Token[len(Prefix)+PublicIDLen+1:]) {
			t.Fatal("hash contains the secret")
		}
	}
	if _, err := Generate(bytes.NewReader(make([]byte, 34))); err == nil {
		t.Error("short randomness accepted")
	}
}

func TestParseAndMatch(t *testing.T) {
	g := generate(t)
	for _, header := range []string{"Bearer " + g.Token, "bearer " + g.Token, "BEARER   " + g.Token, "  Bearer " + g.Token + " "} {
		p, err := ParseAuthorization(header)
		if err != nil {
			t.Fatalf("%q: %v", header, err)
		}
		if p.PublicID != g.PublicID || !p.Matches(g.Hash) {
			t.Errorf("%q: parsed %+v does not match", header, p)
		}
	}
	p, _ := Parse(g.Token)
	other := generate(t)
	if p.Matches(other.Hash) {
		t.Error("matched another token's hash")
	}
	if p.Matches(nil) || p.Matches(g.Hash[:31]) {
		t.Error("matched a truncated hash")
	}
	// The secret is bound to its public id: a token with another id and the same
	// secret does not match.
	swapped, err := Parse(Prefix + other.PublicID + g.Token[len(Prefix)+PublicIDLen:])
	if err != nil {
		t.Fatal(err)
	}
	if swapped.Matches(g.Hash) {
		t.Error("secret matched under another public id")
	}
	var zero Parsed
	if zero.Matches(hash("", "")) {
		t.Error("the zero Parsed matched")
	}
	if s := p.String(); strings.Contains(s, g.Token[len(Prefix)+PublicIDLen+1:]) || s != Display(g.PublicID) {
		t.Errorf("String() = %q must show the public part only", s)
	}
}

func TestParseErrors(t *testing.T) {
	g := generate(t)
	secret := g.Token[len(Prefix)+PublicIDLen+1:]
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"no header", "", "Send an API token in the Authorization header"},
		{"basic auth", "Basic dXNlcjpwYXNz", "must use the Bearer scheme"},
		{"token without scheme", g.Token, "must use the Bearer scheme"},
		{"scheme only", "Bearer", "no token after Bearer"},
		{"scheme and spaces", "Bearer   ", "no token after Bearer"},
		{"another vendor's token", "Bearer ghp_abcdef", "not a Tandem API token"},
		{"truncated", "Bearer " + g.Token[:50], "incomplete or has extra characters"},
		{"extra character", "Bearer " + g.Token + "a", "incomplete or has extra characters"},
		{"two tokens", "Bearer " + g.Token + " " + g.Token, "incomplete or has extra characters"},
		{"missing separator", "Bearer " + strings.Replace(g.Token, "_"+secret, "-"+secret, 1), "incomplete or has extra characters"},
		{"uppercase", "Bearer " + Prefix + strings.ToUpper(g.Token[len(Prefix):]), "characters that tokens never have"},
		{"digit outside the alphabet", "Bearer " + g.Token[:len(g.Token)-1] + "1", "characters that tokens never have"},
		{"line break", "Bearer " + g.Token[:30] + "\n" + g.Token[31:], "characters that tokens never have"},
	}
	for _, tt := range tests {
		_, err := ParseAuthorization(tt.header)
		if tandem.KindOf(err) != tandem.KindUnauthenticated {
			t.Errorf("%s: kind %q (%v)", tt.name, tandem.KindOf(err), err)
			continue
		}
		msg := tandem.MessageOf(err)
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%s: message %q, want it to say %q", tt.name, msg, tt.want)
		}
		if strings.Contains(msg, secret) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error repeats the secret", tt.name)
		}
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"partners:read,registrations:write", "partners:read,registrations:write"},
		{"registrations:write partners:read", "partners:read,registrations:write"},
		{" partners:read , partners:write ", "partners:write"},
		{"audit:read\nsettings:write", "settings:write,audit:read"},
		{"opportunities:read,opportunities:read", "opportunities:read"},
	}
	for _, tt := range tests {
		s, err := ParseScopes(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if s.String() != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, s.String(), tt.want)
		}
		again, err := ParseScopes(s.String())
		if err != nil || again.String() != s.String() {
			t.Errorf("%q: canonical form does not read back: %v", tt.in, err)
		}
	}
	all, err := ParseScopes(policy.AllScopes().String())
	if err != nil || all.String() != policy.AllScopes().String() {
		t.Errorf("all scopes do not round-trip: %v", err)
	}
	if !all.Allows(policy.Registrations, policy.Decide) || all.Allows(policy.APITokens, policy.Create) {
		t.Error("all scopes must allow every area and still never reach API tokens")
	}
}

func TestParseScopesErrors(t *testing.T) {
	tests := []struct {
		in      string
		details []string
	}{
		{"", []string{"choose at least one scope"}},
		{" , ", []string{"choose at least one scope"}},
		{"partner:read", []string{`"partner:read" names the unknown area "partner"; areas are settings, users, partners,`}},
		{"partners", []string{`"partners" is not a scope: write area:read or area:write`}},
		{"partners:admin", []string{`"partners:admin" asks for "admin" access; use read or write`}},
		{"partners:Read", []string{`asks for "Read" access`}},
		{"api_tokens:write", []string{`unknown area "api_tokens"`}},
		{"outbox:read,partners:read,tokens:write", []string{`unknown area "outbox"`, `unknown area "tokens"`}},
		{strings.Repeat("x", 500) + ":read", []string{`"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… names the unknown area`}},
		{strings.Repeat("partners:read,", 101), []string{"lists 101 entries; at most 100"}},
	}
	for _, tt := range tests {
		s, err := ParseScopes(tt.in)
		if s != nil || tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("%.30q: got %v, %v", tt.in, s, err)
			continue
		}
		fields := tandem.FieldsOf(err)
		if len(fields) != len(tt.details) {
			t.Errorf("%.30q: %d problems, want %d: %v", tt.in, len(fields), len(tt.details), fields)
			continue
		}
		for i, d := range tt.details {
			if fields[i].Path != "scopes" || !strings.Contains(fields[i].Detail, d) {
				t.Errorf("%.30q: problem %d = %+v, want %q", tt.in, i, fields[i], d)
			}
		}
	}
}

func TestScopesFromList(t *testing.T) {
	s, err := ScopesFromList([]string{"partners:read", "registrations:write"})
	if err != nil || s.String() != "partners:read,registrations:write" {
		t.Errorf("got %v, %v", s, err)
	}
	_, err = ScopesFromList([]string{"partners:read", "deals:write", "x"})
	fields := tandem.FieldsOf(err)
	if len(fields) != 2 || fields[0].Path != "scopes[1]" || fields[1].Path != "scopes[2]" {
		t.Errorf("paths: %+v", fields)
	}
	if _, err := ScopesFromList(nil); tandem.KindOf(err) != tandem.KindInvalid {
		t.Errorf("empty list: %v", err)
	}
}

func BenchmarkParseAndMatch(b *testing.B) {
	g, err := Generate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	header := "Bearer " + g.Token
	for b.Loop() {
		p, err := ParseAuthorization(header)
		if err != nil || !p.Matches(g.Hash) {
			b.Fatal("no match")
		}
	}
}
