package match

import (
	"strconv"
	"strings"
)

// Record is one company as the caller knows it. Only Name is required for matching;
// Domain (a web address or host), Email (an address or just its domain) and Country
// (ISO code or name) add evidence when present.
type Record struct {
	ID      string
	Name    string
	Domain  string
	Country string
	Email   string
}

// token kinds
const (
	kWord    uint8 = iota // a distinctive word
	kGeneric              // a word that describes the business rather than naming it
	kWeak                 // a descriptor whose absence costs little (Group, Holding, leftover Co)
	kStop                 // a filler word (the, of, and)
	kNumber               // a number (digits, number words, ordinals, Roman numerals)
	kPlace                // a country, region, city or state
)

// token is one word of a prepared name.
type token struct {
	key   string  // comparison key: abbreviations expanded, plural folded, numbers as digits
	word  string  // the folded word as written (for display, spacing and acronyms)
	w     float32 // weight in the alignment
	kind  uint8
	ann   bool   // a place standing as an annotation (in parentheses, after a comma, after the legal form)
	place uint16 // place id for kPlace
	dot   bool   // written with a full stop after it ("Ind."), as abbreviations are
	mask  uint32 // the letters a–z used by key (bit 0 = a), for quick rejection
}

// form is one name of a record (a record may carry aliases: "X d/b/a Y").
type form struct {
	textHash uint64  // hash of the folded name as written (0 for aliases)
	rawHash  uint64  // hash of every word of the name concatenated (spacing-insensitive)
	toks     []token // the core of the name: legal forms removed
	lwds     string  // the legal-form words as written, '|'-separated, for reasons
	legal    [maxLegal]uint8
	nlegal   uint8
	core     int16 // number of non-stop tokens
}

// maxLegal bounds the legal forms kept per name.
const maxLegal = 4

// legals returns the legal-form ids found, in order of appearance.
func (f *form) legals() []uint8 { return f.legal[:f.nlegal] }

// Prepared is a record normalised for matching. Build it once with Prepare and reuse it
// for any number of comparisons; it is immutable and safe for concurrent use.
type Prepared struct {
	id      string
	forms   []form
	domains []string // registrable domains, free-mail excluded, at most maxDomains
	labels  []string // the registrable label of each domain ("acme" for "acme.co.uk")
	nfield  int      // how many of domains came from the Domain and Email fields
	country string
}

const (
	maxForms   = 4
	maxTokens  = 32
	maxDomains = 3
)

// ID returns the record's ID.
func (p *Prepared) ID() string { return p.id }

// Empty reports whether the record has no usable name (empty, or only punctuation).
// Empty records never match anything.
func (p *Prepared) Empty() bool { return len(p.forms) == 0 }

// Key returns the canonical form of the record's primary name: its core words (legal
// forms, filler words and case removed; abbreviations, numbers and plurals normalised)
// joined by single spaces. Two names with the same Key are equal for the matcher apart
// from legal form and word order.
func (p *Prepared) Key() string {
	if len(p.forms) == 0 {
		return ""
	}
	var parts []string
	for _, t := range p.forms[0].toks {
		if t.kind != kStop {
			parts = append(parts, t.key)
		}
	}
	return strings.Join(parts, " ")
}

// Domains returns the registrable domains the record gives as evidence (from Domain,
// Email and web addresses inside the name), free-mail providers excluded.
func (p *Prepared) Domains() []string { return append([]string(nil), p.domains...) }

// Country returns the record's country as an ISO alpha-2 code ("" when unknown).
func (p *Prepared) Country() string { return p.country }

