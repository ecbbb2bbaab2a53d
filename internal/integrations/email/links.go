package email

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Links returns the absolute http and https URLs found in a plain-text body, in the
// order they appear, duplicates included. A link starts with "http://" or "https://"
// (in any case) that does not follow a letter or digit, and runs to the next space,
// control character, quote or angle bracket. Punctuation that usually ends a sentence
// (. , ; : ! ? and quotes) is not part of it at the end, nor is a closing bracket that
// the link did not open. Only links that net/url parses and that name a host are
// returned. It is meant for mail that Tandem wrote, where every link stands on a line
// or between spaces; it is not a general URL finder.
func Links(text string) []string {
	var links []string
	for i := 0; i < len(text); {
		j := nextScheme(text, i)
		if j < 0 {
			break
		}
		end := j
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if stopsLink(r) {
				break
			}
			end += size
		}
		candidate := trimLinkEnd(text[j:end])
		if u, err := url.Parse(candidate); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
			links = append(links, candidate)
		}
		if end == j {
			end++
		}
		i = end
	}
	return links
}

// nextScheme returns the index of the next "http://" or "https://" (in any case) in
// text at or after from that is not preceded by a letter or digit, or -1.
func nextScheme(text string, from int) int {
	for at := from; at+len("http://") <= len(text); at++ {
		if !hasPrefixFold(text[at:], "http://") && !hasPrefixFold(text[at:], "https://") {
			continue
		}
		if at == 0 {
			return at
		}
		prev, _ := utf8.DecodeLastRuneInString(text[:at])
		if !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
			return at
		}
	}
	return -1
}

// hasPrefixFold reports whether s starts with prefix (given in lower case), ignoring
// ASCII case only.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// stopsLink reports whether r cannot be part of a link in running text.
func stopsLink(r rune) bool {
	return r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) ||
		strings.ContainsRune("<>\"`{}|\\^", r)
}

// trimLinkEnd removes trailing sentence punctuation and closing brackets that have no
// opening partner inside the link.
func trimLinkEnd(s string) string {
	for s != "" {
		last := s[len(s)-1]
		switch last {
		case '.', ',', ';', ':', '!', '?', '\'', '*':
			s = s[:len(s)-1]
			continue
		case ')':
			if strings.Count(s, "(") < strings.Count(s, ")") {
				s = s[:len(s)-1]
				continue
			}
		case ']':
			if strings.Count(s, "[") < strings.Count(s, "]") {
				s = s[:len(s)-1]
				continue
			}
		}
		return s
	}
	return s
}
