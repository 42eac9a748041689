package module_test

import (
	"strings"
	"testing"

	"github.com/godanet/godanet/module"
)

// dsnConfig configures the dynamic "config" module. Each Module call makes
// a new *Config, so two builds are two different instances.
type dsnConfig struct{ DSN string }

func (c dsnConfig) Module() *module.Module {
	cfg := &Config{DSN: c.DSN}
	return &module.Module{Name: "config", Providers: []any{cfg}, Exports: []any{cfg}}
}

// otherConfig builds a module of the same name from another type.
type otherConfig struct{ DSN string }

func (c otherConfig) Module() *module.Module { return dsnConfig(c).Module() }

// anyConfig lets a configuration that == cannot compare reach Dynamic.
type anyConfig interface{ Module() *module.Module }

type tagsConfig struct{ Tags []string }

func (c tagsConfig) Module() *module.Module {
	return dsnConfig{DSN: strings.Join(c.Tags, ",")}.Module()
}

// usersAndOrders imports the config module into two modules, as NestJS
// apps import ConfigModule.forRoot in several feature modules.
func usersAndOrders(usersConfig, ordersConfig *module.Module) *module.Module {
	users := &module.Module{Name: "users", Imports: []*module.Module{usersConfig}, Providers: []any{NewDB}, Exports: []any{NewDB}}
	orders := &module.Module{Name: "orders", Imports: []*module.Module{ordersConfig},
		Providers: []any{func(c *Config) *Logger { return &Logger{Prefix: c.DSN} }}, Exports: []any{}}
	return &module.Module{Name: "app", Imports: []*module.Module{users, orders}}
}

func TestDynamicImportedTwice(t *testing.T) {
	g, err := module.Build(usersAndOrders(module.Dynamic(dsnConfig{"pg://one"}), module.Dynamic(dsnConfig{"pg://one"})))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	cfg := mustResolve[*Config](t, g)
	if got := mustResolve[*DB](t, g).Cfg; got != cfg {
		t.Errorf("users got *Config %p, want the one instance %p", got, cfg)
	}
	if got := mustResolve[*Logger](t, g).Prefix; got != "pg://one" {
		t.Errorf("orders got DSN %q, want %q", got, "pg://one")
	}
	configs := 0
	for _, inst := range g.Instances() {
		if inst.Module == "config" {
			configs++
		}
	}
	if configs != 1 {
		t.Errorf("module config built %d instances, want 1 (one module)", configs)
	}
}

// TestDynamicReExported checks that a module may re-export a dynamic
// module by another result of Dynamic for an equal configuration.
func TestDynamicReExported(t *testing.T) {
	shared := &module.Module{
		Name:    "shared",
		Imports: []*module.Module{module.Dynamic(dsnConfig{"pg://re"})},
		Exports: []any{module.Dynamic(dsnConfig{"pg://re"})},
	}
	g, err := module.Build(&module.Module{Name: "app", Imports: []*module.Module{shared}, Providers: []any{NewDB}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := mustResolve[*DB](t, g).Cfg.DSN; got != "pg://re" {
		t.Errorf("DB.Cfg.DSN = %q, want %q", got, "pg://re")
	}
}

func TestDynamicErrors(t *testing.T) {
	changed := module.Dynamic(dsnConfig{"pg://one"})
	changed.Global = true
	tests := []struct {
		name   string
		users  *module.Module
		orders *module.Module
		want   string
	}{
		{
			name:   "differently configured",
			users:  module.Dynamic(dsnConfig{"pg://one"}),
			orders: module.Dynamic(dsnConfig{"pg://two"}),
			want:   "module.Dynamic built them from module_test.dsnConfig configurations that differ, so they are not one module",
		},
		{
			name:   "configurations of two types",
			users:  module.Dynamic(dsnConfig{"pg://one"}),
			orders: module.Dynamic(otherConfig{"pg://one"}),
			want:   "module.Dynamic built them from a module_test.dsnConfig and a module_test.otherConfig",
		},
		{
			name:   "one built without Dynamic",
			users:  module.Dynamic(dsnConfig{"pg://one"}),
			orders: dsnConfig{"pg://one"}.Module(),
			want:   "to share one module, import the same *Module value, or build both with module.Dynamic from equal configurations",
		},
		{
			name:   "a configuration == cannot compare",
			users:  module.Dynamic[anyConfig](tagsConfig{[]string{"a"}}),
			orders: module.Dynamic[anyConfig](tagsConfig{[]string{"a"}}),
			want:   "module.Dynamic built them from module_test.tagsConfig configurations, which == cannot compare; make the configuration a comparable type",
		},
		{
			name:   "changed after Dynamic built it",
			users:  module.Dynamic(dsnConfig{"pg://one"}),
			orders: changed,
			want:   "module.Dynamic built them from equal configurations, but one was changed afterwards",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := module.Build(usersAndOrders(tt.users, tt.orders))
			if err == nil {
				t.Fatal("Build succeeded; two different modules named config must not be merged")
			}
			t.Log(err)
			checkMessage(t, err)
			for _, want := range []string{
				`module: module "config": two different modules have this Name, one imported by "users" (Imports[0]) and the other by "orders" (Imports[0])`,
				tt.want,
				"if they are two modules, give each its own Name",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if e := errorAs[*module.DefinitionError](t, err); e.Module != "config" {
				t.Errorf("DefinitionError.Module = %q, want %q", e.Module, "config")
			}
		})
	}
}

// TestDynamicCycle checks that a dynamic module that imports, through
// another module, a module equal to itself is an import cycle.
func TestDynamicCycle(t *testing.T) {
	middle := &module.Module{Name: "middle"}
	loop := loopConfig{middle: middle}
	outer := module.Dynamic(loop)
	middle.Imports = []*module.Module{module.Dynamic(loop)}
	_, err := module.Build(&module.Module{Name: "app", Imports: []*module.Module{outer}})
	if err == nil || !strings.Contains(err.Error(), `module: module "middle": Imports[0]: modules import each other in a cycle: loop -> middle -> loop`) {
		t.Fatalf("Build error = %v, want an import cycle", err)
	}
	checkMessage(t, err)
}

// loopConfig builds a module "loop" that imports middle.
type loopConfig struct{ middle *module.Module }

func (c loopConfig) Module() *module.Module {
	return &module.Module{Name: "loop", Imports: []*module.Module{c.middle}}
}
