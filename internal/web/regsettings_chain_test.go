package web

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestChainLinesRoundTrip(t *testing.T) {
	chains, bad := parseChainLines("100000: reviewer, partner_manager, Admin\r\n\n20000 resale,referral: reviewer → admin\nno colon\nbig: admin\n")
	want := []registration.ApprovalChain{
		{From: 100000, Steps: []registration.Approver{"reviewer", "partner_manager", "admin"}},
		{From: 20000, Motions: []tandem.Motion{"resale", "referral"}, Steps: []registration.Approver{"reviewer", "admin"}},
	}
	if !reflect.DeepEqual(chains, want) || !reflect.DeepEqual(bad, []string{"no colon", "big: admin"}) {
		t.Fatalf("chains %+v, bad %q", chains, bad)
	}
	text := chainLines(registration.Settings{ApprovalChains: want})
	if again, bad := parseChainLines(text); !reflect.DeepEqual(again, want) || len(bad) != 0 {
		t.Fatalf("%q read back as %+v (%q)", text, again, bad)
	}
}

// FuzzParseChainLines: any text yields chains or reports the line; nothing panics and
// no line is both read and rejected.
func FuzzParseChainLines(f *testing.F) {
	for _, s := range []string{"100000: reviewer, admin", "0 resale: partner_manager", ":", "x:y", "5 a b c: →,>", "\n\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		chains, bad := parseChainLines(s)
		lines := 0
		for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if len(chains)+len(bad) != lines {
			t.Fatalf("%d chains and %d bad lines from %d lines", len(chains), len(bad), lines)
		}
	})
}
