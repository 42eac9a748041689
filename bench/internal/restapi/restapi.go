// Package restapi is the REST endpoint the benchmarks compare, written
// three times: with godanet (a tag route, a builder route, a core.Typed
// builder route, and two of these with an interceptor), as a hand-written
// echo v4 handler, and with huma v2 on its echo adapter. Each takes a path
// parameter, a query parameter and a JSON body, validates them, and
// answers 201 with JSON.
// The benchmarks in rest_test.go and the load generator in cmd/restload
// both build their servers here, so they measure the same code.
package restapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humaecho"
	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
)

// Method, Target, Body and ContentType make the request every variant
// answers; Want is the answer, the same from all three.
const (
	Method      = http.MethodPut
	Target      = "/items/42?notify=true"
	Body        = `{"name":"widget","tags":["red","small"],"price":9.5}`
	ContentType = "application/json"
	WantStatus  = http.StatusCreated
	Want        = `{"id":42,"name":"widget","tags":["red","small"],"price":9.5,"notify":true}` + "\n"
)

// NewRequest returns the benchmarked request, for http.Handler.ServeHTTP.
func NewRequest() *http.Request {
	req := httptest.NewRequest(Method, Target, strings.NewReader(Body))
	req.Header.Set("Content-Type", ContentType)
	return req
}

// UpdateItem is the input of the godanet and echo variants: validator/v10
// tags, bound by echo's DefaultBinder.
type UpdateItem struct {
	ID     int      `param:"id" validate:"gt=0"`
	Notify bool     `query:"notify"`
	Name   string   `json:"name" validate:"required,max=50"`
	Tags   []string `json:"tags" validate:"max=5,dive,required"`
	Price  float64  `json:"price" validate:"gte=0"`
}

// Item is the answer of every variant.
type Item struct {
	ID     int      `json:"id"`
	Name   string   `json:"name"`
	Tags   []string `json:"tags"`
	Price  float64  `json:"price"`
	Notify bool     `json:"notify"`
}

func itemFrom(in UpdateItem) Item {
	return Item{ID: in.ID, Name: in.Name, Tags: in.Tags, Price: in.Price, Notify: in.Notify}
}

// ItemController is the godanet variant: a tag route with a typed handler.
type ItemController struct {
	core.Controller `path:"/items"`

	_ core.PUT `path:"/:id" handler:"Update" status:"201"`
}

