package matchcli

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/match"
)

// maxField bounds one CSV field; longer fields are reported as malformed input.
const maxField = 64 << 10

// InputError is a problem with an input file, located by file name and line.
type InputError struct {
	File    string
	Line    int // 1-based line of the file; 0 when the problem is the file as a whole
	Problem string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Problem)
}

// row is one input record with the line it started on.
type row struct {
	rec  match.Record
	line int
}

// reader reads company records from CSV with a header. Columns id and name are required;
// domain, country and email are optional; other columns are ignored. Header names are
// matched without regard to case, surrounding space or a byte-order mark.
type reader struct {
	file string
	cr   *csv.Reader
	col  struct{ id, name, domain, country, email int }
	n    int // fields in the header
	ids  map[string]int
}

// newReader reads and checks the header of r. file names the input in errors.
func newReader(file string, r io.Reader) (*reader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd := &reader{file: file, cr: cr, ids: map[string]int{}}
	rd.col.id, rd.col.name, rd.col.domain, rd.col.country, rd.col.email = -1, -1, -1, -1, -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &InputError{File: file, Problem: "empty file: want a header with columns id and name"}
	}
	if err != nil {
		return nil, rd.csvError(err)
	}
	rd.n = len(header)
	seen := map[string]bool{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" && seen[h] {
			return nil, &InputError{File: file, Line: 1, Problem: fmt.Sprintf("column %q appears twice in the header", h)}
		}
		seen[h] = true
		switch h {
		case "id":
			rd.col.id = i
		case "name":
			rd.col.name = i
		case "domain":
			rd.col.domain = i
		case "country":
			rd.col.country = i
		case "email":
			rd.col.email = i
		}
	}
	var missing []string
	if rd.col.id < 0 {
		missing = append(missing, "id")
	}
	if rd.col.name < 0 {
		missing = append(missing, "name")
	}
	if len(missing) > 0 {
		return nil, &InputError{File: file, Line: 1, Problem: "header lacks required column " + strings.Join(missing, " and ")}
	}
	return rd, nil
}

// next returns the next record, io.EOF at the end, or an *InputError.
func (rd *reader) next() (r row, err error) {
	fields, err := rd.cr.Read()
	if err == io.EOF {
		return row{}, io.EOF
	}
	if err != nil {
		return row{}, rd.csvError(err)
	}
	line, _ := rd.cr.FieldPos(0)
	if len(fields) != rd.n {
		return row{}, &InputError{File: rd.file, Line: line, Problem: fmt.Sprintf("has %d fields, the header has %d", len(fields), rd.n)}
	}
	for i, f := range fields {
		if len(f) > maxField {
			return row{}, &InputError{File: rd.file, Line: line, Problem: fmt.Sprintf("field %d is longer than %d bytes", i+1, maxField)}
		}
		if !utf8.ValidString(f) {
			return row{}, &InputError{File: rd.file, Line: line, Problem: fmt.Sprintf("field %d is not valid UTF-8 (save the file as UTF-8)", i+1)}
		}
	}
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(fields[i])
	}
	id := get(rd.col.id)
	if id == "" {
		return row{}, &InputError{File: rd.file, Line: line, Problem: "empty id"}
	}
	if first, dup := rd.ids[id]; dup {
		return row{}, &InputError{File: rd.file, Line: line, Problem: fmt.Sprintf("duplicate id %q (first on line %d)", id, first)}
	}
	id = strings.Clone(id)
	rd.ids[id] = line
	r = row{line: line, rec: match.Record{
		ID:      id,
		Name:    strings.Clone(get(rd.col.name)),
		Domain:  strings.Clone(get(rd.col.domain)),
		Country: strings.Clone(get(rd.col.country)),
		Email:   strings.Clone(get(rd.col.email)),
	}}
	return r, nil
}

func (rd *reader) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &InputError{File: rd.file, Line: pe.Line, Problem: "malformed CSV: " + pe.Err.Error()}
	}
	return &InputError{File: rd.file, Problem: err.Error()}
}

// readAll reads every record of a CSV input (used by tests and small inputs).
func readAll(file string, data []byte) ([]row, error) {
	rd, err := newReader(file, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var rows []row
	for {
		r, err := rd.next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
}
