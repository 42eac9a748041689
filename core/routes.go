package core

import (
	"net/http"
	"reflect"
)

// RouteDeclarer is a controller that declares routes in code. Routes is
// called once, at start-up; tag routes and builder routes of the same
// controller form one table.
//
//	func (c *TodoController) Routes(r *core.Routes) {
//		r.GET("/", c.List)
//		r.POST("/", c.Create).Status(201).Guard(c.Auth)
//	}
type RouteDeclarer interface {
	Routes(r *Routes)
}

// Routes collects a controller's routes. Its Use, Guard and Filter apply
// to every route of the controller, like the tags on core.Controller.
type Routes struct {
	routes       []*Route
	guards       []Guard
	middleware   []MiddlewareFunc
	filters      []ErrorFilter
	interceptors []Interceptor
	doc          routeDoc // what the controller says of all its routes
	version      string   // Version's, checked at start-up
	versionSet   bool
}

// Route is one declared route; its methods refine it and chain.
type Route struct {
	method    string
	path      string
	handler   any
	name      string // the handler's method name, for messages and logs
	status    int
	statusTag string        // the raw status tag, checked at start-up
	receiver  reflect.Value // a tag route's controller: handler is its method name
	stream    bool          // an SSE route
	// bodyLimit is the route's own body limit in bytes: 0 for the App's,
	// -1 for none. bodyLimitTag is the raw tag, checked at start-up.
	bodyLimit    int64
	bodyLimitSet bool // BodyLimit was called
	bodyLimitTag string
	guards       []Guard
	middleware   []MiddlewareFunc
	filters      []ErrorFilter
	interceptors []Interceptor
	doc          routeDoc // for API descriptions
	// versionTag is the route's version as its tag or Version gives it,
	// version the same once checked at start-up ("" for the controller's).
	versionTag string
	versionSet bool // Version was called
	version    string
}

// Add declares a route for any method; handler is a method value such as
// c.Create, of one of the supported shapes.
func (r *Routes) Add(method, path string, handler any) *Route {
	rt := &Route{method: method, path: path, handler: handler, status: http.StatusOK}
	r.routes = append(r.routes, rt)
	return rt
}

// GET declares a GET route.
func (r *Routes) GET(path string, handler any) *Route { return r.Add(http.MethodGet, path, handler) }

// POST declares a POST route.
func (r *Routes) POST(path string, handler any) *Route { return r.Add(http.MethodPost, path, handler) }

// PUT declares a PUT route.
func (r *Routes) PUT(path string, handler any) *Route { return r.Add(http.MethodPut, path, handler) }

// PATCH declares a PATCH route.
func (r *Routes) PATCH(path string, handler any) *Route {
	return r.Add(http.MethodPatch, path, handler)
}

// DELETE declares a DELETE route.
func (r *Routes) DELETE(path string, handler any) *Route {
	return r.Add(http.MethodDelete, path, handler)
}

// HEAD declares a HEAD route.
func (r *Routes) HEAD(path string, handler any) *Route { return r.Add(http.MethodHead, path, handler) }

// OPTIONS declares an OPTIONS route.
func (r *Routes) OPTIONS(path string, handler any) *Route {
	return r.Add(http.MethodOptions, path, handler)
}

// SSE declares a GET route that streams the channel its handler returns as
// Server-Sent Events; see the SSE marker.
func (r *Routes) SSE(path string, handler any) *Route {
	rt := r.Add(http.MethodGet, path, handler)
	rt.stream = true
	return rt
}

// Any declares a route for every method, as echo's Any does.
func (r *Routes) Any(path string, handler any) *Route { return r.Add(methodAny, path, handler) }

// Use adds middleware to every route of the controller.
func (r *Routes) Use(middleware ...MiddlewareFunc) *Routes {
	r.middleware = append(r.middleware, middleware...)
	return r
}

// Guard adds guards to every route of the controller.
func (r *Routes) Guard(guards ...Guard) *Routes {
	r.guards = append(r.guards, guards...)
	return r
}

// Filter adds error filters to every route of the controller.
func (r *Routes) Filter(filters ...ErrorFilter) *Routes {
	r.filters = append(r.filters, filters...)
	return r
}

// Status sets the success status (default 200). A handler that returns a
// nil result with 204 writes no body.
func (rt *Route) Status(code int) *Route {
	rt.status = code
	return rt
}

// BodyLimit sets the largest request body the route reads, in bytes,
// instead of the App's (Limits.BodyBytes); -1 removes the limit, for a
// route that streams its body itself.
func (rt *Route) BodyLimit(bytes int64) *Route {
	rt.bodyLimit, rt.bodyLimitSet = bytes, true
	return rt
}

// Guard adds guards that run after the app's and the controller's.
func (rt *Route) Guard(guards ...Guard) *Route {
	rt.guards = append(rt.guards, guards...)
	return rt
}

// Use adds middleware that runs after the app's and the controller's.
func (rt *Route) Use(middleware ...MiddlewareFunc) *Route {
	rt.middleware = append(rt.middleware, middleware...)
	return rt
}

// Filter adds error filters that see the route's errors before the
// controller's and the app's filters.
func (rt *Route) Filter(filters ...ErrorFilter) *Route {
	rt.filters = append(rt.filters, filters...)
	return rt
}
