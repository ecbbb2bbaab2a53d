package smtptest

import (
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func send(t *testing.T, s *Server, subject string) error {
	t.Helper()
	msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject + "\r\n\r\nsee https://t.example/x\r\n"
	return smtp.SendMail(s.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(msg))
}

func TestWaitForAMessageSentLater(t *testing.T) {
	s := Start(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = send(t, s, "one")
		_ = send(t, s, "two")
	}()
	got := s.WaitFor(t, func(r Received) bool { return r.Subject == "two" && len(s.Messages()) == 2 }, 5*time.Second)
	if got.EnvelopeFrom != "a@example.com" || strings.Join(got.EnvelopeTo, ",") != "b@example.com" {
		t.Errorf("envelope %q -> %q", got.EnvelopeFrom, got.EnvelopeTo)
	}
	if l := Links(got); len(l) != 1 || l[0] != "https://t.example/x" {
		t.Errorf("links = %q", l)
	}
	if string(got.Raw) == "" || got.ParseErr != nil {
		t.Errorf("raw %d bytes, parse error %v", len(got.Raw), got.ParseErr)
	}
}

func TestFailNextCountsPerStage(t *testing.T) {
	s := Start(t)
	s.FailNext(2, AtRcpt, 452)
	for i := range 2 {
		err := send(t, s, "x")
		if err == nil || !strings.HasPrefix(err.Error(), "452") {
			t.Fatalf("attempt %d: err = %v, want 452", i+1, err)
		}
	}
	if err := send(t, s, "x"); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages recorded, want 1", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("FailNext with a 2xx code: want a panic")
		}
	}()
	s.FailNext(1, AtData, 250)
}

func TestAuthIsRequired(t *testing.T) {
	s := Start(t, WithAuth("u", "p"))
	if err := send(t, s, "x"); err == nil {
		t.Fatal("sending without logging in: want an error")
	}
	if err := smtp.SendMail(s.Addr(), smtp.PlainAuth("", "u", "p", "127.0.0.1"), "a@example.com", []string{"b@example.com"}, []byte("Subject: y\r\n\r\nz\r\n")); err != nil {
		t.Fatalf("with login: %v", err)
	}
	if m := s.Messages(); len(m) != 1 || m[0].Username != "u" {
		t.Fatalf("messages = %+v", m)
	}
}
