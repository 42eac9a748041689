// Package startupapi makes apps with many routes, each with its own input
// type, for measuring start-up: the godanet app (one controller declaring
// every route with the builder) and the echo app a user would write
// instead (e.Add per route, one validator). BenchmarkStartup
// (startup_test.go) times them in one process, cmd/startupload as whole
// processes; both build them here, so they measure the same code.
package startupapi

import (
	"fmt"
	"net/http"
	"reflect"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/bench/internal/restapi"
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
)

// Route is one generated route: its path, its input type (a struct made
// with reflect.StructOf), and a handler of the shape
// func(core.Context, In) (restapi.Item, error) made with reflect.MakeFunc.
type Route struct {
	Path    string
	In      reflect.Type
	Handler reflect.Value
}

// Routes makes n routes, PUT /r<i>/items/:id, with n distinct input types.
// Each type has restapi.UpdateItem's fields and rules (a path parameter, a
// query parameter, three JSON fields, validate tags), so every route
// answers restapi's request (at its own path) with restapi's answer. A tag
// that nothing reads, route:"<i>", makes the types distinct, as they are
// in an API whose routes each take their own input.
func Routes(n int) []Route {
	base := reflect.TypeFor[restapi.UpdateItem]()
	fields := make([]reflect.StructField, base.NumField())
	for i := range fields {
		f := base.Field(i)
		fields[i] = reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag}
	}
	ctx, out, errType := reflect.TypeFor[core.Context](), reflect.TypeFor[restapi.Item](), reflect.TypeFor[error]()
	fnType := func(in reflect.Type) reflect.Type {
		return reflect.FuncOf([]reflect.Type{ctx, in}, []reflect.Type{out, errType}, false)
	}
	noErr := reflect.Zero(errType)
	handle := func(args []reflect.Value) []reflect.Value {
		return []reflect.Value{reflect.ValueOf(itemOf(args[1])), noErr}
	}
	routes := make([]Route, n)
	for i := range routes {
		fs := append([]reflect.StructField(nil), fields...)
		fs[0].Tag = reflect.StructTag(fmt.Sprintf(`%s route:"%d"`, fs[0].Tag, i))
		in := reflect.StructOf(fs)
		routes[i] = Route{Path: Path(i), In: in, Handler: reflect.MakeFunc(fnType(in), handle)}
	}
	return routes
}

// Path is the path of route i, with ":id" for its path parameter.
func Path(i int) string { return fmt.Sprintf("/r%d/items/:id", i) }

// itemOf is restapi's answer for a generated input, whose fields are
// UpdateItem's, in its order.
func itemOf(in reflect.Value) restapi.Item {
	return restapi.Item{
		ID:     int(in.Field(0).Int()),
		Notify: in.Field(1).Bool(),
		Name:   in.Field(2).String(),
		Tags:   in.Field(3).Interface().([]string),
		Price:  in.Field(4).Float(),
	}
}

// Controller declares the routes with the builder, each answering 201.
type Controller struct{ routes []Route }

// Routes declares the routes.
func (c *Controller) Routes(r *core.Routes) {
	for _, rt := range c.routes {
		r.PUT(rt.Path, rt.Handler.Interface()).Status(http.StatusCreated)
	}
}

// Godanet builds the godanet app: one module, one controller, every route.
func Godanet(routes []Route, options ...core.Option) (*core.App, error) {
	return core.New(&module.Module{Name: "startup", Controllers: []any{&Controller{routes}}}, options...)
}

// Echo builds the baseline: what an echo user writes for the same routes,
// as restapi.Echo does for one (body, query, then path; one shared
// validator), with the input type given at registration.
func Echo(routes []Route) *echo.Echo {
	v := validator.New(validator.WithRequiredStructEnabled())
	e := echo.New()
	for _, rt := range routes {
		in := rt.In
		e.Add(http.MethodPut, rt.Path, func(c echo.Context) error {
			p := reflect.New(in)
			dst := p.Interface()
			b := &echo.DefaultBinder{}
			if err := b.BindBody(c, dst); err != nil {
				return err
			}
			if err := b.BindQueryParams(c, dst); err != nil {
				return err
			}
			if err := b.BindPathParams(c, dst); err != nil {
				return err
			}
			if err := v.Struct(dst); err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, err.Error())
			}
			return c.JSON(http.StatusCreated, itemOf(p.Elem()))
		})
	}
	return e
}
