package sse_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"
	"go.uber.org/goleak"

	"github.com/godanet/godanet/sse"
)

// waitFor bounds every wait in these tests: a test that would hang fails
// after it instead.
const waitFor = 10 * time.Second

var protocols = []struct {
	name  string
	http2 bool
}{{"HTTP/1.1", false}, {"HTTP/2", true}}

// startServer serves h over real HTTP, HTTP/2 with TLS when asked. configure
// may set up the http.Server before it starts.
func startServer(t *testing.T, http2 bool, h http.Handler, configure func(*http.Server)) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if configure != nil {
		configure(srv.Config)
	}
	if http2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	// Close waits for the handlers, so their goroutines are gone after it.
	t.Cleanup(srv.Close)
	return srv
}

// open sends a GET to srv and returns the response once its headers arrive.
func open(t *testing.T, ctx context.Context, srv *httptest.Server, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	return resp
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

// readAll reads a whole stream with go-sse and fails on anything but a
// clean end.
func readAll(t *testing.T, r io.Reader) []gosse.Event {
	t.Helper()
	var events []gosse.Event
	for e, err := range gosse.Read(r, nil) {
		if err != nil {
			t.Fatalf("after %d events: %v", len(events), err)
		}
		events = append(events, e)
	}
	return events
}

// dialStalled sends GET / to srv over a connection with a small receive
// buffer, which the test never reads: a stalled client. It is closed when
// the test ends, before the server.
func dialStalled(t *testing.T, srv *httptest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// receive waits for a value from ch, failing the test after waitFor.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestServeHeaders(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "99") // must not survive
				events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
					select {
					case <-release:
						emit(sse.Message{Data: "first"})
					case <-ctx.Done():
					}
				})
				sse.Serve(w, r, events)
			}), nil)

			// The response arrives while the producer is still held back:
			// the headers were flushed before any event.
			resp := open(t, testContext(t), srv, nil)
			if resp.ProtoMajor != map[bool]int{false: 1, true: 2}[p.http2] {
				t.Fatalf("served over %s", resp.Proto)
			}
			want := map[string]string{
				"Content-Type":      "text/event-stream",
				"Cache-Control":     "no-cache",
				"X-Accel-Buffering": "no",
				"Connection":        map[bool]string{false: "keep-alive", true: ""}[p.http2],
				"Content-Length":    "",
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if resp.ContentLength != -1 {
				t.Errorf("ContentLength %d, want unknown", resp.ContentLength)
			}

			close(release)
			for e, err := range gosse.Read(resp.Body, nil) {
				if err != nil {
					t.Fatal(err)
				}
				if e.Data != "first" {
					t.Errorf("first event %+v", e)
				}
				break
			}
		})
	}
}

// TestServeConnectionHeader checks the protocol switch itself; over the
// network an HTTP/2 server would drop a Connection header anyway.
func TestServeConnectionHeader(t *testing.T) {
	for _, major := range []int{1, 2} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.ProtoMajor = major
		events := make(chan sse.Message)
		close(events)
		if err := sse.Serve(w, r, events); err != nil {
			t.Fatal(err)
		}
		want := map[int]string{1: "keep-alive", 2: ""}[major]
		if got := w.Header().Get("Connection"); got != want {
			t.Errorf("HTTP/%d: Connection %q, want %q", major, got, want)
		}
		if !w.Flushed || w.Code != http.StatusOK {
			t.Errorf("HTTP/%d: flushed %v, status %d", major, w.Flushed, w.Code)
		}
	}
}

