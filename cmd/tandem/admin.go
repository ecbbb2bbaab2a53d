package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/policy"
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
