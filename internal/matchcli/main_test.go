package matchcli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func parseOut(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "left_id,right_id,score,decision,reasons" {
		t.Fatalf("bad header: %v", rows)
	}
	return rows[1:]
}

func TestLink(t *testing.T) {
	dir := t.TempDir()
	left := writeFile(t, dir, "a.csv", "id,name,domain,extra\n"+
		"a1,ACME Incorporated (acme.co.uk),,x\n"+
		"a2,Siemens Aktiengesellschaft,siemens.com,y\n"+
		"a3,First National Bank of Omaha,,z\n"+
		"a4,Globex Corporation,,w\n")
	right := writeFile(t, dir, "b.csv", "Name,ID,Email\n"+
		"\"Acme, Inc.\",b1,\n"+
		"Siemens AG,b2,someone@siemens.com\n"+
		"First National Bank of Chicago,b3,\n"+
		"Initech LLC,b4,\n")
	code, out, errs := runMain(t, "--left", left, "--right", right, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows := parseOut(t, out)
	got := map[string]string{}
	for _, r := range rows {
		got[r[0]+"-"+r[1]] = r[3]
		if r[4] == "" {
			t.Errorf("pair %v has no reasons", r)
		}
	}
	if got["a1-b1"] != "match" || got["a2-b2"] != "match" || len(got) != 2 {
		t.Fatalf("pairs %v, want a1-b1 and a2-b2 as matches only\n%s", got, out)
	}
}

func TestLinkOutFileAndThresholds(t *testing.T) {
	dir := t.TempDir()
	left := writeFile(t, dir, "a.csv", "id,name\n1,Deutsche Bank AG\n")
	right := writeFile(t, dir, "b.csv", "id,name\n2,Deutsche Bank GmbH\n")
	outPath := filepath.Join(dir, "pairs.csv")
	code, _, errs := runMain(t, "--left", left, "--right", right, "--out", outPath, "--threshold-match", "0.8", "--threshold-possible", "0.5", "--quiet")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := parseOut(t, string(data))
	if len(rows) != 1 || rows[0][3] != "match" {
		t.Fatalf("with a 0.8 match threshold AG/GmbH should be a match: %v", rows)
	}
}

func TestDedupe(t *testing.T) {
	dir := t.TempDir()
	left := writeFile(t, dir, "a.csv", "id,name\n"+
		"1,Acme Holdings Ltd\n"+
		"2,Beta Foods GmbH\n"+
		"3,ACME HOLDINGS LIMITED\n"+
		"4,Acme Holding Limited\n"+
		"5,...\n"+
		"6,!!!\n")
	code, out, errs := runMain(t, "--left", left)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows := parseOut(t, out)
	seen := map[string]bool{}
	for _, r := range rows {
		key := r[0] + "-" + r[1]
		if seen[key] || seen[r[1]+"-"+r[0]] {
			t.Errorf("pair %s reported twice", key)
		}
		seen[key] = true
	}
	for _, want := range []string{"1-3", "1-4", "3-4"} {
		if !seen[want] {
			t.Errorf("missing pair %s in %v", want, rows)
		}
	}
	if len(rows) != 3 {
		t.Errorf("want 3 pairs, got %v", rows)
	}
	if !strings.Contains(errs, "a.csv:6: empty name") || !strings.Contains(errs, "a.csv:7: empty name") {
		t.Errorf("empty names not reported with their lines: %s", errs)
	}
	if !strings.Contains(errs, "3 duplicate pairs") {
		t.Errorf("no summary: %s", errs)
	}
}

func TestMalformedInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, content, want string }{
		{"empty.csv", "", "empty.csv: empty file"},
		{"nohdr.csv", "name,domain\nAcme,acme.com\n", "nohdr.csv:1: header lacks required column id"},
		{"dupcol.csv", "id,name,ID\n1,a,2\n", `dupcol.csv:1: column "id" appears twice`},
		{"fields.csv", "id,name\n1,Acme\n2,Beta,extra\n", "fields.csv:3: has 3 fields, the header has 2"},
		{"quote.csv", "id,name\n1,Acme\n2,\"Beta\n", "quote.csv:3: malformed CSV"},
		{"badquote.csv", "id,name\n1,Ac\"me\n", "badquote.csv:2: malformed CSV"},
		{"noid.csv", "id,name\n1,Acme\n ,Beta\n", "noid.csv:3: empty id"},
		{"dupid.csv", "id,name\n1,Acme\n2,Beta\n1,Gamma\n", `dupid.csv:4: duplicate id "1" (first on line 2)`},
		{"utf8.csv", "id,name\n1,Caf\xe9\n", "utf8.csv:2: field 2 is not valid UTF-8"},
	}
	for _, c := range cases {
		p := writeFile(t, dir, c.name, c.content)
		code, _, errs := runMain(t, "--left", p, "--quiet")
		if code != ExitError {
			t.Errorf("%s: exit %d, want %d", c.name, code, ExitError)
		}
		if !strings.Contains(errs, c.want) {
			t.Errorf("%s: stderr %q lacks %q", c.name, errs, c.want)
		}
	}
	// The right file is checked the same way.
	good := writeFile(t, dir, "good.csv", "id,name\n1,Acme\n")
	bad := writeFile(t, dir, "bad.csv", "id,name\n1,Acme\n2\n")
	outPath := filepath.Join(dir, "pairs.csv")
	code, _, errs := runMain(t, "--left", good, "--right", bad, "--quiet", "--out", outPath)
	if code != ExitError || !strings.Contains(errs, "bad.csv:3: has 1 fields") {
		t.Errorf("right file: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(outPath); !os.IsNotExist(err) {
		t.Errorf("a failed run left its output file behind (%v)", err)
	}
	code, _, errs = runMain(t, "--left", filepath.Join(dir, "missing.csv"))
	if code != ExitError || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--right", "x.csv"},
		{"--left", "a.csv", "--threshold-match", "0.5", "--threshold-possible", "0.7"},
		{"--left", "a.csv", "--threshold-match", "2"},
		{"--left", "a.csv", "extra"},
		{"--bogus"},
	} {
		code, _, errs := runMain(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, errs)
		}
		if !strings.Contains(errs, "usage: tandem match") {
			t.Errorf("%v: no usage text", args)
		}
	}
	if code, _, _ := runMain(t, "--help"); code != ExitOK {
		t.Errorf("--help: exit %d", code)
	}
}

func TestCancelled(t *testing.T) {
	dir := t.TempDir()
	left := writeFile(t, dir, "a.csv", "id,name\n1,Acme\n2,Beta\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := Main(ctx, []string{"--left", left, "--quiet"}, &out, &errb); code != ExitError {
		t.Fatalf("cancelled run: exit %d", code)
	}
	if !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("cancelled run: stderr %q", errb.String())
	}
}