// TestServeFlushesEachEvent holds each event back until the client has read
// the one before: it passes only if every event is flushed as written.
func TestServeFlushesEachEvent(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			const n = 5
			seen := make(chan int)
			srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
					for i := 1; i <= n; i++ {
						if !emit(sse.Message{ID: strconv.Itoa(i), Event: "tick", Data: fmt.Sprintf("event %d", i)}) {
							return
						}
						select {
						case got := <-seen:
							if got != i {
								panic(fmt.Sprintf("client saw %d, want %d", got, i))
							}
						case <-ctx.Done():
							return
						}
					}
				})
				sse.Serve(w, r, events, sse.Heartbeat(0))
			}), nil)

			ctx := testContext(t)
			resp := open(t, ctx, srv, nil)
			i := 0
			for e, err := range gosse.Read(resp.Body, nil) {
				if err != nil {
					t.Fatalf("after %d events: %v", i, err)
				}
				i++
				want := gosse.Event{LastEventID: strconv.Itoa(i), Type: "tick", Data: fmt.Sprintf("event %d", i)}
				if e != want {
					t.Fatalf("event %+v, want %+v", e, want)
				}
				select {
				case seen <- i:
				case <-ctx.Done():
					t.Fatal(ctx.Err())
				}
			}
			if i != n {
				t.Errorf("got %d events, want %d", i, n)
			}
		})
	}
}

func TestServeHeartbeat(t *testing.T) {
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sse.Serve(w, r, make(chan sse.Message), sse.Heartbeat(20*time.Millisecond))
	}), nil)
	resp := open(t, testContext(t), srv, nil)
	lines := bufio.NewReader(resp.Body)
	for beats := 0; beats < 2; {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("before a heartbeat: %v", err)
		}
		switch line {
		case ": heartbeat\n":
			beats++
		case "\n":
		default:
			t.Fatalf("idle stream sent %q", line)
		}
	}
}

func TestServeOnReject(t *testing.T) {
	rejected := make(chan error, 2)
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		events := make(chan sse.Message, 3)
		events <- sse.Message{ID: "1\nevent: injected", Data: "bad id"}
		events <- sse.Message{ID: "2", Data: func() {}}
		events <- sse.Message{ID: "3", Data: "good"}
		close(events)
		sse.Serve(w, r, events, sse.OnReject(func(m sse.Message, err error) {
			rejected <- err
		}))
	}), nil)
	resp := open(t, testContext(t), srv, nil)

	want := []gosse.Event{{LastEventID: "3", Data: "good"}}
	if got := readAll(t, resp.Body); !slices.Equal(got, want) {
		t.Errorf("events %+v, want %+v", got, want)
	}
	for _, want := range []error{sse.ErrInvalidID, sse.ErrEncodeData} {
		if err := receive(t, rejected, "OnReject"); !errors.Is(err, want) {
			t.Errorf("OnReject got %v, want %v", err, want)
		}
	}
}

func TestServeLastEventID(t *testing.T) {
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		events := make(chan sse.Message, 1)
		events <- sse.Message{Data: "last=" + sse.LastEventID(r)}
		close(events)
		if err := sse.Serve(w, r, events); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}), nil)
	for _, id := range []string{"", "41", "topic:7"} {
		header := http.Header{}
		if id != "" {
			header.Set("Last-Event-ID", id)
		}
		resp := open(t, testContext(t), srv, header)
		want := []gosse.Event{{Data: "last=" + id}}
		if got := readAll(t, resp.Body); !slices.Equal(got, want) {
			t.Errorf("Last-Event-ID %q: events %+v, want %+v", id, got, want)
		}
	}
}

// plainWriter is a ResponseWriter that cannot flush.
type plainWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *plainWriter) Header() http.Header         { return w.header }
func (w *plainWriter) Write(p []byte) (int, error) { return w.body.Write(p) }
func (w *plainWriter) WriteHeader(code int)        { w.code = code }

// unwrapper is a middleware's writer that passes flushes on through Unwrap.
type unwrapper struct{ http.ResponseWriter }

func (w unwrapper) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// hider is a middleware's writer that hides what it wraps.
type hider struct{ http.ResponseWriter }

