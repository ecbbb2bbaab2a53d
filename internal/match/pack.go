package match

import "strings"

// pack returns a copy of p laid out for the index. A prepared record is otherwise a
// tree of small allocations (the record, its names, their words, every word's text,
// the domains), each a separate cache miss when a candidate is scored. The copy keeps
// all its text in one string and, for the usual record (one name of up to six words,
// at most one domain), the record, its name, its words and its domain in one
// allocation, so that scoring a candidate reads two places in memory instead of about
// eight. It also takes less memory.
func pack(p *Prepared) *Prepared {
	ntok := 0
	for i := range p.forms {
		ntok += len(p.forms[i].toks)
	}
	var (
		q     *Prepared
		forms []form
		toks  []token
		doms  []string
	)
	if len(p.forms) == 1 && len(p.domains) <= 1 && ntok <= 6 {
		q, forms, toks, doms = packedBlock(ntok)
		forms = forms[:1]
		doms = doms[:2*len(p.domains)]
	} else {
		q = new(Prepared)
		forms = make([]form, len(p.forms))
		toks = make([]token, ntok)
		doms = make([]string, 2*len(p.domains))
	}

	// All text, in the order scoring reads it.
	var b strings.Builder
	n := len(p.id) + len(p.country)
	for i := range p.forms {
		f := &p.forms[i]
		n += len(f.lwds)
		for _, t := range f.toks {
			n += len(t.key)
			if t.word != t.key {
				n += len(t.word)
			}
		}
	}
	for i := range p.domains {
		n += len(p.domains[i]) + len(p.labels[i])
	}
	b.Grow(n)
	b.WriteString(p.id)
	for i := range p.forms {
		for _, t := range p.forms[i].toks {
			b.WriteString(t.key)
			if t.word != t.key {
				b.WriteString(t.word)
			}
		}
	}
	for i := range p.forms {
		b.WriteString(p.forms[i].lwds)
	}
	for i := range p.domains {
		b.WriteString(p.domains[i])
		b.WriteString(p.labels[i])
	}
	b.WriteString(p.country)
	text := b.String()
	pos := 0
	next := func(s string) string {
		out := text[pos : pos+len(s)]
		pos += len(s)
		return out
	}

	q.id = next(p.id)
	k := 0
	for i := range p.forms {
		f := p.forms[i]
		start := k
		for _, t := range f.toks {
			key := next(t.key)
			word := key
			if t.word != t.key {
				word = next(t.word)
			}
			t.key, t.word = key, word
			toks[k] = t
			k++
		}
		f.toks = toks[start:k:k]
		forms[i] = f
	}
	for i := range p.forms {
		forms[i].lwds = next(p.forms[i].lwds)
	}
	if len(p.domains) > 0 {
		nd := len(p.domains)
		for i := range p.domains {
			doms[i] = next(p.domains[i])
			doms[nd+i] = next(p.labels[i])
		}
		q.domains, q.labels = doms[:nd:nd], doms[nd:]
	}
	q.country = next(p.country)
	q.forms = forms[:len(p.forms):len(p.forms)]
	q.nfield = p.nfield
	return q
}

// packedBlock allocates a record, one name, ntok words (at most six) and room for one
// domain and its label, side by side.
func packedBlock(ntok int) (*Prepared, []form, []token, []string) {
	switch ntok {
	case 0, 1:
		r := new(struct {
			p Prepared
			f [1]form
			t [1]token
			d [2]string
		})
		return &r.p, r.f[:], r.t[:ntok], r.d[:]
	case 2:
		r := new(struct {
			p Prepared
			f [1]form
			t [2]token
			d [2]string
		})
		return &r.p, r.f[:], r.t[:], r.d[:]
	case 3:
		r := new(struct {
			p Prepared
			f [1]form
			t [3]token
			d [2]string
		})
		return &r.p, r.f[:], r.t[:], r.d[:]
	case 4:
		r := new(struct {
			p Prepared
			f [1]form
			t [4]token
			d [2]string
		})
		return &r.p, r.f[:], r.t[:], r.d[:]
	case 5:
		r := new(struct {
			p Prepared
			f [1]form
			t [5]token
			d [2]string
		})
		return &r.p, r.f[:], r.t[:], r.d[:]
	}
	r := new(struct {
		p Prepared
		f [1]form
		t [6]token
		d [2]string
	})
	return &r.p, r.f[:], r.t[:ntok], r.d[:]
}
