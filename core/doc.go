// Package core turns a module graph into an HTTP application on echo v4:
// controllers declared with struct tags or a builder, typed handlers with
// binding and validation, guards, middleware, problem-details errors and a
// lifecycle.
//
// # Controllers
//
// A controller is a struct built by dependency injection. It declares routes
// with zero-size marker fields (Go's closest thing to decorators):
//
//	type TodoController struct {
//		core.Controller `path:"/todos"`
//		Todos *TodoService
//		Auth  *TokenGuard
//
//		_ core.GET  `path:"/"    handler:"List"`
//		_ core.GET  `path:"/:id" handler:"Get"`
//		_ core.POST `path:"/"    handler:"Create" status:"201" guards:"Auth"`
//	}
//
// or in code, by implementing RouteDeclarer:
//
//	func (c *TodoController) Routes(r *core.Routes) {
//		r.GET("/", c.List)
//		r.POST("/", c.Create).Status(201).Guard(c.Auth)
//	}
//
// Both styles may be mixed; they form one route table, and the same method
// and path declared twice is an error. The tags guards, use, filters and
// interceptors name fields or methods of the controller, comma-separated.
//
// # Prefix and versions
//
// WithPrefix("/api") puts a prefix before every route's path (NestJS's
// setGlobalPrefix). A version tag on Controller or on a route marker
// (version:"2"), or Routes.Version and Route.Version, puts routes under
// /v2 (NestJS's URI versioning); a route's version replaces its
// controller's. A route's path is prefix, version, controller path, route
// path: GET /api/v2/todos/:id. The route map, RouteInfo.Path and so the
// OpenAPI document show it, and duplicates are found on it: v1 and v2 of a
// route are two routes. What an Extension mounts (/openapi.json, /docs)
// is not prefixed. A version that is not a positive integer is a
// *ControllerError, a prefix with a parameter an *OptionError.
//
// # One pipeline
//
// Every route, tag or builder, plain, Typed or SSE, is one handler built
// at start-up from its stages, decode (bind the input, add the attached
// values, validate), the interceptors if it has any, call (the handler)
// and finish (JSON, text, bytes, no body, or the event stream), wrapped
// in links: body limit, middleware, panic recovery, error filters and
// guards (pipeline.go). A handler named in a tag, or given to
// the builder as a method value, is called through reflect.Value.Call,
// planned at start-up; a builder route may wrap its handler in Typed to be
// called as plain Go code, at the cost of hand-written echo.
//
// # Handlers
//
// A handler is one of
//
//	func(core.Context) error
//	func(core.Context) (T, error)
//	func(core.Context, In) error
//	func(core.Context, In) (T, error)
//
// core.Context is echo v4's Context; write core.Context, so that a move to
// another echo is a change inside core (echo.go, its one file that
// imports echo). In is a struct (or pointer to one) bound with echo's
// binder: body first
// (json, form), then query, header, cookie (read by core, converted as a
// query parameter) and path params. A field tagged param, query, header or
// cookie is filled from that source only: what the body put there
// is cleared first, so a client cannot set a header-only field (a role, an
// owner) through the JSON body. A Binder set on App.Echo() replaces these
// steps: it reads the whole input, in its own order, and its errors answer
// as a handler's do; what it reads is its own affair, so the guarantees
// above (the body cannot set a path, query or header field; a body in a
// media type the input does not describe is a 415) are then the Binder's
// to keep. Then the input is validated with the App's one
// validator/v10 instance (validate tags; WithValidation adds rules). T is
// written as JSON with the route's status (default 200); a string as
// text/plain; []byte as application/octet-stream; with status 204 or 304
// nothing is written. A handler that returns only error and writes nothing
// answers with the route's status and no body. Statuses are 200 to 599;
// a 3xx route's handler returns only an error and sets Location (or calls
// c.Redirect): without one, the request is a logged 500.
// Every GET route also answers HEAD (same headers, no body) unless a HEAD
// route is declared for its path; an SSE route's HEAD gets the stream's
// status and headers and no stream.
//
// A body is read only in a Content-Type its input describes: json (and
// untagged) fields read application/json, form fields
// application/x-www-form-urlencoded and multipart/form-data. Any other is
// a 415 that names them. A JSON body must hold exactly one value: more
// after it is a 400.
//
// # Limits
//
// Every route bounds what a request may cost (Limits, WithLimits): a body
// of at most 1 MiB (413 past it; the bodylimit tag and Route.BodyLimit set
// a route's own), 30s to read a request and 10s its headers, 60s for an
// idle keep-alive connection, 64 KiB of headers. A query string that Go
// cannot read whole is a 400, not values silently dropped. A limit is
// checked before any middleware, guard or handler runs: the query before
// echo sees the request, the route's body limit before the first app
// middleware (or, without any, first in the route's chain).
//
// # Order of a request
//
// App middleware, controller middleware, route middleware, then guards
// (app, controller, route), binding and validation, interceptors (app,
// controller, route; see Interceptor), the handler, and error filters
// (route, controller, app) on the way out. Route and controller
// filters see what guards, binding and the handler return; errors from
// middleware reach only the app's filters. A route's controller and route
// middleware are composed into its chain once, at start-up, as chi does
// (echo would call each middleware's outer function on every request):
// keep per-request state inside the handler a middleware returns.
//
// # Request values and interceptors
//
// A guard or middleware attaches what it learns of a request, the signed-in
// user say, with Attach; a handler receives it in an input field tagged
// attached, by its type, or with Attached (see attached.go; an
// AttachingGuard lets New check the routes it guards). An Interceptor wraps
// the handler's call: it sees the input and the result, and may change,
// replace or time them, map errors, or wrap an SSE route's channel with
// sse.Map. OverrideGuard and OverrideInterceptor replace either in tests.
//
// # Errors
//
// Errors are answered as RFC 9457 problem details
// (application/problem+json). A *Problem (BadRequest, NotFound and the
// other helpers) is written as it is; validation failures are a 400 whose
// errors name each field as the client sent it; unreadable input is a 400
// that says which field or byte; an *echo.HTTPError keeps its status; any
// other error, and any panic, is a 500 that reveals nothing and is logged
// with the request id; a chosen 5xx is logged with its cause too. A panic
// after the response has begun cuts the connection (the status is already
// sent) and is logged. ErrorFilter functions at each level map domain
// errors first.
//
// # Start-up
//
// New does every check once: tags, handler signatures, validate tags
// (an unknown rule fails New, not the first request), a param field whose
// name the route's path lacks, a 3xx route that returns a body, guard,
// middleware and interceptor references, an attached field that nothing
// on its route can attach, duplicate routes, and the module graph. Its
// errors name the module, controller, route or provider and how to fix
// the mistake; a controller's mistake is a *ControllerError, an option's
// an *OptionError and a failed hook a *HookError, for errors.As (module's
// errors are typed too). Start-up time is linear in the number of routes
// and input types: validate rules are checked without filling validator's
// struct cache, which validator fills on each input type's first request
// instead (as in a hand-written echo app). The route map is logged a line
// per controller (the guards and interceptors all its routes run, then
// each route with its handler, its own guards in brackets and
// interceptors in braces, SSE routes marked); past 100 routes, one
// line, and the map at debug level.
//
// # The route table and extensions
//
// App.Routes describes every route (RouteInfo): method and path, module,
// controller and handler, status, guards, the input's parameters and body
// media types, the result's type, an SSE route's declared events, and what
// the route says of itself for API descriptions: a summary, a description,
// whether it is hidden, and the security schemes of its guards
// (SecuredGuard). Routes declare these with tags (summary, description,
// openapi:"-", events; description on core.Controller) or the builder
// (Summary, Description, Hidden, Events; Routes.Description). An
// Extension (WithExtension) reads the table at the end of New and may
// serve handlers beside the routes; package openapi's document and docs
// page are one. core itself does not depend on them, so an app that does
// not describe its API links none of it.
//
// # Lifecycle
//
// Providers and controllers implementing OnModuleInit and OnAppBootstrap
// are called by New in dependency order; OnAppShutdown is called by
// Shutdown in reverse order. Listen serves until SIGINT or SIGTERM and then
// shuts down gracefully; Start, Serve and Shutdown embed the App elsewhere;
// Handler serves it from httptest; Echo is the escape hatch. Shutdown ends
// every stream, stops keep-alive so that each connection closes after its
// response, and closes the connections that never sent a request, which
// net/http alone would wait 5 seconds for.
//
// # Streams
//
// An SSE route's handler gets a context made by sse.StreamContext: a Hub
// that drops its subscription for falling behind cuts the connection at
// once, and a panic in a producer run by sse.Produce ends only that stream and
// is logged with the stack, the route and the request id.
package core
