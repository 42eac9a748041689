package core

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// controllerInfo is a built controller and what its tags and Routes say.
type controllerInfo struct {
	module string
	value  reflect.Value // the pointer
	name   string        // "*TodoController"
	short  string        // "TodoController"
	prefix string
	// appPrefix is WithPrefix's, cleaned; version is the controller's
	// version, checked ("" for none). Both go before prefix in a route's
	// path (controllerInfo.path).
	appPrefix string
	version   string
	// doc is what the controller says of all its routes: its description
	// (of the group), whether they are hidden, and error statuses.
	doc          routeDoc
	guards       []Guard
	middleware   []MiddlewareFunc
	filters      []ErrorFilter
	interceptors []Interceptor
	routes       []*Route
}

// errorf formats a start-up error that says where: module, controller and,
// when given, the route.
func (ci *controllerInfo) errorf(rt *Route, format string, args ...any) error {
	e := &ControllerError{Module: ci.module, Controller: ci.name, Err: fmt.Errorf(format, args...)}
	if rt != nil {
		e.Route = rt.method + " " + ci.path(rt)
	}
	return e
}

// readController reads a controller's tags and calls its Routes method;
// appPrefix is WithPrefix's, cleaned.
func readController(module string, instance any, appPrefix string) (*controllerInfo, error) {
	v := reflect.ValueOf(instance)
	ci := &controllerInfo{module: module, value: v, name: v.Type().String(), appPrefix: appPrefix}
	ci.short = shortTypeName(ci.name)
	t := v.Type().Elem()
	marked := false
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type == reflect.TypeFor[Controller]() {
			marked = true
			ci.prefix, ci.doc.description = f.Tag.Get("path"), f.Tag.Get("description")
			if err := readDocTags(f.Tag, &ci.doc); err != nil {
				return nil, ci.errorf(nil, "%v", err)
			}
			if v := f.Tag.Get("version"); v != "" {
				if !checkVersion(v) {
					return nil, ci.errorf(nil, "version tag %q is not a positive integer; use a number such as version:\"2\", which puts its routes under /v2", v)
				}
				ci.version = v
			}
			if err := ci.readRefs(f.Tag, nil, &ci.guards, &ci.middleware, &ci.filters, &ci.interceptors); err != nil {
				return nil, err
			}
			continue
		}
		method, stream, ok := markerMethod(f.Type)
		if !ok {
			continue
		}
		rt := &Route{method: method, stream: stream, path: f.Tag.Get("path"), name: f.Tag.Get("handler"), statusTag: f.Tag.Get("status"), bodyLimitTag: f.Tag.Get("bodylimit"), versionTag: f.Tag.Get("version")}
		if err := ci.readTagRoute(rt, f); err != nil {
			return nil, err
		}
		ci.routes = append(ci.routes, rt)
	}
	declarer, isDeclarer := instance.(RouteDeclarer)
	if !marked && !isDeclarer {
		return nil, ci.errorf(nil, "it declares no routes; embed core.Controller with a path tag and add route fields, or implement Routes(*core.Routes)")
	}
	if isDeclarer {
		var r Routes
		declarer.Routes(&r)
		if err := checkNil(func(format string, args ...any) error { return ci.errorf(nil, "Routes: "+format, args...) },
			r.guards, r.middleware, r.filters, r.interceptors); err != nil {
			return nil, err
		}
		ci.guards = append(ci.guards, r.guards...)
		ci.interceptors = append(ci.interceptors, r.interceptors...)
		ci.middleware = append(ci.middleware, r.middleware...)
		ci.filters = append(ci.filters, r.filters...)
		if r.doc.description != "" {
			ci.doc.description = r.doc.description
		}
		if r.versionSet {
			if !checkVersion(r.version) {
				return nil, ci.errorf(nil, "Routes: Version(%q) is not a positive integer; use a number such as Version(\"2\"), which puts its routes under /v2", r.version)
			}
			ci.version = r.version
		}
		ci.doc.hidden = ci.doc.hidden || r.doc.hidden
		ci.doc.errors = append(ci.doc.errors, r.doc.errors...)
		for _, rt := range r.routes {
			if err := ci.readBuilderRoute(rt); err != nil {
				return nil, err
			}
			ci.routes = append(ci.routes, rt)
		}
	}
	return ci, nil
}

