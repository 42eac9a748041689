package sse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// ErrNoFlush is returned by Serve, before any byte is written, when the
// response writer (or what it unwraps to) cannot flush: events would sit
// in a buffer instead of reaching the client.
var ErrNoFlush = errors.New("sse: the response writer cannot flush")

// heartbeat is the comment written on an idle stream.
const heartbeat = ": heartbeat\n\n"

// Serve streams events to the client of an echo handler until the channel
// is closed, the client goes away, the request's context ends, or a write
// fails. See ServeHTTP, which says what it returns.
func Serve(c echo.Context, events <-chan Message, options ...Option) error {
	return ServeHTTP(c.Response(), c.Request(), events, options...)
}

// ServeHTTP streams events to the client of a net/http handler. It sends
// status 200 with Content-Type text/event-stream, Cache-Control no-cache,
// X-Accel-Buffering no and, on HTTP/1.x, Connection keep-alive, flushed at
// once so the client's EventSource opens before the first event. Each
// event is flushed as it is written; a message that cannot be written is
// passed to OnReject and skipped. A heartbeat comment keeps idle streams
// open, and each write has its own deadline, so a stalled client is dropped
// rather than holding the stream. When r.Context() ends, a write blocked on
// a stalled client is cut at once, without waiting for its deadline.
//
// A HEAD request gets the same status and headers, and no stream: the
// channel is not read.
//
// It returns when the stream ends:
//   - nil, when the channel is closed while r.Context() is live;
//   - r.Context()'s error, when that context ends between writes (the
//     client went away, or the server or app is shutting down), or when
//     the channel is closed after it ended, as a Stream producer's is; the
//     response then ends cleanly;
//   - the error of a write or flush that fails: a client gone away in the
//     middle of a write, a stalled client missing WriteTimeout, or a write
//     cut short because r.Context() ended while it was under way (on
//     HTTP/1.x the last two wrap os.ErrDeadlineExceeded, and the
//     connection is closed, not reused);
//   - an error wrapping ErrNoFlush, before anything is written, when w
//     cannot flush.
//
// The producer should stop when r.Context() ends; Stream makes that easy.
func ServeHTTP(w http.ResponseWriter, r *http.Request, events <-chan Message, options ...Option) error {
	if !canFlush(w) {
		return fmt.Errorf("%w (%T); do not wrap the writer, or give the wrapper an Unwrap() http.ResponseWriter method", ErrNoFlush, w)
	}
	ctx := r.Context()
	s := &stream{ctx: ctx, w: w, rc: http.NewResponseController(w), cfg: newServeConfig(options), keepDeadline: r.ProtoMajor == 1}
	// A write blocked on a stalled client waits for its deadline, not for
	// the context: when the context ends, abort cuts it.
	stop := context.AfterFunc(ctx, s.abort)
	defer func() {
		stop()
		s.finish()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Del("Content-Length")
	if r.ProtoMajor == 1 {
		h.Set("Connection", "keep-alive")
	}
	if r.Method == http.MethodHead {
		// The stream's headers, and no stream.
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if s.cfg.writeTimeout == 0 {
		// No deadline at all, the server's WriteTimeout included.
		s.mu.Lock()
		s.setWriteDeadline(time.Time{})
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
	if err := s.write(nil); err != nil {
		return err
	}

	var tick <-chan time.Time
	if s.cfg.heartbeat > 0 {
		t := time.NewTicker(s.cfg.heartbeat)
		defer t.Stop()
		tick = t.C
	}
	// buf holds the encoding of a message that is not already encoded; it
	// is made on first use, so a stream fed by a Hub never has one.
	var buf []byte
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m, ok := <-events:
			if !ok {
				// A producer made with Stream closes the channel when the
				// client leaves; report that as such.
				return ctx.Err()
			}
			// A message from the Hub carries the bytes it was encoded to
			// once for every subscriber: write those (Write does not
			// modify them) instead of copying them first.
			out := m.encoded()
			if out == nil {
				var err error
				if buf, err = AppendMessage(buf[:0], m); err != nil {
					if s.cfg.onReject != nil {
						s.cfg.onReject(m, err)
					}
					continue
				}
				out = buf
			}
			if err := s.write(out); err != nil {
				return err
			}
		case <-tick:
			if err := s.write([]byte(heartbeat)); err != nil {
				return err
			}
		}
	}
}

// stream writes and flushes under a per-write deadline.
type stream struct {
	ctx context.Context
	w   http.ResponseWriter
	rc  *http.ResponseController
	cfg serveConfig

	// mu orders the deadline changes of write, abort (which runs on the
	// context's goroutine) and finish: once abort has put the deadline in
	// the past to cut a write, nothing may lift it again.
	mu          sync.Mutex
	noDeadlines bool // the writer cannot set deadlines; do not ask again
	writing     bool // a write or flush is under way
	aborted     bool // the context ended: no write starts any more
	cut         bool // abort cut a write: the deadline stays in the past
	finished    bool // ServeHTTP is returning: leave the deadline alone
	// keepDeadline leaves the write deadline in place between writes
	// (HTTP/1.x); armed is the deadline in place, zero when none.
	keepDeadline bool
	armed        time.Time
}

// abort is called when the request's context ends. A write under way is
// cut at once, by moving the deadline to now, rather than left to wait for
// WriteTimeout on a stalled client; no write starts after it. Between
// writes it leaves the connection alone, so that the response still ends
// cleanly.
func (s *stream) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	s.aborted = true
	if s.writing && !s.noDeadlines {
		s.cut = true
		s.rc.SetWriteDeadline(time.Now())
	}
}

