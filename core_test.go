// Package godanet_test tests godanet's public API end to end, over real
// HTTP: modules and DI, controllers in both styles, typed handlers,
// binding and validation, guards, middleware, errors and the lifecycle.
// The application the tests drive is at the end of this file.
package godanet_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/internal/testhttp"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/dig"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "s3cret"

// syncBuffer is a log sink the server and the test share.
type syncBuffer = testhttp.LogBuffer

// harness is testhttp's, with the journal the fixture app writes.
type harness struct {
	testhttp.Harness
	journal *Journal
}

func newHarness(t *testing.T, options ...core.Option) *harness {
	t.Helper()
	h := &harness{Harness: testhttp.Harness{T: t, Logs: &syncBuffer{}}, journal: &Journal{}}
	logger := slog.New(slog.NewTextHandler(h.Logs, nil))
	options = append([]core.Option{
		core.WithLogger(logger),
		core.WithValidation("nospaces", noSpaces),
		core.WithMiddleware(middleware.RequestID(), traceMiddleware("app")),
		core.WithGuard[*AppGuard](),
		core.WithGuards(&TraceGuard{"app"}),
		core.WithErrorFilters(func(err error, _ echo.Context) error {
			if errors.Is(err, errGone) {
				return core.NewProblem(http.StatusGone, "the app filter says it is gone")
			}
			return err
		}),
	}, options...)
	app, err := core.New(newRoot(h.journal, Config{Token: token, MaxNotes: 5}), options...)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	h.App = app
	h.Srv = httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		h.Srv.Close()
		if err := app.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return h
}

// quiet is what the fixture app needs, with logs discarded.
func quiet() []core.Option {
	return []core.Option{core.WithLogger(slog.New(slog.DiscardHandler)), core.WithValidation("nospaces", noSpaces)}
}

// request is testhttp's, shared with the core package's tests.
type request = testhttp.Request

func authed() map[string]string { return map[string]string{"Authorization": "Bearer " + token} }

func TestModulesWireEveryProviderShape(t *testing.T) {
	h := newHarness(t)
	var info Info
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/notes/info"}), 200, &info)
	want := Info{Version: "v1.2.3", Clock: "wall", Checks: []string{"store"}, Max: 5}
	if info.Version != want.Version || info.Clock != want.Clock || !slices.Equal(info.Checks, want.Checks) || info.Max != want.Max {
		t.Fatalf("info %+v, want %+v (dig.Name, dig.Out, dig.Group, the global dynamic module)", info, want)
	}
}

func TestResolveReturnsTheInstanceControllersUse(t *testing.T) {
	h := newHarness(t)
	store, err := core.Resolve[NoteStore](h.App)
	if err != nil {
		t.Fatal(err)
	}
	store.Add("from resolve", nil)
	var notes []Note
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/notes"}), 200, &notes)
	if len(notes) != 1 || notes[0].Title != "from resolve" {
		t.Fatalf("notes %+v, want the note added through Resolve", notes)
	}
	if _, err := core.Resolve[*strings.Builder](h.App); err == nil {
		t.Fatal("Resolve of a type nobody provides succeeded")
	}
}

func TestTagRoutesCRUD(t *testing.T) {
	h := newHarness(t)
	var created Note
	h.DecodeJSON(h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"milk","tags":["shop"]}`, Header: authed()}), 201, &created)
	if created.ID != 1 || created.Title != "milk" || !slices.Equal(created.Tags, []string{"shop"}) {
		t.Fatalf("created %+v", created)
	}
	var got Note
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/notes/1"}), 200, &got)
	if got.ID != 1 || got.Title != "milk" || !slices.Equal(got.Tags, []string{"shop"}) {
		t.Fatalf("got %+v", got)
	}
	var renamed Note
	h.DecodeJSON(h.Do(request{Method: "PUT", Path: "/notes/1", Body: `{"title":"oat milk","id":99}`, Header: authed()}), 200, &renamed)
	if renamed.ID != 1 || renamed.Title != "oat milk" {
		t.Fatalf("renamed %+v: the path id must win over the body", renamed)
	}
	res := h.Do(request{Method: "DELETE", Path: "/notes/1", Header: authed()})
	if res.Status != 204 || len(res.Body) != 0 {
		t.Fatalf("DELETE: %d %q, want 204 and no body", res.Status, res.Body)
	}
	p := h.Problem(h.Do(request{Method: "GET", Path: "/notes/1"}), 404)
	if p.Detail != "note 1: no such note" {
		t.Fatalf("detail %q: the controller filter maps ErrNoSuchNote", p.Detail)
	}
}

func TestBuilderRoutes(t *testing.T) {
	h := newHarness(t)
	h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"a"}`, Header: authed()})
	var stats Stats
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/admin/stats?verbose=true"}), 200, &stats)
	if stats.Count != 1 || !stats.Verbose {
		t.Fatalf("stats %+v", stats)
	}
	res := h.Do(request{Method: "DELETE", Path: "/admin/notes"})
	if res.Status != 204 || len(res.Body) != 0 {
		t.Fatalf("Status(204) with a nil result: %d %q", res.Status, res.Body)
	}
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/admin/stats"}), 200, &stats)
	if stats.Count != 0 {
		t.Fatalf("count %d after clear", stats.Count)
	}
	p := h.Problem(h.Do(request{Method: "GET", Path: "/admin/gone"}), 410)
	if p.Detail != "that is gone" {
		t.Fatalf("route filter: detail %q", p.Detail)
	}
}

