package core

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// OverrideGuard replaces every guard of type G with replacement: the app
// guards of WithGuards and WithGuard[G], and the controller and route
// guards of tags and of the builder. It is NestJS's overrideGuard, for
// testing a guarded route without credentials:
//
//	app, err := core.New(TodoModule, core.OverrideGuard[*TokenGuard](core.GuardFunc(
//		func(core.Context) (bool, error) { return true, nil })))
//
// A guard is matched by its dynamic type (for WithGuard[G], by G), so G
// is the type exactly as it is declared, *TokenGuard rather than
// TokenGuard; WithGuard[G] with G overridden does not build a G. The
// replacement is resolved once, in New: the route map, RouteInfo (its
// Security lists the replacement's scheme if it is a SecuredGuard) and
// every request see the replacement, and requests pay nothing for it. A
// nil replacement, or a G that no route and no app option uses, fails New
// with an *OptionError, so a misspelt override cannot silently test
// nothing. A later override of the same G wins.
func OverrideGuard[G Guard](replacement Guard) Option {
	t := reflect.TypeFor[G]()
	name := fmt.Sprintf("OverrideGuard[%v]", t)
	return option{name, func(s *settings) {
		if s.guardOverrides == nil {
			s.guardOverrides = map[reflect.Type]Guard{}
		}
		// A fresh record for each App: used is this App's.
		s.guardOverrides[t] = &guardOverride{option: name, replacement: replacement}
	}}
}

// guardOverride is OverrideGuard's entry in settings.guardOverrides. It is
// a Guard only to fit that map: New puts the replacement itself, never
// the record, in a route's pipeline.
type guardOverride struct {
	option      string // "OverrideGuard[*app.TokenGuard]", for errors
	replacement Guard
	used        bool // some guard of the type was replaced
}

// CanActivate asks the replacement; New never puts a guardOverride in a
// pipeline, so no request calls it.
func (o *guardOverride) CanActivate(c Context) (bool, error) { return o.replacement.CanActivate(c) }

var _ Guard = (*guardOverride)(nil)

// checkGuardOverrides refuses an OverrideGuard whose replacement is nil,
// before anything is replaced with it.
func (s *settings) checkGuardOverrides() error {
	var errs []error
	for _, o := range s.sortedGuardOverrides() {
		if v := reflect.ValueOf(o.replacement); o.replacement == nil || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Func) && v.IsNil() {
			errs = append(errs, &OptionError{Option: o.option, Err: errors.New("the replacement guard is nil; pass a guard, such as core.GuardFunc(func(core.Context) (bool, error) { return true, nil })")})
		}
	}
	return errors.Join(errs...)
}

// checkGuardOverridesUsed refuses an OverrideGuard whose type no guard
// had, once every route is mapped.
func (s *settings) checkGuardOverridesUsed() error {
	var errs []error
	for _, o := range s.sortedGuardOverrides() {
		if !o.used {
			errs = append(errs, &OptionError{Option: o.option, Err: errors.New("no app option, controller or route uses a guard of this type, so the override replaces nothing; check the type, which must be the guard's own (a *T if a pointer is the guard)")})
		}
	}
	return errors.Join(errs...)
}

// sortedGuardOverrides are the overrides in the order of their names, so
// that errors come out the same way every time.
func (s *settings) sortedGuardOverrides() []*guardOverride {
	var out []*guardOverride
	for _, g := range s.guardOverrides {
		out = append(out, g.(*guardOverride))
	}
	slices.SortFunc(out, func(a, b *guardOverride) int {
		switch {
		case a.option < b.option:
			return -1
		case a.option > b.option:
			return 1
		}
		return 0
	})
	return out
}

// overrideGuardType is the replacement of the guards of type t, if an
// OverrideGuard names t, and records that it was used.
func (s *settings) overrideGuardType(t reflect.Type) (Guard, bool) {
	if len(s.guardOverrides) == 0 || t == nil {
		return nil, false
	}
	g, ok := s.guardOverrides[t]
	if !ok {
		return nil, false
	}
	o := g.(*guardOverride)
	o.used = true
	return o.replacement, true
}

// overrideGuards replaces, in place, each guard in guards that an
// OverrideGuard names.
func (s *settings) overrideGuards(guards []Guard) {
	for i, g := range guards {
		if r, ok := s.overrideGuardType(reflect.TypeOf(g)); ok {
			guards[i] = r
		}
	}
}

// routeGuards are the guards a route runs, app, controller and route, with
// the overrides applied. appGuards are overridden already (New resolves
// them). The controller's and the route's own lists are replaced in place,
// so that the route map and RouteInfo name the replacements too; both are
// this App's, read from the controller by New.
func (a *App) routeGuards(appGuards []Guard, ci *controllerInfo, rt *Route) []Guard {
	a.cfg.overrideGuards(ci.guards)
	a.cfg.overrideGuards(rt.guards)
	return concat(appGuards, ci.guards, rt.guards)
}
