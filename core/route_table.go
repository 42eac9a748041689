package core

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// String is the route as the route map lists it: "GET /todos/events (SSE)".
func (r RouteInfo) String() string {
	if r.Stream {
		return r.Method + " " + r.Path + " (SSE)"
	}
	return r.Method + " " + r.Path
}

// mapEntry is the route as the route map lists it, with its handler, its
// own guards and its own interceptors: "POST /todos Create [TokenGuard]
// {Timing}".
func (r RouteInfo) mapEntry() string {
	s := r.String() + " " + r.Handler
	if len(r.ownGuards) > 0 {
		s += " [" + strings.Join(r.ownGuards, " ") + "]"
	}
	if len(r.ownInterceptors) > 0 {
		s += " {" + strings.Join(r.ownInterceptors, " ") + "}"
	}
	return s
}

// routeMapDetailLimit is the number of routes up to which New logs the
// route map at info level, a line per controller with the guards all its
// routes run and each route's own; past it, one line says how many routes
// were mapped and the map is logged at debug level.
const routeMapDetailLimit = 100

// routeTable is what mapRoutes learns while it registers the routes: who
// declared each method and path, and the GET routes that answer HEAD.
type routeTable struct {
	declared   map[string]string // routeKey -> who declared it
	heads      []headRoute       // GET routes (SSE too), answered for HEAD unless a HEAD route is declared
	anyMethods []string          // the methods of an ANY route, asked of echo once
}

type headRoute struct {
	path  string
	h     HandlerFunc
	limit int64
}

// mapRoutes reads every controller, checks its routes, builds each one's
// pipeline and registers it.
func (a *App) mapRoutes(appGuards []Guard, appInterceptors []Interceptor) error {
	prefix, err := cleanPrefix(a.cfg.prefix)
	if err != nil {
		return &OptionError{Option: fmt.Sprintf("WithPrefix(%q)", a.cfg.prefix), Err: err}
	}
	table := &routeTable{declared: map[string]string{}}
	a.bodyLimits = map[routeID]int64{}
	type controllerLine struct {
		ci           *controllerInfo
		guards       []string // the app's and the controller's, which every route runs first
		interceptors []string // the app's and the controller's, outside every route's own
		routes       []string
	}
	var lines []controllerLine
	for _, c := range a.graph.Controllers() {
		ci, err := readController(c.Module, c.Value, prefix)
		if err != nil {
			return err
		}
		line := controllerLine{ci: ci}
		for _, rt := range ci.routes {
			info, err := a.mapRoute(table, ci, rt, appGuards, appInterceptors)
			if err != nil {
				return err
			}
			a.routes = append(a.routes, info)
			line.routes = append(line.routes, info.mapEntry())
		}
		// After the routes: their mapping put OverrideGuard's replacements in.
		line.guards = typeNames(concat(appGuards, ci.guards))
		line.interceptors = typeNames(concat(appInterceptors, ci.interceptors))
		lines = append(lines, line)
	}
	// HTTP says a GET resource answers HEAD with the same headers and no
	// body; echo does not do it by itself. net/http drops the body.
	for _, hr := range table.heads {
		if _, declared := table.declared[routeKey(http.MethodHead, hr.path)]; !declared {
			a.register(http.MethodHead, hr.path, hr.h)
			a.recordBodyLimit([]string{http.MethodHead}, hr.path, hr.limit)
		}
	}
	if err := a.extend(table); err != nil {
		return err
	}
	detailed := len(a.routes) <= routeMapDetailLimit
	if !detailed {
		a.logger.Info("godanet: routes mapped", "routes", len(a.routes), "controllers", len(lines), "listed_at", "debug")
	}
	for _, l := range lines {
		attrs := []any{"module", l.ci.module, "controller", l.ci.short}
		if len(l.guards) > 0 {
			attrs = append(attrs, "guards", strings.Join(l.guards, " "))
		}
		if len(l.interceptors) > 0 {
			attrs = append(attrs, "interceptors", strings.Join(l.interceptors, " "))
		}
		attrs = append(attrs, "routes", strings.Join(l.routes, ", "))
		if detailed {
			a.logger.Info("godanet: routes mapped", attrs...)
		} else {
			a.logger.Debug("godanet: routes mapped", attrs...)
		}
	}
	return nil
}

