package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Folding turns a raw name into lower-case ASCII where a reasonable Latin spelling
// exists (accents removed, Cyrillic and Greek transliterated, ligatures expanded) and
// keeps every other letter as its lower-case self. Punctuation that carries meaning for
// the tokenizer is kept as one of a few ASCII marks; everything else becomes a space.
//
// The marks kept are: . , ( ) & + - / ' % @ and space.

// maxNameRunes bounds the work done on one name. Company names are far shorter; longer
// input is cut so that pathological input costs the same as a long name.
const maxNameRunes = 600

// translit maps runes whose Latin spelling is not obtained by removing accents.
var translit = map[rune]string{
	// Latin letters without a decomposition.
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ð': "d", 'þ': "th", 'ł': "l", 'đ': "d",
	'ı': "i", 'ħ': "h", 'ŀ': "l", 'ĸ': "k", 'ŋ': "ng", 'ſ': "s", 'ƒ': "f", 'ə': "e",
	'ɛ': "e", 'ɔ': "o", 'ʒ': "z", 'ĳ': "ij", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬀ': "ff",
	// Cyrillic (a simple, reversible-enough romanisation).
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu",
	'я': "ia", 'і': "i", 'ї': "i", 'є': "ie", 'ґ': "g", 'ђ': "dj", 'ј': "j", 'љ': "lj",
	'њ': "nj", 'ћ': "c", 'џ': "dz", 'ў': "u", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz", 'қ': "k",
	'ғ': "g", 'ү': "u", 'ұ': "u", 'ң': "n", 'һ': "h", 'ә': "a", 'ө': "o",
	// Greek.
	'α': "a", 'β': "b", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps",
	'ω': "o",
}

// markOf classifies a non-letter, non-digit rune: it returns the ASCII mark the
// tokenizer understands, or ' ' for a separator, or 0 to drop the rune entirely.
func markOf(r rune) byte {
	switch r {
	case '.', ',', '(', ')', '&', '+', '/', '%', '@':
		return byte(r)
	case '[', '{':
		return '('
	case ']', '}':
		return ')'
	case ';', ':', '|', '\\':
		return ','
	case '\'', '’', '‘', 'ʼ', '`', '´', 'ʹ', '′':
		return '\''
	case '-', '‐', '‑', '‒', '–', '—', '―', '−', '_':
		return '-'
	case '＆':
		return '&'
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200d' || r == '\u200c' || r == '\ufeff' {
		return 0
	}
	return ' '
}

// fold returns the folded form of s (see the comment at the top of this file).
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	n := 0
	lastSpace := true
	emit := func(c byte) {
		if c == ' ' {
			if lastSpace {
				return
			}
			lastSpace = true
		} else {
			lastSpace = false
		}
		b.WriteByte(c)
	}
	for i := 0; i < len(s); {
		if n >= maxNameRunes {
			break
		}
		n++
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				emit(c)
			case 'A' <= c && c <= 'Z':
				emit(c + 'a' - 'A')
			default:
				if m := markOf(rune(c)); m != 0 {
					emit(m)
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		foldRune(r, emit, &b, &lastSpace)
	}
	return strings.TrimSpace(b.String())
}

func foldRune(r rune, emit func(byte), b *strings.Builder, lastSpace *bool) {
	if r == utf8.RuneError {
		emit(' ')
		return
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		lr := unicode.ToLower(r)
		if t, ok := translit[lr]; ok {
			for j := 0; j < len(t); j++ {
				emit(t[j])
			}
			return
		}
		if unicode.IsDigit(lr) {
			if d := unicode.ToLower(lr); d >= '０' && d <= '９' {
				emit(byte('0' + (d - '０')))
				return
			}
			if v, ok := digitValue(lr); ok {
				emit(byte('0' + v))
				return
			}
		}
		if unicode.In(lr, unicode.Hangul, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			// Kept as written: decomposing Hangul syllables into letters helps nobody.
			b.WriteRune(lr)
			*lastSpace = false
			return
		}
		// Decompose compatibility forms and accents; keep ASCII letters of the result.
		d := norm.NFKD.String(string(lr))
		wrote := false
		for _, dr := range d {
			switch {
			case 'a' <= dr && dr <= 'z', '0' <= dr && dr <= '9':
				emit(byte(dr))
				wrote = true
			case 'A' <= dr && dr <= 'Z':
				emit(byte(dr) + 'a' - 'A')
				wrote = true
			case dr < utf8.RuneSelf:
				// ASCII punctuation produced by a compatibility form.
				if m := markOf(dr); m != 0 {
					emit(m)
					wrote = true
				}
			case unicode.Is(unicode.Mn, dr):
			default:
				if t, ok := translit[unicode.ToLower(dr)]; ok {
					for j := 0; j < len(t); j++ {
						emit(t[j])
					}
				} else {
					// A letter of a script we do not romanise: keep it.
					b.WriteRune(unicode.ToLower(dr))
					*lastSpace = false
				}
				wrote = true
			}
		}
		if !wrote && !unicode.Is(unicode.Mn, r) {
			emit(' ')
		}
		return
	}
	if m := markOf(r); m != 0 {
		emit(m)
	}
}

// digitValue returns the value of a decimal digit rune from any script.
func digitValue(r rune) (int, bool) {
	for _, rt := range unicode.Nd.R16 {
		if r >= rune(rt.Lo) && r <= rune(rt.Hi) {
			return int((r - rune(rt.Lo)) % 10), true
		}
	}
	for _, rt := range unicode.Nd.R32 {
		if r >= rune(rt.Lo) && r <= rune(rt.Hi) {
			return int((r - rune(rt.Lo)) % 10), true
		}
	}
	return 0, false
}

// isASCIIWord reports whether s consists only of a–z.
func isASCIIWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// isDigits reports whether s is a non-empty run of 0–9.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
