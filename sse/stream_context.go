package sse

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
)

// ErrSlowSubscriber is the cause with which a Hub cancels the context of
// a stream whose subscription it dropped for falling too far behind
// (see StreamContext).
var ErrSlowSubscriber = errors.New("sse: the subscriber fell too far behind and was dropped")

// streamScopeKey is the context key of a stream's scope.
type streamScopeKey struct{}

// streamScope is what StreamContext puts in a stream's context: how to end
// the stream, and where a producer's panic goes.
type streamScope struct {
	cancel  context.CancelCauseFunc
	onPanic func(v any, stack []byte)
}

// StreamContext returns the context of one event stream, derived from
// parent, and the function that cancels it; call it when the stream ends.
// Pass the context to Hub.Subscribe and Produce, and serve the stream with
// a request carrying it (r.WithContext(ctx)). godanet's SSE routes do all
// of this for their handlers. Under it:
//
//   - a Hub that drops the subscription for falling behind cancels ctx
//     with the cause ErrSlowSubscriber, so Serve cuts a write blocked
//     on the stalled client at once, instead of at its WriteTimeout, and
//     the connection's buffers are freed;
//   - a producer run by Produce that panics is recovered, its stream ends
//     (its channel is closed), and onPanic is called with the value and
//     the stack. A nil onPanic logs them with slog.Default.
//
// Without StreamContext, Hub and Produce still work: a dropped subscriber
// is noticed at the next write deadline, and a producer's panic is logged
// with slog.Default.
func StreamContext(parent context.Context, onPanic func(v any, stack []byte)) (context.Context, context.CancelCauseFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	return &streamContext{Context: ctx, scope: streamScope{cancel: cancel, onPanic: onPanic}}, cancel
}

// streamContext is a cancellable context carrying a stream's scope: what
// context.WithValue would make, in one object instead of two (a stream
// holds its context for its whole life). Done, Err and the context's
// cancellation record, which the context package finds through Value, are
// the embedded context's, so contexts derived from it are registered with
// that one, as they would be under WithValue.
type streamContext struct {
	context.Context
	scope streamScope
}

func (c *streamContext) Value(key any) any {
	if _, ok := key.(streamScopeKey); ok {
		return &c.scope
	}
	return c.Context.Value(key)
}

// scopeOf is the scope StreamContext put in ctx, or nil.
func scopeOf(ctx context.Context) *streamScope {
	s, _ := ctx.Value(streamScopeKey{}).(*streamScope)
	return s
}

// cancelStream ends the stream that ctx belongs to, if it has a scope.
func cancelStream(ctx context.Context, cause error) {
	if s := scopeOf(ctx); s != nil {
		s.cancel(cause)
	}
}

// reportPanic hands a recovered panic to the stream's onPanic, or logs it.
func reportPanic(ctx context.Context, v any) {
	stack := debug.Stack()
	if s := scopeOf(ctx); s != nil && s.onPanic != nil {
		s.onPanic(v, stack)
		return
	}
	slog.Default().Error("sse: panic in a producer run by Produce; the stream was ended", "panic", v, "stack", string(stack))
}
