package core_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/sse"
)

// stallClient opens a stream on a raw connection, reads the first byte of
// the response so the stream is surely open, and then never reads again.
func stallClient(t *testing.T, h *sseHarness, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.Srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestStalledClientDoesNotSlowOthers: one client of a topic stops reading;
// another keeps receiving every event, promptly, while the first is
// dropped by the Hub and then by its write deadline.
func TestStalledClientDoesNotSlowOthers(t *testing.T) {
	h := newSSEHarness(t, core.WithSSE(sse.WriteTimeout(200*time.Millisecond)))
	stallClient(t, h, "/feed/topic?topic=mixed")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := h.open(ctx, "/feed/topic?topic=mixed", nil)
	next := events(t, res.Body)

	big := strings.Repeat("y", 32<<10)
	const n = 400 // 12.8 MB: far more than the stalled socket takes
	for i := range n {
		start := time.Now()
		if _, err := h.hub.Publish(context.Background(), "mixed", sse.Message{Event: "e", Data: big}); err != nil {
			t.Fatal(err)
		}
		if e := next(); e.Data != big {
			t.Fatalf("event %d: %d bytes of data", i, len(e.Data))
		}
		// Generous, so a slow machine passes; a client held back by the
		// stalled one would wait for its 200ms write deadline again and again.
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("event %d took %v to reach the healthy client", i, took)
		}
	}
}

// TestShutdownIsNotHeldByAStalledClient: a client that stops reading leaves
// its stream blocked in a write; Shutdown must abort that write rather than
// wait for the per-write deadline.
func TestShutdownIsNotHeldByAStalledClient(t *testing.T) {
	h := newSSEHarness(t, core.WithSSE(sse.WriteTimeout(time.Minute)))
	stallClient(t, h, "/feed/topic?topic=flood")
	// More than any loopback socket buffer holds: the stream's write blocks.
	big := strings.Repeat("x", 64<<10)
	for range 300 {
		if _, err := h.hub.Publish(context.Background(), "flood", sse.Message{Data: big}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.App.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Shutdown took %v: a stalled client held it (the write deadline is a minute)", took)
	}
}
