package sse_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/godanet/godanet/sse"
)

// discardWriter is a ResponseWriter that flushes to nowhere, so that the
// benchmarks measure encoding and the calls Serve makes, not a network.
type discardWriter struct {
	header  http.Header
	flushes int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Flush()                      { w.flushes++ }

// BenchmarkWriteEvent compares writing one event with AppendMessage into a
// reused buffer against the hand-written fmt.Fprintf most SSE handlers use
// (which, unlike AppendMessage, neither splits multi-line data nor checks
// the id and event).
//
// The one allocation of "godanet" is not AppendMessage's: it is the
// boxing of the data string into Message.Data (an interface) as the
// message is built in the loop, the same boxing that costs fmt.Fprintf
// its allocations for its arguments. "godanet-prepared" writes a message
// built once, as a Hub subscriber's or any message kept in a variable is,
// and shows that writing it allocates nothing.
func BenchmarkWriteEvent(b *testing.B) {
	// Variables, not constants, as in a real handler: the compiler would
	// turn constants into static interface values for fmt.
	id, event := strconv.Itoa(12345), "todo.updated"
	data := fmt.Sprintf(`{"id":%s,"title":"Write the benchmarks","done":false}`, id)
	b.Run("godanet-prepared", func(b *testing.B) {
		w := &discardWriter{header: http.Header{}}
		buf := make([]byte, 0, 512)
		m := sse.Message{ID: id, Event: event, Data: data} // boxed once, here
		b.ReportAllocs()
		for b.Loop() {
			var err error
			buf, err = sse.AppendMessage(buf[:0], m)
			if err != nil {
				b.Fatal(err)
			}
			w.Write(buf)
			w.Flush()
		}
	})
	b.Run("godanet", func(b *testing.B) {
		w := &discardWriter{header: http.Header{}}
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			buf, err = sse.AppendMessage(buf[:0], sse.Message{ID: id, Event: event, Data: data})
			if err != nil {
				b.Fatal(err)
			}
			w.Write(buf)
			w.Flush()
		}
	})
	b.Run("fprintf", func(b *testing.B) {
		w := &discardWriter{header: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", id, event, data)
			w.Flush()
		}
	})
}

// BenchmarkHubFanout publishes one message to N subscribers of a topic and
// drains every subscriber after each publish, so that no buffer overflows.
func BenchmarkHubFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			h := sse.NewHub(sse.History(16))
			defer h.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			subs := make([]<-chan sse.Message, n)
			for i := range subs {
				ch, err := h.Subscribe(ctx, "t", "")
				if err != nil {
					b.Fatal(err)
				}
				subs[i] = ch
			}
			m := sse.Message{Event: "todo.updated", Data: map[string]any{"id": 1, "title": "fan out"}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Publish(ctx, "t", m); err != nil {
					b.Fatal(err)
				}
				for _, ch := range subs {
					<-ch
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
