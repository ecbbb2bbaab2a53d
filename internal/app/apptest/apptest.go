// Package apptest starts the whole product in-process for tests: a fresh database on
// the chosen engine, the demo workspace, the job queue and the HTTP server on a
// loopback port, all stopped when the test ends.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/platform/config"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// Start opens and serves Tandem on a fresh database of engine e and returns it with
// its base URL (http://127.0.0.1:port).
func Start(t testing.TB, e storetest.Engine) (*app.App, string) {
	t.Helper()
	return StartWith(t, e, nil)
}

// StartWith is Start with a chance to change the configuration first.
func StartWith(t testing.TB, e storetest.Engine, configure func(*config.Config)) (*app.App, string) {
	t.Helper()
	o := e.Options(t)
	cfg, err := config.Load("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.DatabaseURL, cfg.MaxBodyBytes, cfg.ShutdownTimeout = o.DataDir, o.URL, 4096, 5*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + cfg.Addr
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), "test")
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
		a.Close()
	})
	return a, cfg.BaseURL
}
