package core

import (
	"fmt"
	"reflect"
	"strconv"
)

// What routes say about themselves for API descriptions (RouteInfo, and
// package openapi's document): a summary and a description, the events an
// SSE route sends, whether the route is left out, and how a guard
// authenticates. With tags:
//
//	type TodoController struct {
//		core.Controller `path:"/todos" description:"Todo items and their events"`
//
//		_ core.POST `path:"/" handler:"Create" status:"201" summary:"Create a todo"`
//		_ core.SSE  `path:"/events" handler:"Events" events:"TodoEvents"`
//		_ core.GET  `path:"/debug" handler:"Debug" openapi:"-"`
//	}
//
//	// TodoEvents names the events of the Events stream (the events tag
//	// names a method or field of the controller holding []core.EventType).
//	func (c *TodoController) TodoEvents() []core.EventType {
//		return []core.EventType{core.Event[Todo]("created"), core.Event[TodoRef]("deleted")}
//	}
//
// and with the builder:
//
//	r.Description("Todo items and their events")
//	r.POST("/", c.Create).Status(201).Summary("Create a todo")
//	r.SSE("/events", c.Events).Events(core.Event[Todo]("created"), core.Event[TodoRef]("deleted"))
//	r.GET("/debug", c.Debug).Hidden()

// EventType is an event an SSE route sends: its name (the event field)
// and the Go type of its data.
type EventType struct {
	Name string
	Data reflect.Type
}

// Event declares an event named name whose data is a T (written as JSON,
// or as it is for a string).
func Event[T any](name string) EventType { return EventType{Name: name, Data: reflect.TypeFor[T]()} }

// SecurityScheme is how a guard authenticates, as the OpenAPI document
// describes it (its securitySchemes): for a bearer token,
//
//	core.SecurityScheme{Key: "bearer", Type: "http", Scheme: "bearer"}
type SecurityScheme struct {
	// Key names the scheme in the document's securitySchemes, such as
	// "bearer"; guards that share a Key share one scheme.
	Key string
	// Type is "http" or "apiKey".
	Type string
	// Scheme is the HTTP scheme of an "http" type: "bearer", "basic",
	// "digest" or "negotiate".
	Scheme string
	// BearerFormat hints at a bearer token's format, such as "JWT".
	BearerFormat string
	// In and Name say where an "apiKey" is sent: "header", "query" or
	// "cookie", and under which name.
	In, Name string
	// Description says more, for readers.
	Description string
}

// SecuredGuard is a guard that says how it authenticates: RouteInfo lists
// its scheme, and the OpenAPI document makes the routes it guards require
// it.
type SecuredGuard interface {
	Guard
	SecurityScheme() SecurityScheme
}

// routeDoc is what a route declares about itself for API descriptions.
type routeDoc struct {
	summary, description string
	operationID          string
	hidden               bool
	events               []EventType
	errors               []int // error statuses the route declares it answers
}

// Summary sets the route's one-line summary (RouteInfo.Summary).
func (rt *Route) Summary(s string) *Route {
	rt.doc.summary = s
	return rt
}

// Description sets the route's description (RouteInfo.Description).
func (rt *Route) Description(s string) *Route {
	rt.doc.description = s
	return rt
}

// OperationID sets the route's operation id in API descriptions, instead
// of "Controller.Handler" (RouteInfo.OperationID).
func (rt *Route) OperationID(id string) *Route {
	rt.doc.operationID = id
	return rt
}

// Errors declares error statuses the route answers besides those godanet
// gives (a domain 409, a 503 from a store), for API descriptions
// (RouteInfo.ErrorStatuses); each is a problem+json answer.
func (rt *Route) Errors(statuses ...int) *Route {
	rt.doc.errors = append(rt.doc.errors, statuses...)
	return rt
}

// Hidden leaves the route out of API descriptions (RouteInfo.Hidden).
func (rt *Route) Hidden() *Route {
	rt.doc.hidden = true
	return rt
}

