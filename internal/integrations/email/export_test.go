package email

import (
	"bytes"
	"fmt"
	"time"
)

// WriteForTest returns the bytes SMTPSender would send for m from the given sender
// at now, after validating m as Send does.
func WriteForTest(from Address, m Message, now time.Time) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, invalid(err)
	}
	msg, err := buildMsg(from, m, now)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	return b.Bytes(), nil
}
