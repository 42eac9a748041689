// Package module declares godanet modules and builds their dependency graph
// on go.uber.org/dig.
//
// # Modules
//
// A Module is a struct literal, like NestJS's @Module({...}): a Name, the
// modules it Imports, its Providers and Controllers, what it Exports, and
// whether it is Global. A dynamic module (the forRoot pattern) is a function
// that returns a configured *Module:
//
//	func ConfigModule(path string) *module.Module {
//		cfg := &Config{Path: path}
//		return &module.Module{
//			Name:      "config",
//			Providers: []any{cfg}, // an instance provider
//			Exports:   []any{cfg},
//			Global:    true,
//		}
//	}
//
// # Providers
//
// A provider is a constructor of any shape dig accepts (several parameters,
// dig.In and dig.Out structs, an error result), a plain value (an instance
// provider), or either wrapped with Provide or Value to add dig options such
// as dig.As, dig.Name and dig.Group. Every provider is built once, eagerly,
// when the graph is built, so a failing constructor stops start-up.
//
// # Encapsulation
//
// A module sees its own providers, the exports of the modules it imports,
// and the exports of Global modules. Needing anything else is an error from
// Build that names the module, the type, and which module to import or
// which Exports to extend. Choices worth knowing:
//
//   - One application has one dig container, so a type (with its dig.Name)
//     is provided by exactly one module; providing it twice is an error.
//   - Value groups (dig.Group) are application-wide, as in dig: group
//     members are not filtered by visibility.
//   - An export names a provider by the same constructor or value listed in
//     Providers (or by the Provider made with Provide/Value), or re-exports
//     an imported *Module.
//
// # Testing
//
// Override replaces a provider by type, keeping its place in its module,
// so a controller can be tested against a fake.
package module
