// Package matchgen generates realistic synthetic company records with known duplicates,
// deterministically from a seed, for benchmarks and load tests of the company matcher
// and of everything that loads accounts (deal registration, account mapping).
//
// Company i of seed s is always the same record, and can be produced on its own
// (Company), so a million accounts can be streamed or generated in parallel without
// holding them all. Variant(i, k) is a messy rewrite of company i as another system
// or a partner might hold it (typos, legal-form spellings, case, word order, abbreviations,
// a trailing location, a missing domain), and Sibling(i) is a hard negative: a different
// company that shares most of company i's name.
//
// Names are built from invented brand words, surnames, industry words, places and the
// legal forms of the company's country, so that word frequencies look like those of a
// real registry: a few very common words, many rare ones.
package matchgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Record is a generated company. Entity is the ground truth: records with the same
// Entity denote the same company; siblings get an Entity of their own.
type Record struct {
	ID      string
	Name    string
	Domain  string
	Country string
	Email   string
	Entity  int
}

// Generator produces records for one seed. It is immutable and safe for concurrent use.
type Generator struct {
	seed uint64
}

// New returns the generator for seed.
func New(seed uint64) *Generator { return &Generator{seed: seed} }

// Generate returns companies 0..n-1 of seed (see Generator.Company).
func Generate(seed uint64, n int) []Record {
	g := New(seed)
	out := make([]Record, n)
	for i := range out {
		out[i] = g.Company(i)
	}
	return out
}

func (g *Generator) rng(i, stream int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^0x9e3779b97f4a7c15, uint64(i)<<8|uint64(stream&0xff)))
}

// company holds the parts a name is built from, so variants can rebuild it.
type company struct {
	brand    []string // brand words, e.g. ["Valtoria"] or ["Smith", "&", "Jones"]
	industry []string // e.g. ["Logistics"] or ["Software", "Solutions"]
	city     string   // a place qualifier inside the name, or ""
	number   string   // a series number, or ""
	legal    int      // index into the country's legal forms
	country  *country
	domain   string
	hasDom   bool
	email    string
	prefix   bool // the legal form is written before the name (OOO, PT)
}

func (g *Generator) build(i int) company {
	r := g.rng(i, 0)
	c := company{country: &countries[pickWeighted(r, countryWeights)]}
	switch x := r.IntN(100); {
	case x < 55:
		c.brand = []string{coined(r)}
	case x < 70:
		c.brand = []string{pick(r, surnames)}
		if r.IntN(3) == 0 {
			c.brand = append(c.brand, coined(r))
		}
	case x < 80:
		c.brand = []string{pick(r, surnames), "&", pick(r, surnames)}
	case x < 88:
		c.brand = []string{pick(r, prefixes) + strings.ToLower(coined(r))}
	case x < 94:
		c.brand = []string{coined(r), coined(r)}
	default:
		c.brand = []string{acronym(r), coined(r)}
	}
	nInd := 1
	if r.IntN(4) == 0 {
		nInd = 2
	} else if r.IntN(10) == 0 {
		nInd = 0
	}
	for k := 0; k < nInd; k++ {
		w := pick(r, industries)
		if k == 1 && w == c.industry[0] {
			continue
		}
		c.industry = append(c.industry, w)
	}
	if r.IntN(12) == 0 {
		c.city = pick(r, c.country.cities)
	}
	if r.IntN(40) == 0 {
		c.number = fmt.Sprint(2 + r.IntN(8))
	}
	c.legal = r.IntN(len(c.country.forms))
	c.prefix = c.country.prefix && r.IntN(2) == 0
	c.hasDom = r.IntN(10) < 8
	// A domain belongs to one company: brands made of common words get the industry
	// word, and a coined syllable when that is not enough to tell them apart.
	base := asciiOnly(strings.ToLower(strings.Join(filterWords(c.brand), "")))
	common := len(c.brand) > 1 || isCommonBrand(c.brand[0]) || len(c.brand[0]) < 7
	if (common || r.IntN(3) == 0) && len(c.industry) > 0 {
		base += strings.ToLower(asciiOnly(c.industry[0]))
	}
	if common {
		base += strings.ToLower(coined(r))
	}
	c.domain = base + "." + c.country.tld
	switch r.IntN(10) {
	case 0, 1, 2:
		c.email = pick(r, []string{"info", "sales", "contact", "hello", "office"}) + "@" + c.domain
	case 3:
		c.email = strings.ToLower(asciiOnly(c.brand[0])) + "@" + pick(r, freeMail)
	}
	return c
}

