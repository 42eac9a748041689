package core

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// callerInput and callerResult are the shapes of the REST benchmark's
// route: a path parameter, a JSON body, validation, a struct result.
type callerInput struct {
	ID    int      `param:"id" validate:"gt=0"`
	Name  string   `json:"name" validate:"required,max=50"`
	Tags  []string `json:"tags" validate:"max=5,dive,required"`
	Price float64  `json:"price" validate:"gte=0"`
}

type callerResult struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Price float64  `json:"price"`
}

type callerController struct{}

func (*callerController) Update(_ Context, in callerInput) (callerResult, error) {
	return callerResult(in), nil
}

// BenchmarkCaller measures the ways the decode and call stages can call a
// handler, with the same input and result: Typed's generic adapter (plain
// Go), and reflect.Value.Call on the method expression (what a tag route
// does), on a method value (what a builder route given c.Update does),
// and on the method value reflect makes from the method's name (what tag
// routes did before they called the method expression). The difference
// between them is the cost of calling a named method without generics.
func BenchmarkCaller(b *testing.B) {
	v := newValidator()
	ctrl := &callerController{}
	recv := reflect.ValueOf(ctrl)
	plan := func(handler any) *handlerPlan {
		p, err := newHandlerPlan(handler, false)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	expression := plan(ctrl.Update)
	expression.callMethod(recv, "Update")
	variants := []struct {
		name string
		call caller
	}{
		{"typed", plan(Typed(ctrl.Update)).caller(v, nil, false)},
		{"method-expression", expression.caller(v, nil, false)},
		{"method-value", plan(ctrl.Update).caller(v, nil, false)},
		{"method-by-name", plan(recv.MethodByName("Update").Interface()).caller(v, nil, false)},
	}
	e := echo.New()
	newContext := func() Context {
		req := httptest.NewRequest(http.MethodPut, "/items/42", strings.NewReader(`{"name":"widget","tags":["red","small"],"price":9.5}`))
		req.Header.Set("Content-Type", "application/json")
		c := e.NewContext(req, httptest.NewRecorder())
		c.SetParamNames("id")
		c.SetParamValues("42")
		return c
	}
	for _, variant := range variants {
		out, err := variant.call(newContext())
		if err != nil || out.(callerResult).ID != 42 || len(out.(callerResult).Tags) != 2 {
			b.Fatalf("%s: %+v, %v", variant.name, out, err)
		}
	}
	for _, variant := range variants {
		b.Run(variant.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := variant.call(newContext()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
