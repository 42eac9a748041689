package core_test

// End-to-end tests of SSE routes: core.SSE and r.SSE handlers streamed
// over real HTTP, read with go-sse's spec-following parser.

import (
	"bufio"
	"compress/gzip"
	"context"
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
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// feedToken is the bearer token the guarded stream admits.
const feedToken = "s3cret"

func authed() map[string]string { return map[string]string{"Authorization": "Bearer " + feedToken} }

// FeedGuard admits requests with "Authorization: Bearer <feedToken>".
type FeedGuard struct{}

func (FeedGuard) CanActivate(c core.Context) (bool, error) {
	h := c.Request().Header.Get("Authorization")
	if h == "" {
		return false, core.Unauthorized("missing bearer token")
	}
	return h == "Bearer "+feedToken, nil
}

// FeedQuery is the SSE route's validated input.
type FeedQuery struct {
	Topic string `query:"topic" validate:"required,alpha"`
}

// FeedController streams a Hub topic (tags) and a hand-made producer
// (builder).
type FeedController struct {
	core.Controller `path:"/feed"`
	Hub             *sse.Hub
	Auth            *FeedGuard
	// started and stopped report the producer's life to the tests.
	started, stopped chan string

	_ core.SSE `path:"/topic" handler:"Topic"`
	_ core.SSE `path:"/private" handler:"Private" guards:"Auth"`
}

func (f *FeedController) Routes(r *core.Routes) {
	r.SSE("/counter", f.Counter)
	r.SSE("/missing/:id", f.Missing)
}

func (f *FeedController) Topic(c core.Context, q FeedQuery) (<-chan sse.Message, error) {
	return f.Hub.Subscribe(c.Request().Context(), q.Topic, sse.LastEventID(c.Request()))
}

func (f *FeedController) Private(c core.Context) (<-chan sse.Message, error) {
	ch := make(chan sse.Message, 1)
	ch <- sse.Message{Data: "secret"}
	close(ch)
	return ch, nil
}

func (f *FeedController) Missing(c core.Context) (chan sse.Message, error) {
	return nil, core.NotFound("no feed %s", c.Param("id"))
}

// Counter emits a hostile id, then counts until its client leaves; the
// test sees the producer's goroutine start and stop.
func (f *FeedController) Counter(c core.Context) (<-chan sse.Message, error) {
	name := c.QueryParam("name")
	return sse.Produce(c.Request().Context(), func(ctx context.Context, emit func(sse.Message) bool) {
		f.started <- name
		defer func() { f.stopped <- name }()
		emit(sse.Message{ID: "evil\nid", Data: "never sent"})
		for i := 1; ; i++ {
			if !emit(sse.Message{ID: strconv.Itoa(i), Event: "count", Data: map[string]int{"n": i}}) {
				return
			}
			if c.QueryParam("slow") != "" {
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(i) * time.Millisecond):
				}
			}
		}
	}), nil
}

type sseHarness struct {
	*harness
	feed *FeedController
	hub  *sse.Hub
}

func newSSEHarness(t *testing.T, options ...core.Option) *sseHarness {
	t.Helper()
	feed := &FeedController{started: make(chan string, 100), stopped: make(chan string, 100)}
	root := &module.Module{
		Name:        "feed",
		Providers:   []any{sse.NewHub, &FeedGuard{}},
		Controllers: []any{func(hub *sse.Hub, auth *FeedGuard) *FeedController { feed.Hub, feed.Auth = hub, auth; return feed }},
	}
	logs := &syncBuffer{}
	options = append([]core.Option{core.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}, options...)
	app, err := core.New(root, options...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	h := &sseHarness{harness: &harness{T: t, App: app, Logs: logs, Srv: srv}, feed: feed, hub: feed.Hub}
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown(context.Background())
	})
	return h
}