func TestServeNoFlush(t *testing.T) {
	tests := []struct {
		name string
		w    func() (http.ResponseWriter, *plainWriter)
	}{
		{"plain", func() (http.ResponseWriter, *plainWriter) {
			p := &plainWriter{header: http.Header{}}
			return p, p
		}},
		{"unwraps to plain", func() (http.ResponseWriter, *plainWriter) {
			p := &plainWriter{header: http.Header{}}
			return unwrapper{unwrapper{p}}, p
		}},
		{"hides a flusher", func() (http.ResponseWriter, *plainWriter) {
			p := &plainWriter{header: http.Header{}}
			return hider{p}, p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, inner := tt.w()
			events := make(chan sse.Message, 1)
			events <- sse.Message{Data: "x"}
			err := sse.Serve(w, httptest.NewRequest(http.MethodGet, "/", nil), events)
			if !errors.Is(err, sse.ErrNoFlush) {
				t.Fatalf("error %v, want ErrNoFlush", err)
			}
			if inner.code != 0 || inner.body.Len() != 0 || len(inner.header) != 0 {
				t.Errorf("wrote status %d, headers %v, body %q before failing", inner.code, inner.header, inner.body.Bytes())
			}
		})
	}

	t.Run("unwraps to a flusher", func(t *testing.T) {
		rec := httptest.NewRecorder()
		events := make(chan sse.Message, 1)
		events <- sse.Message{Data: "x"}
		close(events)
		if err := sse.Serve(unwrapper{rec}, httptest.NewRequest(http.MethodGet, "/", nil), events); err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != "data: x\n\n" || !rec.Flushed {
			t.Errorf("body %q, flushed %v", got, rec.Flushed)
		}
	})
}

// TestServeClientLeaves checks that when the client goes away Serve returns,
// the producer run by Produce sees its context end, and no goroutine is left.
func TestServeClientLeaves(t *testing.T) {
	for _, p := range protocols {
		for _, busy := range []bool{false, true} {
			name := p.name + map[bool]string{false: "/idle", true: "/busy"}[busy]
			t.Run(name, func(t *testing.T) {
				served := make(chan error, 1)
				producerDone := make(chan struct{})
				srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
						defer close(producerDone)
						if !busy {
							emit(sse.Message{Data: "hello"})
							<-ctx.Done()
							return
						}
						for i := 0; emit(sse.Message{Data: strconv.Itoa(i)}); i++ {
						}
					})
					served <- sse.Serve(w, r, events)
				}), nil)

				ctx, cancel := context.WithCancel(testContext(t))
				resp := open(t, ctx, srv, nil)
				for _, err := range gosse.Read(resp.Body, nil) {
					if err != nil {
						t.Fatal(err)
					}
					break
				}
				cancel()

				// An idle stream notices the request's context; a busy one
				// may first see its write fail.
				err := receive(t, served, "Serve to return")
				if !busy && !errors.Is(err, context.Canceled) || err == nil {
					t.Errorf("Serve returned %v, want context.Canceled", err)
				}
				receive(t, producerDone, "the producer to stop")
				resp.Body.Close()
				srv.Close()
				goleak.VerifyNone(t)
			})
		}
	}
}

func TestServeChannelClosed(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			served := make(chan error, 1)
			srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
					for i := 1; i <= 3; i++ {
						emit(sse.Message{ID: strconv.Itoa(i), Data: "x"})
					}
				})
				served <- sse.Serve(w, r, events)
			}), nil)
			resp := open(t, testContext(t), srv, nil)
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("stream did not end cleanly: %v (read %q)", err, body)
			}
			if got := readAll(t, bytes.NewReader(body)); len(got) != 3 || got[2].LastEventID != "3" {
				t.Errorf("events %+v, want 3", got)
			}
			if err := receive(t, served, "Serve to return"); err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		})
	}
}

