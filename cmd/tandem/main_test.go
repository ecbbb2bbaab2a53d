package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runTandem(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadStartupInputIsOneLineAndNonZero(t *testing.T) {
	ro := t.TempDir()
	if err := os.Chmod(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o700) })
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"unknown flag", nil, []string{"serve", "--colour", "blue"}, 2, "flag provided but not defined: -colour"},
		{"bad environment value", map[string]string{"TANDEM_ADDR": "nonsense"}, []string{"serve"}, 2, "TANDEM_ADDR"},
		{"unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unreachable postgres", nil, []string{"migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, 1, "cannot connect to PostgreSQL"},
		{"unwritable data dir", nil, []string{"migrate", "--data-dir", filepath.Join(ro, "sub")}, 1, "cannot create data directory"},
	}
	if os.Geteuid() == 0 {
		cases = cases[:len(cases)-1] // root writes anywhere; the permission case cannot be staged
	}
	for _, tc := range cases {
		code, _, stderr := runTandem(t, tc.env, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.name, code, stderr, tc.code, tc.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 && tc.name != "unknown command" {
			t.Errorf("%s: error is more than one line: %q", tc.name, stderr)
		}
		if strings.Contains(stderr, "goroutine ") {
			t.Errorf("%s: printed a stack trace", tc.name)
		}
	}
}

func TestDataDirThatIsAFileIsRefused(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runTandem(t, nil, "migrate", "--data-dir", f)
	if code != 1 || !strings.Contains(stderr, "cannot create data directory") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
}

func TestDemoAndMigrateAndVersion(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runTandem(t, nil, "demo", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, `Loaded the demo workspace "demo"`) {
		t.Fatalf("demo: %d %q %q", code, out, stderr)
	}
	code, out, _ = runTandem(t, nil, "demo", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "already loaded") {
		t.Fatalf("second demo: %d %q", code, out)
	}
	code, out, _ = runTandem(t, nil, "migrate", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Applied 0 migrations") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	code, out, _ = runTandem(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "tandem ") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, _, stderr = runTandem(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(stderr, "--database-url (TANDEM_DATABASE_URL") {
		t.Fatalf("serve --help: %d %q", code, stderr)
	}
}

func TestImportPartnersDryRunThenAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runTandem(t, nil, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	_ = os.WriteFile(bad, []byte("\ufeffName,Website,Motions,Tier\nAcme Partners,acme.example,resale,Gold\n,nameless.example,tech,\nBeta BV,beta.example,barter,\n"), 0o600)
	_ = os.WriteFile(good, []byte("name,domain,motions,tier,region,id\nAcme Partners,acme.example,resale tech,Gold,EMEA,prt_x\nBeta BV,beta.example,services,,,prt_y\n"), 0o600)

	code, out, stderr := runTandem(t, nil, "import", "partners", "--workspace", "demo", "--file", bad, "--dry-run", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "3 rows, 1 would be imported, 2 would be rejected") {
		t.Fatalf("dry run: %d %q %q", code, out, stderr)
	}
	for _, want := range []string{"bad.csv:3: name:", "bad.csv:4: motions:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("dry run report lacks %q: %s", want, stderr)
		}
	}
	code, _, stderr = runTandem(t, nil, "import", "partners", "--workspace", "demo", "--file", bad, "--data-dir", dir)
	if code != 1 || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("all-or-nothing import of a bad file: %d %q", code, stderr)
	}
	code, out, stderr = runTandem(t, nil, "import", "partners", "--workspace", "demo", "--file", good, "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Imported 2 partners") || !strings.Contains(stderr, "id") {
		t.Fatalf("good import: %d %q %q", code, out, stderr)
	}
	code, out, _ = runTandem(t, nil, "import", "partners", "--workspace", "demo", "--file", bad, "--valid-rows-only", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Imported 1 partners") {
		t.Fatalf("valid rows only: %d %q", code, out)
	}
}

func TestImportRegistrationsAndAccounts(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runTandem(t, nil, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	regs := filepath.Join(dir, "regs.csv")
	_ = os.WriteFile(regs, []byte("partner_id,customer_name,website,motion\nprt_demo000000,Kilbride Dairy,kilbride.example,referral\nprt_demo000000,,empty.example,referral\n"), 0o600)
	code, out, stderr := runTandem(t, nil, "import", "registrations", "--workspace", "demo", "--file", regs, "--dry-run", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "2 rows, 1 would be imported, 1 would be rejected") || !strings.Contains(stderr, "regs.csv:3: customer_name") {
		t.Fatalf("registrations dry run: %d %q %q", code, out, stderr)
	}
	code, out, stderr = runTandem(t, nil, "import", "registrations", "--workspace", "demo", "--file", regs, "--valid-rows-only", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Imported 1 registrations") {
		t.Fatalf("registrations import: %d %q %q", code, out, stderr)
	}
	accs := filepath.Join(dir, "accounts.csv")
	_ = os.WriteFile(accs, []byte("name,domain,country\nLoughrea Glass,loughrea.example,IE\nMinch Ferries,loughrea.example,GB\n"), 0o600)
	code, out, stderr = runTandem(t, nil, "import", "accounts", "--workspace", "demo", "--file", accs, "--data-dir", dir)
	if code == 0 || !strings.Contains(stderr, "accounts.csv:3") {
		t.Fatalf("accounts with a domain used twice: %d %q %q", code, out, stderr)
	}
	code, out, stderr = runTandem(t, nil, "import", "accounts", "--workspace", "demo", "--file", accs, "--valid-rows-only", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Imported 1 accounts") {
		t.Fatalf("accounts, valid rows only: %d %q %q", code, out, stderr)
	}
}
