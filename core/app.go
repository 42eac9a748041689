package core

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/module"
)

// App is a running godanet application: the module graph, its routes on
// an echo instance, and the lifecycle around them.
type App struct {
	cfg        settings
	logger     *slog.Logger
	engine     *engine
	graph      *module.Graph
	validator  *validator.Validate
	tags       *tagChecker // for start-up only
	extensions []Extension // made by the WithExtension options, for this App
	routes     []RouteInfo
	streams    streams
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
	server    *http.Server  // the App's own server, once it serves
	serveDone chan struct{} // closed when the server's Serve returns
	serveErr  error         // why Serve returned, unless Shutdown stopped it
	closed    bool
	// shutdownDone is closed when the first Shutdown has finished.
	shutdownDone chan struct{}
}

// New builds an application from its root module: it resolves the module
// graph, reads every controller, checks every handler, registers the routes
// on echo, and runs the OnModuleInit and OnAppBootstrap hooks. Any mistake
// is an error that names the module, controller, route or provider and how
// to fix it; nothing is looked up per request.
func New(root *module.Module, options ...Option) (*App, error) {
	a := &App{shutdownDone: make(chan struct{})}
	for _, o := range options {
		if o == nil {
			return nil, &OptionError{Option: "nil", Err: errors.New("an option is nil; remove it")}
		}
		o.apply(&a.cfg)
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
	for _, v := range a.cfg.validations {
		if err := v.configure(a.validator); err != nil {
			return nil, &OptionError{Option: v.option, Err: fmt.Errorf("configuring the validator: %w", err)}
		}
	}
	a.tags = newTagChecker(a.validator)
	graph, err := module.Build(root, a.cfg.buildOptions...)
	if err != nil {
		return nil, err
	}
	a.graph = graph
	if err := a.cfg.checkOverrides(); err != nil {
		return nil, err
	}
	appGuards, err := resolveAppRefs(&a.cfg, graph, kindGuard, "WithGuard", a.cfg.guards)
	if err != nil {
		return nil, err
	}
	appInterceptors, err := resolveAppRefs(&a.cfg, graph, kindInterceptor, "WithInterceptor", a.cfg.interceptors)
	if err != nil {
		return nil, err
	}
	optionErr := func(option string) func(string, ...any) error {
		return func(format string, args ...any) error {
			return &OptionError{Option: option, Err: fmt.Errorf(format, args...)}
		}
	}
	if err := errors.Join(
		checkNil(optionErr("WithGuards"), appGuards, nil, nil, nil),
		checkNil(optionErr("WithMiddleware"), nil, a.cfg.middleware, nil, nil),
		checkNil(optionErr("WithErrorFilters"), nil, nil, a.cfg.filters, nil),
		checkNil(optionErr("WithInterceptors"), nil, nil, nil, appInterceptors),
	); err != nil {
		return nil, err
	}
	a.initEngine()
	a.Use(a.cfg.middleware...)

	if err := a.mapRoutes(appGuards, appInterceptors); err != nil {
		return nil, err
	}
	if err := a.cfg.checkOverridesUsed(); err != nil {
		return nil, err
	}
	a.tags = nil // only start-up needs it
	if err := a.runStartHooks(); err != nil {
		return nil, err
	}
	return a, nil
}

// Handler is the App as an http.Handler, for httptest.NewServer. It is
// the App itself; see ServeHTTP.
func (a *App) Handler() http.Handler { return a }

// Resolve returns the provider of T from the app's graph.
func Resolve[T any](a *App) (T, error) { return module.Resolve[T](a.graph) }
