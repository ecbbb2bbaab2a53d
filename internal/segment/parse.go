package segment

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

// MaxLength is the longest rule, in characters, that Parse accepts.
const MaxLength = 2000

// MaxDepth is how deeply parentheses and "not" may nest in a rule.
const MaxDepth = 32

// maxDays bounds "older than" and "newer than" so durations cannot overflow.
const maxDays = 36500

type op uint8

const (
	opOr op = iota + 1
	opAnd
	opNot
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opIn
	opNotIn
	opContains
	opOlder
	opNewer
	opEmpty
	opNotEmpty
)

var opText = [...]string{
	opEq: "=", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opIn: "in", opNotIn: "not in", opContains: "contains",
	opOlder: "older than", opNewer: "newer than", opEmpty: "is empty", opNotEmpty: "is not empty",
}

// node is one part of a parsed rule: a logical operator over kids, or a comparison of a
// field with a literal.
type node struct {
	op   op
	kids []*node // and, or: two or more; not: one

	field string // as spelled in the schema
	typ   Type
	str   string
	strs  []string
	num   float64
	nums  []float64
	day   int64 // days since 1970-01-01 UTC
	dur   time.Duration
	durN  int    // the duration as written: N ...
	unit  string // ... days, weeks or hours
}

// Rule is a parsed segment rule. It is immutable and safe for concurrent use.
type Rule struct {
	root   *node
	fields []string
}

// Fields returns the schema names of the fields the rule reads, sorted, each once.
func (r *Rule) Fields() []string { return slices.Clone(r.fields) }

// Parse reads a rule against the fields of schema. Every failure is a tandem.Error of
// KindInvalid with one field error at path "rule" whose detail gives the column (counted
// in characters from 1) of the fault and what was expected there.
func Parse(src string, fields Schema) (*Rule, error) {
	p := &parser{src: src, schema: fields}
	if n := utf8.RuneCountInString(src); n > MaxLength {
		return nil, invalid(fmt.Sprintf("the rule is %d characters long; the limit is %d", n, MaxLength))
	}
	if strings.TrimSpace(src) == "" {
		return nil, invalid("the rule is empty; write a condition such as tier = \"Gold\"")
	}
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, p.errAt(lerr.pos, lerr.msg)
	}
	p.toks = toks
	root, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tSymbol && t.text == ")" {
			return nil, p.errAt(t.pos, "this ) has no matching (")
		}
		return nil, p.errAt(t.pos, "expected and, or or the end of the rule, found "+t.describe()+p.hint)
	}
	seen := map[string]bool{}
	var names []string
	walk(root, func(n *node) {
		if n.field != "" && !seen[n.field] {
			seen[n.field] = true
			names = append(names, n.field)
		}
	})
	slices.Sort(names)
	return &Rule{root: root, fields: names}, nil
}

// MustParse is Parse for rules fixed in code; it panics on an invalid rule.
func MustParse(src string, fields Schema) *Rule {
	r, err := Parse(src, fields)
	if err != nil {
		panic(err)
	}
	return r
}

func walk(n *node, f func(*node)) {
	f(n)
	for _, k := range n.kids {
		walk(k, f)
	}
}

func invalid(detail string) error {
	var p tandem.Problems
	p.Add("rule", "%s", detail)
	return p.Err("The segment rule is not valid.")
}

