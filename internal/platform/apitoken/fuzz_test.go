package apitoken

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseAuthorization: any header value is either refused with an
// unauthenticated error that does not repeat it, or parsed into a public id that
// appears verbatim in the header and round-trips through the token format.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("Bearer tdm_aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("bearer tdm_abcdefghijklmnop_abcdefghijklmnopqrstuvwxyz234567abcdefgh")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("")
	f.Add("Bearer ")
	f.Add("Bearer tdm_")
	f.Fuzz(func(t *testing.T, header string) {
		p, err := ParseAuthorization(header)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindUnauthenticated {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			if len(header) > 20 && strings.Contains(err.Error(), header) {
				t.Fatalf("error repeats the header: %v", err)
			}
			return
		}
		if len(p.PublicID) != PublicIDLen || !strings.Contains(header, Prefix+p.PublicID+"_") {
			t.Fatalf("parsed public id %q not taken from %q", p.PublicID, header)
		}
		token := Prefix + p.PublicID + "_" + p.secret
		again, err := Parse(token)
		if err != nil || again != p {
			t.Fatalf("parsed token does not parse again: %v", err)
		}
		if !p.Matches(hash(p.PublicID, p.secret)) {
			t.Fatal("does not match its own hash")
		}
	})
}

// FuzzParseScopes: any text is refused with field errors at "scopes", or gives
// scopes whose canonical form reads back to the same scopes.
func FuzzParseScopes(f *testing.F) {
	f.Add("partners:read,registrations:write")
	f.Add("audit:read settings:write")
	f.Add("partner:read")
	f.Add(":,:")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		scopes, err := ParseScopes(s)
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid || len(tandem.FieldsOf(err)) == 0 {
				t.Fatalf("bad error: %v", err)
			}
			for _, fe := range tandem.FieldsOf(err) {
				if fe.Path != "scopes" || len(fe.Detail) > 600 {
					t.Fatalf("bad field error: %+v", fe)
				}
			}
			return
		}
		if len(scopes) == 0 {
			t.Fatal("accepted an empty scope list")
		}
		again, err := ParseScopes(scopes.String())
		if err != nil || again.String() != scopes.String() {
			t.Fatalf("canonical form %q does not read back: %v", scopes.String(), err)
		}
	})
}
