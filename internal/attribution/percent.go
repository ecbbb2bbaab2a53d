package attribution

import (
	"errors"
	"strconv"
	"strings"
)

// Percent is a percentage held exactly, in hundredths of a percent: 10000 is 100%, 3333
// is 33.33%. Shares are added and compared as integers, so three partners at 33.33,
// 33.33 and 33.34 add up to exactly 100. In JSON it is a plain number (33.33).
type Percent int64

// Hundred is 100%.
const Hundred Percent = 10000

// maxPercentDigits bounds the integer part so parsing never overflows.
const maxPercentDigits = 12

var errPercentSyntax = errors.New("must be a number with at most two decimals, such as 25 or 33.33")

// ParsePercent reads a percentage written as a decimal number with at most two decimals
// ("25", "33.3", "-5", "100.00"). It does not check the range: callers say what range
// applies. Exponents, signs other than a leading "-", spaces and more than two decimals
// are refused with an error meant for the person who typed it.
func ParsePercent(s string) (Percent, error) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxPercentDigits || (hasDot && (frac == "" || len(frac) > 2)) {
		if hasDot && len(frac) > 2 && onlyDigits(frac) && whole != "" && onlyDigits(whole) {
			return 0, errors.New("must have at most two decimals")
		}
		return 0, errPercentSyntax
	}
	if !onlyDigits(whole) || !onlyDigits(frac) {
		return 0, errPercentSyntax
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, errPercentSyntax
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	p := Percent(w*100 + f)
	if neg {
		p = -p
	}
	return p, nil
}

func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes the percentage as a decimal number without trailing zeros ("33.3",
// "100"), without the percent sign.
func (p Percent) String() string {
	sign := ""
	v := uint64(p)
	if p < 0 {
		sign, v = "-", uint64(-p) // also right for the most negative value
	}
	s := sign + strconv.FormatUint(v/100, 10)
	switch f := v % 100; {
	case f == 0:
	case f%10 == 0:
		s += "." + strconv.FormatUint(f/10, 10)
	default:
		s += "." + strconv.FormatUint(f/10, 10) + strconv.FormatUint(f%10, 10)
	}
	return s
}

// MarshalJSON writes the percentage as a JSON number.
func (p Percent) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON reads a JSON number with at most two decimals; see ParsePercent. A JSON
// null leaves p unchanged.
func (p *Percent) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := ParsePercent(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
