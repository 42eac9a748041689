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
