package email

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// FuzzLinks feeds arbitrary text to Links. It must not panic, and every link it
// returns must be a piece of the input that starts with http:// or https://, holds no
// white space, and parses as an absolute URL with a host.
func FuzzLinks(f *testing.F) {
	for _, s := range []string{
		"",
		"Open https://tandem.example/signin/abc?x=1 now.",
		"(https://a.example/x_(y)) and <http://b.example/>",
		"HTTPS://UPPER.example/Path, then http://",
		"xhttps://glued.example https:// space",
		"https://[::1]:8080/p https://a.example/%zz",
		"ünï https://ä.example/ö…",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, l := range Links(text) {
			if !strings.Contains(text, l) {
				t.Fatalf("link %q is not in the input", l)
			}
			if !hasPrefixFold(l, "http://") && !hasPrefixFold(l, "https://") {
				t.Fatalf("link %q does not start with http(s)://", l)
			}
			if strings.IndexFunc(l, unicode.IsSpace) >= 0 {
				t.Fatalf("link %q holds white space", l)
			}
			u, err := url.Parse(l)
			if err != nil || u.Host == "" {
				t.Fatalf("link %q does not parse with a host: %v", l, err)
			}
		}
	})
}
