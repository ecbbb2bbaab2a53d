// Package config reads Tandem's settings from command-line flags and TANDEM_*
// environment variables. Each setting is declared once, with its flag name, its
// environment variable, its default and a sentence of help; flags win over the
// environment, which wins over the default. There is no global configuration: Load
// returns a value that the caller passes on.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the complete set of settings for one Tandem process.
type Config struct {
	Addr            string        // address the HTTP server listens on
	DataDir         string        // directory for the embedded database and local files
	DatabaseURL     string        // postgres://… or empty for embedded SQLite
	BaseURL         string        // public URL used in links sent by email
	LogLevel        string        // debug, info, warn or error
	MaxBodyBytes    int64         // largest request body accepted
	ShutdownTimeout time.Duration // how long running requests and jobs get to finish
	DBMaxConns      int           // connection pool size
	Demo            bool          // load the demo workspace into an empty database at start
	JobWorkers      int           // concurrent background jobs per process
	SMTP            SMTP          // outgoing mail; an empty Host keeps mail in the outbox
}

// SMTP holds the outgoing mail server settings as given; the email package validates
// them further when it builds its sender.
type SMTP struct {
	Host, Username, Password, TLS, From string
	Port                                int
}

// setting describes one configuration value for flags, environment and help text.
type setting struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

func settings() []setting {
	return []setting{
		{"addr", "TANDEM_ADDR", "localhost:8080", "address to listen on (host:port)", func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("must be host:port, for example localhost:8080 or :8080")
			}
			c.Addr = v
			return nil
		}},
		{"data-dir", "TANDEM_DATA_DIR", "./tandem-data", "directory for the embedded database and local files", func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = v
			return nil
		}},
		{"database-url", "TANDEM_DATABASE_URL", "", "PostgreSQL URL (postgres://user@host/db); empty means embedded SQLite in the data directory", func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
					return errors.New("must be a postgres:// URL, or empty for embedded SQLite")
				}
			}
			c.DatabaseURL = v
			return nil
		}},
		{"base-url", "TANDEM_BASE_URL", "", "public URL of this server, used in links sent by email (default http://<addr>)", func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return errors.New("must be an absolute http:// or https:// URL")
				}
				v = strings.TrimRight(v, "/")
			}
			c.BaseURL = v
			return nil
		}},
		{"log-level", "TANDEM_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return errors.New("must be one of debug, info, warn, error")
		}},
		{"max-body-bytes", "TANDEM_MAX_BODY_BYTES", "1048576", "largest request body accepted, in bytes", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 {
				return errors.New("must be a whole number of bytes, at least 1024")
			}
			c.MaxBodyBytes = n
			return nil
		}},
		{"shutdown-timeout", "TANDEM_SHUTDOWN_TIMEOUT", "20s", "time given to running requests and jobs to finish on shutdown", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("must be a positive duration such as 20s")
			}
			c.ShutdownTimeout = d
			return nil
		}},
		{"db-max-conns", "TANDEM_DB_MAX_CONNS", "10", "database connection pool size", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 || n > 1000 {
				return errors.New("must be a whole number between 2 and 1000")
			}
			c.DBMaxConns = n
			return nil
		}},
		{"demo", "TANDEM_DEMO", "true", "load the demo workspace when the database is empty", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("must be true or false")
			}
			c.Demo = b
			return nil
		}},
		{"job-workers", "TANDEM_JOB_WORKERS", "50", "background jobs run at once by this process (most wait on the database or on mail)", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 500 {
				return errors.New("must be a whole number between 1 and 500")
			}
			c.JobWorkers = n
			return nil
		}},
		{"smtp-host", "TANDEM_SMTP_HOST", "", "SMTP server for outgoing mail; empty keeps mail in the outbox page and the log", func(c *Config, v string) error {
			c.SMTP.Host = v
			return nil
		}},
		{"smtp-port", "TANDEM_SMTP_PORT", "0", "SMTP port; 0 means the usual port for --smtp-tls", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65535 {
				return errors.New("must be a port number from 1 to 65535, or 0")
			}
			c.SMTP.Port = n
			return nil
		}},
		{"smtp-username", "TANDEM_SMTP_USERNAME", "", "SMTP user name; empty means no login", func(c *Config, v string) error {
			c.SMTP.Username = v
			return nil
		}},
		{"smtp-password", "TANDEM_SMTP_PASSWORD", "", "SMTP password (prefer the environment variable to the flag)", func(c *Config, v string) error {
			c.SMTP.Password = v
			return nil
		}},
		{"smtp-tls", "TANDEM_SMTP_TLS", "starttls", "SMTP encryption: starttls, tls or none (none only for a server on this machine)", func(c *Config, v string) error {
			switch v {
			case "starttls", "tls", "none":
				c.SMTP.TLS = v
				return nil
			}
			return errors.New("must be one of starttls, tls, none")
		}},
		{"smtp-from", "TANDEM_SMTP_FROM", "", `sender of outgoing mail, such as "Tandem <partners@example.com>"`, func(c *Config, v string) error {
			c.SMTP.From = v
			return nil
		}},
	}
}

// ErrHelp is returned by Load when help was asked for and printed.
var ErrHelp = flag.ErrHelp

// Load parses args (the arguments after the subcommand) and the environment, as read
// by getenv, into a Config. Help goes to out. A bad value yields an error naming the
// flag or variable and what is wrong with it; nothing is partly applied.
func Load(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	all := settings()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help is printed below
	values := make(map[string]*string, len(all))
	for _, s := range all {
		values[s.flag] = fs.String(s.flag, "", "")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			Usage(out, name)
			return c, err
		}
		return c, fmt.Errorf("%w (run tandem %s --help to list the settings)", err, name)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range all {
		v, source := s.def, "default of --"+s.flag
		if e := getenv(s.env); e != "" {
			v, source = e, s.env
		}
		if given[s.flag] {
			v, source = *values[s.flag], "--"+s.flag
		}
		if err := s.set(&c, v); err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", source, v, err)
		}
	}
	if c.BaseURL == "" {
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	return c, nil
}

// Usage writes every setting with its flag, environment variable and default.
func Usage(out io.Writer, name string) {
	fmt.Fprintf(out, "Usage: tandem %s [flags]\n\nEvery flag can also be set with its environment variable; a flag wins.\n\n", name)
	for _, s := range settings() {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(out, "  --%s (%s, default %s)\n      %s\n", s.flag, s.env, def, s.help)
	}
}
