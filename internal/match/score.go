package match

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Decision is the matcher's verdict on a pair of records.
type Decision int

// The decisions, from weakest to strongest.
const (
	None     Decision = iota // not the same company as far as the evidence goes
	Possible                 // worth a person's look
	Match                    // the same company
)

// String returns "none", "possible" or "match".
func (d Decision) String() string {
	switch d {
	case Match:
		return "match"
	case Possible:
		return "possible"
	}
	return "none"
}

// Config holds the decision thresholds. A score at or above MatchThreshold is a Match;
// at or above PossibleThreshold (and below MatchThreshold) it is Possible.
type Config struct {
	MatchThreshold    float64
	PossibleThreshold float64
}

// Default thresholds, chosen on the development pairs and Tandem's own test cases (see
// docs/matching.md).
const (
	DefaultMatchThreshold    = 0.85
	DefaultPossibleThreshold = 0.7
)

// DefaultConfig returns the default thresholds.
func DefaultConfig() Config {
	return Config{MatchThreshold: DefaultMatchThreshold, PossibleThreshold: DefaultPossibleThreshold}
}

// Validate reports whether the thresholds are usable: both in (0,1] and the possible
// threshold not above the match threshold.
func (c Config) Validate() error {
	if !(c.MatchThreshold > 0 && c.MatchThreshold <= 1) {
		return fmt.Errorf("match threshold %v is not in (0,1]", c.MatchThreshold)
	}
	if !(c.PossibleThreshold > 0 && c.PossibleThreshold <= 1) {
		return fmt.Errorf("possible threshold %v is not in (0,1]", c.PossibleThreshold)
	}
	if c.PossibleThreshold > c.MatchThreshold {
		return fmt.Errorf("possible threshold %v is above match threshold %v", c.PossibleThreshold, c.MatchThreshold)
	}
	return nil
}

// Decide maps a score to a decision under c.
func (c Config) Decide(score float64) Decision {
	switch {
	case score >= c.MatchThreshold:
		return Match
	case score >= c.PossibleThreshold:
		return Possible
	}
	return None
}

// Result is the outcome of comparing two records: a score in [0,1], the decision under
// the thresholds used, and short reasons a reviewer can check against the two names.
type Result struct {
	Score    float64
	Decision Decision
	Reasons  []string
}

// Compare prepares and compares two records. Use ComparePrepared to compare prepared
// records repeatedly without normalising them again.
func Compare(a, b Record, cfg Config) Result {
	return ComparePrepared(Prepare(a), Prepare(b), cfg)
}

// ComparePrepared compares two prepared records. The score is symmetric up to rounding
// and depends only on the two records, never on other records or on an index.
func ComparePrepared(a, b *Prepared, cfg Config) Result {
	s, reasons := compare(a, b, true)
	return Result{Score: s, Decision: cfg.Decide(s), Reasons: reasons}
}

// scoreOnly is the fast path used by the index: no reasons.
func scoreOnly(a, b *Prepared) float64 {
	s, _ := compare(a, b, false)
	return s
}