// TestServeIdleLongerThanWriteTimeout checks that the per-write deadline
// only bounds writes: a stream that is idle for longer than it stays open,
// delivers the next event, and ends cleanly.
func TestServeIdleLongerThanWriteTimeout(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			const timeout = 100 * time.Millisecond
			seen := make(chan struct{})
			served := make(chan error, 1)
			srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
					for i := 1; i <= 2; i++ {
						if !emit(sse.Message{ID: strconv.Itoa(i), Data: "x"}) {
							return
						}
						select {
						case <-seen:
						case <-ctx.Done():
							return
						}
						// Idle time is what is under test here.
						select {
						case <-time.After(3 * timeout):
						case <-ctx.Done():
							return
						}
					}
				})
				served <- sse.Serve(w, r, events, sse.WriteTimeout(timeout), sse.Heartbeat(0))
			}), nil)

			ctx := testContext(t)
			resp := open(t, ctx, srv, nil)
			n := 0
			for e, err := range gosse.Read(resp.Body, nil) {
				if err != nil {
					t.Fatalf("after %d events: %v", n, err)
				}
				n++
				if e.LastEventID != strconv.Itoa(n) {
					t.Fatalf("event %+v, want id %d", e, n)
				}
				select {
				case seen <- struct{}{}:
				case <-ctx.Done():
					t.Fatal(ctx.Err())
				}
			}
			if n != 2 {
				t.Errorf("got %d events, want 2", n)
			}
			if err := receive(t, served, "Serve to return"); err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		})
	}
}

// TestServeDropsStalledClient connects a client that sends its request and
// never reads: once the socket buffers are full, a write misses its
// deadline and Serve gives up on the client.
func TestServeDropsStalledClient(t *testing.T) {
	served := make(chan error, 1)
	big := strings.Repeat("x", 256<<10)
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
			for emit(sse.Message{Data: big}) {
			}
		})
		served <- sse.Serve(w, r, events, sse.WriteTimeout(100*time.Millisecond))
	}), nil)

	dialStalled(t, srv)

	start := time.Now()
	err := receive(t, served, "Serve to drop the stalled client")
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Serve returned %v, want a deadline error", err)
	}
	t.Logf("dropped after %v: %v", time.Since(start), err)
}

// TestServeOutlivesServerTimeouts: a server's WriteTimeout and ReadTimeout
// bound a request, and must not end a long-lived stream when they pass
// (the stream replaces the write deadline; net/http lifts the read one
// once the request is read, and godanet sets one by default).
func TestServeOutlivesServerTimeouts(t *testing.T) {
	const (
		serverTimeout = 200 * time.Millisecond
		every         = 50 * time.Millisecond
		n             = 12 // 600ms
	)
	servers := map[string]func(*http.Server){
		"WriteTimeout": func(s *http.Server) { s.WriteTimeout = serverTimeout },
		"ReadTimeout":  func(s *http.Server) { s.ReadTimeout = serverTimeout },
	}
	for name, configure := range servers {
		for _, p := range protocols {
			t.Run(name+"/"+p.name, func(t *testing.T) {
				srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
						tick := time.NewTicker(every)
						defer tick.Stop()
						for i := 1; i <= n; i++ {
							select {
							case <-tick.C:
								if !emit(sse.Message{ID: strconv.Itoa(i), Data: "tick"}) {
									return
								}
							case <-ctx.Done():
								return
							}
						}
					})
					sse.Serve(w, r, events)
				}), configure)

				start := time.Now()
				resp := open(t, testContext(t), srv, nil)
				events := readAll(t, resp.Body)
				if len(events) != n || events[n-1].LastEventID != strconv.Itoa(n) {
					t.Errorf("got %d events %+v, want %d", len(events), events, n)
				}
				if d := time.Since(start); d < n*every-every {
					t.Errorf("stream lasted %v, not longer than the server's %s", d, name)
				}
			})
		}
	}
}

