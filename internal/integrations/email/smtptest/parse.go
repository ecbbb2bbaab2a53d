package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// Received is one message the server accepted, or one that Parse read.
type Received struct {
	EnvelopeFrom string   // the MAIL FROM address
	EnvelopeTo   []string // the RCPT TO addresses, in order
	Username     string   // who logged in with AUTH, or ""
	TLS          bool     // whether the message came over TLS

	From      string      // the From header, with encoded words decoded
	To        []string    // the addresses (without names) in the To header
	Subject   string      // the Subject header, with encoded words decoded
	MessageID string      // the Message-ID header without angle brackets
	Headers   mail.Header // every top-level header, as received
	Text      string      // the first text/plain part, decoded; CR LF and lone CR become LF
	HTML      string      // the first text/html part, decoded; CR LF and lone CR become LF

	Raw      []byte // the message exactly as received
	ParseErr error  // why Parse failed, when it did; the fields above may be partial
}

// Parsing limits, so that hostile input cannot make Parse do unbounded work.
const (
	maxDepth = 8   // nested multipart levels
	maxParts = 100 // parts in all
)

// Parse reads a message: its headers, and the first text/plain and text/html parts
// found depth first, outside attachments. It decodes quoted-printable and base64
// transfer encodings, encoded words in From and Subject, and ISO-8859-1 text (other
// charsets than UTF-8 and US-ASCII are returned as they are). A body without a
// Content-Type is plain text. On an error the returned value holds whatever was read
// before it.
func Parse(raw []byte) (Received, error) {
	var r Received
	if len(raw) > MaxMessageBytes {
		return r, fmt.Errorf("message is larger than %d bytes", MaxMessageBytes)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return r, fmt.Errorf("read message header: %w", err)
	}
	r.Headers = msg.Header
	r.Subject = decodeWords(msg.Header.Get("Subject"))
	r.From = decodeWords(msg.Header.Get("From"))
	r.MessageID = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(msg.Header.Get("Message-Id")), "<"), ">")
	if to, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range to {
			r.To = append(r.To, a.Address)
		}
	}
	w := walker{r: &r}
	if err := w.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return r, err
	}
	return r, nil
}

// decodeWords decodes RFC 2047 encoded words, or returns v unchanged if it cannot.
func decodeWords(v string) string {
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	if s, err := dec.DecodeHeader(v); err == nil {
		return s
	}
	return v
}

type walker struct {
	r     *Received
	parts int
}

// walk reads one entity (the message, or a part of it) with header h and body.
func (w *walker) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	w.parts++
	if w.parts > maxParts {
		return fmt.Errorf("more than %d MIME parts", maxParts)
	}
	mediaType, params := "text/plain", map[string]string{}
	if ct := h.Get("Content-Type"); ct != "" {
		mt, p, err := mime.ParseMediaType(ct)
		if err != nil {
			// An unreadable Content-Type makes the part opaque, as RFC 2045 suggests
			// treating unknown types; it is skipped rather than guessed at.
			return nil
		}
		mediaType, params = mt, p
	}
	if disp, _, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && disp == "attachment" {
		return nil
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxDepth {
			return fmt.Errorf("multipart nested more than %d levels", maxDepth)
		}
		boundary := params["boundary"]
		if boundary == "" {
			return errNoBoundary
		}
		mr := multipart.NewReader(body, boundary)
		for {
			// NextRawPart leaves the transfer encoding alone, so that every part is
			// decoded the same way below.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read %s part: %w", mediaType, err)
			}
			if err := w.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}

	var target *string
	switch mediaType {
	case "text/plain":
		target = &w.r.Text
	case "text/html":
		target = &w.r.HTML
	default:
		return nil
	}
	if *target != "" {
		return nil // keep the first part of each kind
	}
	decoded, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return fmt.Errorf("decode %s part: %w", mediaType, err)
	}
	text := toUTF8(params["charset"], decoded)
	*target = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	return nil
}

// decodeBody undoes a Content-Transfer-Encoding.
func decodeBody(encoding string, body io.Reader) ([]byte, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		r = body
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	default:
		return nil, fmt.Errorf("unknown transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return b, nil
}

// toUTF8 converts text in the given charset to UTF-8 where it knows how: UTF-8 and
// US-ASCII are kept, ISO-8859-1 is converted, anything else is kept as it is.
func toUTF8(charset string, b []byte) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1":
		return latin1(b)
	}
	return string(b)
}

// latin1 converts ISO-8859-1 bytes, each of which is the Unicode code point of the
// same number.
func latin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// charsetReader lets mime.WordDecoder read ISO-8859-1 spelled in ways it does not
// know itself; other charsets are refused, and the header is kept undecoded.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "latin1", "latin-1":
		b, err := io.ReadAll(io.LimitReader(input, 1<<16))
		if err != nil {
			return nil, fmt.Errorf("read %s word: %w", charset, err)
		}
		return strings.NewReader(latin1(b)), nil
	}
	return nil, fmt.Errorf("charset %q is not supported", charset)
}

// errNoBoundary is returned by Parse for a multipart body without a boundary.
var errNoBoundary = errors.New("multipart content type has no boundary")
