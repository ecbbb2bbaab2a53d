package csvimport

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Column declares one column an import understands.
type Column struct {
	// Name is the canonical name: the key of the column in every row handed to the
	// validator and to Commit.
	Name string
	// Required columns must be in the header and must not be empty in any row.
	Required bool
	// Aliases are other header names accepted for this column, e.g. "website" for
	// "domain". Matching of names and aliases ignores case and surrounding space.
	Aliases []string
}

// Schema declares the columns of an import and how a row is checked.
type Schema struct {
	Columns []Column
	// Validate, when set, checks one row whose required cells are all present. The
	// path of each returned field error must be a canonical column name (or "" for a
	// problem with the row as a whole). Rows it faults are rejected.
	Validate func(row map[string]string) tandem.Problems
}

// Mode says what Commit does when some rows were rejected.
type Mode int

const (
	// AllOrNothing, the default, commits nothing when any row was rejected.
	AllOrNothing Mode = iota
	// ValidRowsOnly commits the valid rows and leaves the rejected ones out.
	ValidRowsOnly
)

// RowError says why one row would be rejected.
type RowError struct {
	Line   int    `json:"line"`   // physical line on which the row starts
	Column string `json:"column"` // canonical column name, or "" for the whole row
	Reason string `json:"reason"`
}

func (e RowError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Reason)
}

// Report is what a dry run shows: how many rows were read, how many are valid, every
// reason a row would be rejected, in file order, and warnings that reject nothing.
type Report struct {
	Rows     int        `json:"rows"`
	Valid    int        `json:"valid"`
	Rejected []RowError `json:"rejected"`
	Warnings []string   `json:"warnings"`
}

// RejectedRows is the number of rows that would be rejected (a row may have several
// RowErrors).
func (r Report) RejectedRows() int { return r.Rows - r.Valid }

// Plan is a file that has been read and checked completely but not yet imported.
type Plan struct {
	Report Report
	rows   []planRow
}

type planRow struct {
	line   int
	values map[string]string
}

// Read reads the whole of r as CSV with a header row, checks every row against s and
// returns a Plan. Nothing is imported: show Plan.Report as a dry run, or call Commit.
//
// Read returns a KindInvalid error, naming the line at fault, when the file cannot be
// read as a whole (not UTF-8, a quote never closed, a field or the file over its limit,
// no header, missing required or duplicate columns). Problems confined to a row
// (ragged rows, empty required cells, the schema's own checks) do not stop reading;
// they are listed in the Report. It returns ctx's error if ctx ends first.
func Read(ctx context.Context, r io.Reader, s Schema, opt Options) (*Plan, error) {
	index, err := s.index()
	if err != nil {
		return nil, err
	}
	cr := NewReader(r, opt)
	header, headerLine, err := cr.Read()
	if err == io.EOF {
		return nil, lineError(1, "the file is empty; the first line must name the columns")
	}
	if err != nil {
		return nil, err
	}
	cols, warnings, err := mapHeader(header, headerLine, s, index)
	if err != nil {
		return nil, err
	}

	p := &Plan{Report: Report{Warnings: warnings}}
	every := opt.ProgressEvery
	if every <= 0 {
		every = 1000
	}
	progress := func() {
		if opt.Progress != nil {
			opt.Progress(Progress{Rows: p.Report.Rows, Bytes: cr.BytesRead(), Total: opt.Size})
		}
	}
	blank := 0
	for {
		rec, line, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if allEmpty(rec) {
			blank++
			continue
		}
		p.Report.Rows++
		if p.Report.Rows%every == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			progress()
		}
		values, rejects := checkRow(rec, line, cols, s)
		if len(rejects) > 0 {
			p.Report.Rejected = append(p.Report.Rejected, rejects...)
			continue
		}
		p.Report.Valid++
		p.rows = append(p.rows, planRow{line: line, values: values})
	}
	if blank > 0 {
		p.Report.Warnings = append(p.Report.Warnings, fmt.Sprintf("%d empty rows were skipped", blank))
	}
	if p.Report.Rows == 0 {
		p.Report.Warnings = append(p.Report.Warnings, "the file has a header but no rows")
	}
	progress()
	return p, nil
}

// maxErrorFields caps the field errors carried by Commit's refusal; the Report has all.
const maxErrorFields = 100

