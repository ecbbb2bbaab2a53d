// Package email sends Tandem's outbound mail: sign-in links, invitations and
// notifications (SPEC D1, K4; issue 3 item 8).
//
// # Pieces
//
//   - Message is one email: recipients, subject, a plain-text body, an optional HTML
//     body, an idempotency key and a few extra headers. Validate checks it.
//   - Render fills one of the embedded templates (templates/*.txt and *.html) and
//     returns the subject, text and HTML for a Message.
//   - Sender is what the rest of Tandem calls. SMTPSender delivers over SMTP;
//     OutboxSender, used when no SMTP server is configured, hands each message to a
//     callback instead of sending it.
//   - Config holds the SMTP settings; NewSender picks the right Sender for it.
//
// # Retries and duplicates
//
// Every send should run inside a durable job. The job gives each message an
// idempotency key that stays the same across its retries (for example
// "signin:<workspace id>:<token id>"). The key determines the message's Message-ID
// header, so if a retry delivers a message that an earlier, seemingly failed attempt
// had already delivered, both copies carry the same Message-ID and mail systems that
// de-duplicate by it will show one. When Send fails, IsPermanent says whether trying
// again can help: a message the server refused outright (a 5xx reply to the sender,
// a recipient or the content) or one that is invalid will fail the same way every
// time, so the job should stop and record the failure; anything else (4xx replies,
// network trouble, timeouts, TLS or login problems) should be retried with backoff.
//
// # Privacy
//
// Nothing in this package logs or puts into an error a password or a message body.
// Errors may name recipients' addresses and the server's reply text.
package email
