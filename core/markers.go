package core

import (
	"net/http"
	"reflect"
)

// Controller is embedded in a controller struct to mark it and carry its
// tags, like NestJS's @Controller('todos'):
//
//	type TodoController struct {
//		core.Controller `path:"/todos" guards:"Auth" use:"Audit" filters:"MapErrors"`
//		...
//	}
//
// path is the prefix of every route; guards, use and filters name fields or
// methods of the controller (comma-separated) that hold a Guard, an
// core.MiddlewareFunc, or an ErrorFilter, applied to every route. version
// (a positive integer, such as version:"2") puts every route under /v2,
// after WithPrefix's prefix and before path, as NestJS's URI versioning
// does.
type Controller struct{}

// Route markers. A blank field of one of these types declares a route:
//
//	_ core.POST `path:"/" handler:"Create" status:"201" guards:"Auth"`
//
// handler names an exported method; status is the success status (default
// 200); guards, use and filters work as on Controller, for this route only;
// version replaces the controller's.
type (
	GET     struct{}
	POST    struct{}
	PUT     struct{}
	PATCH   struct{}
	DELETE  struct{}
	HEAD    struct{}
	OPTIONS struct{}
	// ANY matches every method, as echo's Any does.
	ANY struct{}
	// SSE is a GET route whose handler returns a channel of sse.Message,
	// (<-chan sse.Message, error) or (chan sse.Message, error); the
	// framework streams it as text/event-stream.
	SSE struct{}
)

// methodAny is the method name routes use for ANY.
const methodAny = "ANY"

// markerMethod maps a marker type to its HTTP method, and says whether the
// route is an event stream.
func markerMethod(t reflect.Type) (method string, stream bool, ok bool) {
	if t == reflect.TypeFor[SSE]() {
		return http.MethodGet, true, true
	}
	method, ok = markerHTTPMethod(t)
	return method, false, ok
}

func markerHTTPMethod(t reflect.Type) (string, bool) {
	switch t {
	case reflect.TypeFor[GET]():
		return http.MethodGet, true
	case reflect.TypeFor[POST]():
		return http.MethodPost, true
	case reflect.TypeFor[PUT]():
		return http.MethodPut, true
	case reflect.TypeFor[PATCH]():
		return http.MethodPatch, true
	case reflect.TypeFor[DELETE]():
		return http.MethodDelete, true
	case reflect.TypeFor[HEAD]():
		return http.MethodHead, true
	case reflect.TypeFor[OPTIONS]():
		return http.MethodOptions, true
	case reflect.TypeFor[ANY]():
		return methodAny, true
	}
	return "", false
}
