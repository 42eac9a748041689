package core

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
)

// App is a running godanet application: the module graph, its routes on
// an echo instance, and the lifecycle around them.
type App struct {
	cfg       settings
	logger    *slog.Logger
	echo      *echo.Echo
	graph     *module.Graph
	validator *validator.Validate
	routes    []RouteInfo
	streams   streams
	// bodyLimits is each route's body limit (0: none) where it is not the
	// App's default, by method and path, for admitBeforeMiddleware;
	// appAdmits is set once that runs (the App has app-level middleware),
	// and the routes' own admit links then stand aside.
	bodyLimits map[routeID]int64
	appAdmits  bool
	unused     unusedConns       // connections that have not sent a request
	hooks      []module.Instance // instances with hooks, in construction order

	mu        sync.Mutex
	servers   []*http.Server // configured by ConfigureServer or Serve
	listener  net.Listener
	serveDone chan struct{} // closed when the server's Serve returns
	serveErr  error         // why Serve returned, unless Shutdown stopped it
	closed    bool
	// shutdownDone is closed when the first Shutdown has finished.
	shutdownDone chan struct{}
}

// RouteInfo describes a mapped route, as logged at start-up.
type RouteInfo struct {
	Method     string
	Path       string
	Module     string
	Controller string
	Handler    string
	Status     int
	Guards     int
}

// New builds an application from its root module: it resolves the module
// graph, reads every controller, checks every handler, registers the routes
// on echo, and runs the OnModuleInit and OnAppBootstrap hooks. Any mistake
// is an error that names the module, controller, route or provider and how
// to fix it; nothing is looked up per request.
func New(root *module.Module, options ...Option) (*App, error) {
	a := &App{shutdownDone: make(chan struct{})}
	for _, o := range options {
		if err := o.apply(&a.cfg); err != nil {
			return nil, fmt.Errorf("godanet: option %s: %w", o, err)
		}
	}
	a.logger = a.cfg.logger
	if a.logger == nil {
		a.logger = slog.Default()
	}
	if a.cfg.shutdownTimeout <= 0 {
		a.cfg.shutdownTimeout = 10 * time.Second
	}
	a.cfg.limits = a.cfg.limits.withDefaults()
	a.validator = newValidator()
	for _, configure := range a.cfg.validations {
		if err := configure(a.validator); err != nil {
			return nil, fmt.Errorf("godanet: configuring the validator: %w", err)
		}
	}
	graph, err := module.Build(root, a.cfg.buildOptions...)
	if err != nil {
		return nil, err
	}
	a.graph = graph
	var appGuards []Guard
	for _, ref := range a.cfg.guards {
		if ref.typ == nil {
			appGuards = append(appGuards, ref.instance)
			continue
		}
		v, err := graph.Get(ref.typ)
		if err != nil {
			return nil, fmt.Errorf("godanet: app guard %v: no module provides it; add its constructor to a module's Providers: %w", ref.typ, err)
		}
		appGuards = append(appGuards, v.(Guard))
	}

	if err := checkNil(func(format string, args ...any) error {
		return fmt.Errorf("godanet: app options: "+format, args...)
	}, appGuards, a.cfg.middleware, a.cfg.filters); err != nil {
		return nil, err
	}
	a.echo = echo.New()
	a.echo.HideBanner, a.echo.HidePort = true, true
	a.echo.HTTPErrorHandler = a.errorHandler
	a.echo.Validator = echoValidator{a.validator}
	a.echo.JSONSerializer = strictJSON{}
	a.Use(a.cfg.middleware...)

	if err := a.mapRoutes(appGuards); err != nil {
		return nil, err
	}
	if err := a.start(); err != nil {
		return nil, err
	}
	return a, nil
}