// finish is called as ServeHTTP returns, after the context callback is
// stopped or has run: unless a write was cut, it bounds the bytes net/http
// writes to end the response, and it keeps a late abort from touching a
// connection that may serve the next request.
func (s *stream) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	if s.cfg.writeTimeout > 0 && !s.cut {
		s.setWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
	}
}

// write writes p and flushes it under a deadline of WriteTimeout. Once
// the context has ended it writes nothing and returns the context's error.
//
// On HTTP/2 it then lifts the deadline: it bounds a write, not the wait
// for the next event, and a deadline that passes while the stream is idle
// resets an HTTP/2 stream. On HTTP/1.x a deadline that passes while idle
// harms nothing until the next write, and every write arms it first
// (finish does for the bytes net/http writes to end the response), so it
// stays in place and is moved only when a tenth of WriteTimeout has gone
// by: a write still gets at least nine tenths of WriteTimeout, and a busy
// stream makes about one SetWriteDeadline call per WriteTimeout/10 instead
// of two per event (each one a timer change in the runtime's poller).
func (s *stream) write(p []byte) error {
	s.mu.Lock()
	if s.aborted {
		s.mu.Unlock()
		return s.ctx.Err()
	}
	s.writing = true
	if s.cfg.writeTimeout > 0 {
		s.arm()
	}
	s.mu.Unlock()
	err := s.writeFlush(p)
	s.mu.Lock()
	s.writing = false
	if s.cfg.writeTimeout > 0 && !s.cut && !s.keepDeadline {
		s.armed = time.Time{}
		s.setWriteDeadline(time.Time{})
	}
	s.mu.Unlock()
	return err
}

// arm sets the write deadline to WriteTimeout from now, unless one set less
// than a tenth of WriteTimeout ago is still in place. s.mu is held.
func (s *stream) arm() {
	now := time.Now()
	if s.keepDeadline && s.armed.Sub(now) > s.cfg.writeTimeout-s.cfg.writeTimeout/10 {
		return
	}
	s.armed = now.Add(s.cfg.writeTimeout)
	s.setWriteDeadline(s.armed)
}

func (s *stream) writeFlush(p []byte) error {
	if len(p) > 0 {
		if _, err := s.w.Write(p); err != nil {
			return fmt.Errorf("sse: writing to the client: %w", err)
		}
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("sse: flushing to the client: %w", err)
	}
	return nil
}

// setWriteDeadline sets the connection's write deadline, replacing the
// server's WriteTimeout for this response; the zero time means none.
// s.mu is held.
func (s *stream) setWriteDeadline(d time.Time) {
	if s.noDeadlines {
		return
	}
	if err := s.rc.SetWriteDeadline(d); errors.Is(err, http.ErrNotSupported) {
		s.noDeadlines = true
	}
}

// canFlush reports whether flushing w reaches the connection: it follows
// Unwrap to the innermost writer, which must flush. Wrappers on the way
// (echo's Response, Gzip) pass flushes down.
func canFlush(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		case interface{ FlushError() error }, http.Flusher:
			return true
		default:
			return false
		}
	}
}

// LastEventID is the id of the last event the client saw, from the
// Last-Event-ID header an EventSource sends when it reconnects.
func LastEventID(c echo.Context) string {
	return c.Request().Header.Get("Last-Event-ID")
}
