package core_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// Wrap is an interceptor that wraps a text result in its name, so the
// order interceptors run in shows in the answer: "app(di(ctrl(route(x))))".
type Wrap struct{ Name string }

func (w Wrap) Intercept(_ core.Context, _ any, next core.Next) (any, error) {
	result, err := next()
	if s, ok := result.(string); ok {
		return w.Name + "(" + s + ")", err
	}
	return result, err
}

// DIWrap is an app interceptor built by dependency injection.
type DIWrap struct{ Wrap }

func NewDIWrap() *DIWrap { return &DIWrap{Wrap{"di"}} }

// Cache answers a GET from its memory after the first call, without
// calling the handler: a short-circuit.
type Cache struct {
	mu   sync.Mutex
	seen map[string]any
}

func (c *Cache) Intercept(ctx core.Context, _ any, next core.Next) (any, error) {
	key := ctx.Request().URL.String()
	c.mu.Lock()
	hit, ok := c.seen[key]
	c.mu.Unlock()
	if ok {
		ctx.Response().Header().Set("X-Cache", "hit")
		return hit, nil
	}
	result, err := next()
	if err == nil {
		c.mu.Lock()
		c.seen[key] = result
		c.mu.Unlock()
	}
	return result, err
}

// Envelope transforms every result into {"data": result}.
func Envelope(_ core.Context, _ any, next core.Next) (any, error) {
	result, err := next()
	if err != nil {
		return nil, err
	}
	return map[string]any{"data": result}, nil
}

// ErrMissing is a domain error that MapMissing turns into a 404.
var ErrMissing = errors.New("missing")

type EchoInput struct {
	Text string `query:"text" validate:"required"`
}

type Gadget struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type InterceptedController struct {
	core.Controller `path:"/i" interceptors:"Outer"`
	Outer           Wrap
	Cache           *Cache
	Probe           *Probe

	_ core.GET `path:"/order" handler:"Order" interceptors:"Inner,SeeInput"`
	_ core.GET `path:"/cached" handler:"Cached" interceptors:"Cache"`
	_ core.GET `path:"/missing" handler:"Missing" interceptors:"MapMissing"`
}

// Probe counts the handler's calls and keeps the input an interceptor saw.
type Probe struct {
	calls       atomic.Int32 // the handlers'
	intercepted atomic.Int32 // SeeInput's
	seenInput   atomic.Value
}

func NewInterceptedController(p *Probe) *InterceptedController {
	return &InterceptedController{Outer: Wrap{"ctrl"}, Cache: &Cache{seen: map[string]any{}}, Probe: p}
}

func (c *InterceptedController) Routes(r *core.Routes) {
	r.GET("/item", c.Item).Intercept(core.InterceptorFunc(Envelope))
	r.GET("/typed", core.Typed(c.Typed)).Intercept(Wrap{"route"})
	r.GET("/plain", c.Plain).Intercept(core.InterceptorFunc(Timing)).Status(http.StatusNoContent)
	r.SSE("/events", c.Events).Intercept(core.InterceptorFunc(Shout))
	r.GET("/panics", c.Plain).Intercept(core.InterceptorFunc(func(core.Context, any, core.Next) (any, error) { panic("interceptor bug") }))
	r.SSE("/nil-channel", c.NilEvents).Intercept(core.InterceptorFunc(Shout))
	r.POST("/error-only", c.Plain).Intercept(core.InterceptorFunc(Envelope))
	r.SSE("/broken", c.Events).Intercept(core.InterceptorFunc(func(core.Context, any, core.Next) (any, error) { return "not a channel", nil }))
}

// Inner is a method used as an interceptor by name.
func (c *InterceptedController) Inner(ctx core.Context, in any, next core.Next) (any, error) {
	return Wrap{"route"}.Intercept(ctx, in, next)
}

// SeeInput records the bound, validated input it is handed.
func (c *InterceptedController) SeeInput(_ core.Context, in any, next core.Next) (any, error) {
	c.Probe.intercepted.Add(1)
	c.Probe.seenInput.Store(fmt.Sprintf("%T %v", in, in))
	return next()
}

