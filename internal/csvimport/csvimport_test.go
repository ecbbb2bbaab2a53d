package csvimport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// partnerSchema is a small schema like the partner import's.
var partnerSchema = Schema{
	Columns: []Column{
		{Name: "name", Required: true, Aliases: []string{"company", "partner name"}},
		{Name: "domain", Aliases: []string{"website"}},
		{Name: "tier"},
	},
	Validate: func(row map[string]string) tandem.Problems {
		var p tandem.Problems
		if t := row["tier"]; t != "" && t != "Gold" && t != "Silver" {
			p.Add("tier", "must be Gold or Silver, not %q", t)
		}
		if d := row["domain"]; strings.Contains(d, " ") {
			p.Add("domain", "must not contain spaces")
		}
		return p
	},
}

// fault returns the path and detail of the first field error of err.
func fault(t *testing.T, err error) (string, string) {
	t.Helper()
	if tandem.KindOf(err) != tandem.KindInvalid {
		t.Fatalf("kind %q, want invalid: %v", tandem.KindOf(err), err)
	}
	fs := tandem.FieldsOf(err)
	if len(fs) == 0 {
		t.Fatalf("no field errors: %v", err)
	}
	return fs[0].Path, fs[0].Detail
}

func readAll(in string, opt Options) ([][]string, []int, error) {
	r := NewReader(strings.NewReader(in), opt)
	var recs [][]string
	var lines []int
	for {
		rec, line, err := r.Read()
		if err == io.EOF {
			return recs, lines, nil
		}
		if err != nil {
			return recs, lines, err
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
}

func TestReaderParsesFieldsAndTracksPhysicalLines(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		recs  [][]string
		lines []int
	}{
		{"plain", "a,b\n1,2\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"no final newline", "a,b\n1,2", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"crlf", "a,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"utf-8 bom dropped", "\xEF\xBB\xBFa,b\n1,2\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"blank lines skipped, lines still counted", "a\n\n\r\nb\n", [][]string{{"a"}, {"b"}}, []int{1, 4}},
		{"quoted comma and doubled quote", "\"x,y\",\"say \"\"hi\"\"\"\n", [][]string{{"x,y", `say "hi"`}}, []int{1}},
		{"embedded newlines move later lines", "a,b\n\"one\ntwo\nthree\",x\nnext,y\n", [][]string{{"a", "b"}, {"one\ntwo\nthree", "x"}, {"next", "y"}}, []int{1, 2, 5}},
		{"crlf inside quotes becomes lf", "\"a\r\nb\"\r\nc\r\n", [][]string{{"a\nb"}, {"c"}}, []int{1, 3}},
		{"empty quoted field is not blank", "\"\"\n", [][]string{{""}}, []int{1}},
		{"bare quote in unquoted field is literal", "5\" screen,x\n", [][]string{{`5" screen`, "x"}}, []int{1}},
		{"empty fields", ",,\n", [][]string{{"", "", ""}}, []int{1}},
		{"non-ascii text", "café,Zürich\n", [][]string{{"café", "Zürich"}}, []int{1}},
		{"empty input", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, lines, err := readAll(tt.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(recs, tt.recs) || !reflect.DeepEqual(lines, tt.lines) {
				t.Fatalf("got %q on lines %v, want %q on lines %v", recs, lines, tt.recs, tt.lines)
			}
		})
	}
}

func TestReaderRefusesMalformedInputByLine(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opt    Options
		path   string
		detail string
	}{
		{"latin-1 bytes", "name\nok\ncaf\xe9\n", Options{}, "line 3", "not UTF-8 text; save the file as UTF-8"},
		{"latin-1 inside a multi-line field", "name\n\"a\nb\nc\xe9\"\n", Options{}, "line 4", "not UTF-8"},
		{"utf-16 bom", "\xFF\xFEn\x00a\x00", Options{}, "line 1", "UTF-16"},
		{"nul byte", "name\nab\x00c\n", Options{}, "line 2", "NUL byte"},
		{"unterminated quote", "name,x\nok,1\n\"never closed,2\nmore\n", Options{}, "line 3", "never closed"},
		{"text after closing quote", "name\n\"a\"b\n", Options{}, "line 2", "after a closing quote"},
		{"field over limit", "name\n" + strings.Repeat("x", 101) + "\n", Options{MaxFieldBytes: 100}, "line 2", "larger than the 100-byte limit"},
		{"quoted field over limit", "name\nok\n\"" + strings.Repeat("x\n", 60) + "\"\n", Options{MaxFieldBytes: 100}, "line 3", "larger than"},
		{"file over limit", "name\n" + strings.Repeat("abc\n", 300), Options{MaxFileBytes: 1 << 10}, "line", "larger than the 1 KiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(tt.in, tt.opt)
			if err == nil {
				t.Fatal("no error")
			}
			path, detail := fault(t, err)
			if !strings.HasPrefix(path, tt.path) || !strings.Contains(detail, tt.detail) {
				t.Fatalf("got %s: %s; want %s: …%s…", path, detail, tt.path, tt.detail)
			}
		})
	}
}

