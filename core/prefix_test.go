package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// CatsController is at version 1, with one route of version 2.
type CatsController struct {
	core.Controller `path:"/cats" version:"1"`

	_ core.GET `path:"/" handler:"List"`
	_ core.GET `path:"/" handler:"ListV2" version:"2"`
	_ core.GET `path:"/:id" handler:"Get"`
}

type CatID struct {
	ID int `param:"id"`
}

func (c *CatsController) List(core.Context) (string, error)   { return "cats v1", nil }
func (c *CatsController) ListV2(core.Context) (string, error) { return "cats v2", nil }
func (c *CatsController) Get(_ core.Context, in CatID) (string, error) {
	return "cat " + strconv.Itoa(in.ID), nil
}

// DogsController declares its versions with the builder.
type DogsController struct{}

func (c *DogsController) Routes(r *core.Routes) {
	r.Version("3")
	r.GET("/dogs", c.List)
	r.GET("/dogs", c.ListV4).Version("4")
}

func (c *DogsController) List(core.Context) (string, error)   { return "dogs v3", nil }
func (c *DogsController) ListV4(core.Context) (string, error) { return "dogs v4", nil }

// HealthController has no version.
type HealthController struct {
	core.Controller `path:"/health"`

	_ core.GET `path:"/" handler:"Check"`
}

func (c *HealthController) Check(core.Context) (string, error) { return "ok", nil }

// textMount serves its path as text: an extension's mount, which the
// global prefix leaves alone.
type textMount string

func (m textMount) String() string { return "textMount(" + string(m) + ")" }

func (m textMount) Extend([]core.RouteInfo) ([]core.Mount, error) {
	return []core.Mount{{Path: string(m), Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "mounted")
	})}}, nil
}

