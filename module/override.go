package module

import (
	"fmt"
	"reflect"

	"go.uber.org/dig"
)

type override struct {
	t           reflect.Type
	replacement any
}

func (o override) apply(c *buildConfig) { c.overrides = append(c.overrides, o) }

// Override replaces the provider of type t, wherever it is declared, with
// replacement: a value of type t, or a constructor that returns one (and
// optionally an error). The replacement keeps the original's module and
// exports. It is NestJS's overrideProvider, for tests with fakes.
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
		replacement.options = append(replacement.options, dig.As(reflect.New(o.t).Interface()))
	}
	for _, n := range nodes {
		for _, p := range n.providers {
			if !containsType(p.outputs, o.t) {
				continue
			}
			if len(p.outputs) > 1 {
				return fmt.Errorf("godanet: override %v: module %q provides it through %s, which provides %d types; replace that module with a test module instead", o.t, n.mod.Name, p.label, len(p.outputs))
			}
			for _, opt := range p.spec.options {
				if reflect.TypeOf(opt).Name() == "provideNameOption" {
					replacement.options = append(replacement.options, opt)
				}
			}
			np, err := newProvider(n, replacement)
			if err != nil {
				return fmt.Errorf("godanet: override %v: %w", o.t, err)
			}
			np.entry = p.entry // keeps matching the module's Exports
			np.label = fmt.Sprintf("%s (overriding %s)", np.label, p.label)
			*p = *np
			return nil
		}
	}
	return fmt.Errorf("godanet: override %v: no module provides %v, so there is nothing to override; check the type (a pointer or not?)", o.t, o.t)
}

// replacementFor checks the replacement and returns it as a Provider with
// the type it produces.
func replacementFor(o override) (Provider, reflect.Type, error) {
	rv := reflect.ValueOf(o.replacement)
	if !rv.IsValid() {
		return Provider{}, nil, fmt.Errorf("godanet: override %v: the replacement is nil; pass a %v or a constructor returning one", o.t, o.t)
	}
	if rv.Type().AssignableTo(o.t) {
		return Value(o.replacement), rv.Type(), nil
	}
	ft := rv.Type()
	if ft.Kind() == reflect.Func && (ft.NumOut() == 1 || ft.NumOut() == 2 && ft.Out(1) == errorType) && ft.Out(0).AssignableTo(o.t) {
		return Provide(o.replacement), ft.Out(0), nil
	}
	return Provider{}, nil, fmt.Errorf("godanet: override %v: the replacement %v is neither a %v nor a constructor returning one (and optionally an error)", o.t, ft, o.t)
}

func containsType(keys []key, t reflect.Type) bool {
	for _, k := range keys {
		if k.t == t && k.group == "" {
			return true
		}
	}
	return false
}
