package module_test

import (
	"fmt"

	"github.com/godanet/godanet/module"
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
func ExampleBuild_notVisible() {
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
	// Output:
	// godanet: module "greet": module_test.NewGreeting (example_test.go:15) needs *module_test.Clock, which module "time" provides and exports, but "greet" does not import "time"; add "time" to the Imports of "greet"
}
