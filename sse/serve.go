package sse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoFlush is returned by Serve, before any byte is written, when the
// response writer (or what it unwraps to) cannot flush: events would sit
// in a buffer instead of reaching the client.
var ErrNoFlush = errors.New("sse: the response writer cannot flush")

// heartbeat is the comment written on an idle stream.
const heartbeat = ": heartbeat\n\n"

// Serve writes events to the client of a net/http handler as one event
// stream, the response to r. It sends status 200 with Content-Type
// text/event-stream, Cache-Control no-cache, X-Accel-Buffering no and, on
// HTTP/1.x, Connection keep-alive, flushed at once so the client's
// EventSource opens before the first event. Each event is flushed as it is
// written, together with those already queued behind it (up to 64): a
// stream that has fallen behind catches up in one write. A message that
// cannot be written is passed to OnReject and skipped. A heartbeat comment
// keeps idle streams open, and each write has its own deadline, so a
// stalled client is dropped rather than holding the stream. When
// r.Context() ends, a write blocked on a stalled client is cut at once,
// without waiting for its deadline.
//
// A HEAD request gets the same status and headers, and no stream: the
// channel is not read.
//
// It returns when the stream ends:
//   - nil, when the channel is closed while r.Context() is live;
//   - r.Context()'s error, when that context ends between writes (the
//     client went away, or the server or app is shutting down), or when
//     the channel is closed after it ended, as a channel made by Produce
//     is; the response then ends cleanly;
//   - the error of a write or flush that fails: a client gone away in the
//     middle of a write, a stalled client missing WriteTimeout, or a write
//     cut short because r.Context() ended while it was under way (on
//     HTTP/1.x the last two wrap os.ErrDeadlineExceeded, and the
//     connection is closed, not reused);
//   - an error wrapping ErrNoFlush, before anything is written, when w
//     cannot flush.
//
// The producer should stop when r.Context() ends; Produce makes that easy.
// From an echo handler, pass c.Response() and c.Request().
func Serve(w http.ResponseWriter, r *http.Request, events <-chan Message, options ...Option) error {
	s, err := newStream(w, r, options)
	if err != nil {
		return err
	}
	// A write blocked on a stalled client waits for its deadline, not for
	// the context: when the context ends, abort cuts it, and wakes run.
	stop := context.AfterFunc(s.ctx, s.abort)
	defer s.finish(stop)
	if s.open(r) {
		return nil // HEAD: the stream's headers, and no stream
	}
	// The headers are flushed from here, under as few frames as can be,
	// before run, whose frame is larger, begins: writing them is the
	// deepest call of a stream (net/http sorts the header keys under a
	// 2.8 KiB frame of its own). Made under run's frame, below routing
	// and middleware, it took the goroutine past its first 8 KiB of
	// stack, and a stack that grew is not given back while the stream
	// waits: every stream held 16 KiB of stack instead of 8.
	if err := s.begin(); err != nil {
		return err
	}
	if err := s.end(nil); err != nil {
		return err
	}
	return s.run(events, maxBatch)
}

// newStream checks that w can flush and returns the stream that Serve
// runs on it. It is not inlined, so that its work stays out of Serve's
// stack frame (see Serve).
//
//go:noinline
func newStream(w http.ResponseWriter, r *http.Request, options []Option) (*stream, error) {
	if !canFlush(w) {
		return nil, fmt.Errorf("%w (%T); do not wrap the writer, or give the wrapper an Unwrap() http.ResponseWriter method", ErrNoFlush, w)
	}
	return &stream{ctx: r.Context(), w: w, cfg: newServeConfig(options), keepDeadline: r.ProtoMajor == 1, wake: make(chan struct{}, 1)}, nil
}

// open sets the stream's headers and sends the status, to be flushed
// with the headers. It reports whether the request is a HEAD, which gets
// them and no stream.
func (s *stream) open(r *http.Request) (head bool) {
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Del("Content-Length")
	if r.ProtoMajor == 1 {
		h.Set("Connection", "keep-alive")
	}
	if r.Method == http.MethodHead {
		s.w.WriteHeader(http.StatusOK)
		return true
	}
	if s.cfg.writeTimeout == 0 {
		// No deadline at all, the server's WriteTimeout included.
		s.mu.Lock()
		s.setWriteDeadline(time.Time{})
		s.mu.Unlock()
	}
	s.w.WriteHeader(http.StatusOK)
	return false
}