func TestResultShapes(t *testing.T) {
	h := newHarness(t)
	res := h.Do(request{Method: "GET", Path: "/notes/text"})
	if res.Status != 200 || string(res.Body) != "plain words" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("string result: %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		res := h.Do(request{Method: m, Path: "/notes/echo-method"})
		if res.Status != 200 || string(res.Body) != m {
			t.Fatalf("ANY route with %s: %d %q", m, res.Status, res.Body)
		}
	}
	res = h.Do(request{Method: "GET", Path: "/notes"})
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/json" || strings.TrimSpace(string(res.Body)) != "[]" {
		t.Fatalf("empty list: %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	res = h.Do(request{Method: "HEAD", Path: "/notes/info"})
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/json" || len(res.Body) != 0 {
		t.Fatalf("HEAD of a GET route: %d %q %q, want 200 with GET's headers and no body", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
}

func TestBindingFromEverySource(t *testing.T) {
	h := newHarness(t)
	for _, title := range []string{"ab one", "ab two", "other"} {
		h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"` + title + `"}`, Header: authed()})
	}
	var found []Note
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/notes/search?q=ab&limit=1", Header: map[string]string{"X-Client": "test"}}), 200, &found)
	if len(found) != 1 || found[0].Title != "ab one" {
		t.Fatalf("query+header binding: %+v", found)
	}
	var fromForm Note
	form := url.Values{"title": {"from a form"}}.Encode()
	h.DecodeJSON(h.Do(request{Method: "POST", Path: "/notes/form", Body: form, ContentType: "application/x-www-form-urlencoded"}), 201, &fromForm)
	if fromForm.Title != "from a form" {
		t.Fatalf("form binding: %+v", fromForm)
	}
}

func TestValidationErrorsNameFieldsAsTheClientSentThem(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("x", 21)
	cases := []struct {
		name string
		req  request
		want []core.FieldError
	}{
		{"missing body field", request{Method: "POST", Path: "/notes", Body: `{}`, Header: authed()},
			[]core.FieldError{{Field: "title", Source: "body", Rule: "required", Message: "is required"}}},
		{"too long", request{Method: "POST", Path: "/notes", Body: `{"title":"` + long + `"}`, Header: authed()},
			[]core.FieldError{{Field: "title", Source: "body", Rule: "max", Message: "must be at most 20 characters"}}},
		{"custom rule in a slice", request{Method: "POST", Path: "/notes", Body: `{"title":"t","tags":["ok","not ok"]}`, Header: authed()},
			[]core.FieldError{{Field: "tags[1]", Source: "body", Rule: "nospaces", Message: `failed the "nospaces" rule`}}},
		{"query and header", request{Method: "GET", Path: "/notes/search?limit=99"},
			[]core.FieldError{
				{Field: "q", Source: "query", Rule: "required", Message: "is required"},
				{Field: "limit", Source: "query", Rule: "lte", Message: "must be at most 50"},
				{Field: "X-Client", Source: "header", Rule: "required", Message: "is required"},
			}},
		{"path", request{Method: "GET", Path: "/notes/0"},
			[]core.FieldError{{Field: "id", Source: "path", Rule: "gt", Message: "must be greater than 0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := h.Problem(h.Do(tc.req), 400)
			if !slices.Equal(p.Errors, tc.want) {
				t.Fatalf("errors\n got %+v\nwant %+v", p.Errors, tc.want)
			}
		})
	}
}

func TestBadInputIsAClearClientError(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name       string
		req        request
		status     int
		detailHas  string
		wantFields []string
	}{
		{"malformed JSON", request{Method: "POST", Path: "/notes", Body: `{"title": nope}`, Header: authed()}, 400, "not valid JSON", nil},
		{"truncated JSON", request{Method: "POST", Path: "/notes", Body: `{"title": "a`, Header: authed()}, 400, "not valid JSON", nil},
		{"wrong JSON type", request{Method: "POST", Path: "/notes", Body: `{"title": 42}`, Header: authed()}, 400, `"title" needs a string`, []string{"title"}},
		{"non-numeric path id", request{Method: "GET", Path: "/notes/abc"}, 400, `path parameter "id" must be an integer, got "abc"`, []string{"id"}},
		{"non-numeric query", request{Method: "GET", Path: "/notes/search?q=ab&limit=lots", Header: map[string]string{"X-Client": "t"}}, 400, `query parameter "limit" must be an integer`, []string{"limit"}},
		{"unsupported media type", request{Method: "POST", Path: "/notes", Body: `<note/>`, ContentType: "text/csv", Header: authed()}, 415, "", nil},
		{"unknown route", request{Method: "GET", Path: "/nowhere"}, 404, "", nil},
		{"wrong method", request{Method: "PATCH", Path: "/notes"}, 405, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := h.Do(tc.req)
			p := h.Problem(res, tc.status)
			if !strings.Contains(p.Detail, tc.detailHas) {
				t.Fatalf("detail %q does not say %q", p.Detail, tc.detailHas)
			}
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tc.wantFields) {
				t.Fatalf("error fields %v, want %v", fields, tc.wantFields)
			}
			if tc.status == 405 && !strings.Contains(res.Header.Get("Allow"), "GET") {
				t.Fatalf("405 without an Allow header listing GET: %q", res.Header.Get("Allow"))
			}
		})
	}
}

