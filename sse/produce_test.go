package sse_test

import (
	"context"
	"testing"

	"github.com/godanet/godanet/sse"
)

// TestProduceEmitAfterCancel checks Produce's promise that emit reports false
// once the context is done, even while the stream is ready to take a
// message (a select with both cases ready would pick either).
func TestProduceEmitAfterCancel(t *testing.T) {
	const tries = 1000
	ctx, cancel := context.WithCancel(t.Context())
	sent := make(chan int, 1)
	events := sse.Produce(ctx, func(ctx context.Context, emit func(sse.Message) bool) {
		<-ctx.Done()
		n := 0
		for range tries {
			if emit(sse.Message{Data: "late"}) {
				n++
			}
		}
		sent <- n
	})
	cancel()
	// Keep a receiver waiting, so that a send is always possible.
	received := 0
	for range events {
		received++
	}
	if n := receive(t, sent, "the producer"); n != 0 || received != 0 {
		t.Errorf("after the context ended, emit reported true %d times of %d, and %d messages reached the stream; want none", n, tries, received)
	}
}

// Map's goroutine ends with its context even when its input never closes,
// and a panic in change is reported, not crashing the process; either
// way the channel it returned is closed.
func TestMapEndsWithContextAndRecovers(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	in := make(chan sse.Message) // never closed
	out := sse.Map(ctx, in, func(m sse.Message) (sse.Message, bool) { return m, true })
	in <- sse.Message{Data: "one"}
	if m := <-out; m.Data != "one" {
		t.Fatalf("got %v, want one", m.Data)
	}
	cancel()
	for range out {
	}

	panicked := make(chan any, 1)
	sctx, scancel := sse.StreamContext(t.Context(), func(v any, _ []byte) { panicked <- v })
	defer scancel(nil)
	in2 := make(chan sse.Message, 1)
	in2 <- sse.Message{Data: "boom"}
	out2 := sse.Map(sctx, in2, func(m sse.Message) (sse.Message, bool) { panic(m.Data) })
	for range out2 {
		t.Error("a message passed a change that panicked")
	}
	if v := receive(t, panicked, "the panic report"); v != "boom" {
		t.Errorf("reported %v, want boom", v)
	}
}
