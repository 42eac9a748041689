package core_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	gosse "github.com/tmaxmax/go-sse"
)

// TickQuery is the input of a Typed SSE route.
type TickQuery struct {
	N int `query:"n" validate:"gt=0,lte=5"`
}

type TickController struct{}

func (c *TickController) Routes(r *core.Routes) {
	r.SSE("/ticks", core.Typed(c.Ticks))
}

func (c *TickController) Ticks(_ core.Context, q TickQuery) (<-chan sse.Message, error) {
	ch := make(chan sse.Message, q.N)
	for i := range q.N {
		ch <- sse.Message{Event: "tick", Data: strconv.Itoa(i + 1)}
	}
	close(ch)
	return ch, nil
}

func serve(t *testing.T, root *module.Module, options ...core.Option) (*core.App, *httptest.Server) {
	t.Helper()
	app, err := core.New(root, append([]core.Option{core.WithLogger(slog.New(slog.DiscardHandler))}, options...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	return app, srv
}

// A Typed handler on an SSE route goes through the same pipeline as any
// other: its input is decoded and validated, and its channel streamed.
// (Typed used to be ignored on SSE routes.)
func TestTypedSSERouteDecodesAndStreams(t *testing.T) {
	_, srv := serve(t, &module.Module{Name: "ticks", Controllers: []any{&TickController{}}})

	res, err := http.Get(srv.URL + "/ticks?n=3")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var got []string
	for ev, err := range gosse.Read(res.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != "tick" {
			t.Fatalf("event type %q, want tick", ev.Type)
		}
		got = append(got, ev.Data)
	}
	if strings.Join(got, ",") != "1,2,3" {
		t.Fatalf("events %v, want 1,2,3", got)
	}

	res, err = http.Get(srv.URL + "/ticks?n=9")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"field":"n"`) {
		t.Fatalf("invalid input answered %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// ItemByID reads an id from a path the route does not have.
type ItemByID struct {
	ID int `param:"id"`
}

type MissingParamController struct{}

func (c *MissingParamController) Routes(r *core.Routes) { r.GET("/items", c.Get) }

func (c *MissingParamController) Get(core.Context, ItemByID) (string, error) { return "", nil }

type RedirectWithBodyController struct {
	core.Controller `path:"/old"`

	_ core.GET `path:"/" handler:"Moved" status:"301"`
}

func (c *RedirectWithBodyController) Moved(core.Context) (string, error) { return "moved", nil }

// Start-up errors are a *core.ControllerError that says where in its
// fields, for errors.As, and what to do in its message.
func TestStartupRouteChecks(t *testing.T) {
	tests := []struct {
		name       string
		controller any
		route      string
		want       []string
	}{
		{"param field not in the path", &MissingParamController{}, "GET /items",
			[]string{"field ID of core_test.ItemByID reads path parameter \"id\"", "the path /items has no :id", `query:"id"`}},
		{"3xx status with a body", &RedirectWithBodyController{}, "GET /old",
			[]string{"status 301 is a redirect", "returns a string", "c.Redirect(301, url)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := core.New(&module.Module{Name: "m", Controllers: []any{tt.controller}}, core.WithLogger(slog.New(slog.DiscardHandler)))
			var ce *core.ControllerError
			if !errors.As(err, &ce) {
				t.Fatalf("core.New: %v; want a *core.ControllerError", err)
			}
			if ce.Module != "m" || ce.Controller != fmt.Sprintf("%T", tt.controller) || ce.Route != tt.route {
				t.Errorf("where: module %q controller %q route %q", ce.Module, ce.Controller, ce.Route)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%s", w, err)
				}
			}
		})
	}
}

type RedirectController struct {
	core.Controller `path:"/go"`

	_ core.GET `path:"/there" handler:"There" status:"302"`
	_ core.GET `path:"/nowhere" handler:"Nowhere" status:"302"`
}

func (c *RedirectController) There(ctx core.Context) error {
	ctx.Response().Header().Set("Location", "/elsewhere")
	return nil
}

func (c *RedirectController) Nowhere(core.Context) error { return nil }

// A 3xx route answers its status when the handler set Location, and a 500
// that says nothing internal (the log says why) when it did not.
func TestRedirectRouteNeedsLocation(t *testing.T) {
	var logs bytes.Buffer
	_, srv := serve(t, &module.Module{Name: "go", Controllers: []any{&RedirectController{}}},
		core.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := client.Get(srv.URL + "/go/there")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 302 || res.Header.Get("Location") != "/elsewhere" {
		t.Fatalf("answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}

	res, err = client.Get(srv.URL + "/go/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || strings.Contains(string(body), "Location") {
		t.Fatalf("answered %d: %s", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "set no Location header") {
		t.Fatalf("the log does not say why:\n%s", logs.String())
	}
}

// headerBinder is a custom echo Binder: it reads the name from a header.
type headerBinder struct{}

func (headerBinder) Bind(i any, c core.Context) error {
	if in, ok := i.(*Greeting); ok {
		in.Name = c.Request().Header.Get("X-Name")
	}
	return nil
}

type Greeting struct {
	Name string `json:"name" validate:"required"`
}

type GreetController struct{}

func (c *GreetController) Routes(r *core.Routes) { r.POST("/greet", c.Greet) }

func (c *GreetController) Greet(_ core.Context, in Greeting) (string, error) {
	return "hello " + in.Name, nil
}

// A Binder set on App.Echo() is honoured: it reads the input, and the
// input is still validated.
func TestCustomBinderIsHonoured(t *testing.T) {
	app, srv := serve(t, &module.Module{Name: "greet", Controllers: []any{&GreetController{}}})
	app.Echo().Binder = headerBinder{}

	req, _ := http.NewRequest("POST", srv.URL+"/greet", strings.NewReader(`{"name":"from the body"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Name", "from a header")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "hello from a header" {
		t.Fatalf("answered %d: %s", res.StatusCode, body)
	}

	req, _ = http.NewRequest("POST", srv.URL+"/greet", strings.NewReader(`{"name":"from the body"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(body), `"rule":"required"`) {
		t.Fatalf("without the header answered %d: %s", res.StatusCode, body)
	}
}

// ManyRoutesController declares n routes, one of them SSE.
type ManyRoutesController struct{ n int }

func (c *ManyRoutesController) Routes(r *core.Routes) {
	for i := range c.n - 1 {
		r.GET(fmt.Sprintf("/r/%d", i), c.Get)
	}
	r.SSE("/events", c.Events)
}

func (c *ManyRoutesController) Get(core.Context) (string, error) { return "", nil }

func (c *ManyRoutesController) Events(ctx core.Context) (<-chan sse.Message, error) {
	return sse.Produce(ctx.Request().Context(), func(context.Context, func(sse.Message) bool) {}), nil
}

// The route map is a line per controller, SSE routes marked; past a
// hundred routes, one line at info level and the map at debug level.
func TestRouteMapIsLoggedCompactly(t *testing.T) {
	for _, tt := range []struct {
		routes        int
		infoLines     int
		listedAtDebug bool
	}{{3, 1, false}, {150, 1, true}} {
		var logs bytes.Buffer
		_, err := core.New(&module.Module{Name: "many", Controllers: []any{&ManyRoutesController{n: tt.routes}}},
			core.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		if err != nil {
			t.Fatal(err)
		}
		out := logs.String()
		if n := strings.Count(out, "level=INFO"); n != tt.infoLines {
			t.Errorf("%d routes: %d info lines, want %d:\n%s", tt.routes, n, tt.infoLines, out)
		}
		if !strings.Contains(out, "GET /events (SSE) Events") {
			t.Errorf("%d routes: the SSE route is not marked:\n%s", tt.routes, out)
		}
		if got := strings.Contains(out, "level=DEBUG") && strings.Contains(out, "listed_at=debug"); got != tt.listedAtDebug {
			t.Errorf("%d routes: listed at debug level: %v, want %v:\n%s", tt.routes, got, tt.listedAtDebug, out)
		}
	}
}

// A rule validator cannot run fails New whatever the route, and a rule
// that needs its struct around it (checked on its own, it would look
// wrong) does not.
func TestStartupValidateRules(t *testing.T) {
	type BadParam struct {
		Name string `json:"name" validate:"max=many"`
	}
	type CrossField struct {
		Kind  string   `json:"kind"`
		Tags  []string `json:"tags" validate:"required_if=Kind tagged"`
		Again string   `json:"again" validate:"eqfield=Kind"`
	}
	bad := &builderController{handler: func(core.Context, BadParam) error { return nil }}
	if _, err := core.New(&module.Module{Name: "v", Controllers: []any{bad}}, core.WithLogger(slog.New(slog.DiscardHandler))); err == nil ||
		!strings.Contains(err.Error(), "BadParam") || !strings.Contains(err.Error(), "core.WithValidation") {
		t.Fatalf("max=many: %v; want a start-up error naming the input", err)
	}
	cross := &builderController{handler: func(core.Context, CrossField) error { return nil }}
	if _, err := core.New(&module.Module{Name: "v", Controllers: []any{cross}}, core.WithLogger(slog.New(slog.DiscardHandler))); err != nil {
		t.Fatalf("cross-field rules: %v", err)
	}
}

// builderController declares one POST route with any handler.
type builderController struct{ handler any }

func (c *builderController) Routes(r *core.Routes) { r.POST("/", c.handler) }

// A Typed SSE handler's Context carries the stream's context (made by
// sse.StreamContext), not only the request's: a panic in its sse.Produce
// producer is reported to the App, with the route, rather than to
// slog.Default without it.
func TestTypedSSEHandlerGetsTheStreamContext(t *testing.T) {
	logs := &syncBuffer{}
	_, srv := serve(t, &module.Module{Name: "panics", Controllers: []any{&panickingController{}}},
		core.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	res, err := http.Get(srv.URL + "/panics?topic=a")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body) // the stream ends when the producer panics
	res.Body.Close()
	waitFor(t, "the producer's panic to be reported with the route", func() bool {
		out := logs.String()
		return strings.Contains(out, `route="GET /panics"`) && strings.Contains(out, "sse.Produce producer")
	})
}

type HubQuery struct {
	Topic string `query:"topic" validate:"required"`
}

type panickingController struct{}

func (c *panickingController) Routes(r *core.Routes) { r.SSE("/panics", core.Typed(c.Events)) }

func (c *panickingController) Events(ctx core.Context, _ HubQuery) (<-chan sse.Message, error) {
	return sse.Produce(ctx.Request().Context(), func(context.Context, func(sse.Message) bool) {
		m := notMade()
		m["nil map"]++ // panics: a bug in user code
	}), nil
}

type HandlerFuncController struct{}

func (c *HandlerFuncController) Routes(r *core.Routes) {
	r.GET("/wrapped", core.HandlerFunc(func(c core.Context) error { return c.String(200, "wrapped") }))
}

// A handler of a named function type, such as core.HandlerFunc (an echo
// handler, echo.WrapHandler's), is a plain handler, not a start-up panic.
func TestHandlerFuncIsAPlainHandler(t *testing.T) {
	_, srv := serve(t, &module.Module{Name: "hf", Controllers: []any{&HandlerFuncController{}}})
	res, err := http.Get(srv.URL + "/wrapped")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "wrapped" {
		t.Fatalf("answered %d: %s", res.StatusCode, body)
	}
}

// A stream served by App.ServeEvents from a hand-written echo handler is
// the App's: Shutdown ends it, and its client sees the stream end cleanly.
func TestServeEventsStreamEndsAtShutdown(t *testing.T) {
	app, err := core.New(&module.Module{Name: "empty", Controllers: []any{&TickController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	app.Echo().GET("/hand", func(c core.Context) error {
		return app.ServeEvents(c, make(chan sse.Message)) // never sends, never closes
	})
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/hand")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, res.Body)
		ended <- err
	}()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("the stream did not end cleanly: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not end the stream")
	}
}

// Mirror is the input the mirror route answers with as it is.
type Mirror struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	Q    string   `query:"q" json:"-"`
}

type MirrorController struct {
	core.Controller `path:"/mirror"`

	_ core.POST `path:"/value" handler:"Value"`
	_ core.POST `path:"/pointer" handler:"Pointer"`
}

func (c *MirrorController) Value(_ core.Context, in Mirror) (Mirror, error) { return in, nil }

func (c *MirrorController) Pointer(_ core.Context, in *Mirror) (*Mirror, error) { return in, nil }

// A request never sees what an earlier one bound: a tag route's argument
// frames are reused for handlers that take their input by value.
func TestArgumentFramesStartEmpty(t *testing.T) {
	_, srv := serve(t, &module.Module{Name: "mirror", Controllers: []any{&MirrorController{}}})
	post := func(path, body string) string {
		t.Helper()
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s answered %d: %s", path, res.StatusCode, b)
		}
		return strings.TrimSpace(string(b))
	}
	for _, path := range []string{"/mirror/value", "/mirror/pointer"} {
		if got := post(path+"?q=first", `{"name":"first","tags":["a","b"]}`); got != `{"name":"first","tags":["a","b"]}` {
			t.Fatalf("%s: %s", path, got)
		}
		for range 3 {
			if got := post(path, `{}`); got != `{"name":"","tags":null}` {
				t.Fatalf("%s: a later request saw %s", path, got)
			}
		}
	}
}

// CookieInput reads two cookies.
type CookieInput struct {
	Session string `cookie:"session" validate:"required"`
	Visits  int    `cookie:"visits"`
}

type CookieController struct{}

func (c *CookieController) Routes(r *core.Routes) { r.POST("/me", c.Me) }

func (c *CookieController) Me(_ core.Context, in CookieInput) (string, error) {
	return fmt.Sprintf("%s %d", in.Session, in.Visits), nil
}

// A cookie field is read from its cookie, converted as a query parameter
// is, never from the body; a value that is not of its type is a 400 that
// names the cookie.
func TestCookieInput(t *testing.T) {
	_, srv := serve(t, &module.Module{Name: "cookies", Controllers: []any{&CookieController{}}})
	post := func(body string, cookies ...*http.Cookie) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/me", strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, body := post("", &http.Cookie{Name: "session", Value: "abc"}, &http.Cookie{Name: "visits", Value: "3"}); status != 200 || body != "abc 3" {
		t.Fatalf("with both cookies: %d %s", status, body)
	}
	if status, body := post(`{"Session":"from the body","Visits":9}`); status != 400 || !strings.Contains(body, `"source":"cookie"`) {
		t.Fatalf("a body that names the cookie fields: %d %s", status, body)
	}
	if status, body := post("", &http.Cookie{Name: "session", Value: "abc"}, &http.Cookie{Name: "visits", Value: "many"}); status != 400 ||
		!strings.Contains(body, `cookie \"visits\" must be an integer`) {
		t.Fatalf("a cookie that is not an integer: %d %s", status, body)
	}
}

// Auth is embedded in an input; its cookie field is found through it.
type Auth struct {
	Session string `cookie:"session"`
}

type EmbeddedCookieInput struct {
	Name string `query:"name"`
	Auth
}

type EmbeddedCookieController struct{}

func (c *EmbeddedCookieController) Routes(r *core.Routes) { r.GET("/emb", c.Get) }

func (c *EmbeddedCookieController) Get(_ core.Context, in EmbeddedCookieInput) (string, error) {
	return in.Name + " " + in.Session, nil
}

type MapCookieInput struct {
	Prefs map[string]string `cookie:"prefs"`
}

type MapCookieController struct{}

func (c *MapCookieController) Routes(r *core.Routes) { r.GET("/prefs", c.Get) }

func (c *MapCookieController) Get(core.Context, MapCookieInput) error { return nil }

// A cookie field inside an embedded struct is filled, and nothing else;
// a cookie field no text can fill fails New.
func TestCookieInputEmbeddedAndStartup(t *testing.T) {
	_, srv := serve(t, &module.Module{Name: "emb", Controllers: []any{&EmbeddedCookieController{}}})
	req, _ := http.NewRequest("GET", srv.URL+"/emb?name=q", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "abc"})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "q abc" {
		t.Fatalf("answered %d %q; want the query in Name and the cookie in Session", res.StatusCode, body)
	}
	_, err = core.New(&module.Module{Name: "m", Controllers: []any{&MapCookieController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err == nil || !strings.Contains(err.Error(), `field Prefs reads cookie "prefs"`) {
		t.Fatalf("a map cookie field: %v", err)
	}
}

type CookieAndJSONInput struct {
	Session string `cookie:"session" json:"session"`
}

type CookieAndJSONController struct{}

func (c *CookieAndJSONController) Routes(r *core.Routes) { r.POST("/s", c.Post) }

func (c *CookieAndJSONController) Post(core.Context, CookieAndJSONInput) error { return nil }

// A cookie field also tagged json fails New: it would look fillable from
// the body, which it never is.
func TestCookieFieldTaggedJSONFailsStartup(t *testing.T) {
	_, err := core.New(&module.Module{Name: "m", Controllers: []any{&CookieAndJSONController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	var ce *core.ControllerError
	if !errors.As(err, &ce) || ce.Route != "POST /s" || !strings.Contains(err.Error(), `field Session reads cookie "session" and is tagged json "session" too`) {
		t.Fatalf("core.New: %v", err)
	}
}
