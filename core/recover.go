package core

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// logPanic logs a recovered panic with its request, any further attributes,
// and the stack.
func (a *App) logPanic(v any, stack []byte, r *http.Request, requestID string, attrs ...any) {
	a.logger.Error("godanet: panic in handler", append([]any{"panic", fmt.Sprint(v), "method", r.Method, "path", r.URL.Path,
		"request_id", requestID}, append(attrs, "stack", string(stack))...)...)
}

// recoverRoute turns a panic in a route (guards, binding, handler) into an
// error for the error handler, which answers a 500 and logs it. If the
// response has begun, no status can be sent any more: the panic is logged
// and the connection cut (http.ErrAbortHandler), so the client sees a
// broken response rather than a 200 with an error glued on.
func (a *App) recoverRoute(next HandlerFunc) HandlerFunc {
	return func(c Context) (err error) {
		defer a.recovered(c, &err)
		return next(c)
	}
}

func (a *App) recovered(c Context, err *error) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	a.logPanic(v, debug.Stack(), c.Request(), requestID(c), "committed", committed(c))
	if committed(c) {
		panic(http.ErrAbortHandler)
	}
	*err = NewProblem(http.StatusInternalServerError, "")
}

func (a *App) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	a.logPanic(v, debug.Stack(), r, requestIDOf(w.Header(), r))
	_ = writeProblemTo(w, r, NewProblem(http.StatusInternalServerError, ""))
}
