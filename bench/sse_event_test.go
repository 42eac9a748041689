package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humaecho"
	humasse "github.com/danielgtaylor/huma/v2/sse"
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	"github.com/labstack/echo/v4"
	gosse "github.com/tmaxmax/go-sse"
)

// The event every SSE benchmark writes. Variables, not constants, as in a
// real handler: the compiler would turn constants into static interface
// values, and hide the cost of an API that takes `any`.
var (
	eventNum  = 12345
	eventID   = strconv.Itoa(eventNum)
	eventName = "todo.updated"
	eventData = fmt.Sprintf(`{"id":%s,"title":"Write the benchmarks","done":false}`, eventID)
	eventRaw  = json.RawMessage(eventData)
	// eventWire is what every variant must put on the wire for it.
	eventWire = "id: " + eventID + "\nevent: " + eventName + "\ndata: " + eventData + "\n\n"
)

// An eventWriter is one library's code for writing an event, called in a
// loop on one goroutine: no channel, no scheduler, only the library.
type eventWriter struct {
	name string
	// open starts a stream on w and returns a function that writes one
	// event, built from the variables above as a handler would build it,
	// and a function that ends the stream.
	open func(tb testing.TB, w *sink) (write func(), end func())
}

func eventWriters() []eventWriter {
	return []eventWriter{
		{"echo", openEchoWriter},
		{"godanet", openGodanetWriter},
		{"go-sse", openGoSSEWriter(false)},
		{"go-sse-reused", openGoSSEWriter(true)},
		{"huma", openHumaWriter},
	}
}

func newEchoContext(w http.ResponseWriter) echo.Context {
	return echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/events", nil), w)
}

// openEchoWriter is the hand-written handler: fmt.Fprintf and a flush.
// (Unlike the libraries, it neither splits multi-line data nor checks the
// id and event name.)
func openEchoWriter(_ testing.TB, w *sink) (func(), func()) {
	res := newEchoContext(w).Response()
	return func() {
		fmt.Fprintf(res, "id: %s\nevent: %s\ndata: %s\n\n", eventID, eventName, eventData)
		res.Flush()
	}, func() {}
}

// openGodanetWriter is what sse.Serve does for each event, minus the
// per-write deadline (the stream benchmarks below run Serve itself):
// AppendMessage into the stream's buffer, write, flush.
func openGodanetWriter(tb testing.TB, w *sink) (func(), func()) {
	res := newEchoContext(w).Response()
	rc := http.NewResponseController(res)
	buf := make([]byte, 0, 512)
	return func() {
		var err error
		if buf, err = sse.AppendMessage(buf[:0], sse.Message{ID: eventID, Event: eventName, Data: eventData}); err != nil {
			tb.Fatal(err)
		}
		if _, err := res.Write(buf); err != nil {
			tb.Fatal(err)
		}
		if err := rc.Flush(); err != nil {
			tb.Fatal(err)
		}
	}, func() {}
}

// openGoSSEWriter is go-sse's write path, what its provider calls for
// each subscriber: Session.Send and Session.Flush. A go-sse message is a
// pointer with a slice of data chunks; reused, it is built once.
func openGoSSEWriter(reuse bool) func(testing.TB, *sink) (func(), func()) {
	return func(tb testing.TB, w *sink) (func(), func()) {
		c := newEchoContext(w)
		sess, err := gosse.Upgrade(c.Response(), c.Request())
		if err != nil {
			tb.Fatal(err)
		}
		build := func() *gosse.Message {
			m := &gosse.Message{ID: gosse.ID(eventID), Type: gosse.Type(eventName)}
			m.AppendData(eventData)
			return m
		}
		reused := build()
		return func() {
			m := reused
			if !reuse {
				m = build()
			}
			if err := sess.Send(m); err != nil {
				tb.Fatal(err)
			}
			if err := sess.Flush(); err != nil {
				tb.Fatal(err)
			}
		}, func() {}
	}
}

// openHumaWriter runs a huma SSE operation and borrows its send function:
// the handler hands it over and waits, so the benchmark calls it from its
// own goroutine while the handler is parked. Huma JSON-encodes data; the
// event is a json.RawMessage so the bytes on the wire are the others'.
func openHumaWriter(tb testing.TB, w *sink) (func(), func()) {
	sends := make(chan humasse.Sender)
	done := make(chan struct{})
	e := echo.New()
	config := huma.DefaultConfig("bench", "1.0.0")
	config.CreateHooks = nil
	api := humaecho.New(e, config)
	humasse.Register(api, huma.Operation{OperationID: "events", Method: http.MethodGet, Path: "/events"},
		map[string]any{eventName: json.RawMessage{}},
		func(_ context.Context, _ *struct{}, send humasse.Sender) {
			sends <- send
			<-done
		})
	served := make(chan struct{})
	go func() {
		defer close(served)
		e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/events", nil))
	}()
	send := <-sends
	return func() {
			if err := send(humasse.Message{ID: eventNum, Data: eventRaw}); err != nil {
				tb.Fatal(err)
			}
		}, func() {
			close(done)
			<-served
		}
}