func (c *company) name(legalSpelling string, order bool) string {
	var parts []string
	if c.prefix && legalSpelling != "" {
		parts = append(parts, legalSpelling)
	}
	words := append([]string(nil), c.brand...)
	ind := append([]string(nil), c.industry...)
	if order && len(ind) > 0 {
		parts = append(parts, ind...)
		parts = append(parts, words...)
	} else {
		parts = append(parts, words...)
		parts = append(parts, ind...)
	}
	if c.city != "" {
		parts = append(parts, c.city)
	}
	if c.number != "" {
		parts = append(parts, c.number)
	}
	if !c.prefix && legalSpelling != "" {
		parts = append(parts, legalSpelling)
	}
	return strings.Join(parts, " ")
}

// Company returns company i: a distinct company (apart from rare accidental name
// collisions, as in any registry) with ID "c<i>".
func (g *Generator) Company(i int) Record {
	c := g.build(i)
	rec := Record{ID: fmt.Sprintf("c%d", i), Name: c.name(c.country.forms[c.legal][0], false), Country: c.country.code, Entity: i}
	if c.hasDom {
		rec.Domain = c.domain
	}
	rec.Email = c.email
	return rec
}

// Variant returns the k-th messy rewrite of company i, with ID "v<i>-<k>" and the same
// Entity. It applies one to three of: a typo, another spelling of the legal form (or
// none), a case change, an abbreviation, a swapped word order, a trailing location,
// punctuation changes, a missing or rewritten domain.
func (g *Generator) Variant(i, k int) Record {
	c := g.build(i)
	r := g.rng(i, 1+k)
	legal := c.country.forms[c.legal][0]
	order := false
	n := 1 + r.IntN(3)
	var post []func(string) string
	for step := 0; step < n; step++ {
		switch r.IntN(10) {
		case 0, 1, 2: // typo in the longest brand word
			j := longest(c.brand)
			c.brand[j] = typo(r, c.brand[j])
		case 3: // another spelling of the legal form, or none
			spellings := c.country.forms[c.legal]
			if r.IntN(4) == 0 {
				legal = ""
			} else {
				legal = spellings[r.IntN(len(spellings))]
			}
		case 4:
			post = append(post, pick(r, []func(string) string{strings.ToUpper, strings.ToLower, titleCase}))
		case 5: // abbreviation or ampersand
			for j, w := range c.industry {
				if a, ok := abbrev[w]; ok {
					c.industry[j] = a
				}
			}
			for j, w := range c.brand {
				if w == "&" {
					c.brand[j] = "and"
				}
			}
		case 6:
			order = len(c.industry) > 0 && r.IntN(2) == 0
			if !order {
				post = append(post, func(s string) string { return "The " + s })
			}
		case 7: // trailing location
			city := pick(r, c.country.cities)
			if r.IntN(2) == 0 {
				post = append(post, func(s string) string { return s + ", " + city })
			} else {
				post = append(post, func(s string) string { return s + " (" + city + ")" })
			}
		case 8: // punctuation
			post = append(post, func(s string) string {
				s = strings.Replace(s, " ", ", ", 1)
				return strings.ReplaceAll(s, "&", " & ")
			})
		case 9: // domain dropped or written as a URL
			if r.IntN(2) == 0 {
				c.hasDom = false
			} else {
				c.domain = "https://www." + c.domain + "/"
			}
		}
	}
	name := c.name(legal, order)
	for _, f := range post {
		name = f(name)
	}
	rec := Record{ID: fmt.Sprintf("v%d-%d", i, k), Name: strings.Join(strings.Fields(name), " "), Country: c.country.code, Entity: i}
	if c.hasDom {
		rec.Domain = c.domain
	}
	if r.IntN(3) == 0 {
		rec.Email = c.email
	}
	if r.IntN(5) == 0 {
		rec.Country = ""
	}
	return rec
}

