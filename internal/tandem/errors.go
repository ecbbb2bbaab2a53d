package tandem

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error for the people and programs that receive it. Transports
// translate a Kind into a status code in exactly one table each (HTTP, CLI exit codes).
type Kind string

// The complete set of error kinds. Anything that is not a *Error is KindInternal.
const (
	KindInvalid         Kind = "invalid"         // the input breaks a rule; Fields says where
	KindNotFound        Kind = "not_found"       // no such thing, or the caller may not know it exists
	KindConflict        Kind = "conflict"        // the thing changed or already exists
	KindForbidden       Kind = "forbidden"       // the caller is known but may not do this
	KindUnauthenticated Kind = "unauthenticated" // the caller is not known
	KindRateLimited     Kind = "rate_limited"    // too many requests; try later
	KindUnavailable     Kind = "unavailable"     // a dependency is down; try later
	KindInternal        Kind = "internal"        // a bug or an unexpected failure
)

// FieldError names one invalid input field by its path (e.g. "contacts[0].email")
// and says what is wrong with it in a sentence a person can act on.
type FieldError struct {
	Path   string `json:"path"`
	Detail string `json:"detail"`
}

// Error is a domain error: a kind, a message safe to show to the caller, and for
// KindInvalid the list of fields at fault. Err, when set, is the underlying cause; it is
// logged but never shown.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, for KindRateLimited, says how long the caller should wait.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Path)
		b.WriteString(": ")
		b.WriteString(f.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error listing the given field errors.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Message: message, Fields: fields}
}

// KindOf reports the Kind of err: the Kind of the first *Error in its chain, or
// KindInternal when there is none. KindOf(nil) is "".
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the message of the first *Error in err's chain, which is safe to
// show to the caller, or a plain sentence for internal errors, which are never shown.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Message
	}
	return "Something went wrong on our side. It has been logged; please try again."
}

// FieldsOf returns the field errors of the first *Error in err's chain.
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors while validating input, so that every problem is
// reported at once instead of one per attempt.
type Problems []FieldError

// Add records that the field at path is invalid for the given reason.
func (p *Problems) Add(path, format string, args ...any) {
	*p = append(*p, FieldError{Path: path, Detail: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, else a KindInvalid error carrying every
// recorded field error under the given message.
func (p Problems) Err(message string) error {
	if len(p) == 0 {
		return nil
	}
	return Invalid(message, p...)
}

// RetryAfterOf returns how long the caller of a rate-limited request should wait, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
