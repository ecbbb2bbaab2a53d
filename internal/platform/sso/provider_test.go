package sso

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// fakeDiscovery serves a discovery document built by doc (given the server's URL)
// and a key set built by keys, so tests can break either.
func fakeDiscovery(t *testing.T, doc func(base string) any, keys func(w http.ResponseWriter)) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case wellKnownPath:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc(srv.URL))
		case "/keys":
			keys(w)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func goodDoc(base string) map[string]any {
	return map[string]any{
		"issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
		"jwks_uri": base + "/keys", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"ES256"},
	}
}

func goodKeys(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k","use":"sig","alg":"ES256"}]}`))
}

// Credentials for settings aimed at servers that are never asked for a token.
const (
	testClientID     = "tandem-test-client"
	testClientSecret = "s3cret-value-for-tests"
)

func cfgFor(issuer string) Config {
	return Config{Issuer: issuer, ClientID: testClientID, ClientSecret: testClientSecret, Enabled: true}
}

func TestNewExplainsDiscoveryFailures(t *testing.T) {
	// An address on loopback that nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := "http://" + l.Addr().String()
	l.Close()

	idp := newTestIdP(t)
	mismatched := fakeDiscovery(t, func(base string) any {
		d := goodDoc(base)
		d["issuer"] = base + "/realms/acme"
		return d
	}, goodKeys)

	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>Welcome to nginx</html>"))
	}))
	t.Cleanup(notJSON.Close)

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)

	// A resolver that knows no names, so the test needs no DNS.
	noSuchHost := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
	}}
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	noToken := fakeDiscovery(t, func(base string) any {
		d := goodDoc(base)
		delete(d, "token_endpoint")
		return d
	}, goodKeys)
	plainHTTPAuth := fakeDiscovery(t, func(base string) any {
		d := goodDoc(base)
		d["authorization_endpoint"] = "http://login.example.com/auth"
		return d
	}, goodKeys)
	keysDown := fakeDiscovery(t, func(base string) any { return goodDoc(base) }, func(w http.ResponseWriter) {
		http.Error(w, "oops", http.StatusInternalServerError)
	})
	keysEmpty := fakeDiscovery(t, func(base string) any { return goodDoc(base) }, func(w http.ResponseWriter) {
		_, _ = w.Write([]byte(`{"keys":[]}`))
	})
	keysGarbage := fakeDiscovery(t, func(base string) any { return goodDoc(base) }, func(w http.ResponseWriter) {
		_, _ = w.Write([]byte(`not json`))
	})

	cases := []struct {
		name   string
		issuer string
		client *http.Client
		expect []string
	}{
		{"unreachable issuer", closedAddr, nil,
			[]string{"The identity provider at " + closedAddr + " did not answer discovery: the connection was refused"}},
		{"unknown host", "https://sso.acme.example", noSuchHost,
			[]string{"The identity provider at https://sso.acme.example did not answer discovery: its host name \"sso.acme.example\" does not exist"}},
		{"untrusted certificate", tlsSrv.URL, nil,
			[]string{"did not answer discovery: its TLS certificate is not trusted by this server"}},
		{"issuer mismatch", mismatched.URL, nil,
			[]string{"names itself \"" + mismatched.URL + "/realms/acme\"", "set the issuer"}},
		{"wrong path", idp.Issuer() + "/tenant/42", nil,
			[]string{"did not answer discovery: its discovery address answered HTTP 404 Not Found"}},
		{"not a discovery document", notJSON.URL, nil,
			[]string{"did not answer discovery with a valid OpenID Connect configuration document"}},
		{"too slow", slow.URL, &http.Client{Timeout: 200 * time.Millisecond},
			[]string{"did not answer discovery: the request timed out"}},
		{"no token endpoint", noToken.URL, nil,
			[]string{"token endpoint is missing"}},
		{"plain http authorization endpoint", plainHTTPAuth.URL, nil,
			[]string{"authorization endpoint is not an https URL"}},
		{"key set answers 500", keysDown.URL, nil,
			[]string{"did not serve its signing keys: its key set address answered HTTP 500 Internal Server Error"}},
		{"key set empty", keysEmpty.URL, nil,
			[]string{"did not serve its signing keys: its key set holds no keys"}},
		{"key set not JSON", keysGarbage.URL, nil,
			[]string{"its key set is not valid JSON"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(context.Background(), cfgFor(c.issuer), c.issuer+testCallbackPath, c.client)
			pe := wantProviderErr(t, err, tandem.KindUnavailable, c.expect...)
			if pe.Issuer != c.issuer {
				t.Errorf("Issuer %q, want %q", pe.Issuer, c.issuer)
			}
			if strings.Contains(pe.Problem, "nginx") || strings.Contains(pe.Problem, "oops") {
				t.Errorf("a response body leaked into the admin message: %q", pe.Problem)
			}
			assertNoSecrets(t, err, testClientSecret)
		})
	}
}

