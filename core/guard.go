package core

// Guard decides whether a request may reach its handler, like a NestJS
// guard. It runs after middleware and before binding. Returning false
// answers 403; returning an error answers with that error (return
// core.Unauthorized(...) for missing credentials).
type Guard interface {
	CanActivate(c Context) (bool, error)
}

// GuardFunc makes a function a Guard.
type GuardFunc func(c Context) (bool, error)

// CanActivate calls f.
func (f GuardFunc) CanActivate(c Context) (bool, error) { return f(c) }

var _ Guard = GuardFunc(nil)

// withGuards runs the guards in order (app, controller, route) before next.
func withGuards(next HandlerFunc, guards []Guard) HandlerFunc {
	if len(guards) == 0 {
		return next
	}
	return func(c Context) error {
		for _, g := range guards {
			ok, err := g.CanActivate(c)
			if err != nil {
				return err
			}
			if !ok {
				return Forbidden("access to this resource is denied")
			}
		}
		return next(c)
	}
}
