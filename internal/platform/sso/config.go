package sso

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Limits on what a Config may hold, so that settings stay small enough to store,
// show and compare.
const (
	maxIssuerLen   = 512
	maxClientIDLen = 255
	maxSecretLen   = 1024
	maxDomains     = 100
	maxDomainLen   = 253
)

// Config is one workspace's single sign-on settings.
//
// Issuer is the OpenID Connect issuer URL exactly as the identity provider names
// itself (discovery reads Issuer + "/.well-known/openid-configuration"). ClientID
// and ClientSecret are the credentials the provider issued for Tandem; the secret may
// be empty for a public client, since every sign-in also uses PKCE.
//
// AllowedDomains lists the email domains whose people may be given an account the
// first time they sign in (just-in-time provisioning); an empty list provisions no
// one, and people must be invited first. DefaultRole is the role those new accounts
// get; empty means viewer.
//
// Enabled says whether people may sign in with the provider. New does not look at it,
// so an admin can test settings before turning them on; Begin and Finish refuse while
// it is false.
type Config struct {
	Issuer         string
	ClientID       string
	ClientSecret   string
	AllowedDomains []string
	DefaultRole    string
	Enabled        bool
}

// Normalized returns a copy of c in the form worth storing: surrounding spaces
// trimmed from every field, domains lower-cased (ASCII only), stripped of one
// trailing dot, and with blanks and repeats removed, in their original order.
// It does not validate: call Validate on the result.
func (c Config) Normalized() Config {
	out := c
	out.Issuer = strings.TrimSpace(c.Issuer)
	out.ClientID = strings.TrimSpace(c.ClientID)
	out.ClientSecret = strings.TrimSpace(c.ClientSecret)
	out.DefaultRole = strings.TrimSpace(c.DefaultRole)
	out.AllowedDomains = nil
	seen := map[string]bool{}
	for _, d := range c.AllowedDomains {
		d = normalizeDomain(d)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		out.AllowedDomains = append(out.AllowedDomains, d)
	}
	return out
}

// Validate reports every problem with c at once, as a KindInvalid *tandem.Error
// whose field paths are issuer, client_id, client_secret, allowed_domains[i] and
// default_role. It returns nil when c is usable.
//
// A Config that is disabled and names neither issuer nor client id is valid: single
// sign-on is simply not set up. Otherwise the issuer must be an absolute https URL
// without query, fragment or user info (http is accepted only for loopback hosts,
// for local testing); the client id is required; each domain, taken in the form
// Normalized gives it, must be a plain ASCII host name of at least two labels, not
// contain "@", and not be a public email service; and DefaultRole must be empty or
// one of the vendor-side roles partner_manager, sales or viewer. Admin is refused
// on purpose: anyone with an address at an allowed domain would become an admin.
func (c Config) Validate() error {
	var p tandem.Problems
	if !c.Enabled && strings.TrimSpace(c.Issuer) == "" && strings.TrimSpace(c.ClientID) == "" {
		return nil
	}
	if detail := issuerProblem(strings.TrimSpace(c.Issuer)); detail != "" {
		p.Add("issuer", "%s", detail)
	}
	switch id := strings.TrimSpace(c.ClientID); {
	case id == "":
		p.Add("client_id", "enter the client id the identity provider issued for Tandem")
	case len(id) > maxClientIDLen:
		p.Add("client_id", "must be at most %d characters", maxClientIDLen)
	case !printableASCII(id):
		p.Add("client_id", "must be printable characters without spaces")
	}
	if s := strings.TrimSpace(c.ClientSecret); len(s) > maxSecretLen {
		p.Add("client_secret", "must be at most %d characters", maxSecretLen)
	} else if s != "" && !printableASCII(s) {
		p.Add("client_secret", "must be printable characters without spaces")
	}
	if len(c.AllowedDomains) > maxDomains {
		p.Add("allowed_domains", "list at most %d domains", maxDomains)
	}
	for i, d := range c.AllowedDomains {
		if i >= maxDomains {
			break
		}
		if detail := domainProblem(d); detail != "" {
			p.Add("allowed_domains["+strconv.Itoa(i)+"]", "%s", detail)
		}
	}
	switch tandem.Role(strings.TrimSpace(c.DefaultRole)) {
	case "", tandem.RolePartnerManager, tandem.RoleSales, tandem.RoleViewer:
	case tandem.RoleAdmin:
		p.Add("default_role", "new accounts cannot be made admins automatically; choose partner_manager, sales or viewer and promote people afterwards")
	default:
		p.Add("default_role", "choose partner_manager, sales or viewer")
	}
	return p.Err("The single sign-on settings are not valid.")
}