type parser struct {
	src    string
	schema Schema
	toks   []token
	i      int
	hint   string // extra advice for the next "expected and, or" error
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(pos int, msg string) error {
	col := utf8.RuneCountInString(p.src[:pos]) + 1
	return invalid(fmt.Sprintf("column %d: %s", col, msg))
}

// isWord reports whether t is the keyword kw, ignoring case.
func isWord(t token, kw string) bool { return t.kind == tWord && strings.EqualFold(t.text, kw) }

func isSym(t token, s string) bool { return t.kind == tSymbol && t.text == s }

var keywords = []string{"and", "or", "not", "in", "contains", "older", "newer", "than", "is", "empty"}

func isKeyword(t token) bool {
	return t.kind == tWord && slices.ContainsFunc(keywords, func(k string) bool { return strings.EqualFold(k, t.text) })
}

func (p *parser) parseOr(depth int) (*node, error) {
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for isWord(p.peek(), "or") {
		p.next()
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		left = join(opOr, left, right)
	}
	return left, nil
}

func (p *parser) parseAnd(depth int) (*node, error) {
	left, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	for isWord(p.peek(), "and") {
		p.next()
		right, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		left = join(opAnd, left, right)
	}
	return left, nil
}

// join builds left op right, flattening a and b and c into one node.
func join(o op, left, right *node) *node {
	n := left
	if left.op != o {
		n = &node{op: o, kids: []*node{left}}
	}
	if right.op == o {
		n.kids = append(n.kids, right.kids...)
	} else {
		n.kids = append(n.kids, right)
	}
	return n
}

func (p *parser) parseUnary(depth int) (*node, error) {
	t := p.peek()
	if depth >= MaxDepth {
		return nil, p.errAt(t.pos, fmt.Sprintf("the rule nests more than %d levels deep", MaxDepth))
	}
	switch {
	case isWord(t, "not"):
		p.next()
		kid, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &node{op: opNot, kids: []*node{kid}}, nil
	case isSym(t, "("):
		p.next()
		n, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.peek(); !isSym(c, ")") {
			col := utf8.RuneCountInString(p.src[:t.pos]) + 1
			return nil, p.errAt(c.pos, fmt.Sprintf("expected ) to close the ( at column %d, found %s%s", col, c.describe(), p.hint))
		}
		p.next()
		return n, nil
	}
	return p.parseComparison()
}

func (p *parser) lookupField(t token) (string, Type, error) {
	if t.kind != tWord || isKeyword(t) {
		return "", 0, p.errAt(t.pos, "expected a field name, found "+t.describe()+p.knownFields())
	}
	for name, typ := range p.schema {
		if strings.EqualFold(name, t.text) {
			return name, typ, nil
		}
	}
	msg := fmt.Sprintf("unknown field %q", t.text)
	if s := p.suggest(t.text); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += p.knownFields()
	}
	return "", 0, p.errAt(t.pos, msg)
}

