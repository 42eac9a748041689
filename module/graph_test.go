package module_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/godanet/godanet/module"
	"go.uber.org/dig"
)

// mustResolve resolves T from g or fails the test.
func mustResolve[T any](t *testing.T, g *module.Graph) T {
	t.Helper()
	v, err := module.Resolve[T](g)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return v
}

// configModule is a dynamic module, NestJS's forRoot pattern: a function
// that returns a configured *Module.
func configModule(dsn string) *module.Module {
	cfg := &Config{DSN: dsn}
	return &module.Module{
		Name:      "config",
		Providers: []any{cfg},
		Exports:   []any{cfg},
		Global:    true,
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		root  func() *module.Module
		check func(t *testing.T, g *module.Graph)
	}{
		{
			name: "constructors with several parameters",
			root: func() *module.Module {
				return &module.Module{
					Name:      "app",
					Providers: []any{NewRepo, NewDB, NewLogger, &Config{DSN: "mem://"}},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				repo := mustResolve[*Repo](t, g)
				if repo.DB == nil || repo.DB.Cfg == nil || repo.DB.Cfg.DSN != "mem://" {
					t.Errorf("repo.DB = %+v, want a DB built from the Config instance", repo.DB)
				}
				if repo.Log == nil || repo.Log.Prefix != "log" {
					t.Errorf("repo.Log = %+v, want the Logger from NewLogger", repo.Log)
				}
				if db := mustResolve[*DB](t, g); db != repo.DB {
					t.Errorf("Resolve[*DB] = %p, repo.DB = %p; want one shared instance", db, repo.DB)
				}
			},
		},
		{
			name: "dig.In and dig.Out structs",
			root: func() *module.Module {
				return &module.Module{
					Name:      "app",
					Providers: []any{NewRepoFromParams, NewInfra, &Config{DSN: "pg://infra"}},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				repo := mustResolve[*Repo](t, g)
				if repo.Log == nil || repo.Log.Prefix != "infra" {
					t.Errorf("repo.Log = %+v, want the Logger from the dig.Out struct", repo.Log)
				}
				if repo.DB == nil || repo.DB.Cfg.DSN != "pg://infra" {
					t.Errorf("repo.DB = %+v, want the DB from the dig.Out struct", repo.DB)
				}
			},
		},
		{
			name: "constructor returning (T, nil error)",
			root: func() *module.Module {
				return &module.Module{
					Name:      "app",
					Providers: []any{NewCheckedDB, &Config{DSN: "ok://"}},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				if db := mustResolve[*DB](t, g); db.Cfg.DSN != "ok://" {
					t.Errorf("DB.Cfg.DSN = %q, want %q", db.Cfg.DSN, "ok://")
				}
			},
		},
		{
			name: "instance providers: a plain value and module.Value of a func",
			root: func() *module.Module {
				greet := Greeter(func(name string) string { return "hello, " + name })
				return &module.Module{
					Name: "app",
					Providers: []any{
						&Config{DSN: "value://"},
						module.Value(greet),
						NewWelcome,
						NewDB,
					},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				if got := mustResolve[*Welcome](t, g).Greet("ada"); got != "hello, ada" {
					t.Errorf("Welcome.Greet(ada) = %q, want %q", got, "hello, ada")
				}
				if got := mustResolve[*DB](t, g).Cfg.DSN; got != "value://" {
					t.Errorf("DB.Cfg.DSN = %q, want the instance's %q", got, "value://")
				}
			},
		},
		{
			name: "module.As binds an implementation to an interface",
			root: func() *module.Module {
				store := &module.Module{
					Name:      "store",
					Providers: []any{module.Provide(newMemStore, module.As[Store]())},
					Exports:   []any{newMemStore}, // the bare constructor names the Provider
				}
				return &module.Module{
					Name:      "todo",
					Imports:   []*module.Module{store},
					Providers: []any{NewTodoService},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				svc := mustResolve[*TodoService](t, g)
				if _, ok := svc.Store.(*memStore); !ok {
					t.Fatalf("TodoService.Store is %T, want *memStore", svc.Store)
				}
				if got := svc.Store.Get(1); got != "milk" {
					t.Errorf("Store.Get(1) = %q, want %q", got, "milk")
				}
			},
		},
		{
			name: "module.Name consumed through a name tag, across modules",
			root: func() *module.Module {
				primary := module.Provide(func() *Conn { return &Conn{Role: "primary"} }, module.Name("primary"))
				replica := module.Provide(func() *Conn { return &Conn{Role: "replica"} }, module.Name("replica"))
				db := &module.Module{
					Name:      "db",
					Providers: []any{primary, replica},
					Exports:   []any{primary, replica}, // the Provider values themselves
				}
				return &module.Module{
					Name:      "app",
					Imports:   []*module.Module{db},
					Providers: []any{NewRouter},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				r := mustResolve[*Router](t, g)
				if r.Primary == nil || r.Primary.Role != "primary" {
					t.Errorf("Router.Primary = %+v, want role primary", r.Primary)
				}
				if r.Replica == nil || r.Replica.Role != "replica" {
					t.Errorf("Router.Replica = %+v, want role replica", r.Replica)
				}
			},
		},
		{
			name: "module.Group consumed through a group tag, members from several modules",
			root: func() *module.Module {
				asCheck := func(name string) module.Provider {
					return module.Provide(func() namedCheck { return namedCheck(name) },
						module.Group("checks"), module.As[Checker]())
				}
				db := &module.Module{Name: "db", Providers: []any{asCheck("db")}}
				cache := &module.Module{Name: "cache", Providers: []any{asCheck("cache")}}
				return &module.Module{
					Name:      "health",
					Imports:   []*module.Module{db, cache},
					Providers: []any{NewHealth, asCheck("self")},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				var names []string
				for _, c := range mustResolve[*Health](t, g).Checks {
					names = append(names, c.Name())
				}
				slices.Sort(names) // dig does not order a value group
				if want := []string{"cache", "db", "self"}; !slices.Equal(names, want) {
					t.Errorf("group checks = %v, want %v", names, want)
				}
			},
		},
		{
			name: "a Global module's exports are visible without an import",
			root: func() *module.Module {
				cfg := &Config{DSN: "global://"}
				config := &module.Module{Name: "config", Providers: []any{cfg}, Exports: []any{cfg}, Global: true}
				// "db" needs *Config and does not import "config".
				db := &module.Module{Name: "db", Providers: []any{NewDB}, Exports: []any{NewDB}}
				return &module.Module{
					Name:    "app",
					Imports: []*module.Module{db, config},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				if got := mustResolve[*DB](t, g).Cfg.DSN; got != "global://" {
					t.Errorf("DB.Cfg.DSN = %q, want %q", got, "global://")
				}
			},
		},
		{
			name: "re-exporting an imported module",
			root: func() *module.Module {
				cfg := &Config{DSN: "reexport://"}
				db := &module.Module{Name: "db", Providers: []any{NewDB, cfg}, Exports: []any{NewDB}}
				core := &module.Module{
					Name:    "core",
					Imports: []*module.Module{db},
					Exports: []any{db},
				}
				// "app" imports only "core", and sees *DB through it.
				return &module.Module{
					Name:      "app",
					Imports:   []*module.Module{core},
					Providers: []any{NewRepo, NewLogger},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				if got := mustResolve[*Repo](t, g).DB.Cfg.DSN; got != "reexport://" {
					t.Errorf("Repo.DB.Cfg.DSN = %q, want %q", got, "reexport://")
				}
			},
		},
		{
			name: "a dynamic module built by a function (forRoot)",
			root: func() *module.Module {
				return &module.Module{
					Name:      "app",
					Imports:   []*module.Module{configModule("dyn://one")},
					Providers: []any{NewDB},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				if got := mustResolve[*DB](t, g).Cfg.DSN; got != "dyn://one" {
					t.Errorf("DB.Cfg.DSN = %q, want the forRoot argument %q", got, "dyn://one")
				}
			},
		},
		{
			name: "controllers get their module's providers",
			root: func() *module.Module {
				store := &module.Module{
					Name:      "store",
					Providers: []any{module.Provide(newMemStore, module.As[Store]())},
					Exports:   []any{newMemStore},
				}
				return &module.Module{
					Name:        "todo",
					Imports:     []*module.Module{store},
					Providers:   []any{NewTodoService},
					Controllers: []any{NewTodoController},
				}
			},
			check: func(t *testing.T, g *module.Graph) {
				ctrls := g.Controllers()
				if len(ctrls) != 1 {
					t.Fatalf("Controllers() has %d entries, want 1", len(ctrls))
				}
				c, ok := ctrls[0].Value.(*TodoController)
				if !ok {
					t.Fatalf("controller is %T, want *TodoController", ctrls[0].Value)
				}
				if c.Todos != mustResolve[*TodoService](t, g) {
					t.Errorf("controller.Todos is not the graph's *TodoService")
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

// newFailingController is a controller constructor that fails.
func newFailingController(*Logger) (*RepoController, error) { return nil, errDown }

// TestBuildConstructorError checks that a constructor's error stops Build
// as a *ConstructorError that names the module and the constructor that
// failed (not the one being built when it failed), says the error once,
// and keeps it reachable with errors.Is and dig.RootCause.
func TestBuildConstructorError(t *testing.T) {
	tests := []struct {
		name     string
		root     *module.Module
		module   string
		provider string
		cause    string // what dig.RootCause says
	}{
		{
			name: "the failing constructor is built directly",
			root: &module.Module{
				Name:      "db",
				Providers: []any{NewFailingDB, &Config{DSN: "pg://down"}},
			},
			module:   "db",
			provider: "module_test.NewFailingDB (fixtures_test.go:61)",
			cause:    "dial pg://down: database is down",
		},
		{
			name: "the failing constructor is a dependency in an imported module",
			root: &module.Module{
				Name: "app",
				Imports: []*module.Module{{
					Name:      "db",
					Providers: []any{NewFailingDB, &Config{DSN: "pg://down"}},
					Exports:   []any{NewFailingDB},
				}},
				Providers: []any{NewRepo, NewLogger},
			},
			// Imports are built first, so the error points at "db".
			module:   "db",
			provider: "module_test.NewFailingDB",
			cause:    "dial pg://down: database is down",
		},
		{
			name: "the failing constructor is a dependency declared after its dependent",
			root: &module.Module{
				Name:      "app",
				Providers: []any{NewRepo, NewLogger, NewFailingDB, &Config{DSN: "pg://later"}},
			},
			// NewRepo is built first and fails because NewFailingDB does.
			module:   "app",
			provider: "module_test.NewFailingDB",
			cause:    "dial pg://later: database is down",
		},
		{
			name:     "a controller constructor",
			root:     &module.Module{Name: "web", Providers: []any{NewLogger}, Controllers: []any{newFailingController}},
			module:   "web",
			provider: "module_test.newFailingController",
			cause:    "database is down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := module.Build(tt.root)
			if err == nil {
				t.Fatalf("Build succeeded (graph %v), want the constructor's error", g)
			}
			t.Log(err)
			if g != nil {
				t.Errorf("Build returned a graph with an error")
			}
			checkMessage(t, err)
			if !errors.Is(err, errDown) {
				t.Errorf("errors.Is(err, errDown) = false; err = %v", err)
			}
			if got := dig.RootCause(err); got.Error() != tt.cause || !errors.Is(got, errDown) {
				t.Errorf("dig.RootCause(err) = %v, want the constructor's own error %q", got, tt.cause)
			}
			e := errorAs[*module.ConstructorError](t, err)
			if e.Module != tt.module || !strings.Contains(e.Provider, tt.provider) {
				t.Errorf("fields = {Module: %q, Provider: %q}, want %q and %q", e.Module, e.Provider, tt.module, tt.provider)
			}
			want := fmt.Sprintf("module: module %q: %s failed: %s", e.Module, e.Provider, tt.cause)
			if err.Error() != want {
				t.Errorf("message = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestBuildExportForms checks the ways an Exports entry can name a
// provider: the bare constructor, the Provider value, a value instance.
func TestBuildExportForms(t *testing.T) {
	cfg := &Config{DSN: "forms://"}
	provided := module.Provide(newMemStore, module.As[Store]())
	tests := []struct {
		name      string
		providers []any
		exports   []any
	}{
		{"bare constructor for a Provide entry", []any{provided, cfg}, []any{newMemStore, cfg}},
		{"the Provider value itself", []any{provided, cfg}, []any{provided, cfg}},
		{"module.Value of an instance", []any{provided, module.Value(cfg)}, []any{provided, cfg}},
		{"bare instance exported as module.Value", []any{provided, cfg}, []any{provided, module.Value(cfg)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib := &module.Module{Name: "lib", Providers: tt.providers, Exports: tt.exports}
			app := &module.Module{
				Name:      "app",
				Imports:   []*module.Module{lib},
				Providers: []any{NewTodoService, NewDB},
			}
			g, err := module.Build(app)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := mustResolve[*DB](t, g).Cfg; got != cfg {
				t.Errorf("DB.Cfg = %p, want the exported instance %p", got, cfg)
			}
			if _, ok := mustResolve[*TodoService](t, g).Store.(*memStore); !ok {
				t.Errorf("TodoService.Store is not the exported *memStore")
			}
		})
	}
}

// TestBuildSharedImport checks that a module imported by two modules is
// built once and both importers get the same instance.
func TestBuildSharedImport(t *testing.T) {
	db := &module.Module{Name: "db", Providers: []any{NewDB, &Config{}}, Exports: []any{NewDB}}
	users := &module.Module{Name: "users", Imports: []*module.Module{db}, Providers: []any{NewRepo, NewLogger}, Exports: []any{NewRepo}}
	orders := &module.Module{Name: "orders", Imports: []*module.Module{db}, Controllers: []any{func(d *DB) *RepoController { return &RepoController{Repo: &Repo{DB: d}} }}}
	g, err := module.Build(&module.Module{Name: "app", Imports: []*module.Module{users, orders}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ctrls := g.Controllers()
	if len(ctrls) != 1 {
		t.Fatalf("Controllers() has %d entries, want 1", len(ctrls))
	}
	if got, want := ctrls[0].Value.(*RepoController).Repo.DB, mustResolve[*Repo](t, g).DB; got != want {
		t.Errorf("orders got *DB %p, users got %p; want one instance", got, want)
	}
}

// Settings cannot be compared with ==: it holds a slice.
type Settings struct{ Tags []string }

// TestBuildExportNotComparableValue checks that an instance provider whose
// type cannot be compared with == can still be exported.
func TestBuildExportNotComparableValue(t *testing.T) {
	s := Settings{Tags: []string{"a", "b"}}
	tests := []struct {
		name     string
		provider any
		export   any
	}{
		{"bare value", s, s},
		{"module.Value", module.Value(s), module.Value(s)},
		{"bare value exported as module.Value", s, module.Value(s)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Settings
			lib := &module.Module{Name: "lib", Providers: []any{tt.provider}, Exports: []any{tt.export}}
			app := &module.Module{
				Name:      "app",
				Imports:   []*module.Module{lib},
				Providers: []any{func(s Settings) *Logger { got = s; return &Logger{} }},
			}
			if _, err := module.Build(app); err != nil {
				t.Fatalf("Build: %v", err)
			}
			if !slices.Equal(got.Tags, s.Tags) {
				t.Errorf("injected Settings %v, want %v", got, s)
			}
		})
	}
}
