package tandem

import (
	"strings"
	"testing"
)

func TestDecodeSettingsRefusesWhatItCannotTrust(t *testing.T) {
	type cfg struct {
		Days int  `json:"days"`
		On   bool `json:"on"`
	}
	c := cfg{Days: 90}
	if err := DecodeSettings([]byte(`{"on":true}`), 100, "The window", &c); err != nil || c.Days != 90 || !c.On {
		t.Fatalf("defaults must survive for fields left out: %+v, %v", c, err)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"days":` + strings.Repeat(" ", 200) + `1}`, "at most 100 are accepted"},
		{`{"dayz":1}`, `unknown field "dayz"`},
		{`{"days":"x"}`, "could not be read as JSON"},
		{`{"days":1} {}`, "data after the end"},
		{``, "could not be read as JSON"},
	} {
		err := DecodeSettings([]byte(tc.in), 100, "The window", &cfg{})
		if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "The window") {
			t.Errorf("%q: %v, want an invalid error containing %q", tc.in, err, tc.want)
		}
	}
}
