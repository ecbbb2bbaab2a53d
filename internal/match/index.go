package match

import (
	"errors"
	"math"
	"slices"
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

	mu    sync.RWMutex
	recs  []*Prepared // slot → record; nil when free
	ncore []uint8     // slot → number of words of the record's name, to break ties
	byID  map[string]int32
	free  []int32
	live  int
	terms []termInfo // term id → key and postings
	tab   termTable  // hash of a key → term id
	del   multimap   // hash of a word with one letter deleted → term ids

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
	return &Index{cfg: cfg, byID: map[string]int32{}}
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
	p = pack(p)
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
		ix.terms[t].post = append(ix.terms[t].post, slot)
	}
	for _, h := range pairKeys(p) {
		t := ix.pairTerm(h)
		ix.terms[t].post = append(ix.terms[t].post, slot)
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
	if t, ok := ix.lookupPair(h); ok {
		return t
	}
	t := int32(len(ix.terms))
	ix.terms = append(ix.terms, termInfo{hash: h, n: pairTerm})
	ix.tab.insert(h, t, ix.terms)
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
		t, ok := lookupKey(ix, k)
		if !ok {
			continue
		}
		ix.terms[t].post = removeFrom(ix.terms[t].post, slot)
	}
	for _, h := range pairKeys(p) {
		if t, ok := ix.lookupPair(h); ok {
			ix.terms[t].post = removeFrom(ix.terms[t].post, slot)
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
	if t, ok := lookupKey(ix, key); ok {
		return t
	}
	t := int32(len(ix.terms))
	ti := termInfo{hash: hashString(key)}
	if len(key) <= len(ti.short) {
		ti.n = uint8(copy(ti.short[:], key))
	} else {
		ti.n, ti.long = longTerm, key
	}
	ix.terms = append(ix.terms, ti)
	ix.tab.insert(ti.hash, t, ix.terms)
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

// hashBytes returns the FNV-1a hash of b (the same as hashString of the same bytes).
func hashBytes[K ~string | ~[]byte](b K) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
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
	ix.gather(q, sc)
	defer sc.reset()

	// Rank touched records by shared weight (ties: the name length closest to the
	// query's) and score the best in full, a batch at a time. Look further while a whole
	// batch scores at or above the threshold, or while candidates rank close to the best
	// (many records sharing the same words); never score those sharing far less.
	cands := sc.candidates(ix.ncore)
	qcore := coreLen(q)
	var out []Candidate
	var top float32
	scored := 0
	prevAllHits := true
	for start := 0; start < len(cands); start += firstBatch {
		end := minInt(start+firstBatch, len(cands))
		topK(cands[start:], end-start, qcore)
		if start == 0 {
			top = cands[0].acc
		}
		ix.prefetch(cands[start:end])
		hits, stop := 0, false
		for _, c := range cands[start:end] {
			slot, a := c.slot, c.acc
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

// prefetch reads the records of cs, which are about to be scored, one after the other
// without waiting: the CPU overlaps their cache misses.
func (ix *Index) prefetch(cs []cand) {
	var sink uint64
	for _, c := range cs {
		if p := ix.recs[c.slot]; p != nil && len(p.forms) > 0 && len(p.id) > 0 {
			f := &p.forms[0]
			sink += f.textHash + uint64(p.id[0])
			if len(f.toks) > 0 {
				sink += uint64(f.toks[len(f.toks)-1].mask)
			}
		}
	}
	keep(sink)
}

// topK moves the k best-ranked candidates to the front of s, in order: highest
// accumulated weight first, then the name length closest to qcore, then the lower slot.
func topK(s []cand, k int, qcore uint8) {
	dist := func(a cand) int { return absInt(int(a.core) - int(qcore)) }
	less := func(a, b cand) bool { // a ranks before b
		if a.acc != b.acc {
			return a.acc > b.acc
		}
		if da, db := dist(a), dist(b); da != db {
			return da < db
		}
		return a.slot < b.slot
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

// scratch is the per-query working memory, reused through a pool: the weight each
// touched record accumulates is kept in a small hash table of its own rather than in
// an array over all records, so that it stays in the CPU caches however large the
// index is.
type scratch struct {
	acc    []accEntry // open addressing by record slot; len is a power of two
	used   []int32    // indexes of acc in use, in first-touch order
	cands  []cand
	keys   []qkey
	reads  []postRead
	hs     []uint64
	probes []probe // spelling-neighbour look-ups
	terms  []int32 // and the terms they found
}

type qkey struct {
	term int32
	w    float32
}

// accEntry is the weight accumulated by one record; slot is the record's slot + 1 (0
// marks a free entry).
type accEntry struct {
	slot int32
	w    float32
}

// cand is a touched record with its accumulated weight and name length.
type cand struct {
	slot int32
	acc  float32
	core uint8
}

// minAcc is the smallest accumulator table: twice the postings a query reads.
const minAcc = 2048

// add adds w to the weight of record slot s.
func (sc *scratch) add(s int32, w float32) {
	if 2*(len(sc.used)+1) > len(sc.acc) {
		sc.growAcc()
	}
	mask := uint32(len(sc.acc) - 1)
	for i := (uint32(s) * 0x9E3779B1) & mask; ; i = (i + 1) & mask {
		e := &sc.acc[i]
		if e.slot == s+1 {
			e.w += w
			return
		}
		if e.slot == 0 {
			e.slot, e.w = s+1, w
			sc.used = append(sc.used, int32(i))
			return
		}
	}
}

func (sc *scratch) growAcc() {
	old, used := sc.acc, sc.used
	sc.acc = make([]accEntry, maxInt(minAcc, 2*len(old)))
	sc.used = make([]int32, 0, cap(used))
	for _, i := range used {
		e := old[i]
		sc.add(e.slot-1, e.w)
	}
}

// touched returns the number of records touched by the last gather.
func (sc *scratch) touched() int { return len(sc.used) }

// candidates returns the touched records with their weights and name lengths, in
// first-touch order.
func (sc *scratch) candidates(ncore []uint8) []cand {
	cs := sc.cands[:0]
	for _, i := range sc.used {
		e := sc.acc[i]
		cs = append(cs, cand{slot: e.slot - 1, acc: e.w})
	}
	// Separate pass: the name lengths are independent loads the CPU can overlap.
	for k := range cs {
		cs[k].core = ncore[cs[k].slot]
	}
	sc.cands = cs
	return cs
}

func (sc *scratch) reset() {
	for _, i := range sc.used {
		sc.acc[i] = accEntry{}
	}
	sc.used = sc.used[:0]
	sc.cands = sc.cands[:0]
	sc.keys = sc.keys[:0]
}

func (ix *Index) getScratch() *scratch {
	if v := ix.scratch.Get(); v != nil {
		return v.(*scratch)
	}
	return &scratch{acc: make([]accEntry, minAcc)}
}

// gather fills sc.touched and sc.acc with the records sharing keys with q.
func (ix *Index) gather(q *Prepared, sc *scratch) {
	pairs := pairKeys(q)
	ix.prefetchKeys(q, pairs, sc)
	addKey := func(k string, w float32) {
		if t, ok := lookupKey(ix, k); ok && len(ix.terms[t].post) > 0 {
			sc.keys = append(sc.keys, qkey{t, w})
		}
	}
	// addKeyBytes looks a key up without allocating it.
	var kb [2 * osaMaxLen]byte
	addKeyBytes := func(k []byte, w float32) {
		if t, ok := lookupKey(ix, k); ok && len(ix.terms[t].post) > 0 {
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
						alts[pw][nalts[pw]] = ix.terms[k.term].key()
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
					a, okA := lookupKey(ix, t.key[:p])
					b, okB := lookupKey(ix, t.key[p:])
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
	for _, h := range pairs {
		if t, ok := ix.lookupPair(h); ok && len(ix.terms[t].post) > 0 {
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
				if t, ok := ix.lookupPair(pairHash(alts[p][a], alts[p+1][b])); ok && len(ix.terms[t].post) > 0 {
					sc.keys = append(sc.keys, qkey{t, 1.3})
				}
			}
		}
	}

	// Visit keys from the rarest; skip very common keys once something rarer was seen.
	// First choose the postings to read, then read them: the first reads of every list
	// are independent and overlap.
	keys := sc.keys
	slices.SortFunc(keys, func(a, b qkey) int {
		la, lb := len(ix.terms[a.term].post), len(ix.terms[b.term].post)
		if la != lb {
			return la - lb
		}
		return int(a.term - b.term)
	})
	n := float64(ix.live + 1)
	budget := postBudget
	lastTerm := int32(-1)
	reads := sc.reads[:0]
	var sink uint64
	for i, k := range keys {
		if k.term == lastTerm {
			continue
		}
		lastTerm = k.term
		ps := ix.terms[k.term].post
		if i > 0 && (len(ps) > maxPosting || len(ps) > budget) {
			break
		}
		idf := float32(math.Log(1 + n/float64(len(ps))))
		if len(ps) > postBudget {
			// Even the rarest key is very common: read only part of it.
			ps = ps[:postBudget]
		}
		if len(ps) > 0 {
			reads = append(reads, postRead{ps, k.w * idf})
			sink += uint64(ps[0])
		}
		budget -= len(ps)
	}
	keep(sink)
	for _, r := range reads {
		for _, s := range r.ps {
			sc.add(s, r.w)
		}
	}
	clear(reads)
	sc.reads = reads[:0]
}

// postRead is a posting list to read and the weight its records gain.
type postRead struct {
	ps []int32
	w  float32
}

// prefetchKeys reads the table slots and terms of the query's words and word pairs, all
// before any is used, so that their cache misses overlap; gather then finds them in
// the cache.
func (ix *Index) prefetchKeys(q *Prepared, pairs []uint64, sc *scratch) {
	tt := &ix.tab
	if len(tt.e) == 0 {
		return
	}
	hs := append(sc.hs[:0], pairs...)
	for i := range q.forms {
		for _, t := range q.forms[i].toks {
			if t.kind != kStop && t.kind != kWeak {
				hs = append(hs, hashString(t.key))
			}
		}
	}
	var sink uint64
	for _, h := range hs {
		sink += tt.e[tt.slot(h)]
	}
	for _, h := range hs {
		if e := tt.e[tt.slot(h)]; e&^0xFFFF_FFFF == tag(h) {
			sink += uint64(ix.terms[uint32(e)].n)
		}
	}
	keep(sink)
	sc.hs = hs
}

// known reports whether key is an indexed word held by some record.
func (ix *Index) known(key string) bool {
	t, ok := lookupKey(ix, key)
	return ok && len(ix.terms[t].post) > 0
}

// gluedForms are legal forms often written without a space ("SiemensAG").
var gluedForms = []string{"ag", "gmbh", "inc", "ltd", "llc", "corp", "sa", "bv", "nv", "plc", "co", "ab", "as", "oy", "kk"}

// neighbours adds the vocabulary words within one edit of w (two for long words) as
// query keys, weighted by their similarity.
//
// It first computes every deletion to look up, then probes the table for all of them,
// then reads the terms found: each step's memory reads are independent of one another,
// so the CPU overlaps their cache misses instead of waiting for them one by one.
func (ix *Index) neighbours(w string, weight float32, sc *scratch) {
	var buf [osaMaxLen]byte
	self, hasSelf := lookupKey(ix, w)
	ps := sc.probes[:0]
	// Insertions: w is a deletion of an indexed word (or w itself, skipped below).
	ps = append(ps, probe{h: hashString(w), term: -1})
	forDeletions(w, buf[:], func(d []byte) {
		// Deletions (an indexed word equals w with one letter less), substitutions and
		// transpositions (a shared deletion): the table holds words and their deletions.
		ps = append(ps, probe{h: hashBytes(d), term: -1})
	})
	if len(w) >= minFuzzy2Len+1 && !hasSelf {
		// Long words: two letters less, against indexed words and their deletions.
		var buf2 [osaMaxLen]byte
		forDeletions(w, buf[:], func(d []byte) {
			forDeletions(string(d), buf2[:], func(d2 []byte) {
				h := hashBytes(d2)
				if t, ok := lookupHashed(ix, h, d2); ok {
					ps = append(ps, probe{term: t})
				}
				ps = append(ps, probe{h: h, term: -1})
			})
		})
	}
	ix.del.prefetch(ps)
	found := sc.terms[:0]
	for _, p := range ps {
		if p.term >= 0 {
			found = append(found, p.term)
		} else {
			found = ix.del.appendVals(hash32(p.h), found)
		}
	}
	var sink uint64
	for _, t := range found {
		sink += uint64(ix.terms[t].n)
	}
	keep(sink)
	sc.probes, sc.terms = ps, found
	for _, t := range found {
		if hasSelf && t == self {
			continue
		}
		ti := &ix.terms[t]
		lv := ti.keyLen()
		if absInt(lv-len(w)) > 2 || len(ti.post) == 0 || seenTerm(sc.keys, t) {
			continue
		}
		maxD := 1
		if minInt(lv, len(w)) >= minFuzzy2Len {
			maxD = 2
		}
		var d int
		if ti.n == longTerm {
			d = osaBytes(w, ti.long, maxD)
		} else {
			d = osaBytes(w, ti.short[:ti.n], maxD)
		}
		if d >= 1 && d <= maxD && minInt(lv, len(w)) >= minFuzzyLen {
			sc.keys = append(sc.keys, qkey{t, weight * (1 - 0.1*float32(d))})
		}
	}
}

// probe is one spelling-neighbour look-up: a hash to find in the deletion table, or
// (term ≥ 0) an indexed word found directly.
type probe struct {
	h    uint64
	term int32
}

// seenTerm reports whether t is among the query keys already.
func seenTerm(keys []qkey, t int32) bool {
	for _, k := range keys {
		if k.term == t {
			return true
		}
	}
	return false
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
	st := IndexStats{Records: ix.live, Terms: len(ix.terms), Fuzzy: ix.del.n}
	for i := range ix.terms {
		st.Postings += len(ix.terms[i].post)
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
// 8 bytes a slot (key and value side by side, one memory read per probe): the spelling
// neighbourhood of the vocabulary. Hash collisions are harmless: every term found is
// verified by edit distance.
type multimap struct {
	e    []uint64 // key<<32 | value; 0 = empty
	n    int
	bits uint32 // len(e) == 1<<bits
}

// slot returns the first slot to probe for k (Fibonacci hashing: high bits of k·φ).
func (m *multimap) slot(k uint32) uint32 {
	return (k * 0x9E3779B1) >> (32 - m.bits)
}

func (m *multimap) add(k uint32, v int32) {
	if 10*(m.n+1) > 7*len(m.e) { // load factor at most 0.7
		m.grow()
	}
	want := uint64(k)<<32 | uint64(uint32(v))
	mask := uint32(len(m.e) - 1)
	for i := m.slot(k); ; i = (i + 1) & mask {
		switch m.e[i] {
		case 0:
			m.e[i] = want
			m.n++
			return
		case want:
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
	old := m.e
	m.e, m.n = make([]uint64, 1<<m.bits), 0
	for _, e := range old {
		if e != 0 {
			m.add(uint32(e>>32), int32(uint32(e)))
		}
	}
}

// prefetch reads the first slot of every hash in hs (as hashed by hash32), so that
// the look-ups that follow find them in the cache.
func (m *multimap) prefetch(ps []probe) {
	if len(m.e) == 0 {
		return
	}
	var sink uint64
	for _, p := range ps {
		sink += m.e[m.slot(hash32(p.h))]
	}
	keep(sink)
}

// keep uses x, so that reads done only to bring memory into the cache are not removed
// by the compiler.
//
//go:noinline
func keep(x uint64) { _ = x }

// appendVals appends every value stored under k to dst.
func (m *multimap) appendVals(k uint32, dst []int32) []int32 {
	if len(m.e) == 0 {
		return dst
	}
	mask := uint32(len(m.e) - 1)
	for i := m.slot(k); m.e[i] != 0; i = (i + 1) & mask {
		if uint32(m.e[i]>>32) == k {
			dst = append(dst, int32(uint32(m.e[i])))
		}
	}
	return dst
}

// termInfo is one blocking key: its postings, its hash and its text (inline when short),
// 64 bytes, so that checking a look-up, measuring a spelling neighbour and finding the
// postings read one cache line.
type termInfo struct {
	post  []int32 // record slots
	hash  uint64  // hashString of the key; the pair hash for word pairs
	long  string  // the key when longer than short
	short [14]byte
	n     uint8 // length of the key in short, or longTerm, or pairTerm
	_     uint8
}

const (
	longTerm = 0xFF // the key is in long
	pairTerm = 0xFE // a pair of words: only the hash is kept
)

// key returns the term's text ("" for word pairs).
func (ti *termInfo) key() string {
	switch ti.n {
	case longTerm:
		return ti.long
	case pairTerm:
		return ""
	}
	return string(ti.short[:ti.n])
}

// keyLen returns the length of the term's text.
func (ti *termInfo) keyLen() int {
	switch ti.n {
	case longTerm:
		return len(ti.long)
	case pairTerm:
		return 0
	}
	return int(ti.n)
}

// isKey reports whether the term's text is k.
func isKey[K ~string | ~[]byte](ti *termInfo, k K) bool {
	if ti.n == longTerm {
		return ti.long == string(k)
	}
	if ti.n == pairTerm || int(ti.n) != len(k) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if ti.short[i] != k[i] {
			return false
		}
	}
	return true
}

// termTable is an open-addressing hash table from keys to term ids, 8 bytes a slot:
// the upper half of the key's hash (to skip most non-matching slots without reading
// the term) and the term id.
type termTable struct {
	e    []uint64 // hash>>32 | 1 in the upper half, term id in the lower; 0 = empty
	n    int
	bits uint32
}

func (tt *termTable) slot(h uint64) uint64 {
	return (h * 0x9E3779B97F4A7C15) >> (64 - tt.bits)
}

func tag(h uint64) uint64 { return (h>>32 | 1) << 32 }

// insert files term t under hash h; terms gives the hashes when the table grows.
func (tt *termTable) insert(h uint64, t int32, terms []termInfo) {
	if 4*(tt.n+1) > 3*len(tt.e) {
		if tt.bits == 0 {
			tt.bits = 10
		} else {
			tt.bits++
		}
		old := tt.e
		tt.e, tt.n = make([]uint64, 1<<tt.bits), 0
		for _, e := range old {
			if e != 0 {
				u := int32(uint32(e))
				tt.put(terms[u].hash, u)
			}
		}
	}
	tt.put(h, t)
}

func (tt *termTable) put(h uint64, t int32) {
	mask := uint64(len(tt.e) - 1)
	i := tt.slot(h)
	for tt.e[i] != 0 {
		i = (i + 1) & mask
	}
	tt.e[i] = tag(h) | uint64(uint32(t))
	tt.n++
}

// lookupKey returns the term id of key k.
func lookupKey[K ~string | ~[]byte](ix *Index, k K) (int32, bool) {
	return lookupHashed(ix, hashBytes(k), k)
}

// lookupHashed returns the term id of key k, whose hash is h.
func lookupHashed[K ~string | ~[]byte](ix *Index, h uint64, k K) (int32, bool) {
	tt := &ix.tab
	if len(tt.e) == 0 {
		return 0, false
	}
	mask := uint64(len(tt.e) - 1)
	want := tag(h)
	for i := tt.slot(h); tt.e[i] != 0; i = (i + 1) & mask {
		if e := tt.e[i]; e&^0xFFFF_FFFF == want {
			t := int32(uint32(e))
			if ti := &ix.terms[t]; ti.hash == h && isKey(ti, k) {
				return t, true
			}
		}
	}
	return 0, false
}

// lookupPair returns the term id of the word pair with hash h.
func (ix *Index) lookupPair(h uint64) (int32, bool) {
	tt := &ix.tab
	if len(tt.e) == 0 {
		return 0, false
	}
	mask := uint64(len(tt.e) - 1)
	want := tag(h)
	for i := tt.slot(h); tt.e[i] != 0; i = (i + 1) & mask {
		if e := tt.e[i]; e&^0xFFFF_FFFF == want {
			t := int32(uint32(e))
			if ti := &ix.terms[t]; ti.hash == h && ti.n == pairTerm {
				return t, true
			}
		}
	}
	return 0, false
}
