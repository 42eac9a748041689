package module_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/godanet/godanet/module"
	"go.uber.org/dig"
)

// storeModule provides Store (as *memStore, via dig.As); exported says
// whether it exports it.
func storeModule(exported bool) *module.Module {
	m := &module.Module{
		Name:      "store",
		Providers: []any{module.Provide(newMemStore, dig.As(new(Store)))},
	}
	if exported {
		m.Exports = []any{newMemStore}
	}
	return m
}

type cycleA struct{}
type cycleB struct{}

func newCycleA(*cycleB) *cycleA { return &cycleA{} }
func newCycleB(*cycleA) *cycleB { return &cycleB{} }

// ValueController is a controller returned by value, which is a mistake.
type ValueController struct{}

func NewValueController() ValueController { return ValueController{} }

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		root func() *module.Module
		want []string
		// check, when set, asserts more on the error.
		check func(t *testing.T, err error)
	}{
		{
			name: "missing provider",
			root: func() *module.Module {
				return &module.Module{Name: "todo", Providers: []any{NewTodoService}}
			},
			want: []string{
				`godanet: module "todo"`,
				"module_test.NewTodoService",
				"needs module_test.Store",
				"no module provides it",
				`add its constructor to the Providers of "todo"`,
			},
		},
		{
			name: "provided but not exported",
			root: func() *module.Module {
				return &module.Module{
					Name:      "todo",
					Imports:   []*module.Module{storeModule(false)},
					Providers: []any{NewTodoService},
				}
			},
			want: []string{
				`godanet: module "todo"`,
				"module_test.NewTodoService",
				"needs module_test.Store",
				`which module "store" provides but does not export`,
				"add module_test.newMemStore",
				`to the Exports of "store"`,
				`import "store" in "todo"`,
			},
		},
		{
			name: "provided and exported but not imported",
			root: func() *module.Module {
				todo := &module.Module{Name: "todo", Providers: []any{NewTodoService}}
				return &module.Module{Name: "app", Imports: []*module.Module{storeModule(true), todo}}
			},
			want: []string{
				`godanet: module "todo"`,
				"module_test.NewTodoService",
				"needs module_test.Store",
				`which module "store" provides and exports`,
				`"todo" does not import "store"`,
				`add "store" to the Imports of "todo"`,
			},
		},
		{
			name: "a named provider not imported",
			root: func() *module.Module {
				primary := module.Provide(func() *Conn { return &Conn{} }, dig.Name("primary"))
				replica := module.Provide(func() *Conn { return &Conn{} }, dig.Name("replica"))
				db := &module.Module{Name: "db", Providers: []any{primary, replica}, Exports: []any{primary, replica}}
				router := &module.Module{Name: "router", Providers: []any{NewRouter}}
				return &module.Module{Name: "app", Imports: []*module.Module{db, router}}
			},
			want: []string{
				`godanet: module "router"`,
				"module_test.NewRouter",
				`needs *module_test.Conn[name="primary"]`,
				`add "db" to the Imports of "router"`,
			},
		},
		{
			name: "the same type provided twice",
			root: func() *module.Module {
				a := &module.Module{Name: "a", Providers: []any{NewDB}}
				b := &module.Module{Name: "b", Providers: []any{NewCheckedDB}}
				return &module.Module{Name: "app", Imports: []*module.Module{a, b}, Providers: []any{&Config{}}}
			},
			want: []string{
				"godanet: *module_test.DB is provided twice",
				`by module_test.NewDB`,
				`in module "a"`,
				`by module_test.NewCheckedDB`,
				`in module "b"`,
				"dig.Name",
			},
		},
		{
			name: "a module import cycle",
			root: func() *module.Module {
				a := &module.Module{Name: "a"}
				b := &module.Module{Name: "b", Imports: []*module.Module{a}}
				c := &module.Module{Name: "c", Imports: []*module.Module{b}}
				a.Imports = []*module.Module{c}
				return &module.Module{Name: "app", Imports: []*module.Module{a}}
			},
			want: []string{
				"godanet: modules import each other in a cycle: a -> c -> b -> a",
				"move what they share into a module both import",
			},
		},
		{
			name: "a dependency cycle between constructors",
			root: func() *module.Module {
				return &module.Module{Name: "cyc", Providers: []any{newCycleA, newCycleB}}
			},
			want: []string{
				`godanet: module "cyc"`,
				"module_test.newCycleB",
				"this function introduces a cycle", // dig's own text, kept whole
				"*module_test.cycleA",
				"*module_test.cycleB",
			},
			check: func(t *testing.T, err error) {
				var de dig.Error
				if !errors.As(err, &de) {
					t.Errorf("errors.As(err, *dig.Error) = false; dig's error is lost")
				}
				if !dig.IsCycleDetected(err) {
					t.Errorf("dig.IsCycleDetected(err) = false")
				}
			},
		},
		{
			name: "a nil import",
			root: func() *module.Module {
				return &module.Module{Name: "app", Imports: []*module.Module{storeModule(true), nil}}
			},
			want: []string{`godanet: module "app": Imports[1] is nil`},
		},
		{
			name: "an empty module name",
			root: func() *module.Module {
				return &module.Module{Name: "app", Imports: []*module.Module{{Providers: []any{NewDB}}}}
			},
			want: []string{"godanet: a module has no Name", "1 providers and 0 controllers", "name every module"},
		},
		{
			name: "two different modules with the same name",
			root: func() *module.Module {
				return &module.Module{Name: "app", Imports: []*module.Module{configModule("a://"), configModule("b://")}}
			},
			want: []string{`godanet: two different modules are both named "config"`, "give each module a unique Name"},
		},
		{
			name: "an export that is not one of the providers",
			root: func() *module.Module {
				return &module.Module{Name: "db", Providers: []any{NewDB, &Config{}}, Exports: []any{NewDB, NewLogger}}
			},
			want: []string{
				`godanet: module "db": Exports[1]`,
				"module_test.NewLogger",
				"is not one of its Providers",
			},
		},
		{
			name: "re-exporting a module that is not imported",
			root: func() *module.Module {
				return &module.Module{Name: "core", Exports: []any{storeModule(true)}}
			},
			want: []string{`godanet: module "core": Exports[0] re-exports module "store", which it does not import`, "add it to Imports"},
		},
		{
			name: "a constructor that returns nothing",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{NewLogger, func(*Logger) {}}}
			},
			want: []string{`godanet: module "app": Providers[1]`, "module_test.TestBuildErrors", "returns no value"},
		},
		{
			name: "a controller that is not a pointer to struct",
			root: func() *module.Module {
				return &module.Module{Name: "web", Controllers: []any{NewValueController}}
			},
			want: []string{
				`godanet: module "web": Controllers[0]`,
				"module_test.NewValueController",
				"a controller must be a pointer to a struct, got module_test.ValueController",
				"return &module_test.ValueController{...}",
			},
		},
		{
			name: "a controller with dig.Out",
			root: func() *module.Module {
				return &module.Module{Name: "web", Providers: []any{&Config{}}, Controllers: []any{NewInfra}}
			},
			want: []string{`godanet: module "web": Controllers[0]`, "module_test.NewInfra", "returns one controller"},
		},
		{
			name: "a nil provider",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{NewDB, nil}}
			},
			want: []string{`godanet: module "app": Providers[1]`, "the entry is nil"},
		},
		{
			name: "a nil constructor",
			root: func() *module.Module {
				var newDB func(*Config) *DB // declared, never assigned
				return &module.Module{Name: "app", Providers: []any{&Config{}, newDB}}
			},
			want: []string{`godanet: module "app": Providers[1]: the constructor is a nil func(*module_test.Config) *module_test.DB`},
		},
		{
			name: "Provide of something that is not a function",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{module.Provide(&Config{})}}
			},
			want: []string{`godanet: module "app": Providers[0]`, "*module_test.Config", "module.Value"},
		},
		{
			name: "a nil dig option",
			root: func() *module.Module {
				return &module.Module{Name: "app", Providers: []any{&Config{}, module.Provide(NewDB, nil)}}
			},
			want: []string{`godanet: module "app": Providers[1]`, "module_test.NewDB", "option 1 is nil", "dig.As"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := module.Build(tt.root())
			if err == nil {
				t.Fatalf("Build succeeded (graph %v), want an error", g)
			}
			t.Log(err)
			if g != nil {
				t.Errorf("Build returned a graph with an error")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestBuildNilRoot(t *testing.T) {
	_, err := module.Build(nil)
	if err == nil || !strings.Contains(err.Error(), "godanet: the root module is nil") {
		t.Errorf("Build(nil) error = %v, want one saying the root module is nil", err)
	}
}

// TestBuildOptionalNotProvided checks that an optional dependency nobody
// provides is left at its zero value rather than reported.
func TestBuildOptionalNotProvided(t *testing.T) {
	var got RepoParams
	g, err := module.Build(&module.Module{
		Name: "app",
		Providers: []any{NewDB, NewLogger, &Config{}, func(p RepoParams) *Repo {
			got = p
			return &Repo{DB: p.DB}
		}},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got.Cache != nil || got.DB == nil || got.DB != mustResolve[*DB](t, g) {
		t.Errorf("RepoParams = %+v, want Cache nil and the graph's DB", got)
	}
}
