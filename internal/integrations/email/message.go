package email

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Limits that Validate enforces. They are far above what Tandem's own mail needs and
// exist so that a bug or hostile input cannot build an unbounded message.
const (
	MaxRecipients     = 50
	MaxSubjectRunes   = 250
	MaxNameRunes      = 200
	MaxTextBytes      = 1 << 20
	MaxHTMLBytes      = 2 << 20
	MaxKeyBytes       = 200
	MaxHeaderValue    = 900
	maxAddressBytes   = 254
	maxHeaderNameSize = 76
)

// Address is one mailbox: an optional display name and an address such as
// "ana@example.com".
type Address struct {
	Name  string
	Email string
}

// String formats the address for a header, quoting and encoding the name as needed.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// Message is one email to send.
type Message struct {
	// To lists the recipients; at least one.
	To []Address
	// Subject is one line of text, without CR, LF or other control characters. It is
	// sent with runs of white space made single spaces.
	Subject string
	// Text is the plain-text body; every message has one. Line breaks may be LF or
	// CR LF.
	Text string
	// HTML is the HTML body, sent as an alternative to Text; it may be empty.
	HTML string
	// IdempotencyKey identifies this message across retries of its send; the same key
	// always yields the same Message-ID header. Required.
	IdempotencyKey string
	// Headers are extra header fields such as "Reply-To", "In-Reply-To" or
	// "List-Unsubscribe". The fields the sender writes itself (From, To, Cc, Bcc,
	// Subject, Date, Message-ID, Sender, MIME-Version, Content-*, and trace fields) are
	// refused. A Reply-To value must be a list of addresses.
	Headers map[string]string
}

// reservedHeaders are written by the sender and may not be set through Headers.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Date": true,
	"Message-Id": true, "Sender": true, "Mime-Version": true, "Return-Path": true,
	"Received": true, "Dkim-Signature": true, "Resent-From": true, "Resent-To": true,
	"Resent-Date": true, "Resent-Sender": true, "Resent-Cc": true, "Resent-Bcc": true,
	"Resent-Message-Id": true,
}

// Validate checks m and returns nil, or a tandem.KindInvalid error that lists every
// problem, each under the path of the field at fault (such as "to[1].email",
// "subject" or "headers[Reply-To]").
func (m Message) Validate() error {
	var p tandem.Problems
	if len(m.To) == 0 {
		p.Add("to", "needs at least one recipient")
	}
	if len(m.To) > MaxRecipients {
		p.Add("to", "has %d recipients; at most %d are allowed", len(m.To), MaxRecipients)
	}
	for i, a := range m.To {
		validateAddress(&p, fmt.Sprintf("to[%d]", i), a)
	}

	switch {
	case strings.TrimSpace(m.Subject) == "":
		p.Add("subject", "is required")
	case !utf8.ValidString(m.Subject):
		p.Add("subject", "is not valid UTF-8")
	case strings.ContainsAny(m.Subject, "\r\n"):
		p.Add("subject", "must be a single line (no CR or LF)")
	case hasControl(m.Subject, false):
		p.Add("subject", "contains control characters")
	case utf8.RuneCountInString(m.Subject) > MaxSubjectRunes:
		p.Add("subject", "is longer than %d characters", MaxSubjectRunes)
	}

	switch {
	case strings.TrimSpace(m.Text) == "":
		p.Add("text", "is required; every message has a plain-text body")
	case !utf8.ValidString(m.Text):
		p.Add("text", "is not valid UTF-8")
	case len(m.Text) > MaxTextBytes:
		p.Add("text", "is larger than %d bytes", MaxTextBytes)
	case hasControl(m.Text, true):
		p.Add("text", "contains control characters other than tab and line breaks")
	}
	switch {
	case !utf8.ValidString(m.HTML):
		p.Add("html", "is not valid UTF-8")
	case len(m.HTML) > MaxHTMLBytes:
		p.Add("html", "is larger than %d bytes", MaxHTMLBytes)
	case hasControl(m.HTML, true):
		p.Add("html", "contains control characters other than tab and line breaks")
	}

	switch {
	case m.IdempotencyKey == "":
		p.Add("idempotency_key", "is required, so that a retried send can be recognised")
	case len(m.IdempotencyKey) > MaxKeyBytes:
		p.Add("idempotency_key", "is longer than %d bytes", MaxKeyBytes)
	case strings.IndexFunc(m.IdempotencyKey, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		p.Add("idempotency_key", "may hold only printable ASCII characters without spaces")
	}

	seen := make(map[string]bool, len(m.Headers))
	for _, name := range sortedKeys(m.Headers) {
		if canon := canonicalHeader(name); seen[canon] {
			p.Add("headers["+name+"]", "is given twice (header names ignore case)")
		} else {
			seen[canon] = true
		}
		validateHeader(&p, name, m.Headers[name])
	}
	return p.Err("The email message is not valid")
}

func validateAddress(p *tandem.Problems, path string, a Address) {
	switch {
	case !utf8.ValidString(a.Name):
		p.Add(path+".name", "is not valid UTF-8")
	case hasControl(a.Name, false):
		p.Add(path+".name", "contains control characters or line breaks")
	case utf8.RuneCountInString(a.Name) > MaxNameRunes:
		p.Add(path+".name", "is longer than %d characters", MaxNameRunes)
	}
	if err := checkEmail(a.Email); err != nil {
		p.Add(path+".email", "%s", err.Error())
	}
}

// checkEmail reports whether s is one bare address (no display name, no angle
// brackets, no comments) that net/mail parses back to exactly s.
func checkEmail(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("is required")
	}
	if len(s) > maxAddressBytes {
		return fmt.Errorf("is longer than %d bytes", maxAddressBytes)
	}
	parsed, err := mail.ParseAddress(s)
	if err != nil || parsed.Name != "" || parsed.Address != s {
		return fmt.Errorf("%q is not an email address like name@example.com", s)
	}
	return nil
}

