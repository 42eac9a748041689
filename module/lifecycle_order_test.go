package module_test

import (
	"strings"
	"testing"

	"github.com/godanet/godanet/module"
)

// orderApp spreads a dependency chain over three modules, and lists the
// providers of "app" dependents first, so that declaration order and
// construction order differ.
//
//	config: *Config
//	db:     *DB <- *Config
//	app:    *Repo <- *DB, *Logger;  *Logger;  controller *RepoController <- *Repo
func orderApp() *module.Module {
	config := configModule("order://")
	db := &module.Module{
		Name:      "db",
		Imports:   []*module.Module{config},
		Providers: []any{NewDB},
		Exports:   []any{NewDB},
	}
	return &module.Module{
		Name:        "app",
		Imports:     []*module.Module{db, config},
		Controllers: []any{NewRepoController},
		Providers:   []any{NewRepo, NewLogger},
	}
}

func TestInstancesOrder(t *testing.T) {
	g, err := module.Build(orderApp())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	instances := g.Instances()
	index := map[any]int{}
	for i, inst := range instances {
		if _, dup := index[inst.Value]; dup {
			t.Errorf("Instances()[%d] (%T from %s) is listed twice", i, inst.Value, inst.Provider)
		}
		index[inst.Value] = i
	}

	cfg := mustResolve[*Config](t, g)
	db := mustResolve[*DB](t, g)
	repo := mustResolve[*Repo](t, g)
	log := mustResolve[*Logger](t, g)
	ctrl := g.Controllers()[0].Value

	want := []struct {
		value  any
		module string
		label  string // part of Instance.Provider
	}{
		{cfg, "config", "value *module_test.Config"},
		{db, "db", "module_test.NewDB"},
		{log, "app", "module_test.NewLogger"},
		{repo, "app", "module_test.NewRepo"},
		{ctrl, "app", "module_test.NewRepoController"},
	}
	if len(instances) != len(want) {
		t.Errorf("Instances() has %d values, want %d: %+v", len(instances), len(want), instances)
	}
	for _, w := range want {
		i, ok := index[w.value]
		if !ok {
			t.Errorf("Instances() lacks %T", w.value)
			continue
		}
		if got := instances[i]; got.Module != w.module || !strings.Contains(got.Provider, w.label) {
			t.Errorf("Instances()[%d] = {Module: %q, Provider: %q}, want module %q and provider %q", i, got.Module, got.Provider, w.module, w.label)
		}
	}

	// Every dependency comes before its dependent.
	deps := []struct {
		what          string
		before, after any
	}{
		{"*Config before *DB (across modules)", cfg, db},
		{"*DB before *Repo (across modules)", db, repo},
		{"*Logger before *Repo (declared after it)", log, repo},
		{"*Repo before its controller", repo, ctrl},
	}
	for _, d := range deps {
		if index[d.before] >= index[d.after] {
			t.Errorf("want %s; got positions %d and %d in %+v", d.what, index[d.before], index[d.after], instances)
		}
	}
}

// TestInstancesDigOut checks that each field of a dig.Out result is an
// instance of its own, recorded once.
func TestInstancesDigOut(t *testing.T) {
	g, err := module.Build(&module.Module{
		Name:      "app",
		Providers: []any{NewRepo, NewInfra, &Config{}},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var types []string
	for _, inst := range g.Instances() {
		switch inst.Value.(type) {
		case *Config:
			types = append(types, "Config")
		case *DB:
			types = append(types, "DB")
		case *Logger:
			types = append(types, "Logger")
		case *Repo:
			types = append(types, "Repo")
		default:
			t.Errorf("unexpected instance %T", inst.Value)
		}
	}
	// NewInfra's two fields are recorded together, in field order.
	if got, want := strings.Join(types, ","), "Config,DB,Logger,Repo"; got != want {
		t.Errorf("instance types in order = %s, want %s", got, want)
	}
}

// TestInstancesGroup checks that every member of a value group is recorded
// once, before the value that consumes the group.
func TestInstancesGroup(t *testing.T) {
	check := func(name string) module.Provider {
		return module.Provide(func() namedCheck { return namedCheck(name) }, module.Group("checks"), module.As[Checker]())
	}
	g, err := module.Build(&module.Module{
		Name:      "health",
		Providers: []any{NewHealth, check("a"), check("b")},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var members, health int
	for _, inst := range g.Instances() {
		switch inst.Value.(type) {
		case namedCheck:
			if health > 0 {
				t.Errorf("group member %v recorded after the Health that consumes it", inst.Value)
			}
			members++
		case *Health:
			health++
		}
	}
	if members != 2 || health != 1 {
		t.Errorf("recorded %d group members and %d Health, want 2 and 1", members, health)
	}
}

func TestControllers(t *testing.T) {
	store := &module.Module{
		Name:      "store",
		Providers: []any{module.Provide(newMemStore, module.As[Store]())},
		Exports:   []any{newMemStore},
	}
	todo := &module.Module{
		Name:        "todo",
		Imports:     []*module.Module{store},
		Providers:   []any{NewTodoService},
		Controllers: []any{NewTodoController},
	}
	repoCtrl := &RepoController{}
	admin := &module.Module{
		Name:        "admin",
		Controllers: []any{repoCtrl}, // a controller value
	}
	g, err := module.Build(&module.Module{Name: "app", Imports: []*module.Module{todo, admin}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ctrls := g.Controllers()
	want := []struct {
		module, constructor string
	}{
		{"todo", "module_test.NewTodoController"},
		{"admin", "value *module_test.RepoController"},
	}
	if len(ctrls) != len(want) {
		t.Fatalf("Controllers() = %+v, want %d controllers", ctrls, len(want))
	}
	for i, w := range want {
		if ctrls[i].Module != w.module || !strings.Contains(ctrls[i].Provider, w.constructor) {
			t.Errorf("Controllers()[%d] = {Module: %q, Constructor: %q}, want {%q, %q}", i, ctrls[i].Module, ctrls[i].Provider, w.module, w.constructor)
		}
	}
	todoCtrl, ok := ctrls[0].Value.(*TodoController)
	if !ok {
		t.Fatalf("Controllers()[0].Value is %T, want *TodoController", ctrls[0].Value)
	}
	if todoCtrl.Todos == nil || todoCtrl.Todos != mustResolve[*TodoService](t, g) {
		t.Errorf("the todo controller was not given the graph's *TodoService")
	}
	if ctrls[1].Value != repoCtrl {
		t.Errorf("Controllers()[1].Value = %p, want the listed value %p", ctrls[1].Value, repoCtrl)
	}

	// Controllers are provided under a private name: nothing resolves one.
	if _, err := module.Resolve[*TodoController](g); err == nil {
		t.Errorf("Resolve[*TodoController] succeeded; controllers must stay private to the graph")
	}
}