func TestNewReportsInvalidSettingsAndCallback(t *testing.T) {
	_, err := New(context.Background(), Config{Issuer: "http://login.example.com", ClientSecret: testClientSecret, Enabled: true}, "https://tandem.example/cb", nil)
	pe := wantProviderErr(t, err, tandem.KindUnavailable, "settings are not valid", "issuer: must use https", "client_id:")
	if len(tandem.FieldsOf(pe.Err)) != 2 {
		t.Errorf("cause should carry both field errors, got %v", tandem.FieldsOf(pe.Err))
	}
	assertNoSecrets(t, err, testClientSecret)

	_, err = New(context.Background(), Config{}, "https://tandem.example/cb", nil)
	wantProviderErr(t, err, tandem.KindUnavailable, "not set up")

	idp := newTestIdP(t)
	for _, cb := range []string{"", "/relative/cb", "http://tandem.example/cb", "https://tandem.example/cb#frag"} {
		_, err = New(context.Background(), idp.config(), cb, nil)
		wantProviderErr(t, err, tandem.KindUnavailable, "The address people are sent back to")
	}
}

func TestNewInterruptedIsNotReportedToAdmins(t *testing.T) {
	idp := newTestIdP(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(ctx, idp.config(), idp.callback(), nil)
	if err == nil {
		t.Fatal("New worked with a cancelled context")
	}
	if _, ok := AdminProblem(err); ok {
		t.Fatalf("a cancelled request was reported to admins: %v", err)
	}
	if tandem.KindOf(err) != tandem.KindUnavailable {
		t.Fatalf("kind %s, want unavailable", tandem.KindOf(err))
	}
}

func TestMatches(t *testing.T) {
	idp := newTestIdP(t)
	p := newProvider(t, idp)
	cfg := idp.config()
	if !p.Matches(cfg, idp.callback()) {
		t.Fatal("does not match its own settings")
	}
	spaced := cfg
	spaced.Issuer = " " + cfg.Issuer + " "
	spaced.AllowedDomains = []string{"ACME.com", "acme.com"}
	if !p.Matches(spaced, idp.callback()) {
		t.Fatal("does not match the same settings written differently")
	}
	for name, edit := range map[string]func(*Config){
		"secret":  func(c *Config) { c.ClientSecret = "rotated" },
		"enabled": func(c *Config) { c.Enabled = false },
		"domains": func(c *Config) { c.AllowedDomains = []string{"acme.com", "acme.io"} },
		"role":    func(c *Config) { c.DefaultRole = "viewer" },
	} {
		c := cfg
		edit(&c)
		if p.Matches(c, idp.callback()) {
			t.Errorf("matches after changing %s", name)
		}
	}
	if p.Matches(cfg, idp.callback()+"2") {
		t.Error("matches another callback")
	}
	if p.Issuer() != idp.Issuer() {
		t.Errorf("Issuer %q", p.Issuer())
	}
}

func TestAuthStyleFollowsDiscovery(t *testing.T) {
	idp := newTestIdP(t)
	// The test provider reads credentials from the header or the form; both styles
	// must complete a sign-in.
	for _, methods := range [][]string{nil, {"client_secret_basic"}, {"client_secret_post"}, {"private_key_jwt"}} {
		p := newProvider(t, idp)
		p.oauth.Endpoint.AuthStyle = authStyle(methods, idp.ClientSecret())
		st, back := begin(t, p, idp)
		if _, err := p.Finish(context.Background(), st, back, t0); err != nil {
			t.Fatalf("methods %v: %v", methods, err)
		}
	}
}

func TestNewReportsBrokenProviderUntilRepaired(t *testing.T) {
	idp := newTestIdP(t)
	idp.Break()
	_, err := New(context.Background(), idp.config(), idp.callback(), nil)
	wantProviderErr(t, err, tandem.KindUnavailable,
		"The identity provider at "+idp.Issuer()+" did not answer discovery: its discovery address answered HTTP 503 Service Unavailable")
	assertNoSecrets(t, err, idp.ClientSecret())

	idp.Repair()
	p := newProvider(t, idp)
	st, back := begin(t, p, idp)
	if _, err := p.Finish(context.Background(), st, back, t0); err != nil {
		t.Fatalf("Finish after Repair: %v", err)
	}
}
