package core

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/go-playground/validator/v10"
)

var (
	contextType = reflect.TypeFor[Context]()
	errorType   = reflect.TypeFor[error]()
	plainType   = reflect.TypeFor[func(Context) error]()
)

// supportedShapes is said in every signature error, so the fix is at hand.
const supportedShapes = "func(core.Context) error, func(core.Context) (T, error), func(core.Context, In) error or func(core.Context, In) (T, error), with In a struct or a pointer to one"

// caller is the pipeline's decode and call stages for one route: it reads
// and validates the input, calls the handler, and returns its result (nil
// for a handler that returns only an error).
type caller func(c Context) (result any, err error)

// handlerPlan is a handler's signature, checked once at start-up, and how
// to call it.
type handlerPlan struct {
	fn     reflect.Value
	recv   reflect.Value       // the controller, when fn is a method expression
	input  *bindPlan           // nil when the handler takes no input
	result reflect.Type        // nil when the handler returns only error
	plain  func(Context) error // set for func(Context) error: called directly
	typed  TypedHandler        // set for a Typed handler: called directly
	// frame is struct{ C Context; In In }: the handler's arguments, in one
	// allocation per request. Its C field has the static type Context, so
	// reflect.Value.Call passes it as it is; a reflect.ValueOf(c) would
	// hold the concrete type, and Call would check it against Context's
	// sixty-odd methods (twice) and box it again on every request.
	frame reflect.Type
}

