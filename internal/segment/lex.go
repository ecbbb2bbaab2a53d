package segment

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // a field name, keyword or bare text value
	tString         // a quoted text value; text holds the unescaped content
	tNumber         // text holds the literal as written
	tDate           // YYYY-MM-DD; text holds the literal
	tSymbol         // = != < <= > >= ( ) ,
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the source
}

// describe names a token the way an error message should quote it.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the rule"
	}
	return strconv.Quote(t.text)
}

// lexError is a fault found while splitting the rule into tokens.
type lexError struct {
	pos int
	msg string
}

func lex(src string) ([]token, *lexError) {
	var toks []token
	i := 0
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '"' || r == '\'':
			s, end, ok := lexQuoted(src, i, byte(r))
			if !ok {
				return nil, &lexError{i, "this text has no closing " + string(r)}
			}
			toks = append(toks, token{tString, s, i})
			i = end
		case r >= '0' && r <= '9' || r == '-' && i+1 < len(src) && isDigit(src[i+1]):
			t, end, err := lexNumberOrDate(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = end
		case r == '_' || unicode.IsLetter(r):
			start := i
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					break
				}
				i += size
			}
			toks = append(toks, token{tWord, src[start:i], start})
		default:
			sym := ""
			switch r {
			case '(', ')', ',':
				sym = string(r)
			case '=':
				sym = "="
				if strings.HasPrefix(src[i:], "==") {
					i++ // "==" reads as "="
				}
			case '!':
				if strings.HasPrefix(src[i:], "!=") {
					sym = "!="
				}
			case '<':
				sym = "<"
				if strings.HasPrefix(src[i:], "<=") {
					sym = "<="
				} else if strings.HasPrefix(src[i:], "<>") {
					toks = append(toks, token{tSymbol, "!=", i})
					i += 2
					continue
				}
			case '>':
				sym = ">"
				if strings.HasPrefix(src[i:], ">=") {
					sym = ">="
				}
			}
			if sym == "" {
				if r == utf8.RuneError && size == 1 {
					return nil, &lexError{i, "the rule is not valid UTF-8 text"}
				}
				return nil, &lexError{i, "unexpected character " + strconv.QuoteRune(r)}
			}
			toks = append(toks, token{tSymbol, sym, i})
			i += len(sym)
		}
	}
	toks = append(toks, token{tEOF, "", len(src)})
	return toks, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// lexQuoted reads a quoted text starting at src[start] == q. Inside, a backslash makes the
// next character literal, so \" and \\ stand for " and \.
func lexQuoted(src string, start int, q byte) (string, int, bool) {
	var b strings.Builder
	for i := start + 1; i < len(src); i++ {
		switch c := src[i]; c {
		case q:
			return b.String(), i + 1, true
		case '\\':
			if i+1 >= len(src) {
				return "", 0, false
			}
			i++
			b.WriteByte(src[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// lexNumberOrDate reads -12, 3.5 or 2026-01-31 starting at src[start].
func lexNumberOrDate(src string, start int) (token, int, *lexError) {
	i := start
	if src[i] == '-' {
		i++
	}
	digits := i
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if src[start] != '-' && i-digits == 4 && i < len(src) && src[i] == '-' {
		// A date: YYYY-MM-DD.
		for i < len(src) && (isDigit(src[i]) || src[i] == '-') {
			i++
		}
		lit := src[start:i]
		if _, ok := parseDate(lit); !ok {
			return token{}, 0, &lexError{start, "\"" + lit + "\" is not a date; write dates as YYYY-MM-DD, e.g. 2026-01-31"}
		}
		return token{tDate, lit, start}, i, nil
	}
	if i < len(src) && src[i] == '.' {
		i++
		frac := i
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		if i == frac {
			return token{}, 0, &lexError{start, "expected digits after the decimal point"}
		}
	}
	return token{tNumber, src[start:i], start}, i, nil
}