func TestReaderAcceptsFileOfExactlyTheLimit(t *testing.T) {
	in := "name\nabc\n"
	if _, _, err := readAll(in, Options{MaxFileBytes: int64(len(in))}); err != nil {
		t.Fatal(err)
	}
}

func TestReaderErrorIsSticky(t *testing.T) {
	r := NewReader(strings.NewReader("\"open\nx\n"), Options{})
	_, _, err1 := r.Read()
	_, _, err2 := r.Read()
	if err1 == nil || err2 != err1 {
		t.Fatalf("first %v, then %v", err1, err2)
	}
}

// repeatReader yields n bytes of b without holding them in memory.
type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestTenMegabyteFieldIsRefusedEarlyWithBoundedMemory(t *testing.T) {
	for _, quoted := range []bool{false, true} {
		prefix := "name,domain\nok,a.example\n"
		if quoted {
			prefix += "\""
		}
		rest := &repeatReader{b: 'x', n: 10 << 20}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Read(context.Background(), io.MultiReader(strings.NewReader(prefix), rest), partnerSchema, Options{})
		runtime.ReadMemStats(&after)
		path, detail := fault(t, err)
		if path != "line 3" || !strings.Contains(detail, "1 MiB limit") {
			t.Fatalf("quoted=%v: %s: %s", quoted, path, detail)
		}
		if consumed := 10<<20 - rest.n; consumed > 2<<20 {
			t.Errorf("quoted=%v: read %d bytes of the field before refusing it", quoted, consumed)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("quoted=%v: allocated %d bytes", quoted, alloc)
		}
	}
}

func TestReadHeaderProblems(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		details []string
	}{
		{"empty file", "", []string{"the file is empty"}},
		{"only a bom", "\xEF\xBB\xBF", []string{"the file is empty"}},
		{"missing required", "domain,tier\n", []string{`required column "name" is missing (also accepted as company, partner name)`}},
		{"duplicate header", "name,Name\n", []string{`column "Name" appears twice (columns 1 and 2)`}},
		{"alias duplicates name", "name,domain,Website\n", []string{`columns 2 ("domain") and 3 ("Website") both mean "domain"`}},
		{"all at once", "tier,tier,domain,website\n", []string{"appears twice", "both mean", "is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(context.Background(), strings.NewReader(tt.in), partnerSchema, Options{})
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("got %v", err)
			}
			fs := tandem.FieldsOf(err)
			if len(fs) != len(tt.details) {
				t.Fatalf("got %v", fs)
			}
			for i, d := range tt.details {
				if fs[i].Path != "line 1" || !strings.Contains(fs[i].Detail, d) {
					t.Errorf("field %d: got %s: %s; want line 1: …%s…", i, fs[i].Path, fs[i].Detail, d)
				}
			}
		})
	}
}

