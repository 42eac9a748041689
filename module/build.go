package module

import (
	"fmt"
	"reflect"
	"strings"

	"go.uber.org/dig"
)

// provideAll hands every provider and controller to dig. dig rejects a
// dependency cycle here, and its message is kept whole.
func (g *Graph) provideAll() error {
	for _, n := range g.nodes {
		for _, list := range [][]*provider{n.providers, n.controllers} {
			for _, p := range list {
				fn, options := p.digFunc(g.record)
				if err := g.container.Provide(fn, options...); err != nil {
					return fmt.Errorf("godanet: module %q: cannot provide %s: %w", n.mod.Name, p.label, err)
				}
			}
		}
	}
	return nil
}

// record keeps a built value for lifecycle hooks, in construction order.
func (g *Graph) record(p *provider, v reflect.Value) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !v.IsValid() || !v.CanInterface() {
		return
	}
	inst := Instance{Module: p.owner.mod.Name, Provider: p.label, Value: v.Interface()}
	if p.digName != "" {
		g.controllers = append(g.controllers, Controller{Module: inst.Module, Constructor: p.label, Value: inst.Value})
	}
	g.instances = append(g.instances, inst)
}

// buildAll constructs every provider, module by module (imports first), and
// then every controller: NestJS builds eagerly, and so do we, so that a
// failing constructor stops start-up and every hook has its instance.
func (g *Graph) buildAll() error {
	for _, n := range g.nodes {
		for _, p := range n.providers {
			if _, err := g.invokeKeys(p.outputs); err != nil {
				return &buildError{fmt.Sprintf("godanet: module %q: building %s: %s", n.mod.Name, p.label, withoutStub(err)), err}
			}
		}
	}
	for _, n := range g.nodes {
		for _, p := range n.controllers {
			k := key{t: p.outputs[0].t, name: p.digName}
			if _, err := g.invokeKeys([]key{k}); err != nil {
				return &buildError{fmt.Sprintf("godanet: module %q: building controller %s: %s", n.mod.Name, p.label, withoutStub(err)), err}
			}
		}
	}
	return nil
}

// buildError keeps dig's error reachable (errors.Is, errors.As, dig.RootCause)
// while its message leaves out the function invokeKeys generates.
type buildError struct {
	msg string
	err error
}

func (e *buildError) Error() string { return e.msg }
func (e *buildError) Unwrap() error { return e.err }

// withoutStub drops dig's opening "could not build arguments for function
// "reflect".makeFuncStub (...): ", which names our generated function, not
// the user's constructor that the rest of the message names.
func withoutStub(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "makeFuncStub"); i >= 0 {
		if j := strings.Index(msg[i:], "): "); j >= 0 {
			return msg[i+j+3:]
		}
	}
	return msg
}

// invokeKeys asks dig for the given keys through a dig.In struct made at
// run time, and returns the values in order.
func (g *Graph) invokeKeys(keys []key) ([]reflect.Value, error) {
	fields := []reflect.StructField{{Name: "In", Type: reflect.TypeFor[dig.In](), Anonymous: true}}
	for i, k := range keys {
		f := reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: k.t}
		switch {
		case k.group != "":
			f.Type = reflect.SliceOf(k.t)
			f.Tag = reflect.StructTag(fmt.Sprintf("group:%q", k.group))
		case k.name != "":
			f.Tag = reflect.StructTag(fmt.Sprintf("name:%q", k.name))
		}
		fields = append(fields, f)
	}
	in := reflect.StructOf(fields)
	var got reflect.Value
	fn := reflect.MakeFunc(reflect.FuncOf([]reflect.Type{in}, nil, false), func(args []reflect.Value) []reflect.Value {
		got = args[0]
		return nil
	})
	if err := g.container.Invoke(fn.Interface()); err != nil {
		return nil, err
	}
	values := make([]reflect.Value, len(keys))
	for i := range keys {
		values[i] = got.Field(i + 1)
	}
	return values, nil
}

// Instances returns every value the providers and controllers built, in
// construction order: a value comes after everything it depends on.
func (g *Graph) Instances() []Instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Instance(nil), g.instances...)
}

// Controllers returns the built controllers in declaration order.
func (g *Graph) Controllers() []Controller {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Controller(nil), g.controllers...)
}

// Container is the dig container behind the graph, for advanced uses.
func (g *Graph) Container() *dig.Container { return g.container }

// Resolve returns the provided value of type T (any module's provider; the
// visibility rules are for modules, not for the application itself).
func Resolve[T any](g *Graph) (T, error) {
	v, err := g.Get(reflect.TypeFor[T]())
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// Get returns the provided value of type t; Resolve is its typed form.
func (g *Graph) Get(t reflect.Type) (any, error) {
	values, err := g.invokeKeys([]key{{t: t}})
	if err != nil {
		return nil, fmt.Errorf("godanet: resolve %v: %w", t, err)
	}
	return values[0].Interface(), nil
}