// Prepare normalises a record for matching. It never fails: a record whose name has no
// letters or digits is prepared as Empty.
func Prepare(r Record) *Prepared {
	p := &Prepared{id: r.ID, country: NormalizeCountry(r.Country)}
	var hints []string
	folded := fold(r.Name)
	raws := tokenize(folded, &hints)
	for _, alias := range splitAliases(raws) {
		if len(p.forms) == maxForms {
			break
		}
		if f, ok := buildForm(alias); ok {
			p.forms = append(p.forms, f)
		}
	}
	if len(p.forms) > 0 {
		p.forms[0].textHash = hashString(folded)
	}
	addDomain := func(s string) {
		if len(p.domains) >= maxDomains {
			return
		}
		d, ok := RegistrableDomain(s)
		if !ok {
			return
		}
		for _, e := range p.domains {
			if e == d {
				return
			}
		}
		p.domains = append(p.domains, d)
	}
	addDomain(r.Domain)
	addDomain(r.Email)
	p.nfield = len(p.domains)
	for _, h := range hints {
		addDomain(h)
	}
	for _, d := range p.domains {
		p.labels = append(p.labels, domainLabel(d))
	}
	return p
}

// rawTok is a word found by the tokenizer.
type rawTok struct {
	text   string
	paren  bool // inside parentheses
	seg    int  // comma-separated segment number
	slash  bool // preceded by '/'
	dotted bool // followed by '.'
	amp    bool // stands for '&' or '+'
	init   bool // joined from single letters ("A.B.C.")
}

// tokenize splits a folded name into words. It joins dotted or spaced initials, drops
// possessive 's, turns & and + into "and", and reads host names inside the name as
// domain hints (keeping their registrable label as a word).
func tokenize(s string, hints *[]string) []rawTok {
	out := make([]rawTok, 0, len(s)/5+2)
	depth, seg := 0, 0
	slash := false
	i := 0
	isWord := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 }
	for i < len(s) && len(out) < 4*maxTokens {
		c := s[i]
		switch {
		case isWord(c) || c == '\'':
			// Read a word, skipping apostrophes inside it and dropping a final 's.
			var b strings.Builder
			start := i
			simple := true
			for i < len(s) && (isWord(s[i]) || s[i] == '\'') {
				if s[i] == '\'' {
					simple = false
					if i+1 < len(s) && s[i+1] == 's' && (i+2 == len(s) || !isWord(s[i+2])) && b.Len() > 0 {
						i += 2
						break
					}
					i++
					continue
				}
				b.WriteByte(s[i])
				i++
			}
			text := s[start:i]
			if !simple {
				text = b.String()
			}
			if text == "" {
				continue
			}
			// A host name such as "amazon.com" or "www.acme.co.uk".
			if i < len(s) && s[i] == '.' && i+1 < len(s) && isWord(s[i+1]) && len(text) >= 2 {
				j := i
				for j < len(s) && (isWord(s[j]) || s[j] == '.' || s[j] == '-') {
					j++
				}
				host := strings.TrimRight(s[start:j], ".-")
				if label, ok := hostLabel(host); ok {
					*hints = append(*hints, host)
					// "Acme (acme.co.uk)": a host in parentheses is evidence, not name.
					if depth == 0 {
						out = append(out, rawTok{text: label, seg: seg, slash: slash})
					}
					slash = false
					i = j
					continue
				}
			}
			t := rawTok{text: text, paren: depth > 0, seg: seg, slash: slash}
			slash = false
			if i < len(s) && s[i] == '.' {
				t.dotted = true
			}
			// "c/o" (care of): the rest names someone else.
			if text == "c" && i+2 < len(s) && s[i] == '/' && s[i+1] == 'o' && (i+2 == len(s) || !isWord(s[i+2])) {
				return out
			}
			out = append(out, t)
		case c == '&' || c == '+':
			out = append(out, rawTok{text: "and", paren: depth > 0, seg: seg, amp: true})
			i++
		case c == '%':
			out = append(out, rawTok{text: "percent", paren: depth > 0, seg: seg})
			i++
		case c == '(':
			depth++
			i++
		case c == ')':
			if depth > 0 {
				depth--
			}
			i++
		case c == ',':
			seg++
			i++
		case c == '-' && i > 0 && s[i-1] == ' ' && i+1 < len(s) && s[i+1] == ' ':
			// A spaced dash separates like a comma: "Acme Inc - Gotham Branch".
			seg++
			i++
		case c == '/':
			slash = true
			i++
		default:
			i++
		}
	}
	return joinInitials(out)
}

