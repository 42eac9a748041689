package godanet_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/sse"
)

// TestShutdownIsNotHeldByAStalledClient: a client that stops reading leaves
// its stream blocked in a write; Shutdown must abort that write rather than
// wait for the per-write deadline.
func TestShutdownIsNotHeldByAStalledClient(t *testing.T) {
	h := newSSEHarness(t, core.WithSSE(sse.WriteTimeout(time.Minute)))
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /feed/topic?topic=flood HTTP/1.1\r\nHost: test\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// Read the headers only, so the stream is surely open; then never read.
	head := make([]byte, 1)
	if _, err := conn.Read(head); err != nil {
		t.Fatal(err)
	}
	// More than any loopback socket buffer holds: the stream's write blocks.
	big := strings.Repeat("x", 64<<10)
	for range 300 {
		if _, err := h.hub.Publish("flood", sse.Message{Data: big}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.app.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Shutdown took %v: a stalled client held it (the write deadline is a minute)", took)
	}
}