// MapMissing maps the domain's ErrMissing to a 404.
func (c *InterceptedController) MapMissing(_ core.Context, _ any, next core.Next) (any, error) {
	result, err := next()
	if errors.Is(err, ErrMissing) {
		return nil, core.NewProblem(http.StatusNotFound, "no such thing")
	}
	return result, err
}

func (c *InterceptedController) Order(_ core.Context, in EchoInput) (string, error) {
	c.Probe.calls.Add(1)
	return in.Text, nil
}

func (c *InterceptedController) Cached(core.Context) (Gadget, error) {
	n := c.Probe.calls.Add(1)
	return Gadget{ID: int(n), Name: "fresh"}, nil
}

func (c *InterceptedController) Missing(core.Context) (Gadget, error) { return Gadget{}, ErrMissing }

func (c *InterceptedController) Item(core.Context) (Gadget, error) { return Gadget{1, "one"}, nil }

func (c *InterceptedController) Typed(_ core.Context, in *EchoInput) (string, error) {
	return in.Text, nil
}

func (c *InterceptedController) Plain(core.Context) error { return nil }

// NilEvents is a buggy SSE handler: no channel and no error.
func (c *InterceptedController) NilEvents(core.Context) (<-chan sse.Message, error) { return nil, nil }

func (c *InterceptedController) Events(ctx core.Context) (chan sse.Message, error) {
	ch := make(chan sse.Message, 3)
	ch <- sse.Message{Event: "say", Data: "hello"}
	ch <- sse.Message{Event: "debug", Data: "internal"}
	ch <- sse.Message{Event: "say", Data: "bye"}
	close(ch)
	return ch, nil
}

// Timing times the call and says so in a header, which it can still set:
// the result is written after the interceptors return.
func Timing(ctx core.Context, _ any, next core.Next) (any, error) {
	start := time.Now()
	result, err := next()
	ctx.Response().Header().Set("X-Elapsed", time.Since(start).String())
	return result, err
}

// Shout changes an SSE route's channel: data upper-cased, debug events
// dropped.
func Shout(ctx core.Context, _ any, next core.Next) (any, error) {
	result, err := next()
	if err != nil {
		return nil, err
	}
	return sse.Map(ctx.Request().Context(), result.(<-chan sse.Message), func(m sse.Message) (sse.Message, bool) {
		if m.Event == "debug" {
			return m, false
		}
		m.Data = strings.ToUpper(fmt.Sprint(m.Data))
		return m, true
	}), nil
}

func interceptedApp(t *testing.T, logs io.Writer, options ...core.Option) *coretest.Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	return coretest.Start(t, &module.Module{
		Name:        "intercepted",
		Providers:   []any{NewDIWrap, module.Value(&Probe{})},
		Controllers: []any{NewInterceptedController},
	}, append([]core.Option{
		core.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		core.WithInterceptors(Wrap{"app"}),
		core.WithInterceptor[*DIWrap](),
	}, options...)...)
}

