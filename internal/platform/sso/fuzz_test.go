package sso

import (
	"errors"
	"testing"
)

// FuzzDecodeState feeds arbitrary text to DecodeState, which parses cookies that
// come back from browsers. It must never panic, must refuse with ErrMalformedState,
// and whatever it accepts must survive Encode and DecodeState unchanged, within
// the size cookies allow.
func FuzzDecodeState(f *testing.F) {
	f.Add(sampleState.Encode())
	f.Add("")
	f.Add("e30")
	f.Add(sampleState.Encode() + "A")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := DecodeState(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedState) {
				t.Fatalf("error does not wrap ErrMalformedState: %v", err)
			}
			if st != (State{}) {
				t.Fatalf("state returned with an error: %+v", st)
			}
			return
		}
		enc := st.Encode()
		if len(enc) > MaxEncodedStateLen {
			t.Fatalf("accepted a state that encodes to %d characters", len(enc))
		}
		again, err := DecodeState(enc)
		if err != nil {
			t.Fatalf("re-encoded state refused: %v", err)
		}
		if !statesEqual(again, st) {
			t.Fatalf("round trip changed the state:\n%+v\n%+v", st, again)
		}
	})
}
