package module

import (
	"reflect"
	"sync"

	"go.uber.org/dig"
)

// Instance is a value a provider or controller built, with where it came from.
type Instance struct {
	Module   string
	Provider string
	Value    any
}

// Instances returns every value the providers and controllers built, in
// construction order: a value comes after everything it depends on.
func (g *Graph) Instances() []Instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Instance(nil), g.instances...)
}

// Controllers returns the built controllers in declaration order; an
// Instance's Provider is the controller's constructor. (core reads their
// routes; a controller is core's word, and module has no type for it.)
func (g *Graph) Controllers() []Instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Instance(nil), g.controllers...)
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
		g.controllers = append(g.controllers, inst)
	}
	g.instances = append(g.instances, inst)
}

// digFunc is what the provider gives dig, with dig's options: the user's
// constructor wrapped so that every value it builds is recorded, in the
// order dig builds them (dependencies first), for lifecycle hooks, and so
// that a constructor returning an error is known by name. dig.LocationForPC
// keeps dig's own messages pointing at the user's constructor.
func (p *provider) digFunc(g *Graph) (any, []dig.ProvideOption) {
	options := p.options.digOptions()
	if p.digName != "" {
		options = append(options, dig.Name(p.digName))
	}
	if p.spec.isValue {
		v := reflect.ValueOf(p.spec.target)
		fnType := reflect.FuncOf(nil, []reflect.Type{v.Type()}, false)
		var once sync.Once
		return reflect.MakeFunc(fnType, func([]reflect.Value) []reflect.Value {
			once.Do(func() { g.record(p, v) })
			return []reflect.Value{v}
		}).Interface(), options
	}
	ctor := reflect.ValueOf(p.spec.target)
	options = append(options, dig.LocationForPC(ctor.Pointer()))
	return reflect.MakeFunc(ctor.Type(), func(args []reflect.Value) []reflect.Value {
		var results []reflect.Value
		if ctor.Type().IsVariadic() {
			results = ctor.CallSlice(args)
		} else {
			results = ctor.Call(args)
		}
		if last := results[len(results)-1]; last.Type() == errorType && !last.IsNil() {
			g.setFailed(p)
			return results
		}
		for _, r := range results {
			if r.Type() != errorType {
				recordResult(p, r, g.record)
			}
		}
		return results
	}).Interface(), options
}

// recordResult records a result, or each field of a dig.Out result.
func recordResult(p *provider, r reflect.Value, record func(*provider, reflect.Value)) {
	if dig.IsOut(r.Type()) {
		for i := range r.NumField() {
			if r.Type().Field(i).IsExported() && r.Type().Field(i).Type != reflect.TypeFor[dig.Out]() {
				recordResult(p, r.Field(i), record)
			}
		}
		return
	}
	record(p, r)
}
