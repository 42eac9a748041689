package core_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
)

// UpdateItem is the input of the benchmarked route: a path parameter, a
// query parameter and a JSON body, all validated.
type UpdateItem struct {
	ID     int      `param:"id" validate:"gt=0"`
	Notify bool     `query:"notify"`
	Name   string   `json:"name" validate:"required,max=50"`
	Tags   []string `json:"tags" validate:"max=5,dive,required"`
	Price  float64  `json:"price" validate:"gte=0"`
}

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

type ItemController struct {
	core.Controller `path:"/items"`

	_ core.PUT `path:"/:id" handler:"Update" status:"201"`
}

func (c *ItemController) Update(_ echo.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// ItemTypedController is the same route declared with the builder and
// core.Typed, which calls the handler without reflection.
type ItemTypedController struct{}

func (c *ItemTypedController) Routes(r *core.Routes) {
	r.PUT("/items/:id", core.Typed(c.Update)).Status(201)
}

func (c *ItemTypedController) Update(_ echo.Context, in UpdateItem) (Item, error) {
	return itemFrom(in), nil
}

// echoItemHandler is the same route written by hand for echo: the same
// binder calls in the same order as godanet (body, query, then path), the
// same validator setup, and c.JSON. With a bodyLimit, it bounds the body
// as godanet does by default (1 MiB).
func echoItemHandler(v *validator.Validate, bodyLimit int64) echo.HandlerFunc {
	return func(c echo.Context) error {
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
	}
}

const itemBody = `{"name":"widget","tags":["red","small"],"price":9.5}`

// newItemRequest makes the benchmarked request; both sides get theirs
// from here, built the same way.
func newItemRequest() *http.Request {
	req := httptest.NewRequest(http.MethodPut, "/items/42?notify=true", strings.NewReader(itemBody))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	return req
}

// BenchmarkTypedRoute compares a godanet typed route with the same route
// written by hand on echo, in the same run. On a small or shared machine,
// -cpu 1 keeps the garbage collector off the other core, and the noise
// below the difference.
func BenchmarkTypedRoute(b *testing.B) {
	app, err := core.New(&module.Module{Name: "items", Controllers: []any{&ItemController{}}},
		core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	typed, err := core.New(&module.Module{Name: "items", Controllers: []any{&ItemTypedController{}}},
		core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	e.PUT("/items/:id", echoItemHandler(validator.New(validator.WithRequiredStructEnabled()), 0))
	limited := echo.New()
	limited.PUT("/items/:id", echoItemHandler(validator.New(validator.WithRequiredStructEnabled()), core.DefaultBodyBytes))

	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"echo", e},
		{"echo-bodylimit", limited},
		{"godanet", app.Handler()},
		{"godanet-typed", typed.Handler()},
	}
	// Both must give the same answer, or the comparison means nothing.
	const want = `{"id":42,"name":"widget","tags":["red","small"],"price":9.5,"notify":true}` + "\n"
	for _, h := range handlers {
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, newItemRequest())
		if rec.Code != http.StatusCreated || rec.Header().Get(echo.HeaderContentType) != echo.MIMEApplicationJSON || rec.Body.String() != want {
			b.Fatalf("%s answered %d %s: %s\nwant 201 %s: %s", h.name, rec.Code, rec.Header().Get(echo.HeaderContentType), rec.Body, echo.MIMEApplicationJSON, want)
		}
	}

	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.h.ServeHTTP(httptest.NewRecorder(), newItemRequest())
			}
		})
	}
}