func TestGuards(t *testing.T) {
	h := newHarness(t)
	p := h.Problem(h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"x"}`}), 401)
	if p.Detail != "missing bearer token" {
		t.Fatalf("401 detail %q", p.Detail)
	}
	h.Problem(h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"x"}`, Header: map[string]string{"Authorization": "Bearer wrong"}}), 403)
	// Guards run before binding: invalid input behind a denying guard is a 403, not a 400.
	h.Problem(h.Do(request{Method: "POST", Path: "/notes", Body: `{"title": nope`, Header: map[string]string{"Authorization": "Bearer wrong"}}), 403)
	h.Problem(h.Do(request{Method: "GET", Path: "/admin/stats?verbose=maybe", Header: map[string]string{"X-Deny": "route"}}), 403)
	for _, denier := range []string{"app-di", "app", "controller"} {
		h.Problem(h.Do(request{Method: "GET", Path: "/admin/stats", Header: map[string]string{"X-Deny": denier}}), 403)
	}
}

func TestOrderOfMiddlewareGuardsAndHandler(t *testing.T) {
	h := newHarness(t)
	var stats Stats
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/admin/stats"}), 200, &stats)
	want := []string{"mw:app", "mw:controller", "mw:route", "guard:app-di", "guard:app", "guard:controller", "guard:route", "handler"}
	if !slices.Equal(stats.Trace, want) {
		t.Fatalf("order\n got %v\nwant %v", stats.Trace, want)
	}
}

