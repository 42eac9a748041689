package module

import (
	"fmt"
	"reflect"

	"go.uber.org/dig"
)

// Module groups providers and controllers, the way a NestJS @Module does.
//
// A module is a plain struct literal. A dynamic module (NestJS's forRoot
// pattern) is a function that returns a configured *Module.
type Module struct {
	// Name identifies the module in errors and logs. It must be unique
	// within an application.
	Name string
	// Imports are the modules whose exports this module may inject.
	Imports []*Module
	// Providers are constructors of any shape dig accepts, plain values
	// (instance providers), or Provider values made with Provide or Value.
	Providers []any
	// Controllers are controller constructors (or controller values). The
	// core package reads their routes.
	Controllers []any
	// Exports lists what other modules may inject when they import this
	// one: a constructor or value listed in Providers, the Provider value
	// itself, or an imported *Module to re-export everything it exports.
	Exports []any
	// Global makes this module's exports visible to every module without
	// an import.
	Global bool
}

// Provider is a constructor with dig options, or an instance. Make one with
// Provide or Value; a bare constructor or value in Module.Providers is the
// same as Provide(it) or Value(it).
type Provider struct {
	target  any
	options []dig.ProvideOption
	isValue bool
}

// Provide wraps a constructor with dig options such as dig.As, dig.Name or
// dig.Group.
//
//	module.Provide(NewPostgresStore, dig.As(new(Store)))
func Provide(constructor any, options ...dig.ProvideOption) Provider {
	return Provider{target: constructor, options: options}
}

// Value makes v itself the provided instance, even when v is a function.
// Options such as dig.Name and dig.As apply as with Provide.
func Value(v any, options ...dig.ProvideOption) Provider {
	return Provider{target: v, options: options, isValue: true}
}

// String names the provider in messages.
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
