package core

import (
	"fmt"
	"reflect"

	"github.com/godanet/godanet/sse"
)

// Interceptor wraps the call of a route's handler, as NestJS's
// interceptors do. It runs inside the route's pipeline, after middleware,
// guards and the decoding of the input, and before the result is
// written, so it sees what the handler sees and returns:
//
//   - in is the handler's input, bound and validated, as the handler
//     takes it (an In or a *In; nil for a handler without input);
//   - next calls the rest of the chain, the next interceptor or the
//     handler, and returns the handler's result and error; on an SSE
//     route the result is a <-chan sse.Message.
//
// What Intercept returns is the route's result: it may time the call,
// return next's result changed (written by its dynamic type: a string as
// text, []byte as bytes, anything else as JSON), return a result without
// calling next, as a cache does, or return another error (a *Problem, say)
// instead of next's. On an SSE route it may return another channel, made
// from next's with sse.Map to change or drop each message. An error it
// returns goes through the error filters like a handler's. A route whose
// handler returns only an error answers with no body, whatever an
// interceptor returns; a handler that writes its own answer (c.JSON) has
// sent it, headers and all, by the time next returns.
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
		if stream {
			handler := call
			call = func() (any, error) {
				result, err := handler()
				if ch, ok := result.(chan sse.Message); ok {
					return (<-chan sse.Message)(ch), err
				}
				return result, err
			}
		}
		return intercept(c, in, interceptors, call)
	}
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
