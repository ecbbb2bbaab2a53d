package identity

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestMayGrantCapsRolesAtTheGrantersRankAndSide(t *testing.T) {
	// want[granter][role]: may someone with the granter's role give the role?
	want := map[tandem.Role]map[tandem.Role]bool{
		tandem.RoleAdmin: {
			tandem.RoleAdmin: true, tandem.RolePartnerManager: true, tandem.RoleSales: true, tandem.RoleViewer: true,
			tandem.RolePartnerAdmin: true, tandem.RolePartnerSeller: true, tandem.RolePartnerMarketer: true,
		},
		tandem.RolePartnerManager: {
			tandem.RolePartnerManager: true, tandem.RoleSales: true, tandem.RoleViewer: true,
			tandem.RolePartnerAdmin: true, tandem.RolePartnerSeller: true, tandem.RolePartnerMarketer: true,
		},
		tandem.RoleSales:           {tandem.RoleSales: true, tandem.RoleViewer: true},
		tandem.RoleViewer:          {tandem.RoleViewer: true},
		tandem.RolePartnerAdmin:    {tandem.RolePartnerAdmin: true, tandem.RolePartnerSeller: true, tandem.RolePartnerMarketer: true},
		tandem.RolePartnerSeller:   {tandem.RolePartnerSeller: true, tandem.RolePartnerMarketer: true},
		tandem.RolePartnerMarketer: {tandem.RolePartnerMarketer: true},
	}
	for _, granter := range tandem.Roles {
		kind := policy.ActorUser
		if granter.IsPartner() {
			kind = policy.ActorPartnerUser
		}
		for _, role := range tandem.Roles {
			actor := policy.Actor{Kind: kind, WorkspaceID: "ws_1", UserID: "usr_1", Role: granter}
			if got := mayGrant(actor, role); got != want[granter][role] {
				t.Errorf("%s granting %s: %v, want %v", granter, role, got, want[granter][role])
			}
			actor.Kind = policy.ActorToken
			if got := mayGrant(actor, role); got != want[granter][role] {
				t.Errorf("a %s token granting %s: %v, want %v", granter, role, got, want[granter][role])
			}
		}
	}
	for _, role := range tandem.Roles {
		if !mayGrant(policy.System("ws_1"), role) {
			t.Errorf("the system may not grant %s", role)
		}
	}
}

func TestSecretsAreFreshAndSplitBackFromTheirTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		secret, hash := newSecret()
		if len(secret) != 32 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("secret %q: want 32 characters of a–z and 2–7", secret)
		}
		if hash != hashSecret(secret) || len(hash) != 64 || hash == hashSecret(secret+"x") {
			t.Fatalf("hash %q of %q", hash, secret)
		}
		if seen[secret] {
			t.Fatalf("secret %q made twice", secret)
		}
		seen[secret] = true
		ws, got, ok := splitToken(joinToken("ws_1", secret))
		if !ok || ws != "ws_1" || got != secret {
			t.Fatalf("splitToken(joinToken(ws_1, %q)) = %q, %q, %v", secret, ws, got, ok)
		}
	}
}

func TestSplitTokenRefusesGarbledTokens(t *testing.T) {
	secret := strings.Repeat("a", 32)
	cases := []struct{ name, token string }{
		{"empty", ""},
		{"no separator", "ws_1" + secret},
		{"no workspace", "." + secret},
		{"workspace longer than 64", strings.Repeat("w", 65) + "." + secret},
		{"short secret", "ws_1." + secret[1:]},
		{"long secret", "ws_1." + secret + "a"},
		{"secret in capitals", "ws_1." + strings.ToUpper(secret)},
		{"digits outside base32", "ws_1." + strings.Repeat("1", 32)},
		{"a second separator", "ws_1." + secret[:31] + "."},
		{"non-ASCII of the right byte length", "ws_1." + secret[:30] + "é"},
	}
	for _, c := range cases {
		if ws, sec, ok := splitToken(c.token); ok {
			t.Errorf("%s (%q): split into %q and %q, want refused", c.name, c.token, ws, sec)
		}
	}
	if _, _, ok := splitToken(strings.Repeat("w", 64) + "." + secret); !ok {
		t.Error("a 64-character workspace id is refused")
	}
}

// FuzzSplitToken checks that whatever arrives as a sign-in link or session cookie,
// splitToken either refuses it or returns the parts it was joined from.
func FuzzSplitToken(f *testing.F) {
	secret, _ := newSecret()
	for _, s := range []string{"", ".", "ws_1." + secret, "ws_1.." + secret, strings.Repeat("w", 65) + "." + secret, "ws_1." + strings.ToUpper(secret), "a.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		ws, sec, ok := splitToken(token)
		if !ok {
			if ws != "" || sec != "" {
				t.Fatalf("refused %q but returned %q, %q", token, ws, sec)
			}
			return
		}
		if joinToken(ws, sec) != token || ws == "" || len(ws) > 64 || strings.Contains(ws, ".") || len(sec) != 32 ||
			strings.Trim(sec, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("splitToken(%q) = %q, %q", token, ws, sec)
		}
	})
}

func TestNormalizeEmailAcceptsOnlyPlainAddresses(t *testing.T) {
	label := strings.Repeat("b", 61) + "."
	long254 := strings.Repeat("a", 64) + "@" + label + label + label + "com"
	if len(long254) != 254 {
		t.Fatalf("the long address has %d characters", len(long254))
	}
	cases := []struct {
		in, want string // want "" means refused
	}{
		{"ana@example.com", "ana@example.com"},
		{"  Ana@Example.COM\t", "ana@example.com"},
		{"ana+tandem@sub.example.com", "ana+tandem@sub.example.com"},
		{"", ""},
		{"ana", ""},
		{"ana@", ""},
		{"Ana <ana@example.com>", ""},
		{"<ana@example.com>", ""},
		{"ana@example.com, bob@example.com", ""},
		{"ana@example.com\r\nBcc: eve@example.com", ""},
		{"\"ana\"@example.com", ""},
		{long254, long254},
		{"a" + long254, ""},
	}
	for _, c := range cases {
		got, err := NormalizeEmail("contacts[0].email", c.in)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if err != nil {
			if fs := tandem.FieldsOf(err); tandem.KindOf(err) != tandem.KindInvalid || len(fs) != 1 || fs[0].Path != "contacts[0].email" {
				t.Errorf("NormalizeEmail(%q): error %v does not name the field", c.in, err)
			}
		}
	}
}
