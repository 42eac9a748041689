package core_test

// End-to-end tests of the request limits and of what a hostile client can
// no longer do: big bodies, trickling and idle connections, a panicking
// stream producer, connections that never send a request at shutdown.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Upload is the input of the body-limit routes.
type Upload struct {
	Data string `json:"data"`
}

// LimitsController has a route at the App's body limit, one with its own
// limit by tag and one by builder, and a stream whose producer panics.
type LimitsController struct {
	core.Controller `path:"/limits"`
	Hub             *sse.Hub

	_ core.POST `path:"/app"    handler:"Accept"`
	_ core.POST `path:"/tagged" handler:"Accept" bodylimit:"2K"`
}

func (c *LimitsController) Routes(r *core.Routes) {
	r.SSE("/hub", c.FromHub)
	r.GET("/gone", c.Gone)
	r.POST("/built", c.Accept).BodyLimit(4096)
	r.POST("/unlimited", c.Accept).BodyLimit(-1)
	r.SSE("/panics", c.Panics)
	// A HEAD route of its own, with its own limit, declared before the
	// GET of the same path: the GET must not lend it its limit.
	r.HEAD("/probe", c.Probe).BodyLimit(10)
	r.GET("/probe", c.Probe)
}

func (c *LimitsController) Probe(core.Context) error { return nil }

func (c *LimitsController) FromHub(ctx core.Context) (<-chan sse.Message, error) {
	return c.Hub.Subscribe(ctx.Request().Context(), "t", "")
}

// errGoneQuietly is a shared sentinel with no detail: answering with it
// must never change it.
var errGoneQuietly = core.NotFound("")

func (c *LimitsController) Gone(core.Context) error { return errGoneQuietly }

func (c *LimitsController) Accept(_ core.Context, in Upload) (int, error) { return len(in.Data), nil }

func (c *LimitsController) Panics(ctx core.Context) (<-chan sse.Message, error) {
	return sse.Produce(ctx.Request().Context(), func(ctx context.Context, emit func(sse.Message) bool) {
		emit(sse.Message{ID: "1", Data: "before the panic"})
		m := notMade()
		m["nil map"]++ // panics: a bug in user code
	}), nil
}

// notMade returns a map nobody made, as buggy user code does.
func notMade() map[string]int { return nil }

func newLimitsApp(t *testing.T, logs io.Writer, options ...core.Option) *core.App {
	t.Helper()
	options = append([]core.Option{core.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), core.WithMiddleware(middleware.RequestID())}, options...)
	app, err := core.New(&module.Module{
		Name:        "limits",
		Providers:   []any{sse.NewHub},
		Controllers: []any{func(hub *sse.Hub) *LimitsController { return &LimitsController{Hub: hub} }},
	}, options...)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// startLimitsApp serves the app on a loopback port, so that the server's
// own limits (timeouts, header size) apply as in production.
func startLimitsApp(t *testing.T, app *core.App) string {
	t.Helper()
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return app.Addr().String()
}

