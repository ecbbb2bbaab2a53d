package match

import (
	"errors"
	"math"
	"sort"
	"strings"
	"sync"
)

// Index holds prepared records and finds, for a query record, the indexed records that
// score at or above the possible threshold.
//
// Blocking: every record is filed under its name words, pairs of neighbouring words
// (so that names made only of common words stay findable), its initials (for three to
// six words) and its registrable domains. A query looks up the same keys plus the
// spelling neighbours of its words: words one edit away (insertion, deletion,
// substitution or transposition, found through a deletion neighbourhood over the
// vocabulary) and, for words of ten letters or more, words two edits away; word pairs
// through those neighbours; a word split in two or two words joined; a legal form
// glued to the name. Keys are visited from the rarest; common keys are skipped once a
// rarer one was read, and only a bounded number of record references is read, so the
// cost of a query depends on how rare its words are, not on how many records there
// are. Candidates are ranked by the rarity-weighted keys they share and only the best
// are scored in full; more are scored while whole batches score at or above the
// possible threshold, or while near-ties of the best remain (bounded).
//
// All methods are safe for concurrent use: queries share a read lock, and Add and Remove
// take the write lock only for the short time they change the maps.
type Index struct {
	cfg Config

	mu      sync.RWMutex
	recs    []*Prepared // slot → record; nil when free
	ncore   []uint8     // slot → number of words of the record's name, to break ties
	byID    map[string]int32
	free    []int32
	live    int
	terms   map[string]int32 // key → term id
	pairs   map[uint64]int32 // hash of two name words → term id (no string kept)
	termStr []string         // term id → key ("" for word pairs)
	post    [][]int32        // term id → slots
	del     multimap         // hash of a word with one letter deleted → term ids

	scratch sync.Pool
}

// Errors returned by Add.
var (
	ErrEmptyID   = errors.New("record has no ID")
	ErrEmptyName = errors.New("record has no usable name")
)

const (
	initialsKey = "\x01" // prefix of initials keys
	domainKey   = "@"    // prefix of domain keys

	firstBatch   = 5   // candidates scored in full before looking further
	maxPosting   = 500 // keys with more records are skipped once a rarer key was read
	postBudget   = 800 // record references read per query, at most (about)
	maxPairWords = 4   // word pairs are filed for the first words of a name
	minShare     = 0.2 // candidates sharing less than this part of the best one's weight are not scored
	nearTop      = 0.9 // candidates sharing this part of the best one's weight are scored …
	maxScored    = 24  // … up to this many in all
	minFuzzyLen  = 5   // shorter words have too many neighbours to be worth looking up
	minFuzzy2Len = 9
)

// NewIndex returns an empty index that decides with cfg (see Config).
func NewIndex(cfg Config) *Index {
	return &Index{
		cfg:   cfg,
		byID:  map[string]int32{},
		terms: map[string]int32{},
		pairs: map[uint64]int32{},
	}
}

// Len returns the number of records in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Add prepares r and adds it to the index, replacing any record with the same ID. It
// returns ErrEmptyID or ErrEmptyName (and changes nothing) when r cannot be matched.
func (ix *Index) Add(r Record) error {
	return ix.AddPrepared(Prepare(r))
}

// AddPrepared adds a prepared record, replacing any record with the same ID.
func (ix *Index) AddPrepared(p *Prepared) error {
	if p.id == "" {
		return ErrEmptyID
	}
	if p.Empty() {
		return ErrEmptyName
	}
	keys := recordKeys(p)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old, ok := ix.byID[p.id]; ok {
		ix.removeSlot(old)
	}
	var slot int32
	if n := len(ix.free); n > 0 {
		slot = ix.free[n-1]
		ix.free = ix.free[:n-1]
		ix.recs[slot] = p
		ix.ncore[slot] = coreLen(p)
	} else {
		slot = int32(len(ix.recs))
		ix.recs = append(ix.recs, p)
		ix.ncore = append(ix.ncore, coreLen(p))
	}
	ix.byID[p.id] = slot
	ix.live++
	for _, k := range keys {
		t := ix.term(k)
		ix.post[t] = append(ix.post[t], slot)
	}
	for _, h := range pairKeys(p) {
		t := ix.pairTerm(h)
		ix.post[t] = append(ix.post[t], slot)
	}
	return nil
}