// readTagRoute resolves a marker field's handler, status and references.
func (ci *controllerInfo) readTagRoute(rt *Route, f reflect.StructField) error {
	if rt.name == "" {
		return ci.errorf(rt, "field of type %v has no handler tag; add handler:\"MethodName\"", f.Type)
	}
	if first := rt.name[0]; first >= 'a' && first <= 'z' {
		return ci.errorf(rt, "handler %q is unexported; export it (rename it %q) so the framework can call it", rt.name, strings.ToUpper(rt.name[:1])+rt.name[1:])
	}
	m := ci.value.MethodByName(rt.name)
	if !m.IsValid() {
		return ci.errorf(rt, "handler %q not found (methods: %s)", rt.name, strings.Join(ci.handlerCandidates(), ", "))
	}
	rt.handler = m.Interface()
	rt.receiver = ci.value
	rt.status = http.StatusOK
	if rt.statusTag != "" {
		code, err := strconv.Atoi(rt.statusTag)
		if err != nil || code < 200 || code > 599 {
			return ci.errorf(rt, "status tag %q is not a final HTTP status; use a number from 200 to 599, such as status:\"201\"", rt.statusTag)
		}
		rt.status = code
	}
	if rt.bodyLimitTag != "" {
		n, err := parseByteSize(rt.bodyLimitTag)
		if err != nil {
			return ci.errorf(rt, "bodylimit tag %q is not a size; use bytes with an optional K, M or G (binary), such as bodylimit:\"8M\", or -1 for no limit", rt.bodyLimitTag)
		}
		rt.bodyLimit = n
	}
	if rt.versionTag != "" {
		if !checkVersion(rt.versionTag) {
			return ci.errorf(rt, "version tag %q is not a positive integer; use a number such as version:\"2\", which puts the route under /v2", rt.versionTag)
		}
		rt.version = rt.versionTag
	}
	if err := ci.readTagDoc(rt, f.Tag); err != nil {
		return err
	}
	return ci.readRefs(f.Tag, rt, &rt.guards, &rt.middleware, &rt.filters, &rt.interceptors)
}

// readBuilderRoute checks a route declared with Routes.
func (ci *controllerInfo) readBuilderRoute(rt *Route) error {
	fn := reflect.ValueOf(rt.handler)
	if t, ok := rt.handler.(TypedHandler); ok {
		fn = reflect.ValueOf(t.Func())
	}
	if !fn.IsValid() || fn.Kind() == reflect.Func && fn.IsNil() {
		return ci.errorf(rt, "the handler is nil; pass a method value such as c.List")
	}
	if fn.Kind() == reflect.Func {
		rt.name = methodName(fn)
	}
	if rt.status < 200 || rt.status > 599 {
		return ci.errorf(rt, "Status(%d) is not a final HTTP status; use a number from 200 to 599", rt.status)
	}
	if rt.bodyLimitSet && (rt.bodyLimit < -1 || rt.bodyLimit == 0) {
		return ci.errorf(rt, "BodyLimit(%d) is not a size; give a number of bytes, or -1 for no limit", rt.bodyLimit)
	}
	if rt.versionSet {
		if !checkVersion(rt.versionTag) {
			return ci.errorf(rt, "Version(%q) is not a positive integer; use a number such as Version(\"2\"), which puts the route under /v2", rt.versionTag)
		}
		rt.version = rt.versionTag
	}
	return checkNil(func(format string, args ...any) error { return ci.errorf(rt, format, args...) },
		rt.guards, rt.middleware, rt.filters, rt.interceptors)
}

// checkNil rejects a nil guard, middleware or filter, which would panic on
// every request; errorf says where.
func checkNil(errorf func(string, ...any) error, guards []Guard, middleware []MiddlewareFunc, filters []ErrorFilter, interceptors []Interceptor) error {
	for i, g := range guards {
		if v := reflect.ValueOf(g); g == nil || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Func) && v.IsNil() {
			return errorf("guard %d is nil; is the field holding it set by the constructor?", i+1)
		}
	}
	for i, mw := range middleware {
		if mw == nil {
			return errorf("middleware %d is nil; pass a core.MiddlewareFunc", i+1)
		}
	}
	for i, f := range filters {
		if f == nil {
			return errorf("error filter %d is nil; pass a func(error, core.Context) error", i+1)
		}
	}
	for i, in := range interceptors {
		if v := reflect.ValueOf(in); in == nil || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Func) && v.IsNil() {
			return errorf("interceptor %d is nil; is the field holding it set by the constructor?", i+1)
		}
	}
	return nil
}