func TestErrors(t *testing.T) {
	h := newHarness(t)

	res := h.Do(request{Method: "GET", Path: "/notes/fail/unknown"})
	p := h.Problem(res, 500)
	if strings.Contains(string(res.Body), "hunter2") || p.Detail != "" {
		t.Fatalf("a 500 leaked internals: %s", res.Body)
	}
	id := res.Header.Get(echo.HeaderXRequestID)
	logs := h.Logs.String()
	if id == "" || !strings.Contains(logs, "hunter2") || !strings.Contains(logs, "request_id="+id) {
		t.Fatalf("the unknown error is not logged with request id %q:\n%s", id, logs)
	}

	res = h.Do(request{Method: "GET", Path: "/notes/fail/panic"})
	h.Problem(res, 500)
	if strings.Contains(string(res.Body), "secret panic") || !strings.Contains(h.Logs.String(), "secret panic detail") {
		t.Fatalf("panic: body %s; logs must hold the panic value", res.Body)
	}

	if p := h.Problem(h.Do(request{Method: "GET", Path: "/notes/fail/teapot"}), 418); p.Detail != "short and stout" {
		t.Fatalf("echo.HTTPError detail %q", p.Detail)
	}
	if p := h.Problem(h.Do(request{Method: "GET", Path: "/notes/fail/gone"}), 410); p.Detail != "the app filter says it is gone" {
		t.Fatalf("app filter: detail %q", p.Detail)
	}
	if p := h.Problem(h.Do(request{Method: "GET", Path: "/notes/fail/other"}), 404); p.Detail != `no failure named "other"` {
		t.Fatalf("helper: detail %q", p.Detail)
	}
	for i := range 5 {
		h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"n"}`, Header: authed()})
		_ = i
	}
	if p := h.Problem(h.Do(request{Method: "POST", Path: "/notes", Body: `{"title":"n"}`, Header: authed()}), 409); p.Detail != "the notebook is full (5 notes)" {
		t.Fatalf("Conflict helper: detail %q", p.Detail)
	}
}

func TestEchoMiddlewareWorksUnchanged(t *testing.T) {
	var access syncBuffer
	h := newHarness(t, core.WithMiddleware(
		//lint:ignore SA1019 echo's classic Logger is deprecated but widely used; it must keep working.
		middleware.LoggerWithConfig(middleware.LoggerConfig{Output: &access, Format: "${method} ${uri} ${status}\n"}),
		middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: func(_ echo.Context, err error, _ []byte) error { return err }}),
		middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: []string{"https://app.example"}}),
		middleware.Gzip(),
		middleware.BodyLimit("1K"),
	))

	res := h.Do(request{Method: "GET", Path: "/notes"})
	if res.Header.Get(echo.HeaderXRequestID) == "" {
		t.Fatal("RequestID: no X-Request-Id header")
	}
	if !strings.Contains(access.String(), "GET /notes 200") {
		t.Fatalf("Logger: access log %q", access.String())
	}

	res = h.Do(request{Method: "OPTIONS", Path: "/notes", Header: map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}})
	if res.Status != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("CORS preflight: %d %v", res.Status, res.Header)
	}

	res = h.Do(request{Method: "GET", Path: "/notes/info", Header: map[string]string{"Accept-Encoding": "gzip"}})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(plain), `"version":"v1.2.3"`) {
		t.Fatalf("Gzip body %q, %v", plain, err)
	}

	big := `{"title":"` + strings.Repeat("x", 2048) + `"}`
	h.Problem(h.Do(request{Method: "POST", Path: "/notes", Body: big, Header: authed()}), 413)

	res = h.Do(request{Method: "GET", Path: "/notes/fail/panic"})
	h.Problem(res, 500)
	if strings.Contains(string(res.Body), "secret") {
		t.Fatalf("Recover: body leaked the panic: %s", res.Body)
	}

	if access.String() == "" || !strings.Contains(access.String(), "/notes/fail/panic 500") {
		t.Fatalf("Logger did not see the 500: %q", access.String())
	}
}

func TestRoutesAreLoggedAtStart(t *testing.T) {
	h := newHarness(t)
	logs := h.Logs.String()
	// One line per controller, listing its routes and their handlers.
	for _, line := range []string{
		`msg="godanet: routes mapped" module=notes controller=NoteController guards="AppGuard TraceGuard" routes="GET /notes List, `,
		", POST /notes Create [TokenGuard], ",
		`msg="godanet: routes mapped" module=notes controller=AdminController guards="AppGuard TraceGuard TraceGuard" routes="GET /admin/stats Stats [TraceGuard], `,
		", ANY /notes/echo-method Method\"",
	} {
		if !strings.Contains(logs, line) {
			t.Errorf("start-up log lacks %q:\n%s", line, logs)
		}
	}
	routes := h.App.Routes()
	if len(routes) != 14 {
		t.Fatalf("%d routes mapped, want 14: %+v", len(routes), routes)
	}
	create := slices.IndexFunc(routes, func(r core.RouteInfo) bool { return r.Method == "POST" && r.Path == "/notes" })
	if create < 0 || routes[create].Status != 201 || routes[create].Module != "notes" || routes[create].Guards != 3 {
		t.Fatalf("POST /notes: %+v", routes)
	}
}

func TestEchoEscapeHatch(t *testing.T) {
	h := newHarness(t)
	h.App.Echo().GET("/raw", func(c echo.Context) error { return c.String(200, "raw echo") })
	if res := h.Do(request{Method: "GET", Path: "/raw"}); string(res.Body) != "raw echo" {
		t.Fatalf("raw route: %d %q", res.Status, res.Body)
	}
	if res := h.Do(request{Method: "GET", Path: "/notes"}); res.Status != 200 {
		t.Fatalf("framework route next to a raw one: %d", res.Status)
	}
}

// fakeStore replaces the real store in TestOverrideProvider.
type fakeStore struct{ NoteStore }