// coreLen returns the number of words of a record's primary name (at most 255).
func coreLen(p *Prepared) uint8 {
	if len(p.forms) == 0 {
		return 0
	}
	return uint8(minInt(int(p.forms[0].core), 255))
}

// pairTerm returns the term id of a word-pair hash, creating it if new.
func (ix *Index) pairTerm(h uint64) int32 {
	if t, ok := ix.pairs[h]; ok {
		return t
	}
	t := int32(len(ix.termStr))
	ix.pairs[h] = t
	ix.termStr = append(ix.termStr, "")
	ix.post = append(ix.post, nil)
	return t
}

// pairKeys returns the hashes of the pairs of neighbouring words among the first words
// of each name, in either order: "Smith Logistics" is found through the pair even when
// both words are common.
func pairKeys(p *Prepared) []uint64 {
	var out []uint64
	for i := range p.forms {
		var prev string
		n := 0
		for _, t := range p.forms[i].toks {
			if t.kind == kStop || t.kind == kWeak || t.kind == kPlace && t.ann {
				continue
			}
			if n >= maxPairWords {
				break
			}
			if prev != "" {
				h := pairHash(prev, t.key)
				dup := false
				for _, o := range out {
					dup = dup || o == h
				}
				if !dup {
					out = append(out, h)
				}
			}
			prev = t.key
			n++
		}
	}
	return out
}

// pairHash hashes two words regardless of their order.
func pairHash(a, b string) uint64 {
	if b < a {
		a, b = b, a
	}
	return hashMore(hashMore(hashString(a), "\x00"), b)
}

// Remove deletes the record with the given ID and reports whether it was present.
func (ix *Index) Remove(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	slot, ok := ix.byID[id]
	if !ok {
		return false
	}
	ix.removeSlot(slot)
	return true
}

func (ix *Index) removeSlot(slot int32) {
	p := ix.recs[slot]
	for _, k := range recordKeys(p) {
		t, ok := ix.terms[k]
		if !ok {
			continue
		}
		ix.post[t] = removeFrom(ix.post[t], slot)
	}
	for _, h := range pairKeys(p) {
		if t, ok := ix.pairs[h]; ok {
			ix.post[t] = removeFrom(ix.post[t], slot)
		}
	}
	delete(ix.byID, p.id)
	ix.recs[slot] = nil
	ix.free = append(ix.free, slot)
	ix.live--
}

// removeFrom removes slot from a posting list (order is not kept).
func removeFrom(ps []int32, slot int32) []int32 {
	for i, s := range ps {
		if s == slot {
			ps[i] = ps[len(ps)-1]
			return ps[:len(ps)-1]
		}
	}
	return ps
}

// term returns the id of key, creating it (and its spelling neighbourhood) if new.
func (ix *Index) term(key string) int32 {
	if t, ok := ix.terms[key]; ok {
		return t
	}
	t := int32(len(ix.termStr))
	ix.terms[key] = t
	ix.termStr = append(ix.termStr, key)
	ix.post = append(ix.post, nil)
	if fuzzyEligible(key) {
		var buf [osaMaxLen]byte
		// The word itself too: a query word with one letter more finds it by deletion.
		ix.del.add(hash32(hashString(key)), t)
		forDeletions(key, buf[:], func(d []byte) {
			ix.del.add(hash32(hashBytes(d)), t)
		})
	}
	return t
}

// fuzzyEligible says whether a key takes part in spelling-neighbour lookups: plain
// ASCII words of five letters or more.
func fuzzyEligible(k string) bool {
	return len(k) >= minFuzzyLen && len(k) < osaMaxLen && isASCIIWord(k)
}

