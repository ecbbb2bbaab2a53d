package csvimport

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzReader reads arbitrary bytes. Every error must be KindInvalid and name a line that
// exists; accepted records must be UTF-8, start on increasing lines and survive a round
// trip through a CSV writer; and a full Read must account for every row.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"name,domain\nAcme,acme.example\n",
		"\xEF\xBB\xBFname,website\r\n\"Acme, Inc.\",acme.example\r\n",
		"name\n\"multi\nline\"\nnext\n",
		"name\n\"never closed\n",
		"name\n\"a\"b\n",
		"name,tier\nx\ny,Gold,extra\n",
		"name\ncaf\xe9\n",
		"\xFF\xFEn\x00",
		"name,Name\n",
		"",
		"\n\n,,\n",
		"name\n5\" screen\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte{'\n'}) + 1
		opt := Options{MaxFieldBytes: 64}
		checkErr := func(err error) {
			t.Helper()
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("kind %q: %v", tandem.KindOf(err), err)
			}
			for _, fe := range tandem.FieldsOf(err) {
				var n int
				if _, serr := fmt.Sscanf(fe.Path, "line %d", &n); serr != nil || n < 1 || n > lines {
					t.Fatalf("path %q outside 1..%d: %v", fe.Path, lines, err)
				}
			}
		}

		r := NewReader(bytes.NewReader(data), opt)
		var recs [][]string
		prev := 0
		for {
			rec, line, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				checkErr(err)
				recs = nil
				break
			}
			if line <= prev || line > lines {
				t.Fatalf("record on line %d after line %d (of %d)", line, prev, lines)
			}
			prev = line
			for _, f := range rec {
				if !utf8.ValidString(f) || len(f) > opt.MaxFieldBytes {
					t.Fatalf("bad field %q", f)
				}
			}
			recs = append(recs, rec)
		}
		if r.BytesRead() > int64(len(data)) {
			t.Fatalf("read %d of %d bytes", r.BytesRead(), len(data))
		}

		if len(recs) > 0 {
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			for _, rec := range recs {
				if len(rec) == 1 && rec[0] == "" {
					// encoding/csv writes this as a blank line, which readers skip.
					_, _ = buf.WriteString("\"\"\n")
					continue
				}
				w.Write(rec)
				w.Flush()
			}
			again, _, err := readAll(buf.String(), opt)
			if err != nil {
				t.Fatalf("re-reading %q: %v", buf.String(), err)
			}
			// Fields that end in \r or hold \r\n are normalised on reading (and again on
			// re-reading), so compare with that normalisation taken to its end.
			if !reflect.DeepEqual(normalise(again), normalise(recs)) {
				t.Fatalf("round trip\n got %q\nwant %q", again, recs)
			}
		}

		p, err := Read(context.Background(), bytes.NewReader(data), partnerSchema, opt)
		if err != nil {
			checkErr(err)
			return
		}
		rows := map[int]bool{}
		for _, e := range p.Report.Rejected {
			rows[e.Line] = true
		}
		if p.Report.Valid+len(rows) != p.Report.Rows {
			t.Fatalf("valid %d + rejected %d != rows %d", p.Report.Valid, len(rows), p.Report.Rows)
		}
		n := 0
		_ = p.Commit(ValidRowsOnly, func(int, map[string]string) error { n++; return nil })
		if n != p.Report.Valid {
			t.Fatalf("committed %d of %d valid rows", n, p.Report.Valid)
		}
	})
}

func normalise(recs [][]string) [][]string {
	out := make([][]string, len(recs))
	for i, rec := range recs {
		out[i] = make([]string, len(rec))
		for j, f := range rec {
			for strings.Contains(f, "\r\n") {
				f = strings.ReplaceAll(f, "\r\n", "\n")
			}
			out[i][j] = strings.TrimRight(f, "\r")
		}
	}
	return out
}
