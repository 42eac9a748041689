package core

import (
	"errors"
	"fmt"
	"reflect"
)

// Interceptor wraps the call of a route's handler, as NestJS's
// interceptors do. It runs inside the route's pipeline, after middleware,
// guards and the decoding of the input, and before the result is
// written, so it sees what the handler sees and returns:
//
//   - in is the handler's input, bound and validated, as the handler
//     takes it (nil for a handler without input): for an In, a copy, so
//     changing it does not change what the handler gets; for a *In, the
//     handler's own;
//   - next calls the rest of the chain, the next interceptor or the
//     handler, and returns the handler's result and error; on an SSE
//     route the result is a <-chan sse.Message, returned once the stream
//     is open (time it and you time the opening).
//
// What Intercept returns is the route's result: it may time the call,
// return next's result changed (written by its dynamic type: a string as
// text, []byte as bytes, anything else as JSON, also on a route whose
// handler returns only an error, where nil is no body), return a result
// without calling next, as a cache does, or return another error (a
// *Problem, say) instead of next's. On an SSE route it may return another
// channel, made from next's with sse.Map to change or drop each message.
// An error it returns goes through the error filters like a handler's. A
// handler that writes its own answer (c.JSON) has sent it, headers and
// all, by the time next returns. An interceptor of the App or a controller
// wraps its SSE routes too: check the result's type before changing it.
//
// Unlike NestJS's, interceptors run after validation (DESIGN: decode,
// interceptors, call): they see valid input only, and a request answered
// 400, 401 or 403 never reaches them; use middleware to see those.
//
// Interceptors come from the App (WithInterceptors, WithInterceptor[I]),
// the controller and the route (the interceptors tag naming fields or
// methods, or the builder's Intercept), and run in that order, outermost
// first: the App's first on the way in and last on the way out. A route
// without interceptors is called as if there were no such thing.
type Interceptor interface {
	Intercept(c Context, in any, next Next) (any, error)
}

// Next calls the rest of an interceptor chain and returns the handler's
// result (nil for a handler that returns only an error) and error.
type Next func() (any, error)

// InterceptorFunc makes a function an Interceptor.
type InterceptorFunc func(c Context, in any, next Next) (any, error)

// Intercept calls f.
func (f InterceptorFunc) Intercept(c Context, in any, next Next) (any, error) { return f(c, in, next) }

var _ Interceptor = InterceptorFunc(nil)

// WithInterceptors adds app-level interceptor instances, which wrap every
// route's handler outside the controller's and the route's.
func WithInterceptors(interceptors ...Interceptor) Option {
	return option{"WithInterceptors", func(s *settings) {
		for _, i := range interceptors {
			s.interceptors = append(s.interceptors, appRef[Interceptor]{instance: i})
		}
	}}
}

// WithInterceptor adds an app-level interceptor of type I, built by
// dependency injection: some module must provide I.
func WithInterceptor[I Interceptor]() Option {
	t := reflect.TypeFor[I]()
	return option{fmt.Sprintf("WithInterceptor[%v]", t), func(s *settings) {
		s.interceptors = append(s.interceptors, appRef[Interceptor]{typ: t})
	}}
}

// Intercept adds interceptors to every route of the controller, inside
// the app's and outside each route's own.
func (r *Routes) Intercept(interceptors ...Interceptor) *Routes {
	r.interceptors = append(r.interceptors, interceptors...)
	return r
}

// Intercept adds interceptors that wrap the handler inside the app's and
// the controller's.
func (rt *Route) Intercept(interceptors ...Interceptor) *Route {
	rt.interceptors = append(rt.interceptors, interceptors...)
	return rt
}

// intercepted is the decode and call stages of a route with interceptors:
// prepare decodes the input and returns it with the handler's call, and
// the interceptors run around that call. An SSE handler's chan
// sse.Message is handed to them as the <-chan sse.Message they expect.
func intercepted(prepare preparer, interceptors []Interceptor, stream bool) caller {
	return func(c Context) (any, error) {
		in, call, err := prepare(c)
		if err != nil {
			return nil, err
		}
		if !stream {
			return intercept(c, in, interceptors, call)
		}
		handler := call
		result, err := intercept(c, in, interceptors, func() (any, error) { return handlerEvents(c, handler) })
		if err != nil {
			return nil, err
		}
		if events := eventsOf(result); events != nil {
			return events, nil
		}
		return nil, fmt.Errorf("core: an interceptor of SSE route %s %s returned %s, not a channel; return next's <-chan sse.Message, or one made from it with sse.Map",
			c.Request().Method, c.Path(), describeResult(result))
	}
}

// describeResult names what an SSE interceptor returned instead of a
// channel.
func describeResult(result any) string {
	switch {
	case result == nil:
		return "nil"
	case isMessageChan(reflect.TypeOf(result)):
		return "a nil channel"
	}
	return fmt.Sprintf("a %T", result)
}

// handlerEvents calls an SSE handler for its interceptors, and returns its
// channel as the <-chan sse.Message they expect. A nil channel is the
// handler's mistake, said before any interceptor can wrap it in one that
// never closes.
func handlerEvents(c Context, handler Next) (any, error) {
	result, err := handler()
	if err != nil {
		return nil, err
	}
	events := eventsOf(result)
	if events == nil {
		return nil, errNilEvents(c.Request().Method + " " + c.Path())
	}
	return events, nil
}

// errNilEvents is the error of an SSE route whose handler returned no
// channel and no error.
func errNilEvents(route string) error {
	return errors.New("core: SSE handler " + route + " returned a nil channel and no error; return a channel, or an error such as core.NotFound")
}

// intercept runs interceptors around call, the first outermost.
func intercept(c Context, in any, interceptors []Interceptor, call Next) (any, error) {
	if len(interceptors) == 0 {
		return call()
	}
	return interceptors[0].Intercept(c, in, func() (any, error) {
		return intercept(c, in, interceptors[1:], call)
	})
}

// preparer decodes a request's input and returns it, as the handler takes
// it, with the call of the handler on it.
type preparer func(c Context) (in any, call Next, err error)
