package module

import (
	"fmt"
	"reflect"
	"sync"

	"go.uber.org/dig"
)

// provider is one entry of Module.Providers or Module.Controllers, analysed
// once at start-up.
type provider struct {
	owner   *node
	entry   any // what the user listed, for matching Exports
	spec    Provider
	label   string
	inputs  []input
	outputs []key
	// digName is set for controllers: they are provided under a private
	// name so that no other provider can inject a controller.
	digName string
}

// newProvider checks one entry and works out what it needs and provides.
func newProvider(owner *node, entry any) (*provider, error) {
	spec := asProvider(entry)
	if spec.target == nil {
		return nil, fmt.Errorf("the entry is nil; list a constructor or a value")
	}
	if !spec.isValue {
		// Checked here, before reflection on the function type panics.
		fv := reflect.ValueOf(spec.target)
		if fv.Kind() != reflect.Func {
			return nil, fmt.Errorf("Provide needs a constructor function, got %T; use module.Value to provide a value", spec.target)
		}
		if fv.IsNil() {
			return nil, fmt.Errorf("the constructor is a nil %v; assign it before building the module", fv.Type())
		}
	}
	for i, o := range spec.options {
		if o == nil {
			return nil, fmt.Errorf("%s: option %d is nil; pass dig options such as dig.As, dig.Name or dig.Group", spec, i+1)
		}
	}
	p := &provider{owner: owner, entry: entry, spec: spec, label: spec.String()}
	po := readOptions(spec.options)
	if spec.isValue {
		p.outputs = outputsOf(reflect.FuncOf(nil, []reflect.Type{reflect.TypeOf(spec.target)}, false), po)
		return p, nil
	}
	fn := reflect.TypeOf(spec.target)
	p.inputs = inputsOf(fn)
	p.outputs = outputsOf(fn, po)
	if len(p.outputs) == 0 {
		return nil, fmt.Errorf("%s returns no value; a constructor returns what it provides (and optionally an error)", p.label)
	}
	return p, nil
}

// digFunc is what the provider gives dig: the user's constructor wrapped so
// that every value it builds is recorded, in the order dig builds them
// (dependencies first), for lifecycle hooks. dig.LocationForPC keeps dig's
// own messages pointing at the user's constructor.
func (p *provider) digFunc(record func(*provider, reflect.Value)) (any, []dig.ProvideOption) {
	options := append([]dig.ProvideOption(nil), p.spec.options...)
	if p.digName != "" {
		options = append(options, dig.Name(p.digName))
	}
	if p.spec.isValue {
		v := reflect.ValueOf(p.spec.target)
		fnType := reflect.FuncOf(nil, []reflect.Type{v.Type()}, false)
		var once sync.Once
		return reflect.MakeFunc(fnType, func([]reflect.Value) []reflect.Value {
			once.Do(func() { record(p, v) })
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
			return results
		}
		for _, r := range results {
			if r.Type() != errorType {
				recordResult(p, r, record)
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
