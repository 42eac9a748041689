package sse

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkServeBatch measures write coalescing over a real loopback
// connection: a producer fills the stream's channel (16 deep, a Hub's
// default Buffer) as fast as it can, so that the stream is always behind,
// and the stream writes what is queued, flushing after at most batch
// messages. batch=1 is a stream that flushes every message, as a
// hand-written loop does; Serve uses maxBatch. It reports flushes per
// event and the process's CPU per event beside ns/event, and checks that
// the client got every event's bytes.
func BenchmarkServeBatch(b *testing.B) {
	m := Message{ID: "12345", Event: "todo.updated", Data: `{"id":12345,"title":"Write the benchmarks","done":false}`}
	wire, err := AppendMessage(nil, m)
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{1, 2, 4, 8, 16, maxBatch} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			events := make(chan Message, 16)
			var flushes atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = serveBatched(&countingWriter{ResponseWriter: w, flushes: &flushes}, r, events, batch)
			}))
			defer srv.Close()
			client := dialStream(b, srv.Listener.Addr().String())
			defer client.Close()

			// Warm up: one event through, so that the stream is open.
			events <- m
			read := client.waitFor(b, int64(len(wire)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, flushes0 := processCPU(), flushes.Load()
			go func() {
				for range b.N {
					events <- m
				}
			}()
			client.waitFor(b, read+int64(b.N)*int64(len(wire)))
			b.StopTimer()
			b.ReportMetric(float64(flushes.Load()-flushes0)/float64(b.N), "flushes/event")
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			close(events)
		})
	}
}

// serveBatched is Serve with batch in place of maxBatch.
func serveBatched(w http.ResponseWriter, r *http.Request, events <-chan Message, batch int) error {
	s, err := newStream(w, r, nil)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(s.ctx, s.abort)
	defer s.finish(stop)
	if s.open(r) {
		return nil
	}
	if err := s.begin(); err != nil {
		return err
	}
	if err := s.end(nil); err != nil {
		return err
	}
	return s.run(events, batch)
}

// countingWriter counts the flushes that reach the connection.
type countingWriter struct {
	http.ResponseWriter
	flushes *atomic.Int64
}

func (w *countingWriter) Flush() {
	w.flushes.Add(1)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// streamClient reads an event stream's body over a raw connection and
// counts its bytes.
type streamClient struct {
	net.Conn
	body atomic.Int64
	done chan struct{}
}

// dialStream opens GET / on addr, reads the response head, then reads
// and counts the body until the connection ends.
func dialStream(tb testing.TB, addr string) *streamClient {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
		tb.Fatal(err)
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("GET /: %s", res.Status)
	}
	c := &streamClient{Conn: conn, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		buf := make([]byte, 64<<10)
		for {
			n, err := res.Body.Read(buf) // the events' bytes, unchunked
			c.body.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	return c
}

// waitFor waits until the body has reached n bytes, for at most a minute,
// and returns how many it has.
func (c *streamClient) waitFor(tb testing.TB, n int64) int64 {
	deadline := time.Now().Add(time.Minute)
	for {
		if got := c.body.Load(); got >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the client read %d bytes of %d in a minute", c.body.Load(), n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// Close closes the connection and waits for the reader.
func (c *streamClient) Close() error {
	err := c.Conn.Close()
	<-c.done
	return err
}

// processCPU is the CPU time (user and system) of this process, every
// thread: the stream's, the producer's and the client's.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
