package module

// Module groups providers and controllers, the way a NestJS @Module does.
//
// A module is a plain struct literal. A dynamic module (NestJS's forRoot
// pattern) is a function that returns a configured *Module; build it with
// Dynamic when two modules may import it with the same configuration.
type Module struct {
	// Name identifies the module in errors and logs. It must be unique
	// within an application: two different modules with one Name are an
	// error, unless Dynamic built both from equal configurations.
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

	// origin is set by Dynamic: the configuration the module was built
	// from, and the module as built, to tell a later change.
	origin *origin
}
