package core

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/godanet/godanet/sse"
	"github.com/labstack/echo/v4"
)

var (
	messageChanType     = reflect.TypeFor[chan sse.Message]()
	messageRecvChanType = reflect.TypeFor[<-chan sse.Message]()
)

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
type streams struct {
	ctx    context.Context
	cancel context.CancelFunc
	// open counts stream handlers that have not returned. (Not a
	// WaitGroup: a stream may begin while Shutdown waits, and a
	// WaitGroup forbids Add from zero during Wait.)
	open *atomic.Int64
}

func newStreams() streams {
	ctx, cancel := context.WithCancel(context.Background())
	return streams{ctx: ctx, cancel: cancel, open: &atomic.Int64{}}
}

// end ends every stream and waits, until ctx is done, for their handlers
// to return. Then their connections are idle, and http.Server.Shutdown
// closes them at its first look instead of polling with back-off.
func (s streams) end(ctx context.Context) {
	s.cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for s.open.Load() > 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// begin gives the request a stream context (sse.StreamContext) that ends
// with the client, the handler, the App, or the Hub dropping a subscriber
// that fell behind, whichever is first; the handler's producer is handed
// it through echo.Context. A Stream producer's panic goes to onPanic.
func (s streams) begin(c echo.Context, onPanic func(v any, stack []byte)) (end func()) {
	s.open.Add(1)
	ctx, cancel := sse.StreamContext(c.Request().Context(), onPanic)
	stop := context.AfterFunc(s.ctx, func() { cancel(nil) })
	c.SetRequest(c.Request().WithContext(ctx))
	return func() {
		stop()
		cancel(nil)
		s.open.Add(-1)
	}
}

// streamHandler is the per-request adapter of an SSE route. The stream's
// context is set before binding, so the handler's echo.Context carries it;
// guards, binding, validation and the handler's own error all answer as
// problem details before any stream byte.
func (a *App) streamHandler(h *handlerPlan, route string) echo.HandlerFunc {
	call := h.invoker(a.validator)
	return func(c echo.Context) error {
		// Read now: a producer may panic after echo has reused c.
		r, id := c.Request(), requestID(c)
		end := a.streams.begin(c, func(v any, stack []byte) {
			a.logPanic(v, stack, r, id, "route", route, "in", "sse.Stream producer")
		})
		defer end()
		out, err := call(c)
		if err != nil {
			return err
		}
		if err := errorOf(out[1]); err != nil {
			return err
		}
		limitSendBuffer(c.Request(), a.cfg.limits.StreamSendBuffer)
		return a.serveStream(c, route, out[0])
	}
}

// serveStream writes the channel a handler returned as an event stream.
// It answers nil once streaming has begun: the status is sent, and a
// client that left or a stream the App ended is not an error.
func (a *App) serveStream(c echo.Context, route string, ch reflect.Value) error {
	if ch.IsNil() {
		return errors.New("godanet: SSE handler " + route + " returned a nil channel and no error; return a channel, or an error such as core.NotFound")
	}
	events := ch.Convert(messageRecvChanType).Interface().(<-chan sse.Message)
	options := append(a.cfg.sse[:len(a.cfg.sse):len(a.cfg.sse)], sse.OnReject(func(m sse.Message, err error) {
		a.logger.Warn("godanet: SSE message rejected", "route", route, "error", err, "request_id", requestID(c))
	}))
	err := sse.Serve(c, events, options...)
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil
	case errors.Is(err, sse.ErrNoFlush):
		return err // nothing is written yet: a logged 500
	}
	a.logger.Debug("godanet: SSE stream ended by a write error", "route", route, "error", err, "request_id", requestID(c))
	return nil
}
