// Package outbox holds email waiting to be sent. A service that needs to tell someone
// something stores a Message in the same transaction as the change it reports; a
// durable job then delivers it (over SMTP, or — with no SMTP configured — by leaving it
// on the admins' outbox page and in the log).
package outbox

import "time"

// Status is where a message stands.
type Status string

// Message statuses.
const (
	Queued Status = "queued" // waiting for the send job
	Sent   Status = "sent"   // handed to the SMTP server
	Held   Status = "held"   // no SMTP configured: shown on the outbox page only
	Failed Status = "failed" // the SMTP server refused it for good
)

// Message is one email.
type Message struct {
	WorkspaceID string
	ID          string // also the idempotency key of the send
	To          string
	ToName      string
	Subject     string
	Text        string
	HTML        string
	Status      Status
	Error       string
	CreatedAt   time.Time
	SentAt      time.Time
}

// Renderer turns a named template and its data into a subject and text and HTML
// bodies.
type Renderer interface {
	Render(name string, data any) (subject, text, html string, err error)
}

// SendArgs is the durable job that delivers one message. Its id doubles as the
// message's idempotency key, so a retried send carries the same Message-ID.
type SendArgs struct {
	WorkspaceID string `json:"workspace_id"`
	MessageID   string `json:"message_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "send_email" }
