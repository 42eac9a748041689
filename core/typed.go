package core

import (
	"reflect"

	"github.com/go-playground/validator/v10"
)

// Typed wraps a handler of the shape func(core.Context, In) (Out, error)
// for a builder route, so that it is called directly, without reflection:
//
//	func (c *TodoController) Routes(r *core.Routes) {
//		r.PUT("/:id", core.Typed(c.Update)).Status(201)
//		r.SSE("/:id/events", core.Typed(c.Events))
//	}
//
// The route behaves exactly as r.PUT("/:id", c.Update) does: the same
// pipeline, binding, validation, errors and response. Only the call
// differs: a handler given as a plain method value is called through
// reflect.Value.Call, which allocates its argument frame, its result slice
// and a copy of each result on every request; Typed's generic adapter
// binds into an In and calls the handler as Go code. Tag routes cannot use
// it: a method named in a tag is found by reflection, and calling it needs
// reflection too.
func Typed[In, Out any](fn func(Context, In) (Out, error)) TypedHandler {
	return typedHandler[In, Out]{fn: fn}
}

// TypedHandler is a handler made with Typed, for the Routes methods.
type TypedHandler interface {
	// Func is the handler given to Typed.
	Func() any
	// caller is the route's decode and call stages; in describes In.
	caller(in *bindPlan, v *validator.Validate) caller
	// preparer is its decode stage, for a route with interceptors.
	preparer(in *bindPlan, v *validator.Validate) preparer
}

type typedHandler[In, Out any] struct {
	fn func(Context, In) (Out, error)
}

func (t typedHandler[In, Out]) Func() any { return t.fn }

func (t typedHandler[In, Out]) caller(p *bindPlan, v *validator.Validate) caller {
	fn := t.fn
	return func(c Context) (any, error) {
		in, err := decodeTyped[In](c, p, v)
		if err != nil {
			return nil, err
		}
		out, err := fn(c, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

func (t typedHandler[In, Out]) preparer(p *bindPlan, v *validator.Validate) preparer {
	fn := t.fn
	return func(c Context) (any, Next, error) {
		in, err := decodeTyped[In](c, p, v)
		if err != nil {
			return nil, nil, err
		}
		return in, func() (any, error) {
			out, err := fn(c, in)
			if err != nil {
				return nil, err
			}
			return out, nil
		}, nil
	}
}

// decodeTyped decodes a request's input into an In, which is a struct or
// a pointer to one (p.pointer).
func decodeTyped[In any](c Context, p *bindPlan, v *validator.Validate) (In, error) {
	var (
		in  In
		dst any
	)
	if p.pointer {
		in = reflect.New(p.typ).Interface().(In) // In is *T
		dst = in
	} else {
		dst = &in
	}
	err := p.decode(c, v, dst)
	return in, err
}