// mapRoutes reads every controller and registers its routes.
func (a *App) mapRoutes(appGuards []Guard) error {
	seen := map[string]string{} // "GET /todos" -> who declared it
	type headRoute struct {
		path  string
		h     echo.HandlerFunc
		limit int64
	}
	var heads []headRoute // GET routes (SSE too), answered for HEAD unless a HEAD route is declared
	a.bodyLimits = map[routeID]int64{}
	for _, c := range a.graph.Controllers() {
		ci, err := readController(c.Module, c.Value)
		if err != nil {
			return err
		}
		for _, rt := range ci.routes {
			path := joinPath(ci.prefix, rt.path)
			who := fmt.Sprintf("%s.%s in module %q", ci.short, rt.name, ci.module)
			for _, m := range expandMethod(rt.method) {
				k := routeKey(m, path)
				this := fmt.Sprintf("%s (%s %s)", who, m, path)
				if first, dup := seen[k]; dup {
					return ci.errorf(rt, "declared twice: by %s and by %s; remove one or change its path", first, this)
				}
				seen[k] = this
			}
			if rt.stream && rt.status != http.StatusOK {
				return ci.errorf(rt, "an SSE route always answers 200 (or a problem before the stream); remove its status")
			}
			handler := rt.handler
			typed, isTyped := handler.(TypedHandler)
			if isTyped {
				handler = typed.Func()
			}
			plan, err := newHandlerPlan(reflect.ValueOf(handler), rt.stream)
			if err != nil {
				return ci.errorf(rt, "handler %q: %v", rt.name, err)
			}
			if isTyped && !rt.stream {
				plan.typed = typed.invoker(plan.input, a.validator)
			}
			if rt.receiver.IsValid() {
				plan.callMethod(rt.receiver, rt.name)
			}
			if plan.input != nil {
				if err := plan.input.checkTags(a.validator); err != nil {
					return ci.errorf(rt, "handler %q: %v", rt.name, err)
				}
			}
			guards := concat(appGuards, ci.guards, rt.guards)
			var h echo.HandlerFunc
			if rt.stream {
				h = a.streamHandler(plan, rt.method+" "+path)
			} else {
				h = plan.echoHandler(a.validator, rt.status)
			}
			h = withGuards(h, guards)
			h = withFilters(h, concat(rt.filters, ci.filters))
			h = a.recoverRoute(h)
			bodyLimit := a.cfg.limits.BodyBytes
			switch {
			case rt.bodyLimit > 0:
				bodyLimit = rt.bodyLimit
			case rt.bodyLimit < 0:
				bodyLimit = 0
			}
			a.recordBodyLimit(expandMethod(rt.method), path, bodyLimit)
			// admit runs first, so no route middleware reads more than the
			// route's limit. The chain is composed once, here: echo would
			// compose a route's middleware again on every request.
			h = chain(h, concat([]echo.MiddlewareFunc{a.admit(bodyLimit)}, ci.middleware, rt.middleware))
			if rt.method == methodAny {
				a.echo.Any(path, h)
			} else {
				a.echo.Add(rt.method, path, h)
			}
			if rt.method == http.MethodGet {
				// An SSE route's HEAD gets the stream's headers and no
				// stream (sse.ServeHTTP).
				heads = append(heads, headRoute{path, h, bodyLimit})
			}
			info := RouteInfo{Method: rt.method, Path: path, Module: ci.module, Controller: ci.short, Handler: rt.name, Status: rt.status, Guards: len(guards)}
			a.routes = append(a.routes, info)
			a.logger.Info("godanet: route mapped", "method", info.Method, "path", info.Path, "handler", info.Controller+"."+info.Handler, "guards", guardNames(guards))
		}
	}
	// HTTP says a GET resource answers HEAD with the same headers and no
	// body; echo does not do it by itself. net/http drops the body.
	for _, hr := range heads {
		if _, declared := seen[routeKey(http.MethodHead, hr.path)]; !declared {
			a.echo.Add(http.MethodHead, hr.path, hr.h)
			a.recordBodyLimit([]string{http.MethodHead}, hr.path, hr.limit)
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

// Routes returns the mapped routes in declaration order.
func (a *App) Routes() []RouteInfo { return append([]RouteInfo(nil), a.routes...) }

// Echo is the escape hatch to the underlying echo instance.
func (a *App) Echo() *echo.Echo { return a.echo }

// Handler is the App as an http.Handler, for httptest.NewServer. It is
// the App itself; see ServeHTTP.
func (a *App) Handler() http.Handler { return a }

// Use adds app-level echo middleware; see WithMiddleware. The request
// limits run before the first.
func (a *App) Use(middleware ...echo.MiddlewareFunc) {
	if len(middleware) > 0 && !a.appAdmits {
		a.appAdmits = true
		a.echo.Use(a.admitBeforeMiddleware)
	}
	a.echo.Use(middleware...)
}

// Resolve returns the provider of T from the app's graph.
func Resolve[T any](a *App) (T, error) { return module.Resolve[T](a.graph) }

// expandMethod lists the methods a route takes; for ANY, the methods
// echo's Any registers.
func expandMethod(m string) []string {
	if m == methodAny {
		return []string{http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions,
			http.MethodPatch, http.MethodPost, "PROPFIND", http.MethodPut, http.MethodTrace, "REPORT"}
	}
	return []string{m}
}

// routeKey is what tells two routes apart in echo's router: the method and
// the path with parameter names dropped. "/todos/:id" and "/todos/:name"
// are one route to echo, and the later would silently replace the earlier.
func routeKey(method, path string) string {
	var b strings.Builder
	b.WriteString(method + " ")
	for i := 0; i < len(path); i++ {
		b.WriteByte(path[i])
		switch {
		case path[i] == '\\' && i+1 < len(path):
			i++
			b.WriteByte(path[i]) // an escaped ':' is a literal
		case path[i] == ':':
			for i+1 < len(path) && path[i+1] != '/' {
				i++
			}
		}
	}
	return b.String()
}

// chain wraps h in middleware, the first outermost, as echo would.
func chain(h echo.HandlerFunc, middleware []echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(middleware) - 1; i >= 0; i-- {
		h = middleware[i](h)
	}
	return h
}

func concat[T any](lists ...[]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func guardNames(guards []Guard) string {
	names := make([]string, len(guards))
	for i, g := range guards {
		names[i] = strings.TrimPrefix(fmt.Sprintf("%T", g), "*")
	}
	return strings.Join(names, ",")
}
