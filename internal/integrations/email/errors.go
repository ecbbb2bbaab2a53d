package email

import (
	"errors"
	"fmt"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Stage names the step of a send that failed.
type Stage string

// The stages a send goes through, in order.
const (
	StageValidate  Stage = "validate"  // the message was refused before any connection
	StageConnect   Stage = "connect"   // connecting, greeting, TLS or login
	StageSender    Stage = "sender"    // MAIL FROM was refused
	StageRecipient Stage = "recipient" // RCPT TO was refused for at least one recipient
	StageData      Stage = "data"      // DATA or the message content was refused or cut off
	StageOutbox    Stage = "outbox"    // the outbox callback failed
)

// SendError reports why a message was not sent. Every error returned by a Sender in
// this package is, or wraps, a *SendError.
type SendError struct {
	// Stage is the step that failed.
	Stage Stage
	// Code is the SMTP reply code (such as 421 or 550), or 0 when the server gave none.
	Code int
	// Permanent is true when sending the same message again cannot succeed.
	Permanent bool
	// Err is the underlying cause. It never contains a password or a message body.
	Err error
}

// Error describes the failure in one line, for logs.
func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("email: %s failure at %s (SMTP %d): %v", kind, e.Stage, e.Code, e.Err)
	}
	return fmt.Sprintf("email: %s failure at %s: %v", kind, e.Stage, e.Err)
}

// Unwrap returns the underlying cause.
func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that the message can never be sent as it is,
// so a job retrying the send should stop: the message is invalid, or the server
// refused its sender, a recipient or its content with a 5xx reply. It returns false
// for nil and for everything that may pass on a later attempt: 4xx replies, network
// errors, timeouts, cancelled contexts, and failures while connecting (including TLS
// and login failures, which an operator fixes in the configuration rather than in the
// message, so queued mail should wait for the fix instead of being dropped).
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent
	}
	return tandem.KindOf(err) == tandem.KindInvalid
}

// invalid wraps a validation error as a permanent SendError.
func invalid(err error) error {
	return &SendError{Stage: StageValidate, Permanent: true, Err: err}
}

// classifySMTP turns an error from go-mail's DialAndSend into a *SendError.
func classifySMTP(err error) *SendError {
	var ge *gomail.SendError
	if errors.As(err, &ge) {
		se := &SendError{Code: ge.ErrorCode(), Err: err}
		switch ge.Reason {
		case gomail.ErrGetSender, gomail.ErrSMTPMailFrom:
			se.Stage = StageSender
		case gomail.ErrGetRcpts, gomail.ErrSMTPRcptTo:
			se.Stage = StageRecipient
		case gomail.ErrConnCheck:
			se.Stage = StageConnect
		default:
			se.Stage = StageData
		}
		switch {
		case se.Code >= 500 && se.Code < 600:
			se.Permanent = true
		case se.Code >= 400 && se.Code < 500:
			se.Permanent = false
		default:
			// No reply code: go-mail refused the message itself (an address it cannot
			// use, or 8-bit content the server cannot take), or the connection broke.
			switch ge.Reason {
			case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
				se.Permanent = true
			}
		}
		return se
	}
	// Anything else happened before a message was offered: dialling, the greeting,
	// EHLO, STARTTLS or AUTH, or the context ran out.
	se := &SendError{Stage: StageConnect, Err: err}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
	}
	return se
}
