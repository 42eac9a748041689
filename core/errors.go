package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/godanet/godanet/sse"
)

// ErrorFilter maps an error to the error that should answer the request,
// like a NestJS exception filter. It returns err unchanged when it does not
// care, another error (a *Problem, an *echo.HTTPError) to change the answer,
// or nil when it has written the response itself.
//
//	func(err error, c echo.Context) error {
//		if errors.Is(err, ErrNoSuchTodo) {
//			return core.NotFound("no such todo")
//		}
//		return err
//	}
type ErrorFilter func(err error, c echo.Context) error

// withFilters runs filters, in order, over an error the handler returned.
func withFilters(next echo.HandlerFunc, filters []ErrorFilter) echo.HandlerFunc {
	if len(filters) == 0 {
		return next
	}
	return func(c echo.Context) error {
		err := next(c)
		for _, f := range filters {
			if err == nil {
				return nil
			}
			err = f(err, c)
		}
		return err
	}
}

// errorHandler is the App's echo.HTTPErrorHandler: app filters, then the
// error as problem details. Unknown errors become a bare 500 and are logged.
func (a *App) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		if !isClientGone(err) {
			a.logger.Error("godanet: error after the response was sent", "error", err, "method", c.Request().Method, "path", c.Path(), "request_id", requestID(c))
		}
		return
	}
	for _, f := range a.cfg.filters {
		if err = f(err, c); err == nil {
			return
		}
	}
	p := problemFor(err)
	switch {
	case p == nil:
		a.logger.Error("godanet: unhandled error", "error", err, "method", c.Request().Method, "path", c.Request().URL.Path, "request_id", requestID(c))
		p = NewProblem(http.StatusInternalServerError, "")
	case p.Status >= 500:
		// A server error the code chose (a *Problem, an *echo.HTTPError
		// with an internal cause): the client gets what it says, the log
		// gets the cause.
		a.logger.Error("godanet: server error", "status", p.Status, "error", err, "method", c.Request().Method, "path", c.Request().URL.Path, "request_id", requestID(c))
	}
	if p.Detail == "" {
		// Only echo's own errors have a routing detail, and their Problem
		// is a fresh one (problemFromHTTPError): a caller's shared one is
		// never written to.
		if detail := routingDetail(err, c); detail != "" {
			p.Detail = detail
		}
	}
	if err := writeProblem(c, p); err != nil && !isClientGone(err) {
		a.logger.Error("godanet: writing problem details", "error", err, "request_id", requestID(c))
	}
}

// routingDetail explains the errors echo itself answers with, without a
// word: no route, a method the route does not take, a body its binder
// cannot read. For any other error it is "".
func routingDetail(err error, c echo.Context) string {
	r := c.Request()
	switch err {
	case echo.ErrNotFound:
		return fmt.Sprintf("nothing is served at %s; check the path", r.URL.Path)
	case echo.ErrMethodNotAllowed:
		return fmt.Sprintf("%s is not allowed at %s; allowed: %s", r.Method, r.URL.Path, c.Response().Header().Get(echo.HeaderAllow))
	case echo.ErrUnsupportedMediaType:
		return fmt.Sprintf("the request body's Content-Type %q cannot be read here", r.Header.Get(echo.HeaderContentType))
	}
	return ""
}

// writeProblem answers with p as application/problem+json, ending with a
// newline as JSON results do.
func writeProblem(c echo.Context, p *Problem) error {
	return writeProblemTo(c.Response(), c.Request(), p)
}

// writeProblemTo is writeProblem on net/http's terms, for what is answered
// before echo sees the request.
//
// A problem to an HTTP/1.x request with a body closes the connection: the
// body may be unread (a 413, 415 or 401 answers before reading it), and
// net/http would otherwise read what is left before answering, waiting on
// a client that stalls. Closing, it answers at once, then lingers so that
// a client still sending reads the answer rather than a reset. (On
// HTTP/2 the stream is reset alone; the connection is shared and stays.)
func writeProblemTo(w http.ResponseWriter, r *http.Request, p *Problem) error {
	if r.ContentLength != 0 && r.ProtoMajor == 1 {
		w.Header().Set(echo.HeaderConnection, "close")
	}
	w.Header().Set(echo.HeaderContentType, "application/problem+json")
	if r.Method == http.MethodHead {
		w.WriteHeader(p.Status)
		return nil
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	w.WriteHeader(p.Status)
	_, err = w.Write(append(body, '\n'))
	return err
}

// problemFor turns a known error into problem details, or returns nil for
// an unknown error, whose text must not reach the client.
func problemFor(err error) *Problem {
	var (
		p   *Problem
		ve  *ValidationError
		be  *bindError
		he  *echo.HTTPError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &ve):
		out := BadRequest("the request is invalid; see errors for each field")
		out.Errors = ve.Fields
		return out
	case errors.As(err, &be):
		out := BadRequest("%s", be.detail)
		out.Errors = be.fields
		return out
	case errors.As(err, &mbe):
		return bodyTooLarge(mbe.Limit)
	case errors.As(err, &he):
		return problemFromHTTPError(he)
	case errors.Is(err, sse.ErrUnavailable):
		// A Hub on a shared broker that cannot reach its store: say so,
		// as a temporary condition, without the broker's own words.
		return NewProblem(http.StatusServiceUnavailable, "the event broker is unavailable; retry later")
	}
	return nil
}

func problemFromHTTPError(he *echo.HTTPError) *Problem {
	detail := ""
	switch m := he.Message.(type) {
	case string:
		detail = m
	case error:
		detail = m.Error()
	case nil:
	default:
		detail = fmt.Sprint(m)
	}
	if strings.EqualFold(detail, http.StatusText(he.Code)) {
		detail = ""
	}
	if he.Code == http.StatusRequestEntityTooLarge {
		detail = "the request body is too large"
	}
	return NewProblem(he.Code, "%s", detail)
}

// isClientGone reports errors that only mean the client left.
func isClientGone(err error) bool {
	return errors.Is(err, io.ErrClosedPipe) || errors.Is(err, http.ErrHandlerTimeout) ||
		strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "connection reset by peer")
}

func requestID(c echo.Context) string {
	return requestIDOf(c.Response().Header(), c.Request())
}

// requestIDOf is the id the RequestID middleware put on the response, or
// the one the client sent.
func requestIDOf(response http.Header, r *http.Request) string {
	if id := response.Get(echo.HeaderXRequestID); id != "" {
		return id
	}
	return r.Header.Get(echo.HeaderXRequestID)
}

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
func (a *App) recoverRoute(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer a.recovered(c, &err)
		return next(c)
	}
}

func (a *App) recovered(c echo.Context, err *error) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	a.logPanic(v, debug.Stack(), c.Request(), requestID(c), "committed", c.Response().Committed)
	if c.Response().Committed {
		panic(http.ErrAbortHandler)
	}
	*err = NewProblem(http.StatusInternalServerError, "")
}

// ServeHTTP serves a request through echo. Routes recover their own
// panics (recoverRoute); this catches one in app-level middleware and
// answers a 500 that says nothing internal, with the value and stack in
// the log. Recovering here, around echo, costs nothing per request, where
// an echo middleware would allocate. A deliberate http.ErrAbortHandler is
// left to net/http.
//
// It first refuses a query that Go cannot read whole (checkQuery), before
// any middleware could read it as empty.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer a.recoverPanic(w, r)
	if p := checkQuery(r.URL.RawQuery); p != nil {
		_ = writeProblemTo(w, r, p)
		return
	}
	a.echo.ServeHTTP(w, r)
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
