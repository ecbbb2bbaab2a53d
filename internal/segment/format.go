package segment

import (
	"strconv"
	"strings"
	"time"
)

// String returns the rule's canonical form: keywords in lower case, fields spelled as in
// the schema, text in double quotes, dates as YYYY-MM-DD, one space around operators and
// only the parentheses precedence needs. Parsing the canonical form gives the same rule.
func (r *Rule) String() string {
	var b strings.Builder
	r.root.format(&b, 0)
	return b.String()
}

func precedence(o op) int {
	switch o {
	case opOr:
		return 1
	case opAnd:
		return 2
	case opNot:
		return 3
	}
	return 4
}

func (n *node) format(b *strings.Builder, parent int) {
	prec := precedence(n.op)
	if prec < parent {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch n.op {
	case opOr, opAnd:
		sep := " or "
		if n.op == opAnd {
			sep = " and "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			// A child of equal precedence cannot occur (join flattens), so prec+1
			// only ever adds parentheses that are needed.
			k.format(b, prec+1)
		}
		return
	case opNot:
		b.WriteString("not ")
		n.kids[0].format(b, prec)
		return
	}
	b.WriteString(n.field)
	b.WriteByte(' ')
	b.WriteString(opText[n.op])
	switch n.op {
	case opEmpty, opNotEmpty:
	case opOlder, opNewer:
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(n.durN))
		b.WriteByte(' ')
		b.WriteString(n.unit)
	case opIn, opNotIn:
		b.WriteString(" (")
		if n.typ == TypeNumber {
			for i, v := range n.nums {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(formatNumber(v))
			}
		} else {
			for i, s := range n.strs {
				if i > 0 {
					b.WriteString(", ")
				}
				quote(b, s)
			}
		}
		b.WriteByte(')')
	default:
		b.WriteByte(' ')
		switch n.typ {
		case TypeNumber:
			b.WriteString(formatNumber(n.num))
		case TypeTime:
			b.WriteString(time.Unix(n.day*86400, 0).UTC().Format("2006-01-02"))
		default:
			quote(b, n.str)
		}
	}
}

func formatNumber(v float64) string {
	if v == 0 {
		v = 0 // -0 prints as 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// quote writes s in double quotes, escaping only " and \ as the lexer expects.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
