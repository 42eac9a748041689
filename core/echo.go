package core

// This is the one file of core that imports echo. Everything that depends
// on echo v4's particulars is here: the types users write (Context and
// the handler and middleware types), creating and configuring the echo
// instance, its router's rules (the methods of ANY, what tells two routes
// apart, path parameters), the binder, the response's Committed flag,
// echo's HTTPError and its routing errors. A move to echo v5, whose
// Context is a struct, is a change to this file (and to the users'
// handlers, which name core.Context either way). TestEchoBehindOneFile
// keeps it so.

import (
	"encoding"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Context is a request as handlers, guards, error filters and middleware
// see it: echo v4's Context. Write core.Context rather than echo.Context,
// so that code keeps compiling when godanet moves to another echo.
type Context = echo.Context

// HandlerFunc answers a request; middleware wraps one.
type HandlerFunc = echo.HandlerFunc

// MiddlewareFunc is app, controller or route middleware: echo's, so that
// echo's own middleware (RequestID, CORS, Gzip, ...) plugs in as it is.
type MiddlewareFunc = echo.MiddlewareFunc

// signature is a handler's type as messages show it: with core.Context,
// the name users write, where reflect says echo.Context.
func signature(t reflect.Type) string {
	return strings.ReplaceAll(t.String(), "echo.Context", "core.Context")
}

// engine is the router and server an App runs on; App.Echo returns it.
type engine = echo.Echo

// initEngine makes the App's echo instance: quiet, with the App's error
// handler, validator (for c.Validate in hand-written handlers) and strict
// JSON decoding.
func (a *App) initEngine() {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = func(err error, c Context) { a.handleError(c, err) }
	e.Validator = echoValidator{a}
	e.JSONSerializer = strictJSON{}
	a.engine = e
}

// Use adds app-level echo middleware; see WithMiddleware. The request
// limits run before the first.
func (a *App) Use(middleware ...MiddlewareFunc) {
	if len(middleware) > 0 && !a.appAdmits {
		a.appAdmits = true
		a.engine.Use(a.admitBeforeMiddleware)
	}
	a.engine.Use(middleware...)
}

// route serves a request through echo's router and the routes' chains.
func (a *App) route(w http.ResponseWriter, r *http.Request) { a.engine.ServeHTTP(w, r) }

// engineServer is the http.Server the App serves on: echo's own
// (App.Echo().Server), which users may configure before the App serves.
// ln becomes echo's Listener, as echo's Start would make it.
func (a *App) engineServer(ln net.Listener) *http.Server {
	a.engine.Listener = ln
	return a.engine.Server
}

// Echo is the escape hatch to the underlying echo instance: for echo
// middleware and features godanet does not wrap. A Binder set on it is
// honoured by every route (see the package doc).
func (a *App) Echo() *echo.Echo { return a.engine }

// echoValidator lets hand-written echo handlers call c.Validate with the
// App's validator.
type echoValidator struct{ a *App }

func (ev echoValidator) Validate(i any) error { return ev.a.validator.Struct(i) }

// strictJSON is the App's echo.JSONSerializer: echo's, except that a body
// must hold exactly one JSON value (decodeOne).
type strictJSON struct{ echo.DefaultJSONSerializer }

func (strictJSON) Deserialize(c Context, i any) error { return decodeOne(c.Request().Body, i) }

// register adds a route's handler to the router. For ANY it registers
// every method echo's Any does.
func (a *App) register(method, path string, h HandlerFunc) {
	if method == methodAny {
		a.engine.Any(path, h)
		return
	}
	a.engine.Add(method, path, h)
}

// mount serves an Extension's handler at m.Path (GET and HEAD), and with
// Subtree under m.Path+"/" too, outside the routes' pipelines.
func (a *App) mount(m Mount) {
	h := echo.WrapHandler(m.Handler)
	a.engine.GET(m.Path, h)
	a.engine.HEAD(m.Path, h)
	if m.Subtree {
		a.engine.GET(m.Path+"/*", h)
		a.engine.HEAD(m.Path+"/*", h)
	}
}

// anyMethods lists the methods echo's Any registers, asked of echo itself
// (the list is its own, and private), so that ANY routes are checked for
// duplicates method by method.
func anyMethods() []string {
	var methods []string
	for _, r := range echo.New().Any("/", func(Context) error { return nil }) {
		methods = append(methods, r.Method)
	}
	return methods
}

// routeKey is what tells two routes apart in echo's router: the method and
// the path with parameter names dropped. "/todos/:id" and "/todos/:name"
// are one route to echo, and the later would silently replace the earlier.
func routeKey(method, path string) string {
	var b strings.Builder
	b.WriteString(method + " ")
	for i := 0; i < len(path); i++ {
		b.WriteByte(path[i])
		switch {
		case path[i] == '\\' && i+1 < len(path):
			i++
			b.WriteByte(path[i]) // an escaped ':' is a literal
		case path[i] == ':':
			for i+1 < len(path) && path[i+1] != '/' {
				i++
			}
		}
	}
	return b.String()
}

// pathParams lists the parameter names of a route path as echo's router
// reads them: ":id" is "id", a trailing "*" is "*".
func pathParams(path string) []string {
	var names []string
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\':
			i++ // an escaped ':' is a literal
		case path[i] == ':':
			j := i + 1
			for j < len(path) && path[j] != '/' {
				j++
			}
			names = append(names, path[i+1:j])
			i = j - 1
		case path[i] == '*':
			names = append(names, "*")
		}
	}
	return names
}

