package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Decode reads one JSON object from the request body into v. It insists on a JSON
// content type, refuses unknown fields and trailing data, and reports every failure as
// a 4xx problem naming the field or byte offset at fault; it never yields a 500.
func Decode(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &requestError{status: http.StatusUnsupportedMediaType, msg: "The request body must be JSON, sent with Content-Type: application/json."}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &requestError{status: http.StatusBadRequest, msg: "The request body must hold exactly one JSON value; something follows it."}
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("The request body is larger than the limit of %d bytes.", big.Limit)}
	case errors.Is(err, io.EOF):
		return &requestError{status: http.StatusBadRequest, msg: "The request body is empty; send a JSON object."}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &requestError{status: http.StatusBadRequest, msg: "The request body ends in the middle of a JSON value."}
	case errors.As(err, &syn):
		return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf("The request body is not valid JSON at byte %d: %s.", syn.Offset, syn.Error())}
	case errors.As(err, &typ):
		path := typ.Field
		if path == "" {
			path = "(body)"
		}
		return &requestError{status: http.StatusUnprocessableEntity, msg: "A field has the wrong type.",
			fields: []tandem.FieldError{{Path: path, Detail: fmt.Sprintf("must be %s, not %s", jsonTypeName(typ.Type.Kind().String()), typ.Value)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &requestError{status: http.StatusUnprocessableEntity, msg: "The request has a field this endpoint does not know.",
			fields: []tandem.FieldError{{Path: name, Detail: "is not a known field"}}}
	}
	return &requestError{status: http.StatusBadRequest, msg: "The request body could not be read as JSON."}
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	}
	return "a different type"
}