// TestServeCancelCutsBlockedWrite connects a client that never reads, lets
// a write block on it, and ends the request's context: Serve must return at
// once, not when the long per-write deadline passes (as an app shutting
// down would otherwise wait for it).
func TestServeCancelCutsBlockedWrite(t *testing.T) {
	const (
		writeTimeout = 30 * time.Second
		promptly     = 2 * time.Second
	)
	big := strings.Repeat("x", 4<<20) // far more than the small socket buffers hold
	cancels := make(chan context.CancelFunc, 1)
	served := make(chan error, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		cancels <- cancel
		events := sse.Produce(ctx, func(ctx context.Context, emit func(sse.Message) bool) {
			emit(sse.Message{Data: big})
			<-ctx.Done()
		})
		served <- sse.Serve(w, r.WithContext(ctx), events, sse.WriteTimeout(writeTimeout), sse.Heartbeat(0))
	}))
	writing := make(chan struct{})
	srv.Listener = &bigWriteListener{Listener: srv.Listener, size: len(big) / 2, writing: writing}
	srv.Start()
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	// Closed before the server, so that a Serve still blocked ends.
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	cancel := receive(t, cancels, "the handler to start")
	receive(t, writing, "Serve to write the big event")

	start := time.Now()
	cancel()
	select {
	case err := <-served:
		// The write is cut by moving its deadline to now.
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Serve returned %v, want the cut write's deadline error", err)
		}
		t.Logf("returned %v after the context ended: %v", time.Since(start), err)
	case <-time.After(promptly):
		t.Fatalf("Serve still writing %v after its context ended: it waits for the %v write deadline", promptly, writeTimeout)
	}
}

// bigWriteListener gives connections with a small send buffer that close
// writing when a write of at least size bytes starts.
type bigWriteListener struct {
	net.Listener
	size    int
	writing chan struct{}
	once    sync.Once
}

func (l *bigWriteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c.(*net.TCPConn).SetWriteBuffer(4 << 10)
	return &bigWriteConn{Conn: c, l: l}, nil
}

type bigWriteConn struct {
	net.Conn
	l *bigWriteListener
}

func (c *bigWriteConn) Write(p []byte) (int, error) {
	if len(p) >= c.l.size {
		c.l.once.Do(func() { close(c.l.writing) })
	}
	return c.Conn.Write(p)
}

// TestServeQueuedEventsOverHTTP: messages already queued when the stream
// writes go out together, intact and in order: a Hub's shared encodings
// and messages Serve encodes itself (a large one among them), comments,
// and a message it rejects, which is left out.
func TestServeQueuedEventsOverHTTP(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			hub := newHub(t)
			wants := make(chan []byte, 1)
			rejected := make(chan error, 1)
			served := make(chan error, 1)
			srv := startServer(t, p.http2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sub, err := hub.Subscribe(r.Context(), "t", "")
				if err != nil {
					t.Error(err)
					return
				}
				for _, m := range []sse.Message{
					{Event: "multi", Data: "one\r\ntwo\rthree"},
					{Data: map[string]int{"n": 2}},
					{Event: "retry", Data: "", Retry: 1500 * time.Millisecond},
				} {
					if _, err := hub.Publish(r.Context(), "t", m); err != nil {
						t.Error(err)
						return
					}
				}
				hub.Publish(r.Context(), "t", sse.Comment("from the hub"))
				var fromHub []sse.Message
				for range 4 {
					fromHub = append(fromHub, <-sub)
				}
				queue := []sse.Message{
					fromHub[0],
					{ID: "own-1", Data: strings.Repeat("large ", 4<<10)},
					fromHub[1],
					{ID: "bad\nid", Data: "rejected"},
					{Event: "own", Data: "a\nb"},
					fromHub[3],
					sse.Comment("own comment"),
					fromHub[2],
					{Data: "last"},
				}
				events := make(chan sse.Message, len(queue))
				var want []byte
				for _, m := range queue {
					events <- m
					want, _ = sse.AppendMessage(want, m) // the rejected one adds nothing
				}
				close(events)
				wants <- want
				served <- sse.Serve(w, r, events, sse.Heartbeat(0), sse.OnReject(func(_ sse.Message, err error) { rejected <- err }))
			}), nil)

			resp := open(t, testContext(t), srv, nil)
			got := readAll(t, resp.Body)
			want := readEvents(t, receive(t, wants, "the queued messages"))
			if len(want) != 6 {
				t.Fatalf("the test queued %d events, want 6", len(want))
			}
			if !slices.Equal(got, want) {
				t.Errorf("the stream read as\n%.300v\nwant\n%.300v", got, want)
			}
			if err := receive(t, rejected, "OnReject"); !errors.Is(err, sse.ErrInvalidID) {
				t.Errorf("OnReject got %v, want ErrInvalidID", err)
			}
			if err := receive(t, served, "Serve to return"); err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		})
	}
}