// TestDeclaredHEADKeepsItsBodyLimit: a HEAD route declared with its own
// body limit keeps it behind app middleware, although a GET of the same
// path follows it (which answers HEAD where none is declared).
func TestDeclaredHEADKeepsItsBodyLimit(t *testing.T) {
	app := newLimitsApp(t, io.Discard)
	srv := httptestServer(t, app)
	for method, want := range map[string]int{http.MethodHead: http.StatusRequestEntityTooLarge, http.MethodGet: http.StatusOK} {
		req, err := http.NewRequest(method, srv.URL+"/limits/probe", strings.NewReader(strings.Repeat("x", 100)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s /limits/probe with a 100-byte body: %d, want %d", method, res.StatusCode, want)
		}
	}
}

func TestBodyLimits(t *testing.T) {
	app := newLimitsApp(t, io.Discard, core.WithLimits(core.Limits{BodyBytes: 1024}))
	h := &harness{T: t, App: app, Srv: httptestServer(t, app)}
	body := func(n int) string { return `{"data":"` + strings.Repeat("x", n) + `"}` }
	tests := []struct {
		path    string
		size    int
		chunked bool
		status  int
	}{
		{"/limits/app", 900, false, http.StatusOK},
		{"/limits/app", 2000, false, http.StatusRequestEntityTooLarge},
		{"/limits/app", 2000, true, http.StatusRequestEntityTooLarge},
		{"/limits/tagged", 1500, false, http.StatusOK}, // 2K beats the App's 1024
		{"/limits/tagged", 3000, true, http.StatusRequestEntityTooLarge},
		{"/limits/built", 3000, false, http.StatusOK},
		{"/limits/built", 5000, false, http.StatusRequestEntityTooLarge},
		{"/limits/unlimited", 3 << 20, true, http.StatusOK},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(http.MethodPost, h.Srv.URL+tt.path, strings.NewReader(body(tt.size)))
		if err != nil {
			t.Fatal(err)
		}
		if tt.chunked {
			req.ContentLength = -1 // sent chunked: the limit applies while reading
			req.Body = io.NopCloser(req.Body)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := h.Srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s, %d bytes: %v", tt.path, tt.size, err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		r := response{Status: res.StatusCode, Header: res.Header, Body: got}
		if tt.status != http.StatusOK {
			if p := h.Problem(r, tt.status); !strings.Contains(p.Detail, "limit of") {
				t.Errorf("%s, %d bytes: detail %q does not give the limit", tt.path, tt.size, p.Detail)
			}
			continue
		}
		var n int
		h.DecodeJSON(r, http.StatusOK, &n)
		if n != tt.size {
			t.Errorf("%s: read %d bytes of data, want %d", tt.path, n, tt.size)
		}
	}
}

// TestSlowClientsAreCut holds connections the way slowloris does: headers
// that never end, a body that trickles, a keep-alive connection left idle.
// The server drops each one at its limit.
func TestSlowClientsAreCut(t *testing.T) {
	const limit = 300 * time.Millisecond
	app := newLimitsApp(t, io.Discard, core.WithLimits(core.Limits{ReadHeaderTimeout: limit, ReadTimeout: limit, IdleTimeout: limit}))
	// A setting on the App's own server wins over Limits.
	app.Echo().Server.MaxHeaderBytes = 32 << 10
	addr := startLimitsApp(t, app)
	if srv := app.Echo().Server; srv.ReadTimeout != limit || srv.IdleTimeout != limit || srv.MaxHeaderBytes != 32<<10 {
		t.Errorf("server limits: read %v, idle %v, header bytes %d", srv.ReadTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}

	tests := []struct {
		name string
		// send writes to the connection; it may keep writing slowly
		// until the server closes it.
		send func(c net.Conn)
		// status is what the server answers before closing, or "" when
		// it closes without a word.
		status string
	}{
		{"headers that never end", func(c net.Conn) {
			io.WriteString(c, "POST /limits/app HTTP/1.1\r\nHost: x\r\n")
		}, ""},
		{"a body one byte at a time", func(c net.Conn) {
			io.WriteString(c, "POST /limits/app HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
			for i := 0; i < 100; i++ {
				if _, err := io.WriteString(c, " "); err != nil {
					return
				}
				time.Sleep(limit / 5) // the trickle itself, not a synchronisation
			}
		}, "HTTP/1.1 408"},
		{"an idle keep-alive connection", func(c net.Conn) {
			io.WriteString(c, "POST /limits/app HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
		}, "HTTP/1.1 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go tt.send(c)
			c.SetReadDeadline(time.Now().Add(10 * time.Second)) // the test's own bound
			r := bufio.NewReader(c)
			first, _ := r.ReadString('\n')
			if tt.status == "" && first != "" || !strings.HasPrefix(first, tt.status) {
				t.Errorf("first line %q, want %q", first, tt.status)
			}
			// Closed: an end of stream, or a reset when the server closed
			// while the trickle's last bytes were still arriving. A
			// connection left open hits the read deadline instead.
			if _, err := io.Copy(io.Discard, r); err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("the server did not close the connection: %v", err)
			}
		})
	}
}

// TestStreamProducerPanicEndsOnlyItsStream: the producer's panic is logged
// with the route and the request id, its stream ends cleanly after what it
// sent, and the server goes on.
func TestStreamProducerPanicEndsOnlyItsStream(t *testing.T) {
	logs := &syncBuffer{}
	app := newLimitsApp(t, logs)
	srv := httptestServer(t, app)
	for round := 1; round <= 2; round++ {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/limits/panics", nil)
		req.Header.Set(echo.HeaderXRequestID, "req-panic")
		res, err := srv.Client().Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		next := events(t, res.Body)
		if e := next(); e.Data != "before the panic" {
			t.Errorf("round %d: first event %+v", round, e)
		}
		rest, err := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		if err != nil || len(rest) != 0 {
			t.Errorf("round %d: after the panic: %q, %v; want a clean end", round, rest, err)
		}
	}
	waitFor(t, "the panic in the log", func() bool { return strings.Contains(logs.String(), "nil map") })
	for _, want := range []string{"panic in handler", "route=\"GET /limits/panics\"", "request_id=req-panic", "sse.Produce producer", "stack="} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}

// TestShutdownClosesConnectionsThatNeverSentARequest: browsers open
// connections ahead of need; net/http's Shutdown alone waits 5 s for
// each. With a deadline shorter than that, Shutdown must still finish in
// time, with a stream and a used keep-alive connection open too.
func TestShutdownClosesConnectionsThatNeverSentARequest(t *testing.T) {
	t.Run("App.Start", func(t *testing.T) {
		testShutdownClosesUnused(t, func(app *core.App) string {
			if err := app.Start("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			return app.Addr().String()
		})
	})
	t.Run("own server with ConfigureServer", func(t *testing.T) {
		testShutdownClosesUnused(t, func(app *core.App) string {
			srv := httptest.NewUnstartedServer(app.Handler())
			app.ConfigureServer(srv.Config)
			app.ConfigureServer(srv.Config) // a second call does nothing
			srv.Start()
			t.Cleanup(srv.Close)
			return srv.Listener.Addr().String()
		})
	})
}

func testShutdownClosesUnused(t *testing.T, serve func(*core.App) string) {
	app := newLimitsApp(t, io.Discard)
	addr := serve(app)
	var preopened []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		preopened = append(preopened, c)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	res, err := client.Post("http://"+addr+"/limits/app", "application/json", strings.NewReader(`{"data":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close() // its connection is now idle in the pool

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v (it waited for connections that never sent a request)", err)
	}
	for i, c := range preopened {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || isTimeout(err) {
			t.Errorf("pre-opened connection %d: read %d, %v; want it closed", i, n, err)
		}
	}
}

// TestStalledStreamIsCutSoon: a client that stops reading is noticed once
// a bounded send buffer is full, not after the megabytes an unbounded one
// absorbs, and its connection is cut while the others go on.
func TestStalledStreamIsCutSoon(t *testing.T) {
	t.Run("App.Start", func(t *testing.T) { testStalledStreamIsCutSoon(t, startLimitsApp) })
	t.Run("own server with ConfigureServer", func(t *testing.T) {
		testStalledStreamIsCutSoon(t, func(t *testing.T, app *core.App) string {
			srv := httptest.NewUnstartedServer(app.Handler())
			app.ConfigureServer(srv.Config)
			srv.Start()
			t.Cleanup(func() {
				srv.Close()
				_ = app.Shutdown(context.Background())
			})
			if srv.Config.ReadTimeout != core.DefaultReadTimeout {
				t.Errorf("ConfigureServer left ReadTimeout %v", srv.Config.ReadTimeout)
			}
			return srv.Listener.Addr().String()
		})
	})
}

func testStalledStreamIsCutSoon(t *testing.T, serve func(*testing.T, *core.App) string) {
	const (
		message = 4 << 10
		// The stream's send buffer (128 KiB, doubled by Linux), the
		// client's receive buffer and the Hub's 16 messages hold well
		// under this; an unbounded send buffer grows to 4 MiB.
		most = 2 << 20
	)
	logs := &syncBuffer{}
	app := newLimitsApp(t, io.Discard, core.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	addr := serve(t, app)
	hub, err := core.Resolve[*sse.Hub](app)
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	io.WriteString(stalled, "GET /limits/hub HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(stalled)
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("stream answered %q", line)
	}
	for line := ""; line != "\r\n"; line, _ = r.ReadString('\n') {
	} // the headers; from now on the client reads nothing
	// Paced, so that a healthy stream would keep up: the Hub drops this
	// one only once the buffers between it and the client are full.
	data := strings.Repeat("x", message)
	for sent := 0; ; sent += message {
		if strings.Contains(logs.String(), "SSE stream ended by a write error") {
			t.Logf("cut after %d KiB published", sent>>10)
			if sent > most {
				t.Errorf("the stalled stream was cut after %d bytes, want under %d", sent, most)
			}
			return
		}
		if sent > 4*most {
			t.Fatalf("the stalled stream still held after %d bytes", sent)
		}
		if _, err := hub.Publish(context.Background(), "t", sse.Message{Data: data}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // the publish rate, not a synchronisation
	}
}

// TestSharedProblemIsNotChanged: the detail echo's own 404 gets is not
// written into a Problem a handler returns, which other requests share.
func TestSharedProblemIsNotChanged(t *testing.T) {
	app := newLimitsApp(t, io.Discard)
	h := &harness{T: t, App: app, Srv: httptestServer(t, app)}
	if p := h.Problem(h.Do(request{Method: "GET", Path: "/no/such/route"}), http.StatusNotFound); !strings.Contains(p.Detail, "/no/such/route") {
		t.Errorf("router 404 detail %q", p.Detail)
	}
	for range 2 {
		if p := h.Problem(h.Do(request{Method: "GET", Path: "/limits/gone"}), http.StatusNotFound); p.Detail != "" {
			t.Errorf("the handler's own 404 got detail %q", p.Detail)
		}
	}
	if errGoneQuietly.Detail != "" {
		t.Errorf("the shared Problem was changed: %q", errGoneQuietly.Detail)
	}
}

// TestAppMiddlewareSeesABoundedBody: app-level middleware runs before a
// route's chain, and still cannot read past the App's limit.
func TestAppMiddlewareSeesABoundedBody(t *testing.T) {
	read := make(chan int, 1)
	greedy := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			b, err := io.ReadAll(c.Request().Body)
			read <- len(b)
			if err != nil {
				return err
			}
			return next(c)
		}
	}
	app := newLimitsApp(t, io.Discard, core.WithLimits(core.Limits{BodyBytes: 1024}), core.WithMiddleware(greedy))
	srv := httptestServer(t, app)
	body := io.NopCloser(strings.NewReader(strings.Repeat("x", 64<<10)))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/limits/app", body)
	req.ContentLength = -1 // chunked: only reading can tell its size
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if n := <-read; n > 1024 || res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("app middleware read %d bytes and the answer was %d; want at most 1024 and 413", n, res.StatusCode)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// httptestServer serves app with httptest, closed with the test.
func httptestServer(t *testing.T, app *core.App) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown(context.Background())
	})
	return srv
}

// TestBodyLimitHoldsForAReplacedBody: a body that something replaced
// before the route (here echo's Decompress, as Pre middleware) is bounded
// by the route's limit too, although the request declared a small
// Content-Length: 1 KB of gzip that inflates to 1 MB, sent to a route that
// reads 2 KiB, is a 413, not 1 MB read.
func TestBodyLimitHoldsForAReplacedBody(t *testing.T) {
	app := newLimitsApp(t, io.Discard)
	app.Echo().Pre(middleware.Decompress())
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()

	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write([]byte(`{"data":"` + strings.Repeat("a", 1<<20) + `"}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/limits/tagged", bytes.NewReader(gz.Bytes()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a %d-byte gzip body that inflates to 1 MB answered %d: %s; want 413", gz.Len(), res.StatusCode, body)
	}
}
