package segment

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Match reports whether rec belongs to the segment at the instant now. It does not
// allocate unless rec's getters do.
func (r *Rule) Match(rec Record, now time.Time) bool {
	return r.root.eval(rec, now)
}

// Filter returns the records that match, in their original order.
func (r *Rule) Filter(recs []Record, now time.Time) []Record {
	var out []Record
	for _, rec := range recs {
		if r.Match(rec, now) {
			out = append(out, rec)
		}
	}
	return out
}

func (n *node) eval(rec Record, now time.Time) bool {
	switch n.op {
	case opOr:
		for _, k := range n.kids {
			if k.eval(rec, now) {
				return true
			}
		}
		return false
	case opAnd:
		for _, k := range n.kids {
			if !k.eval(rec, now) {
				return false
			}
		}
		return true
	case opNot:
		return !n.kids[0].eval(rec, now)
	}
	switch n.typ {
	case TypeString:
		return n.evalText(rec)
	case TypeNumber:
		return n.evalNumber(rec)
	case TypeStringList:
		return n.evalList(rec)
	case TypeTime:
		return n.evalTime(rec, now)
	}
	return false
}

func (n *node) evalText(rec Record) bool {
	v, ok := rec.Text(n.field)
	switch n.op {
	case opEmpty:
		return !ok || v == ""
	case opNotEmpty:
		return ok && v != ""
	}
	if !ok {
		return false
	}
	switch n.op {
	case opEq:
		return strings.EqualFold(v, n.str)
	case opNe:
		return !strings.EqualFold(v, n.str)
	case opIn:
		return containsFold(n.strs, v)
	case opNotIn:
		return !containsFold(n.strs, v)
	case opContains:
		return hasSubstringFold(v, n.str)
	}
	return false
}

func (n *node) evalNumber(rec Record) bool {
	v, ok := rec.Number(n.field)
	switch n.op {
	case opEmpty:
		return !ok
	case opNotEmpty:
		return ok
	}
	if !ok {
		return false
	}
	switch n.op {
	case opEq:
		return v == n.num
	case opNe:
		return v != n.num
	case opLt:
		return v < n.num
	case opLe:
		return v <= n.num
	case opGt:
		return v > n.num
	case opGe:
		return v >= n.num
	case opIn:
		return slices.Contains(n.nums, v)
	case opNotIn:
		return !slices.Contains(n.nums, v)
	}
	return false
}

func (n *node) evalList(rec Record) bool {
	v, ok := rec.List(n.field)
	switch n.op {
	case opEmpty:
		return len(v) == 0
	case opNotEmpty:
		return len(v) > 0
	}
	if !ok {
		return false
	}
	switch n.op {
	case opContains:
		return containsFold(v, n.str)
	case opIn, opNotIn:
		hit := false
		for _, e := range v {
			if containsFold(n.strs, e) {
				hit = true
				break
			}
		}
		return hit == (n.op == opIn)
	}
	return false
}

func (n *node) evalTime(rec Record, now time.Time) bool {
	v, ok := rec.Time(n.field)
	switch n.op {
	case opEmpty:
		return !ok || v.IsZero()
	case opNotEmpty:
		return ok && !v.IsZero()
	}
	if !ok || v.IsZero() {
		return false
	}
	switch n.op {
	case opOlder:
		return now.Sub(v) > n.dur
	case opNewer:
		return now.Sub(v) < n.dur
	}
	d := dayOf(v)
	switch n.op {
	case opEq:
		return d == n.day
	case opNe:
		return d != n.day
	case opLt:
		return d < n.day
	case opLe:
		return d <= n.day
	case opGt:
		return d > n.day
	case opGe:
		return d >= n.day
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// hasSubstringFold reports whether sub occurs in s, ignoring case, without allocating.
func hasSubstringFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i < len(s); {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		a, na := utf8.DecodeRuneInString(s)
		b, nb := utf8.DecodeRuneInString(prefix)
		if a != b && !strings.EqualFold(s[:na], prefix[:nb]) {
			return false
		}
		s, prefix = s[na:], prefix[nb:]
	}
	return true
}
