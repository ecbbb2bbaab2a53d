// Package csvimport reads and validates CSV files for imports and writes CSV files for
// exports. It is pure: it never touches the database. Callers read a whole file into a
// Plan, show its Report as a dry run, and only then commit the valid rows in one
// transaction, so bad input never half-imports.
//
// The reader is deliberately strict about the things that make a file ambiguous
// (text that is not UTF-8, a quote that is never closed, text after a closing quote)
// and reports each of them with the physical line number a person can find in an
// editor. It is lenient where the meaning is clear: a UTF-8 byte order mark is
// dropped, CRLF and LF line endings are both accepted, blank lines are skipped and a
// quote inside an unquoted field is kept as a literal character.
package csvimport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Default limits. A single field larger than DefaultMaxFieldBytes or a file larger than
// DefaultMaxFileBytes is refused as soon as the limit is crossed, without reading the rest.
const (
	DefaultMaxFieldBytes = 1 << 20  // 1 MiB
	DefaultMaxFileBytes  = 64 << 20 // 64 MiB
)

// Options tune a Reader. The zero value is ready to use.
type Options struct {
	// MaxFieldBytes limits one field; 0 means DefaultMaxFieldBytes.
	MaxFieldBytes int
	// MaxFileBytes limits the whole input; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Comma separates fields; 0 means ','. It must be an ASCII character other than a
	// quote, CR or LF.
	Comma byte
	// Size is the total size of the input when known (e.g. from an upload's
	// Content-Length); it is only passed through to Progress.
	Size int64
	// Progress, when set, is called every ProgressEvery data rows and once at the end.
	Progress func(Progress)
	// ProgressEvery is how many rows pass between Progress calls; 0 means 1000.
	ProgressEvery int
}

// Progress tells a UI or a command line how far reading has come.
type Progress struct {
	Rows  int   // data rows read so far (not counting the header)
	Bytes int64 // bytes consumed so far
	Total int64 // Options.Size: the total when known, else 0
}

func (o Options) maxField() int {
	if o.MaxFieldBytes > 0 {
		return o.MaxFieldBytes
	}
	return DefaultMaxFieldBytes
}

func (o Options) maxFile() int64 {
	if o.MaxFileBytes > 0 {
		return o.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

func (o Options) comma() byte {
	if o.Comma != 0 {
		return o.Comma
	}
	return ','
}

// cannotRead is the message of every error that stops a file from being read at all.
const cannotRead = "The CSV file cannot be read"

// lineError is a KindInvalid error naming the physical line at fault, e.g. a field
// error with path "line 7" and detail "not UTF-8 text; save the file as UTF-8".
func lineError(line int, format string, args ...any) error {
	return tandem.Invalid(cannotRead, tandem.FieldError{
		Path:   fmt.Sprintf("line %d", line),
		Detail: fmt.Sprintf(format, args...),
	})
}

var errFileTooLarge = errors.New("csvimport: file too large")

// countingReader counts the bytes it hands on and refuses to hand on more than max.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.max {
		// Look one byte further: a file of exactly max bytes is fine.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, errFileTooLarge
		}
		return 0, err
	}
	if rest := c.max - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Reader reads CSV records, tracking the physical line on which each starts.
type Reader struct {
	cr       *countingReader
	br       *bufio.Reader
	comma    byte
	maxField int
	line     int // physical line of the next unread byte, from 1
	started  bool
	err      error // sticky: once a read fails, every later read fails the same way

	buf  []byte // the fields of the current record, concatenated
	ends []int  // end offset in buf of each field
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opt Options) *Reader {
	cr := &countingReader{r: r, max: opt.maxFile()}
	return &Reader{
		cr:       cr,
		br:       bufio.NewReaderSize(cr, 64<<10),
		comma:    opt.comma(),
		maxField: opt.maxField(),
		line:     1,
	}
}

// BytesRead returns how many bytes of the input have been consumed.
func (r *Reader) BytesRead() int64 { return r.cr.n - int64(r.br.Buffered()) }

// Read returns the next record and the physical line it starts on. Blank lines are
// skipped. At the end of the input it returns io.EOF; any other error is KindInvalid,
// names a line, and is returned again by every later call.
func (r *Reader) Read() (record []string, line int, err error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	for {
		record, line, err = r.readRecord()
		if err != nil {
			if err != io.EOF {
				r.err = err
			}
			return nil, 0, err
		}
		if record != nil {
			return record, line, nil
		}
	}
}

const (
	stFieldStart    = iota // at the start of a field
	stUnquoted             // inside an unquoted field
	stQuoted               // inside a quoted field
	stQuoteInQuoted        // just after a quote inside a quoted field
)

