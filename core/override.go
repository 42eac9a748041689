package core

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
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
// nothing. A later override of the same G wins. A controller method
// named in a guards tag is the controller's, and not replaced.
func OverrideGuard[G Guard](replacement Guard) Option {
	return overrideOption[G]("OverrideGuard", kindGuard, replacement)
}

// OverrideInterceptor replaces every interceptor of type I with
// replacement, wherever it is declared, as OverrideGuard does for guards:
// to test a route without its cache, say, or with a fake clock's timing.
// The same rules hold: I is matched by dynamic type (for
// WithInterceptor[I], by I), the replacement is resolved in New, and a nil
// replacement or an I nothing uses fails New with an *OptionError. Every
// function made an InterceptorFunc has that one type, so
// OverrideInterceptor[core.InterceptorFunc] replaces them all; give an
// interceptor to be replaced alone a type of its own. A controller method
// named in an interceptors tag is the controller's, and not replaced.
func OverrideInterceptor[I Interceptor](replacement Interceptor) Option {
	return overrideOption[I]("OverrideInterceptor", kindInterceptor, replacement)
}

// What an override replaces, in its errors.
const (
	kindGuard       = "guard"
	kindInterceptor = "interceptor"
)

// overrideOption records an override of the kind's values of type T.
func overrideOption[T any](optionName, kind string, replacement any) Option {
	k := overrideKey{kind, reflect.TypeFor[T]()}
	name := fmt.Sprintf("%s[%v]", optionName, k.typ)
	return option{name, func(s *settings) {
		if s.overrides == nil {
			s.overrides = map[overrideKey]*override{}
		}
		// A fresh record for each App: used is this App's.
		s.overrides[k] = &override{option: name, kind: kind, replacement: replacement}
	}}
}

// overrideKey is what an override replaces: the guards, or the
// interceptors, of one type.
type overrideKey struct {
	kind string
	typ  reflect.Type
}

// override is an OverrideGuard's or OverrideInterceptor's entry in
// settings.overrides.
type override struct {
	option      string // "OverrideGuard[*app.TokenGuard]", for errors
	kind        string
	replacement any  // a Guard or an Interceptor, by kind
	used        bool // some value of the type was replaced
}

// checkOverrides refuses an override whose replacement is nil, before
// anything is replaced with it.
func (s *settings) checkOverrides() error {
	var errs []error
	for _, o := range s.sortedOverrides() {
		if v := reflect.ValueOf(o.replacement); o.replacement == nil || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Func) && v.IsNil() {
			example := "core.GuardFunc(func(core.Context) (bool, error) { return true, nil })"
			if o.kind == kindInterceptor {
				example = "core.InterceptorFunc(func(c core.Context, in any, next core.Next) (any, error) { return next() })"
			}
			errs = append(errs, &OptionError{Option: o.option, Err: fmt.Errorf("the replacement %s is nil; pass a %s, such as %s", o.kind, o.kind, example)})
		}
	}
	return errors.Join(errs...)
}

// checkOverridesUsed refuses an override whose type nothing had, once
// every route is mapped.
func (s *settings) checkOverridesUsed() error {
	var errs []error
	for _, o := range s.sortedOverrides() {
		if !o.used {
			article := "a"
			if o.kind == kindInterceptor {
				article = "an"
			}
			errs = append(errs, &OptionError{Option: o.option, Err: fmt.Errorf("no app option, controller or route uses %s %s of this type, so the override replaces nothing; check the type, which must be the %s's own (a *T if a pointer is the %s)",
				article, o.kind, o.kind, o.kind)})
		}
	}
	return errors.Join(errs...)
}

// sortedOverrides are the overrides in the order of their names, so that
// errors come out the same way every time.
func (s *settings) sortedOverrides() []*override {
	var out []*override
	for _, o := range s.overrides {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *override) int { return strings.Compare(a.option, b.option) })
	return out
}

// overrideType is the replacement of the kind's values of type t, if an
// override names t, and records that it was used.
func overrideType[T any](s *settings, kind string, t reflect.Type) (T, bool) {
	var zero T
	if len(s.overrides) == 0 || t == nil {
		return zero, false
	}
	o, ok := s.overrides[overrideKey{kind, t}]
	if !ok {
		return zero, false
	}
	o.used = true
	return o.replacement.(T), true
}

// overrideAll replaces, in place, each value in list that an override of
// the kind names.
func overrideAll[T any](s *settings, kind string, list []T) {
	for i, v := range list {
		if r, ok := overrideType[T](s, kind, reflect.TypeOf(v)); ok {
			list[i] = r
		}
	}
}

// routeGuards are the guards a route runs, app, controller and route, with
// the overrides applied. appGuards are overridden already (New resolves
// them). The controller's and the route's own lists are replaced in place,
// so that the route map and RouteInfo name the replacements too; both are
// this App's, read from the controller by New.
func (a *App) routeGuards(appGuards []Guard, ci *controllerInfo, rt *Route) []Guard {
	overrideAll(&a.cfg, kindGuard, ci.guards)
	overrideAll(&a.cfg, kindGuard, rt.guards)
	return concat(appGuards, ci.guards, rt.guards)
}

// routeInterceptors are a route's interceptors, app, controller and route,
// with the overrides applied, as routeGuards are its guards.
func (a *App) routeInterceptors(appInterceptors []Interceptor, ci *controllerInfo, rt *Route) []Interceptor {
	overrideAll(&a.cfg, kindInterceptor, ci.interceptors)
	overrideAll(&a.cfg, kindInterceptor, rt.interceptors)
	return concat(appInterceptors, ci.interceptors, rt.interceptors)
}