func compare(a, b *Prepared, why bool) (float64, []string) {
	if a.Empty() || b.Empty() {
		if why {
			return 0, []string{"empty name"}
		}
		return 0, nil
	}
	var best nameResult
	bestI, bestJ := 0, 0
	for i := range a.forms {
		for j := range b.forms {
			r := compareForms(&a.forms[i], &b.forms[j], why)
			if i == 0 && j == 0 || r.score > best.score {
				best, bestI, bestJ = r, i, j
			}
		}
	}
	s := best.score
	var reasons []string
	if why {
		reasons = best.reasons
		if bestI > 0 || bestJ > 0 {
			reasons = append([]string{"matched on an alias"}, reasons...)
		}
	}

	// Domains: the same registrable domain is strong evidence; different domains weak
	// evidence against, unless they share their label (acme.com, acme.de).
	if len(a.domains) > 0 && len(b.domains) > 0 {
		same, sameLabel := "", ""
		for i, da := range a.domains {
			for j, db := range b.domains {
				if da == db {
					same = da
				} else if sameLabel == "" && a.labels[i] == b.labels[j] {
					sameLabel = da + ", " + db
				}
			}
		}
		switch {
		case same != "":
			// The same registrable domain (free mail excluded) is the strongest single
			// piece of evidence: at least a possible match whatever the names say.
			s = 0.7 + 0.3*s
			if why {
				reasons = append(reasons, "same registrable domain "+same)
			}
		case sameLabel != "":
			s = s + (1-s)*0.3
			if why {
				reasons = append(reasons, "same domain name under different suffixes ("+sameLabel+")")
			}
		case a.nfield > 0 && b.nfield > 0:
			// Only domains given as such count against: a web address inside a name is
			// part of the name and already compared with it.
			s -= 0.1
			if why {
				reasons = append(reasons, fmt.Sprintf("different web domains (%s, %s)", a.domains[0], b.domains[0]))
			}
		}
	} else if d, label, p := oneDomain(a, b); d != "" {
		// One side has a domain: does its label spell the other's name?
		f := &p.forms[0]
		if len(label) >= 3 && (spellsCore(label, f) || hashString(label) == f.rawHash || label == initials(f)) {
			s = s + (1-s)*0.3
			if why {
				reasons = append(reasons, "domain "+d+" spells the other name")
			}
		}
	}
	if a.country != "" && b.country != "" && a.country != b.country {
		// Same name in two countries: usually two subsidiaries, worth a look at most.
		s -= 0.1
		best.cap = math.Min(best.cap, 0.84)
		if why {
			reasons = append(reasons, "different countries ("+a.country+", "+b.country+")")
		}
	}
	if s > best.cap {
		s = best.cap
	}
	s = math.Max(0, math.Min(1, s))
	s = math.Round(s*1000) / 1000
	return s, reasons
}

func oneDomain(a, b *Prepared) (domain, label string, other *Prepared) {
	if len(a.domains) > 0 && len(b.domains) == 0 {
		return a.domains[0], a.labels[0], b
	}
	if len(b.domains) > 0 && len(a.domains) == 0 {
		return b.domains[0], b.labels[0], a
	}
	return "", "", nil
}

// spellsCore reports whether label equals the core words of f written together.
func spellsCore(label string, f *form) bool {
	pos := 0
	for _, t := range f.toks {
		if t.kind == kStop {
			continue
		}
		for i := 0; i < len(t.word); i++ {
			if t.word[i] == ' ' {
				continue
			}
			if pos >= len(label) || label[pos] != t.word[i] {
				return false
			}
			pos++
		}
	}
	return pos == len(label)
}

// initials returns the first letters of the core words of f.
func initials(f *form) string {
	var buf [maxTokens]byte
	n := 0
	for _, t := range f.toks {
		if t.kind != kStop && t.word != "" && n < len(buf) {
			buf[n] = t.word[0]
			n++
		}
	}
	return string(buf[:n])
}

// nameResult is the outcome of comparing two names.
type nameResult struct {
	score   float64
	cap     float64 // an upper bound that later evidence cannot lift (place or number conflicts)
	reasons []string
}

// alignment kinds
const (
	alExact = iota + 1
	alTypo
	alTrunc
	alMerge
	alAcronym
	alVariant
	alAbbrev
)

// link records how token i of one name was aligned.
type link struct {
	j    int8 // index in the other name (first token of a run)
	n    int8 // run length on the other side (merge/acronym), 1 otherwise
	kind int8
	dist int8
	sim  float32
}

const maxAlign = maxTokens

