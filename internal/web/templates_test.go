package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// textareaStart finds a textarea's start tag and what follows it. Attribute values
// are quoted (and may hold ">"); template actions hold no ">".
var textareaStart = regexp.MustCompile(`(?s)<textarea\b(?:[^>"']|"[^"]*"|'[^']*')*>(.?)`)

// TestTextareasKeepALeadingNewline: a browser drops one newline straight after a
// textarea's start tag, so a value written right after the tag loses its own leading
// newline when the form is shown again. Every textarea that shows a value starts it
// on the next line, where the dropped newline is the template's.
func TestTextareasKeepALeadingNewline(t *testing.T) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	parts, err := fs.Glob(files, "templates/parts/*.html")
	if err != nil {
		t.Fatal(err)
	}
	names = append(names, parts...)
	seen := 0
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range textareaStart.FindAllStringSubmatch(string(b), -1) {
			seen++
			if next := m[1]; next != "\n" && next != "<" {
				t.Errorf("%s: %q is followed by %q, not a newline", name, strings.TrimSuffix(m[0], next), next)
			}
		}
	}
	if seen < 20 {
		t.Fatalf("found %d textareas; the pattern no longer finds them", seen)
	}
}