func validateHeader(p *tandem.Problems, name, value string) {
	path := "headers[" + name + "]"
	if !validHeaderName(name) {
		p.Add(path, "is not a valid header name (letters, digits and hyphens, up to %d)", maxHeaderNameSize)
		return
	}
	canon := canonicalHeader(name)
	if reservedHeaders[canon] || strings.HasPrefix(canon, "Content-") {
		p.Add(path, "is written by the sender and cannot be set")
		return
	}
	switch {
	case !utf8.ValidString(value):
		p.Add(path, "is not valid UTF-8")
		return
	case hasControl(value, false):
		p.Add(path, "must be a single line without control characters")
		return
	case len(value) > MaxHeaderValue:
		p.Add(path, "is longer than %d bytes", MaxHeaderValue)
		return
	}
	if canon == "Reply-To" {
		if _, err := parseAddressList(value); err != nil {
			p.Add(path, "must be one or more email addresses: %v", err)
		}
	}
}

// parseAddressList parses a header value listing addresses, such as a Reply-To.
func parseAddressList(value string) ([]*mail.Address, error) {
	list, err := mail.ParseAddressList(value)
	if err != nil {
		return nil, fmt.Errorf("parse address list: %w", err)
	}
	for _, a := range list {
		if err := checkEmail(a.Address); err != nil {
			return nil, fmt.Errorf("address %s", err.Error())
		}
	}
	return list, nil
}

func validHeaderName(name string) bool {
	if name == "" || len(name) > maxHeaderNameSize {
		return false
	}
	for _, r := range name {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return name[0] != '-'
}

// canonicalHeader spells a header name with each hyphen-separated word capitalised,
// as net/textproto does ("message-id" becomes "Message-Id").
func canonicalHeader(name string) string {
	words := strings.Split(strings.ToLower(name), "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, "-")
}

// hasControl reports whether s holds a control character. With body set, tab, CR and
// LF are allowed, as they are in a message body.
func hasControl(s string, body bool) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		if body && (r == '\t' || r == '\n' || r == '\r') {
			return false
		}
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}) >= 0
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MessageID returns the Message-ID (without angle brackets) that a message with the
// given idempotency key gets when sent from an address at domain: 32 hexadecimal
// characters derived from the key by SHA-256, an "@" and the domain in lower case.
// The same key and domain always give the same ID, and the ID reveals nothing about
// the key.
func MessageID(idempotencyKey, domain string) string {
	sum := sha256.Sum256([]byte("tandem email message-id\x00" + idempotencyKey))
	return hex.EncodeToString(sum[:16]) + "@" + strings.ToLower(domain)
}

// domainOf returns the part of an address after its last "@".
func domainOf(address string) string {
	return address[strings.LastIndexByte(address, '@')+1:]
}
