package core

import (
	"fmt"
	"net/http"
	"reflect"
)

// finisher is the pipeline's last stage: it answers with the handler's
// result. It is chosen at start-up from the route and the result's type:
// an event stream, no body, text, bytes or JSON. A handler that answered
// the request itself (c.Redirect, c.Blob, ...) is left alone.
type finisher func(c Context, result any) error

// finisherFor picks the finish stage of a route whose handler returns
// result (nil for only an error) with the given success status. An SSE
// route's finish is its event stream (App.streamRoute).
func finisherFor(result reflect.Type, status int) finisher {
	switch {
	case status >= 300 && status < 400 && status != http.StatusNotModified:
		return redirect(status)
	case result == nil || status == http.StatusNoContent || status == http.StatusNotModified:
		return noBody(status) // 204 and 304 never carry a body
	case result.Kind() == reflect.Interface:
		return respondDynamic(status)
	case result.Kind() == reflect.String:
		return respondText(status)
	case result.Kind() == reflect.Slice && result.Elem().Kind() == reflect.Uint8:
		return respondBytes(status)
	}
	return respondJSON(status)
}

// interceptedFinisher is the finish stage of a route with interceptors. An
// interceptor may change the result's type, or give a result to a handler
// that returns only an error (a cache answering for it): the result is
// written by the type it has, and a nil one of an error-only handler is no
// body. 204, 304 and redirects stay as they are.
func interceptedFinisher(result reflect.Type, status int) finisher {
	static := finisherFor(result, status)
	if status == http.StatusNoContent || status == http.StatusNotModified || status >= 300 && status < 400 {
		return static
	}
	dynamic := respondDynamic(status)
	return func(c Context, r any) error {
		if r == nil && result == nil {
			return static(c, r)
		}
		return dynamic(c, r)
	}
}

func noBody(status int) finisher {
	return func(c Context, _ any) error {
		if committed(c) {
			return nil
		}
		return c.NoContent(status)
	}
}

// redirect finishes an error-only route declared with a 3xx status (New
// refuses one that returns a result): the handler must have set Location,
// or the client is sent nowhere.
func redirect(status int) finisher {
	return func(c Context, _ any) error {
		if committed(c) {
			return nil
		}
		if c.Response().Header().Get(headerLocation) == "" {
			return fmt.Errorf("core: route %s %s answers %d but its handler set no Location header; set it (c.Redirect(%d, url) answers at once), or declare a 2xx status",
				c.Request().Method, c.Path(), status, status)
		}
		return c.NoContent(status)
	}
}

func respondJSON(status int) finisher {
	return func(c Context, result any) error {
		if committed(c) {
			return nil
		}
		return c.JSON(status, result)
	}
}

func respondText(status int) finisher {
	return func(c Context, result any) error {
		if committed(c) {
			return nil
		}
		s, ok := result.(string)
		if !ok {
			s = reflect.ValueOf(result).String() // a named string type
		}
		return c.String(status, s)
	}
}

func respondBytes(status int) finisher {
	return func(c Context, result any) error {
		if committed(c) {
			return nil
		}
		b, ok := result.([]byte)
		if !ok {
			b = reflect.ValueOf(result).Bytes() // a named []byte type
		}
		return c.Blob(status, mimeOctetStream, b)
	}
}

// respondDynamic answers a result of interface type by what it holds: a
// nil interface is JSON null.
func respondDynamic(status int) finisher {
	text, bytes, json := respondText(status), respondBytes(status), respondJSON(status)
	return func(c Context, result any) error {
		if result != nil {
			switch t := reflect.TypeOf(result); {
			case t.Kind() == reflect.String:
				return text(c, result)
			case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
				return bytes(c, result)
			}
		}
		return json(c, result)
	}
}