// forDeletions calls f with every distinct string made by deleting one byte of s.
func forDeletions(s string, buf []byte, f func([]byte)) {
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			continue // deleting either of two equal neighbours gives the same string
		}
		b := buf[:0]
		b = append(b, s[:i]...)
		b = append(b, s[i+1:]...)
		f(b)
	}
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// recordKeys returns the distinct blocking keys of a record.
func recordKeys(p *Prepared) []string {
	keys := make([]string, 0, 8)
	add := func(k string) {
		if k == "" {
			return
		}
		for _, e := range keys {
			if e == k {
				return
			}
		}
		keys = append(keys, k)
	}
	for i := range p.forms {
		f := &p.forms[i]
		n := 0
		for _, t := range f.toks {
			if t.kind == kStop || t.kind == kWeak {
				continue
			}
			add(t.key)
			n++
		}
		if n >= 3 && n <= 6 {
			add(initialsKey + initials(f))
		}
		if n == 0 {
			// Only weak words ("Holding Company"): file under them after all.
			for _, t := range f.toks {
				if t.kind == kWeak {
					add(t.key)
				}
			}
		}
	}
	for _, d := range p.domains {
		add(domainKey + d)
	}
	return keys
}

// Candidate is an indexed record that scored at or above the possible threshold against
// a query.
type Candidate struct {
	ID string
	Result
}

// Query prepares r and returns the indexed records (other than one with r's own ID)
// that score at or above the possible threshold, best first (ties by ID).
func (ix *Index) Query(r Record) []Candidate {
	return ix.QueryPrepared(Prepare(r))
}

