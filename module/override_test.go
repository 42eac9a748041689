package module_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/godanet/godanet/module"
	"go.uber.org/dig"
)

// fakeStore is a test double for Store.
type fakeStore struct{}

func (fakeStore) Get(int) string { return "fake" }

// todoApp is a small application for overriding: "config" (global) gives
// *Config, "db" builds *DB from it, "store" exports Store via module.As, and
// "todo" imports both and has a controller. built counts the original
// constructors that ran.
func todoApp(built map[string]int) *module.Module {
	cfg := &Config{DSN: "pg://real"}
	config := &module.Module{Name: "config", Providers: []any{cfg}, Exports: []any{cfg}, Global: true}
	newDB := func(c *Config) *DB { built["db"]++; return &DB{Cfg: c} }
	db := &module.Module{Name: "db", Providers: []any{newDB}, Exports: []any{newDB}}
	newStore := func() *memStore { built["store"]++; return newMemStore() }
	store := &module.Module{
		Name:      "store",
		Providers: []any{module.Provide(newStore, module.As[Store]())},
		Exports:   []any{newStore},
	}
	return &module.Module{
		Name:        "todo",
		Imports:     []*module.Module{config, db, store},
		Providers:   []any{NewTodoService, NewRepo, NewLogger},
		Controllers: []any{NewTodoController},
	}
}

