package sso

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func validConfig() Config {
	return Config{
		Issuer: "https://login.acme.com", ClientID: "tandem", ClientSecret: "s3cret",
		AllowedDomains: []string{"acme.com", "acme.co.uk"}, DefaultRole: "sales", Enabled: true,
	}
}

func TestValidateAcceptsGoodSettings(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"as is":                  func(*Config) {},
		"issuer with path":       func(c *Config) { c.Issuer = "https://login.microsoftonline.com/8b1f/v2.0" },
		"issuer trailing slash":  func(c *Config) { c.Issuer = "https://accounts.example.com/" },
		"loopback http":          func(c *Config) { c.Issuer = "http://127.0.0.1:5556/dex" },
		"localhost http":         func(c *Config) { c.Issuer = "http://localhost:8080" },
		"ipv6 loopback http":     func(c *Config) { c.Issuer = "http://[::1]:8080" },
		"public client":          func(c *Config) { c.ClientSecret = "" },
		"no domains":             func(c *Config) { c.AllowedDomains = nil },
		"domain to normalise":    func(c *Config) { c.AllowedDomains = []string{" ACME.com. "} },
		"punycode domain":        func(c *Config) { c.AllowedDomains = []string{"xn--mnchen-3ya.de"} },
		"empty role is viewer":   func(c *Config) { c.DefaultRole = "" },
		"disabled and empty":     func(c *Config) { *c = Config{} },
		"disabled but complete":  func(c *Config) { c.Enabled = false },
		"partner manager role":   func(c *Config) { c.DefaultRole = "partner_manager" },
		"spaces around issuer":   func(c *Config) { c.Issuer = "  https://login.acme.com  " },
		"spaces around clientid": func(c *Config) { c.ClientID = " tandem " },
	} {
		t.Run(name, func(t *testing.T) {
			c := validConfig()
			edit(&c)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*Config)
		path   string
		detail string
	}{
		{"no issuer", func(c *Config) { c.Issuer = "" }, "issuer", "enter the issuer URL"},
		{"plain http", func(c *Config) { c.Issuer = "http://login.acme.com" }, "issuer", "must use https"},
		{"other scheme", func(c *Config) { c.Issuer = "ftp://login.acme.com" }, "issuer", "https URL"},
		{"relative", func(c *Config) { c.Issuer = "login.acme.com" }, "issuer", "absolute URL"},
		{"query", func(c *Config) { c.Issuer = "https://login.acme.com?x=1" }, "issuer", "query or fragment"},
		{"fragment", func(c *Config) { c.Issuer = "https://login.acme.com#x" }, "issuer", "query or fragment"},
		{"user info", func(c *Config) { c.Issuer = "https://me:pw@login.acme.com" }, "issuer", "user name or password"},
		{"http lookalike loopback", func(c *Config) { c.Issuer = "http://localhost.evil.com" }, "issuer", "must use https"},
		{"too long", func(c *Config) { c.Issuer = "https://a.com/" + strings.Repeat("x", 600) }, "issuer", "at most"},
		{"no client id", func(c *Config) { c.ClientID = " " }, "client_id", "enter the client id"},
		{"client id with space", func(c *Config) { c.ClientID = "a b" }, "client_id", "printable"},
		{"secret with newline", func(c *Config) { c.ClientSecret = "a\nb" }, "client_secret", "printable"},
		{"at sign", func(c *Config) { c.AllowedDomains = []string{"@acme.com"} }, "allowed_domains[0]", "part after the @"},
		{"email", func(c *Config) { c.AllowedDomains = []string{"acme.com", "bob@acme.com"} }, "allowed_domains[1]", "part after the @"},
		{"single label", func(c *Config) { c.AllowedDomains = []string{"acme"} }, "allowed_domains[0]", "full domain"},
		{"blank", func(c *Config) { c.AllowedDomains = []string{" "} }, "allowed_domains[0]", "enter a domain"},
		{"underscore", func(c *Config) { c.AllowedDomains = []string{"ac_me.com"} }, "allowed_domains[0]", "letters, digits"},
		{"leading hyphen", func(c *Config) { c.AllowedDomains = []string{"-acme.com"} }, "allowed_domains[0]", "not a valid domain"},
		{"empty label", func(c *Config) { c.AllowedDomains = []string{"acme..com"} }, "allowed_domains[0]", "not a valid domain"},
		{"wildcard", func(c *Config) { c.AllowedDomains = []string{"*.acme.com"} }, "allowed_domains[0]", "letters, digits"},
		{"unicode", func(c *Config) { c.AllowedDomains = []string{"münchen.de"} }, "allowed_domains[0]", "ASCII form"},
		{"ip address", func(c *Config) { c.AllowedDomains = []string{"10.0.0.1"} }, "allowed_domains[0]", "not an IP address"},
		{"free mail", func(c *Config) { c.AllowedDomains = []string{"Gmail.com"} }, "allowed_domains[0]", "public email service"},
		{"admin role", func(c *Config) { c.DefaultRole = "admin" }, "default_role", "cannot be made admins"},
		{"partner role", func(c *Config) { c.DefaultRole = "partner_seller" }, "default_role", "choose partner_manager, sales or viewer"},
		{"unknown role", func(c *Config) { c.DefaultRole = "owner" }, "default_role", "choose"},
		{"disabled with only an issuer", func(c *Config) { c.Enabled = false; c.ClientID = "" }, "client_id", "enter the client id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.edit(&cfg)
			err := cfg.Validate()
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("Validate = %v, want an invalid error", err)
			}
			fields := tandem.FieldsOf(err)
			if len(fields) != 1 || fields[0].Path != c.path || !strings.Contains(fields[0].Detail, c.detail) {
				t.Fatalf("fields %+v, want one at %s saying %q", fields, c.path, c.detail)
			}
		})
	}

	// Everything at once is reported at once.
	err := Config{Issuer: "http://x.com", ClientID: "", AllowedDomains: []string{"a@b.com", "x"}, DefaultRole: "admin", Enabled: true}.Validate()
	var paths []string
	for _, f := range tandem.FieldsOf(err) {
		paths = append(paths, f.Path)
	}
	want := []string{"issuer", "client_id", "allowed_domains[0]", "allowed_domains[1]", "default_role"}
	if !slices.Equal(paths, want) {
		t.Fatalf("paths %v, want %v", paths, want)
	}

	many := validConfig()
	many.AllowedDomains = make([]string, maxDomains+1)
	for i := range many.AllowedDomains {
		many.AllowedDomains[i] = "d" + strings.Repeat("x", i%5) + ".acme.com"
	}
	if fs := tandem.FieldsOf(many.Validate()); len(fs) != 1 || fs[0].Path != "allowed_domains" {
		t.Fatalf("too many domains: %+v", fs)
	}
}