// handlerCandidates lists the exported methods, for "did you mean".
func (ci *controllerInfo) handlerCandidates() []string {
	var names []string
	t := ci.value.Type()
	for i := range t.NumMethod() {
		if name := t.Method(i).Name; name != "Routes" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// readRefs resolves the guards, use, filters and interceptors tags:
// comma-separated names of the controller's fields or methods.
func (ci *controllerInfo) readRefs(tag reflect.StructTag, rt *Route, guards *[]Guard, middleware *[]MiddlewareFunc, filters *[]ErrorFilter, interceptors *[]Interceptor) error {
	for _, name := range splitList(tag.Get("guards")) {
		v, what, err := ci.ref(rt, "guard", name)
		if err != nil {
			return err
		}
		switch g := v.Interface().(type) {
		case Guard:
			*guards = append(*guards, g)
		case func(Context) (bool, error):
			if rest, isMethod := strings.CutPrefix(what, "method "); isMethod {
				*guards = append(*guards, methodGuard{rest, GuardFunc(g)})
				break
			}
			*guards = append(*guards, GuardFunc(g))
		default:
			if reflect.PointerTo(v.Type()).Implements(reflect.TypeFor[Guard]()) {
				return ci.errorf(rt, "guard reference %q: %s is a %v, whose CanActivate has a pointer receiver; make the field a *%v", name, what, v.Type(), v.Type())
			}
			return ci.errorf(rt, "guard reference %q is not a guard: %s is a %v, which has no method CanActivate(core.Context) (bool, error)", name, what, v.Type())
		}
	}
	for _, name := range splitList(tag.Get("use")) {
		v, what, err := ci.ref(rt, "middleware", name)
		if err != nil {
			return err
		}
		if !v.Type().ConvertibleTo(reflect.TypeFor[MiddlewareFunc]()) {
			return ci.errorf(rt, "middleware reference %q is not middleware: %s is a %v; it must be a core.MiddlewareFunc", name, what, v.Type())
		}
		*middleware = append(*middleware, v.Convert(reflect.TypeFor[MiddlewareFunc]()).Interface().(MiddlewareFunc))
	}
	for _, name := range splitList(tag.Get("filters")) {
		v, what, err := ci.ref(rt, "filter", name)
		if err != nil {
			return err
		}
		if !v.Type().ConvertibleTo(reflect.TypeFor[ErrorFilter]()) {
			return ci.errorf(rt, "filter reference %q is not an error filter: %s is a %v; it must be a func(error, core.Context) error", name, what, v.Type())
		}
		*filters = append(*filters, v.Convert(reflect.TypeFor[ErrorFilter]()).Interface().(ErrorFilter))
	}
	for _, name := range splitList(tag.Get("interceptors")) {
		v, what, err := ci.ref(rt, "interceptor", name)
		if err != nil {
			return err
		}
		switch i := v.Interface().(type) {
		case Interceptor:
			*interceptors = append(*interceptors, i)
		case func(Context, any, Next) (any, error):
			if rest, isMethod := strings.CutPrefix(what, "method "); isMethod {
				*interceptors = append(*interceptors, methodInterceptor{rest, InterceptorFunc(i)})
				break
			}
			*interceptors = append(*interceptors, InterceptorFunc(i))
		default:
			if reflect.PointerTo(v.Type()).Implements(reflect.TypeFor[Interceptor]()) {
				return ci.errorf(rt, "interceptor reference %q: %s is a %v, whose Intercept has a pointer receiver; make the field a *%v", name, what, v.Type(), v.Type())
			}
			return ci.errorf(rt, "interceptor reference %q is not an interceptor: %s is a %v, which has no method Intercept(core.Context, any, core.Next) (any, error)", name, what, v.Type())
		}
	}
	return nil
}

// methodGuard is a controller method named in a guards tag, and
// methodInterceptor one named in an interceptors tag. Each keeps the
// method's name for the route map: the method value reflect makes is
// named "methodValueCall". Being the controller's own, they are not
// matched by OverrideGuard or OverrideInterceptor.
type (
	methodGuard struct {
		name string
		fn   GuardFunc
	}
	methodInterceptor struct {
		name string
		fn   InterceptorFunc
	}
)

func (m methodGuard) CanActivate(c Context) (bool, error) { return m.fn(c) }
func (m methodGuard) refName() string                     { return m.name }

func (m methodInterceptor) Intercept(c Context, in any, next Next) (any, error) {
	return m.fn(c, in, next)
}
func (m methodInterceptor) refName() string { return m.name }

// ref finds a field or method of the controller by name.
func (ci *controllerInfo) ref(rt *Route, kind, name string) (reflect.Value, string, error) {
	s := ci.value.Elem()
	if f, ok := s.Type().FieldByName(name); ok && f.IsExported() {
		v := s.FieldByIndex(f.Index)
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface || v.Kind() == reflect.Func) && v.IsNil() {
			return reflect.Value{}, "", ci.errorf(rt, "%s reference %q: field %s is nil; set it in the controller's constructor", kind, name, name)
		}
		return v, "field " + name, nil
	}
	if m := ci.value.MethodByName(name); m.IsValid() {
		return m, "method " + name, nil
	}
	return reflect.Value{}, "", ci.errorf(rt, "%s reference %q names no exported field or method of %s", kind, name, ci.name)
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// methodName is the method name of a method value: c.Create -> "Create".
func methodName(fn reflect.Value) string {
	f := runtime.FuncForPC(fn.Pointer())
	if f == nil {
		return fn.Type().String()
	}
	name := strings.TrimSuffix(f.Name(), "-fm")
	return name[strings.LastIndexByte(name, '.')+1:]
}

// joinPath joins a controller prefix and a route path the way NestJS does:
// "/todos" + "/" is "/todos", "/todos" + ":id" is "/todos/:id".
func joinPath(prefix, path string) string {
	prefix = "/" + strings.Trim(prefix, "/")
	path = strings.Trim(path, "/")
	switch {
	case path == "":
		return prefix
	case prefix == "/":
		return "/" + path
	}
	return prefix + "/" + path
}
