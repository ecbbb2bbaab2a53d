package email

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sender sends one message. Implementations are safe for concurrent use.
type Sender interface {
	// Send validates m and delivers it, or hands it on. A nil error means the message
	// was accepted (by the SMTP server, or by the outbox). Any error is, or wraps, a
	// *SendError; IsPermanent says whether retrying can help.
	Send(ctx context.Context, m Message) error
}

// NewSender returns the Sender for cfg: an *SMTPSender when cfg names a host, and an
// *OutboxSender that passes every message to outbox otherwise. It validates cfg first
// and returns its field errors unchanged. outbox may be nil only when SMTP is
// configured. The options apply to the SMTP sender; WithClock applies to both.
func NewSender(cfg Config, outbox OutboxFunc, opts ...Option) (Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Enabled() {
		return NewSMTPSender(cfg, opts...)
	}
	if outbox == nil {
		return nil, errors.New("email: no SMTP host is configured and no outbox callback was given")
	}
	o := collectOptions(opts)
	from := Address{Name: "Tandem", Email: "tandem@localhost"}
	if cfg.From != "" {
		f, err := parseFrom(cfg.From)
		if err != nil {
			return nil, fmt.Errorf("email: smtp-from: %w", err)
		}
		from = f
	}
	return &OutboxSender{From: from, Deliver: outbox, Now: o.now}, nil
}

// Outboxed is a message that was not sent because no SMTP server is configured.
type Outboxed struct {
	Message   Message   // as given to Send, already validated
	From      Address   // the sender it would have had
	MessageID string    // the Message-ID it would have had (see MessageID)
	CreatedAt time.Time // when Send was called
}

// OutboxFunc receives messages in place of an SMTP server.
//
// The contract, for whoever writes one:
//   - It is called once per Send, after the message has passed Validate, with the
//     caller's context. Send returns what it returns, wrapped in a *SendError at
//     StageOutbox (permanent only if IsPermanent says so of the returned error).
//   - It must be idempotent on Message.IdempotencyKey: a send job that is retried
//     calls it again with the same key, and the second call should find the first
//     row and return nil rather than store a copy.
//   - It keeps the message where an administrator can read it (the outbox page), so
//     that a fresh installation without SMTP still lets its first user sign in.
//   - It may write one log line per message so that same first user can find the
//     link. That line is the one place a message's content may be logged, and only
//     because nothing was sent: log the recipients, subject, MessageID and Links of
//     the text, not the whole body, and never in SMTP mode.
type OutboxFunc func(ctx context.Context, m Outboxed) error

// OutboxSender is the Sender used when no SMTP server is configured: it validates
// each message and passes it to Deliver, and sends nothing.
type OutboxSender struct {
	From    Address          // the configured sender, used for the Message-ID domain
	Deliver OutboxFunc       // required
	Now     func() time.Time // clock for CreatedAt; nil means time.Now
}

// Send validates m and passes it to the outbox callback. A validation error is
// permanent; the callback's error is returned as described on OutboxFunc.
func (o *OutboxSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return invalid(err)
	}
	if o.Deliver == nil {
		return &SendError{Stage: StageOutbox, Err: errors.New("outbox: no Deliver callback")}
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	item := Outboxed{
		Message:   m,
		From:      o.From,
		MessageID: MessageID(m.IdempotencyKey, domainOf(o.From.Email)),
		CreatedAt: now(),
	}
	if err := o.Deliver(ctx, item); err != nil {
		return &SendError{Stage: StageOutbox, Permanent: IsPermanent(err), Err: fmt.Errorf("outbox: %w", err)}
	}
	return nil
}
