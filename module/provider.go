package module

import (
	"fmt"
	"reflect"

	"go.uber.org/dig"
)

// Provider is a constructor or an instance with provide options. Make one
// with Provide or Value; a bare constructor or value in Module.Providers is
// the same as Provide(it) or Value(it).
type Provider struct {
	target  any
	options []ProvideOption
	isValue bool
}

// Provide wraps a constructor with options such as As, Name or Group.
//
//	module.Provide(NewPostgresStore, module.As[Store]())
func Provide(constructor any, options ...ProvideOption) Provider {
	return Provider{target: constructor, options: options}
}

// Value makes v itself the provided instance, even when v is a function.
// Options such as Name and As apply as with Provide.
func Value(v any, options ...ProvideOption) Provider {
	return Provider{target: v, options: options, isValue: true}
}

// String names the provider in messages: the constructor and where it is
// declared, or "value" and the instance's type.
func (p Provider) String() string {
	if p.isValue {
		return fmt.Sprintf("value %T", p.target)
	}
	return funcName(reflect.ValueOf(p.target))
}

// asProvider turns an entry of Module.Providers into a Provider.
func asProvider(entry any) Provider {
	switch e := entry.(type) {
	case Provider:
		return e
	case *Provider:
		if e != nil {
			return *e
		}
		return Provider{}
	}
	if entry != nil && reflect.TypeOf(entry).Kind() == reflect.Func {
		return Provider{target: entry}
	}
	return Provider{target: entry, isValue: true}
}

// provider is one entry of Module.Providers or Module.Controllers, analysed
// once at start-up.
type provider struct {
	owner   *node
	field   string // where it is listed: "Providers[2]"
	entry   any    // what the user listed, for matching Exports
	spec    Provider
	options provideSpec
	label   string
	inputs  []input
	outputs []key
	// digName is set for controllers: they are provided under a private
	// name so that no other provider can inject a controller.
	digName string
}

// newProvider checks one entry and works out what it needs and provides.
func newProvider(owner *node, field string, entry any) (*provider, error) {
	spec := asProvider(entry)
	p := &provider{owner: owner, field: field, entry: entry, spec: spec}
	if spec.target == nil {
		return nil, p.invalid("the entry is nil; list a constructor or a value")
	}
	var fn reflect.Type
	if spec.isValue {
		fn = reflect.FuncOf(nil, []reflect.Type{reflect.TypeOf(spec.target)}, false)
	} else {
		// Checked here, before reflection on the function type panics.
		fv := reflect.ValueOf(spec.target)
		if fv.Kind() != reflect.Func {
			return nil, p.invalid(fmt.Sprintf("Provide needs a constructor function, got %T; use module.Value to provide a value", spec.target))
		}
		if fv.IsNil() {
			return nil, p.invalid(fmt.Sprintf("the constructor is a nil %v; assign it before building the module", fv.Type()))
		}
		fn = fv.Type()
	}
	p.label = spec.String()
	options, problem := readOptions(spec.options)
	if problem != "" {
		return nil, p.invalid(problem)
	}
	p.options = options
	if problem := checkResults(fn, options); problem != "" {
		return nil, p.invalid(problem)
	}
	p.inputs = inputsOf(fn)
	p.outputs = outputsOf(fn, options)
	if len(p.outputs) == 0 {
		return nil, p.invalid("it returns no value; a constructor returns what it provides (and optionally an error)")
	}
	return p, nil
}

// checkResults checks the options against the constructor's results: As,
// Name and Group apply to plain results, and As names an interface that
// each of them implements.
func checkResults(fn reflect.Type, options provideSpec) string {
	for i := range fn.NumOut() {
		t := fn.Out(i)
		if t == errorType {
			continue
		}
		if dig.IsOut(t) {
			if !options.empty() {
				return fmt.Sprintf("%v is a dig.Out result, so module.As, module.Name and module.Group do not apply; set name and group tags on its fields instead", t)
			}
			continue
		}
		for _, as := range options.as {
			if !t.Implements(as) {
				return fmt.Sprintf("module.As[%v](): the result %v does not implement %v; provide a type that does, or drop the option", as, t, as)
			}
		}
	}
	return ""
}

// results lists the types the constructor returns (or the value's type),
// before As changes what is provided.
func (p *provider) results() []reflect.Type {
	if p.spec.isValue {
		return []reflect.Type{reflect.TypeOf(p.spec.target)}
	}
	fn := reflect.TypeOf(p.spec.target)
	var out []reflect.Type
	for i := range fn.NumOut() {
		out = append(out, fn.Out(i))
	}
	return out
}

// invalid reports a problem with the entry as a DefinitionError.
func (p *provider) invalid(reason string) *DefinitionError {
	return &DefinitionError{Module: p.owner.mod.Name, Field: p.field, Provider: p.label, Reason: reason}
}

// matches reports whether an Exports entry names this provider.
func (p *provider) matches(export any) bool {
	return sameEntry(p.entry, export) || sameEntry(p.spec.target, export)
}

func sameEntry(a, b any) bool {
	if pa, ok := a.(Provider); ok {
		a = pa.target
	}
	if pb, ok := b.(Provider); ok {
		b = pb.target
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() || va.Type() != vb.Type() {
		return false
	}
	if va.Kind() == reflect.Func {
		return va.Pointer() == vb.Pointer()
	}
	if !va.Comparable() {
		// A slice, a map, or a struct holding one cannot be compared with
		// ==; the same value listed in Providers and Exports is deeply equal.
		return reflect.DeepEqual(a, b)
	}
	return va.Equal(vb)
}
