package core

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// RouteInfo describes a mapped route: what the route map logs, what
// App.Routes returns, and what an Extension reads of the route table to
// describe the API (package openapi builds its document from it).
type RouteInfo struct {
	Method     string
	Path       string // the full path, with ":name" parameters and a trailing "*": WithPrefix's, "/v"+Version, the controller's and the route's
	Version    string // the route's version, or its controller's ("2" for /v2); "" for none
	Module     string
	Controller string // the controller's type name, such as "TodoController"
	Handler    string // the handler method's name
	Status     int
	Guards     int
	// Interceptors is the number of interceptors around the handler:
	// the app's, the controller's and the route's.
	Interceptors int
	// Stream is set for an SSE route.
	Stream bool

	// ControllerDescription describes the controller's routes as a group
	// (the description tag on core.Controller, or Routes.Description).
	ControllerDescription string
	// Summary and Description describe the route; Hidden leaves it out of
	// API descriptions (Route.Summary, Description and Hidden, or the
	// summary, description and openapi:"-" tags, on the route or on
	// core.Controller). OperationID, when set (Route.OperationID, the
	// operationId tag), replaces "Controller.Handler".
	Summary, Description string
	Hidden               bool
	OperationID          string
	// ErrorStatuses are the error statuses the route and its controller
	// declare it answers (Route.Errors, Routes.Errors, the errors tag),
	// beside those godanet gives.
	ErrorStatuses []int
	// BodyLimit is the route's body limit in bytes; 0 for none.
	BodyLimit int64
	// Input is the handler's input struct, or nil. Params are its fields
	// read from the path, the query, headers and cookies, in field order, and
	// BodyMediaTypes the Content-Types its body is read in (none when no
	// field is read from the body).
	Input          reflect.Type
	Params         []Param
	BodyMediaTypes []string
	// Result is the type the handler returns beside its error, or nil.
	Result reflect.Type
	// Events are the events an SSE route declares it sends.
	Events []EventType
	// Security lists the schemes of the route's guards that describe one
	// (SecuredGuard), in the order the guards run.
	Security []SecurityScheme

	controllerType string   // "*TodoController", for errors
	ownGuards      []string // the types of the route's own guards, for the route map
	// ownInterceptors are the types of the route's own interceptors, for
	// the route map.
	ownInterceptors []string
}

// Param is a field of a route's input read from the path, the query, a
// header or a cookie.
type Param struct {
	// Name is the name the client sends: the param, query, header or
	// cookie tag.
	Name string
	// In is "path", "query", "header" or "cookie".
	In string
	// Field is the input struct's field, with its type and tags.
	Field reflect.StructField
}

// clone is r with slices of its own, so that App.Routes' callers cannot
// change the App's table.
func (r RouteInfo) clone() RouteInfo {
	r.Params = slices.Clone(r.Params)
	r.BodyMediaTypes = slices.Clone(r.BodyMediaTypes)
	r.Events = slices.Clone(r.Events)
	r.Security = slices.Clone(r.Security)
	r.ErrorStatuses = slices.Clone(r.ErrorStatuses)
	r.ownGuards = slices.Clone(r.ownGuards)
	r.ownInterceptors = slices.Clone(r.ownInterceptors)
	return r
}

// Errorf makes a start-up error about the route, for an Extension: a
// *ControllerError that names its module, controller and route.
func (r RouteInfo) Errorf(format string, args ...any) error {
	return &ControllerError{Module: r.Module, Controller: r.controllerType, Route: r.Method + " " + r.Path, Err: fmt.Errorf(format, args...)}
}

// describeRoute is the RouteInfo of a route New has checked.
func describeRoute(ci *controllerInfo, rt *Route, plan *handlerPlan, path string, guards []Guard, interceptors []Interceptor, bodyLimit int64) RouteInfo {
	info := RouteInfo{
		Method: rt.method, Path: path, Module: ci.module, Controller: ci.short, Handler: rt.name,
		Status: rt.status, Guards: len(guards), Interceptors: len(interceptors), Stream: rt.stream,
		ControllerDescription: ci.doc.description,
		Summary:               rt.doc.summary, Description: rt.doc.description, Hidden: rt.doc.hidden || ci.doc.hidden,
		OperationID:   rt.doc.operationID,
		ErrorStatuses: concat(ci.doc.errors, rt.doc.errors),
		BodyLimit:     bodyLimit,
		Result:        plan.result, Events: rt.doc.events,
		controllerType: ci.name, ownGuards: typeNames(rt.guards), ownInterceptors: typeNames(rt.interceptors),
	}
	if in := plan.input; in != nil {
		info.Input = in.typ
		for _, f := range in.params {
			info.Params = append(info.Params, Param{Name: f.own, In: f.source, Field: f.field})
		}
		if in.body {
			info.BodyMediaTypes = in.mediaTypes
		}
	}
	for _, g := range guards {
		if sg, ok := g.(SecuredGuard); ok {
			info.Security = append(info.Security, sg.SecurityScheme())
		}
	}
	return info
}