func (fakeStore) List() []Note { return []Note{{ID: 7, Title: "from the fake"}} }

func TestOverrideProvider(t *testing.T) {
	h := newHarness(t, core.OverrideProvider[NoteStore](fakeStore{}))
	var notes []Note
	h.DecodeJSON(h.Do(request{Method: "GET", Path: "/notes"}), 200, &notes)
	if len(notes) != 1 || notes[0].Title != "from the fake" {
		t.Fatalf("notes %+v, want the fake's", notes)
	}
	if got := h.journal.With("built:"); slices.Contains(got, "store") {
		t.Fatalf("the overridden constructor still ran: %v", got)
	}
}

func TestLifecycleHooksRunInDependencyOrder(t *testing.T) {
	j := &Journal{}
	app, err := core.New(newRoot(j, Config{Token: token}), quiet()...)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.With("init:"); !slices.Equal(got, []string{"store", "service"}) {
		t.Fatalf("OnModuleInit order %v, want dependencies first", got)
	}
	if got := j.With("boot:"); !slices.Equal(got, []string{"service"}) {
		t.Fatalf("OnAppBootstrap %v", got)
	}
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + app.Addr().String() + "/notes")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := app.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := j.With("down:"); !slices.Equal(got, []string{"service", "store"}) {
		t.Fatalf("OnAppShutdown order %v, want reverse", got)
	}
	if err := app.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := app.Start("127.0.0.1:0"); !errors.Is(err, core.ErrAppClosed) {
		t.Fatalf("Start after Shutdown: %v, want ErrAppClosed", err)
	}
}

func TestConstructorErrorAbortsStart(t *testing.T) {
	_, err := core.New(newRoot(&Journal{}, Config{MaxNotes: -1}), quiet()...)
	if err == nil {
		t.Fatal("New succeeded with a failing constructor")
	}
	for _, want := range []string{`module "store"`, "newMemStore", "MaxNotes must not be negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestVisibilityErrorSaysWhatToImport(t *testing.T) {
	lonely := &module.Module{Name: "lonely", Imports: []*module.Module{StoreModule}, Providers: []any{NewNoteService}, Controllers: []any{NewNoteController}}
	root := &module.Module{Name: "app", Imports: []*module.Module{ConfigModule(Config{}, &Journal{}), AuthModule, lonely}}
	_, err := core.New(root, quiet()...)
	if err == nil || !strings.Contains(err.Error(), `module "lonely"`) || !strings.Contains(err.Error(), "*godanet_test.TokenGuard") ||
		!strings.Contains(err.Error(), `add "auth" to the Imports of "lonely"`) {
		t.Fatalf("error %v: must name the module, the type and the import to add", err)
	}
}

type badTag struct {
	Title string `json:"title" validate:"required,notblank"`
}

type badTagController struct{}

func (badTagController) Routes(r *core.Routes) { r.POST("/bad", badTagController{}.Create) }

func (badTagController) Create(echo.Context, badTag) error { return nil }

func TestUnknownValidateTagFailsAtStart(t *testing.T) {
	_, err := core.New(&module.Module{Name: "tags", Controllers: []any{&badTagController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err == nil {
		t.Fatal("New accepted a validate tag the validator does not know")
	}
	for _, want := range []string{`module "tags"`, "route POST /bad", "notblank", "core.WithValidation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// slowController holds a request open until the test releases it.
type slowController struct {
	entered, release chan struct{}
}

func (s *slowController) Routes(r *core.Routes) { r.GET("/slow", s.Slow) }

func (s *slowController) Slow(echo.Context) (string, error) {
	close(s.entered)
	<-s.release
	return "done", nil
}

func TestShutdownWaitsForRequestsInFlight(t *testing.T) {
	slow := &slowController{entered: make(chan struct{}), release: make(chan struct{})}
	app, err := core.New(&module.Module{Name: "slow", Controllers: []any{slow}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := app.Addr().String()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := client.Get("http://" + addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-slow.entered
	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- app.Shutdown(context.Background()) }()
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	default:
	}
	close(slow.release)
	if r := <-got; r.err != nil || r.body != "done" {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	if err := <-shutdownDone; err != nil {
		t.Fatal(err)
	}
}

func TestListenShutsDownGracefullyOnSIGINT(t *testing.T) {
	j := &Journal{}
	app, err := core.New(newRoot(j, Config{Token: token}), append(quiet(), core.WithShutdownTimeout(5*time.Second))...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listen("127.0.0.1:0") }()
	waitFor(t, "Listen to bind", func() bool { return app.Addr() != nil })
	client := &http.Client{Transport: &http.Transport{}}
	res, err := client.Get("http://" + app.Addr().String() + "/notes")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	client.CloseIdleConnections()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Listen: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not return after SIGINT")
	}
	if got := j.With("down:"); !slices.Equal(got, []string{"service", "store"}) {
		t.Fatalf("shutdown hooks after SIGINT: %v", got)
	}
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testhttp.WaitFor(t, what, cond)
}

// ---- the application under test ----
//
// Several modules wired the ways users wire them (constructors of every
// shape dig accepts, values, module.As, module.Name, module.Group,
// dig.Out, a dynamic module, a Global module), a controller declared with
// tags and one with the builder.

// Journal records what happened, in order, for assertions.
type Journal struct {
	mu      sync.Mutex
	entries []string
}

func (j *Journal) Add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, s)
}

func (j *Journal) With(prefix string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, e := range j.entries {
		if strings.HasPrefix(e, prefix) {
			out = append(out, strings.TrimPrefix(e, prefix))
		}
	}
	return out
}

// ---- config: a dynamic, global module (NestJS's forRoot) ----

type Config struct {
	Token    string
	MaxNotes int
}

func ConfigModule(cfg Config, j *Journal) *module.Module {
	c := &cfg
	return &module.Module{Name: "config", Providers: []any{c, j}, Exports: []any{c, j}, Global: true}
}

// ---- store: an interface bound with module.As, a dig.Out constructor ----

type Note struct {
	ID    int      `json:"id"`
	Title string   `json:"title"`
	Tags  []string `json:"tags,omitempty"`
}

var ErrNoSuchNote = errors.New("no such note")

type NoteStore interface {
	Add(title string, tags []string) Note
	Get(id int) (Note, error)
	List() []Note
	Delete(id int) error
}

type memStore struct {
	mu      sync.Mutex
	next    int
	notes   map[int]Note
	journal *Journal
}

func newMemStore(cfg *Config, j *Journal) (*memStore, error) {
	if cfg.MaxNotes < 0 {
		return nil, errors.New("MaxNotes must not be negative")
	}
	j.Add("built:store")
	return &memStore{notes: map[int]Note{}, journal: j}, nil
}

func (s *memStore) Add(title string, tags []string) Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	n := Note{ID: s.next, Title: title, Tags: tags}
	s.notes[n.ID] = n
	return n
}

func (s *memStore) Get(id int) (Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[id]
	if !ok {
		return Note{}, fmt.Errorf("note %d: %w", id, ErrNoSuchNote)
	}
	return n, nil
}

func (s *memStore) List() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Note, 0, len(s.notes))
	for _, n := range s.notes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Note) int { return a.ID - b.ID })
	return out
}