// readRecord reads one record. It returns a nil record and nil error for a blank line.
func (r *Reader) readRecord() ([]string, int, error) {
	if !r.started {
		r.started = true
		if err := r.skipBOM(); err != nil {
			return nil, 0, err
		}
	}
	r.buf = r.buf[:0]
	r.ends = r.ends[:0]
	start := r.line
	state := stFieldStart
	fieldStart := 0    // offset in buf of the current field
	fieldLine := start // line on which the current field starts
	anyQuoted := false // whether any field of the record was quoted
	sawBytes := false  // whether the record has any bytes at all
	quoted := false    // whether the current field is quoted

	endField := func() error {
		f := r.buf[fieldStart:]
		if quoted && bytes.Contains(f, []byte("\r\n")) {
			f = bytes.ReplaceAll(f, []byte("\r\n"), []byte("\n"))
			r.buf = append(r.buf[:fieldStart], f...)
		} else if !quoted && len(f) > 0 && f[len(f)-1] == '\r' {
			r.buf = r.buf[:len(r.buf)-1]
			f = f[:len(f)-1]
		}
		if len(f) > r.maxField {
			return r.fieldTooLarge(fieldLine)
		}
		if err := checkText(f, fieldLine); err != nil {
			return err
		}
		r.ends = append(r.ends, len(r.buf))
		fieldStart = len(r.buf)
		quoted = false
		return nil
	}

	for {
		chunk, rerr := r.br.ReadSlice('\n')
		if len(chunk) > 0 {
			sawBytes = true
		}
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			switch state {
			case stFieldStart, stUnquoted:
				if state == stFieldStart && c == '"' {
					state, quoted, anyQuoted = stQuoted, true, true
					continue
				}
				switch c {
				case r.comma:
					if err := endField(); err != nil {
						return nil, 0, err
					}
					state, fieldLine = stFieldStart, r.line
					continue
				case '\n':
					if err := endField(); err != nil {
						return nil, 0, err
					}
					r.line++
					return r.finish(start, anyQuoted)
				}
				// Scan the rest of the unquoted run in one go.
				j := i
				for j < len(chunk) && chunk[j] != r.comma && chunk[j] != '\n' {
					j++
				}
				r.buf = append(r.buf, chunk[i:j]...)
				if len(r.buf)-fieldStart > r.maxField {
					return nil, 0, r.fieldTooLarge(fieldLine)
				}
				state = stUnquoted
				i = j - 1
			case stQuoted:
				if c == '"' {
					state = stQuoteInQuoted
					continue
				}
				j := i
				for j < len(chunk) && chunk[j] != '"' {
					j++
				}
				run := chunk[i:j]
				r.line += bytes.Count(run, []byte{'\n'})
				r.buf = append(r.buf, run...)
				if len(r.buf)-fieldStart > r.maxField {
					return nil, 0, r.fieldTooLarge(fieldLine)
				}
				i = j - 1
			case stQuoteInQuoted:
				switch c {
				case '"':
					r.buf = append(r.buf, '"')
					if len(r.buf)-fieldStart > r.maxField {
						return nil, 0, r.fieldTooLarge(fieldLine)
					}
					state = stQuoted
				case r.comma:
					if err := endField(); err != nil {
						return nil, 0, err
					}
					state, fieldLine = stFieldStart, r.line
				case '\n':
					if err := endField(); err != nil {
						return nil, 0, err
					}
					r.line++
					return r.finish(start, anyQuoted)
				case '\r':
					// Tolerated before the line end; anything else after it is an error.
					if i+1 < len(chunk) && chunk[i+1] != '\n' {
						return nil, 0, lineError(r.line, "unexpected text after a closing quote; a quote inside a quoted field must be doubled (\"\")")
					}
				default:
					return nil, 0, lineError(r.line, "unexpected text after a closing quote; a quote inside a quoted field must be doubled (\"\")")
				}
			}
		}
		switch {
		case rerr == nil, rerr == bufio.ErrBufferFull:
			continue
		case rerr == errFileTooLarge:
			return nil, 0, tandem.Invalid(cannotRead, tandem.FieldError{
				Path:   fmt.Sprintf("line %d", r.line),
				Detail: fmt.Sprintf("the file is larger than the %s limit", humanBytes(r.cr.max)),
			})
		case rerr != io.EOF:
			return nil, 0, &tandem.Error{Kind: tandem.KindInvalid, Message: "The CSV file could not be read to the end", Err: rerr}
		}
		// End of input.
		if !sawBytes {
			return nil, 0, io.EOF
		}
		if state == stQuoted {
			return nil, 0, lineError(fieldLine, "a quoted field starting on this line is never closed (a \" is missing)")
		}
		if err := endField(); err != nil {
			return nil, 0, err
		}
		return r.finish(start, anyQuoted)
	}
}

// finish turns the buffered fields into strings, or returns nil for a blank line.
func (r *Reader) finish(line int, anyQuoted bool) ([]string, int, error) {
	if len(r.ends) == 1 && r.ends[0] == 0 && !anyQuoted {
		return nil, line, nil
	}
	all := string(r.buf)
	rec := make([]string, len(r.ends))
	prev := 0
	for i, e := range r.ends {
		rec[i] = all[prev:e]
		prev = e
	}
	return rec, line, nil
}

func (r *Reader) fieldTooLarge(line int) error {
	return lineError(line, "a field starting on this line is larger than the %s limit", humanBytes(int64(r.maxField)))
}

// skipBOM drops a UTF-8 byte order mark and refuses UTF-16 files by theirs.
func (r *Reader) skipBOM() error {
	b, _ := r.br.Peek(3)
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = r.br.Discard(3)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return lineError(1, "the file is UTF-16 text; save the file as UTF-8")
	}
	return nil
}

// checkText refuses a field that is not UTF-8 or holds a NUL byte, naming the physical
// line of the first bad byte (the field starts on line first).
func checkText(f []byte, first int) error {
	if nul := bytes.IndexByte(f, 0); nul >= 0 {
		return lineError(first+bytes.Count(f[:nul], []byte{'\n'}), "contains a NUL byte; this is not a text file, or it is UTF-16; save the file as UTF-8")
	}
	if utf8.Valid(f) {
		return nil
	}
	off := 0
	for off < len(f) {
		ru, size := utf8.DecodeRune(f[off:])
		if ru == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	return lineError(first+bytes.Count(f[:off], []byte{'\n'}), "not UTF-8 text; save the file as UTF-8")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d-byte", n)
	}
}