func TestNormalized(t *testing.T) {
	c := Config{
		Issuer: " https://login.acme.com ", ClientID: " tandem\t", ClientSecret: " s ",
		AllowedDomains: []string{" ACME.com", "acme.com.", "", "Acme.IO", "acme.io"}, DefaultRole: " sales ",
	}.Normalized()
	if c.Issuer != "https://login.acme.com" || c.ClientID != "tandem" || c.ClientSecret != "s" || c.DefaultRole != "sales" {
		t.Fatalf("fields not trimmed: %+v", c)
	}
	if want := []string{"acme.com", "acme.io"}; !slices.Equal(c.AllowedDomains, want) {
		t.Fatalf("domains %v, want %v", c.AllowedDomains, want)
	}
	// Non-ASCII letters are not folded into ASCII ones (U+212A is the Kelvin sign).
	if got := (Config{AllowedDomains: []string{"\u212Aey.com"}}).Normalized().AllowedDomains[0]; got != "\u212Aey.com" {
		t.Fatalf("Kelvin sign folded: %q", got)
	}
}

func TestProvisionRole(t *testing.T) {
	if r := (Config{}).ProvisionRole(); r != tandem.RoleViewer {
		t.Errorf("empty role gives %s, want viewer", r)
	}
	if r := (Config{DefaultRole: "sales"}).ProvisionRole(); r != tandem.RoleSales {
		t.Errorf("got %s, want sales", r)
	}
}

func TestJITAllowed(t *testing.T) {
	cfg := Config{
		Issuer: "https://login.acme.com", ClientID: "tandem", Enabled: true,
		AllowedDomains: []string{"acme.com", "Acme-Labs.IO", "key.com"},
	}
	verified := func(email string) Identity {
		return Identity{Issuer: cfg.Issuer, Subject: "s", Email: email, EmailVerified: true}
	}
	cases := []struct {
		name string
		id   Identity
		cfg  func(Config) Config
		want bool
	}{
		{"listed domain", verified("dana@acme.com"), nil, true},
		{"upper-case address", verified("Dana@ACME.COM"), nil, true},
		{"domain listed in capitals", verified("lee@acme-labs.io"), nil, true},
		{"local part looks like a domain", verified("evil.com@acme.com"), nil, true},
		{"quoted local part with @", verified(`"a@b"@acme.com`), nil, true},
		{"unverified", Identity{Issuer: cfg.Issuer, Email: "dana@acme.com"}, nil, false},
		{"prefix look-alike", verified("x@evil-acme.com"), nil, false},
		{"glued look-alike", verified("x@evilacme.com"), nil, false},
		{"suffix look-alike", verified("x@acme.com.evil.io"), nil, false},
		{"subdomain not listed", verified("x@eu.acme.com"), nil, false},
		{"parent of listed domain", verified("x@com"), nil, false},
		{"domain after last @ wins", verified("x@acme.com@evil.io"), nil, false},
		{"trailing dot", verified("x@acme.com."), nil, false},
		{"trailing space", verified("x@acme.com "), nil, false},
		{"cyrillic look-alike", verified("x@acmе.com"), nil, false},
		{"kelvin sign folds to k", verified("x@\u212Aey.com"), nil, false},
		{"fullwidth letters", verified("x@ａｃｍｅ.com"), nil, false},
		{"no domain", verified("dana@"), nil, false},
		{"no local part", verified("@acme.com"), nil, false},
		{"no at sign", verified("acme.com"), nil, false},
		{"empty email", verified(""), nil, false},
		{"other issuer", Identity{Issuer: "https://other.example", Email: "dana@acme.com", EmailVerified: true}, nil, false},
		{"no issuer", Identity{Email: "dana@acme.com", EmailVerified: true}, nil, false},
		{"disabled", verified("dana@acme.com"), func(c Config) Config { c.Enabled = false; return c }, false},
		{"no domains allowed", verified("dana@acme.com"), func(c Config) Config { c.AllowedDomains = nil; return c }, false},
		{"free mail in the list is ignored", verified("x@gmail.com"), func(c Config) Config {
			c.AllowedDomains = append(c.AllowedDomains, "gmail.com")
			return c
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := cfg
			if c.cfg != nil {
				conf = c.cfg(cfg)
			}
			if got := JITAllowed(conf, c.id); got != c.want {
				t.Fatalf("JITAllowed(%q) = %v, want %v", c.id.Email, got, c.want)
			}
		})
	}
}