// mapRoute checks one route, builds its pipeline and registers it.
func (a *App) mapRoute(table *routeTable, ci *controllerInfo, rt *Route, appGuards []Guard, appInterceptors []Interceptor) (RouteInfo, error) {
	path := ci.path(rt)
	methods := []string{rt.method}
	if rt.method == methodAny {
		if table.anyMethods == nil {
			table.anyMethods = anyMethods()
		}
		methods = table.anyMethods
	}
	who := fmt.Sprintf("%s.%s in module %q", ci.short, rt.name, ci.module)
	for _, m := range methods {
		k := routeKey(m, path)
		this := fmt.Sprintf("%s (%s %s)", who, m, path)
		if first, dup := table.declared[k]; dup {
			return RouteInfo{}, ci.errorf(rt, "declared twice: by %s and by %s; remove one or change its path", first, this)
		}
		table.declared[k] = this
	}
	if rt.stream && rt.status != http.StatusOK {
		return RouteInfo{}, ci.errorf(rt, "an SSE route always answers 200 (or a problem before the stream); remove its status")
	}
	if err := checkDoc(rt, ci.doc); err != nil {
		return RouteInfo{}, ci.errorf(rt, "%v", err)
	}
	plan, err := newHandlerPlan(rt.handler, rt.stream)
	if err != nil {
		return RouteInfo{}, ci.errorf(rt, "handler %q: %v", rt.name, err)
	}
	if err := checkRoute(rt, plan, path); err != nil {
		return RouteInfo{}, ci.errorf(rt, "handler %q: %v", rt.name, err)
	}
	if rt.receiver.IsValid() {
		plan.callMethod(rt.receiver, rt.name)
	}
	if plan.input != nil {
		if err := a.tags.check(plan.input); err != nil {
			return RouteInfo{}, ci.errorf(rt, "handler %q: %v", rt.name, err)
		}
	}
	guards := a.routeGuards(appGuards, ci, rt)
	if err := checkAttached(plan.input, routeAttachers(guards, len(ci.middleware)+len(rt.middleware))); err != nil {
		return RouteInfo{}, ci.errorf(rt, "handler %q: %v", rt.name, err)
	}
	bodyLimit := a.cfg.limits.BodyBytes
	switch {
	case rt.bodyLimit > 0:
		bodyLimit = rt.bodyLimit
	case rt.bodyLimit < 0:
		bodyLimit = 0
	}
	a.recordBodyLimit(methods, path, bodyLimit)
	interceptors := a.routeInterceptors(appInterceptors, ci, rt)
	h := a.pipeline(ci, rt, plan, path, guards, interceptors, bodyLimit)
	a.register(rt.method, path, h)
	if rt.method == http.MethodGet {
		// An SSE route's HEAD gets the stream's headers and no stream
		// (sse.Serve).
		table.heads = append(table.heads, headRoute{path, h, bodyLimit})
	}
	info := describeRoute(ci, rt, plan, path, guards, interceptors, bodyLimit)
	info.Version = ci.versionOf(rt)
	return info, nil
}

// checkRoute finds the mistakes a route's declaration and its handler's
// signature make together, which would otherwise fail every request.
func checkRoute(rt *Route, plan *handlerPlan, path string) error {
	if rt.status >= 300 && rt.status < 400 && rt.status != http.StatusNotModified && plan.result != nil {
		return fmt.Errorf("status %d is a redirect, but the handler returns a %v to write as the body, and nothing sets Location; return only an error and answer with c.Redirect(%d, url), or declare a 2xx status",
			rt.status, plan.result, rt.status)
	}
	if plan.input == nil {
		return nil
	}
	params := pathParams(path)
	for _, f := range plan.input.params {
		if f.source == sourcePath && !slices.Contains(params, f.own) {
			return fmt.Errorf("field %s of %v reads path parameter %q, but the path %s has no :%s; add it to the path, or read the field from the query (query:%q)",
				f.goPath, plan.input.typ, f.own, path, f.own, f.own)
		}
	}
	return nil
}

// recordBodyLimit keeps a route's body limit for admitBeforeMiddleware
// when it is not the App's default, which a route not recorded gets.
func (a *App) recordBodyLimit(methods []string, path string, limit int64) {
	if limit == a.cfg.limits.BodyBytes {
		return
	}
	for _, m := range methods {
		a.bodyLimits[routeID{m, path}] = limit
	}
}

// typeNames name guards or interceptors for the route map: by their
// types without packages ("TokenGuard" for a *auth.TokenGuard); a method
// named in a tag, or a named function or method value made a GuardFunc or
// an InterceptorFunc, by its name ("Timing").
func typeNames[T any](list []T) []string {
	var names []string
	for _, v := range list {
		name := shortTypeName(fmt.Sprintf("%T", v))
		if ref, ok := any(v).(interface{ refName() string }); ok {
			name = ref.refName()
		} else if fn := reflect.ValueOf(v); fn.Kind() == reflect.Func && !fn.IsNil() {
			if n := methodName(fn); !isClosureName(n) {
				name = n
			}
		}
		names = append(names, name)
	}
	return names
}

// isClosureName reports a name the runtime gives a function literal:
// "func1" or "func2.3".
func isClosureName(name string) bool {
	rest, ok := strings.CutPrefix(name, "func")
	return ok && rest != "" && strings.Trim(rest, "0123456789.") == ""
}

// shortTypeName is a type's name without pointer or package:
// "TodoController" for "*todo.TodoController".
func shortTypeName(typeString string) string {
	name := strings.TrimPrefix(typeString, "*")
	return name[strings.LastIndexByte(name, '.')+1:]
}

// Routes returns the mapped routes in declaration order.
func (a *App) Routes() []RouteInfo {
	routes := make([]RouteInfo, len(a.routes))
	for i, r := range a.routes {
		routes[i] = r.clone()
	}
	return routes
}