// Extension adds to an App once its routes are mapped, from its route
// table: package openapi's document and docs page are one. New calls
// Extend at its end, before the lifecycle hooks, with every route; what
// it returns is served beside the routes, and an error fails New.
type Extension interface {
	Extend(routes []RouteInfo) ([]Mount, error)
	// String names the extension in errors.
	String() string
}

// Mount is a handler an Extension serves at Path, for GET and HEAD, and
// with Subtree at every path under Path+"/" too. It is outside the routes'
// pipelines: app middleware applies, guards and filters do not.
type Mount struct {
	Path    string
	Handler http.Handler
	Subtree bool
}

// WithExtension adds an Extension to the App, such as openapi.With's:
// newExtension makes one for each App the option is given to, so that one
// option can serve several Apps (in tests, say), each with its own. name
// names the option in errors.
func WithExtension(name string, newExtension func() Extension) Option {
	return option{name, func(s *settings) {
		s.extensions = append(s.extensions, newExtension)
	}}
}

// Extensions returns the App's own extensions, in the order of their
// options.
func (a *App) Extensions() []Extension { return append([]Extension(nil), a.extensions...) }

// extend runs the extensions over the route table and serves what they
// return.
func (a *App) extend(table *routeTable) error {
	for _, newExtension := range a.cfg.extensions {
		var e Extension
		if newExtension != nil {
			e = newExtension()
		}
		if e == nil {
			return &OptionError{Option: "WithExtension", Err: fmt.Errorf("it made no extension; its function must return one")}
		}
		a.extensions = append(a.extensions, e)
		mounts, err := e.Extend(a.Routes())
		var ce *ControllerError
		switch {
		case errors.As(err, &ce):
			return err // it names the route
		case err != nil:
			return &OptionError{Option: e.String(), Err: err}
		}
		for _, m := range mounts {
			if err := table.checkMount(m, e.String()); err != nil {
				return &OptionError{Option: e.String(), Err: err}
			}
			a.mount(m)
		}
	}
	return nil
}

// checkMount refuses a mount no route could reach: a path that does not
// begin with "/" or has parameters, or one a route (or another mount) has
// for GET or HEAD, or under whose subtree a route lies. It records the
// mount's own paths.
func (t *routeTable) checkMount(m Mount, who string) error {
	switch {
	case m.Handler == nil:
		return fmt.Errorf("the handler for %s is nil", m.Path)
	case !strings.HasPrefix(m.Path, "/") || strings.ContainsAny(m.Path, ":*") || len(m.Path) > 1 && strings.HasSuffix(m.Path, "/"):
		return fmt.Errorf("path %q must begin with \"/\", not end with one, and have no parameters, such as \"/docs\"", m.Path)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		if first, taken := t.declared[routeKey(method, m.Path)]; taken {
			return fmt.Errorf("%s %s is taken by %s; serve it at another path", method, m.Path, first)
		}
	}
	if m.Subtree {
		prefix := strings.TrimSuffix(m.Path, "/") + "/"
		var hidden []string
		for key, first := range t.declared {
			if _, path, _ := strings.Cut(key, " "); strings.HasPrefix(path, prefix) {
				hidden = append(hidden, first)
			}
		}
		if len(hidden) > 0 {
			slices.Sort(hidden) // the same message every time
			return fmt.Errorf("%s and what is under it would hide %s; serve it at another path", m.Path, hidden[0])
		}
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		t.declared[routeKey(method, m.Path)] = who
		if m.Subtree {
			t.declared[routeKey(method, strings.TrimSuffix(m.Path, "/")+"/*")] = who
		}
	}
	return nil
}