func (p *parser) sortedFields() []string {
	names := make([]string, 0, len(p.schema))
	for name := range p.schema {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (p *parser) knownFields() string {
	names := p.sortedFields()
	if len(names) == 0 || len(names) > 20 {
		return ""
	}
	return "; the fields are " + strings.Join(names, ", ")
}

// suggest returns the schema field closest to an unknown name, if one is close enough
// to be a likely typo.
func (p *parser) suggest(name string) string {
	if utf8.RuneCountInString(name) > 64 {
		return ""
	}
	best, bestD := "", math.MaxInt
	for _, f := range p.sortedFields() {
		d := editDistance(strings.ToLower(name), strings.ToLower(f))
		if d < bestD {
			best, bestD = f, d
		}
	}
	limit := 1 + utf8.RuneCountInString(best)/4
	if bestD <= limit && bestD < utf8.RuneCountInString(best) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// operatorsFor lists, for an error message, what can follow a field of type t.
func operatorsFor(t Type) string {
	switch t {
	case TypeString:
		return "=, !=, in, not in, contains or is empty"
	case TypeNumber:
		return "=, !=, <, <=, >, >=, in, not in or is empty"
	case TypeStringList:
		return "contains, in, not in or is empty"
	case TypeTime:
		return "=, !=, <, <=, >, >= (with a date), older than, newer than or is empty"
	}
	return ""
}

func allows(t Type, o op) bool {
	switch o {
	case opEmpty, opNotEmpty:
		return true
	case opEq, opNe:
		return t != TypeStringList
	case opLt, opLe, opGt, opGe:
		return t == TypeNumber || t == TypeTime
	case opIn, opNotIn:
		return t != TypeTime
	case opContains:
		return t == TypeString || t == TypeStringList
	case opOlder, opNewer:
		return t == TypeTime
	}
	return false
}

func (p *parser) parseComparison() (*node, error) {
	ft := p.next()
	field, typ, err := p.lookupField(ft)
	if err != nil {
		return nil, err
	}
	n := &node{field: field, typ: typ}
	ot := p.next()
	switch {
	case ot.kind == tSymbol:
		switch ot.text {
		case "=":
			n.op = opEq
		case "!=":
			n.op = opNe
		case "<":
			n.op = opLt
		case "<=":
			n.op = opLe
		case ">":
			n.op = opGt
		case ">=":
			n.op = opGe
		}
	case isWord(ot, "in"):
		n.op = opIn
	case isWord(ot, "contains"):
		n.op = opContains
	case isWord(ot, "not") && isWord(p.peek(), "in"):
		p.next()
		n.op = opNotIn
	case isWord(ot, "is"):
		n.op = opEmpty
		if isWord(p.peek(), "not") {
			p.next()
			n.op = opNotEmpty
		}
		if e := p.next(); !isWord(e, "empty") {
			return nil, p.errAt(e.pos, "expected empty after "+strings.TrimSuffix(opText[n.op], " empty")+", found "+e.describe())
		}
	case isWord(ot, "older") || isWord(ot, "newer"):
		n.op = opOlder
		if isWord(ot, "newer") {
			n.op = opNewer
		}
		if e := p.next(); !isWord(e, "than") {
			return nil, p.errAt(e.pos, fmt.Sprintf("expected than after %s, found %s", strings.ToLower(ot.text), e.describe()))
		}
	}
	if n.op == 0 {
		return nil, p.errAt(ot.pos, fmt.Sprintf("expected an operator after %s (%s), found %s", field, operatorsFor(typ), ot.describe()))
	}
	if !allows(typ, n.op) {
		return nil, p.errAt(ot.pos, fmt.Sprintf("%s is %s and cannot be used with %s; use %s", field, typ, opText[n.op], operatorsFor(typ)))
	}
	if err := p.parseValue(n); err != nil {
		return nil, err
	}
	return n, nil
}

// parseValue reads the literal that completes comparison n.
func (p *parser) parseValue(n *node) error {
	after := opText[n.op]
	switch n.op {
	case opEmpty, opNotEmpty:
		return nil
	case opOlder, opNewer:
		return p.parseDuration(n, after)
	case opIn, opNotIn:
		open := p.next()
		if !isSym(open, "(") {
			return p.errAt(open.pos, fmt.Sprintf("expected ( after %s to start a list such as (\"a\", \"b\"), found %s", after, open.describe()))
		}
		for {
			if n.typ == TypeNumber {
				v, err := p.number(after)
				if err != nil {
					return err
				}
				n.nums = append(n.nums, v)
			} else {
				s, err := p.text(after)
				if err != nil {
					return err
				}
				n.strs = append(n.strs, s)
			}
			sep := p.next()
			if isSym(sep, ")") {
				return nil
			}
			if !isSym(sep, ",") {
				return p.errAt(sep.pos, fmt.Sprintf("expected , or ) in the list after %s, found %s", after, sep.describe()))
			}
		}
	}
	var err error
	switch n.typ {
	case TypeNumber:
		n.num, err = p.number(after)
	case TypeString, TypeStringList:
		n.str, err = p.text(after)
	case TypeTime:
		n.day, err = p.date(after)
	}
	return err
}

func (p *parser) number(after string) (float64, error) {
	t := p.next()
	if t.kind != tNumber {
		return 0, p.errAt(t.pos, fmt.Sprintf("expected a number after %s, found %s", after, t.describe()))
	}
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, p.errAt(t.pos, "this number is too large")
	}
	return v, nil
}

// text reads a quoted text or a bare word. A bare word followed by another word earns a
// hint to quote text that has spaces in it.
func (p *parser) text(after string) (string, error) {
	t := p.next()
	switch {
	case t.kind == tString:
		return t.text, nil
	case t.kind == tWord && !isKeyword(t):
		if nt := p.peek(); nt.kind == tWord && !isKeyword(nt) {
			p.hint = " (put text with spaces in quotes, e.g. \"North America\")"
		}
		return t.text, nil
	}
	return "", p.errAt(t.pos, fmt.Sprintf("expected text in quotes after %s, found %s", after, t.describe()))
}

func (p *parser) date(after string) (int64, error) {
	t := p.next()
	if t.kind == tDate || t.kind == tString {
		if d, ok := parseDate(t.text); ok {
			return d, nil
		}
	}
	return 0, p.errAt(t.pos, fmt.Sprintf("expected a date such as 2026-01-31 after %s, found %s", after, t.describe()))
}

func parseDate(s string) (int64, bool) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return dayOf(d), true
}

// dayOf returns the UTC calendar day of t as days since 1970-01-01.
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

func (p *parser) parseDuration(n *node, after string) error {
	t := p.next()
	v, err := strconv.Atoi(t.text)
	if t.kind != tNumber || err != nil || v < 0 {
		return p.errAt(t.pos, fmt.Sprintf("expected a whole number of days, weeks or hours after %s, found %s", after, t.describe()))
	}
	u := p.next()
	var unit time.Duration
	var days int
	switch strings.ToLower(u.text) {
	case "day", "days":
		unit, days, n.unit = 24*time.Hour, v, "days"
	case "week", "weeks":
		unit, days, n.unit = 7*24*time.Hour, v*7, "weeks"
	case "hour", "hours":
		unit, days, n.unit = time.Hour, v/24, "hours"
	}
	if u.kind != tWord || unit == 0 {
		return p.errAt(u.pos, fmt.Sprintf("expected days, weeks or hours after %s %d, found %s", after, v, u.describe()))
	}
	if days > maxDays || v > maxDays*24 {
		return p.errAt(t.pos, fmt.Sprintf("%d %s is too long; the limit is %d days", v, n.unit, maxDays))
	}
	n.durN, n.dur = v, time.Duration(v)*unit
	return nil
}
