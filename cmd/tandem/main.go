// Command tandem runs Tandem, the open-source partner relationship management
// platform: `tandem` or `tandem serve` starts the server; other subcommands migrate
// the database, load the demo workspace and match company lists offline.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	// Workspaces keep their calendars in named time zones; a host without a zoneinfo
	// database must still know them.
	_ "time/tzdata"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/matchcli"
	"github.com/tandemprm/tandem/internal/platform/config"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/store"
)

// version is set at release build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Tandem — partner relationship management.

Usage: tandem [command] [flags]

Commands:
  serve     run the server (the default)
  migrate   bring the database schema up to date and exit
  demo      load the demo workspace into the database and exit
  workspace create   create a workspace and invite its first admin
  token create       create an API token (prints only the token)
  import partners    import partners from CSV, with --dry-run to check first
  match     match company lists offline (run "tandem match --help")
  bench match        measure the company matcher (run "tandem bench match --help")
  bench registrations  measure deal registration over HTTP (run "tandem bench registrations --help")
  bench partners     measure partner lists and segments at scale (run "tandem bench partners --help")
  bench pipeline     measure pipeline lists, board, shared views and stage changes at scale
                     (run "tandem bench pipeline --help")
  version   print the version

Run "tandem <command> --help" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code: 0 for success, 1 for a
// failure at run time, 2 for a usage error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, args, getenv, stdout, stderr)
	case "demo":
		err = loadDemo(ctx, args, getenv, stdout, stderr)
	case "workspace":
		err = workspaceCmd(ctx, args, getenv, stdout, stderr)
	case "import":
		err = importCmd(ctx, args, getenv, stdout, stderr)
	case "token":
		err = tokenCmd(ctx, args, getenv, stdout, stderr)
	case "match":
		return matchcli.Main(ctx, args, stdout, stderr)
	case "bench":
		if len(args) > 0 && args[0] == "match" {
			return matchcli.Bench(ctx, args[1:], stdout, stderr)
		}
		if len(args) > 0 && args[0] == "registrations" {
			return benchRegistrations(ctx, args[1:], stdout, stderr)
		}
		if len(args) > 0 && args[0] == "partners" {
			return benchPartners(ctx, args[1:], stdout, stderr)
		}
		if len(args) > 0 && args[0] == "pipeline" {
			return benchPipeline(ctx, args[1:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "tandem bench: say what to measure: tandem bench match|registrations|partners|pipeline [flags]")
		return 2
	case "version":
		fmt.Fprintln(stdout, "tandem", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "tandem: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, config.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "tandem %s: %v\n", cmd, err)
		return 2
	}
	fmt.Fprintf(stderr, "tandem %s: %v\n", cmd, err)
	return 1
}

type usageError struct{ error }

func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config.Config, error) {
	cfg, err := config.Load(name, args, getenv, stderr)
	if err != nil && !errors.Is(err, config.ErrHelp) {
		return cfg, usageError{err}
	}
	return cfg, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(reqid.LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})})
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	slog.SetDefault(logger)
	start := time.Now()
	a, err := app.Open(ctx, cfg, logger, version)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	engine := "SQLite in " + cfg.DataDir
	if a.DB.Dialect() == store.Postgres {
		engine = "PostgreSQL"
	}
	logger.Info("ready", "addr", ln.Addr().String(), "database", string(a.DB.Dialect()), "startup", time.Since(start).String(), "version", version)
	fmt.Fprintf(stdout, "Tandem %s is ready at %s (database: %s).\n", version, cfg.BaseURL, engine)
	if a.DemoLoaded {
		fmt.Fprintf(stdout, "Loaded the demo workspace %q.\n", demo.Slug)
	}
	if ok, _ := demo.Exists(ctx, a.DB); ok {
		fmt.Fprintf(stdout, "Demo sign-in: open %s, enter %s (admin) or %s (partner admin) and follow the emailed link.\n", cfg.BaseURL, demo.AdminEmail, demo.PartnerEmail)
		if cfg.SMTP.Host == "" {
			fmt.Fprintln(stdout, "No SMTP server is configured, so the sign-in link is printed in the log below (look for \"email not sent\").")
		}
	}
	return a.Run(ctx, ln)
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: cfg.DBMaxConns})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Applied %d migrations; the schema is current.\n", n)
	return nil
}

func loadDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("demo", args, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: cfg.DBMaxConns})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	exists, err := demo.Exists(ctx, db)
	if err != nil {
		return err
	}
	if exists {
		fmt.Fprintf(stdout, "The demo workspace %q is already loaded.\n", demo.Slug)
		return nil
	}
	ws, err := demo.Load(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Loaded the demo workspace %q (%s): %d partners, %d accounts. Start the server with: tandem serve\n", ws.Slug, ws.Name, demo.Partners, demo.Accounts)
	return nil
}