func (s *memStore) Delete(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.notes[id]; !ok {
		return fmt.Errorf("note %d: %w", id, ErrNoSuchNote)
	}
	delete(s.notes, id)
	return nil
}

// Clock and IDs come from one dig.Out constructor.
type Clock struct{ Name string }
type IDs struct{ Prefix string }

type clockAndIDs struct {
	dig.Out
	Clock *Clock
	IDs   *IDs
}

func newClockAndIDs() clockAndIDs {
	return clockAndIDs{Clock: &Clock{Name: "wall"}, IDs: &IDs{Prefix: "n-"}}
}

// Health checks are a value group.
type HealthCheck struct{ Name string }

var StoreModule = &module.Module{
	Name: "store",
	Providers: []any{
		module.Provide(newMemStore, module.As[NoteStore]()),
		newClockAndIDs,
		module.Provide(func() HealthCheck { return HealthCheck{"store"} }, module.Group("health")),
		module.Provide(version, module.Name("version")),
	},
	Exports: []any{newMemStore, newClockAndIDs, version},
}

func version() string { return "v1.2.3" }

// ---- auth: guards built by dependency injection ----

// TokenGuard admits requests with "Authorization: Bearer <Config.Token>".
type TokenGuard struct{ token string }

func NewTokenGuard(cfg *Config) *TokenGuard { return &TokenGuard{token: cfg.Token} }

func (g *TokenGuard) CanActivate(c echo.Context) (bool, error) {
	h := c.Request().Header.Get("Authorization")
	if h == "" {
		return false, core.Unauthorized("missing bearer token")
	}
	return h == "Bearer "+g.token, nil
}

// TraceGuard records that it ran, and denies when X-Deny names it.
type TraceGuard struct{ name string }

func (g *TraceGuard) CanActivate(c echo.Context) (bool, error) {
	trace(c, "guard:"+g.name)
	return c.Request().Header.Get("X-Deny") != g.name, nil
}

