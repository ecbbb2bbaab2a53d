package partner

import (
	"strings"
	"testing"
)

func TestLifecycleMoves(t *testing.T) {
	allowed := map[[2]Lifecycle]bool{
		{Applied, Onboarding}: true, {Applied, Offboarded}: true,
		{Onboarding, Active}: true, {Onboarding, Offboarded}: true,
		{Active, Dormant}: true, {Active, Offboarded}: true,
		{Dormant, Active}: true, {Dormant, Offboarded}: true,
		{Offboarded, Onboarding}: true,
	}
	for _, from := range Lifecycles {
		for _, to := range Lifecycles {
			err := CheckMove(from, to)
			if allowed[[2]Lifecycle{from, to}] != (err == nil) {
				t.Errorf("%s → %s: %v, want allowed=%v", from, to, err, allowed[[2]Lifecycle{from, to}])
			}
		}
	}
	if err := CheckMove(Offboarded, Active); err == nil || !strings.Contains(err.Error(), "re-onboarded") {
		t.Errorf("offboarded → active must explain re-onboarding: %v", err)
	}
}