func compareForms(A, B *form, why bool) nameResult {
	res := nameResult{cap: 1}
	// Reasons are formatted only when asked for (callers test why first): the index
	// scores many candidates without them, and formatting costs more than comparing.
	add := func(s string) {
		if why && len(res.reasons) < 6 {
			res.reasons = append(res.reasons, s)
		}
	}
	if A.textHash != 0 && A.textHash == B.textHash {
		res.score = 1
		add("same name")
		return res
	}
	if A.rawHash == B.rawHash {
		res.score = 0.99
		add("same name apart from spacing and punctuation")
		return res
	}

	// Non-stop tokens of each side.
	var ia, ib [maxAlign]int
	na, nb := 0, 0
	for i, t := range A.toks {
		if t.kind != kStop && na < maxAlign {
			ia[na] = i
			na++
		}
	}
	for j, t := range B.toks {
		if t.kind != kStop && nb < maxAlign {
			ib[nb] = j
			nb++
		}
	}
	var la, lb [maxAlign]link // la[x] describes A token ia[x]; kind 0 = unmatched
	usedB := func(y int) bool { return lb[y].kind != 0 }

	// 1. Equal keys.
	for x := 0; x < na; x++ {
		ka := A.toks[ia[x]].key
		for y := 0; y < nb; y++ {
			if !usedB(y) && B.toks[ib[y]].key == ka {
				la[x] = link{j: int8(y), n: 1, kind: alExact, sim: 1}
				lb[y] = link{j: int8(x), n: 1, kind: alExact, sim: 1}
				break
			}
		}
	}
	freeA, freeB := 0, 0
	for x := 0; x < na; x++ {
		if la[x].kind == 0 {
			freeA++
		}
	}
	for y := 0; y < nb; y++ {
		if lb[y].kind == 0 {
			freeB++
		}
	}
	if freeA > 0 && freeB > 0 {
		// 2. One word written as two or three ("Goodwill" / "Good Will").
		if freeA >= 2 {
			mergeRuns(A, B, ia[:na], ib[:nb], la[:na], lb[:nb])
		}
		if freeB >= 2 {
			mergeRuns(B, A, ib[:nb], ia[:na], lb[:nb], la[:na])
		}
		// 3. Acronyms ("IBM" / "International Business Machines").
		if freeA >= 3 {
			acronyms(A, B, ia[:na], ib[:nb], la[:na], lb[:nb])
		}
		if freeB >= 3 {
			acronyms(B, A, ib[:nb], ia[:na], lb[:nb], la[:na])
		}
	}
	// 4. Typos, cut-short words and word-form variants, best pairs first.
	type cand struct {
		x, y, kind, dist int8
		sim              float32
	}
	var cbuf [40]cand
	cands := cbuf[:0]
	for x := 0; x < na && len(cands) < len(cbuf); x++ {
		if la[x].kind != 0 {
			continue
		}
		for y := 0; y < nb && len(cands) < len(cbuf); y++ {
			if lb[y].kind != 0 {
				continue
			}
			ta, tb := &A.toks[ia[x]], &B.toks[ib[y]]
			kind, sim, dist := tokenSim(ta, tb, x == na-1, y == nb-1)
			if kind != 0 {
				c := cand{int8(x), int8(y), int8(kind), int8(dist), float32(sim)}
				k := len(cands)
				cands = append(cands, c)
				for k > 0 && cands[k-1].sim < c.sim {
					cands[k] = cands[k-1]
					k--
				}
				cands[k] = c
			}
		}
	}
	for _, c := range cands {
		if la[c.x].kind != 0 || lb[c.y].kind != 0 {
			continue
		}
		la[c.x] = link{j: c.y, n: 1, kind: c.kind, sim: c.sim, dist: c.dist}
		lb[c.y] = link{j: c.x, n: 1, kind: c.kind, sim: c.sim, dist: c.dist}
	}

	// Weighted agreement: matched weight over total weight.
	var wa, wb, m float64
	for x := 0; x < na; x++ {
		t := &A.toks[ia[x]]
		wa += float64(t.w)
		if la[x].kind != 0 {
			m += float64(t.w) * float64(la[x].sim)
		}
	}
	for y := 0; y < nb; y++ {
		t := &B.toks[ib[y]]
		wb += float64(t.w)
		if lb[y].kind != 0 {
			m += float64(t.w) * float64(lb[y].sim)
		}
	}

	// Unmatched words, by kind: numbers, places in the name, place annotations, words.
	var ua, ub unmatched
	ua.collect(A.toks, ia[:na], la[:na], &wa)
	ub.collect(B.toks, ib[:nb], lb[:nb], &wb)
	numA, numB := ua.n[uNum], ub.n[uNum]
	plA, plB := ua.n[uPlace], ub.n[uPlace]
	annA, annB := ua.n[uAnn], ub.n[uAnn]
	extraA, extraB := ua.n[uWord], ub.n[uWord]
	if numA > 0 && numB > 0 {
		// Different numbers are judged below on their own; they do not also dilute.
		wa -= ua.w[uNum]
		wb -= ub.w[uNum]
	}
	score := 0.0
	if wa+wb > 0 {
		score = m / (wa + wb)
	}

	// Reasons for what matched.
	allExact := true
	keysInOrder := true
	lastY := -1
	for x := 0; x < na; x++ {
		l := la[x]
		if l.kind != alExact {
			allExact = false
		}
		if l.kind != 0 {
			if int(l.j) < lastY {
				keysInOrder = false
			}
			lastY = int(l.j)
		}
	}
	for x := 0; x < na; x++ {
		l := la[x]
		ta := &A.toks[ia[x]]
		switch l.kind {
		case alExact:
			tb := &B.toks[ib[int(l.j)]]
			if ta.word != tb.word && ta.kind != kPlace {
				if why {
					add(fmt.Sprintf("%q = %q", shorter(ta.word, tb.word), longer(ta.word, tb.word)))
				}
			}
		case alTypo:
			tb := &B.toks[ib[int(l.j)]]
			n := maxInt(runeLen(ta.word), runeLen(tb.word))
			if l.dist == 1 {
				if why {
					add(fmt.Sprintf("one typo in a %d-letter word (%s, %s)", n, ta.word, tb.word))
				}
			} else {
				if why {
					add(fmt.Sprintf("%d typos in a %d-letter word (%s, %s)", l.dist, n, ta.word, tb.word))
				}
			}
		case alTrunc:
			tb := &B.toks[ib[int(l.j)]]
			if why {
				add(fmt.Sprintf("%q looks cut short from %q", shorter(ta.word, tb.word), longer(ta.word, tb.word)))
			}
		case alVariant:
			tb := &B.toks[ib[int(l.j)]]
			if why {
				add(fmt.Sprintf("%q and %q are forms of one word", ta.word, tb.word))
			}
		case alAbbrev:
			tb := &B.toks[ib[int(l.j)]]
			if why {
				add(fmt.Sprintf("%q abbreviates %q", shorter(ta.word, tb.word)+".", longer(ta.word, tb.word)))
			}
		case alMerge:
			if l.n > 1 {
				if why {
					add(fmt.Sprintf("same letters, different spacing (%s, %s)", ta.word, joinWords(B.toks, ib[:], int(l.j), int(l.n))))
				}
			}
		case alAcronym:
			if l.n > 1 {
				if why {
					add(fmt.Sprintf("%q is the acronym of %q", ta.word, joinWords(B.toks, ib[:], int(l.j), int(l.n))))
				}
			}
		}
	}
	for y := 0; y < nb; y++ {
		l := lb[y]
		tb := &B.toks[ib[y]]
		switch {
		case l.kind == alMerge && l.n > 1:
			if why {
				add(fmt.Sprintf("same letters, different spacing (%s, %s)", joinWords(A.toks, ia[:], int(l.j), int(l.n)), tb.word))
			}
		case l.kind == alAcronym && l.n > 1:
			if why {
				add(fmt.Sprintf("%q is the acronym of %q", tb.word, joinWords(A.toks, ia[:], int(l.j), int(l.n))))
			}
		}
	}
	if !keysInOrder {
		score -= 0.02
		add("same words in a different order")
	}

	// Numbers: different numbers name different entities (fund II vs fund III).
	switch {
	case numA > 0 && numB > 0:
		res.cap = math.Min(res.cap, 0.75)
		if why {
			if why {
				add(fmt.Sprintf("different numbers (%s, %s)", ua.first(A.toks, uNum), ub.first(B.toks, uNum)))
			}
		}
	case numA+numB == 1 && lastIsOne(A, B, numA, numB):
		// The first of a series is often written without its number ("Fund" = "Fund I").
		score -= 0.05
		if why {
			if why {
				add(fmt.Sprintf("number %s in only one name", either(ua.first(A.toks, uNum), ub.first(B.toks, uNum))))
			}
		}
	case numA+numB > 0:
		res.cap = math.Min(res.cap, 0.8)
		if why {
			if why {
				add(fmt.Sprintf("number %s in only one name", either(ua.first(A.toks, uNum), ub.first(B.toks, uNum))))
			}
		}
	}
	// Places: two different places name different companies; a place in only one name
	// marks a possible subsidiary or branch; a place standing as an annotation costs little.
	switch {
	case plA+annA > 0 && plB+annB > 0:
		res.cap = math.Min(res.cap, 0.5)
		if why {
			if why {
				add(fmt.Sprintf("different places (%s, %s)", either(ua.first(A.toks, uPlace), ua.first(A.toks, uAnn)), either(ub.first(B.toks, uPlace), ub.first(B.toks, uAnn))))
			}
		}
	case plA+plB > 0:
		res.cap = math.Min(res.cap, 0.8)
		if why {
			if why {
				add(fmt.Sprintf("%q in only one name", either(ua.first(A.toks, uPlace), ub.first(B.toks, uPlace))))
			}
		}
	case annA+annB > 0:
		score -= 0.02
		if why {
			i, f := ua.idx[uAnn][0], A
			if annA == 0 {
				i, f = ub.idx[uAnn][0], B
			}
			if t := &f.toks[i]; t.place != 0 {
				if why {
					add(fmt.Sprintf("%q read as a location", t.word))
				}
			} else {
				if why {
					add(fmt.Sprintf("%q read as an address or branch note", t.word))
				}
			}
		}
	}
	// Words in only one name.
	switch {
	case extraA > 0 && extraB > 0:
		if why {
			if why {
				add(fmt.Sprintf("different words (%s, %s)", ua.words(A.toks, uWord), ub.words(B.toks, uWord)))
			}
		}
	case extraA+extraB > 0:
		score -= 0.06 * float64(minInt(extraA+extraB, 3))
		if why {
			if why {
				add(fmt.Sprintf("%q in only one name", either(ua.words(A.toks, uWord), ub.words(B.toks, uWord))))
			}
		}
	}

	// Legal forms: the closest pair of forms decides.
	if A.nlegal > 0 && B.nlegal > 0 {
		bestPen, same, sameCode := 1.0, false, false
		var pa0, pb0 uint8
		for _, x := range A.legals() {
			for _, y := range B.legals() {
				pen, s := legalPenalty(x, y)
				if pen < bestPen || pen == bestPen && legalForms[x].code == legalForms[y].code {
					bestPen, same, pa0, pb0 = pen, s, x, y
					sameCode = legalForms[x].code == legalForms[y].code
				}
			}
		}
		score -= bestPen
		if !same {
			if why {
				add(fmt.Sprintf("different legal forms (%s, %s)", legalText(A, pa0), legalText(B, pb0)))
			}
		} else if sameCode && legalText(A, pa0) != legalText(B, pb0) {
			if why {
				add(fmt.Sprintf("same legal form written differently (%s, %s)", legalText(A, pa0), legalText(B, pb0)))
			}
		}
	}
	if allExact && na == nb && numA+numB+plA+plB+annA+annB == 0 && na > 0 {
		// Same core words: the names differ only in legal form, filler words or case.
		score -= 0.03
		switch {
		case A.nlegal+B.nlegal > 0 && !sameLegalText(A, B):
			res.reasons = append([]string{"equal after removing legal form"}, res.reasons...)
		case len(res.reasons) == 0:
			res.reasons = []string{"equal after removing filler words and punctuation"}
		}
	}
	res.score = math.Max(0, math.Min(1, score))
	return res
}