func get(t *testing.T, srv *coretest.Server, path string) (*http.Response, string) {
	t.Helper()
	res := srv.Do(httptest.NewRequest("GET", path, nil))
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// Interceptors run app, controller, route, outermost first, with
// instances from options, DI, tags and the builder; they see the typed
// input, and decoding errors answer before them.
func TestInterceptorOrderAndInput(t *testing.T) {
	srv := interceptedApp(t, nil)
	ctrl, err := core.Resolve[*Probe](srv.App)
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(t, srv, "/i/order?text=hi")
	if res.StatusCode != 200 || body != "app(di(ctrl(route(hi))))" {
		t.Fatalf("GET /i/order: %d %q, want app(di(ctrl(route(hi))))", res.StatusCode, body)
	}
	if got := ctrl.seenInput.Load(); got != "core_test.EchoInput {hi}" {
		t.Errorf("the interceptor saw the input as %v", got)
	}
	if res, body := get(t, srv, "/i/typed?text=yo"); res.StatusCode != 200 || body != "app(di(ctrl(route(yo))))" {
		t.Errorf("GET /i/typed (core.Typed, *In): %d %q", res.StatusCode, body)
	}

	calls, intercepted := ctrl.calls.Load(), ctrl.intercepted.Load()
	res, body = get(t, srv, "/i/order")
	if res.StatusCode != 400 || !strings.Contains(body, `"field":"text"`) {
		t.Errorf("GET /i/order without text: %d %s, want a 400 naming the field", res.StatusCode, body)
	}
	if ctrl.calls.Load() != calls || ctrl.intercepted.Load() != intercepted {
		t.Error("the handler or an interceptor ran on input that failed validation; decoding answers before them")
	}
}

// An interceptor transforms a result, short-circuits it (a cache), times
// the call and maps errors.
func TestInterceptorAbilities(t *testing.T) {
	srv := interceptedApp(t, nil)

	res, body := get(t, srv, "/i/item")
	var envelope struct {
		Data Gadget `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &envelope); res.StatusCode != 200 || err != nil || envelope.Data != (Gadget{1, "one"}) {
		t.Errorf("GET /i/item through Envelope: %d %s (%v)", res.StatusCode, body, err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("the enveloped result is %s, want JSON", ct)
	}

	first, body1 := get(t, srv, "/i/cached")
	second, body2 := get(t, srv, "/i/cached")
	if first.Header.Get("X-Cache") != "" || second.Header.Get("X-Cache") != "hit" || body1 != body2 {
		t.Errorf("the cache: first %q %s, second %q %s; want the second a hit with the same body", first.Header.Get("X-Cache"), body1, second.Header.Get("X-Cache"), body2)
	}

	res, body = get(t, srv, "/i/plain")
	if res.StatusCode != 204 || body != "" || res.Header.Get("X-Elapsed") == "" {
		t.Errorf("GET /i/plain through Timing: %d %q, X-Elapsed %q", res.StatusCode, body, res.Header.Get("X-Elapsed"))
	}

	post := srv.Do(httptest.NewRequest("POST", "/i/error-only", nil))
	b, _ := io.ReadAll(post.Body)
	post.Body.Close()
	if post.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"data":null}` {
		t.Errorf("POST /i/error-only through Envelope: %d %s; an interceptor's result on an error-only route is written", post.StatusCode, b)
	}

	res, body = get(t, srv, "/i/missing")
	if res.StatusCode != 404 || !strings.Contains(body, "no such thing") {
		t.Errorf("GET /i/missing through MapMissing: %d %s, want the mapped 404", res.StatusCode, body)
	}
}

// On an SSE route an interceptor wraps the channel: every message is
// changed or dropped on its way to the client; one that returns no
// channel is a logged 500 before the stream.
func TestInterceptorWrapsEventStream(t *testing.T) {
	logs := &syncBuffer{}
	srv := interceptedApp(t, logs)
	res := srv.Do(httptest.NewRequest("GET", "/i/events", nil))
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /i/events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	next := events(t, res.Body)
	for _, want := range []string{"HELLO", "BYE"} {
		if e := next(); e.Type != "say" || e.Data != want {
			t.Errorf("event %q %q, want say %q", e.Type, e.Data, want)
		}
	}

	res, body := get(t, srv, "/i/panics")
	if res.StatusCode != 500 || strings.Contains(body, "interceptor bug") || !strings.Contains(logs.String(), "interceptor bug") {
		t.Errorf("GET /i/panics: %d %s; want a bare 500 with the panic in the log", res.StatusCode, body)
	}

	res, body = get(t, srv, "/i/nil-channel")
	if res.StatusCode != 500 || !strings.Contains(logs.String(), "SSE handler GET /i/nil-channel returned a nil channel") {
		t.Errorf("GET /i/nil-channel, a nil channel behind an interceptor: %d %s; want a logged 500, not a stream that never ends", res.StatusCode, body)
	}

	res, body = get(t, srv, "/i/broken")
	if res.StatusCode != 500 || strings.Contains(body, "interceptor") {
		t.Errorf("GET /i/broken: %d %s; want a bare 500", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "an interceptor of SSE route GET /i/broken returned a string, not a channel") {
		t.Errorf("the log does not explain the 500:\n%s", logs.String())
	}
}

// OverrideInterceptor swaps an interceptor for a test, wherever it is
// declared; the route map names each route's interceptors.
func TestOverrideInterceptor(t *testing.T) {
	logs := &syncBuffer{}
	passThrough := core.InterceptorFunc(func(_ core.Context, _ any, next core.Next) (any, error) { return next() })
	srv := interceptedApp(t, logs, core.OverrideInterceptor[*Cache](passThrough), core.OverrideInterceptor[Wrap](Wrap{"fake"}),
		core.OverrideInterceptor[*DIWrap](Wrap{"fakedi"}))
	_, body1 := get(t, srv, "/i/cached")
	second, body2 := get(t, srv, "/i/cached")
	if second.Header.Get("X-Cache") != "" || body1 == body2 {
		t.Errorf("with the cache overridden, the second call was %q %s after %s", second.Header.Get("X-Cache"), body2, body1)
	}
	if _, body := get(t, srv, "/i/typed?text=x"); body != "fake(fakedi(fake(fake(x))))" {
		t.Errorf("with Wrap overridden: %q", body)
	}
	for _, want := range []string{`interceptors="Wrap Wrap Wrap"`, "GET /i/cached Cached {InterceptorFunc}", "GET /i/order Order {Inner SeeInput}", "GET /i/item Item {Envelope}", "GET /i/plain Plain {Timing}"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the route map does not say %q:\n%s", want, logs.String())
		}
	}
}

type UnknownInterceptorController struct {
	core.Controller `path:"/u"`

	_ core.GET `path:"/" handler:"Get" interceptors:"Cahce"`
}

func (c *UnknownInterceptorController) Get(core.Context) error { return nil }

type NotInterceptorController struct {
	core.Controller `path:"/n" interceptors:"Name"`
	Name            string

	_ core.GET `path:"/" handler:"Get"`
}

func (c *NotInterceptorController) Get(core.Context) error { return nil }

type PointerInterceptorController struct {
	core.Controller `path:"/p" interceptors:"Cache"`
	Cache           Cache

	_ core.GET `path:"/" handler:"Get"`
}

func (c *PointerInterceptorController) Get(core.Context) error { return nil }

type NilInterceptorController struct{ Cache *Cache }

func (c *NilInterceptorController) Routes(r *core.Routes) { r.GET("/x", c.Get).Intercept(c.Cache) }

func (c *NilInterceptorController) Get(core.Context) error { return nil }

// Each mistake in declaring an interceptor fails New, naming where.
func TestInterceptorStartupErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		controller any
		options    []core.Option
		want       []string
	}{
		{"an unknown name", &UnknownInterceptorController{}, nil,
			[]string{"GET /u", `interceptor reference "Cahce" names no exported field or method of *core_test.UnknownInterceptorController`}},
		{"a field that is not one", &NotInterceptorController{}, nil,
			[]string{`interceptor reference "Name" is not an interceptor: field Name is a string`, "Intercept(core.Context, any, core.Next) (any, error)"}},
		{"a pointer receiver on a value field", &PointerInterceptorController{}, nil,
			[]string{"whose Intercept has a pointer receiver; make the field a *core_test.Cache"}},
		{"a nil one in the builder", &NilInterceptorController{}, nil,
			[]string{"GET /x", "interceptor 1 is nil"}},
		{"a type nothing provides", &UnknownInterceptorController{}, []core.Option{core.WithInterceptor[*DIWrap]()},
			[]string{"WithInterceptor[*core_test.DIWrap]", "the interceptor"}},
		{"an override nothing uses", &NilInterceptorController{Cache: &Cache{}}, []core.Option{core.OverrideInterceptor[Wrap](Wrap{})},
			[]string{"OverrideInterceptor[core_test.Wrap]", "no app option, controller or route uses an interceptor of this type"}},
		{"a nil override", &NilInterceptorController{Cache: &Cache{}}, []core.Option{core.OverrideInterceptor[*Cache](nil)},
			[]string{"OverrideInterceptor[*core_test.Cache]", "the replacement interceptor is nil", "core.InterceptorFunc"}},
		{"a nil app interceptor", &NilInterceptorController{Cache: &Cache{}}, []core.Option{core.WithInterceptors(nil)},
			[]string{"WithInterceptors", "interceptor 1 is nil"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			options := append([]core.Option{core.WithLogger(slog.New(slog.DiscardHandler))}, tc.options...)
			_, err := core.New(&module.Module{Name: "m", Controllers: []any{tc.controller}}, options...)
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}
