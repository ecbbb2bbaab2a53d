package partner

import (
	"github.com/tandemprm/tandem/internal/tandem"
)

// next lists, for each lifecycle stage, the stages a partner may move to. An
// offboarded partner comes back only through onboarding, never straight to active.
var next = map[Lifecycle][]Lifecycle{
	Applied:    {Onboarding, Offboarded},
	Onboarding: {Active, Offboarded},
	Active:     {Dormant, Offboarded},
	Dormant:    {Active, Offboarded},
	Offboarded: {Onboarding},
}

// CheckMove reports whether a partner may move from one lifecycle stage to another:
// nil, or a KindInvalid error on the field "lifecycle" that says which moves are open.
func CheckMove(from, to Lifecycle) error {
	for _, n := range next[from] {
		if n == to {
			return nil
		}
	}
	if from == to {
		return tandem.Invalid("The lifecycle change is not valid.", tandem.FieldError{Path: "lifecycle", Detail: "the partner is already " + string(to)})
	}
	open := ""
	for i, n := range next[from] {
		if i > 0 {
			open += " or "
		}
		open += string(n)
	}
	detail := "a partner cannot move from " + string(from) + " to " + string(to) + "; from " + string(from) + " it can move to " + open
	if from == Offboarded {
		detail += " (an offboarded partner is re-onboarded before it is active again)"
	}
	return tandem.Invalid("The lifecycle change is not valid.", tandem.FieldError{Path: "lifecycle", Detail: detail})
}
