package tandem

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeSettings reads one JSON document of settings into v, which should hold the
// defaults for fields the document leaves out. It refuses documents over limit bytes,
// unknown fields and anything after the document, each with a KindInvalid error whose
// message starts with what (e.g. "The conflict policy"). It does not validate the
// values; callers do that next.
func DecodeSettings(data []byte, limit int, what string, v any) error {
	if len(data) > limit {
		return Errorf(KindInvalid, "%s could not be read: it is %d bytes, and at most %d are accepted.", what, len(data), limit)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Kind: KindInvalid, Message: fmt.Sprintf("%s could not be read as JSON: %v", what, err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Errorf(KindInvalid, "%s could not be read: there is data after the end of the JSON document.", what)
	}
	return nil
}