type AppGuard struct{ TraceGuard }

func NewAppGuard() *AppGuard { return &AppGuard{TraceGuard{"app-di"}} }

var AuthModule = &module.Module{
	Name:      "auth",
	Providers: []any{NewTokenGuard, NewAppGuard},
	Exports:   []any{NewTokenGuard, NewAppGuard},
}

// trace appends a step to the request's trace.
func trace(c echo.Context, step string) {
	steps, _ := c.Get("trace").([]string)
	c.Set("trace", append(steps, step))
}

func traceMiddleware(name string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			trace(c, "mw:"+name)
			return next(c)
		}
	}
}

// ---- notes: the controller declared with tags ----

type NoteService struct {
	Store   NoteStore
	Version string
	Clock   *Clock
	Checks  []HealthCheck
	journal *Journal
}

type noteServiceDeps struct {
	dig.In
	Store   NoteStore
	Version string `name:"version"`
	Clock   *Clock
	Checks  []HealthCheck `group:"health"`
	Missing *IDs          `optional:"true"`
	Journal *Journal
}

func NewNoteService(d noteServiceDeps) *NoteService {
	d.Journal.Add("built:service")
	return &NoteService{Store: d.Store, Version: d.Version, Clock: d.Clock, Checks: d.Checks, journal: d.Journal}
}

func (s *NoteService) OnModuleInit(context.Context) error { s.journal.Add("init:service"); return nil }
func (s *NoteService) OnAppBootstrap(context.Context) error {
	s.journal.Add("boot:service")
	return nil
}
func (s *NoteService) OnAppShutdown(context.Context) error { s.journal.Add("down:service"); return nil }

func (s *memStore) OnModuleInit(context.Context) error  { s.journal.Add("init:store"); return nil }
func (s *memStore) OnAppShutdown(context.Context) error { s.journal.Add("down:store"); return nil }

type CreateNote struct {
	Title string   `json:"title" validate:"required,max=20"`
	Tags  []string `json:"tags" validate:"max=3,dive,required,nospaces"`
}

type NoteID struct {
	ID int `param:"id" validate:"gt=0"`
}

type SearchNotes struct {
	Query  string `query:"q" validate:"required,min=2"`
	Limit  int    `query:"limit" validate:"omitempty,lte=50"`
	Client string `header:"X-Client" validate:"required"`
}

type RenameNote struct {
	ID    int    `param:"id" validate:"gt=0"`
	Title string `json:"title" validate:"required"`
}

type FormNote struct {
	Title string `form:"title" validate:"required"`
}

type Info struct {
	Version string   `json:"version"`
	Clock   string   `json:"clock"`
	Checks  []string `json:"checks"`
	Max     int      `json:"max"`
}

type NoteController struct {
	core.Controller `path:"/notes" filters:"MapErrors"`
	Notes           *NoteService
	Auth            *TokenGuard
	Cfg             *Config

	_ core.GET    `path:"/"            handler:"List"`
	_ core.GET    `path:"/info"        handler:"Info"`
	_ core.GET    `path:"/search"      handler:"Search"`
	_ core.GET    `path:"/text"        handler:"Text"`
	_ core.GET    `path:"/:id"         handler:"Get"`
	_ core.POST   `path:"/"            handler:"Create" status:"201" guards:"Auth"`
	_ core.POST   `path:"/form"        handler:"CreateFromForm" status:"201"`
	_ core.PUT    `path:"/:id"         handler:"Rename" guards:"Auth"`
	_ core.DELETE `path:"/:id"         handler:"Delete" status:"204" guards:"Auth"`
	_ core.GET    `path:"/fail/:kind"  handler:"Fail"`
	_ core.ANY    `path:"/echo-method" handler:"Method"`
}

func NewNoteController(s *NoteService, auth *TokenGuard, cfg *Config) *NoteController {
	return &NoteController{Notes: s, Auth: auth, Cfg: cfg}
}

func (c *NoteController) List(echo.Context) ([]Note, error) { return c.Notes.Store.List(), nil }

func (c *NoteController) Info(echo.Context) (Info, error) {
	var checks []string
	for _, h := range c.Notes.Checks {
		checks = append(checks, h.Name)
	}
	slices.Sort(checks)
	return Info{Version: c.Notes.Version, Clock: c.Notes.Clock.Name, Checks: checks, Max: c.Cfg.MaxNotes}, nil
}

