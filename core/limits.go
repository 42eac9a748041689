package core

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Limits bounds what one request may cost the server, so that a hostile
// or broken client gets a clear 4xx instead of memory, file descriptors
// or a stalled server. Its zero value holds godanet's defaults; set a
// field to change that limit, or to a negative value to remove it.
//
//	app, err := core.New(root, core.WithLimits(core.Limits{BodyBytes: 8 << 20}))
//
// The server fields (ReadTimeout, ReadHeaderTimeout, IdleTimeout,
// MaxHeaderBytes) are set on the App's http.Server (Echo().Server) when
// it starts serving, or on your own by App.ConfigureServer, and only
// where that server's own field is zero: a value set there wins.
type Limits struct {
	// BodyBytes is the largest request body a route reads (default 1 MiB,
	// DefaultBodyBytes). A route sets its own with the bodylimit tag or
	// Route.BodyLimit. A Content-Length over it is answered 413 before
	// anything is read; a body of unknown length is answered 413 when it
	// passes the limit, and nothing past it is read.
	BodyBytes int64
	// ReadTimeout bounds reading a whole request, headers and body
	// (default 30s): a body that trickles in is cut, and answered 408
	// when the route was reading it. It does not touch streams: net/http
	// lifts it once the request is read, so an SSE route lives for hours.
	ReadTimeout time.Duration
	// ReadHeaderTimeout bounds reading the request line and headers
	// (default 10s).
	ReadHeaderTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection may wait for its
	// next request (default 60s).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers, the URL
	// included (default 64 KiB); net/http answers 431 past it. A
	// negative value leaves net/http's own bound, 1 MB.
	MaxHeaderBytes int
	// StreamSendBuffer bounds the kernel's send buffer of a connection
	// once it carries an event stream (default 128 KiB, which Linux
	// doubles). Left to the kernel, a client that stops reading absorbs
	// megabytes before its stream falls behind the Hub, and for all that
	// time it costs the server memory and copying as much as a healthy
	// client; bounded, it is noticed and cut within seconds. A stream
	// still moves StreamSendBuffer per round trip: 2.5 MB/s at 100 ms.
	// It applies when the App serves (Listen, Start, Serve), or on a
	// server of your own passed to App.ConfigureServer.
	StreamSendBuffer int
}

// The defaults of Limits. A body of 1 MiB holds any JSON document a form
// or an API client sends by hand, as in nginx (client_max_body_size 1m);
// uploads set their own limit per route. The timeouts leave a slow mobile
// client ample time and free a connection held by one that sends nothing.
const (
	DefaultBodyBytes         = 1 << 20
	DefaultReadTimeout       = 30 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultStreamSendBuffer  = 128 << 10
)

// WithLimits sets the App's request limits; see Limits.
func WithLimits(l Limits) Option {
	return option{fmt.Sprintf("WithLimits(%+v)", l), func(s *settings) { s.limits = l }}
}

// withDefaults fills the zero fields with the defaults and turns negative
// ones (no limit) into zero, net/http's word for none.
func (l Limits) withDefaults() Limits {
	pick := func(v, def int64) int64 {
		switch {
		case v < 0:
			return 0
		case v == 0:
			return def
		}
		return v
	}
	return Limits{
		BodyBytes:         pick(l.BodyBytes, DefaultBodyBytes),
		ReadTimeout:       time.Duration(pick(int64(l.ReadTimeout), int64(DefaultReadTimeout))),
		ReadHeaderTimeout: time.Duration(pick(int64(l.ReadHeaderTimeout), int64(DefaultReadHeaderTimeout))),
		IdleTimeout:       time.Duration(pick(int64(l.IdleTimeout), int64(DefaultIdleTimeout))),
		MaxHeaderBytes:    int(pick(int64(l.MaxHeaderBytes), DefaultMaxHeaderBytes)),
		StreamSendBuffer:  int(pick(int64(l.StreamSendBuffer), DefaultStreamSendBuffer)),
	}
}

