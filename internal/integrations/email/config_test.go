package email

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestConfigValidateNamesTheSetting(t *testing.T) {
	base := Config{Host: "smtp.example.com", From: "Tandem <no-reply@example.com>"}
	cases := []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"minimal", func(*Config) {}, nil},
		{"full", func(c *Config) {
			*c = Config{Host: "smtp.example.com", Port: 2525, Username: "u", Password: "p", TLS: TLSImplicit,
				From: "no-reply@example.com", HELO: "tandem.example.com", Timeout: 20 * time.Second}
		}, nil},
		{"no SMTP at all", func(c *Config) { *c = Config{} }, nil},
		{"outbox with a from", func(c *Config) { *c = Config{From: "Tandem <t@example.com>"} }, nil},
		{"credentials without host", func(c *Config) { *c = Config{Username: "u", Password: "p"} }, []string{"smtp-host"}},
		{"bad from without host", func(c *Config) { *c = Config{From: "nope"} }, []string{"smtp-from"}},
		{"host with port", func(c *Config) { c.Host = "smtp.example.com:587" }, []string{"smtp-host"}},
		{"host with scheme", func(c *Config) { c.Host = "smtp://smtp.example.com" }, []string{"smtp-host"}},
		{"IPv6 host", func(c *Config) { c.Host = "::1" }, []string{"smtp-host"}},
		{"port too big", func(c *Config) { c.Port = 70000 }, []string{"smtp-port"}},
		{"negative port", func(c *Config) { c.Port = -1 }, []string{"smtp-port"}},
		{"unknown TLS mode", func(c *Config) { c.TLS = "ssl" }, []string{"smtp-tls"}},
		{"TLS mode in capitals", func(c *Config) { c.TLS = "STARTTLS" }, nil},
		{"username without password", func(c *Config) { c.Username = "u" }, []string{"smtp-password"}},
		{"password without username", func(c *Config) { c.Password = "p" }, []string{"smtp-username"}},
		{"password in clear to a remote host", func(c *Config) { c.TLS, c.Username, c.Password = TLSNone, "u", "p" }, []string{"smtp-tls"}},
		{"password in clear to loopback", func(c *Config) { c.Host, c.TLS, c.Username, c.Password = "127.0.0.1", TLSNone, "u", "p" }, nil},
		{"no TLS without a password", func(c *Config) { c.Host, c.TLS = "mailpit", TLSNone }, nil},
		{"no from", func(c *Config) { c.From = "" }, []string{"smtp-from"}},
		{"from not an address", func(c *Config) { c.From = "Tandem" }, []string{"smtp-from"}},
		{"from with a non-ASCII domain", func(c *Config) { c.From = "t@bücher.example" }, []string{"smtp-from"}},
		{"HELO with a space", func(c *Config) { c.HELO = "my host" }, []string{"smtp-helo"}},
		{"HELO address literal", func(c *Config) { c.HELO = "[192.0.2.1]" }, nil},
		{"timeout too short", func(c *Config) { c.Timeout = time.Millisecond }, []string{"smtp-timeout"}},
		{"timeout too long", func(c *Config) { c.Timeout = time.Hour }, []string{"smtp-timeout"}},
		{"everything wrong", func(c *Config) {
			*c = Config{Host: "a b", Port: -5, TLS: "x", Username: "u", From: "x", HELO: "-", Timeout: -1}
		}, []string{"smtp-host", "smtp-port", "smtp-tls", "smtp-password", "smtp-from", "smtp-helo", "smtp-timeout"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			c.change(&cfg)
			got := fieldPaths(t, cfg.Validate())
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("field errors %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseTLSMode(t *testing.T) {
	for in, want := range map[string]TLSMode{"": TLSStartTLS, "starttls": TLSStartTLS, " TLS ": TLSImplicit, "none": TLSNone} {
		if got, err := ParseTLSMode(in); err != nil || got != want {
			t.Errorf("ParseTLSMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseTLSMode("ssl"); err == nil {
		t.Error(`ParseTLSMode("ssl"): want an error`)
	}
	if TLSStartTLS.DefaultPort() != 587 || TLSImplicit.DefaultPort() != 465 || TLSNone.DefaultPort() != 25 {
		t.Error("default ports changed")
	}
}

func TestConfigNeverShowsThePassword(t *testing.T) {
	c := Config{Host: "smtp.example.com", Username: "u", Password: "hunter2-secret", From: "a@example.com"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "smtp", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), logs.String()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password shown in %s", s)
		}
	}
	if !strings.Contains(logs.String(), `"password_set":true`) {
		t.Errorf("log does not say a password is set: %s", logs.String())
	}
}

func TestNewSMTPSenderDefaults(t *testing.T) {
	s, err := NewSMTPSender(Config{Host: "smtp.example.com", TLS: TLSImplicit, From: "Tandem <t@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	if s.port != 465 || s.timeout != DefaultTimeout || s.mode != TLSImplicit || s.From() != (Address{Name: "Tandem", Email: "t@example.com"}) {
		t.Errorf("sender = %+v", s)
	}
	s, err = NewSMTPSender(Config{Host: "smtp.example.com", Username: "u", Password: "hunter2-secret", From: "t@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if out := fmt.Sprintf("%v %+v %#v %s", s, s, s, s); strings.Contains(out, "hunter2") {
		t.Errorf("password shown: %s", out)
	}
	if _, err := NewSMTPSender(Config{}); err == nil {
		t.Error("NewSMTPSender without a host: want an error")
	}
}