// BenchmarkSSEWrite writes one event through each library's write path on
// one goroutine: encoding, the write and the flush, into a writer that
// discards. See BenchmarkSSEStream for the same through a whole stream
// handler, fed from another goroutine.
func BenchmarkSSEWrite(b *testing.B) {
	for _, v := range eventWriters() {
		w := newSink()
		w.keep = &bytes.Buffer{}
		write, end := v.open(b, w)
		w.keep.Reset() // what a library writes on opening the stream is not the event
		write()
		if got := w.keep.String(); got != eventWire {
			b.Fatalf("%s wrote %q, want %q", v.name, got, eventWire)
		}
		w.keep = nil
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			stop := cpuClock(b)
			for b.Loop() {
				write()
			}
			stop()
		})
		end()
	}
}

// An eventStream is one library's whole stream: its handler, served on
// another goroutine as net/http would, and the way an application hands
// it events.
type eventStream struct {
	name string
	// start serves a stream to w and returns send, which hands the
	// stream one event (building it as an application would), and stop,
	// which ends the stream and waits for its handler to return.
	start func(tb testing.TB, w *sink) (send func(), stop func())
	// assignsIDs says the library gives each event an id of its own, so
	// that events differ in length from eventWire: the sink counts
	// their blank lines instead of their bytes.
	assignsIDs bool
}

func eventStreams() []eventStream {
	return []eventStream{
		{"echo-chan", startEchoStream, false},
		{"godanet-chan", startGodanetStream(false), false},
		{"godanet-hub", startGodanetStream(true), true},
		{"go-sse-server", startGoSSEStream, false},
		{"huma-chan", startHumaStream, false},
	}
}

// serve runs h for a GET /events on w until stop is called.
func serve(h http.Handler, w http.ResponseWriter) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/events", nil).WithContext(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		h.ServeHTTP(w, req)
	}()
	return func() {
		cancel()
		<-served
	}
}

type echoEvent struct{ ID, Event, Data string }

// startEchoStream is the hand-written echo stream: events arrive on a
// channel and are written with fmt.Fprintf and flushed.
func startEchoStream(_ testing.TB, w *sink) (func(), func()) {
	events := make(chan echoEvent, 16)
	e := echo.New()
	e.GET("/events", func(c echo.Context) error {
		res := c.Response()
		res.Header().Set("Content-Type", "text/event-stream")
		res.Header().Set("Cache-Control", "no-cache")
		res.WriteHeader(http.StatusOK)
		res.Flush()
		ctx := c.Request().Context()
		for {
			select {
			case <-ctx.Done():
				return nil
			case ev := <-events:
				fmt.Fprintf(res, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Event, ev.Data)
				res.Flush()
			}
		}
	})
	stop := serve(e, w)
	return func() { events <- echoEvent{eventID, eventName, eventData} }, stop
}

// streamController is the godanet stream: an SSE route whose handler
// returns either a channel the benchmark feeds, or a Hub subscription the
// benchmark publishes to.
type streamController struct {
	core.Controller `path:"/"`
	events          chan sse.Message
	hub             *sse.Hub

	_ core.SSE `path:"/events" handler:"Events"`
}

func (s *streamController) Events(c core.Context) (<-chan sse.Message, error) {
	if s.hub != nil {
		return s.hub.Subscribe(c.Request().Context(), "bench", sse.LastEventID(c.Request()))
	}
	return s.events, nil
}

func startGodanetStream(hub bool) func(testing.TB, *sink) (func(), func()) {
	return func(tb testing.TB, w *sink) (func(), func()) {
		ctrl := &streamController{events: make(chan sse.Message, 16)}
		if hub {
			ctrl.hub = sse.NewHub()
		}
		app, err := core.New(&module.Module{Name: "stream", Controllers: []any{ctrl}},
			core.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			tb.Fatal(err)
		}
		stop := serve(app.Handler(), w)
		if hub {
			return func() {
				if _, err := ctrl.hub.Publish(context.Background(), "bench", sse.Message{Event: eventName, Data: eventData}); err != nil {
					tb.Fatal(err)
				}
			}, func() { stop(); ctrl.hub.Close() }
		}
		return func() { ctrl.events <- sse.Message{ID: eventID, Event: eventName, Data: eventData} }, stop
	}
}

// startGoSSEStream is go-sse's server with its default provider, Joe:
// the application publishes, Joe's goroutine writes to each session.
func startGoSSEStream(tb testing.TB, w *sink) (func(), func()) {
	srv := &gosse.Server{}
	stop := serve(srv, w)
	return func() {
			m := &gosse.Message{ID: gosse.ID(eventID), Type: gosse.Type(eventName)}
			m.AppendData(eventData)
			if err := srv.Publish(m); err != nil {
				tb.Fatal(err)
			}
		}, func() {
			stop()
			_ = srv.Shutdown(context.Background())
		}
}