// tokenSim compares two unaligned words. lastA/lastB say whether each ends its name
// (where a word may be cut short).
func tokenSim(a, b *token, lastA, lastB bool) (kind int, sim float64, dist int) {
	if a.kind == kNumber || b.kind == kNumber || a.kind == kStop || b.kind == kStop {
		return 0, 0, 0
	}
	if a.kind == kPlace && b.kind == kPlace {
		return 0, 0, 0
	}
	known := func(t *token) bool { return t.kind == kGeneric || t.kind == kWeak || t.kind == kPlace }
	wa, wb := a.key, b.key
	la, lb := runeLen(wa), runeLen(wb)
	short := minInt(la, lb)
	// An abbreviation written with a full stop: "Ind." for "Industries".
	if a.dot && len(a.word) >= 3 && len(a.word) < len(b.word) && strings.HasPrefix(b.word, a.word) ||
		b.dot && len(b.word) >= 3 && len(b.word) < len(a.word) && strings.HasPrefix(a.word, b.word) {
		return alAbbrev, 0.9, 0
	}
	// Cut short at the end of a name: "Compan" for "Company", "Aviatio" for "Aviation".
	if short >= 4 {
		if lastA && la < lb && strings.HasPrefix(b.word, a.word) && 2*la >= lb {
			return alTrunc, 0.9, 0
		}
		if lastB && lb < la && strings.HasPrefix(a.word, b.word) && 2*lb >= la {
			return alTrunc, 0.9, 0
		}
	}
	if known(a) && known(b) {
		// Two different dictionary words are not a typo of each other, but may be two
		// forms of one word ("Agriculture", "Agricultural").
		if p := commonPrefix(a.word, b.word); p >= 6 && wordEnding[a.word[p:]] && wordEnding[b.word[p:]] {
			return alVariant, 0.85, 0
		}
		return 0, 0, 0
	}
	if short < 4 || absInt(la-lb) > 2 {
		return 0, 0, 0
	}
	maxD := 1
	if short >= 9 {
		maxD = 2
	}
	// Each edit changes at most two letters of the set of letters used.
	if bits.OnesCount32(a.mask^b.mask) > 2*maxD+1 {
		return 0, 0, 0
	}
	d := osa(wa, wb, maxD)
	if d > 0 {
		// Compare the written words too: stemming may hide or add a difference.
		if dw := osa(a.word, b.word, maxD); dw < d {
			d = dw
		}
	}
	if d > maxD {
		return 0, 0, 0
	}
	long := float64(maxInt(la, lb))
	switch d {
	case 0:
		return alExact, 1, 0
	case 1:
		sim = 1 - 0.6/long
		if short == 4 {
			sim = 0.8
		}
	default:
		sim = 1 - 1.5/long
	}
	if wa[0] != wb[0] && short < 8 {
		sim -= 0.05
	}
	return alTypo, sim, d
}

