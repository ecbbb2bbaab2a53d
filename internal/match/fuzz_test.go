package match

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzPrepare checks the normaliser on arbitrary names: no panic, bounded time, a key
// in folded form, and a non-empty name equal to itself.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{"ACME Incorporated (acme.co.uk)", "Sp. z o.o.", "A.B.C.", "ООО «Ромашка»",
		"Al-Qa'ida/Islamic Army", "X d/b/a Y t/a Z", "forty-four", "&&&", "", "\xff\xfe", "ﬁ ＡＢＣ",
		strings.Repeat("!", 10000), strings.Repeat("Acme ", 2000), strings.Repeat("a.", 5000)} {
		f.Add(s, "acme.com")
	}
	f.Fuzz(func(t *testing.T, name, domain string) {
		start := time.Now()
		p := Prepare(Record{ID: "x", Name: name, Domain: domain, Email: domain})
		key := p.Key()
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("Prepare took %v on %d bytes", d, len(name))
		}
		if !utf8.ValidString(key) || strings.ToLower(key) != key {
			t.Fatalf("key %q is not folded", key)
		}
		if p.Empty() != (key == "") {
			t.Fatalf("Empty()=%v but key %q", p.Empty(), key)
		}
		r := ComparePrepared(p, p, DefaultConfig())
		if !p.Empty() && r.Score < 0.99 {
			t.Fatalf("%q compared with itself scores %v (%v)", name, r.Score, r.Reasons)
		}
		if p.Empty() && r.Decision != None {
			t.Fatalf("empty name matched itself")
		}
	})
}

// FuzzCompare checks that any two names score within [0,1], in bounded time, and
// about the same in both directions.
func FuzzCompare(f *testing.F) {
	f.Add("Siemens AG", "Siemens Aktiengesellschaft")
	f.Add("IBM", "International Business Machines")
	f.Add("Good Will", "Goodwill")
	f.Add("Bank of China (Hong Kong)", "Bank of China (Singapore)")
	f.Add("", "...")
	f.Add(strings.Repeat("ab ", 3000), strings.Repeat("ba ", 3000))
	f.Fuzz(func(t *testing.T, a, b string) {
		start := time.Now()
		ra := Compare(Record{Name: a}, Record{Name: b}, DefaultConfig())
		rb := Compare(Record{Name: b}, Record{Name: a}, DefaultConfig())
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("Compare took %v", d)
		}
		if ra.Score < 0 || ra.Score > 1 || rb.Score < 0 || rb.Score > 1 {
			t.Fatalf("score out of range: %v %v", ra.Score, rb.Score)
		}
	})
}
