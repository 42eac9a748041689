package core_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

type typedInput struct {
	ID   int    `param:"id" validate:"gt=0"`
	Name string `json:"name" validate:"required"`
}

type typedController struct{}

func (c *typedController) Routes(r *core.Routes) {
	r.PUT("/v/:id", core.Typed(c.Value)).Status(http.StatusCreated)
	r.PUT("/p/:id", core.Typed(c.Pointer))
	r.PUT("/s/:id", core.Typed(c.Text))
	r.PUT("/n/:id", core.Typed(c.Nil))
}

func (c *typedController) Value(_ core.Context, in typedInput) (typedInput, error) { return in, nil }
func (c *typedController) Pointer(_ core.Context, in *typedInput) (*typedInput, error) {
	return in, nil
}
func (c *typedController) Text(_ core.Context, in typedInput) (string, error) { return in.Name, nil }
func (c *typedController) Nil(_ core.Context, in typedInput) (any, error)     { return nil, nil }

// TestTyped checks that a Typed route answers as the same route without
// Typed would.
func TestTyped(t *testing.T) {
	app, err := core.New(&module.Module{Name: "typed", Controllers: []any{&typedController{}}},
		core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, body string
		status     int
		want       string
	}{
		{"/v/7", `{"name":"a"}`, 201, `{"ID":7,"name":"a"}`},
		{"/p/7", `{"name":"a"}`, 200, `{"ID":7,"name":"a"}`},
		{"/s/7", `{"name":"a"}`, 200, `a`},
		{"/n/7", `{"name":"a"}`, 200, `null`},
		{"/v/0", `{"name":"a"}`, 400, `"field":"id"`},
		{"/v/7", `{}`, 400, `"field":"name"`},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodPut, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("PUT %s %s: %d %s, want %d with %s", tc.path, tc.body, rec.Code, body, tc.status, tc.want)
		}
	}
}
