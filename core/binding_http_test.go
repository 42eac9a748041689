package core_test

// End-to-end tests of binding edge cases and of errors after the response
// has begun.

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
)

// Page is embedded in inputs that list things.
type Page struct {
	Page  int `query:"page" validate:"omitempty,gte=1"`
	Limit int `query:"limit" validate:"omitempty,lte=100"`
}

// AdminInput mixes sources: only the header may set Role, only the query
// Owner, only the path ID.
type AdminInput struct {
	ID    int    `param:"id"`
	Role  string `header:"X-Role"`
	Owner int    `query:"owner"`
	Name  string `json:"name" form:"name"`
	Count int    `json:"count" form:"count"`
	Page
}

type bindingController struct{}

func (bindingController) Routes(r *core.Routes) {
	r.POST("/things/:id", bindingController{}.Echo)
	r.GET("/partial", bindingController{}.Partial)
	r.GET("/db", bindingController{}.DB)
}

func (bindingController) Echo(_ echo.Context, in AdminInput) (AdminInput, error) { return in, nil }

// Partial starts its answer and then panics.
func (bindingController) Partial(c echo.Context) error {
	c.Response().WriteHeader(http.StatusOK)
	_, _ = c.Response().Write([]byte("partial "))
	c.Response().Flush()
	panic("half way")
}

var errDatabase = errors.New("connection to db-7 refused")

// DB fails with a server error that has an internal cause.
func (bindingController) DB(echo.Context) error {
	return echo.NewHTTPError(http.StatusServiceUnavailable, "try again later").SetInternal(errDatabase)
}

func newBindingHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{T: t, Logs: &syncBuffer{}}
	app, err := core.New(&module.Module{Name: "binding", Controllers: []any{&bindingController{}}},
		core.WithLogger(slog.New(slog.NewTextHandler(h.Logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.App, h.Srv = app, httptest.NewServer(app.Handler())
	t.Cleanup(h.Srv.Close)
	return h
}

func TestBodyCannotFillPathQueryOrHeaderFields(t *testing.T) {
	h := newBindingHarness(t)
	var got AdminInput
	h.DecodeJSON(h.Do(request{Method: "POST", Path: "/things/5", Body: `{"name":"n","ID":99,"Role":"admin","Owner":7,"Page":3,"Limit":5}`}), 200, &got)
	if got.ID != 5 || got.Role != "" || got.Owner != 0 || got.Page.Page != 0 || got.Limit != 0 || got.Name != "n" {
		t.Fatalf("bound %+v: the body must set only body fields", got)
	}
	h.DecodeJSON(h.Do(request{Method: "POST", Path: "/things/5?owner=3&page=2", Body: `{"name":"n"}`, Header: map[string]string{"X-Role": "viewer"}}), 200, &got)
	if got.Role != "viewer" || got.Owner != 3 || got.Page.Page != 2 {
		t.Fatalf("bound %+v: header, query and embedded query fields must come from their sources", got)
	}
}

// A body key that names a field read from elsewhere is ignored whatever
// its type: it is no field of the body's, so it cannot fail the request
// with an error naming a field the client never meant.
func TestBodyKeysOfOtherSourcesAreIgnored(t *testing.T) {
	h := newBindingHarness(t)
	var got AdminInput
	h.DecodeJSON(h.Do(request{Method: "POST", Path: "/things/5?owner=3", Body: `{"name":"n","id":"not a number","role":{"an":"object"},"owner":[1]}`}), 200, &got)
	if got.ID != 5 || got.Owner != 3 || got.Role != "" || got.Name != "n" {
		t.Fatalf("bound %+v", got)
	}
	h.DecodeJSON(h.Do(request{Method: "POST", Path: "/things/5", Body: `name=f&ID=9&Role=admin`, ContentType: "application/x-www-form-urlencoded"}), 200, &got)
	if got.ID != 5 || got.Role != "" || got.Name != "f" {
		t.Fatalf("bound from a form %+v", got)
	}
}

func TestBindingErrorsNameTheField(t *testing.T) {
	h := newBindingHarness(t)
	cases := []struct {
		name   string
		req    request
		detail string
		fields []core.FieldError
	}{
		{"embedded query field, wrong type", request{Method: "POST", Path: "/things/1?page=abc"},
			`query parameter "page" must be an integer, got "abc"`,
			[]core.FieldError{{Field: "page", Source: "query", Rule: "type", Message: `must be an integer, got "abc"`}}},
		{"embedded query field, invalid", request{Method: "POST", Path: "/things/1?limit=500"},
			"see errors for each field",
			[]core.FieldError{{Field: "limit", Source: "query", Rule: "lte", Message: "must be at most 100"}}},
		{"form field, wrong type", request{Method: "POST", Path: "/things/1", Body: "name=x&count=many", ContentType: "application/x-www-form-urlencoded"},
			`form field "count" must be an integer, got "many"`,
			[]core.FieldError{{Field: "count", Source: "body", Rule: "type", Message: `must be an integer, got "many"`}}},
		{"array where an object belongs", request{Method: "POST", Path: "/things/1", Body: `[1]`},
			"the request body is an array, but it must be an object", nil},
		{"number where a string belongs", request{Method: "POST", Path: "/things/1", Body: `{"name":1}`},
			`the request body has a number where "name" needs a string`,
			[]core.FieldError{{Field: "name", Source: "body", Rule: "type", Message: "must be a string, got a number"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := h.Problem(h.Do(tc.req), 400)
			if !strings.Contains(p.Detail, tc.detail) || !slices.Equal(p.Errors, tc.fields) {
				t.Fatalf("problem %q %+v\nwant detail with %q and %+v", p.Detail, p.Errors, tc.detail, tc.fields)
			}
		})
	}
}

func TestServerErrorsAreLoggedWithTheirCause(t *testing.T) {
	h := newBindingHarness(t)
	res := h.Do(request{Method: "GET", Path: "/db"})
	p := h.Problem(res, 503)
	if p.Detail != "try again later" || strings.Contains(string(res.Body), "db-7") {
		t.Fatalf("503 answer %s", res.Body)
	}
	waitFor(t, "the cause in the log", func() bool { return strings.Contains(h.Logs.String(), "connection to db-7 refused") })
}

func TestPanicAfterTheResponseBeganCutsTheConnection(t *testing.T) {
	h := newBindingHarness(t)
	res, err := h.Srv.Client().Get(h.Srv.URL + "/partial")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("the response ended cleanly with %q; a panic after the status was sent must cut it", body)
	}
	if strings.Contains(string(body), "problem") || strings.Contains(string(body), "Internal") {
		t.Fatalf("an error body was glued onto the started response: %q", body)
	}
	waitFor(t, "the panic in the log", func() bool { return strings.Contains(h.Logs.String(), "half way") })
}
