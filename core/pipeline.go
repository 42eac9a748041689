package core

// A route's pipeline
//
// Every route, tag or builder, plain, Typed or SSE, is one handler built
// at start-up from three stages:
//
//	decode     read the input from path, query, headers, cookies and body, add the attached values, and validate it (bindPlan.decode)
//	intercept  run the route's interceptors around the call, if it has any (intercepted)
//	call       call the handler with the Context and the input (caller)
//	finish     answer with the result: JSON, text, bytes, no body, or an event stream (finisher)
//
// and the links around them, outermost first: the body limit (admit), the
// controller's and the route's middleware, panic recovery, the error
// filters and the guards. An SSE route's finish is its event stream, and
// its stages run inside the stream's scope (streamRoute). A link is
// a func(HandlerFunc) HandlerFunc, as in chi's chain.go; a new ability of
// routes is one more link or stage here, never a second code path.

// pipeline builds the handler of one route: rt of controller ci, at path,
// with its guards, interceptors and body limit (0 for none).
func (a *App) pipeline(ci *controllerInfo, rt *Route, plan *handlerPlan, path string, guards []Guard, interceptors []Interceptor, bodyLimit int64) HandlerFunc {
	call := plan.caller(a.validator, interceptors, rt.stream)
	var h HandlerFunc
	if rt.stream {
		h = a.streamRoute(call, rt.method+" "+path)
	} else {
		finish := finisherFor(plan.result, rt.status)
		if len(interceptors) > 0 {
			finish = interceptedFinisher(plan.result, rt.status)
		}
		h = func(c Context) error {
			result, err := call(c)
			if err != nil {
				return err
			}
			return finish(c, result)
		}
	}
	h = withGuards(h, guards)
	h = withFilters(h, concat(rt.filters, ci.filters))
	h = a.recoverRoute(h)
	// admit runs first, so no route middleware reads more than the route's
	// limit. The chain is composed once, here: echo would compose a
	// route's middleware again on every request.
	return chain(h, concat([]MiddlewareFunc{a.admit(bodyLimit)}, ci.middleware, rt.middleware))
}

// chain wraps h in middleware, the first outermost, as echo would.
func chain(h HandlerFunc, middleware []MiddlewareFunc) HandlerFunc {
	for i := len(middleware) - 1; i >= 0; i-- {
		h = middleware[i](h)
	}
	return h
}

func concat[T any](lists ...[]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
