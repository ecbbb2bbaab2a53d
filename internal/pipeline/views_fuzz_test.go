package pipeline

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzViewQuery feeds ViewQuery arbitrary query strings, as a saved view is made from
// the pipeline page's address: it never panics, keeps only the filters a view
// records (one trimmed value each, view only as board), names only filters it kept
// in its problems, and what it keeps survives being saved (encoded) and read again
// unchanged, with the same problems.
func FuzzViewQuery(f *testing.F) {
	for _, seed := range []string{
		"view=board&motion=resale&stage=qualify&status=open&partner=prt_1&owner=usr_1&q=acme&attention=stale",
		"view=list&motion=teleport&status=pending&attention=soon&page=3&after=xyz",
		"q=+%20spaced%20+&q=second&status=won&status=lost",
		"motion=RESALE&attention=follow_up&view=board&view=board",
		"q=%zz&stage=%00",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		out, probs := ViewQuery(in)
		for k, vs := range out {
			if !slices.Contains(viewKeys, k) || len(vs) != 1 || vs[0] == "" || vs[0] != strings.TrimSpace(vs[0]) {
				t.Fatalf("kept %q = %q from %q", k, vs, raw)
			}
		}
		if v, ok := out["view"]; ok && v[0] != "board" {
			t.Fatalf("kept view=%q", v[0])
		}
		for _, p := range probs {
			k, ok := strings.CutPrefix(p.Path, "query.")
			if !ok || out.Get(k) == "" || p.Detail == "" {
				t.Fatalf("problem %+v for %q", p, raw)
			}
		}
		saved := View{Query: out.Encode()}
		back, err := url.ParseQuery(saved.Query)
		if err != nil {
			t.Fatalf("saved query %q does not read back: %v", saved.Query, err)
		}
		again, againProbs := ViewQuery(back)
		if !reflect.DeepEqual(again, out) || !reflect.DeepEqual(againProbs, probs) {
			t.Fatalf("%q kept %v %v, read back %v %v", raw, out, probs, again, againProbs)
		}
		if saved.Board() != (out.Get("view") == "board") {
			t.Fatalf("saved %q opens the board: %v", saved.Query, saved.Board())
		}
	})
}
