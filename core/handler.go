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
	anyType     = reflect.TypeFor[any]()
)

// supportedShapes is said in every signature error, so the fix is at hand.
const supportedShapes = "func(echo.Context) error, func(echo.Context) (T, error), func(echo.Context, In) error or func(echo.Context, In) (T, error), with In a struct or a pointer to one"

// handlerPlan is a handler's signature, checked once at start-up.
type handlerPlan struct {
	fn     reflect.Value
	recv   reflect.Value                   // the controller, when fn is a method expression
	input  *bindPlan                       // nil when the handler takes no input
	result reflect.Type                    // nil when the handler returns only error
	plain  func(echo.Context) error        // set for func(echo.Context) error: no reflection per request
	typed  func(echo.Context) (any, error) // set for a Typed handler: no reflection per request
	// frame is struct{ C echo.Context; In In }: the handler's arguments,
	// in one allocation per request. Its C field has the static type
	// echo.Context, so reflect.Value.Call passes it as it is; a
	// reflect.ValueOf(c) would hold the concrete type, and Call would
	// check it against echo.Context's sixty-odd methods (twice) and box
	// it again on every request.
	frame reflect.Type
}

// newHandlerPlan checks fn's signature against the supported shapes; an
// SSE route (stream) must return a channel of sse.Message, and only an
// SSE route may.
func newHandlerPlan(fn reflect.Value, stream bool) (*handlerPlan, error) {
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
	switch {
	case stream && (h.result == nil || !isMessageChan(h.result)):
		return nil, fmt.Errorf("an SSE route's handler must return (<-chan sse.Message, error) or (chan sse.Message, error), with or without an input struct; %v does not", t)
	case !stream && h.result != nil && isMessageChan(h.result):
		return nil, fmt.Errorf("it returns a channel of sse.Message, but the route is not an SSE route; declare it with core.SSE or r.SSE")
	}
	if t.NumIn() == 2 {
		plan, err := newBindPlan(t.In(1))
		if err != nil {
			return nil, fmt.Errorf("unsupported signature %v: %w; the supported shapes are %s", t, err, supportedShapes)
		}
		h.input = plan
	}
	if h.input == nil && h.result == nil {
		h.plain = fn.Interface().(func(echo.Context) error)
		return h, nil // called directly: no argument frame
	}
	fields := []reflect.StructField{{Name: "C", Type: contextType}}
	if h.input != nil {
		fields = append(fields, reflect.StructField{Name: "In", Type: h.input.typ})
	}
	h.frame = reflect.StructOf(fields)
	return h, nil
}

// callMethod makes the plan call recv's method through its method
// expression, (*T).Name, with recv as the first argument. The method value
// reflect makes for a tag route (Value.MethodByName(name).Interface()) is a
// trampoline that copies the arguments into a second frame on every call.
func (h *handlerPlan) callMethod(recv reflect.Value, name string) {
	if h.plain != nil {
		return // called directly, not through reflect.Value.Call
	}
	m, _ := recv.Type().MethodByName(name)
	h.fn, h.recv = m.Func, recv
}

// invoker returns the per-request work shared by every route: bind and
// validate the input, then call the handler and return its results.
func (h *handlerPlan) invoker(v *validator.Validate) func(echo.Context) ([]reflect.Value, error) {
	in, fn, frameType, recv := h.input, h.fn, h.frame, h.recv
	first := 0
	if recv.IsValid() {
		first = 1
	}
	return func(c echo.Context) ([]reflect.Value, error) {
		frame := reflect.New(frameType).Elem()
		var args [3]reflect.Value
		args[0] = recv
		args[first] = frame.Field(0)
		slot := args[first].Addr().Interface().(*echo.Context)
		*slot = c
		// A handler taking *In may keep it; it must not keep echo's
		// pooled context alive with it.
		defer func() { *slot = nil }()
		n := first + 1
		if in != nil {
			ptr := frame.Field(1).Addr()
			dst := ptr.Interface()
			if err := in.bind(c, dst); err != nil {
				return nil, err
			}
			if err := in.validate(v, dst); err != nil {
				return nil, err
			}
			if in.pointer {
				args[n] = ptr
			} else {
				args[n] = ptr.Elem()
			}
			n++
		}
		return fn.Call(args[:n]), nil
	}
}

// echoHandler is the per-request adapter of an ordinary route: bind,
// validate, call, respond. Everything it needs was worked out at start-up.
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
	if h.typed != nil {
		call := h.typed
		return func(c echo.Context) error {
			out, err := call(c)
			if err != nil {
				return err
			}
			if out == nil {
				// An interface result that is nil: null, as from Call.
				return respond(c, status, reflect.Zero(anyType))
			}
			return respond(c, status, reflect.ValueOf(out))
		}
	}
	call := h.invoker(v)
	if h.result == nil {
		return func(c echo.Context) error {
			out, err := call(c)
			if err != nil {
				return err
			}
			if err := errorOf(out[0]); err != nil {
				return err
			}
			return finish(c, status)
		}
	}
	return func(c echo.Context) error {
		out, err := call(c)
		if err != nil {
			return err
		}
		if err := errorOf(out[1]); err != nil {
			return err
		}
		return respond(c, status, out[0])
	}
}

// errorOf reads a handler's error result.
func errorOf(v reflect.Value) error {
	err, _ := v.Interface().(error)
	return err
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
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return c.NoContent(status) // these statuses never carry a body
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