// applyTo sets the server's zero fields; l has its defaults.
func (l Limits) applyTo(srv *http.Server) {
	if srv.ReadTimeout == 0 {
		srv.ReadTimeout = l.ReadTimeout
	}
	if srv.ReadHeaderTimeout == 0 {
		srv.ReadHeaderTimeout = l.ReadHeaderTimeout
	}
	if srv.IdleTimeout == 0 {
		srv.IdleTimeout = l.IdleTimeout
	}
	if srv.MaxHeaderBytes == 0 {
		srv.MaxHeaderBytes = l.MaxHeaderBytes
	}
}

// routeID names a route as echo matched it: the method and the route's
// path pattern (Context.Path).
type routeID struct{ method, path string }

// admitBeforeMiddleware is the first app-level middleware when the App has
// any: echo runs app middleware after routing but before a route's own
// chain, so the route's body limit is looked up and applied here, and no
// middleware reads more than the route would.
func (a *App) admitBeforeMiddleware(next HandlerFunc) HandlerFunc {
	return func(c Context) error {
		limit, own := a.bodyLimits[routeID{c.Request().Method, c.Path()}]
		if !own {
			limit = a.cfg.limits.BodyBytes // the default, or no route: 404 or 405
		}
		if err := limitBody(c, limit); err != nil {
			return err
		}
		return next(c)
	}
}

// admit is the first link of every route: it refuses a body the route
// must not read, before the route's middleware, guards or handler see it
// (unless admitBeforeMiddleware did already). bodyLimit is the route's
// limit, 0 for none.
func (a *App) admit(bodyLimit int64) MiddlewareFunc {
	return func(next HandlerFunc) HandlerFunc {
		return func(c Context) error {
			if !a.appAdmits {
				if err := limitBody(c, bodyLimit); err != nil {
					return err
				}
			}
			return next(c)
		}
	}
}

// limitBody answers 413 for a Content-Length over limit, unread, and
// bounds the body to limit bytes; 0 is no limit.
func limitBody(c Context, limit int64) error {
	r := c.Request()
	if limit <= 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if r.ContentLength > limit {
		return bodyTooLarge(limit) // unread; see writeProblemTo
	}
	// Counted even when a Content-Length within the limit is declared:
	// net/http bounds its own body to it, but a body something replaced
	// before this link (a decompressing Pre middleware, a wrapping
	// handler) is bounded by nothing else.
	r.Body = http.MaxBytesReader(innerWriter(c), r.Body, limit)
	return nil
}

// bodyTooLarge is the 413 for a body over limit bytes.
func bodyTooLarge(limit int64) *Problem {
	return NewProblem(http.StatusRequestEntityTooLarge, "the request body is larger than this route's limit of %d bytes", limit)
}

// maxQueryParams is net/url's limit; past it, it reads no value at all.
const maxQueryParams = 10000

// checkQuery refuses a query string that Go cannot read whole, where
// echo would silently read it as empty (past 10,000 parameters) or drop
// some of its values (a bad escape, a semicolon). Only those can fail,
// so a query without '%' or ';' and with few '&' is not parsed here.
func checkQuery(raw string) *Problem {
	if !strings.ContainsAny(raw, "%;") && strings.Count(raw, "&") < maxQueryParams {
		return nil
	}
	if _, err := url.ParseQuery(raw); err != nil {
		if strings.Count(raw, "&") >= maxQueryParams {
			return BadRequest("the query string has more than %d parameters", maxQueryParams)
		}
		return BadRequest("the query string cannot be read: %v", err)
	}
	return nil
}

// parseByteSize reads a bodylimit tag: a number of bytes, optionally with
// a binary suffix K, M or G ("64K" is 65,536; echo's BodyLimit middleware
// reads "64K" as 64,000), or -1 for no limit.
func parseByteSize(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size")
	}
	return n * mult, nil
}