// run writes what arrives on events, flushing after at most batch
// messages (see writeEvents), and a heartbeat comment every
// cfg.heartbeat, until the stream ends.
//
// It waits on two channels, events and wake, as a hand-written loop waits
// on its events and on the request's Done: a goroutine holds a runtime
// record for each channel it waits on, and a stream waits most of its
// life. The end of the context (abort) and the heartbeat's timer both
// send on wake, and run reads which it was from the stream's state.
func (s *stream) run(events <-chan Message, batch int) error {
	var beat *time.Timer
	if s.cfg.heartbeat > 0 {
		beat = time.AfterFunc(s.cfg.heartbeat, s.heartbeatDue)
		defer beat.Stop()
	}
	// buf holds the encodings of messages that are not already encoded;
	// it is made on first use, so a stream fed by a Hub never has one.
	var buf []byte
	for {
		select {
		case m, ok := <-events:
			if !ok {
				// A channel made by Produce is closed when the client
				// leaves; report that as such.
				return s.ctx.Err()
			}
			closed, err := s.writeEvents(m, events, &buf, batch)
			if err != nil {
				return err
			}
			if closed {
				return s.ctx.Err()
			}
		case <-s.wake:
			if err := s.ctx.Err(); err != nil {
				return err
			}
			if s.beatDue.Swap(false) {
				if err := s.writeHeartbeat(); err != nil {
					return err
				}
				beat.Reset(s.cfg.heartbeat)
			}
		}
	}
}

// heartbeatDue runs on the heartbeat timer's goroutine: it asks run for a
// heartbeat, which run writes before it arms the timer again.
func (s *stream) heartbeatDue() {
	s.beatDue.Store(true)
	s.signal()
}

// signal wakes run, unless a wake-up is pending already.
func (s *stream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// stream writes and flushes under a per-write deadline.
type stream struct {
	ctx context.Context
	w   http.ResponseWriter
	cfg serveConfig
	// wake holds one wake-up for run, sent (never blocking) when the
	// context ends and when the heartbeat's timer fires (beatDue is then
	// set).
	wake    chan struct{}
	beatDue atomic.Bool

	// mu orders the deadline changes of a write, abort (which runs on the
	// context's goroutine) and finish: once abort has put the deadline in
	// the past to cut a write, nothing may lift it again.
	mu          sync.Mutex
	noDeadlines bool // the writer cannot set deadlines; do not ask again
	writing     bool // a write or flush is under way
	aborted     bool // the context ended: no write starts any more
	cut         bool // abort cut a write: the deadline stays in the past
	finished    bool // Serve is returning: leave the deadline alone
	// keepDeadline leaves the write deadline in place between writes
	// (HTTP/1.x); armed is the deadline in place, zero when none.
	keepDeadline bool
	armed        time.Time
}

// abort is called when the request's context ends. A write under way is
// cut at once, by moving the deadline to now, rather than left to wait for
// WriteTimeout on a stalled client; no write starts after it. Between
// writes it leaves the connection alone, so that the response still ends
// cleanly. It wakes run, which returns.
func (s *stream) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	s.aborted = true
	if s.writing && !s.noDeadlines {
		s.cut = true
		_ = s.rc().SetWriteDeadline(time.Now())
	}
	s.signal()
}

// finish is called as Serve returns. It stops the context callback;
// then, unless a write was cut, it bounds the bytes net/http writes to end
// the response, and it keeps a late abort from touching a connection that
// may serve the next request.
func (s *stream) finish(stop func() bool) {
	stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	if s.cfg.writeTimeout > 0 && !s.cut {
		s.setWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
	}
}

// rc is the stream's ResponseController, made where it is used: a
// pointer to the writer, free on the stack, that would be one more heap
// object per stream kept in the stream.
func (s *stream) rc() *http.ResponseController { return http.NewResponseController(s.w) }

// begin starts a write under a deadline of WriteTimeout, and end flushes
// and ends it. Once the context has ended begin refuses, with the
// context's error, and nothing is written.
//
// On HTTP/2 end then lifts the deadline: it bounds a write, not the wait
// for the next event, and a deadline that passes while the stream is idle
// resets an HTTP/2 stream. On HTTP/1.x a deadline that passes while idle
// harms nothing until the next write, and every write arms it first
// (finish does for the bytes net/http writes to end the response), so it
// stays in place and is moved only when a tenth of WriteTimeout has gone
// by: a write still gets at least nine tenths of WriteTimeout, and a busy
// stream makes about one SetWriteDeadline call per WriteTimeout/10 instead
// of two per event (each one a timer change in the runtime's poller).
func (s *stream) begin() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		return s.ctx.Err()
	}
	s.writing = true
	if s.cfg.writeTimeout > 0 {
		s.arm()
	}
	return nil
}

