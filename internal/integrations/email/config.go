package email

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// TLSMode says how the connection to the SMTP server is protected.
type TLSMode string

// The TLS modes.
const (
	// TLSStartTLS connects in plain text and upgrades with STARTTLS before anything
	// else; a server that does not offer STARTTLS, or whose certificate does not
	// verify, is refused. This is the default (usually port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (usually port 465).
	TLSImplicit TLSMode = "tls"
	// TLSNone sends everything in plain text. It is for a relay on the same machine or
	// a development mail catcher.
	TLSNone TLSMode = "none"
)

// ParseTLSMode reads a TLS mode as written in configuration: "starttls", "tls" or
// "none" (any case). The empty string means the default, TLSStartTLS.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return TLSStartTLS, nil
	case TLSStartTLS, TLSImplicit, TLSNone:
		return m, nil
	}
	return "", fmt.Errorf("TLS mode %q is not one of starttls, tls or none", s)
}

// DefaultPort returns the usual port for the mode: 587 for STARTTLS, 465 for implicit
// TLS and 25 for none.
func (m TLSMode) DefaultPort() int {
	switch m {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// DefaultTimeout bounds each exchange with the SMTP server when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// Config holds the SMTP settings. The zero Config means "no SMTP server": NewSender
// then returns an OutboxSender. Each field's comment names the setting it comes from;
// Validate reports problems under those names.
type Config struct {
	Host     string        // smtp-host: server name or IP address, without a port; empty disables SMTP
	Port     int           // smtp-port: 0 means the TLS mode's usual port
	Username string        // smtp-username: empty means no login
	Password string        // smtp-password: never logged or printed
	TLS      TLSMode       // smtp-tls: starttls (default), tls or none
	From     string        // smtp-from: sender, such as "Tandem <no-reply@example.com>"
	HELO     string        // smtp-helo: name to greet the server with; empty means this machine's host name
	Timeout  time.Duration // smtp-timeout: limit for connecting and for each exchange; 0 means DefaultTimeout
}

// Enabled reports whether an SMTP server is configured.
func (c Config) Enabled() bool { return strings.TrimSpace(c.Host) != "" }

// Validate checks c and returns nil or a tandem.KindInvalid error listing every
// problem under the name of its setting ("smtp-host", "smtp-port", "smtp-username",
// "smtp-password", "smtp-tls", "smtp-from", "smtp-helo", "smtp-timeout"). A Config
// without Host is valid (mail then goes to the outbox) unless a username or password
// is set, which suggests the host was forgotten.
func (c Config) Validate() error {
	var p tandem.Problems
	if !c.Enabled() {
		if c.Username != "" || c.Password != "" {
			p.Add("smtp-host", "is required when smtp-username or smtp-password is set")
		}
		if c.From != "" {
			if _, err := parseFrom(c.From); err != nil {
				p.Add("smtp-from", "%s", err.Error())
			}
		}
		return p.Err("The SMTP settings are not valid")
	}

	host := c.Host
	switch {
	case strings.ContainsAny(host, " \t\r\n/\\@"):
		p.Add("smtp-host", "must be a host name or IP address, such as smtp.example.com")
	case net.ParseIP(host) != nil && strings.Contains(host, ":"):
		p.Add("smtp-host", "cannot be an IPv6 address; use a host name that resolves to it")
	case strings.Contains(host, ":"):
		p.Add("smtp-host", "must not include a port; set smtp-port instead")
	}

	if c.Port < 0 || c.Port > 65535 {
		p.Add("smtp-port", "must be between 1 and 65535, or 0 for the usual port of the TLS mode")
	}

	mode, err := ParseTLSMode(string(c.TLS))
	if err != nil {
		p.Add("smtp-tls", "must be starttls, tls or none")
	}

	if (c.Username == "") != (c.Password == "") {
		if c.Username == "" {
			p.Add("smtp-username", "is required when smtp-password is set")
		} else {
			p.Add("smtp-password", "is required when smtp-username is set")
		}
	}
	if strings.ContainsAny(c.Username, "\r\n\x00") {
		p.Add("smtp-username", "must not contain line breaks")
	}
	if mode == TLSNone && c.Username != "" && !isLoopback(host) {
		p.Add("smtp-tls", "is none, which would send the password unencrypted to %s; use starttls or tls", host)
	}

	if strings.TrimSpace(c.From) == "" {
		p.Add("smtp-from", "is required when smtp-host is set, for example \"Tandem <no-reply@example.com>\"")
	} else if _, err := parseFrom(c.From); err != nil {
		p.Add("smtp-from", "%s", err.Error())
	}

	if c.HELO != "" && !validHELO(c.HELO) {
		p.Add("smtp-helo", "must be a host name such as mail.example.com or an address literal such as [192.0.2.1]")
	}

	if c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Second) || c.Timeout > 10*time.Minute {
		p.Add("smtp-timeout", "must be between 1s and 10m, or 0 for the default of %s", DefaultTimeout)
	}
	return p.Err("The SMTP settings are not valid")
}

// parseFrom reads a from setting: one address, with or without a display name, whose
// address is ASCII (a domain in its xn-- form).
func parseFrom(s string) (Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return Address{}, fmt.Errorf("%q is not an address such as \"Tandem <no-reply@example.com>\"", s)
	}
	for _, r := range a.Address {
		if r > '~' {
			return Address{}, fmt.Errorf("the address in %q must be ASCII; write an international domain in its xn-- form", s)
		}
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return Address{}, fmt.Errorf("the name in %q must be one line", s)
	}
	return Address{Name: a.Name, Email: a.Address}, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHELO accepts a dotted host name of letters, digits and hyphens, or an address
// literal in square brackets.
func validHELO(s string) bool {
	if len(s) > 255 {
		return false
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		inner := strings.TrimPrefix(s[1:len(s)-1], "IPv6:")
		return net.ParseIP(inner) != nil
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// String describes c for people and logs, with the password replaced by a mark.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "[redacted]"
	}
	return fmt.Sprintf("email.Config{Host:%q Port:%d Username:%q Password:%q TLS:%q From:%q HELO:%q Timeout:%s}",
		c.Host, c.Port, c.Username, pw, c.TLS, c.From, c.HELO, c.Timeout)
}

// GoString is String, so that %#v does not print the password either.
func (c Config) GoString() string { return c.String() }

// LogValue lets slog log a Config without its password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
		slog.String("tls", string(c.TLS)),
		slog.String("from", c.From),
		slog.String("helo", c.HELO),
		slog.Duration("timeout", c.Timeout),
	)
}
