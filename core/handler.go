package core

import (
	"fmt"
	"net/http"
	"reflect"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
)

var (
	contextType = reflect.TypeFor[echo.Context]()
	errorType   = reflect.TypeFor[error]()
)

// supportedShapes is said in every signature error, so the fix is at hand.
const supportedShapes = "func(echo.Context) error, func(echo.Context) (T, error), func(echo.Context, In) error or func(echo.Context, In) (T, error), with In a struct or a pointer to one"

// handlerPlan is a handler's signature, checked once at start-up.
type handlerPlan struct {
	fn     reflect.Value
	input  *bindPlan                // nil when the handler takes no input
	result reflect.Type             // nil when the handler returns only error
	plain  func(echo.Context) error // set for func(echo.Context) error: no reflection per request
}

// newHandlerPlan checks fn's signature against the supported shapes.
func newHandlerPlan(fn reflect.Value) (*handlerPlan, error) {
	t := fn.Type()
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("it is a %v, not a function; the supported shapes are %s", t, supportedShapes)
	}
	h := &handlerPlan{fn: fn}
	if t.IsVariadic() || t.NumIn() < 1 || t.NumIn() > 2 || t.In(0) != contextType {
		return nil, fmt.Errorf("unsupported signature %v; the supported shapes are %s", t, supportedShapes)
	}
	switch {
	case t.NumOut() == 1 && t.Out(0) == errorType:
	case t.NumOut() == 2 && t.Out(1) == errorType:
		h.result = t.Out(0)
	default:
		return nil, fmt.Errorf("unsupported signature %v: it must return error or (T, error); the supported shapes are %s", t, supportedShapes)
	}
	if t.NumIn() == 2 {
		plan, err := newBindPlan(t.In(1))
		if err != nil {
			return nil, fmt.Errorf("unsupported signature %v: %w", t, err)
		}
		h.input = plan
	}
	if h.input == nil && h.result == nil {
		h.plain = fn.Interface().(func(echo.Context) error)
	}
	return h, nil
}

// echoHandler is the per-request adapter: bind, validate, call, respond.
// Everything it needs was worked out by newHandlerPlan.
func (h *handlerPlan) echoHandler(v *validator.Validate, status int) echo.HandlerFunc {
	if h.plain != nil {
		plain := h.plain
		return func(c echo.Context) error {
			if err := plain(c); err != nil {
				return err
			}
			return finish(c, status)
		}
	}
	in, fn, result := h.input, h.fn, h.result
	return func(c echo.Context) error {
		var args [2]reflect.Value
		args[0] = reflect.ValueOf(c)
		n := 1
		if in != nil {
			ptr := reflect.New(in.typ)
			dst := ptr.Interface()
			if err := in.bind(c, dst); err != nil {
				return err
			}
			if err := in.validate(v, dst); err != nil {
				return err
			}
			if in.pointer {
				args[1] = ptr
			} else {
				args[1] = ptr.Elem()
			}
			n = 2
		}
		out := fn.Call(args[:n])
		if result == nil {
			if err, _ := out[0].Interface().(error); err != nil {
				return err
			}
			return finish(c, status)
		}
		if err, _ := out[1].Interface().(error); err != nil {
			return err
		}
		return respond(c, status, out[0])
	}
}

// finish answers with the route's status when a handler that returns only
// an error wrote nothing itself.
func finish(c echo.Context, status int) error {
	if c.Response().Committed {
		return nil
	}
	return c.NoContent(status)
}

// respond writes a handler's result: nothing for 204 or when the handler
// already answered, text for a string, bytes for []byte, JSON otherwise.
func respond(c echo.Context, status int, v reflect.Value) error {
	if c.Response().Committed {
		return nil
	}
	if status == http.StatusNoContent {
		return c.NoContent(status)
	}
	switch v.Kind() {
	case reflect.String:
		return c.String(status, v.String())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return c.Blob(status, echo.MIMEOctetStream, v.Bytes())
		}
	}
	return c.JSON(status, v.Interface())
}
