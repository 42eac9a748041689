package core

import (
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// Option configures an App. Options print themselves, so a failing one
// can be named. sse's Option and HubOption, and module's Option, have the
// same shape.
type Option interface {
	apply(*settings)
	String() string
}

// settings is what the options set. Its zero value works.
type settings struct {
	logger          *slog.Logger
	middleware      []MiddlewareFunc
	guards          []appRef[Guard]
	interceptors    []appRef[Interceptor]
	filters         []ErrorFilter
	validations     []validation
	shutdownTimeout time.Duration
	sse             []sse.Option
	buildOptions    []module.Option
	limits          Limits
	extensions      []func() Extension
	prefix          string                    // WithPrefix's, cleaned: "" or "/api"
	overrides       map[overrideKey]*override // OverrideGuard's and OverrideInterceptor's
}

// validation is a WithValidation or WithValidator option's work on the
// App's validator, and the option's name for its error.
type validation struct {
	option    string
	configure func(*validator.Validate) error
}

type option struct {
	name string
	fn   func(*settings)
}

func (o option) apply(s *settings) { o.fn(s) }
func (o option) String() string    { return o.name }

// WithLogger sets the logger for route listings, errors and panics
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return option{"WithLogger", func(s *settings) { s.logger = l }}
}

// WithMiddleware adds app-level echo middleware, run before every route's
// controller and route middleware. App.Use does the same after New.
func WithMiddleware(middleware ...MiddlewareFunc) Option {
	return option{"WithMiddleware", func(s *settings) {
		s.middleware = append(s.middleware, middleware...)
	}}
}

// WithGuards adds app-level guard instances, run before controller guards.
func WithGuards(guards ...Guard) Option {
	return option{"WithGuards", func(s *settings) {
		for _, g := range guards {
			s.guards = append(s.guards, appRef[Guard]{instance: g})
		}
	}}
}

// appRef is an app-level guard or interceptor: an instance, or a type to
// resolve from the graph. The order of the options is the order they run
// in.
type appRef[T any] struct {
	instance T
	typ      reflect.Type
}

// resolveAppRefs makes the app-level guards or interceptors (kind), each
// replaced by its override; option names WithGuard or WithInterceptor in
// an error.
func resolveAppRefs[T any](s *settings, graph *module.Graph, kind, option string, refs []appRef[T]) ([]T, error) {
	var out []T
	for _, ref := range refs {
		t := ref.typ
		if t == nil {
			t = reflect.TypeOf(ref.instance)
		}
		if r, ok := overrideType[T](s, kind, t); ok {
			out = append(out, r)
			continue
		}
		if ref.typ == nil {
			out = append(out, ref.instance)
			continue
		}
		v, err := graph.Get(ref.typ)
		if err != nil {
			return nil, &OptionError{Option: fmt.Sprintf("%s[%v]", option, ref.typ), Err: fmt.Errorf("the %s: %w", kind, err)}
		}
		out = append(out, v.(T))
	}
	return out, nil
}

// WithGuard adds an app-level guard of type G, built by dependency
// injection: some module must provide G.
func WithGuard[G Guard]() Option {
	t := reflect.TypeFor[G]()
	return option{fmt.Sprintf("WithGuard[%v]", t), func(s *settings) {
		s.guards = append(s.guards, appRef[Guard]{typ: t})
	}}
}

// WithErrorFilters adds app-level error filters, which see every error
// after the route's and the controller's filters.
func WithErrorFilters(filters ...ErrorFilter) Option {
	return option{"WithErrorFilters", func(s *settings) {
		s.filters = append(s.filters, filters...)
	}}
}

// WithValidation registers a custom validate tag on the App's validator.
func WithValidation(tag string, fn validator.Func) Option {
	return option{fmt.Sprintf("WithValidation(%q)", tag), func(s *settings) {
		s.validations = append(s.validations, validation{fmt.Sprintf("WithValidation(%q)", tag), func(v *validator.Validate) error {
			return v.RegisterValidation(tag, fn)
		}})
	}}
}

// WithValidator gives direct access to the App's validator, for struct
// level validations, aliases and the like.
func WithValidator(configure func(*validator.Validate) error) Option {
	return option{"WithValidator", func(s *settings) {
		s.validations = append(s.validations, validation{"WithValidator", configure})
	}}
}

// WithSSE sets the options of every SSE route's stream, such as
// sse.Heartbeat and sse.WriteTimeout.
func WithSSE(options ...sse.Option) Option {
	return option{"WithSSE", func(s *settings) {
		s.sse = append(s.sse, options...)
	}}
}

// WithShutdownTimeout bounds graceful shutdown in Listen (default 10s).
func WithShutdownTimeout(d time.Duration) Option {
	return option{fmt.Sprintf("WithShutdownTimeout(%v)", d), func(s *settings) {
		s.shutdownTimeout = d
	}}
}

// OverrideProvider replaces the provider of T, wherever it is declared,
// with replacement: a T, or a constructor returning one. It is NestJS's
// overrideProvider, for testing controllers with fakes:
//
//	app, err := core.New(TodoModule, core.OverrideProvider[TodoStore](fakeStore))
func OverrideProvider[T any](replacement any) Option {
	t := reflect.TypeFor[T]()
	return option{fmt.Sprintf("OverrideProvider[%v]", t), func(s *settings) {
		s.buildOptions = append(s.buildOptions, module.Override(t, replacement))
	}}
}
