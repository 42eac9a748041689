package core

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/godanet/godanet/sse"
)

// handleError answers a request that ended in err (echo's error handler
// calls it): app filters, then the error as problem details. Unknown
// errors become a bare 500 and are logged.
func (a *App) handleError(c Context, err error) {
	if committed(c) {
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

// writeProblem answers with p as application/problem+json, ending with a
// newline as JSON results do.
func writeProblem(c Context, p *Problem) error {
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
		w.Header().Set("Connection", "close")
	}
	w.Header().Set(headerContentType, mimeProblem)
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
	case errors.Is(err, sse.ErrUnavailable):
		// A Hub on a shared broker that cannot reach its store: say so,
		// as a temporary condition, without the broker's own words.
		return NewProblem(http.StatusServiceUnavailable, "the event broker is unavailable; retry later")
	}
	return httpErrorProblem(err) // nil for an unknown error
}

// isClientGone reports errors that only mean the client left.
func isClientGone(err error) bool {
	return errors.Is(err, io.ErrClosedPipe) || errors.Is(err, http.ErrHandlerTimeout) ||
		strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "connection reset by peer")
}

func requestID(c Context) string {
	return requestIDOf(c.Response().Header(), c.Request())
}

// requestIDOf is the id the RequestID middleware put on the response, or
// the one the client sent.
func requestIDOf(response http.Header, r *http.Request) string {
	if id := response.Get(headerRequestID); id != "" {
		return id
	}
	return r.Header.Get(headerRequestID)
}
