package core

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Attached values
//
// A guard or middleware that learns something about a request, such as
// who sent it, attaches it with Attach; a handler receives it as a field
// of its input struct tagged attached, found by the field's type, as
// NestJS's createParamDecorator gives @CurrentUser():
//
//	func (g *TokenGuard) CanActivate(c core.Context) (bool, error) {
//		user, err := g.users.ByToken(...)
//		...
//		core.Attach(c, user) // a *User
//		return true, nil
//	}
//
//	type MeInput struct {
//		User *User `attached:""`
//	}
//
// Values are told apart by their type, as dig tells providers apart, so
// two values of one type need named types (type TenantID string), the way
// context keys do. An attached field is never read from the path, the
// query, headers, cookies or the body.
//
// A field tagged attached:"" is required: a request whose guards and
// middleware attached no value of its type gets a 500, logged with the
// route, the field and the type, and the handler is not called. One
// tagged attached:"optional" is left zero instead. New checks what it
// can: a required field on a route that has nothing that could attach its
// type (no guard that lists it in Attaches, no guard that does not say,
// no controller or route middleware) fails New with a *ControllerError.
// Values are filled when the input is decoded: after middleware and
// guards, before interceptors, which see them in the input.

// Attach attaches v to the request c, for a handler whose input has a
// field of type T tagged attached, and for Attached[T]. A second Attach of
// the same T replaces the first. Call it from a guard or middleware, on
// the request's goroutine: the values are not locked.
func Attach[T any](c Context, v T) {
	attachedOf(c, true).values[reflect.TypeFor[T]()] = v
}

// Attached returns the value of type T attached to the request c, and
// whether one was.
func Attached[T any](c Context) (T, bool) {
	var zero T
	v, ok := attachedOf(c, false).lookup(reflect.TypeFor[T]())
	if !ok {
		return zero, false
	}
	t, _ := v.(T) // nil for Attach[SomeInterface](c, nil)
	return t, true
}

// AttachingGuard is a guard that says which types of values it attaches,
// so that New can check the routes it guards: a route whose handler needs
// an attached T is sure to get one when such a guard lists T.
//
//	func (g *TokenGuard) Attaches() []reflect.Type {
//		return []reflect.Type{reflect.TypeFor[*User]()}
//	}
type AttachingGuard interface {
	Guard
	Attaches() []reflect.Type
}

// attachedKey is the key of a request's attached values in its Context.
const attachedKey = "godanet.attached"

// attachedValues are a request's attached values, by type.
type attachedValues struct {
	values map[reflect.Type]any
}

// attachedOf returns the request's attached values, made when create is
// set and there are none yet (nil otherwise).
func attachedOf(c Context, create bool) *attachedValues {
	if a, ok := c.Get(attachedKey).(*attachedValues); ok {
		return a
	}
	if !create {
		return nil
	}
	a := &attachedValues{values: map[reflect.Type]any{}}
	c.Set(attachedKey, a)
	return a
}

// describe says what was attached, for an error: "attached: *User".
func (a *attachedValues) describe() string {
	if a == nil || len(a.values) == 0 {
		return "nothing was attached"
	}
	var types []string
	for t := range a.values {
		types = append(types, t.String())
	}
	slices.Sort(types)
	return "attached: " + strings.Join(types, ", ")
}

// decodeAttached is decode's end for an input with attached fields: it
// checks that every required value was attached (a missing one is an
// error, answered as a logged 500: the route's guards and middleware, not
// the client, are at fault), validates the client's input, and fills the
// attached fields. The server's values are no client input: the input is
// validated while its attached fields are still zero, which the validator
// skips without walking them; only an input whose attached fields the
// validator would look into even then (a validate tag, a struct value) is
// validated after they are filled, leaving them out (exceptAttached).
func (p *bindPlan) decodeAttached(c Context, v *validator.Validate, dst any) error {
	values := attachedOf(c, false)
	for _, f := range p.attached {
		if f.optional {
			continue
		}
		if _, ok := values.lookup(f.typ); !ok {
			return fmt.Errorf("core: route %s %s: field %s of %v needs an attached %v, but no guard or middleware of the route attached one (%s); "+
				"call core.Attach(c, value) with a value of type %v in the guard that authenticates (and check that it guards this route), or tag the field attached:\"optional\"",
				c.Request().Method, c.Path(), f.goPath, p.typ, f.typ, values.describe(), f.typ)
		}
	}
	if p.exceptAttached != nil {
		p.fillAttached(values, dst)
		return p.validate(v, dst)
	}
	if err := p.validate(v, dst); err != nil {
		return err
	}
	p.fillAttached(values, dst)
	return nil
}

// lookup is the value of type t attached, if any.
func (a *attachedValues) lookup(t reflect.Type) (any, bool) {
	if a == nil {
		return nil, false
	}
	v, ok := a.values[t]
	return v, ok
}

// fillAttached sets dst's attached fields to the request's values; a
// missing optional one is zero.
func (p *bindPlan) fillAttached(values *attachedValues, dst any) {
	v := reflect.ValueOf(dst).Elem()
	for _, f := range p.attached {
		field := fieldAt(v, f.index)
		if value, ok := values.lookup(f.typ); ok && value != nil {
			field.Set(reflect.ValueOf(value))
		} else {
			field.SetZero() // none attached, or Attach[SomeInterface](c, nil)
		}
	}
}

// fieldAt is the field at index in the struct v, through embedded
// structs, making the embedded pointers that are nil on the way.
func fieldAt(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// attachers says what on a route could attach values: the types its
// AttachingGuards list, and whether it has a guard or middleware that does
// not say (so New cannot know).
type attachers struct {
	listed map[reflect.Type]string // type -> the guard that lists it
	opaque []string                // guards and middleware that might attach anything
}

// routeAttachers reads the guards and the controller's and route's
// middleware of a route. App middleware (WithMiddleware, App.Use) is not
// counted: it runs for every request before routing, 404s too, and a
// value it attaches is read with Attached or an optional field.
func routeAttachers(guards []Guard, middleware int) attachers {
	a := attachers{listed: map[reflect.Type]string{}}
	for _, g := range guards {
		name := shortTypeName(fmt.Sprintf("%T", g))
		ag, ok := g.(AttachingGuard)
		if !ok {
			a.opaque = append(a.opaque, "guard "+name)
			continue
		}
		for _, t := range ag.Attaches() {
			a.listed[t] = name
		}
	}
	if middleware > 0 {
		a.opaque = append(a.opaque, fmt.Sprintf("%d middleware", middleware))
	}
	return a
}

// checkAttached fails when a required attached field's type cannot be
// attached by anything on the route; with a guard or middleware that does
// not say what it attaches, the request checks instead.
func checkAttached(in *bindPlan, a attachers) error {
	if in == nil || len(a.opaque) > 0 {
		return nil
	}
	for _, f := range in.attached {
		if _, ok := a.listed[f.typ]; ok || f.optional {
			continue
		}
		listed := "no guard"
		if len(a.listed) > 0 {
			var names []string
			for t, g := range a.listed {
				names = append(names, fmt.Sprintf("%s attaches %v", g, t))
			}
			slices.Sort(names)
			listed = strings.Join(names, "; ")
		}
		return fmt.Errorf("field %s of %v needs an attached %v, but nothing on the route attaches one (%s); "+
			"guard the route with the guard that calls core.Attach with a value of type %v (and list the type in its Attaches method), or tag the field attached:\"optional\"",
			f.goPath, in.typ, f.typ, listed, f.typ)
	}
	return nil
}