// startHumaStream is a huma SSE operation whose handler sends what
// arrives on a channel.
func startHumaStream(_ testing.TB, w *sink) (func(), func()) {
	events := make(chan humasse.Message, 16)
	e := echo.New()
	config := huma.DefaultConfig("bench", "1.0.0")
	config.CreateHooks = nil
	api := humaecho.New(e, config)
	humasse.Register(api, huma.Operation{OperationID: "events", Method: http.MethodGet, Path: "/events"},
		map[string]any{eventName: json.RawMessage{}},
		func(ctx context.Context, _ *struct{}, send humasse.Sender) {
			for {
				select {
				case <-ctx.Done():
					return
				case m := <-events:
					if send(m) != nil {
						return
					}
				}
			}
		})
	stop := serve(e, w)
	return func() { events <- humasse.Message{ID: eventNum, Data: eventRaw} }, stop
}

// window is how many events BenchmarkSSEStream lets be in flight: the
// Hub drops a subscriber that falls more than its buffer (16) behind, and
// Joe publishes faster than it writes.
const window = 8

// written returns a function that counts the events w has been given:
// its bytes over an event's, or, for a stream that assigns ids, the blank
// lines that end events.
func written(w *sink, assignsIDs bool) func() int64 {
	if assignsIDs {
		w.countEvents = true
		return w.events.Load
	}
	return func() int64 { return w.bytes.Load() / int64(len(eventWire)) }
}

// BenchmarkSSEStream hands events to each library's stream handler from
// the benchmark goroutine and times until the handler has written and
// flushed the last of them: the cost of one event through a whole stream,
// channel hand-off included. At most `window` events are in flight, so a
// stream that writes what is queued and flushes once (godanet's) flushes
// less often than once per event; it reports flushes/event. See
// BenchmarkSSEStreamLockstep for one event at a time.
func BenchmarkSSEStream(b *testing.B) { benchmarkStreams(b, window) }

// BenchmarkSSEStreamLockstep is BenchmarkSSEStream with one event in
// flight: each is sent once the last is flushed, so nothing is ever
// queued, every event costs a flush and a goroutine wake-up, and no
// stream can batch.
func BenchmarkSSEStreamLockstep(b *testing.B) { benchmarkStreams(b, 1) }

// benchmarkStreams runs every eventStream with at most inFlight events
// sent and not yet written. Each event written gives back one token,
// however many events a flush carries.
func benchmarkStreams(b *testing.B, inFlight int) {
	for _, v := range eventStreams() {
		b.Run(v.name, func(b *testing.B) {
			w := newSink()
			count := written(w, v.assignsIDs)
			tokens := make(chan struct{}, inFlight)
			var target atomic.Int64
			done := make(chan struct{})
			var once sync.Once
			var returned int64 // events whose tokens are back; the writer's own
			w.onFlush = func() {
				n := count()
				for ; returned < n; returned++ {
					select {
					case <-tokens:
					default:
					}
				}
				if t := target.Load(); t > 0 && n >= t {
					once.Do(func() { close(done) })
				}
			}
			send, stop := v.start(b, w)
			defer stop()
			base, baseBytes := warmUp(b, v.name, count, send), w.bytes.Load()
			flushes := w.flushes
			b.ReportAllocs()
			b.ResetTimer()
			stopCPU := cpuClock(b)
			target.Store(base + int64(b.N))
			for range b.N {
				tokens <- struct{}{}
				send()
			}
			select {
			case <-done:
			case <-time.After(time.Minute):
				b.Fatalf("%s wrote %d of %d events", v.name, count()-base, b.N)
			}
			b.StopTimer()
			stopCPU()
			b.ReportMetric(float64(w.flushes-flushes)/float64(b.N), "flushes/event")
			if got := count() - base; got != int64(b.N) {
				b.Fatalf("%s wrote %d events, want %d", v.name, got, b.N)
			}
			got := w.bytes.Load() - baseBytes
			if want := int64(b.N) * int64(len(eventWire)); !v.assignsIDs && got != want {
				b.Fatalf("%s wrote %d bytes for %d events, want %d", v.name, got, b.N, want)
			}
			// An id of the library's own is shorter than maxOwnID: the rest
			// of each event is eventWire's.
			const maxOwnID = 64
			if least, most := int64(b.N)*int64(len(eventWire)-len(eventID)), int64(b.N)*int64(len(eventWire)-len(eventID)+maxOwnID); v.assignsIDs && (got < least || got > most) {
				b.Fatalf("%s wrote %d bytes for %d events, want %d to %d (eventWire with ids of its own)", v.name, got, b.N, least, most)
			}
		})
	}
}

// warmUp sends one event and waits until it is written, sending again if
// it was lost (a publish before the subscription has registered reaches
// no one), and returns the events written so far.
func warmUp(tb testing.TB, name string, count func() int64, send func()) int64 {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		before := count()
		send()
		for wait := time.Now().Add(100 * time.Millisecond); time.Now().Before(wait); {
			if n := count(); n > before {
				return n
			}
			time.Sleep(time.Millisecond)
		}
	}
	tb.Fatalf("%s: no event written in 5s", name)
	return 0
}