// ProvisionRole returns the role a just-in-time account gets: DefaultRole, or
// viewer when it is empty. It assumes c is valid.
func (c Config) ProvisionRole() tandem.Role {
	if r := strings.TrimSpace(c.DefaultRole); r != "" {
		return tandem.Role(r)
	}
	return tandem.RoleViewer
}

// JITAllowed reports whether id may be given a new account on its first sign-in
// under cfg: cfg is enabled, id comes from cfg's issuer, its email is verified, and
// the part of the email after its last "@", lower-cased, is exactly one of
// cfg.AllowedDomains (taken in the form Normalized gives them). Subdomains are not
// included implicitly, look-alikes such as "evil-acme.com" or "acme.com.evil.io" do
// not match "acme.com", and an address whose domain has any non-ASCII character
// never matches. People who already have an account sign in regardless of this.
func JITAllowed(cfg Config, id Identity) bool {
	if !cfg.Enabled || !id.EmailVerified || id.Issuer == "" || id.Issuer != strings.TrimSpace(cfg.Issuer) {
		return false
	}
	at := strings.LastIndexByte(id.Email, '@')
	if at <= 0 || at == len(id.Email)-1 {
		return false
	}
	domain := id.Email[at+1:]
	if !isASCII(domain) {
		return false
	}
	domain = asciiLower(domain)
	for _, d := range cfg.AllowedDomains {
		if d = normalizeDomain(d); d != "" && d == domain && domainProblem(d) == "" {
			return true
		}
	}
	return false
}

// issuerProblem says what is wrong with an issuer URL, or "" when it is acceptable.
func issuerProblem(s string) string {
	if s == "" {
		return "enter the issuer URL of the identity provider, such as https://login.example.com"
	}
	if len(s) > maxIssuerLen {
		return "must be at most " + strconv.Itoa(maxIssuerLen) + " characters"
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "must be an absolute URL, such as https://login.example.com"
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return "must use https"
	default:
		return "must be an https URL"
	}
	if u.User != nil {
		return "must not contain a user name or password"
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return "must not contain a query or fragment"
	}
	return ""
}

// endpointProblem says what is wrong with an endpoint URL found in a discovery
// document, or "" when it is acceptable: absolute, https or loopback http.
func endpointProblem(s string) string {
	if s == "" {
		return "missing"
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "not an absolute URL"
	}
	if u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname())) {
		return ""
	}
	return "not an https URL"
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// publicMailDomains are email services where anyone can get an address. Allowing
// one of them for just-in-time provisioning would let anyone in.
var publicMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"live.com": true, "msn.com": true, "yahoo.com": true, "ymail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true,
	"proton.me": true, "protonmail.com": true, "pm.me": true, "gmx.com": true,
	"gmx.de": true, "gmx.net": true, "mail.com": true, "yandex.com": true,
	"yandex.ru": true, "zoho.com": true, "qq.com": true, "163.com": true,
	"fastmail.com": true, "tutanota.com": true, "web.de": true,
}

// normalizeDomain trims spaces, lower-cases ASCII letters and drops one trailing dot.
func normalizeDomain(d string) string {
	d = asciiLower(strings.TrimSpace(d))
	return strings.TrimSuffix(d, ".")
}

// domainProblem says what is wrong with an allowed email domain, or "" when its
// normalised form is acceptable.
func domainProblem(raw string) string {
	d := normalizeDomain(raw)
	switch {
	case d == "":
		return "enter a domain such as acme.com"
	case strings.Contains(d, "@"):
		return "enter only the part after the @, such as acme.com"
	case !isASCII(d):
		return "write international domains in their ASCII form (xn--…)"
	case len(d) > maxDomainLen:
		return "is too long for a domain name"
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "must be a full domain such as acme.com"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "is not a valid domain name"
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
				return "is not a valid domain name: use letters, digits, hyphens and dots"
			}
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return "must be a domain name, not an IP address"
	}
	if publicMailDomains[d] {
		return "is a public email service where anyone can get an address, so it cannot allow automatic accounts"
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only. strings.ToLower would also fold some
// non-ASCII letters into ASCII ones (the Kelvin sign becomes "k"), which must not
// make a look-alike domain match.
func asciiLower(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