// Update is the godanet handler.
func (c *ItemController) Update(_ core.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// ItemRoutes is the same route declared with the builder instead of tags.
type ItemRoutes struct{}

// Routes declares the route.
func (c *ItemRoutes) Routes(r *core.Routes) {
	r.PUT("/items/:id", c.Update).Status(http.StatusCreated)
}

// Update is the godanet handler.
func (c *ItemRoutes) Update(_ core.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// ItemTyped is the builder route with core.Typed: the handler is called as
// Go code, without reflection.
type ItemTyped struct{}

// Routes declares the route.
func (c *ItemTyped) Routes(r *core.Routes) {
	r.PUT("/items/:id", core.Typed(c.Update)).Status(http.StatusCreated)
}

// Update is the godanet handler.
func (c *ItemTyped) Update(_ core.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// PassThrough is the interceptor of the +interceptor variants: it calls
// the handler and returns what it returns, so that what those variants
// add to their twins is the cost of running one interceptor.
func PassThrough(_ core.Context, _ any, next core.Next) (any, error) { return next() }

// ItemIntercepted is ItemController with one interceptor on its route,
// named in the interceptors tag.
type ItemIntercepted struct {
	core.Controller `path:"/items"`
	Pass            core.InterceptorFunc

	_ core.PUT `path:"/:id" handler:"Update" status:"201" interceptors:"Pass"`
}

// Update is the godanet handler.
func (c *ItemIntercepted) Update(_ core.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// ItemTypedIntercepted is ItemTyped with one interceptor on its route,
// given to the builder.
type ItemTypedIntercepted struct{}

// Routes declares the route.
func (c *ItemTypedIntercepted) Routes(r *core.Routes) {
	r.PUT("/items/:id", core.Typed(c.Update)).Status(http.StatusCreated).Intercept(core.InterceptorFunc(PassThrough))
}

// Update is the godanet handler.
func (c *ItemTypedIntercepted) Update(_ core.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// Godanet returns the godanet variant's server.
func Godanet() (http.Handler, error) {
	return newGodanet(&ItemController{})
}

// GodanetBuilder returns the godanet variant with a builder route.
func GodanetBuilder() (http.Handler, error) {
	return newGodanet(&ItemRoutes{})
}

// GodanetTyped returns the godanet variant with a core.Typed builder route.
func GodanetTyped() (http.Handler, error) {
	return newGodanet(&ItemTyped{})
}

// GodanetIntercepted returns the godanet variant with one pass-through
// interceptor, named in the route's tag.
func GodanetIntercepted() (http.Handler, error) {
	return newGodanet(&ItemIntercepted{Pass: PassThrough})
}

// GodanetTypedIntercepted returns the core.Typed variant with one
// pass-through interceptor, given to the builder.
func GodanetTypedIntercepted() (http.Handler, error) {
	return newGodanet(&ItemTypedIntercepted{})
}

func newGodanet(controller any) (http.Handler, error) {
	app, err := core.New(&module.Module{Name: "items", Controllers: []any{controller}},
		core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, err
	}
	return app.Handler(), nil
}

// Echo returns the hand-written echo variant: echo's DefaultBinder, called
// in the order godanet calls it (body, query, then path, which wins), one
// shared validator/v10 instance, and c.JSON. This is what a careful echo
// user writes; echo's c.Bind would bind the path first and let the body
// override it.
func Echo() http.Handler { return echoItems(0) }

// EchoBodyLimit is Echo with the request body bounded to 1 MiB, as godanet
// (and huma) bound it by default: the hand-written baseline with the same
// protection, so that a ratio to it measures the framework alone.
func EchoBodyLimit() http.Handler { return echoItems(1 << 20) }

func echoItems(bodyLimit int64) http.Handler {
	v := validator.New(validator.WithRequiredStructEnabled())
	e := echo.New()
	e.PUT("/items/:id", func(c echo.Context) error {
		if bodyLimit > 0 {
			r := c.Request()
			if r.ContentLength > bodyLimit {
				return echo.ErrStatusRequestEntityTooLarge
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, bodyLimit)
		}
		var in UpdateItem
		b := &echo.DefaultBinder{}
		if err := b.BindBody(c, &in); err != nil {
			return err
		}
		if err := b.BindQueryParams(c, &in); err != nil {
			return err
		}
		if err := b.BindPathParams(c, &in); err != nil {
			return err
		}
		if err := v.Struct(&in); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return c.JSON(http.StatusCreated, itemFrom(in))
	})
	return e
}

// humaInput is the huma variant's input: the same rules as UpdateItem's,
// in huma's JSON Schema tags (minLength on a slice applies to its items).
type humaInput struct {
	ID     int  `path:"id" minimum:"1"`
	Notify bool `query:"notify"`
	Body   struct {
		Name  string   `json:"name" minLength:"1" maxLength:"50"`
		Tags  []string `json:"tags" maxItems:"5" minLength:"1"`
		Price float64  `json:"price" minimum:"0"`
	}
}

type humaOutput struct {
	Body Item
}

// Huma returns the huma v2 variant on echo. The config is huma's default
// without its create hook, which would add a "$schema" field to every
// response body and a Link header: the answer must be byte for byte the
// same as the others'.
func Huma() http.Handler {
	e := echo.New()
	config := huma.DefaultConfig("bench", "1.0.0")
	config.CreateHooks = nil
	api := humaecho.New(e, config)
	huma.Register(api, huma.Operation{
		OperationID:   "update-item",
		Method:        http.MethodPut,
		Path:          "/items/{id}",
		DefaultStatus: http.StatusCreated,
	}, func(_ context.Context, in *humaInput) (*humaOutput, error) {
		return &humaOutput{Body: Item{ID: in.ID, Name: in.Body.Name, Tags: in.Body.Tags, Price: in.Body.Price, Notify: in.Notify}}, nil
	})
	return e
}

// Variant is one server under test.
type Variant struct {
	Name string
	New  func() (http.Handler, error)
}

// Variants lists the servers, the baseline (hand-written echo) first. A
// "+interceptor" variant is its twin without the suffix with one
// pass-through interceptor: a route without interceptors must cost what it
// did before they existed, and the pair shows what one costs.
func Variants() []Variant {
	return []Variant{
		{"echo", func() (http.Handler, error) { return Echo(), nil }},
		{"echo-bodylimit", func() (http.Handler, error) { return EchoBodyLimit(), nil }},
		{"godanet", Godanet},
		{"godanet-builder", GodanetBuilder},
		{"godanet-typed", GodanetTyped},
		{"godanet+interceptor", GodanetIntercepted},
		{"godanet-typed+interceptor", GodanetTypedIntercepted},
		{"huma", func() (http.Handler, error) { return Huma(), nil }},
	}
}
