package core

import "fmt"

// ControllerError is a mistake in a controller or one of its routes,
// found by New: an unknown handler, a signature New cannot call, a tag it
// cannot read, a route declared twice, and the like. It says where, in its
// fields, and what is wrong and how to fix it, in Err:
//
//	var ce *core.ControllerError
//	if errors.As(err, &ce) {
//		log.Printf("fix %s in module %s", ce.Controller, ce.Module)
//	}
type ControllerError struct {
	// Module is the name of the module that lists the controller.
	Module string
	// Controller is the controller's type, such as "*TodoController".
	Controller string
	// Route is the route, such as "POST /todos", or "" when the mistake
	// is the controller's as a whole.
	Route string
	// Err says what is wrong and how to fix it.
	Err error
}

func (e *ControllerError) Error() string {
	where := fmt.Sprintf("core: module %q: controller %s", e.Module, e.Controller)
	if e.Route != "" {
		where += ": route " + e.Route
	}
	return where + ": " + e.Err.Error()
}

func (e *ControllerError) Unwrap() error { return e.Err }

// OptionError is an App option that New cannot apply, or that names
// something no module provides.
type OptionError struct {
	// Option is the option as it prints itself, such as "WithGuard[*auth.Guard]".
	Option string
	// Err says what is wrong and how to fix it.
	Err error
}

func (e *OptionError) Error() string { return fmt.Sprintf("core: option %s: %v", e.Option, e.Err) }

func (e *OptionError) Unwrap() error { return e.Err }
