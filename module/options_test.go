package module_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/godanet/godanet/module"
	"go.uber.org/dig"
)

// Getter has the method set of Store under another name, so *memStore
// can be provided as both.
type Getter interface{ Get(id int) string }

// primaryConn asks for the *Conn named "primary".
type primaryConn struct {
	dig.In

	Conn *Conn `name:"primary"`
}

type namedStores struct {
	dig.In

	Main Store `name:"main"`
}

// TestProvideOptions checks what As, Name and Group provide, through
// Build: each is given to dig as dig.As, dig.Name and dig.Group, and
// module's visibility and export checks see the same keys.
func TestProvideOptions(t *testing.T) {
	tests := []struct {
		name  string
		root  func() *module.Module
		check func(t *testing.T, g *module.Graph)
	}{
		{
			name: "As across modules, exported by the bare constructor",
			root: func() *module.Module {
				return &module.Module{Name: "todo", Imports: []*module.Module{storeModule(true)}, Providers: []any{NewTodoService}}
			},
			check: func(t *testing.T, g *module.Graph) {
				if _, ok := mustResolve[*TodoService](t, g).Store.(*memStore); !ok {
					t.Errorf("TodoService.Store is not the *memStore provided as Store")
				}
				if _, err := module.Resolve[*memStore](g); err == nil {
					t.Errorf("Resolve[*memStore] succeeded; module.As provides the interface only, as dig.As does")
				}
			},
		},
		{
			name: "As twice provides each interface, from one instance",
			root: func() *module.Module {
				lib := &module.Module{
					Name:      "lib",
					Providers: []any{module.Provide(newMemStore, module.As[Store](), module.As[Getter]())},
					Exports:   []any{newMemStore},
				}
				return &module.Module{Name: "app", Imports: []*module.Module{lib}, Providers: []any{NewTodoService, func(g Getter) *Logger { return &Logger{Prefix: g.Get(1)} }}}
			},
			check: func(t *testing.T, g *module.Graph) {
				if got := mustResolve[*Logger](t, g).Prefix; got != "milk" {
					t.Errorf("Logger built from Getter has prefix %q, want %q", got, "milk")
				}
				if mustResolve[Getter](t, g) != Getter(mustResolve[Store](t, g)) {
					t.Errorf("Getter and Store are two instances; want one")
				}
			},
		},
		{
			name: "As with Name, exported by the Provider value",
			root: func() *module.Module {
				main := module.Provide(newMemStore, module.As[Store](), module.Name("main"))
				lib := &module.Module{Name: "lib", Providers: []any{main}, Exports: []any{main}}
				return &module.Module{Name: "app", Imports: []*module.Module{lib}, Providers: []any{func(s namedStores) *TodoService { return &TodoService{Store: s.Main} }}}
			},
			check: func(t *testing.T, g *module.Graph) {
				if mustResolve[*TodoService](t, g).Store == nil {
					t.Errorf("the named Store was not injected")
				}
				if _, err := module.Resolve[Store](g); err == nil {
					t.Errorf("Resolve[Store] succeeded; the Store is provided under a name only")
				}
			},
		},
		{
			name: "Name on a Value",
			root: func() *module.Module {
				conn := &Conn{Role: "primary"}
				db := &module.Module{Name: "db", Providers: []any{module.Value(conn, module.Name("primary"))}, Exports: []any{conn}}
				return &module.Module{Name: "app", Imports: []*module.Module{db}, Providers: []any{func(p primaryConn) *Router { return &Router{Primary: p.Conn} }}}
			},
			check: func(t *testing.T, g *module.Graph) {
				if got := mustResolve[*Router](t, g).Primary; got == nil || got.Role != "primary" {
					t.Errorf("Router.Primary = %+v, want the named value", got)
				}
			},
		},
		{
			name: "Group members from a module nobody imports are collected (groups are application-wide)",
			root: func() *module.Module {
				check := func(name string) module.Provider {
					return module.Provide(func() namedCheck { return namedCheck(name) }, module.Group("checks"), module.As[Checker]())
				}
				lonely := &module.Module{Name: "lonely", Providers: []any{check("lonely")}}
				health := &module.Module{Name: "health", Providers: []any{NewHealth, check("self")}}
				return &module.Module{Name: "app", Imports: []*module.Module{health, lonely}}
			},
			check: func(t *testing.T, g *module.Graph) {
				var names []string
				for _, c := range mustResolve[*Health](t, g).Checks {
					names = append(names, c.Name())
				}
				slices.Sort(names)
				if want := []string{"lonely", "self"}; !slices.Equal(names, want) {
					t.Errorf("group checks = %v, want %v", names, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := module.Build(tt.root())
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			tt.check(t, g)
		})
	}
}

// TestProvideOptionErrors checks that the visibility and export checks
// apply to what the options provide, and that a misused option is a
// *DefinitionError that names it.
func TestProvideOptionErrors(t *testing.T) {
	tests := []struct {
		name  string
		root  func() *module.Module
		want  string
		check func(t *testing.T, err error)
	}{
		{
			name: "a named provider exported but not imported",
			root: func() *module.Module {
				primary := module.Provide(func() *Conn { return &Conn{} }, module.Name("primary"))
				replica := module.Provide(func() *Conn { return &Conn{} }, module.Name("replica"))
				db := &module.Module{Name: "db", Providers: []any{primary, replica}, Exports: []any{primary, replica}}
				router := &module.Module{Name: "router", Providers: []any{NewRouter}}
				return &module.Module{Name: "app", Imports: []*module.Module{db, router}}
			},
			want: `module: module "router": module_test.NewRouter (fixtures_test.go:93) needs *module_test.Conn[name="primary"], which module "db" provides and exports, but "router" does not import "db"; add "db" to the Imports of "router"`,
			check: func(t *testing.T, err error) {
				e := errorAs[*module.NotVisibleError](t, err)
				if e.Type != reflect.TypeFor[*Conn]() || e.Name != "primary" || e.Owner != "db" || !e.Exported {
					t.Errorf("fields = %+v", *e)
				}
			},
		},
		{
			name: "a named provider not exported",
			root: func() *module.Module {
				db := &module.Module{Name: "db", Providers: []any{module.Provide(func() *Conn { return &Conn{} }, module.Name("primary"))}}
				return &module.Module{Name: "app", Imports: []*module.Module{db}, Providers: []any{func(primaryConn) *Router { return nil }}}
			},
			want: `needs *module_test.Conn[name="primary"], which module "db" provides but does not export; add module_test.TestProvideOptionErrors`,
			check: func(t *testing.T, err error) {
				if e := errorAs[*module.NotVisibleError](t, err); e.Name != "primary" || e.Exported {
					t.Errorf("fields = %+v", *e)
				}
			},
		},
		{
			name: "the unnamed type where only a named one is provided",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{
					module.Provide(func() *Conn { return &Conn{} }, module.Name("primary")),
					func(*Conn) *Router { return nil },
				}}
			},
			want: "needs *module_test.Conn, but no module provides it; module_test.TestProvideOptionErrors.func5.1 (options_test.go:178) in module \"app\" " +
				"provides it named \"primary\" (module.Name); ask for it with a `name:\"primary\"` tag in a dig.In struct",
			check: func(t *testing.T, err error) {
				if e := errorAs[*module.MissingProviderError](t, err); e.Type != reflect.TypeFor[*Conn]() || e.Name != "" {
					t.Errorf("fields = %+v", *e)
				}
			},
		},
		{
			name: "the concrete type of a provider that As makes an interface",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{
					module.Provide(newMemStore, module.As[Store]()),
					func(*memStore) *Logger { return nil },
				}}
			},
			want:  `needs *module_test.memStore, but no module provides it; module_test.newMemStore (fixtures_test.go:75) in module "app" returns it, but module.As provides it as module_test.Store only; ask for that interface, or drop module.As`,
			check: func(t *testing.T, err error) { errorAs[*module.MissingProviderError](t, err) },
		},
		{
			name: "an exported As provider seen through the interface only",
			root: func() *module.Module {
				return &module.Module{Name: "todo", Imports: []*module.Module{storeModule(false)}, Providers: []any{NewTodoService}}
			},
			want: `needs module_test.Store, which module "store" provides but does not export; add module_test.newMemStore (fixtures_test.go:75) to the Exports of "store"`,
			check: func(t *testing.T, err error) {
				if e := errorAs[*module.NotVisibleError](t, err); e.Type != reflect.TypeFor[Store]() || e.Exported {
					t.Errorf("fields = %+v", *e)
				}
			},
		},
		{
			name: "As of a type that is not an interface",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{module.Provide(newMemStore, module.As[*memStore]())}}
			},
			want:  `module: module "app": Providers[0] module_test.newMemStore (fixtures_test.go:75): module.As[*module_test.memStore](): *module_test.memStore is not an interface`,
			check: func(t *testing.T, err error) { errorAs[*module.DefinitionError](t, err) },
		},
		{
			name: "As of an interface the result does not implement",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{module.Provide(NewLogger, module.As[Store]())}}
			},
			want:  `Providers[0] module_test.NewLogger (fixtures_test.go:22): module.As[module_test.Store](): the result *module_test.Logger does not implement module_test.Store`,
			check: func(t *testing.T, err error) { errorAs[*module.DefinitionError](t, err) },
		},
		{
			name: "Name on a dig.Out result",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{&Config{}, module.Provide(NewInfra, module.Name("infra"))}}
			},
			want:  `Providers[1] module_test.NewInfra (fixtures_test.go:54): module_test.Infra is a dig.Out result, so module.As, module.Name and module.Group do not apply; set name and group tags on its fields instead`,
			check: func(t *testing.T, err error) { errorAs[*module.DefinitionError](t, err) },
		},
		{
			name: "Name with Group",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{module.Provide(NewLogger, module.Name("a"), module.Group("g"))}}
			},
			want:  `module.Name("a") and module.Group("g") are both given`,
			check: func(t *testing.T, err error) { errorAs[*module.DefinitionError](t, err) },
		},
		{
			name: "an empty Name on a Value",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{module.Value(&Config{}, module.Name(""))}}
			},
			want:  `module: module "app": Providers[0] value *module_test.Config: module.Name("") is not a usable name`,
			check: func(t *testing.T, err error) { errorAs[*module.DefinitionError](t, err) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := module.Build(tt.root())
			if err == nil {
				t.Fatal("Build succeeded, want an error")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error lacks %q:\n%v", tt.want, err)
			}
			checkMessage(t, err)
			tt.check(t, err)
		})
	}
}
