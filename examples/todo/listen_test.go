package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/godanet/godanet/core"
)

// TestTodoBusyAddressSaysPassAddr listens where another listener already
// is, as a second "go run ./examples/todo" would, and checks that the error
// main prints names the address and the -addr flag.
func TestTodoBusyAddressSaysPassAddr(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()

	app, err := newApp(testToken, MemoryBackend(), core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = app.Shutdown(context.Background()) }()
	listenErr := app.Listen(addr)
	if listenErr == nil {
		t.Fatalf("Listen(%q) on a busy address succeeded", addr)
	}

	got := explainListen(addr, listenErr)
	if !errors.Is(got, syscall.EADDRINUSE) {
		t.Errorf("the explained error lost its cause: %v", got)
	}
	msg := got.Error()
	for _, want := range []string{addr, "already in use", "-addr :8081"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}

	other := errors.New("some other failure")
	if got := explainListen(addr, other); got != other {
		t.Errorf("explainListen changed an unrelated error: %v", got)
	}
}
