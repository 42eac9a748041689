package module_test

import (
	"errors"
	"fmt"

	"github.com/godanet/godanet/module"
	"go.uber.org/dig"
)

type Clock struct{ Zone string }

func NewClock() *Clock { return &Clock{Zone: "UTC"} }

type Greeting struct{ Clock *Clock }

func NewGreeting(c *Clock) *Greeting { return &Greeting{Clock: c} }

func (g *Greeting) Hello(name string) string {
	return fmt.Sprintf("hello, %s (%s)", name, g.Clock.Zone)
}

func ExampleBuild() {
	timeModule := &module.Module{
		Name:      "time",
		Providers: []any{NewClock},
		Exports:   []any{NewClock}, // other modules may inject *Clock
	}
	greetModule := &module.Module{
		Name:      "greet",
		Imports:   []*module.Module{timeModule},
		Providers: []any{NewGreeting},
	}

	g, err := module.Build(greetModule)
	if err != nil {
		fmt.Println(err)
		return
	}
	greeting, err := module.Resolve[*Greeting](g)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(greeting.Hello("ada"))
	for _, inst := range g.Instances() {
		fmt.Printf("built %T in module %q\n", inst.Value, inst.Module)
	}
	// Output:
	// hello, ada (UTC)
	// built *module_test.Clock in module "time"
	// built *module_test.Greeting in module "greet"
}

// A module that needs a type another module exports, without importing
// that module, fails at start-up with a message that says how to fix it.
// The error is typed: errors.As gives its fields.
func ExampleNotVisibleError() {
	timeModule := &module.Module{
		Name:      "time",
		Providers: []any{NewClock},
		Exports:   []any{NewClock},
	}
	greetModule := &module.Module{
		Name:      "greet",
		Providers: []any{NewGreeting}, // needs *Clock; "time" is not imported
	}
	app := &module.Module{
		Name:    "app",
		Imports: []*module.Module{timeModule, greetModule},
	}

	_, err := module.Build(app)
	fmt.Println(err)
	var nv *module.NotVisibleError
	if errors.As(err, &nv) {
		fmt.Printf("module %q needs %v from %q (exported: %v)\n", nv.Module, nv.Type, nv.Owner, nv.Exported)
	}
	// Output:
	// module: module "greet": module_test.NewGreeting (example_test.go:17) needs *module_test.Clock, which module "time" provides and exports, but "greet" does not import "time"; add "time" to the Imports of "greet"
	// module "greet" needs *module_test.Clock from "time" (exported: true)
}

// A constructor that fails stops Build with a *ConstructorError, which
// names the constructor and keeps its error reachable.
func ExampleConstructorError() {
	errNoTZ := errors.New("no time zone database")
	timeModule := &module.Module{
		Name:      "time",
		Providers: []any{func() (*Clock, error) { return nil, fmt.Errorf("loading UTC: %w", errNoTZ) }},
	}

	_, err := module.Build(timeModule)
	var ce *module.ConstructorError
	if errors.As(err, &ce) {
		fmt.Printf("module %q: a constructor failed: %v\n", ce.Module, dig.RootCause(err))
	}
	fmt.Println(errors.Is(err, errNoTZ))
	// Output:
	// module "time": a constructor failed: loading UTC: no time zone database
	// true
}

// Sender is what the mail module offers; SMTP is one implementation.
type Sender interface{ Send(to string) string }

type SMTP struct{ Host string }

func (s *SMTP) Send(to string) string { return "mail to " + to + " via " + s.Host }

func NewSMTP() *SMTP { return &SMTP{Host: "smtp.internal"} }

// Signup needs a Sender, and the admin's address by name.
type Signup struct {
	Sender Sender
	Admin  string
}

type SignupParams struct {
	dig.In

	Sender Sender
	Admin  string `name:"admin"`
}

func NewSignup(p SignupParams) *Signup { return &Signup{Sender: p.Sender, Admin: p.Admin} }

// Provide options say what a provider provides: As binds *SMTP to the
// Sender interface (and only to it), Name sets one string apart from any
// other, and Group (not shown) collects values from many providers.
func ExampleProvide() {
	mail := &module.Module{
		Name:      "mail",
		Providers: []any{module.Provide(NewSMTP, module.As[Sender]())},
		Exports:   []any{NewSMTP}, // exports what NewSMTP provides: Sender
	}
	signup := &module.Module{
		Name:    "signup",
		Imports: []*module.Module{mail},
		Providers: []any{
			NewSignup,
			module.Value("root@example.org", module.Name("admin")),
		},
	}

	g, err := module.Build(signup)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := module.Resolve[*Signup](g)
	fmt.Println(s.Sender.Send(s.Admin))
	_, err = module.Resolve[*SMTP](g)
	fmt.Println(err)
	fmt.Println(module.As[Sender](), module.Name("admin"), module.Group("checks"))
	// Output:
	// mail to root@example.org via smtp.internal
	// module: resolve *module_test.SMTP: no module provides it; module_test.NewSMTP (example_test.go:111) in module "mail" returns it, but module.As provides it as module_test.Sender only; ask for that interface, or drop module.As
	// module.As[module_test.Sender]() module.Name("admin") module.Group("checks")
}

// GreetConfig configures a dynamic greet module; Module builds it.
type GreetConfig struct{ Zone string }

func (c GreetConfig) Module() *module.Module {
	clock := &Clock{Zone: c.Zone}
	return &module.Module{
		Name:      "clock",
		Providers: []any{clock},
		Exports:   []any{clock},
	}
}

// Two modules import the clock module, each with module.Dynamic and an
// equal configuration: Build takes them for one module, as NestJS does
// with a module imported twice. Unequal configurations would be an error.
func ExampleDynamic() {
	hello := &module.Module{
		Name:      "hello",
		Imports:   []*module.Module{module.Dynamic(GreetConfig{Zone: "CET"})},
		Providers: []any{NewGreeting},
	}
	report := &module.Module{
		Name:      "report",
		Imports:   []*module.Module{module.Dynamic(GreetConfig{Zone: "CET"})},
		Providers: []any{func(c *Clock) *Logger { return &Logger{Prefix: c.Zone} }},
	}

	g, err := module.Build(&module.Module{Name: "app", Imports: []*module.Module{hello, report}})
	if err != nil {
		fmt.Println(err)
		return
	}
	greeting, _ := module.Resolve[*Greeting](g)
	logger, _ := module.Resolve[*Logger](g)
	fmt.Println(greeting.Hello("ada"), logger.Prefix)

	report.Imports = []*module.Module{module.Dynamic(GreetConfig{Zone: "UTC"})}
	_, err = module.Build(&module.Module{Name: "app", Imports: []*module.Module{hello, report}})
	fmt.Println(err)
	// Output:
	// hello, ada (CET) CET
	// module: module "clock": two different modules have this Name, one imported by "hello" (Imports[0]) and the other by "report" (Imports[0]); module.Dynamic built them from module_test.GreetConfig configurations that differ, so they are not one module; if they are two modules, give each its own Name
}