// flushRecorder is a ResponseWriter that keeps what is written and notes
// how long the body was at each flush.
type flushRecorder struct {
	header    http.Header
	body      bytes.Buffer
	flushedAt []int
}

func (w *flushRecorder) Header() http.Header         { return w.header }
func (w *flushRecorder) Write(p []byte) (int, error) { return w.body.Write(p) }
func (w *flushRecorder) WriteHeader(int)             {}
func (w *flushRecorder) Flush()                      { w.flushedAt = append(w.flushedAt, w.body.Len()) }

// TestServeCoalescesFlushes: messages queued in the channel cost one flush
// for as many as are there, not one each, up to a bound that keeps a busy
// stream flushing; every flush ends between two events.
func TestServeCoalescesFlushes(t *testing.T) {
	sources := map[string]func(t *testing.T, n int) <-chan sse.Message{
		// Messages Serve encodes itself.
		"own": func(t *testing.T, n int) <-chan sse.Message {
			events := make(chan sse.Message, n)
			for i := range n {
				events <- sse.Message{ID: strconv.Itoa(i), Data: strconv.Itoa(i)}
			}
			close(events)
			return events
		},
		// Messages a Hub encoded once, queued in a subscription that the
		// topic's drop closes after them.
		"hub": func(t *testing.T, n int) <-chan sse.Message {
			hub := newHub(t, sse.Buffer(n))
			sub := mustSubscribe(t, hub, "t", "")
			for i := range n {
				publish(t, hub, "t", sse.Message{Data: strconv.Itoa(i)})
			}
			if err := hub.DropTopic(t.Context(), "t"); err != nil {
				t.Fatal(err)
			}
			return sub
		},
	}
	for name, source := range sources {
		for _, n := range []int{1, 10, 1000} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				w := &flushRecorder{header: http.Header{}}
				if err := sse.Serve(w, httptest.NewRequest(http.MethodGet, "/", nil), source(t, n), sse.Heartbeat(0)); err != nil {
					t.Fatal(err)
				}
				events := readEvents(t, w.body.Bytes())
				if len(events) != n {
					t.Fatalf("%d events written, want %d", len(events), n)
				}
				for i, e := range events {
					if e.Data != strconv.Itoa(i) {
						t.Fatalf("event %d has data %q, want %d", i, e.Data, i)
					}
				}
				body := w.body.Bytes()
				for _, at := range w.flushedAt {
					if at > 0 && !bytes.HasSuffix(body[:at], []byte("\n\n")) {
						t.Errorf("a flush at byte %d cuts an event: %q", at, body[max(at-20, 0):at])
					}
				}
				// The first flush sends the headers.
				flushes := len(w.flushedAt) - 1
				t.Logf("%d queued messages cost %d flushes", n, flushes)
				switch {
				case n <= 10 && flushes != 1:
					t.Errorf("%d queued messages cost %d flushes, want 1", n, flushes)
				case n > 10 && (flushes < 2 || flushes > n/10):
					t.Errorf("%d queued messages cost %d flushes, want more than one (a busy stream still flushes) and at most %d", n, flushes, n/10)
				}
			})
		}
	}
}