// Events declares the events an SSE route sends (RouteInfo.Events).
func (rt *Route) Events(events ...EventType) *Route {
	rt.doc.events = append(rt.doc.events, events...)
	return rt
}

// Description describes the controller's routes as a group (its tag in
// API descriptions), like the description tag on core.Controller.
func (r *Routes) Description(s string) *Routes {
	r.doc.description = s
	return r
}

// Hidden leaves every route of the controller out of API descriptions,
// like openapi:"-" on core.Controller.
func (r *Routes) Hidden() *Routes {
	r.doc.hidden = true
	return r
}

// Errors declares error statuses every route of the controller answers,
// like the errors tag on core.Controller; see Route.Errors.
func (r *Routes) Errors(statuses ...int) *Routes {
	r.doc.errors = append(r.doc.errors, statuses...)
	return r
}

// readTagDoc reads a marker field's summary, description, openapi and
// events tags.
func (ci *controllerInfo) readTagDoc(rt *Route, tag reflect.StructTag) error {
	rt.doc.summary, rt.doc.description, rt.doc.operationID = tag.Get("summary"), tag.Get("description"), tag.Get("operationId")
	if err := readDocTags(tag, &rt.doc); err != nil {
		return ci.errorf(rt, "%v", err)
	}
	name := tag.Get("events")
	if name == "" {
		return nil
	}
	v, what, err := ci.ref(rt, "events", name)
	if err != nil {
		return err
	}
	if v.Kind() == reflect.Func {
		if v.Type().NumIn() != 0 || v.Type().NumOut() != 1 {
			return ci.errorf(rt, "events reference %q: %s is a %v; it must be a []core.EventType or a method returning one", name, what, v.Type())
		}
		v = v.Call(nil)[0]
	}
	events, ok := v.Interface().([]EventType)
	if !ok {
		return ci.errorf(rt, "events reference %q: %s is a %v; it must be a []core.EventType or a method returning one", name, what, v.Type())
	}
	rt.doc.events = append(rt.doc.events, events...)
	return nil
}

// readDocTags reads the openapi and errors tags of a route or of
// core.Controller into doc.
func readDocTags(tag reflect.StructTag, doc *routeDoc) error {
	switch v := tag.Get("openapi"); v {
	case "":
	case "-":
		doc.hidden = true
	default:
		return fmt.Errorf("openapi tag %q is unknown; the only value is \"-\", which leaves the route out of API descriptions", v)
	}
	for _, s := range splitList(tag.Get("errors")) {
		status, err := strconv.Atoi(s)
		if err != nil || status < 400 || status > 599 {
			return fmt.Errorf("errors tag: %q is not an error status; list statuses from 400 to 599, such as errors:\"409,503\"", s)
		}
		doc.errors = append(doc.errors, status)
	}
	return nil
}

// checkDoc checks what a route declares for API descriptions: its error
// statuses, and (checkEvents) its events.
func checkDoc(rt *Route, controller routeDoc) error {
	for _, s := range concat(controller.errors, rt.doc.errors) {
		if s < 400 || s > 599 {
			return fmt.Errorf("Errors(%d): %d is not an error status; use statuses from 400 to 599", s, s)
		}
	}
	return checkEvents(rt)
}

// checkEvents checks a route's declared events: only an SSE route sends
// events, each named once, with data of a type.
func checkEvents(rt *Route) error {
	if len(rt.doc.events) > 0 && !rt.stream {
		return fmt.Errorf("it declares events, but it is not an SSE route; declare it with core.SSE or r.SSE, or drop the events")
	}
	seen := map[string]bool{}
	for _, e := range rt.doc.events {
		switch {
		case e.Name == "":
			return fmt.Errorf("an event has no name; use core.Event[T](\"name\")")
		case e.Data == nil:
			return fmt.Errorf("event %q has no data type; use core.Event[T](%q)", e.Name, e.Name)
		case seen[e.Name]:
			return fmt.Errorf("event %q is declared twice; declare each event once", e.Name)
		}
		seen[e.Name] = true
	}
	return nil
}
