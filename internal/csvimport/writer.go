package csvimport

import (
	"encoding/csv"
	"io"
)

// Writer writes an export: a header row, then one row per call to Write, with every
// cell made safe to open in a spreadsheet (see Neutralize).
type Writer struct {
	w *csv.Writer
}

// WriterOptions tune a Writer. The zero value writes plain UTF-8 with LF line ends.
type WriterOptions struct {
	// BOM writes a UTF-8 byte order mark first, which some spreadsheet programs need
	// to recognise the file as UTF-8.
	BOM bool
	// CRLF ends lines with CR LF instead of LF.
	CRLF bool
}

// NewWriter writes the optional byte order mark and the header row to w.
func NewWriter(w io.Writer, header []string, opt WriterOptions) (*Writer, error) {
	if opt.BOM {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = opt.CRLF
	out := &Writer{w: cw}
	if err := out.Write(header); err != nil {
		return nil, err
	}
	return out, nil
}

// Write writes one row, neutralising each cell.
func (w *Writer) Write(row []string) error {
	safe := make([]string, len(row))
	for i, c := range row {
		safe[i] = Neutralize(c)
	}
	return w.w.Write(safe)
}

// Flush writes any buffered data and returns the first error met while writing.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Neutralize defends against spreadsheet formula injection: a cell that starts with
// =, +, -, @, a tab or a carriage return would be run as a formula by a spreadsheet
// program, so it gets a leading apostrophe, which spreadsheets show as plain text.
// Plain numbers such as "-12.5" or "+44" cannot be formulas and are left alone so that
// they stay numbers.
func Neutralize(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '@', '\t', '\r':
		return "'" + cell
	case '+', '-':
		if isPlainNumber(cell[1:]) {
			return cell
		}
		return "'" + cell
	}
	return cell
}

// isPlainNumber reports whether s is digits with at most one decimal point.
func isPlainNumber(s string) bool {
	dot := false
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