// Commit hands every valid row, in file order, to fn with its line and its values by
// canonical column name (absent optional columns are absent from the map). It stops at
// the first error fn returns and returns it, so a caller running fn inside one
// transaction rolls the whole import back.
//
// In AllOrNothing mode, when any row was rejected, Commit calls fn for no row and
// returns a KindInvalid error listing the rejections: the caller must write nothing.
func (p *Plan) Commit(mode Mode, fn func(line int, row map[string]string) error) error {
	if mode == AllOrNothing && len(p.Report.Rejected) > 0 {
		var probs tandem.Problems
		for i, e := range p.Report.Rejected {
			if i == maxErrorFields {
				break
			}
			path := fmt.Sprintf("line %d", e.Line)
			if e.Column != "" {
				path += ", column " + e.Column
			}
			probs.Add(path, "%s", e.Reason)
		}
		return probs.Err(fmt.Sprintf("%d of %d rows would be rejected, so nothing was imported; fix them or import the valid rows only",
			p.Report.RejectedRows(), p.Report.Rows))
	}
	for _, r := range p.rows {
		if err := fn(r.line, r.values); err != nil {
			return err
		}
	}
	return nil
}

// columnRef is where a header cell goes: the index of a schema column, or -1.
type columnRef = int

func (s Schema) index() (map[string]int, error) {
	index := make(map[string]int)
	for i, c := range s.Columns {
		names := append([]string{c.Name}, c.Aliases...)
		for _, n := range names {
			k := normName(n)
			if k == "" {
				return nil, fmt.Errorf("csvimport: schema column %d has an empty name or alias", i)
			}
			if j, dup := index[k]; dup && j != i {
				return nil, fmt.Errorf("csvimport: schema name %q is used by columns %q and %q", n, s.Columns[j].Name, c.Name)
			}
			index[k] = i
		}
	}
	return index, nil
}

func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// mapHeader maps each header cell to a schema column (or -1 when unknown), refusing
// duplicates and missing required columns, all reported at once.
func mapHeader(header []string, line int, s Schema, index map[string]int) ([]columnRef, []string, error) {
	var probs tandem.Problems
	path := fmt.Sprintf("line %d", line)
	cols := make([]columnRef, len(header))
	seen := make(map[int]int) // schema column -> header position
	var unknown []string
	unnamed := 0
	for i, h := range header {
		cols[i] = -1
		k := normName(h)
		if k == "" {
			unnamed++
			continue
		}
		j, ok := index[k]
		if !ok {
			unknown = append(unknown, strings.TrimSpace(h))
			continue
		}
		if prev, dup := seen[j]; dup {
			if normName(header[prev]) == k {
				probs.Add(path, "column %q appears twice (columns %d and %d)", strings.TrimSpace(h), prev+1, i+1)
			} else {
				probs.Add(path, "columns %d (%q) and %d (%q) both mean %q; keep one", prev+1, strings.TrimSpace(header[prev]), i+1, strings.TrimSpace(h), s.Columns[j].Name)
			}
			continue
		}
		seen[j] = i
		cols[i] = j
	}
	for j, c := range s.Columns {
		if _, ok := seen[j]; !ok && c.Required {
			probs.Add(path, "required column %q is missing%s", c.Name, aliasHint(c))
		}
	}
	if err := probs.Err("The CSV header has problems"); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if len(unknown) > 0 {
		warnings = append(warnings, fmt.Sprintf("unknown columns are ignored: %s", strings.Join(unknown, ", ")))
	}
	if unnamed > 0 {
		warnings = append(warnings, fmt.Sprintf("%d columns without a name are ignored", unnamed))
	}
	return cols, warnings, nil
}

func aliasHint(c Column) string {
	if len(c.Aliases) == 0 {
		return ""
	}
	a := append([]string(nil), c.Aliases...)
	sort.Strings(a)
	return " (also accepted as " + strings.Join(a, ", ") + ")"
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// checkRow maps one record to canonical names and checks it, returning either the
// values or the reasons it is rejected.
func checkRow(rec []string, line int, cols []columnRef, s Schema) (map[string]string, []RowError) {
	if len(rec) < len(cols) {
		return nil, []RowError{{Line: line, Reason: fmt.Sprintf("has %d fields but the header has %d", len(rec), len(cols))}}
	}
	if len(rec) > len(cols) && !allEmpty(rec[len(cols):]) {
		return nil, []RowError{{Line: line, Reason: fmt.Sprintf("has %d fields but the header has %d", len(rec), len(cols))}}
	}
	values := make(map[string]string, len(s.Columns))
	for i, j := range cols {
		if j >= 0 {
			values[s.Columns[j].Name] = strings.TrimSpace(rec[i])
		}
	}
	var rejects []RowError
	for _, c := range s.Columns {
		if v, ok := values[c.Name]; c.Required && ok && v == "" {
			rejects = append(rejects, RowError{Line: line, Column: c.Name, Reason: "is required but empty"})
		}
	}
	if len(rejects) > 0 {
		return nil, rejects
	}
	if s.Validate != nil {
		for _, fe := range s.Validate(values) {
			rejects = append(rejects, RowError{Line: line, Column: fe.Path, Reason: fe.Detail})
		}
	}
	if len(rejects) > 0 {
		return nil, rejects
	}
	return values, nil
}
