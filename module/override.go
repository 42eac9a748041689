package module

import (
	"errors"
	"fmt"
	"reflect"
)

type override struct {
	t           reflect.Type
	replacement any
}

func (o override) apply(c *buildConfig) { c.overrides = append(c.overrides, o) }

func (o override) String() string { return fmt.Sprintf("module.Override(%v)", o.t) }

// Override replaces the provider of type t, wherever it is declared, with
// replacement: a value of type t, or a constructor that returns one (and
// optionally an error). The replacement keeps the original's module,
// exports and Name. It is NestJS's overrideProvider, for tests with fakes.
// One that cannot apply is an *OverrideError from Build.
func Override(t reflect.Type, replacement any) Option {
	return override{t: t, replacement: replacement}
}

func applyOverrides(nodes []*node, overrides []override) error {
	for _, o := range overrides {
		if err := applyOverride(nodes, o); err != nil {
			return err
		}
	}
	return nil
}

func applyOverride(nodes []*node, o override) error {
	replacement, produced, err := replacementFor(o)
	if err != nil {
		return err
	}
	if produced != o.t {
		// A fake that implements an interface is provided as the interface.
		replacement.options = append(replacement.options, asOption{o.t})
	}
	for _, n := range nodes {
		for _, p := range n.providers {
			if !containsType(p.outputs, o.t) {
				continue
			}
			if len(p.outputs) > 1 {
				return &OverrideError{Type: o.t, Module: n.mod.Name, Provider: p.label, Reason: fmt.Sprintf(
					"module %q provides it through %s, which provides %d types; replace that module with a test module instead",
					n.mod.Name, p.label, len(p.outputs))}
			}
			if name := p.options.name(); name != "" {
				replacement.options = append(replacement.options, Name(name))
			}
			np, err := newProvider(n, p.field, replacement)
			if err != nil {
				reason := err.Error()
				var de *DefinitionError
				if errors.As(err, &de) {
					reason = de.Reason
				}
				return &OverrideError{Type: o.t, Module: n.mod.Name, Provider: p.label, Reason: reason}
			}
			np.entry = p.entry // keeps matching the module's Exports
			np.label = fmt.Sprintf("%s (overriding %s)", np.label, p.label)
			*p = *np
			return nil
		}
	}
	return &OverrideError{Type: o.t, Reason: fmt.Sprintf(
		"no module provides %v, so there is nothing to override; check the type (a pointer or not?)", o.t)}
}

// replacementFor checks the replacement and returns it as a Provider with
// the type it produces.
func replacementFor(o override) (Provider, reflect.Type, error) {
	rv := reflect.ValueOf(o.replacement)
	if !rv.IsValid() {
		return Provider{}, nil, &OverrideError{Type: o.t, Reason: fmt.Sprintf(
			"the replacement is nil; pass a %v or a constructor returning one", o.t)}
	}
	if rv.Type().AssignableTo(o.t) {
		if o.t.Kind() != reflect.Interface && rv.Type() != o.t {
			// A func literal for a named func type, say: provide it as t.
			return Value(rv.Convert(o.t).Interface()), o.t, nil
		}
		return Value(o.replacement), rv.Type(), nil
	}
	ft := rv.Type()
	if ft.Kind() == reflect.Func && (ft.NumOut() == 1 || ft.NumOut() == 2 && ft.Out(1) == errorType) && ft.Out(0).AssignableTo(o.t) {
		return Provide(o.replacement), ft.Out(0), nil
	}
	return Provider{}, nil, &OverrideError{Type: o.t, Reason: fmt.Sprintf(
		"the replacement %v is neither a %v nor a constructor returning one (and optionally an error)", ft, o.t)}
}

func containsType(keys []key, t reflect.Type) bool {
	for _, k := range keys {
		if k.t == t && k.group == "" {
			return true
		}
	}
	return false
}
