package web

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// FuzzParseCertificationRules feeds the certification rules textarea arbitrary text:
// it never panics, every non-blank line is either a rule, whose line it names
// correctly, or unreadable and reported by its own line number (blank lines
// counted), and what it reads is written back so that it reads the same again.
func FuzzParseCertificationRules(f *testing.F) {
	for _, seed := range []string{
		"resale_pro | resale",
		"\n\nresale_pro | resale, referral\n\n* | co_sell\n",
		"resale_pro\r\n* | resale\r\n",
		" | resale\n\n*",
		"a | b | c\n|\n*|",
		"key\t|\tresale\tco_sell",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rules, lines, probs := parseCertificationRules(text)
		raw := strings.Split(text, "\n")
		if len(lines) != len(rules) {
			t.Fatalf("%d rules but %d lines", len(rules), len(lines))
		}
		used := map[int]bool{}
		for i, n := range lines {
			if n < 1 || n > len(raw) || strings.TrimSpace(raw[n-1]) == "" || (i > 0 && n <= lines[i-1]) {
				t.Fatalf("rule %d said to come from line %d of %q", i, n, text)
			}
			used[n] = true
		}
		for _, p := range probs {
			var n int
			if p.Path != "certification_rules" {
				t.Fatalf("problem on %q", p.Path)
			}
			if _, err := fmt.Sscanf(p.Detail, "line %d ", &n); err != nil || n < 1 || n > len(raw) || used[n] || strings.TrimSpace(raw[n-1]) == "" {
				t.Fatalf("problem %q does not name an unread line of %q", p.Detail, text)
			}
		}
		filled := 0
		for _, l := range raw {
			if strings.TrimSpace(l) != "" {
				filled++
			}
		}
		if len(rules)+len(probs) != filled {
			t.Fatalf("%d rules and %d problems from %d filled lines of %q", len(rules), len(probs), filled, text)
		}
		for _, r := range rules {
			if r.Key == "*" || strings.ContainsAny(r.Key, "|\n") || r.Key != strings.TrimSpace(r.Key) {
				t.Fatalf("key %q", r.Key)
			}
			for _, m := range r.Motions {
				if m == "" || strings.ContainsAny(string(m), ",|") || strings.IndexFunc(string(m), unicode.IsSpace) >= 0 {
					t.Fatalf("motion %q", m)
				}
			}
		}
		again, againLines, againProbs := parseCertificationRules(formatCertificationRules(rules))
		if len(againProbs) > 0 || len(again) != len(rules) || (len(rules) > 0 && !reflect.DeepEqual(again, rules)) {
			t.Fatalf("%q read %#v, written back and read again %#v (%v)", text, rules, again, againProbs)
		}
		for i, n := range againLines {
			if n != i+1 {
				t.Fatalf("written back, rule %d is on line %d", i, n)
			}
		}
	})
}

// FuzzParsePolicyCertifications feeds the tie-break certifications field arbitrary
// text: no key it reads is empty or holds a separator, and the keys joined as the
// page shows them read back the same.
func FuzzParsePolicyCertifications(f *testing.F) {
	for _, seed := range []string{"resale_pro, cloud_expert", "a,,b\n c\r\n", " ", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		keys := parsePolicyCertifications(text)
		for _, k := range keys {
			if k == "" || strings.Contains(k, ",") || strings.IndexFunc(k, unicode.IsSpace) >= 0 {
				t.Fatalf("key %q from %q", k, text)
			}
		}
		if again := parsePolicyCertifications(strings.Join(keys, ", ")); len(keys) > 0 && !reflect.DeepEqual(again, keys) {
			t.Fatalf("%q read %q, then %q", text, keys, again)
		}
	})
}