// committed reports whether the response has begun: its status is sent.
func committed(c Context) bool { return c.Response().Committed }

// innerWriter is the http.ResponseWriter echo's response wraps, for
// http.MaxBytesReader, which tells net/http's own writer to close the
// connection after a body over its limit.
func innerWriter(c Context) http.ResponseWriter { return c.Response().Writer }

// binder is how a route reads its input: echo's DefaultBinder (the usual
// case) source by source, or the Binder set on App.Echo(), whole.
type binder struct {
	std    *echo.DefaultBinder
	custom echo.Binder
}

// binderOf returns the App's binder. A custom Binder replaces godanet's
// binding steps: it reads every source itself, in its own order.
func binderOf(c Context) binder {
	switch b := c.Echo().Binder.(type) {
	case *echo.DefaultBinder:
		return binder{std: b}
	case nil:
		return binder{std: &echo.DefaultBinder{}}
	default:
		return binder{custom: b}
	}
}

func (b binder) body(c Context, dst any) error    { return b.std.BindBody(c, dst) }
func (b binder) query(c Context, dst any) error   { return b.std.BindQueryParams(c, dst) }
func (b binder) headers(c Context, dst any) error { return b.std.BindHeaders(c, dst) }
func (b binder) path(c Context, dst any) error    { return b.std.BindPathParams(c, dst) }

// paramUnmarshaler is a type that reads itself from a path, query or
// header value, as echo's binder calls it.
type paramUnmarshaler = echo.BindUnmarshaler

// convertible reports whether raw can be read as t the way echo's binder
// reads it: setParam, into a value of its own.
func convertible(raw string, t reflect.Type) error {
	return setParam(reflect.New(t).Elem(), raw)
}

// setParam sets v from raw as echo's binder sets a field from a query
// parameter: a BindUnmarshaler or TextUnmarshaler reads itself, a pointer
// is allocated, a slice gets one element, an empty raw leaves the zero
// value, numbers and booleans are parsed, and any other kind is an error,
// as echo's "unknown type".
func setParam(v reflect.Value, raw string) error {
	if v.Kind() == reflect.Pointer {
		if raw == "" {
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := setParam(p.Elem(), raw); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if u, ok := v.Addr().Interface().(paramUnmarshaler); ok {
		return u.UnmarshalParam(raw)
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(raw))
	}
	if v.Kind() == reflect.Slice {
		elem := reflect.New(v.Type().Elem()).Elem()
		if err := setParam(elem, raw); err != nil {
			return err
		}
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), elem))
		return nil
	}
	if raw == "" {
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(raw, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("a %v cannot be read from a text value", v.Type())
	}
	return nil
}

// readsText reports whether setParam can set a t from a text value.
func readsText(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(reflect.TypeFor[paramUnmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// httpErrorProblem is the problem for an *echo.HTTPError in err's chain,
// with its status; nil if there is none.
func httpErrorProblem(err error) *Problem {
	var he *echo.HTTPError
	if !errors.As(err, &he) {
		return nil
	}
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

// routingDetail explains the errors echo itself answers with, without a
// word: no route, a method the route does not take, a body its binder
// cannot read. For any other error it is "".
func routingDetail(err error, c Context) string {
	r := c.Request()
	switch err {
	case echo.ErrNotFound:
		return fmt.Sprintf("nothing is served at %s; check the path", r.URL.Path)
	case echo.ErrMethodNotAllowed:
		return fmt.Sprintf("%s is not allowed at %s; allowed: %s", r.Method, r.URL.Path, c.Response().Header().Get("Allow"))
	case echo.ErrUnsupportedMediaType:
		return fmt.Sprintf("the request body's Content-Type %q cannot be read here", r.Header.Get(headerContentType))
	}
	return ""
}