// open starts a stream and returns the response once headers arrived.
func (h *sseHarness) open(ctx context.Context, path string, header map[string]string) *http.Response {
	h.T.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", h.Srv.URL+path, nil)
	if err != nil {
		h.T.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := h.Srv.Client().Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	h.T.Cleanup(func() { res.Body.Close() })
	return res
}

func TestSSERouteStreamsHubTopicWithReplay(t *testing.T) {
	h := newSSEHarness(t)
	// ids[n] is the id the Hub gave item n; the test reads ids from the
	// Hub rather than assume their form.
	ids := []string{""}
	for i := 1; i <= 3; i++ {
		id, err := h.hub.Publish(context.Background(), "news", sse.Message{Event: "item", Data: fmt.Sprintf("item %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := h.open(ctx, "/feed/topic?topic=news", map[string]string{"Last-Event-ID": ids[1]})
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("response %d %v", res.StatusCode, res.Header)
	}
	next := events(t, res.Body)
	for _, n := range []int{2, 3} {
		if e := next(); e.LastEventID != ids[n] || e.Type != "item" || e.Data != fmt.Sprintf("item %d", n) {
			t.Fatalf("replayed %+v, want item %d with id %s", e, n, ids[n])
		}
	}
	live, err := h.hub.Publish(context.Background(), "news", sse.Message{Event: "item", Data: "item 4"})
	if err != nil {
		t.Fatal(err)
	}
	if e := next(); e.LastEventID != live || e.Data != "item 4" {
		t.Fatalf("live event %+v, want id %s", e, live)
	}
}

func TestSSERouteAnswersProblemsBeforeStreaming(t *testing.T) {
	h := newSSEHarness(t)
	cases := []struct {
		path   string
		header map[string]string
		status int
	}{
		{"/feed/topic", nil, 400},            // validation: topic is required
		{"/feed/topic?topic=n3ws", nil, 400}, // validation: alpha
		{"/feed/private", nil, 401},          // guard: no token
		{"/feed/private", map[string]string{"Authorization": "Bearer nope"}, 403},
		{"/feed/missing/7", nil, 404}, // the handler's error
	}
	for _, tc := range cases {
		res := h.Do(request{Method: "GET", Path: tc.path, Header: tc.header})
		p := h.Problem(res, tc.status)
		if tc.status == 404 && p.Detail != "no feed 7" {
			t.Fatalf("%s: detail %q", tc.path, p.Detail)
		}
	}
	res := h.Do(request{Method: "GET", Path: "/feed/private", Header: authed()})
	if res.Status != 200 || !strings.Contains(string(res.Body), "data: secret\n\n") {
		t.Fatalf("guarded stream with a token: %d %q", res.Status, res.Body)
	}
}

func TestSSEClientDisconnectStopsProducer(t *testing.T) {
	h := newSSEHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	res := h.open(ctx, "/feed/counter?name=a&slow=1", nil)
	next := events(t, res.Body)
	if name := <-h.feed.started; name != "a" {
		t.Fatalf("producer %q started", name)
	}
	first := next()
	if first.LastEventID != "1" || first.Type != "count" || first.Data != `{"n":1}` {
		t.Fatalf("first event %+v: the hostile id must be skipped", first)
	}
	cancel()
	select {
	case name := <-h.feed.stopped:
		if name != "a" {
			t.Fatalf("producer %q stopped", name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the producer did not stop after its client left")
	}
	waitFor(t, "the rejection to be logged", func() bool {
		return strings.Contains(h.Logs.String(), "SSE message rejected") && strings.Contains(h.Logs.String(), "/feed/counter")
	})
}

func TestShutdownEndsOpenStreamsPromptly(t *testing.T) {
	const n = 1000
	h := newSSEHarness(t)
	transport := &http.Transport{MaxIdleConnsPerHost: -1}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	bodies := make([]io.ReadCloser, 0, n)
	defer func() {
		for _, b := range bodies {
			b.Close()
		}
	}()
	for i := range n {
		res, err := client.Get(h.Srv.URL + "/feed/topic?topic=quiet")
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		bodies = append(bodies, res.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.App.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with %d open streams: %v", n, err)
	}
	took := time.Since(start)
	t.Logf("Shutdown ended %d open streams in %v", n, took)
	for i, b := range bodies {
		if _, err := io.Copy(io.Discard, b); err != nil {
			t.Fatalf("stream %d did not end cleanly: %v", i, err)
		}
	}
	if took > time.Second {
		t.Fatalf("Shutdown took %v with %d streams; it must end them, not wait", took, n)
	}
}

func TestSSEBehindEchoMiddleware(t *testing.T) {
	var access syncBuffer
	h := newSSEHarness(t, core.WithMiddleware(
		middleware.RequestID(),
		//lint:ignore SA1019 echo's classic Logger is deprecated but widely used; it must keep working.
		middleware.LoggerWithConfig(middleware.LoggerConfig{Output: &access, Format: "${method} ${uri} ${status}\n"}),
		middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{LogURI: true, LogValuesFunc: func(echo.Context, middleware.RequestLoggerValues) error { return nil }}),
		middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: []string{"https://app.example"}}),
		middleware.Gzip(),
	))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := h.open(ctx, "/feed/topic?topic=z", map[string]string{"Accept-Encoding": "gzip", "Origin": "https://app.example"})
	if res.Header.Get(echo.HeaderXRequestID) == "" || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("headers %v", res.Header)
	}
	var body io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bufio.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		body = zr
	}
	// Each event must arrive before the next is published: through Gzip,
	// that takes a flush of the compressor per event.
	next := events(t, body)
	for i := 1; i <= 3; i++ {
		if _, err := h.hub.Publish(context.Background(), "z", sse.Message{Data: fmt.Sprintf("zipped %d", i)}); err != nil {
			t.Fatal(err)
		}
		if e := next(); e.Data != fmt.Sprintf("zipped %d", i) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	cancel()
	waitFor(t, "the access log line of the stream", func() bool {
		return strings.Contains(access.String(), "GET /feed/topic?topic=z 200")
	})
}

func TestSSEHeartbeatOnIdleRoute(t *testing.T) {
	h := newSSEHarness(t, core.WithSSE(sse.Heartbeat(20*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := h.open(ctx, "/feed/topic?topic=idle", nil)
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), ":") {
			return // a comment: the heartbeat
		}
		if lines.Text() != "" {
			t.Fatalf("unexpected line %q on an idle stream", lines.Text())
		}
	}
	t.Fatalf("no heartbeat before the stream ended: %v", lines.Err())
}