func TestOverride(t *testing.T) {
	fakeCfg := &Config{DSN: "test://"}
	fake := &fakeStore{}
	tests := []struct {
		name     string
		override module.Option
		check    func(t *testing.T, g *module.Graph, built map[string]int)
	}{
		{
			name:     "with a value",
			override: module.Override(reflect.TypeFor[*Config](), fakeCfg),
			check: func(t *testing.T, g *module.Graph, _ map[string]int) {
				if got := mustResolve[*Config](t, g); got != fakeCfg {
					t.Errorf("Resolve[*Config] = %+v, want the override", got)
				}
				if got := mustResolve[*Repo](t, g).DB.Cfg; got != fakeCfg {
					t.Errorf("the DB (another module) got Config %+v, want the override", got)
				}
			},
		},
		{
			name: "with a constructor",
			override: module.Override(reflect.TypeFor[*DB](), func(c *Config) *DB {
				return &DB{Cfg: &Config{DSN: "fake+" + c.DSN}}
			}),
			check: func(t *testing.T, g *module.Graph, built map[string]int) {
				if got := mustResolve[*Repo](t, g).DB.Cfg.DSN; got != "fake+pg://real" {
					t.Errorf("Repo.DB.Cfg.DSN = %q, want the override's %q", got, "fake+pg://real")
				}
				if built["db"] != 0 {
					t.Errorf("the original DB constructor ran %d times, want 0", built["db"])
				}
			},
		},
		{
			name:     "with a fake value for an interface provided via module.As",
			override: module.Override(reflect.TypeFor[Store](), fake),
			check: func(t *testing.T, g *module.Graph, built map[string]int) {
				svc := mustResolve[*TodoService](t, g)
				if svc.Store != Store(fake) {
					t.Errorf("TodoService.Store = %#v, want the fake", svc.Store)
				}
				if built["store"] != 0 {
					t.Errorf("the original store constructor ran %d times, want 0", built["store"])
				}
				c := g.Controllers()[0].Value.(*TodoController)
				if got := c.Todos.Store.Get(1); got != "fake" {
					t.Errorf("controller's store Get(1) = %q, want %q", got, "fake")
				}
			},
		},
		{
			name:     "with a fake constructor for an interface provided via module.As",
			override: module.Override(reflect.TypeFor[Store](), func() (*fakeStore, error) { return fake, nil }),
			check: func(t *testing.T, g *module.Graph, built map[string]int) {
				if got := mustResolve[*TodoService](t, g).Store; got != Store(fake) {
					t.Errorf("TodoService.Store = %#v, want the fake", got)
				}
				if _, err := module.Resolve[*fakeStore](g); err == nil {
					t.Errorf("Resolve[*fakeStore] succeeded; the fake should be provided as Store only")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			built := map[string]int{}
			g, err := module.Build(todoApp(built), tt.override)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			tt.check(t, g, built)
		})
	}
}

// TestOverrideKeepsName checks that overriding a named provider keeps its
// module.Name, so dependents asking for the name get the override.
func TestOverrideKeepsName(t *testing.T) {
	type primaryConn struct {
		dig.In
		Conn *Conn `name:"primary"`
	}
	var got *Conn
	app := &module.Module{
		Name: "app",
		Providers: []any{
			module.Provide(func() *Conn { return &Conn{Role: "real"} }, module.Name("primary")),
			func(p primaryConn) *Router { got = p.Conn; return &Router{Primary: p.Conn} },
		},
	}
	fake := &Conn{Role: "fake"}
	if _, err := module.Build(app, module.Override(reflect.TypeFor[*Conn](), fake)); err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got != fake {
		t.Errorf("primary conn = %+v, want the override", got)
	}
}

func TestOverrideErrors(t *testing.T) {
	errFake := errors.New("fake failed")
	tests := []struct {
		name     string
		override module.Option
		// infra is what module "infra" provides and exports.
		infra []any
		want  []string
		is    error
		typ   reflect.Type // the overridden type, for an OverrideError
	}{
		{
			name:     "a type nobody provides",
			override: module.Override(reflect.TypeFor[*Cache](), &Cache{}),
			infra:    []any{NewLogger},
			typ:      reflect.TypeFor[*Cache](),
			want:     []string{"module: override *module_test.Cache", "no module provides *module_test.Cache", "nothing to override"},
		},
		{
			name:     "a pointer where the value type is provided",
			override: module.Override(reflect.TypeFor[Config](), Config{}),
			infra:    []any{NewDB},
			typ:      reflect.TypeFor[Config](),
			want:     []string{"module: override module_test.Config", "nothing to override", "a pointer or not?"},
		},
		{
			name:     "a replacement of the wrong type",
			override: module.Override(reflect.TypeFor[*DB](), &Logger{}),
			infra:    []any{NewDB},
			typ:      reflect.TypeFor[*DB](),
			want:     []string{"module: override *module_test.DB", "the replacement *module_test.Logger is neither a *module_test.DB nor a constructor returning one"},
		},
		{
			name:     "a nil replacement",
			override: module.Override(reflect.TypeFor[*DB](), nil),
			infra:    []any{NewDB},
			typ:      reflect.TypeFor[*DB](),
			want:     []string{"module: override *module_test.DB", "the replacement is nil"},
		},
		{
			name:     "a type provided through a dig.Out struct",
			override: module.Override(reflect.TypeFor[*DB](), &DB{}),
			infra:    []any{NewInfra},
			typ:      reflect.TypeFor[*DB](),
			want:     []string{"module: override *module_test.DB", `module "infra" provides it through module_test.NewInfra`, "provides 2 types"},
		},
		{
			name:     "a replacement constructor that fails",
			override: module.Override(reflect.TypeFor[*Logger](), func() (*Logger, error) { return nil, errFake }),
			infra:    []any{NewLogger},
			want:     []string{`module "infra"`, "overriding module_test.NewLogger", "fake failed"},
			is:       errFake,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			infra := &module.Module{Name: "infra", Providers: tt.infra, Exports: tt.infra}
			app := &module.Module{
				Name:      "app",
				Imports:   []*module.Module{infra},
				Providers: []any{&Config{}},
			}
			g, err := module.Build(app, tt.override)
			if err == nil {
				t.Fatalf("Build succeeded (graph %v), want an error", g)
			}
			t.Log(err)
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
			checkMessage(t, err)
			if tt.is != nil {
				if !errors.Is(err, tt.is) {
					t.Errorf("errors.Is(err, %v) = false", tt.is)
				}
				if e := errorAs[*module.ConstructorError](t, err); e.Module != "infra" || !strings.Contains(e.Provider, "overriding module_test.NewLogger") {
					t.Errorf("fields = {Module: %q, Provider: %q}", e.Module, e.Provider)
				}
				return
			}
			e := errorAs[*module.OverrideError](t, err)
			if e.Type != tt.typ {
				t.Errorf("OverrideError.Type = %v, want %v", e.Type, tt.typ)
			}
		})
	}
}
