package match

// osa returns the optimal-string-alignment distance between a and b (insertions,
// deletions, substitutions and transpositions of adjacent letters each cost one), or
// max+1 when it exceeds max. It works on runes and allocates only for long non-ASCII
// input.
func osa(a, b string, max int) int {
	if a == b {
		return 0
	}
	if isASCII(a) && isASCII(b) {
		return osaBytes(a, b, max)
	}
	ra, rb := []rune(a), []rune(b)
	return osaRunes(ra, rb, max)
}

const osaMaxLen = 64

// osaBytes is osa for ASCII input, on strings or byte slices.
func osaBytes[A, B ~string | ~[]byte](a A, b B, max int) int {
	la, lb := len(a), len(b)
	if absInt(la-lb) > max {
		return max + 1
	}
	if la > osaMaxLen || lb > osaMaxLen {
		return max + 1
	}
	var prev2, prev, cur [osaMaxLen + 1]int32
	for j := 0; j <= lb; j++ {
		prev[j] = int32(j)
	}
	for i := 1; i <= la; i++ {
		cur[0] = int32(i)
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := int32(1)
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := prev[j] + 1
			if w := cur[j-1] + 1; w < v {
				v = w
			}
			if w := prev[j-1] + cost; w < v {
				v = w
			}
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				if w := prev2[j-2] + 1; w < v {
					v = w
				}
			}
			cur[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if int(rowMin) > max {
			return max + 1
		}
		prev2, prev = prev, cur
	}
	if int(prev[lb]) > max {
		return max + 1
	}
	return int(prev[lb])
}

func osaRunes(a, b []rune, max int) int {
	la, lb := len(a), len(b)
	if absInt(la-lb) > max || la > osaMaxLen || lb > osaMaxLen {
		return max + 1
	}
	var prev2, prev, cur [osaMaxLen + 1]int32
	for j := 0; j <= lb; j++ {
		prev[j] = int32(j)
	}
	for i := 1; i <= la; i++ {
		cur[0] = int32(i)
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := int32(1)
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := prev[j] + 1
			if w := cur[j-1] + 1; w < v {
				v = w
			}
			if w := prev[j-1] + cost; w < v {
				v = w
			}
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				if w := prev2[j-2] + 1; w < v {
					v = w
				}
			}
			cur[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if int(rowMin) > max {
			return max + 1
		}
		prev2, prev = prev, cur
	}
	if int(prev[lb]) > max {
		return max + 1
	}
	return int(prev[lb])
}

// runeLen returns the number of runes in s.
func runeLen(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return len([]rune(s))
}