// Sibling returns a hard negative for company i, with ID "s<i>": a different company that
// shares most of its name (another industry word, another city, another series number,
// or another brand with the same industry words). Its Entity is -(i+1).
func (g *Generator) Sibling(i int) Record {
	c := g.build(i)
	r := g.rng(i, 200)
	switch r.IntN(4) {
	case 0:
		if len(c.industry) > 0 {
			c.industry[len(c.industry)-1] = otherThan(r, industries, c.industry[len(c.industry)-1])
		} else {
			c.industry = []string{pick(r, industries)}
		}
	case 1:
		c.city = otherThan(r, c.country.cities, c.city)
	case 2:
		c.number = fmt.Sprint(10 + r.IntN(20))
	default:
		c.brand = []string{coined(r)}
	}
	rec := Record{ID: fmt.Sprintf("s%d", i), Name: c.name(c.country.forms[c.legal][0], false), Country: c.country.code, Entity: -(i + 1)}
	if r.IntN(2) == 0 && len(c.industry) > 0 {
		rec.Domain = strings.ToLower(asciiOnly(strings.Join(filterWords(c.brand), ""))) + "-" + strings.ToLower(asciiOnly(strings.Join(c.industry, ""))) + "." + c.country.tld
	}
	return rec
}

// isCommonBrand reports whether a brand word comes from a shared list (surnames and
// prefixed words), so that several companies may carry it.
func isCommonBrand(w string) bool {
	for _, s := range surnames {
		if s == w {
			return true
		}
	}
	for _, p := range prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

func typo(r *rand.Rand, w string) string {
	rs := []rune(w)
	if len(rs) < 4 {
		return w
	}
	p := 1 + r.IntN(len(rs)-2)
	switch r.IntN(4) {
	case 0: // substitution
		rs[p] = rune('a' + r.IntN(26))
	case 1: // deletion
		rs = append(rs[:p], rs[p+1:]...)
	case 2: // insertion
		rs = append(rs[:p], append([]rune{rune('a' + r.IntN(26))}, rs[p:]...)...)
	default: // transposition
		rs[p], rs[p+1] = rs[p+1], rs[p]
	}
	return string(rs)
}

func titleCase(s string) string {
	ws := strings.Fields(strings.ToLower(s))
	for i, w := range ws {
		rs := []rune(w)
		if len(rs) > 0 {
			rs[0] = []rune(strings.ToUpper(string(rs[0])))[0]
		}
		ws[i] = string(rs)
	}
	return strings.Join(ws, " ")
}

func coined(r *rand.Rand) string {
	n := 2 + r.IntN(2)
	if r.IntN(5) == 0 {
		n = 3
	}
	var b strings.Builder
	for k := 0; k < n; k++ {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	if r.IntN(3) == 0 {
		b.WriteString(endings[r.IntN(len(endings))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

func acronym(r *rand.Rand) string {
	n := 2 + r.IntN(3)
	b := make([]byte, n)
	for k := range b {
		b[k] = byte('A' + r.IntN(26))
	}
	return string(b)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func otherThan(r *rand.Rand, xs []string, not string) string {
	for {
		if x := pick(r, xs); x != not {
			return x
		}
	}
}

func pickWeighted(r *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

func longest(ws []string) int {
	j := 0
	for i, w := range ws {
		if len(w) > len(ws[j]) {
			j = i
		}
	}
	return j
}

func filterWords(ws []string) []string {
	var out []string
	for _, w := range ws {
		if w != "&" && w != "and" {
			out = append(out, w)
		}
	}
	return out
}

func asciiOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			if r, ok := latin[c]; ok {
				b.WriteByte(r)
			}
		}
	}
	return b.String()
}

// latin spells accented letters of the generator's word lists without their accents.
var latin = map[rune]byte{
	'á': 'a', 'à': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ą': 'a', 'é': 'e', 'è': 'e', 'ê': 'e',
	'ë': 'e', 'ę': 'e', 'í': 'i', 'ì': 'i', 'î': 'i', 'ï': 'i', 'ó': 'o', 'ò': 'o', 'ô': 'o', 'õ': 'o',
	'ö': 'o', 'ø': 'o', 'ú': 'u', 'ù': 'u', 'û': 'u', 'ü': 'u', 'ñ': 'n', 'ń': 'n', 'ç': 'c', 'ć': 'c',
	'ś': 's', 'š': 's', 'ź': 'z', 'ż': 'z', 'ž': 'z', 'ł': 'l', 'ő': 'o', 'ű': 'u',
}