func TestReadMapsColumnsAndReportsRows(t *testing.T) {
	in := "\xEF\xBB\xBF  Partner Name , WEBSITE,Notes,\n" +
		"Acme, acme.example ,hi,\n" +
		"Globex,globex.example,\n" + // ragged: too few fields
		",empty.example,x,\n" + // required name empty
		"\"Initech\nLabs\",init ech.example,x,\n" + // validator fault, on line 5
		",,,\n" + // blank row skipped
		"Umbrella,umbrella.example,x,,\n" // an extra empty trailing cell is tolerated
	var progress []Progress
	p, err := Read(context.Background(), strings.NewReader(in), partnerSchema, Options{
		Size: int64(len(in)), ProgressEvery: 2,
		Progress: func(pr Progress) { progress = append(progress, pr) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		Rows: 5, Valid: 2,
		Rejected: []RowError{
			{Line: 3, Reason: "has 3 fields but the header has 4"},
			{Line: 4, Column: "name", Reason: "is required but empty"},
			{Line: 5, Column: "domain", Reason: "must not contain spaces"},
		},
		Warnings: []string{"unknown columns are ignored: Notes", "1 columns without a name are ignored", "1 empty rows were skipped"},
	}
	if !reflect.DeepEqual(p.Report, want) {
		t.Fatalf("report\n got %+v\nwant %+v", p.Report, want)
	}
	last := progress[len(progress)-1]
	if last.Rows != 5 || last.Bytes != int64(len(in)) || last.Total != int64(len(in)) || len(progress) != 3 {
		t.Fatalf("progress %+v", progress)
	}

	if err := p.Commit(AllOrNothing, func(int, map[string]string) error {
		t.Fatal("all-or-nothing handed over a row despite rejections")
		return nil
	}); tandem.KindOf(err) != tandem.KindInvalid || !strings.Contains(err.Error(), "3 of 5 rows would be rejected") {
		t.Fatalf("all-or-nothing: %v", err)
	} else if fs := tandem.FieldsOf(err); len(fs) != 3 || fs[1].Path != "line 4, column name" {
		t.Fatalf("all-or-nothing fields: %v", fs)
	}

	var got []map[string]string
	var lines []int
	if err := p.Commit(ValidRowsOnly, func(line int, row map[string]string) error {
		got = append(got, row)
		lines = append(lines, line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantRows := []map[string]string{
		{"name": "Acme", "domain": "acme.example"},
		{"name": "Umbrella", "domain": "umbrella.example"},
	}
	if !reflect.DeepEqual(got, wantRows) || !reflect.DeepEqual(lines, []int{2, 8}) {
		t.Fatalf("rows %v on lines %v", got, lines)
	}
}

func TestReadHeaderOnly(t *testing.T) {
	p, err := Read(context.Background(), strings.NewReader("name,domain\n"), partnerSchema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Report.Rows != 0 || len(p.Report.Warnings) != 1 || !strings.Contains(p.Report.Warnings[0], "no rows") {
		t.Fatalf("%+v", p.Report)
	}
	if err := p.Commit(AllOrNothing, func(int, map[string]string) error { return errors.New("called") }); err != nil {
		t.Fatal(err)
	}
}

func TestCommitAllOrNothingHandsOverEveryRowAndStopsOnError(t *testing.T) {
	p, err := Read(context.Background(), strings.NewReader("company\nA\nB\nC\n"), partnerSchema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	var names []string
	err = p.Commit(AllOrNothing, func(_ int, row map[string]string) error {
		names = append(names, row["name"])
		if row["name"] == "B" {
			return stop
		}
		return nil
	})
	if err != stop || !reflect.DeepEqual(names, []string{"A", "B"}) {
		t.Fatalf("%v %v", err, names)
	}
}

func TestReadFatalErrorAfterGoodRowsImportsNothing(t *testing.T) {
	// A broken line late in the file refuses the whole file: no Plan, nothing to commit.
	in := "name\nA\nB\n\"C\n"
	p, err := Read(context.Background(), strings.NewReader(in), partnerSchema, Options{})
	if p != nil {
		t.Fatal("got a plan for a broken file")
	}
	if path, _ := fault(t, err); path != "line 4" {
		t.Fatalf("path %s", path)
	}
}

func TestReadStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := "name\n" + strings.Repeat("a\n", 10)
	if _, err := Read(ctx, strings.NewReader(in), partnerSchema, Options{ProgressEvery: 5}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestSchemaWithClashingAliasIsAProgrammerError(t *testing.T) {
	s := Schema{Columns: []Column{{Name: "domain"}, {Name: "site", Aliases: []string{"Domain"}}}}
	_, err := Read(context.Background(), strings.NewReader("domain\n"), s, Options{})
	if tandem.KindOf(err) != tandem.KindInternal {
		t.Fatalf("got %v", err)
	}
}

func TestNeutralize(t *testing.T) {
	tests := map[string]string{
		"":                   "",
		"Acme":               "Acme",
		"=1+1":               "'=1+1",
		"=HYPERLINK(\"x\")":  "'=HYPERLINK(\"x\")",
		"+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
		"-2+3":               "'-2+3",
		"@SUM(A1)":           "'@SUM(A1)",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"-12.5":              "-12.5",
		"+44":                "+44",
		"-":                  "'-",
		"+1e9":               "'+1e9",
		"a=b":                "a=b",
	}
	for in, want := range tests {
		if got := Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterRoundTripsThroughTheReader(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, []string{"name", "=notes"}, WriterOptions{BOM: true, CRLF: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]string{{"Acme, Inc.", "=HYPERLINK(\"http://x\")"}, {"Multi\nline", "@x"}} {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBFname,'=notes\r\n")) {
		t.Fatalf("output %q", buf.String())
	}
	recs, lines, err := readAll(buf.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"name", "'=notes"}, {"Acme, Inc.", "'=HYPERLINK(\"http://x\")"}, {"Multi\nline", "'@x"}}
	if !reflect.DeepEqual(recs, want) || !reflect.DeepEqual(lines, []int{1, 2, 3}) {
		t.Fatalf("got %q on %v", recs, lines)
	}
}