// wordEnding lists endings that turn one English word into a form of the same word
// ("agricultur-e", "agricultur-al", "electric", "electric-al").
var wordEnding = map[string]bool{"": true, "e": true, "al": true, "ic": true, "ical": true, "y": true, "ies": true, "s": true, "es": true}

// mergeRuns aligns one unmatched word of B with two or three adjacent unmatched words
// of A whose letters it spells, filler words included ("Vanderbilt" / "Van der Bilt"),
// exactly or with one typo when long.
func mergeRuns(A, B *form, ia, ib []int, la, lb []link) {
	var buf [osaMaxLen]byte
	for y := range ib {
		if lb[y].kind != 0 {
			continue
		}
		target := B.toks[ib[y]].word
		if len(target) < 4 || len(target) >= osaMaxLen {
			continue
		}
		for x := 0; x < len(ia); x++ {
			if la[x].kind != 0 || A.toks[ia[x]].word == "" || len(target) < 8 && A.toks[ia[x]].word[0] != target[0] {
				continue
			}
			b := buf[:0]
			n := 0 // non-stop words used
			for i := ia[x]; i < len(A.toks); i++ {
				tk := &A.toks[i]
				if tk.kind != kStop {
					k := x + n
					if k >= len(ia) || ia[k] != i || la[k].kind != 0 || n == 3 {
						break
					}
					n++
				}
				if len(b)+len(tk.word) > len(target)+1 {
					break
				}
				for c := 0; c < len(tk.word); c++ {
					if tk.word[c] != ' ' {
						b = append(b, tk.word[c])
					}
				}
				if n < 2 {
					continue
				}
				d := 0
				if string(b) != target {
					if len(target) < 8 || osa(string(b), target, 1) > 1 {
						continue
					}
					d = 1
				}
				var sim float32 = 0.97
				if d == 1 {
					sim = 0.88
				}
				for k := 0; k < n; k++ {
					la[x+k] = link{j: int8(y), n: 1, kind: alMerge, sim: sim}
				}
				lb[y] = link{j: int8(x), n: int8(n), kind: alMerge, sim: sim}
				goto next
			}
		}
	next:
	}
}

