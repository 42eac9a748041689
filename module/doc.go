// Package module declares godanet modules and builds their dependency graph
// on go.uber.org/dig. It speaks its own vocabulary: an ordinary module
// needs no import of dig (dig.In and dig.Out parameter and result structs
// remain dig's, and work as in dig).
//
// # Modules
//
// A Module is a struct literal, like NestJS's @Module({...}): a Name, the
// modules it Imports, its Providers and Controllers, what it Exports, and
// whether it is Global. Build checks the tree of modules from the root,
// provides everything to one dig container and constructs every provider
// and controller, so that a mistake stops start-up.
//
// # Dynamic modules
//
// A dynamic module (NestJS's forRoot pattern) is a module built from a
// configuration. Give the configuration a comparable type whose Module
// method builds the module, and import module.Dynamic(config):
//
//	type ConfigOptions struct{ Path string }
//
//	func (o ConfigOptions) Module() *module.Module {
//		cfg := &Config{Path: o.Path}
//		return &module.Module{
//			Name:      "config",
//			Providers: []any{cfg}, // an instance provider
//			Exports:   []any{cfg},
//		}
//	}
//
//	users := &module.Module{Name: "users", Imports: []*module.Module{module.Dynamic(ConfigOptions{Path: "app.toml"})}}
//	orders := &module.Module{Name: "orders", Imports: []*module.Module{module.Dynamic(ConfigOptions{Path: "app.toml"})}}
//
// Several modules may import the same dynamic module, as in NestJS. Build
// decides what "the same" means by a rule it can check, since Go cannot
// compare closures: two modules of one Name are one module when they are
// the same *Module value, or when Dynamic built both from configurations
// of one type that are equal with ==, and neither was changed after
// Dynamic returned it: equal configurations are taken to ask for the same
// module (so a Module method should build from its receiver alone, not
// from globals). Build then uses the first and ignores the other, whose providers are never built. Every other pair of
// modules sharing a Name is an error that names both importers and what
// sets the two apart (the configurations themselves are not printed, as
// they may hold secrets); two differently configured modules are never
// merged. A configuration holding a pointer is equal only to the same
// pointer. A plain function returning a *Module still works for a module
// imported once.
//
// # Providers
//
// A provider is a constructor of any shape dig accepts (several parameters,
// dig.In and dig.Out structs, an error result), a plain value (an instance
// provider), or either wrapped with Provide or Value to add provide
// options:
//
//	module.Provide(NewPgStore, module.As[Store]())      // injected as Store, not *PgStore
//	module.Provide(NewReplica, module.Name("replica"))  // asked for with a `name:"replica"` tag
//	module.Provide(NewDBCheck, module.Group("checks"))  // collected with a `group:"checks"` tag
//	module.Value(&Config{}, module.Name("defaults"))
//
// As, Name and Group are module's own options, which mean what dig.As,
// dig.Name and dig.Group mean and print themselves as written. module
// reads them to know what each provider provides, and hands dig the
// matching dig options when it builds the graph; no dig option is read
// back. A misused option (As of a type that is not an interface or that
// the result does not implement, Name with Group, an option on a dig.Out
// result or on a controller) is an error from Build. Every provider is
// built once, eagerly, when the graph is built, so a failing constructor
// stops start-up.
//
// # Encapsulation
//
// A module sees its own providers, the exports of the modules it imports,
// and the exports of Global modules. Needing anything else is an error from
// Build that names the module, the type, and which module to import or
// which Exports to extend. Choices worth knowing:
//
//   - One application has one dig container, so a type (with its Name)
//     is provided by exactly one module; providing it twice is an error.
//   - Value groups are application-wide, as in dig: group members are not
//     filtered by visibility.
//   - An export names a provider by the same constructor or value listed in
//     Providers (or by the Provider made with Provide/Value), and exports
//     what that provider provides (with As, the interface; with Name, the
//     named value); or it re-exports an imported *Module.
//
// # Errors
//
// Build's errors are typed, so that a caller can test them with errors.As,
// and say what is wrong, where, and how to fix it, prefixed "module: ":
// *DefinitionError (a module defined wrongly: nil import, missing or
// shared Name, import cycle, bad export or provider entry),
// *MissingProviderError, *NotVisibleError, *DuplicateProviderError,
// *OverrideError, *CycleError (dig.IsCycleDetected reports true for it)
// and *ConstructorError (errors.Is and dig.RootCause reach the
// constructor's own error). Each carries the module and the provider as
// fields. An error that comes from dig wraps it, and says dig's cause once.
// Resolve of a type no module provides is a *MissingProviderError too.
//
// # Testing
//
// Override replaces a provider by type, keeping its place in its module,
// so a controller can be tested against a fake.
package module
