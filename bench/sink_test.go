package bench_test

import (
	"bytes"
	"net/http"
	"sync/atomic"
	"time"
)

// sink is the ResponseWriter the SSE benchmarks write to. It discards
// what it is given, but counts bytes, flushes and write deadlines, and it
// can flush and take deadlines, so that every library runs its whole
// per-event path, deadline calls included, with no network in the way.
type sink struct {
	header http.Header
	bytes  atomic.Int64
	// countEvents makes it count in events the blank lines that end
	// events ("\n\n", also across two writes), for a stream whose events
	// differ in length; endsLF says the last write ended with "\n". Off,
	// it costs nothing: the other benchmarks count bytes.
	countEvents bool
	events      atomic.Int64
	endsLF      bool
	flushes     int
	deadlines   int
	// keep, when set, also keeps the bytes, to check what was written.
	keep *bytes.Buffer
	// onFlush, when set, runs after each flush, on the writer's goroutine.
	onFlush func()
}

var lflf = []byte("\n\n")

func newSink() *sink { return &sink{header: http.Header{}} }

func (w *sink) Header() http.Header { return w.header }
func (w *sink) WriteHeader(int)     {}

func (w *sink) Write(p []byte) (int, error) {
	w.bytes.Add(int64(len(p)))
	if w.countEvents && len(p) > 0 {
		n := bytes.Count(p, lflf)
		if w.endsLF && p[0] == '\n' {
			n++
		}
		w.endsLF = p[len(p)-1] == '\n'
		if n > 0 {
			w.events.Add(int64(n))
		}
	}
	if w.keep != nil {
		w.keep.Write(p)
	}
	return len(p), nil
}

func (w *sink) Flush() {
	w.flushes++
	if w.onFlush != nil {
		w.onFlush()
	}
}

// SetWriteDeadline is found by http.ResponseController and by huma.
func (w *sink) SetWriteDeadline(time.Time) error {
	w.deadlines++
	return nil
}
