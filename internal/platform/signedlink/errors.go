package signedlink

import (
	"fmt"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Reason says why a link was refused.
type Reason string

// The reasons. Verify reports the first four and VerifyAction the fifth; stores
// report the last two with NewError.
const (
	Malformed    Reason = "malformed"     // not a token this package made: cut short, mistyped, or from a newer version
	UnknownKey   Reason = "unknown_key"   // signed with a key that is no longer in the keyring
	BadSignature Reason = "bad_signature" // altered after signing, or forged
	Expired      Reason = "expired"       // authentic, but past its expiry
	WrongAction  Reason = "wrong_action"  // authentic, but made for another action
	UsedUp       Reason = "used_up"       // its uses are spent (store)
	Revoked      Reason = "revoked"       // withdrawn, or never recorded (store)
)

// Sentinel errors for errors.Is: errors.Is(err, signedlink.ErrExpired) holds for
// any *Error with Reason Expired.
var (
	ErrMalformed    error = &Error{Reason: Malformed}
	ErrUnknownKey   error = &Error{Reason: UnknownKey}
	ErrBadSignature error = &Error{Reason: BadSignature}
	ErrExpired      error = &Error{Reason: Expired}
	ErrWrongAction  error = &Error{Reason: WrongAction}
	ErrUsedUp       error = &Error{Reason: UsedUp}
	ErrRevoked      error = &Error{Reason: Revoked}
)

// Error is a refused link. Error() is a detailed sentence for logs; Message() is a
// sentence for the person holding the link. It unwraps to a *tandem.Error carrying
// that message, of kind unauthenticated when the link itself is not good
// (malformed, unknown key, bad signature, expired) and forbidden when a good link
// may not be used (wrong action, used up, revoked).
type Error struct {
	Reason    Reason
	ExpiredAt time.Time // for Expired: when the link expired
	cause     error
}

// NewError returns the error a store reports for a link it refuses, with the same
// messages as Verify's; reason is normally UsedUp or Revoked.
func NewError(reason Reason) error { return &Error{Reason: reason} }

// Error describes the refusal for logs, with the underlying detail.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("signed link refused (%s): %v", e.Reason, e.cause)
	}
	return fmt.Sprintf("signed link refused (%s)", e.Reason)
}

// Message explains the refusal to the person who opened the link, and says what to
// do next.
func (e *Error) Message() string {
	switch e.Reason {
	case Malformed:
		return "This link is incomplete or damaged. Open it again from the original message, making sure the whole link is used, or ask for a new one."
	case UnknownKey:
		return "This link is no longer valid because the key that signed it has been retired. Please ask for a new one."
	case BadSignature:
		return "This link is not valid: it has been changed since it was sent. Please ask for a new one."
	case Expired:
		if !e.ExpiredAt.IsZero() {
			return "This link expired on " + e.ExpiredAt.UTC().Format("2 January 2006 at 15:04 UTC") + ". Please ask for a new one."
		}
		return "This link has expired. Please ask for a new one."
	case WrongAction:
		return "This link is for something else and cannot be used here."
	case UsedUp:
		return "This link has already been used as many times as it allows. Please ask for a new one."
	case Revoked:
		return "This link has been withdrawn and can no longer be used. Please ask for a new one."
	}
	return "This link cannot be used. Please ask for a new one."
}

// Is reports whether target is an *Error with the same Reason, so that the
// sentinels above match.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason
}

// Unwrap returns the *tandem.Error that transports map to a response.
func (e *Error) Unwrap() error {
	kind := tandem.KindUnauthenticated
	switch e.Reason {
	case WrongAction, UsedUp, Revoked:
		kind = tandem.KindForbidden
	}
	return &tandem.Error{Kind: kind, Message: e.Message(), Err: e.cause}
}