func (c *NoteController) Search(_ echo.Context, in SearchNotes) ([]Note, error) {
	var out []Note
	for _, n := range c.Notes.Store.List() {
		if strings.Contains(n.Title, in.Query) {
			out = append(out, n)
		}
	}
	if in.Limit > 0 && len(out) > in.Limit {
		out = out[:in.Limit]
	}
	return out, nil
}

func (c *NoteController) Text(echo.Context) (string, error) { return "plain words", nil }

func (c *NoteController) Get(_ echo.Context, in NoteID) (Note, error) {
	return c.Notes.Store.Get(in.ID)
}

func (c *NoteController) Create(_ echo.Context, in CreateNote) (Note, error) {
	if c.Cfg.MaxNotes > 0 && len(c.Notes.Store.List()) >= c.Cfg.MaxNotes {
		return Note{}, core.Conflict("the notebook is full (%d notes)", c.Cfg.MaxNotes)
	}
	return c.Notes.Store.Add(in.Title, in.Tags), nil
}

func (c *NoteController) CreateFromForm(_ echo.Context, in *FormNote) (Note, error) {
	return c.Notes.Store.Add(in.Title, nil), nil
}

func (c *NoteController) Rename(_ echo.Context, in *RenameNote) (Note, error) {
	n, err := c.Notes.Store.Get(in.ID)
	if err != nil {
		return Note{}, err
	}
	n.Title = in.Title
	return n, nil
}

func (c *NoteController) Delete(_ echo.Context, in NoteID) error {
	return c.Notes.Store.Delete(in.ID)
}

func (c *NoteController) Method(ctx echo.Context) error {
	return ctx.String(http.StatusOK, ctx.Request().Method)
}

// Fail returns the kinds of error the error tests need.
func (c *NoteController) Fail(ctx echo.Context) error {
	switch ctx.Param("kind") {
	case "unknown":
		return errors.New("database password is hunter2")
	case "panic":
		panic("secret panic detail")
	case "teapot":
		return echo.NewHTTPError(http.StatusTeapot, "short and stout")
	case "gone":
		return errGone
	}
	return core.NotFound("no failure named %q", ctx.Param("kind"))
}

var errGone = errors.New("gone for good")

// MapErrors is the controller's error filter: domain errors to statuses.
func (c *NoteController) MapErrors(err error, _ echo.Context) error {
	if errors.Is(err, ErrNoSuchNote) {
		return core.NotFound("%v", err)
	}
	return err
}

// ---- admin: the controller declared with the builder ----

type AdminController struct {
	Notes *NoteService
}

func NewAdminController(s *NoteService) *AdminController { return &AdminController{Notes: s} }

type StatsQuery struct {
	Verbose bool `query:"verbose"`
}

type Stats struct {
	Count   int      `json:"count"`
	Trace   []string `json:"trace,omitempty"`
	Verbose bool     `json:"verbose"`
}

func (a *AdminController) Routes(r *core.Routes) {
	r.Use(traceMiddleware("controller")).Guard(&TraceGuard{"controller"})
	r.GET("/admin/stats", a.Stats).
		Use(traceMiddleware("route")).
		Guard(&TraceGuard{"route"})
	r.DELETE("/admin/notes", a.Clear).Status(http.StatusNoContent)
	r.GET("/admin/gone", a.Gone).Filter(func(err error, c echo.Context) error {
		if errors.Is(err, errGone) {
			return echo.NewHTTPError(http.StatusGone, "that is gone")
		}
		return err
	})
}

func (a *AdminController) Stats(c echo.Context, q StatsQuery) (Stats, error) {
	trace(c, "handler")
	steps, _ := c.Get("trace").([]string)
	return Stats{Count: len(a.Notes.Store.List()), Trace: steps, Verbose: q.Verbose}, nil
}

func (a *AdminController) Clear(echo.Context) (*Stats, error) {
	for _, n := range a.Notes.Store.List() {
		_ = a.Notes.Store.Delete(n.ID)
	}
	return nil, nil
}

func (a *AdminController) Gone(echo.Context) error { return errGone }

var NotesModule = &module.Module{
	Name:        "notes",
	Imports:     []*module.Module{StoreModule, AuthModule},
	Providers:   []any{NewNoteService},
	Controllers: []any{NewNoteController, NewAdminController},
}

// newRoot assembles the application root for one test: every test gets
// its own journal and config.
func newRoot(j *Journal, cfg Config) *module.Module {
	return &module.Module{
		Name:    "app",
		Imports: []*module.Module{ConfigModule(cfg, j), NotesModule},
	}
}

// noSpaces is a custom validation registered through an App option.
func noSpaces(fl validator.FieldLevel) bool {
	return !strings.ContainsRune(fl.Field().String(), ' ')
}
