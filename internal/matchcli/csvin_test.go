package matchcli

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReaderColumns(t *testing.T) {
	rows, err := readAll("x.csv", []byte("\ufeff ID , Name,COUNTRY,Domain,email,notes\n7, Acme Ltd ,GB,acme.co.uk,jo@acme.co.uk,ignored\n8,\"Beta, Inc.\",,,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("want 2 rows, got %d", len(rows))
	}
	r := rows[0]
	if r.rec.ID != "7" || r.rec.Name != "Acme Ltd" || r.rec.Country != "GB" || r.rec.Domain != "acme.co.uk" || r.rec.Email != "jo@acme.co.uk" || r.line != 2 {
		t.Errorf("row 1: %+v", r)
	}
	if rows[1].rec.Name != "Beta, Inc." || rows[1].line != 3 {
		t.Errorf("row 2: %+v", rows[1])
	}
}

func TestReaderMultilineLineNumbers(t *testing.T) {
	_, err := readAll("m.csv", []byte("id,name\n1,\"Acme\nHoldings\"\n2,Beta\n3\n"))
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 5 {
		t.Fatalf("want an error on line 5, got %v", err)
	}
}

// FuzzReader feeds arbitrary bytes to the CSV reader: it must never panic, must finish
// quickly, and every error must name the file (and a line when it is about a line).
func FuzzReader(f *testing.F) {
	f.Add([]byte("id,name\n1,Acme\n"))
	f.Add([]byte("id,name,domain\n1,\"Acme, Inc.\",acme.com\n2,\"Be\"\"ta\",\n"))
	f.Add([]byte("\ufeffID,NAME\r\n1,Acme\r\n"))
	f.Add([]byte("id,name\n1,\"unterminated\n"))
	f.Add([]byte("name\nAcme\n"))
	f.Add([]byte("id,name\n1,Caf\xe9\n"))
	f.Add([]byte("id,name\n1,a,b\n"))
	f.Add([]byte(""))
	f.Add([]byte("id,name\n1," + strings.Repeat(".", 10000) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		rows, err := readAll("f.csv", data)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("reading %d bytes took %v", len(data), d)
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "f.csv" || !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error without file: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.rec.ID == "" || r.line < 2 {
				t.Fatalf("row without id or line: %+v", r)
			}
		}
	})
}
