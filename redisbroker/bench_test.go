package redisbroker

import (
	"context"
	"testing"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
)

// BenchmarkAppend measures an Append (one script: number, keep, publish)
// against a plain XADD, one round trip that keeps a frame and no more, on
// a local redis-server. It is skipped without one.
func BenchmarkAppend(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b)
	broker := New(client)
	b.Cleanup(func() { _ = broker.Close() })
	frame := []byte("event: created\ndata: {\"id\":42,\"title\":\"Buy milk\"}\n\n")
	ctx := context.Background()

	b.Run("Broker", func(b *testing.B) {
		b.ReportAllocs()
		keep := sse.Retention{Frames: 1000}
		for b.Loop() {
			if _, err := broker.Append(ctx, "bench", frame, keep); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("XADD", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := client.Do(ctx, "XADD", "baseline", "MAXLEN", 1000, "*", "b", frame).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