// end flushes, unless err (the write's) is set, ends the write begin
// started, and returns the first error.
func (s *stream) end(err error) error {
	if err == nil {
		if err = s.rc().Flush(); err != nil {
			err = flushError(err)
		}
	}
	s.mu.Lock()
	s.writing = false
	if err == nil && s.cut {
		// An abort that moved the deadline came too late to cut this
		// write, which is done: the response can still end cleanly.
		// (With a WriteTimeout, finish arms the deadline for the end;
		// without one, the deadline moved to now must go.)
		s.cut = false
		if s.cfg.writeTimeout <= 0 {
			s.setWriteDeadline(time.Time{})
		}
	}
	if s.cfg.writeTimeout > 0 && !s.cut && !s.keepDeadline {
		s.armed = time.Time{}
		s.setWriteDeadline(time.Time{})
	}
	s.mu.Unlock()
	return err
}

// flushError wraps the error of a flush. It is not inlined, so that its
// work stays out of end's stack frame, under which the headers are
// flushed (see Serve).
//
//go:noinline
func flushError(err error) error {
	return fmt.Errorf("sse: flushing to the client: %w", err)
}

// writeHeartbeat writes and flushes a heartbeat comment.
func (s *stream) writeHeartbeat() error {
	if err := s.begin(); err != nil {
		return err
	}
	return s.end(s.writeBytes([]byte(heartbeat)))
}

// maxBatch bounds how many queued messages one flush carries, so that a
// busy stream still flushes often.
const maxBatch = 64

// writeEvents writes m and the messages already queued behind it, batch
// messages at most, and flushes once: a subscriber that has fallen a few
// messages behind catches up in one write instead of one per message. It
// reports whether the channel turned out to be closed.
func (s *stream) writeEvents(m Message, events <-chan Message, buf *[]byte, batch int) (closed bool, err error) {
	if err := s.begin(); err != nil {
		return false, err
	}
	for n := 1; ; n++ {
		if err = s.writeMessage(&m, buf); err != nil || n >= batch || s.ctx.Err() != nil {
			break
		}
		var ok bool
		select {
		case m, ok = <-events:
		default:
			return false, s.end(nil)
		}
		if !ok {
			closed = true
			break
		}
	}
	return closed, s.end(err)
}

// writeMessage writes m, buffered until the flush that ends the write; a
// message that cannot be written goes to OnReject instead.
func (s *stream) writeMessage(m *Message, buf *[]byte) error {
	// A message from the Hub carries the bytes it was encoded to once
	// for every subscriber: write those (Write does not modify them)
	// instead of copying them first.
	out := m.encoded()
	if out == nil {
		var err error
		if *buf, err = AppendMessage((*buf)[:0], *m); err != nil {
			if s.cfg.onReject != nil {
				s.cfg.onReject(*m, err)
			}
			return nil
		}
		out = *buf
	}
	return s.writeBytes(out)
}

// arm sets the write deadline to WriteTimeout from now, unless one set less
// than a tenth of WriteTimeout ago is still in place. s.mu is held.
//
// It runs before every write. time.Until reads the monotonic clock only,
// where time.Now reads the wall clock too: half the cost of the check
// that, on a busy stream, almost always finds the deadline in place.
func (s *stream) arm() {
	if s.keepDeadline && time.Until(s.armed) > s.cfg.writeTimeout-s.cfg.writeTimeout/10 {
		return
	}
	s.armed = time.Now().Add(s.cfg.writeTimeout)
	s.setWriteDeadline(s.armed)
}

// writeBytes writes p, buffered until the flush that ends the write.
func (s *stream) writeBytes(p []byte) error {
	if _, err := s.w.Write(p); err != nil {
		return fmt.Errorf("sse: writing to the client: %w", err)
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
	if err := s.rc().SetWriteDeadline(d); errors.Is(err, http.ErrNotSupported) {
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
// Last-Event-ID header an EventSource sends when it reconnects; "" when
// there is none. From an echo handler, pass c.Request().
func LastEventID(r *http.Request) string {
	return r.Header.Get("Last-Event-ID")
}
