package tandem

import "fmt"

// Motion is how a partner creates value with the vendor. A partner may run several.
type Motion string

// The five partner motions.
const (
	MotionReferral    Motion = "referral"
	MotionResale      Motion = "resale"
	MotionMarketplace Motion = "marketplace"
	MotionServices    Motion = "services"
	MotionTech        Motion = "tech"
)

// Motions lists every motion in display order.
var Motions = []Motion{MotionReferral, MotionResale, MotionMarketplace, MotionServices, MotionTech}

// Label returns the motion's name as shown to people.
func (m Motion) Label() string {
	switch m {
	case MotionReferral:
		return "Referral"
	case MotionResale:
		return "Resale"
	case MotionMarketplace:
		return "Marketplace"
	case MotionServices:
		return "Services-led"
	case MotionTech:
		return "Tech / ISV"
	}
	return string(m)
}

// ParseMotion returns the motion named s, or a KindInvalid error listing the valid names.
func ParseMotion(s string) (Motion, error) {
	for _, m := range Motions {
		if string(m) == s {
			return m, nil
		}
	}
	return "", Errorf(KindInvalid, "unknown motion %q: use one of referral, resale, marketplace, services, tech", s)
}

// String implements fmt.Stringer.
func (m Motion) String() string { return string(m) }

var _ fmt.Stringer = MotionReferral