// acronyms aligns an unmatched short word of B with a run of three or more unmatched
// words of A whose initials it spells (filler words optional: "NTT" for "Nippon
// Telegraph and Telephone").
func acronyms(A, B *form, ia, ib []int, la, lb []link) {
	for y := range ib {
		if lb[y].kind != 0 {
			continue
		}
		t := &B.toks[ib[y]]
		w := t.word
		if t.kind == kNumber || len(w) < 3 || len(w) > 6 || !isASCIIWord(w) {
			continue
		}
		for x := 0; x+2 < len(ia); x++ {
			if la[x].kind != 0 || A.toks[ia[x]].word == "" || A.toks[ia[x]].word[0] != w[0] {
				continue
			}
			// Walk A's tokens from ia[x]; a filler word's initial may or may not count.
			var with, without [8]byte
			nw, nwo := 0, 0
			n := 0
			for i := ia[x]; i < len(A.toks) && n < len(w) && nw < len(with); i++ {
				tk := &A.toks[i]
				if tk.word == "" {
					break
				}
				if tk.kind == kStop {
					with[nw] = tk.word[0]
					nw++
					continue
				}
				k := x + n
				if k >= len(ia) || ia[k] != i || la[k].kind != 0 {
					break
				}
				with[nw] = tk.word[0]
				nw++
				without[nwo] = tk.word[0]
				nwo++
				n++
				// Three words at least: two-letter and two-word acronyms are too ambiguous.
				if n >= 3 && (string(without[:nwo]) == w || string(with[:nw]) == w) {
					for k := x; k < x+n; k++ {
						la[k] = link{j: int8(y), n: 1, kind: alAcronym, sim: 0.9}
					}
					lb[y] = link{j: int8(x), n: int8(n), kind: alAcronym, sim: 0.9}
					goto next
				}
			}
		}
	next:
	}
}