// QueryPrepared is Query for a prepared record.
func (ix *Index) QueryPrepared(q *Prepared) []Candidate {
	if q.Empty() {
		return nil
	}
	sc := ix.getScratch()
	defer ix.scratch.Put(sc)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(sc.acc) < len(ix.recs) {
		sc.acc = make([]float32, len(ix.recs)+len(ix.recs)/4+64)
	}
	ix.gather(q, sc)
	defer sc.reset()

	// Rank touched records by shared weight (ties: the name length closest to the
	// query's) and score the best in full, a batch at a time. Look further while a whole
	// batch scores at or above the threshold, or while candidates rank close to the best
	// (many records sharing the same words); never score those sharing far less.
	cands := sc.touched
	qcore := coreLen(q)
	var out []Candidate
	var top float32
	scored := 0
	prevAllHits := true
	for start := 0; start < len(cands); start += firstBatch {
		end := minInt(start+firstBatch, len(cands))
		ix.topK(cands[start:], end-start, sc.acc, qcore)
		if start == 0 {
			top = sc.acc[cands[0]]
		}
		hits, stop := 0, false
		for _, slot := range cands[start:end] {
			a := sc.acc[slot]
			if a < minShare*top || start > 0 && !prevAllHits && (a < nearTop*top || scored >= maxScored) {
				stop = true
				break
			}
			scored++
			p := ix.recs[slot]
			if p == nil || p.id == q.id {
				hits++
				continue
			}
			if s := scoreOnly(q, p); s >= ix.cfg.PossibleThreshold {
				hits++
				s, reasons := compare(q, p, true)
				out = append(out, Candidate{ID: p.id, Result: Result{Score: s, Decision: ix.cfg.Decide(s), Reasons: reasons}})
			}
		}
		if stop {
			break
		}
		prevAllHits = hits == end-start
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// topK moves the k best-ranked slots to the front of s, in order: highest accumulated
// weight first, then the name length closest to qcore, then the lower slot.
func (ix *Index) topK(s []int32, k int, acc []float32, qcore uint8) {
	dist := func(a int32) int { return absInt(int(ix.ncore[a]) - int(qcore)) }
	less := func(a, b int32) bool { // a ranks before b
		if acc[a] != acc[b] {
			return acc[a] > acc[b]
		}
		if da, db := dist(a), dist(b); da != db {
			return da < db
		}
		return a < b
	}
	if k < len(s) {
		lo, hi := 0, len(s)-1
		for lo < hi {
			// Median-of-three pivot, then partition so that s[:p] rank before s[p].
			mid := lo + (hi-lo)/2
			if less(s[mid], s[lo]) {
				s[mid], s[lo] = s[lo], s[mid]
			}
			if less(s[hi], s[lo]) {
				s[hi], s[lo] = s[lo], s[hi]
			}
			if less(s[hi], s[mid]) {
				s[hi], s[mid] = s[mid], s[hi]
			}
			pivot := s[mid]
			s[mid], s[hi] = s[hi], s[mid]
			p := lo
			for i := lo; i < hi; i++ {
				if less(s[i], pivot) {
					s[i], s[p] = s[p], s[i]
					p++
				}
			}
			s[p], s[hi] = s[hi], s[p]
			switch {
			case p == k:
				lo = hi
			case p < k:
				lo = p + 1
			default:
				hi = p - 1
			}
		}
	} else {
		k = len(s)
	}
	top := s[:k]
	sort.Slice(top, func(i, j int) bool { return less(top[i], top[j]) })
}

type scratch struct {
	acc     []float32
	touched []int32
	keys    []qkey
}

type qkey struct {
	term int32
	w    float32
}

func (sc *scratch) reset() {
	for _, s := range sc.touched {
		sc.acc[s] = 0
	}
	sc.touched = sc.touched[:0]
	sc.keys = sc.keys[:0]
}

func (ix *Index) getScratch() *scratch {
	if v := ix.scratch.Get(); v != nil {
		return v.(*scratch)
	}
	return &scratch{}
}

// gather fills sc.touched and sc.acc with the records sharing keys with q.
func (ix *Index) gather(q *Prepared, sc *scratch) {
	addKey := func(k string, w float32) {
		if t, ok := ix.terms[k]; ok && len(ix.post[t]) > 0 {
			sc.keys = append(sc.keys, qkey{t, w})
		}
	}
	// addKeyBytes looks a key up without allocating it.
	var kb [2 * osaMaxLen]byte
	addKeyBytes := func(k []byte, w float32) {
		if t, ok := ix.terms[string(k)]; ok && len(ix.post[t]) > 0 {
			sc.keys = append(sc.keys, qkey{t, w})
		}
	}
	appendWord := func(b []byte, w string) []byte {
		for i := 0; i < len(w) && len(b) < cap(b); i++ {
			if w[i] != ' ' {
				b = append(b, w[i])
			}
		}
		return b
	}
	var alts [maxPairWords][8]string // per leading word: its key and spelling neighbours
	var nalts [maxPairWords]int
	for i := range q.forms {
		f := &q.forms[i]
		n := 0
		pw := 0 // leading words seen, for pairs
		for _, t := range f.toks {
			if t.kind == kStop || t.kind == kWeak {
				continue
			}
			n++
			w := t.w
			addKey(t.key, w)
			first := len(sc.keys)
			if t.kind == kWord && fuzzyEligible(t.key) {
				ix.neighbours(t.key, w, sc)
			}
			if i == 0 && !(t.kind == kPlace && t.ann) && pw < maxPairWords {
				alts[pw][0] = t.key
				nalts[pw] = 1
				for _, k := range sc.keys[first:] {
					if nalts[pw] < len(alts[pw]) {
						alts[pw][nalts[pw]] = ix.termStr[k.term]
						nalts[pw]++
					}
				}
				pw++
			}
			if t.kind == kWord && len(t.key) >= 2 && len(t.key) <= 6 {
				// "IBM" finds "International Business Machines".
				addKeyBytes(append(append(kb[:0], initialsKey...), t.key...), w)
			}
			if t.kind == kWord && len(t.key) >= 6 && len(t.key) < osaMaxLen && !ix.known(t.key) {
				// "Goodwill" finds "Good Will": a word that is two indexed words.
				for p := 2; p <= len(t.key)-2; p++ {
					a, okA := ix.terms[t.key[:p]]
					b, okB := ix.terms[t.key[p:]]
					if okA && okB {
						sc.keys = append(sc.keys, qkey{a, w * 0.9}, qkey{b, w * 0.9})
					}
				}
			}
			if t.kind == kWord && len(t.word) > 4 {
				// "SiemensAG": a legal form glued to the name.
				for _, suf := range gluedForms {
					if strings.HasSuffix(t.word, suf) && len(t.word)-len(suf) >= 3 {
						addKey(stem(t.word[:len(t.word)-len(suf)]), w)
					}
				}
			}
		}
		if n >= 2 {
			b := kb[:0]
			for _, t := range f.toks {
				if t.kind != kWeak && !(t.kind == kPlace && t.ann) {
					b = appendWord(b, t.word)
				}
			}
			addKeyBytes(b, 1)
			if n >= 3 && n <= 6 {
				ini := initials(f)
				addKey(ini, 1)
				addKeyBytes(append(append(kb[:0], initialsKey...), ini...), 0.5)
			}
		}
		// Adjacent words written together ("Good Will" finds "Goodwill").
		prev := ""
		for _, t := range f.toks {
			if t.kind == kStop {
				continue
			}
			if prev != "" {
				addKeyBytes(appendWord(appendWord(kb[:0], prev), t.word), 1)
			}
			prev = t.word
		}
		if n == 0 {
			for _, t := range f.toks {
				if t.kind == kWeak {
					addKey(t.key, t.w)
				}
			}
		}
	}
	for _, d := range q.domains {
		addKey(domainKey+d, 2)
	}
	for _, h := range pairKeys(q) {
		if t, ok := ix.pairs[h]; ok && len(ix.post[t]) > 0 {
			sc.keys = append(sc.keys, qkey{t, 1.5})
		}
	}
	// Pairs through spelling neighbours: "Jeniins Transport" finds "Jenkins Transport"
	// even when Jenkins is a common name and Transport a common word.
	for p := 0; p+1 < maxPairWords && nalts[p+1] > 0; p++ {
		for a := 0; a < nalts[p]; a++ {
			for b := 0; b < nalts[p+1]; b++ {
				if a == 0 && b == 0 || a > 0 && b > 0 {
					continue // as written: looked up above; two typos: too far
				}
				if t, ok := ix.pairs[pairHash(alts[p][a], alts[p+1][b])]; ok && len(ix.post[t]) > 0 {
					sc.keys = append(sc.keys, qkey{t, 1.3})
				}
			}
		}
	}

	// Visit keys from the rarest; skip very common keys once something rarer was seen.
	keys := sc.keys
	sort.Slice(keys, func(i, j int) bool {
		li, lj := len(ix.post[keys[i].term]), len(ix.post[keys[j].term])
		if li != lj {
			return li < lj
		}
		return keys[i].term < keys[j].term
	})
	n := float64(ix.live + 1)
	budget := postBudget
	lastTerm := int32(-1)
	for i, k := range keys {
		if k.term == lastTerm {
			continue
		}
		lastTerm = k.term
		ps := ix.post[k.term]
		if i > 0 && (len(ps) > maxPosting || len(ps) > budget) {
			break
		}
		if len(ps) > postBudget {
			// Even the rarest key is very common: read only part of it.
			ps = ps[:postBudget]
		}
		idf := float32(math.Log(1 + n/float64(len(ix.post[k.term]))))
		w := k.w * idf
		for _, s := range ps {
			if sc.acc[s] == 0 {
				sc.touched = append(sc.touched, s)
			}
			sc.acc[s] += w
		}
		budget -= len(ps)
	}
}

// known reports whether key is an indexed word held by some record.
func (ix *Index) known(key string) bool {
	t, ok := ix.terms[key]
	return ok && len(ix.post[t]) > 0
}

// gluedForms are legal forms often written without a space ("SiemensAG").
var gluedForms = []string{"ag", "gmbh", "inc", "ltd", "llc", "corp", "sa", "bv", "nv", "plc", "co", "ab", "as", "oy", "kk"}

// neighbours adds the vocabulary words within one edit of w (two for long words) as
// query keys, weighted by their similarity.
func (ix *Index) neighbours(w string, weight float32, sc *scratch) {
	var buf [osaMaxLen]byte
	self, hasSelf := ix.terms[w]
	seen := func(t int32) bool {
		if hasSelf && t == self {
			return true
		}
		for _, k := range sc.keys {
			if k.term == t {
				return true
			}
		}
		return false
	}
	try := func(t int32) {
		v := ix.termStr[t]
		if absInt(len(v)-len(w)) > 2 || seen(t) || len(ix.post[t]) == 0 {
			return
		}
		maxD := 1
		if minInt(len(v), len(w)) >= minFuzzy2Len {
			maxD = 2
		}
		if d := osa(w, v, maxD); d >= 1 && d <= maxD && minInt(len(v), len(w)) >= minFuzzyLen {
			sc.keys = append(sc.keys, qkey{t, weight * (1 - 0.1*float32(d))})
		}
	}
	lookupDel := func(h uint64) {
		ix.del.each(hash32(h), try)
	}
	// Insertions: w is a deletion of an indexed word (or w itself, skipped by try).
	lookupDel(hashString(w))
	forDeletions(w, buf[:], func(d []byte) {
		// Deletions (an indexed word equals w with one letter less), substitutions and
		// transpositions (a shared deletion): the table holds words and their deletions.
		lookupDel(hashBytes(d))
	})
	if len(w) >= minFuzzy2Len+1 && !hasSelf {
		// Long words: two letters less, against indexed words and their deletions.
		var buf2 [osaMaxLen]byte
		forDeletions(w, buf[:], func(d []byte) {
			forDeletions(string(d), buf2[:], func(d2 []byte) {
				if t, ok := ix.terms[string(d2)]; ok {
					try(t)
				}
				lookupDel(hashBytes(d2))
			})
		})
	}
}

// IndexStats describes the size of an index.
type IndexStats struct {
	Records  int // records held
	Terms    int // distinct blocking keys
	Postings int // record references under all keys
	Fuzzy    int // spelling-neighbourhood entries
}

// Stats returns the current size of the index.
func (ix *Index) Stats() IndexStats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	st := IndexStats{Records: ix.live, Terms: len(ix.termStr), Fuzzy: ix.del.n}
	for _, p := range ix.post {
		st.Postings += len(p)
	}
	return st
}

// hash32 folds a 64-bit hash to 32 bits, never zero (zero marks an empty slot).
func hash32(h uint64) uint32 {
	v := uint32(h) ^ uint32(h>>32)
	if v == 0 {
		v = 1
	}
	return v
}

// multimap is an open-addressing hash multimap from non-zero 32-bit keys to term ids,
// 8 bytes a slot: the spelling neighbourhood of the vocabulary. Hash collisions are
// harmless: every term found is verified by edit distance.
type multimap struct {
	keys []uint32
	vals []int32
	n    int
	bits uint32 // len(keys) == 1<<bits
}

// slot returns the first slot to probe for k (Fibonacci hashing: high bits of k·φ).
func (m *multimap) slot(k uint32) uint32 {
	return (k * 0x9E3779B1) >> (32 - m.bits)
}

func (m *multimap) add(k uint32, v int32) {
	if 2*(m.n+1) > len(m.keys) {
		m.grow()
	}
	mask := uint32(len(m.keys) - 1)
	for i := m.slot(k); ; i = (i + 1) & mask {
		if m.keys[i] == 0 {
			m.keys[i], m.vals[i] = k, v
			m.n++
			return
		}
		if m.keys[i] == k && m.vals[i] == v {
			return
		}
	}
}

func (m *multimap) grow() {
	if m.bits == 0 {
		m.bits = 10
	} else {
		m.bits++
	}
	size := 1 << m.bits
	oldK, oldV := m.keys, m.vals
	m.keys, m.vals, m.n = make([]uint32, size), make([]int32, size), 0
	for i, k := range oldK {
		if k != 0 {
			m.add(k, oldV[i])
		}
	}
}

// each calls f with every value stored under k.
func (m *multimap) each(k uint32, f func(int32)) {
	if len(m.keys) == 0 {
		return
	}
	mask := uint32(len(m.keys) - 1)
	for i := m.slot(k); m.keys[i] != 0; i = (i + 1) & mask {
		if m.keys[i] == k {
			f(m.vals[i])
		}
	}
}
