package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// splitFlags takes the command's own flags (names without dashes) out of args and
// returns their values and the remaining arguments, which are server settings such as
// --data-dir and --database-url.
func splitFlags(args []string, own ...string) (map[string]string, []string, error) {
	vals := map[string]string{}
	var rest []string
	isOwn := func(n string) bool {
		for _, o := range own {
			if o == n {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !isOwn(name) {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, usageError{fmt.Errorf("flag --%s needs a value", name)}
			}
			i++
			value = args[i]
		}
		vals[name] = value
	}
	return vals, rest, nil
}

// openAdmin opens the product's parts for a one-off command (no server, no job
// workers: jobs it enqueues run in the server).
func openAdmin(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (*app.App, error) {
	cfg, err := loadConfig(name, args, getenv, stderr)
	if err != nil {
		return nil, err
	}
	cfg.Demo = false
	return app.Open(ctx, cfg, slog.New(slog.DiscardHandler), version)
}

const workspaceUsage = `Usage: tandem workspace create --slug SLUG --name NAME --admin-email EMAIL [--admin-name NAME] [--time-zone ZONE] [--currency CODE] [server flags]

Creates a workspace and invites its first admin (the invitation is emailed, and the
sign-in link is printed here too).
`

func workspaceCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, workspaceUsage)
		return usageError{errors.New(`expected "workspace create"`)}
	}
	vals, rest, err := splitFlags(args[1:], "slug", "name", "admin-email", "admin-name", "time-zone", "currency")
	if err != nil {
		return err
	}
	a, err := openAdmin(ctx, "workspace create", rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	ws, admin, link, err := a.Identity.SetUpWorkspace(ctx, workspace.Workspace{Slug: vals["slug"], Name: vals["name"],
		TimeZone: vals["time-zone"], Currency: vals["currency"]}, vals["admin-email"], vals["admin-name"])
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Created workspace %q (%s). Invited %s as admin; their sign-in link (valid 7 days, usable once):\n%s\n", ws.Slug, ws.Name, admin.Email, link)
	return nil
}

const tokenUsage = `Usage: tandem token create --workspace SLUG --name NAME [--role ROLE | --scopes AREA:ACCESS,…] [server flags]

Creates an API token and prints only the token on standard output.
`

func tokenCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, tokenUsage)
		return usageError{errors.New(`expected "token create"`)}
	}
	vals, rest, err := splitFlags(args[1:], "workspace", "name", "role", "scopes")
	if err != nil {
		return err
	}
	if vals["workspace"] == "" {
		return usageError{errors.New("--workspace is required")}
	}
	a, err := openAdmin(ctx, "token create", rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	ws, err := a.DB.WorkspaceBySlug(ctx, vals["workspace"])
	if err != nil {
		return describe(err)
	}
	role := tandem.Role(vals["role"])
	if role == "" {
		role = tandem.RoleAdmin
	}
	token, _, err := a.Identity.CreateToken(ctx, policy.System(ws.ID), "command line", identity.NewToken{Name: vals["name"], Role: role, Scopes: vals["scopes"]})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// describe turns a domain error into one line naming every invalid field.
func describe(err error) error {
	fs := tandem.FieldsOf(err)
	if len(fs) == 0 {
		return errors.New(tandem.MessageOf(err))
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = "--" + strings.ReplaceAll(f.Path, "_", "-") + " " + f.Detail
	}
	return errors.New(tandem.MessageOf(err) + " " + strings.Join(parts, "; "))
}

const importUsage = `Usage: tandem import partners|registrations|accounts|contacts --workspace SLUG --file FILE.csv [--dry-run] [--valid-rows-only] [server flags]

partners: reads partners from CSV (columns name, domain, motions, tier, region,
lifecycle; an export's id and created_at columns are ignored).

registrations: registers deals from CSV (columns partner_id and customer_name required;
customer_domain, customer_country, contact_name, contact_email, opportunity_name,
deal_size, currency, expected_close_on, motion, products, description, proof,
submitter_name, submitter_email), each through the uniqueness test and the conflict
policy; confirmations and reviewer notices are sent by the running server.

accounts: reads accounts from CSV (name required; id, domain, country, industry,
owner_user_id, incumbent_partner_id), as GET /api/v1/accounts/export writes them.

contacts: reads contacts from CSV (name required; id, account_id or account_domain, or
partner_id; email, title), as GET /api/v1/contacts/export writes them.

Every row that would be rejected is listed with its line, column and reason. Without
--valid-rows-only one rejected row means nothing is imported.
`

func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"partners", "registrations", "accounts", "contacts"}, args[0]) {
		fmt.Fprint(stderr, importUsage)
		return usageError{errors.New(`expected "import partners", "import registrations", "import accounts" or "import contacts"`)}
	}
	what := args[0]
	vals, rest, err := splitFlags(args[1:], "workspace", "file")
	if err != nil {
		return err
	}
	dryRun, validOnly := false, false
	var server []string
	for _, a := range rest {
		switch strings.TrimLeft(a, "-") {
		case "dry-run":
			dryRun = true
		case "valid-rows-only":
			validOnly = true
		default:
			server = append(server, a)
		}
	}
	if vals["workspace"] == "" || vals["file"] == "" {
		return usageError{errors.New("--workspace and --file are required")}
	}
	f, err := os.Open(vals["file"])
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", vals["file"], unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	a, err := openAdmin(ctx, "import "+what, server, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	ws, err := a.DB.WorkspaceBySlug(ctx, vals["workspace"])
	if err != nil {
		return describe(err)
	}
	mode := csvimport.AllOrNothing
	if validOnly {
		mode = csvimport.ValidRowsOnly
	}
	opt := csvimport.Options{Size: st.Size(), ProgressEvery: 10000, Progress: func(p csvimport.Progress) {
		fmt.Fprintf(stderr, "\rread %d rows (%d%%)", p.Rows, 100*p.Bytes/max(1, p.Total))
	}}
	var report csvimport.Report
	var created int
	switch what {
	case "partners":
		svc := &partner.Service{Store: store.Partners{DB: a.DB}, Now: time.Now}
		report, created, err = svc.Import(ctx, policy.System(ws.ID), "command line", f, mode, dryRun, opt)
	case "accounts", "contacts":
		svc := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
		run := svc.ImportAccounts
		if what == "contacts" {
			run = svc.ImportContacts
		}
		first := true
		report, created, err = run(ctx, policy.System(ws.ID), "command line", f, mode, dryRun, pipeline.ImportOptions{Options: opt, Saved: func(done, total int) {
			if first {
				fmt.Fprintln(stderr)
				first = false
			}
			fmt.Fprintf(stderr, "\rsaved %d of %d %s", done, total, what)
		}})
	default:
		var res registration.ImportResult
		res, err = a.Registrations.Import(ctx, policy.System(ws.ID), "command line", f, mode, dryRun, opt)
		report, created = res.Report, len(res.Registered)
	}
	fmt.Fprintln(stderr)
	for _, w := range report.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", vals["file"], w)
	}
	for _, r := range report.Rejected {
		fmt.Fprintf(stderr, "%s:%d: %s: %s\n", vals["file"], r.Line, r.Column, r.Reason)
	}
	if err != nil {
		if fs := tandem.FieldsOf(err); len(fs) > 0 && tandem.KindOf(err) == tandem.KindInvalid && len(report.Rejected) == 0 {
			for _, fe := range fs {
				fmt.Fprintf(stderr, "%s: %s: %s\n", vals["file"], fe.Path, fe.Detail)
			}
		}
		return errors.New(tandem.MessageOf(err))
	}
	switch {
	case dryRun:
		fmt.Fprintf(stdout, "Dry run: %d rows, %d would be imported, %d would be rejected. Nothing was written.\n", report.Rows, report.Valid, report.RejectedRows())
	default:
		fmt.Fprintf(stdout, "Imported %d %s (%d rows, %d rejected).\n", created, what, report.Rows, report.RejectedRows())
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
