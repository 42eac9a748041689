package module

import (
	"fmt"
	"reflect"
	"sync"

	"go.uber.org/dig"
)

// Graph is an application's modules, checked and built: every provider and
// controller has been constructed once, in dependency order.
type Graph struct {
	container  *dig.Container
	nodes      []*node // imports before importers
	providedBy map[key]*provider

	mu          sync.Mutex
	instances   []Instance
	controllers []Instance
	failed      *provider // the last constructor that returned an error
}

// Container is the dig container behind the graph, for advanced uses.
func (g *Graph) Container() *dig.Container { return g.container }

// Resolve returns the provided value of type T (any module's provider; the
// visibility rules are for modules, not for the application itself). A T
// that no module provides is a *MissingProviderError.
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
	k := key{t: t}
	if _, ok := g.providedBy[k]; !ok {
		return nil, missing("", "", k, g.providedBy, g.nodes)
	}
	values, err := g.invokeKeys([]key{k})
	if err != nil {
		return nil, g.failure(err, fmt.Sprintf("resolve %v", t))
	}
	return values[0].Interface(), nil
}

// invokeKeys asks dig for the given keys through a dig.In struct made at
// run time, and returns the values in order. dig names the function made
// here "reflect".makeFuncStub in its messages; failure keeps that out of
// module's.
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
	g.setFailed(nil)
	if err := g.container.Invoke(fn.Interface()); err != nil {
		return nil, err
	}
	values := make([]reflect.Value, len(keys))
	for i := range keys {
		values[i] = got.Field(i + 1)
	}
	return values, nil
}

// failure turns an error of invokeKeys into module's: a *ConstructorError
// naming the constructor that returned an error, wherever it is in the
// chain of dependencies, or, for what Build's checks should have ruled
// out, dig's cause under where.
func (g *Graph) failure(err error, where string) error {
	g.mu.Lock()
	p := g.failed
	g.mu.Unlock()
	if p != nil {
		return &ConstructorError{Module: p.owner.mod.Name, Provider: p.label, Err: err}
	}
	return &digFailure{where: where, err: err}
}

func (g *Graph) setFailed(p *provider) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failed = p
}