func joinWords(toks []token, idx []int, x, n int) string {
	if x >= len(idx) {
		return ""
	}
	end := x + n - 1
	if end >= len(idx) {
		end = len(idx) - 1
	}
	var parts []string
	for i := idx[x]; i <= idx[end] && i < len(toks); i++ {
		parts = append(parts, toks[i].word)
	}
	return strings.Join(parts, " ")
}

func legalText(f *form, id uint8) string {
	words := strings.Split(f.lwds, "|")
	for i, l := range f.legals() {
		if l == id && i < len(words) {
			return words[i]
		}
	}
	return ""
}

func sameLegalText(a, b *form) bool { return a.lwds == b.lwds }

// lastIsOne reports whether the single unmatched number is a 1 (digit or Roman I)
// ending its name.
func lastIsOne(A, B *form, numA, numB int) bool {
	f := A
	if numB > 0 {
		f = B
	}
	for i := len(f.toks) - 1; i >= 0; i-- {
		t := &f.toks[i]
		if t.kind == kPlace && t.ann {
			continue
		}
		return t.kind == kNumber && t.key == "1" && (t.word == "1" || t.word == "i")
	}
	return false
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func either(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// unmatched kinds
const (
	uNum = iota
	uPlace
	uAnn
	uWord
	uKinds
)

// unmatched records, per kind, the unmatched tokens of one name (as token indexes).
type unmatched struct {
	n   [uKinds]int
	w   [uKinds]float64
	idx [uKinds][8]int
}

func (u *unmatched) collect(toks []token, idx []int, links []link, w *float64) {
	for k, i := range idx {
		if links[k].kind != 0 {
			continue
		}
		t := &toks[i]
		kind := -1
		switch {
		case t.kind == kNumber:
			kind = uNum
		case t.kind == kPlace && (t.ann || t.place != 0 && places[t.place].kind == placeRegion):
			kind = uAnn
			*w -= float64(t.w) // an annotation does not dilute the name
		case t.kind == kPlace:
			kind = uPlace
		case t.kind == kWord || t.kind == kGeneric:
			kind = uWord
		}
		if kind >= 0 {
			u.w[kind] += float64(t.w)
			if u.n[kind] < len(u.idx[kind]) {
				u.idx[kind][u.n[kind]] = i
			}
			u.n[kind]++
		}
	}
}

func (u *unmatched) first(toks []token, kind int) string {
	if u.n[kind] == 0 {
		return ""
	}
	return toks[u.idx[kind][0]].word
}

func (u *unmatched) words(toks []token, kind int) string {
	var parts []string
	for k := 0; k < u.n[kind] && k < len(u.idx[kind]); k++ {
		parts = append(parts, toks[u.idx[kind][k]].word)
	}
	return strings.Join(parts, " ")
}

func shorter(a, b string) string {
	if len(a) <= len(b) {
		return a
	}
	return b
}

func longer(a, b string) string {
	if len(a) > len(b) {
		return a
	}
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