// newHandlerPlan checks handler's signature against the supported shapes;
// an SSE route (stream) must return a channel of sse.Message, and only an
// SSE route may. handler is a func, or a TypedHandler.
func newHandlerPlan(handler any, stream bool) (*handlerPlan, error) {
	h := &handlerPlan{}
	if t, ok := handler.(TypedHandler); ok {
		h.typed, handler = t, t.Func()
	}
	fn := reflect.ValueOf(handler)
	h.fn = fn
	t := fn.Type()
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("it is a %s, not a function; the supported shapes are %s", signature(t), supportedShapes)
	}
	if t.IsVariadic() || t.NumIn() < 1 || t.NumIn() > 2 || t.In(0) != contextType {
		return nil, fmt.Errorf("unsupported signature %s; the supported shapes are %s", signature(t), supportedShapes)
	}
	switch {
	case t.NumOut() == 1 && t.Out(0) == errorType:
	case t.NumOut() == 2 && t.Out(1) == errorType:
		h.result = t.Out(0)
	default:
		return nil, fmt.Errorf("unsupported signature %s: it must return error or (T, error); the supported shapes are %s", signature(t), supportedShapes)
	}
	switch {
	case stream && (h.result == nil || !isMessageChan(h.result)):
		return nil, fmt.Errorf("an SSE route's handler must return (<-chan sse.Message, error) or (chan sse.Message, error), with or without an input struct; %s does not", signature(t))
	case !stream && h.result != nil && isMessageChan(h.result):
		return nil, fmt.Errorf("it returns a channel of sse.Message, but the route is not an SSE route; declare it with core.SSE or r.SSE")
	}
	if t.NumIn() == 2 {
		plan, err := newBindPlan(t.In(1))
		if err != nil {
			return nil, fmt.Errorf("unsupported signature %s: %w; the supported shapes are %s", signature(t), err, supportedShapes)
		}
		h.input = plan
	}
	if h.typed != nil {
		return h, nil
	}
	if h.input == nil && h.result == nil {
		// Converted, not asserted: a named type such as HandlerFunc has
		// this signature too.
		h.plain = fn.Convert(plainType).Interface().(func(Context) error)
		return h, nil
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

// caller returns the route's decode and call stages. A plain handler and
// a Typed one are called as Go code; any other handler, a method named in
// a tag or a method value given to the builder, through reflect.Value.Call,
// which costs a few allocations per request (see Typed). With
// interceptors, the call is made inside them (intercepted); a route
// without any gets the callers below, which know nothing of them.
func (h *handlerPlan) caller(v *validator.Validate, interceptors []Interceptor, stream bool) caller {
	if len(interceptors) > 0 {
		return intercepted(h.preparer(v), interceptors, stream)
	}
	switch {
	case h.plain != nil:
		plain := h.plain
		return func(c Context) (any, error) { return nil, plain(c) }
	case h.typed != nil:
		return h.typed.caller(h.input, v)
	}
	return h.reflectCaller(v)
}

// preparer returns the route's decode stage, for a route with
// interceptors: it hands them the input and the handler's call.
func (h *handlerPlan) preparer(v *validator.Validate) preparer {
	switch {
	case h.plain != nil:
		plain := h.plain
		return func(c Context) (any, Next, error) {
			return nil, func() (any, error) { return nil, plain(c) }, nil
		}
	case h.typed != nil:
		return h.typed.preparer(h.input, v)
	}
	in, fn, recv := h.input, h.fn, h.recv
	return func(c Context) (any, Next, error) {
		args := make([]reflect.Value, 0, 3)
		if recv.IsValid() {
			args = append(args, recv)
		}
		// Of the static type Context, as the frame's field is (see frame).
		args = append(args, reflect.ValueOf(&c).Elem())
		var input any
		if in != nil {
			ptr := reflect.New(in.typ)
			if err := in.decode(c, v, ptr.Interface()); err != nil {
				return nil, nil, err
			}
			arg := ptr
			if !in.pointer {
				arg = ptr.Elem()
			}
			args, input = append(args, arg), arg.Interface()
		}
		return input, func() (any, error) { return results(fn.Call(args)) }, nil
	}
}

// results are a handler's results as reflect.Value.Call returns them: the
// result (nil for an error-only handler or an error) and the error.
func results(out []reflect.Value) (any, error) {
	if err, _ := out[len(out)-1].Interface().(error); err != nil || len(out) == 1 {
		return nil, err
	}
	// Not addressable: Interface boxes the result without copying it.
	return out[0].Interface(), nil
}

// reflectCaller decodes into the argument frame and calls the handler
// with reflect.Value.Call.
//
// A handler that takes its input by value gets a copy of the frame's, so
// the frame can serve the next request: frames come from a pool and go
// back zeroed once the call has returned (nothing else points into one;
// what the binder put in it, strings and slices, lives in memory of its
// own). A handler taking *In may keep the pointer: its frame is new each
// time. The pool saves one allocation per request of the few that
// reflect.Value.Call costs (BenchmarkCaller).
func (h *handlerPlan) reflectCaller(v *validator.Validate) caller {
	in, fn, frameType, recv := h.input, h.fn, h.frame, h.recv
	first := 0
	if recv.IsValid() {
		first = 1
	}
	var frames *sync.Pool
	if in == nil || !in.pointer {
		frames = &sync.Pool{New: func() any { return reflect.New(frameType).Interface() }}
	}
	return func(c Context) (any, error) {
		var fp any // a pointer to the frame
		if frames != nil {
			fp = frames.Get()
		} else {
			fp = reflect.New(frameType).Interface()
		}
		frame := reflect.ValueOf(fp).Elem()
		defer func() {
			if frames == nil {
				// The handler or its result may hold *In: only echo's
				// pooled context must not stay alive with it.
				frame.Field(0).SetZero()
				return
			}
			frame.SetZero() // keeps neither the context nor the input alive
			frames.Put(fp)
		}()
		var args [3]reflect.Value
		args[0] = recv
		args[first] = frame.Field(0)
		*args[first].Addr().Interface().(*Context) = c
		n := first + 1
		if in != nil {
			ptr := frame.Field(1).Addr()
			if err := in.decode(c, v, ptr.Interface()); err != nil {
				return nil, err
			}
			if in.pointer {
				args[n] = ptr
			} else {
				args[n] = ptr.Elem()
			}
			n++
		}
		return results(fn.Call(args[:n]))
	}
}