// hostLabel reports whether host looks like a web host inside a name and returns its
// registrable label ("amazon" for "amazon.com").
func hostLabel(host string) (string, bool) {
	if strings.Count(host, ".") == 0 {
		return "", false
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if legalWords[last] || len(last) < 2 {
		return "", false
	}
	d := hostOf(host)
	if d == "" {
		return "", false
	}
	label := domainLabel(d)
	if label == "" || label == d {
		return "", false
	}
	// Only accept public suffixes under ICANN rules: "co.ltd" is not a host.
	if !isKnownTLD(last) {
		return "", false
	}
	return strings.ReplaceAll(label, "-", ""), true
}

var commonTLDs = setOf(`com net org io co ai app dev biz info de uk fr nl be ch at es it pt ie dk se no fi pl cz
ru ua jp cn kr in au nz ca us mx br ar cl eu tech online site store shop cloud digital global group`)

func isKnownTLD(s string) bool { return commonTLDs[s] }

// joinInitials joins runs of single letters ("a.b.c.", "a b c", "a/s") into one word.
func joinInitials(in []rawTok) []rawTok {
	out := in[:0] // in place: the write index never passes the read index
	for i := 0; i < len(in); {
		t := in[i]
		if len(t.text) == 1 && t.text[0] >= 'a' && t.text[0] <= 'z' && !t.amp {
			j := i + 1
			// Letters join while written alike: "A.B.C." or "A B C" (the last letter of a
			// dotted run may lack its dot), so "V L.P." stays "V" + "LP".
			for j < len(in) && len(in[j].text) == 1 && in[j].text[0] >= 'a' && in[j].text[0] <= 'z' && !in[j].amp &&
				in[j].paren == t.paren && in[j].seg == t.seg {
				if in[j-1].dotted != in[j].dotted {
					if in[j-1].dotted && !in[j].dotted {
						j++
					}
					break
				}
				j++
			}
			if j-i >= 2 {
				var b strings.Builder
				slashed := false
				for k := i; k < j; k++ {
					b.WriteString(in[k].text)
					if k > i && in[k].slash {
						slashed = true
					}
				}
				nt := t
				nt.text = b.String()
				nt.init = true
				nt.slash = slashed
				nt.dotted = in[j-1].dotted
				out = append(out, nt)
				i = j
				continue
			}
		}
		out = append(out, t)
		i++
	}
	return out
}

// aliasMarkers introduce another name of the same company.
var aliasMarkers = map[string]int{
	"dba": 1, "aka": 1, "fka": 1, "nka": 1, "formerly": 1, "previously": 1,
	"also known as": 3, "trading as": 2, "doing business as": 3, "formerly known as": 3,
	"now known as": 3, "operating as": 2,
}

// aliasFirst holds the first words of aliasMarkers.
var aliasFirst = func() map[string]bool {
	m := map[string]bool{}
	for k := range aliasMarkers {
		m[strings.Fields(k)[0]] = true
	}
	return m
}()

// splitAliases cuts a token list at alias markers ("d/b/a", "t/a", "formerly") and at a
// slash between two multi-word names.
func splitAliases(toks []rawTok) [][]rawTok {
	var out [][]rawTok
	start := 0
	var buf [64]byte
	for i := 0; i < len(toks); i++ {
		n := 0
		if toks[i].text == "ta" && toks[i].init && toks[i].slash {
			n = 1
		} else if aliasFirst[toks[i].text] {
			for k := 3; k >= 1 && n == 0; k-- {
				if i+k > len(toks) {
					continue
				}
				b := buf[:0]
				for j, t := range toks[i : i+k] {
					if j > 0 {
						b = append(b, ' ')
					}
					b = append(b, t.text...)
				}
				if m, ok := aliasMarkers[string(b)]; ok && m == k {
					n = k
				}
			}
		}
		if n == 0 && toks[i].slash && i-start >= 2 && countUntilEnd(toks, i) >= 2 && !toks[i].init {
			out = append(out, toks[start:i])
			start = i
			continue
		}
		if n > 0 {
			if i > start {
				out = append(out, toks[start:i])
			}
			start = i + n
			i += n - 1
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

// countUntilEnd counts the words from i to the next slash (or the end).
func countUntilEnd(toks []rawTok, i int) int {
	n := 1
	for j := i + 1; j < len(toks) && !toks[j].slash; j++ {
		n++
	}
	return n
}

// buildForm turns the words of one name into a form: numbers read, status notes and
// legal forms removed, places recognised, keys and weights assigned.
func buildForm(raw []rawTok) (form, bool) {
	raw = splitCJKForms(raw)
	raw = dropStatus(raw)
	raw = readNumbers(raw)
	if len(raw) > maxTokens {
		raw = raw[:maxTokens]
	}
	if len(raw) == 0 {
		return form{}, false
	}
	var f form
	f.rawHash = 14695981039346656037
	for _, t := range raw {
		f.rawHash = hashMore(f.rawHash, t.text)
	}

	words := make([]string, len(raw))
	for i, t := range raw {
		words[i] = t.text
	}
	lo, hi := 0, len(raw)
	var annotations [][2]int // place words set aside as annotations: start, length
	var endLegal, startLegal []uint8
	var endWords, startWords []string
	nonStop := func(a, b int) int {
		n := 0
		for _, w := range words[a:b] {
			if !stopWords[w] {
				n++
			}
		}
		return n
	}
	// Strip from the end: legal forms, filler words left behind ("& Co"), and places
	// that stand as annotations (in parentheses, after a comma, after the legal form).
	// Short comma segments after a segment that ends with a legal form are an address
	// ("Cyberdyne Systems Corp., Sunnyvale, CA").
	addrFrom := len(raw)
	for e := len(raw) - 2; e >= lo && len(raw)-1-e <= 6; e-- {
		if raw[e].seg != raw[e+1].seg && nonStop(lo, e+1) >= 2 {
			if _, n := legalSuffix(words[lo:e+1], false); n > 0 {
				addrFrom = e + 1
				break
			}
		}
	}
	sawLegal := false
	for hi > lo {
		if stopWords[words[hi-1]] && hi-lo > 1 && (sawLegal || raw[hi-1].amp) {
			hi--
			continue
		}
		if id, n := legalSuffix(words[lo:hi], hi == len(raw)); n > 0 && nonStop(lo, hi-n) >= 1 {
			endLegal = append(endLegal, id)
			endWords = append(endWords, strings.Join(words[hi-n:hi], " "))
			hi -= n
			sawLegal = true
			continue
		}
		if hi > addrFrom && !sawLegal {
			n := trailingSegment(raw, lo, hi)
			if n > 0 && hi-n >= addrFrom {
				annotations = append(annotations, [2]int{hi - n, n})
				hi -= n
				continue
			}
		}
		// "Glencore International AG, Baar": a short comma segment after the legal form
		// is the seat or an address.
		if n := trailingSegment(raw, lo, hi); n > 0 && !sawLegal && nonStop(lo, hi-n) >= 1 {
			if _, isLegal := legalSuffix(words[lo:hi-n], false); isLegal > 0 {
				annotations = append(annotations, [2]int{hi - n, n})
				hi -= n
				continue
			}
		}
		if _, n := placeSuffix(words[lo:hi]); n > 0 && nonStop(lo, hi-n) >= 1 {
			first := raw[hi-n]
			_, afterLegal := legalSuffix(words[lo:hi-n], false)
			if first.paren || first.seg > raw[lo].seg || afterLegal > 0 {
				annotations = append(annotations, [2]int{hi - n, n})
				hi -= n
				continue
			}
		}
		break
	}
	// Strip from the start: forms that precede the name (OOO, JSC, PT, AB …).
	for lo < hi {
		if stopWords[words[lo]] && hi-lo > 1 {
			lo++
			continue
		}
		if id, n := legalPrefix(words[lo:hi]); n > 0 && nonStop(lo+n, hi) >= 1 {
			startLegal = append(startLegal, id)
			startWords = append(startWords, strings.Join(words[lo:lo+n], " "))
			lo += n
			continue
		}
		break
	}
	for _, id := range append(startLegal, reverse8(endLegal)...) {
		if int(f.nlegal) < maxLegal {
			f.legal[f.nlegal] = id
			f.nlegal++
		}
	}
	f.lwds = strings.Join(append(startWords, reverseS(endWords)...), "|")

	lastCore := hi - 1
	f.toks = make([]token, 0, hi-lo+len(annotations))
	for k := lo; k < hi; k++ {
		t := raw[k]
		if id, n := placeAt(words, k, hi); n > 0 {
			f.toks = append(f.toks, token{key: places[id].key, word: strings.Join(words[k:k+n], " "), w: 0.5, kind: kPlace, place: id, ann: t.paren})
			k += n - 1
			continue
		}
		f.toks = append(f.toks, makeToken(t, k == lastCore && k >= lo+2))
	}
	for a := len(annotations) - 1; a >= 0; a-- {
		k, n := annotations[a][0], annotations[a][1]
		word := strings.Join(words[k:k+n], " ")
		key := strings.ReplaceAll(word, " ", "")
		id, pn := placeAt(words, k, k+n)
		if id != 0 && pn == n {
			key = places[id].key
		} else {
			id = 0 // an unknown place: compared by its spelling
		}
		f.toks = append(f.toks, token{key: key, word: word, w: 0.5, kind: kPlace, place: id, ann: true})
	}
	for i := range f.toks {
		t := &f.toks[i]
		if t.kind != kStop {
			f.core++
		}
		t.mask = letterMask(t.key) | letterMask(t.word)
	}
	if f.core == 0 {
		return form{}, false
	}
	return f, true
}

// hashMore continues an FNV-1a hash over s.
func hashMore(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// hashString returns the FNV-1a hash of s.
func hashString(s string) uint64 { return hashMore(14695981039346656037, s) }

// letterMask returns the set of letters a–z used by s.
func letterMask(s string) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			m |= 1 << (c - 'a')
		}
	}
	return m
}

// trailingSegment returns the number of words in the comma segment ending at hi when
// it is a later segment than the one the name starts in and holds one to three words.
func trailingSegment(raw []rawTok, lo, hi int) int {
	if hi-lo < 2 {
		return 0
	}
	seg := raw[hi-1].seg
	if seg == raw[lo].seg || raw[hi-1].paren {
		return 0
	}
	n := 0
	for k := hi - 1; k >= lo && raw[k].seg == seg; k-- {
		n++
	}
	if n > 3 {
		return 0
	}
	return n
}

// makeToken classifies one word and computes its key and weight. last says whether the
// word ends a name of three or more words (where a lone "I", "V" or "X" is a numeral).
func makeToken(t rawTok, last bool) token {
	w := t.text
	tk := token{word: w, dot: t.dotted && !t.init}
	if isDigits(w) {
		tk.kind, tk.key, tk.w = kNumber, strings.TrimLeft(w, "0"), 0.6
		if tk.key == "" {
			tk.key = "0"
		}
		return tk
	}
	if v, ok := romanNumerals[w]; ok && !t.init && (len(w) >= 2 || last) {
		tk.kind, tk.key, tk.w = kNumber, strconv.Itoa(v), 0.6
		return tk
	}
	if stopWords[w] {
		tk.kind, tk.key = kStop, w
		return tk
	}
	key := w
	if a, ok := abbreviations[w]; ok {
		key = a
	}
	switch {
	case legalPhrases[key] != 0:
		// A legal form inside the name ("Acme Corp Holdings"): compared by its code, so
		// that "Corp" and "Corporation" agree.
		tk.kind, tk.w, tk.key = kWeak, 0.2, legalForms[legalPhrases[key]].code
		return tk
	case weakWords[key]:
		tk.kind, tk.w = kWeak, 0.2
	case genericWords[key]:
		tk.kind, tk.w = kGeneric, 0.45
	default:
		tk.kind = kWord
		switch n := len(key); {
		case n <= 1:
			tk.w = 0.3
		case n == 2:
			tk.w = 0.55
		case n == 3:
			tk.w = 0.75
		case n == 4:
			tk.w = 0.9
		default:
			tk.w = 1
		}
	}
	tk.key = stem(key)
	return tk
}

// stem folds English plurals: "industries" → "industry", "holdings" → "holding".
func stem(s string) string {
	n := len(s)
	if n >= 5 && strings.HasSuffix(s, "ies") {
		return s[:n-3] + "y"
	}
	if n >= 4 && s[n-1] == 's' && isASCIIWord(s) {
		switch s[n-2] {
		case 's', 'u', 'i':
			return s
		}
		return s[:n-1]
	}
	return s
}

// legalSuffix finds the longest legal-form spelling at the end of words. atEnd says the
// words end the whole name, where the last word may be cut short ("Joint Stock Compan").
func legalSuffix(words []string, atEnd bool) (uint8, int) {
	var buf [160]byte
	best, bestN := uint8(0), 0
	firstOther := -1 // length of the shortest tail holding a word that is no legal word
	for n := 1; n <= len(words) && n <= maxLegalWords; n++ {
		if !legalWords[words[len(words)-n]] {
			firstOther = n
			break
		}
		if id := legalPhrases[string(joinInto(buf[:0], words[len(words)-n:]))]; id != 0 {
			best, bestN = id, n
		}
	}
	if firstOther < 0 {
		return best, bestN
	}
	// Tolerate one misspelt or cut-short word: tails holding exactly one word that is
	// not a legal word, longer than the exact match found.
	for n := minInt(maxLegalWords, len(words)); n > bestN && n >= firstOther; n-- {
		others := 0
		for _, w := range words[len(words)-n:] {
			if !legalWords[w] {
				others++
			}
		}
		if others != 1 {
			continue
		}
		if id, ok := fuzzyLegal(words[len(words)-n:], atEnd); ok {
			return id, n
		}
	}
	return best, bestN
}

// joinInto appends words to buf, separated by single spaces.
func joinInto(buf []byte, words []string) []byte {
	for i, w := range words {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, w...)
	}
	return buf
}

// prefixLegal lists the single-word forms that are written before the name.
var prefixLegal = setOf(`ooo oao zao pao ao jsc ojsc cjsc pjsc llc tov too pt cv srl sc ano ab as pat prat nko sa sas spa kk`)

// legalPrefix finds a legal-form spelling at the start of words.
func legalPrefix(words []string) (uint8, int) {
	var buf [160]byte
	best, bestN := uint8(0), 0
	for n := 1; n <= len(words) && n <= maxLegalWords; n++ {
		if !legalWords[words[n-1]] {
			break
		}
		id := legalPhrases[string(joinInto(buf[:0], words[:n]))]
		if id == 0 || n == 1 && !prefixLegal[words[0]] {
			continue
		}
		best, bestN = id, n
	}
	return best, bestN
}

// legalLongByFirst lists legal-form words of 5+ letters by first letter, for
// typo-tolerant stripping; legalShapes holds every spelling with one word replaced by
// "*". Both are filled by the init function of tables_legal.go.
var (
	legalLongByFirst [256][]string
	legalShapes      = map[string]bool{}
)

// shapeKey returns words joined by spaces with word i replaced by "*".
func shapeKey(words []string, i int) string {
	var b strings.Builder
	for j, w := range words {
		if j > 0 {
			b.WriteByte(' ')
		}
		if j == i {
			b.WriteByte('*')
		} else {
			b.WriteString(w)
		}
	}
	return b.String()
}

// fuzzyLegal reports whether words spell a legal form with at most one typo in each
// word of five or more letters, the last word possibly cut short (at least four letters
// kept), when the words are not themselves legal words.
func fuzzyLegal(words []string, atEnd bool) (uint8, bool) {
	var fbuf [8]string
	fixed := fbuf[:0]
	if len(words) > len(fbuf) {
		return 0, false
	}
	changed := false
	for i, w := range words {
		if legalWords[w] {
			fixed = append(fixed, w)
			continue
		}
		if genericWords[w] || len(w) < 4 || len(words) == 1 && len(w) < 6 {
			return 0, false
		}
		// Only where some spelling has this shape: the other words in place, any word here.
		if !legalShapes[shapeKey(words, i)] {
			return 0, false
		}
		best := ""
		for _, lw := range legalLongByFirst[w[0]] {
			if len(w) >= 5 && absInt(len(lw)-len(w)) <= 1 && osa(w, lw, 1) <= 1 {
				best = lw
				break
			}
			if atEnd && i == len(words)-1 && len(lw) >= 6 && len(w) >= 4 && len(w) < len(lw) && strings.HasPrefix(lw, w) {
				best = lw
				break
			}
		}
		if best == "" {
			return 0, false
		}
		fixed = append(fixed, best)
		changed = true
	}
	if !changed {
		return 0, false
	}
	var buf [160]byte
	id := legalPhrases[string(joinInto(buf[:0], fixed))]
	return id, id != 0
}

// placeSuffix finds the longest place spelling at the end of words.
func placeSuffix(words []string) (uint16, int) {
	var buf [160]byte
	best, bestN := uint16(0), 0
	for n := 1; n <= len(words) && n <= maxPlaceWords; n++ {
		if !placeWords[words[len(words)-n]] {
			break
		}
		if id := placePhrases[string(joinInto(buf[:0], words[len(words)-n:]))]; id != 0 {
			best, bestN = id, n
		}
	}
	return best, bestN
}

// placeAt finds the longest place spelling starting at words[k] and ending before end.
func placeAt(words []string, k, end int) (uint16, int) {
	var buf [160]byte
	best, bestN := uint16(0), 0
	for n := 1; k+n <= end && n <= maxPlaceWords; n++ {
		if !placeWords[words[k+n-1]] {
			break
		}
		if id := placePhrases[string(joinInto(buf[:0], words[k:k+n]))]; id != 0 {
			best, bestN = id, n
		}
	}
	return best, bestN
}

// cjkForms are legal forms written in Chinese, Japanese or Korean script, which has no
// spaces to set them apart, with the folded spelling they stand for.
var cjkForms = []struct{ script, folded string }{
	{"股份有限公司", "co ltd"}, {"有限责任公司", "llc"}, {"有限公司", "ltd"}, {"株式会社", "kk"},
	{"合同会社", "gk"}, {"有限会社", "yk"}, {"주식회사", "jusikhoesa"}, {"유한회사", "ltd"}, {"集团", "group"},
}

// splitCJKForms separates legal forms glued to the start or end of a word written in
// Chinese, Japanese or Korean ("三星电子有限公司" → "三星电子" + "ltd").
func splitCJKForms(raw []rawTok) []rawTok {
	var out []rawTok
	for i, t := range raw {
		if isASCII(t.text) {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		var pre, post []rawTok
		text := t.text
		whole := false
		for _, f := range cjkForms {
			if text == f.script {
				// The form written as a word of its own.
				if out == nil {
					out = append(out, raw[:i]...)
				}
				post = append(post, splitWords(rawTok{text: f.folded, seg: t.seg, paren: t.paren})...)
				out = append(out, post...)
				whole = true
				break
			}
		}
		if whole {
			continue
		}
		for changed := true; changed; {
			changed = false
			for _, f := range cjkForms {
				if len(text) > len(f.script) && strings.HasSuffix(text, f.script) {
					text = strings.TrimSuffix(text, f.script)
					post = append([]rawTok{{text: "", seg: t.seg, paren: t.paren}}, post...)
					post[0].text = f.folded
					changed = true
				} else if len(text) > len(f.script) && strings.HasPrefix(text, f.script) {
					text = strings.TrimPrefix(text, f.script)
					pre = append(pre, rawTok{text: f.folded, seg: t.seg, paren: t.paren})
					changed = true
				}
			}
		}
		if len(pre)+len(post) == 0 {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = append(out, raw[:i]...)
		}
		core := t
		core.text = text
		for _, p := range pre {
			out = append(out, splitWords(p)...)
		}
		out = append(out, core)
		for _, p := range post {
			out = append(out, splitWords(p)...)
		}
	}
	if out == nil {
		return raw
	}
	return out
}

// splitWords turns a token holding spaces into one token per word.
func splitWords(t rawTok) []rawTok {
	var out []rawTok
	for _, w := range strings.Fields(t.text) {
		nt := t
		nt.text = w
		out = append(out, nt)
	}
	return out
}

// dropStatus removes registry status notes such as "(in liquidation)".
func dropStatus(raw []rawTok) []rawTok {
	for i := 1; i < len(raw); i++ {
		if !statusFirst[raw[i].text] {
			continue
		}
		for _, ws := range statusWords {
			if i+len(ws) > len(raw) {
				continue
			}
			ok := true
			for j, w := range ws {
				if raw[i+j].text != w {
					ok = false
					break
				}
			}
			if ok {
				raw = append(raw[:i:i], raw[i+len(ws):]...)
				i--
				break
			}
		}
	}
	return raw
}

// statusWords and statusFirst are statusPhrases split into words.
var statusWords, statusFirst = func() ([][]string, map[string]bool) {
	var out [][]string
	first := map[string]bool{}
	for _, ph := range statusPhrases {
		ws := strings.Fields(ph)
		out = append(out, ws)
		first[ws[0]] = true
	}
	return out, first
}()

// readNumbers rewrites number words, ordinals ("1st", "first") and combinations
// ("forty-four", "forty 4", "one hundred") as digits.
func readNumbers(raw []rawTok) []rawTok {
	out := raw[:0] // in place: the write index never passes the read index
	for i := 0; i < len(raw); {
		t := raw[i]
		if v, ok := ordinalDigits(t.text); ok {
			t.text = strconv.Itoa(v)
			out = append(out, t)
			i++
			continue
		}
		v, ok := numberWords[t.text]
		if !ok {
			out = append(out, t)
			i++
			continue
		}
		total, j := v, i+1
		// tens + unit ("forty four", "forty-four", "forty 4")
		if v >= 20 && v%10 == 0 && v < 100 && j < len(raw) {
			if u, ok := numberWords[raw[j].text]; ok && u >= 1 && u <= 9 {
				total += u
				j++
			} else if len(raw[j].text) == 1 && raw[j].text[0] >= '1' && raw[j].text[0] <= '9' {
				total += int(raw[j].text[0] - '0')
				j++
			}
		}
		// "<n> hundred [and] <m>", "<n> thousand"
		for j < len(raw) && total < 1000 {
			switch raw[j].text {
			case "hundred", "hundredth":
				total *= 100
				j++
				continue
			case "thousand", "thousandth":
				total *= 1000
				j++
				continue
			}
			break
		}
		t.text = strconv.Itoa(total)
		out = append(out, t)
		i = j
	}
	return out
}

// ordinalDigits reads "1st", "2nd", "3rd", "4th", "21st" …
func ordinalDigits(s string) (int, bool) {
	if len(s) < 3 || len(s) > 6 {
		return 0, false
	}
	suf := s[len(s)-2:]
	if suf != "st" && suf != "nd" && suf != "rd" && suf != "th" {
		return 0, false
	}
	num := s[:len(s)-2]
	if !isDigits(num) {
		return 0, false
	}
	v, err := strconv.Atoi(num)
	return v, err == nil
}

func reverse8(s []uint8) []uint8 {
	out := make([]uint8, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func reverseS(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func absInt(a int) int {
	if a < 0 {
		return -a
	}
	return a
}
