package core

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/godanet/godanet/sse"
)

var (
	messageChanType     = reflect.TypeFor[chan sse.Message]()
	messageRecvChanType = reflect.TypeFor[<-chan sse.Message]()
)

// eventsOf is an SSE handler's or interceptor's result as the
// receive-only channel sse.Serve takes: nil unless it is a channel of
// sse.Message, and not a nil one.
func eventsOf(result any) <-chan sse.Message {
	switch ch := result.(type) {
	case <-chan sse.Message:
		return ch
	case chan sse.Message:
		return ch
	}
	return nil
}

// isMessageChan reports whether t is a channel of sse.Message an SSE
// handler may return.
func isMessageChan(t reflect.Type) bool {
	return t == messageChanType || t == messageRecvChanType
}

// streams ends every open event stream when the App shuts down: a
// long-lived stream never goes idle, so http.Server.Shutdown alone would
// wait for it forever. A stream that begins during shutdown ends at once
// with status 200, not with an error status: an EventSource gives up for
// good on any status but 200, while after an ended stream it reconnects,
// with Last-Event-ID, after its retry delay.
//
// The open streams are a list threaded through their own records, under
// one lock taken twice in a stream's life: a registration that costs no
// memory beyond the record, where a context.AfterFunc on an App-wide
// context cost a context, two closures and a map entry per stream. The
// zero value is ready.
type streams struct {
	mu      sync.Mutex
	head    *openStream // the open streams, newest first
	closing bool        // end was called: a stream that begins ends at once
}

// openStream is one stream handler that has not returned: what it needs
// to report a producer's panic, how to end it, and its place in the list.
type openStream struct {
	app        *App
	r          *http.Request // as the route received it
	id, route  string
	cancel     context.CancelCauseFunc
	prev, next *openStream
}

// end ends every stream and waits, until ctx is done, for their handlers
// to return. Then their connections are idle, and http.Server.Shutdown
// closes them at its first look instead of polling with back-off.
func (s *streams) end(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	for o := s.head; o != nil; o = o.next {
		o.cancel(nil)
	}
	s.mu.Unlock()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !s.idle() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// idle reports whether no stream is open.
func (s *streams) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head == nil
}

// begin gives the request a stream context (sse.StreamContext) that ends
// with the client, the handler, the App, or the Hub dropping a subscriber
// that fell behind, whichever is first; the handler's producer is handed
// it through Context. A panic in a producer run by sse.Produce is logged with the
// route and the request id. The caller calls end on the record it gets.
func (a *App) beginStream(c Context, route string) *openStream {
	// Read now: a producer may panic after echo has reused c.
	r := c.Request()
	o := &openStream{app: a, r: r, id: requestID(c), route: route}
	ctx, cancel := sse.StreamContext(r.Context(), o.panicked)
	o.cancel = cancel
	c.SetRequest(r.WithContext(ctx))
	s := &a.streams
	s.mu.Lock()
	if s.closing {
		cancel(nil)
	}
	if o.next = s.head; o.next != nil {
		o.next.prev = o
	}
	s.head = o
	s.mu.Unlock()
	return o
}

// end ends the stream's context and takes it off the list.
func (o *openStream) end() {
	o.cancel(nil)
	s := &o.app.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.prev != nil {
		o.prev.next = o.next
	} else {
		s.head = o.next
	}
	if o.next != nil {
		o.next.prev = o.prev
	}
	o.prev, o.next = nil, nil
}

// panicked reports a panic in a producer run by sse.Produce.
func (o *openStream) panicked(v any, stack []byte) {
	o.app.logPanic(v, stack, o.r, o.id, "route", o.route, "in", "sse.Produce producer")
}

// streamRoute is an SSE route's decode, call and finish stages, run
// inside its stream's scope: the stream's context is set before the input
// is decoded, so the handler's Context carries it, and the stream is
// ended and taken off the App's list when the route returns. Guards run
// outside it: a guard, binding, validation or the handler's own error all
// answer as problem details before any stream byte. Finishing is writing
// the channel the handler returned as an event stream; once streaming has
// begun the route answers nil: the status is sent, and a client that left
// or a stream the App ended is not an error.
//
// Its frame is kept small, and decode and call run in openEvents, which
// has returned by then: the frames are on the stack when sse.Serve
// flushes the headers, the deepest call of a stream, and a stream whose
// goroutine outgrows its first 8 KiB of stack there keeps 16 KiB for its
// whole life (bench/cmd/stackprobe measures what is left).
func (a *App) streamRoute(call caller, route string) HandlerFunc {
	return func(c Context) error {
		o := a.beginStream(c, route)
		defer o.end()
		events, options, err := a.openEvents(c, call, route)
		if err != nil {
			return err
		}
		return a.streamEnded(c, route, sse.Serve(c.Response(), c.Request(), events, options...))
	}
}

// ServeEvents streams events to the client of a hand-written handler,
// one registered on App.Echo(), until the channel closes, the client
// leaves or the App shuts down; see sse.Serve. The stream is the App's as
// an SSE route's is: it gets the App's SSE options (WithSSE) before
// options, and Shutdown ends it. Start the producer with the request's
// context after ServeEvents has begun, or with sse.Produce on a context
// that ends with the request. An SSE route does all this for its handler.
func (a *App) ServeEvents(c Context, events <-chan sse.Message, options ...sse.Option) error {
	route := c.Request().Method + " " + c.Path()
	o := a.beginStream(c, route)
	defer o.end()
	options = append(a.cfg.sse[:len(a.cfg.sse):len(a.cfg.sse)], options...)
	return a.streamEnded(c, route, sse.Serve(c.Response(), c.Request(), events, options...))
}

// openEvents decodes the input and calls the handler, and returns the
// channel it returned, as the receive-only channel sse.Serve takes, and
// the options to serve it with: the App's and one that logs a message the
// stream rejects. It is not inlined, so that its work stays out of the
// stream's stack frame.
//
//go:noinline
func (a *App) openEvents(c Context, call caller, route string) (<-chan sse.Message, []sse.Option, error) {
	result, err := call(c)
	if err != nil {
		return nil, nil, err
	}
	events := eventsOf(result)
	if events == nil {
		return nil, nil, errNilEvents(route)
	}
	limitSendBuffer(c.Request(), a.cfg.limits.StreamSendBuffer)
	id := requestID(c)
	options := append(a.cfg.sse[:len(a.cfg.sse):len(a.cfg.sse)], sse.OnReject(func(m sse.Message, err error) {
		a.logger.Warn("godanet: SSE message rejected", "route", route, "error", err, "request_id", id)
	}))
	return events, options, nil
}

// streamEnded is what the route answers once sse.Serve returned err.
func (a *App) streamEnded(c Context, route string, err error) error {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil
	case errors.Is(err, sse.ErrNoFlush):
		return err // nothing is written yet: a logged 500
	}
	a.logger.Debug("godanet: SSE stream ended by a write error", "route", route, "error", err, "request_id", requestID(c))
	return nil
}
