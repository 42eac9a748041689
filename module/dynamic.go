package module

import (
	"fmt"
	"reflect"
	"slices"
)

// DynamicConfig is the configuration of a dynamic module: a comparable
// value whose Module method builds the module it configures. A method
// cannot capture anything but its receiver, so two equal configurations
// build the same module.
type DynamicConfig interface {
	comparable
	Module() *Module
}

// Dynamic builds the dynamic module that config configures (NestJS's
// forRoot), and marks it with config so that it can be imported more than
// once: Build takes two modules of one Name for one module when Dynamic
// built both from equal configurations (same type, ==) and neither was
// changed since. Any other two modules with one Name are an error.
//
//	type AuthConfig struct{ Issuer string }
//
//	func (c AuthConfig) Module() *module.Module {
//		return &module.Module{Name: "auth", Providers: []any{module.Value(c), NewVerifier}, Exports: []any{NewVerifier}}
//	}
//
//	// Both may import module.Dynamic(AuthConfig{Issuer: "us"}).
func Dynamic[C DynamicConfig](config C) *Module {
	m := config.Module()
	if m == nil {
		return nil
	}
	m.origin = &origin{config: config, built: snapshot(m)}
	return m
}

// origin is where a dynamic module came from.
type origin struct {
	config any
	built  Module // a copy made by Dynamic, slices included
}

func snapshot(m *Module) Module {
	c := *m
	c.origin = nil
	c.Imports = slices.Clone(m.Imports)
	c.Providers = slices.Clone(m.Providers)
	c.Controllers = slices.Clone(m.Controllers)
	c.Exports = slices.Clone(m.Exports)
	return c
}

// sameDynamic reports whether a and b, two modules of one Name, are one
// dynamic module; when not, why says what sets them apart and how to
// share one.
func sameDynamic(a, b *Module) (same bool, why string) {
	switch {
	case a.origin == nil || b.origin == nil:
		return false, "to share one module, import the same *Module value, or build both with module.Dynamic from equal configurations"
	case reflect.TypeOf(a.origin.config) != reflect.TypeOf(b.origin.config):
		return false, fmt.Sprintf("module.Dynamic built them from a %T and a %T", a.origin.config, b.origin.config)
	case !comparableValue(a.origin.config) || !comparableValue(b.origin.config):
		return false, fmt.Sprintf("module.Dynamic built them from %T configurations, which == cannot compare; make the configuration a comparable type", a.origin.config)
	case a.origin.config != b.origin.config:
		// The configurations themselves are not printed: they may hold secrets.
		return false, fmt.Sprintf("module.Dynamic built them from %T configurations that differ, so they are not one module", a.origin.config)
	case !unchanged(a) || !unchanged(b):
		return false, "module.Dynamic built them from equal configurations, but one was changed afterwards; set everything in the Module method of the configuration"
	}
	return true, ""
}

// comparableValue reports whether == on v cannot panic (an interface
// configuration may hold a value that is not comparable).
func comparableValue(v any) bool { return reflect.ValueOf(v).Comparable() }

// unchanged reports whether m is still as Dynamic built it.
func unchanged(m *Module) bool {
	b := m.origin.built
	return m.Name == b.Name && m.Global == b.Global &&
		slices.Equal(m.Imports, b.Imports) &&
		slices.EqualFunc(m.Providers, b.Providers, identical) &&
		slices.EqualFunc(m.Controllers, b.Controllers, identical) &&
		slices.EqualFunc(m.Exports, b.Exports, identical)
}

// identical reports whether two entries are the same entry. A function is
// compared by its code (Go cannot compare closures), so swapping a closure
// for another of the same literal goes unseen.
func identical(a, b any) bool {
	if pa, ok := a.(Provider); ok {
		pb, ok := b.(Provider)
		return ok && pa.isValue == pb.isValue && identical(pa.target, pb.target) &&
			slices.EqualFunc(pa.options, pb.options, func(x, y ProvideOption) bool { return x == y })
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch {
	case !va.IsValid() || !vb.IsValid():
		return va.IsValid() == vb.IsValid()
	case va.Type() != vb.Type():
		return false
	case va.Kind() == reflect.Func:
		return va.Pointer() == vb.Pointer()
	case va.Comparable() && vb.Comparable():
		return a == b
	}
	return reflect.DeepEqual(a, b)
}