// The global prefix, then the route's version (or its controller's), then
// the controller's path: over HTTP, in the route map and in App.Routes.
func TestPrefixAndVersions(t *testing.T) {
	var log bytes.Buffer
	app, err := core.New(&module.Module{Name: "pets", Controllers: []any{&CatsController{}, &DogsController{}, &HealthController{}}},
		core.WithLogger(slog.New(slog.NewTextHandler(&log, nil))), core.WithPrefix("api/"),
		core.WithExtension("meta", func() core.Extension { return textMount("/meta") }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	get := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	for path, want := range map[string]string{
		"/api/v1/cats":   "cats v1",
		"/api/v2/cats":   "cats v2", // the route's version replaces the controller's
		"/api/v1/cats/7": "cat 7",
		"/api/v3/dogs":   "dogs v3",
		"/api/v4/dogs":   "dogs v4",
		"/api/health":    "ok",
		"/meta":          "mounted", // an extension's mount is not prefixed
	} {
		if status, body := get(http.MethodGet, path); status != http.StatusOK || body != want {
			t.Errorf("GET %s: %d %q; want 200 %q", path, status, body, want)
		}
	}
	if status, _ := get(http.MethodHead, "/api/v2/cats"); status != http.StatusOK {
		t.Errorf("HEAD /api/v2/cats: %d; want 200", status)
	}
	for _, path := range []string{"/cats", "/v1/cats", "/api/cats", "/api/v2/cats/7", "/api/v1/dogs", "/health", "/api/meta", "/api/v1/health"} {
		if status, _ := get(http.MethodGet, path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d; want 404", path, status)
		}
	}

	for _, want := range []string{"GET /api/v1/cats List", "GET /api/v2/cats ListV2", "GET /api/v1/cats/:id Get", "GET /api/v3/dogs List", "GET /api/v4/dogs ListV4", "GET /api/health Check"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the route map does not list %q:\n%s", want, log.String())
		}
	}

	type pv struct{ path, version string }
	var got []pv
	for _, r := range app.Routes() {
		got = append(got, pv{r.Path, r.Version})
	}
	want := []pv{{"/api/v1/cats", "1"}, {"/api/v2/cats", "2"}, {"/api/v1/cats/:id", "1"}, {"/api/v3/dogs", "3"}, {"/api/v4/dogs", "4"}, {"/api/health", ""}}
	if len(got) != len(want) {
		t.Fatalf("routes: %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("route %d: %v; want %v", i, got[i], want[i])
		}
	}
}

// WithPrefix cleans its prefix: "/" and "" set none, "v/" is "/v".
func TestPrefixCleaned(t *testing.T) {
	for prefix, path := range map[string]string{"": "/health", "/": "/health", "/svc/": "/svc/health", "svc": "/svc/health", "/a/b": "/a/b/health"} {
		app, err := core.New(&module.Module{Name: "m", Controllers: []any{&HealthController{}}},
			core.WithLogger(slog.New(slog.DiscardHandler)), core.WithPrefix(prefix))
		if err != nil {
			t.Fatalf("WithPrefix(%q): %v", prefix, err)
		}
		if got := app.Routes()[0].Path; got != path {
			t.Errorf("WithPrefix(%q): path %s; want %s", prefix, got, path)
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("WithPrefix(%q): GET %s: %d; want 200", prefix, path, rec.Code)
		}
	}
}

// A prefix with a path parameter fails New with an *OptionError.
func TestPrefixWithParameterFails(t *testing.T) {
	for _, prefix := range []string{"/:tenant", "/api/*"} {
		_, err := core.New(&module.Module{Name: "m", Controllers: []any{&HealthController{}}},
			core.WithLogger(slog.New(slog.DiscardHandler)), core.WithPrefix(prefix))
		var oe *core.OptionError
		if !errors.As(err, &oe) || !strings.Contains(oe.Option, "WithPrefix") || !strings.Contains(err.Error(), `such as "/api"`) {
			t.Errorf("WithPrefix(%q): %v; want an *OptionError naming WithPrefix", prefix, err)
		}
	}
}

type BadRouteVersionController struct {
	core.Controller `path:"/cats"`

	_ core.GET `path:"/" handler:"List" version:"two"`
}

func (c *BadRouteVersionController) List(core.Context) (string, error) { return "", nil }

type BadControllerVersionController struct {
	core.Controller `path:"/cats" version:"0"`

	_ core.GET `path:"/" handler:"List"`
}

func (c *BadControllerVersionController) List(core.Context) (string, error) { return "", nil }

type BadBuilderVersionController struct{}

func (c *BadBuilderVersionController) Routes(r *core.Routes) { r.GET("/cats", c.List).Version("v2") }

func (c *BadBuilderVersionController) List(core.Context) (string, error) { return "", nil }

type BadBuilderControllerVersionController struct{}

func (c *BadBuilderControllerVersionController) Routes(r *core.Routes) {
	r.Version("1.5")
	r.GET("/cats", c.List)
}

func (c *BadBuilderControllerVersionController) List(core.Context) (string, error) { return "", nil }

type SameVersionTwiceController struct {
	core.Controller `path:"/cats"`

	_ core.GET `path:"/" handler:"List" version:"2"`
	_ core.GET `path:"/" handler:"Other" version:"2"`
}

func (c *SameVersionTwiceController) List(core.Context) (string, error)  { return "", nil }
func (c *SameVersionTwiceController) Other(core.Context) (string, error) { return "", nil }

// A version that is not a positive integer, and the same route declared
// twice at one version, fail New with a *core.ControllerError that names
// the route (or the controller) and says how to fix it.
func TestVersionStartupErrors(t *testing.T) {
	for _, tt := range []struct {
		name       string
		controller any
		route      string
		want       []string
	}{
		{"route tag", &BadRouteVersionController{}, "GET /api/cats", []string{`version tag "two" is not a positive integer`, `use a number such as version:"2"`}},
		{"controller tag", &BadControllerVersionController{}, "", []string{`version tag "0" is not a positive integer`, `use a number such as version:"2"`}},
		{"route builder", &BadBuilderVersionController{}, "GET /api/cats", []string{`Version("v2") is not a positive integer`, `use a number such as Version("2")`}},
		{"controller builder", &BadBuilderControllerVersionController{}, "", []string{`Routes: Version("1.5") is not a positive integer`, `use a number such as Version("2")`}},
		{"same version twice", &SameVersionTwiceController{}, "GET /api/v2/cats", []string{"declared twice", "SameVersionTwiceController.List", "SameVersionTwiceController.Other", "GET /api/v2/cats"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := core.New(&module.Module{Name: "m", Controllers: []any{tt.controller}},
				core.WithLogger(slog.New(slog.DiscardHandler)), core.WithPrefix("/api"))
			var ce *core.ControllerError
			if !errors.As(err, &ce) {
				t.Fatalf("core.New: %v; want a *core.ControllerError", err)
			}
			if ce.Module != "m" || ce.Controller != fmt.Sprintf("%T", tt.controller) || ce.Route != tt.route {
				t.Errorf("where: module %q controller %q route %q; want route %q", ce.Module, ce.Controller, ce.Route, tt.route)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%s", w, err)
				}
			}
		})
	}
}
