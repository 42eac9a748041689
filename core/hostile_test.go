package core_test

// A corpus of hostile input: requests that a broken or malicious client
// sends, made over real HTTP against a small app built on the public API.
// Each must get a clear 4xx (or be accepted as valid input), never a 5xx,
// a panic, unbounded memory, or an event that was not published. After
// every case a normal request must still succeed.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	"github.com/labstack/echo/v4"
	gosse "github.com/tmaxmax/go-sse"
)

// hostileTimeout bounds every request and raw connection of these tests,
// so that no case can hang.
const hostileTimeout = 5 * time.Second

// ---- the app under attack ----

// hostileInput is the JSON route's input.
type hostileInput struct {
	Title string   `json:"title" validate:"required,max=200"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

// hostileItemQuery is the GET route's input: a path int and a query int.
type hostileItemQuery struct {
	ID    int `param:"id"`
	Limit int `query:"limit"`
}

type hostileItem struct {
	ID    int `json:"id"`
	Limit int `json:"limit"`
}

// hostileFormInput is the form route's input.
type hostileFormInput struct {
	Title string `form:"title" validate:"required,max=200"`
	Count int    `form:"count"`
}

type hostileFormOutput struct {
	Title string `json:"title"`
	Count int    `json:"count"`
}

// hostileController serves one route of each kind a hostile client aims at.
type hostileController struct {
	core.Controller `path:"/"`
	Hub             *sse.Hub

	_ core.POST `path:"/things"    handler:"Create" status:"201"`
	_ core.GET  `path:"/items/:id" handler:"Item"`
	_ core.POST `path:"/forms"     handler:"Form"   status:"201"`
	_ core.SSE  `path:"/events"    handler:"Events"`
}

func (c *hostileController) Create(_ echo.Context, in hostileInput) (hostileInput, error) {
	return in, nil
}

func (c *hostileController) Item(_ echo.Context, in hostileItemQuery) (hostileItem, error) {
	return hostileItem(in), nil
}

func (c *hostileController) Form(_ echo.Context, in hostileFormInput) (hostileFormOutput, error) {
	return hostileFormOutput(in), nil
}

func (c *hostileController) Events(ctx echo.Context) (<-chan sse.Message, error) {
	return c.Hub.Subscribe(ctx.Request().Context(), "t", sse.LastEventID(ctx.Request()))
}

// hostileApp is one app under attack and a client for it.
type hostileApp struct {
	app    *core.App
	hub    *sse.Hub
	addr   string // host:port
	client *http.Client
	logs   *syncBuffer
}

// newHostileApp builds the app and serves it: through httptest.NewServer,
// or with listen through App.Start, whose http.Server carries the App's
// Limits (header size, timeouts). The app is shut down at the end of the
// test, which then fails if anything logged a panic or an unhandled error.
func newHostileApp(t *testing.T, listen bool, options ...core.Option) *hostileApp {
	t.Helper()
	h := &hostileApp{logs: &syncBuffer{}}
	root := &module.Module{
		Name:      "hostile",
		Providers: []any{sse.NewHub},
		Controllers: []any{func(hub *sse.Hub) *hostileController {
			h.hub = hub
			return &hostileController{Hub: hub}
		}},
	}
	options = append([]core.Option{core.WithLogger(slog.New(slog.NewTextHandler(h.logs, nil)))}, options...)
	app, err := core.New(root, options...)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	h.app = app
	// net/http recovers a handler's panic itself and only logs it: its log
	// is read too.
	serverLog := log.New(h.logs, "net/http: ", 0)
	if listen {
		app.Echo().Server.ErrorLog = serverLog
		if err := app.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		h.addr = app.Addr().String()
		transport := &http.Transport{}
		h.client = &http.Client{Transport: transport}
		t.Cleanup(transport.CloseIdleConnections)
	} else {
		srv := httptest.NewUnstartedServer(app.Handler())
		srv.Config.ErrorLog = serverLog
		srv.Start()
		h.addr = srv.Listener.Addr().String()
		h.client = srv.Client()
		t.Cleanup(srv.Close)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		logs := h.logs.String()
		if strings.Contains(logs, "panic") || strings.Contains(logs, "unhandled error") {
			t.Errorf("the server logged a panic or an unhandled error:\n%s", hostileClip(logs, 4000))
		}
	})
	return h
}

// hostileRequest is one request; body is called once per request, with
// the request's context, so a body may stall until the request ends.
type hostileRequest struct {
	method, path string
	body         func(ctx context.Context) io.Reader
	length       int64 // a Content-Length to declare, when not the body's own
	contentType  string
	header       map[string]string
}

type hostileResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends r with a deadline. An error means no status could be read, or
// the body could not be read whole.
func (h *hostileApp) do(r hostileRequest) (hostileResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = r.body(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, "http://"+h.addr+r.path, body)
	if err != nil {
		return hostileResponse{}, err
	}
	if r.length != 0 {
		req.ContentLength = r.length
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := h.client.Do(req)
	if err != nil {
		return hostileResponse{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return hostileResponse{status: res.StatusCode, header: res.Header, body: b}, err
}

// stillServes checks that the server lives on: normal requests to the
// JSON and the GET route succeed.
func (h *hostileApp) stillServes(t *testing.T) {
	t.Helper()
	res, err := h.do(hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`{"title":"fine","count":2,"tags":["a"]}`), contentType: "application/json"})
	if err != nil || res.status != http.StatusCreated || !strings.Contains(string(res.body), `"title":"fine"`) {
		t.Fatalf("a normal POST after the hostile request: status %d, error %v, body %q", res.status, err, hostileClip(string(res.body), 300))
	}
	res, err = h.do(hostileRequest{method: http.MethodGet, path: "/items/7?limit=3"})
	if err != nil || res.status != http.StatusOK || strings.TrimSpace(string(res.body)) != `{"id":7,"limit":3}` {
		t.Fatalf("a normal GET after the hostile request: status %d, error %v, body %q", res.status, err, hostileClip(string(res.body), 300))
	}
}

// hostileCase is one hostile request and what must come of it.
type hostileCase struct {
	name string
	req  hostileRequest
	// want holds the statuses allowed; none means any 4xx.
	want []int
	// detail is a text the problem's detail must hold.
	detail string
	// plain: net/http answers this one itself, in plain text.
	plain bool
	// check looks further into an accepted (2xx) response.
	check func(t *testing.T, res hostileResponse)
}

// verify asserts what every answer to a hostile request owes the client:
// no 5xx, an expected status, and when godanet answers an error, problem
// details whose status is the response's and whose detail says something.
func (c hostileCase) verify(t *testing.T, res hostileResponse) {
	t.Helper()
	if res.status >= 500 {
		t.Fatalf("status %d, a server error for a client's request; body %q", res.status, hostileClip(string(res.body), 500))
	}
	switch {
	case len(c.want) == 0 && (res.status < 400 || res.status > 499):
		t.Errorf("status %d, want a 4xx; body %q", res.status, hostileClip(string(res.body), 500))
	case len(c.want) > 0 && !slices.Contains(c.want, res.status):
		t.Errorf("status %d, want one of %v; body %q", res.status, c.want, hostileClip(string(res.body), 500))
	}
	if res.status < 400 {
		if c.check != nil {
			c.check(t, res)
		}
		return
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		if !c.plain {
			t.Errorf("Content-Type %q, want application/problem+json; body %q", ct, hostileClip(string(res.body), 500))
		}
		return
	}
	hostileCheckProblem(t, res, c.detail)
}

// hostileCheckProblem asserts an RFC 9457 body that matches its response.
func hostileCheckProblem(t *testing.T, res hostileResponse, detail string) {
	t.Helper()
	var p struct {
		Status *int   `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatalf("problem body is not JSON (%v): %q", err, hostileClip(string(res.body), 500))
	}
	if p.Status == nil || *p.Status != res.status {
		t.Errorf("problem status %v, want %d; body %s", p.Status, res.status, res.body)
	}
	if strings.TrimSpace(p.Detail) == "" {
		t.Errorf("problem has no detail: %s", res.body)
	}
	if detail != "" && !strings.Contains(p.Detail, detail) {
		t.Errorf("problem detail %q does not mention %q", p.Detail, detail)
	}
	if !bytes.HasSuffix(res.body, []byte("\n")) {
		t.Errorf("problem body does not end with a newline: %q", res.body)
	}
}

// runHostileCases sends each case to h, checks its answer, then checks that
// h still serves normal requests.
func runHostileCases(t *testing.T, h *hostileApp, cases []hostileCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := h.do(c.req)
			if err != nil {
				t.Fatalf("%s %s: no answer: %v", c.req.method, hostileClip(c.req.path, 80), err)
			}
			if len(c.want) != 1 {
				t.Logf("status %d", res.status) // which of the allowed answers came
			}
			c.verify(t, res)
			h.stillServes(t)
		})
	}
}

// ---- bodies ----

func hostileText(s string) func(context.Context) io.Reader {
	return func(context.Context) io.Reader { return strings.NewReader(s) }
}

// hostileChunked sends s with no Content-Length (chunked), as a streaming
// client does.
func hostileChunked(s string) func(context.Context) io.Reader {
	return func(context.Context) io.Reader { return io.MultiReader(strings.NewReader(s)) }
}

// hostileFill yields head and then fill bytes, size bytes in all, without
// holding them: a huge body that costs the client nothing.
type hostileFill struct {
	head  string
	block []byte
	left  int64
}

func newHostileFill(head string, fill byte, size int64) *hostileFill {
	return &hostileFill{head: head, block: bytes.Repeat([]byte{fill}, 32<<10), left: size}
}

func (r *hostileFill) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := copy(p, r.head)
	r.head = r.head[n:]
	for n < len(p) {
		n += copy(p[n:], r.block)
	}
	r.left -= int64(n)
	return n, nil
}

// hostileStall yields head and then nothing until ctx ends: a client that
// declares a body and never sends it. A server that waits for the body
// before answering never answers.
type hostileStall struct {
	ctx  context.Context
	head string
}

func (r *hostileStall) Read(p []byte) (int, error) {
	if r.head != "" {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func hostileStalled(head string) func(context.Context) io.Reader {
	return func(ctx context.Context) io.Reader { return &hostileStall{ctx: ctx, head: head} }
}

// hostileJSONOfSize is a valid input of exactly n bytes.
func hostileJSONOfSize(n int) string {
	const head, tail = `{"title":"big","tags":["`, `"]}`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// hostileManyParams is a query of limit=5 and n-1 more parameters.
func hostileManyParams(n int) string {
	return "limit=5" + strings.Repeat("&a=1", n-1)
}

func hostileClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

// hostileRoundTrip checks an accepted JSON input: the echoed body is valid
// JSON, and valid UTF-8 as sent (decoding it would replace invalid bytes,
// and hide them).
func hostileRoundTrip(t *testing.T, res hostileResponse) {
	t.Helper()
	var out hostileInput
	if !json.Valid(res.body) {
		t.Fatalf("the echoed body is not valid JSON: %q", res.body)
	}
	if !utf8.Valid(res.body) {
		t.Errorf("the echoed body is not valid UTF-8: %q", res.body)
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		t.Fatal(err)
	}
}

func hostileJSON(body string) hostileRequest {
	return hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(body), contentType: "application/json"}
}

func hostileForm(body string) hostileRequest {
	return hostileRequest{method: http.MethodPost, path: "/forms", body: hostileText(body), contentType: "application/x-www-form-urlencoded"}
}

func hostileGet(path string) hostileRequest {
	return hostileRequest{method: http.MethodGet, path: path}
}

var (
	hostileCreated = []int{http.StatusCreated}
	hostileOK      = []int{http.StatusOK}
	hostileBad     = []int{http.StatusBadRequest}
	hostileTooBig  = []int{http.StatusRequestEntityTooLarge}
	hostileMedia   = []int{http.StatusUnsupportedMediaType}
	// hostileMaybe is for input a server may take or refuse.
	hostileMaybe = []int{http.StatusCreated, http.StatusBadRequest}
)

// ---- the corpus ----

func TestHostileRequests(t *testing.T) {
	h := newHostileApp(t, false)
	deep := strings.Repeat("[", 100000)
	cases := []hostileCase{
		// Body size (default limit, 1 MiB).
		{name: "body/exactly the limit", req: hostileJSON(hostileJSONOfSize(core.DefaultBodyBytes)), want: hostileCreated},
		{name: "body/exactly the limit, chunked", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileChunked(hostileJSONOfSize(core.DefaultBodyBytes)), contentType: "application/json"}, want: hostileCreated},
		{name: "body/one byte over the limit", req: hostileJSON(hostileJSONOfSize(core.DefaultBodyBytes + 1)), want: hostileTooBig},
		{name: "body/Content-Length over the limit, body never sent", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileStalled(`{"title":"`), length: core.DefaultBodyBytes + 1, contentType: "application/json"}, want: hostileTooBig},
		{name: "body/Content-Length 1 GiB, body never sent", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileStalled(`{"title":"`), length: 1 << 30, contentType: "application/json"}, want: hostileTooBig},
		{name: "body/chunked over the limit", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileChunked(hostileJSONOfSize(2 << 20)), contentType: "application/json"}, want: hostileTooBig},
		{name: "body/chunked 8 MiB string", req: hostileRequest{method: http.MethodPost, path: "/things", body: func(context.Context) io.Reader { return newHostileFill(`{"title":"`, 'a', 8<<20) }, contentType: "application/json"}, want: hostileTooBig},

		// Content-Type on the JSON route.
		{name: "media/application/xml", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`<title>a</title>`), contentType: "application/xml"}, want: hostileMedia, detail: "application/json"},
		{name: "media/text/plain", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`{"title":"a"}`), contentType: "text/plain"}, want: hostileMedia, detail: "application/json"},
		{name: "media/curl's default form type", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`{"title":"a"}`), contentType: "application/x-www-form-urlencoded"}, want: hostileMedia, detail: "application/json"},
		{name: "media/multipart", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText("--b\r\n\r\nx\r\n--b--\r\n"), contentType: "multipart/form-data; boundary=b"}, want: hostileMedia, detail: "application/json"},
		{name: "media/none", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`{"title":"a"}`)}, want: hostileMedia, detail: "application/json"},
		{name: "media/application/jsonx", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`{"title":"a"}`), contentType: "application/jsonx"}, want: hostileMedia, detail: "application/json"},
		{name: "media/json with charset", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileText(`{"title":"a"}`), contentType: "application/json; charset=utf-8"}, want: hostileCreated},

		// Data after the JSON value.
		{name: "trailing/garbage", req: hostileJSON(`{"title":"a"} x`), want: hostileBad},
		{name: "trailing/second object", req: hostileJSON(`{"title":"a"}{"title":"b"}`), want: hostileBad},
		{name: "trailing/second object after a newline", req: hostileJSON("{\"title\":\"a\"}\n{\"title\":\"b\"}"), want: hostileBad},
		{name: "trailing/closing bracket", req: hostileJSON(`{"title":"a"}]`), want: hostileBad},
		{name: "trailing/open brace", req: hostileJSON(`{"title":"a"} {`), want: hostileBad},
		{name: "trailing/a number", req: hostileJSON(`{"title":"a"} 1`), want: hostileBad},
		{name: "trailing/white space only", req: hostileJSON("{\"title\":\"a\"} \r\n\t "), want: hostileCreated},

		// Malformed JSON.
		{name: "malformed/cut short", req: hostileJSON(`{"title":`), want: hostileBad},
		{name: "malformed/unclosed", req: hostileJSON(`{"title":"a"`), want: hostileBad},
		{name: "malformed/unquoted key", req: hostileJSON(`{title:"a"}`), want: hostileBad},
		{name: "malformed/single quotes", req: hostileJSON(`{'title':'a'}`), want: hostileBad},
		{name: "malformed/trailing comma", req: hostileJSON(`{"title":"a",}`), want: hostileBad},
		{name: "malformed/bare word", req: hostileJSON(`nul`), want: hostileBad},
		{name: "malformed/byte order mark", req: hostileJSON("\xef\xbb\xbf{\"title\":\"a\"}"), want: hostileBad},
		{name: "malformed/raw NUL outside a string", req: hostileJSON("{\"title\":\"a\"\x00}"), want: hostileBad},
		{name: "malformed/bad escape", req: hostileJSON(`{"title":"\x41"}`), want: hostileBad},
		{name: "malformed/white space only", req: hostileJSON("   "), want: hostileBad},
		{name: "malformed/null", req: hostileJSON(`null`), want: hostileBad},
		{name: "malformed/top-level array", req: hostileJSON(`[{"title":"a"}]`), want: hostileBad},
		{name: "malformed/top-level string", req: hostileJSON(`"title"`), want: hostileBad},
		{name: "malformed/100000 brackets in a field", req: hostileJSON(`{"title":"a","tags":` + deep), want: hostileBad},
		{name: "malformed/100000 balanced brackets in an unknown field", req: hostileJSON(`{"title":"a","x":` + deep + strings.Repeat("]", 100000) + `}`), want: hostileBad},
		{name: "malformed/50000 nested objects", req: hostileJSON(strings.Repeat(`{"a":`, 50000) + "1" + strings.Repeat("}", 50000)), want: hostileBad},

		// Numbers and types.
		{name: "types/count 1e40", req: hostileJSON(`{"title":"a","count":1e40}`), want: hostileBad, detail: "count"},
		{name: "types/count 20 digits", req: hostileJSON(`{"title":"a","count":99999999999999999999}`), want: hostileBad, detail: "count"},
		{name: "types/count minus 20 digits", req: hostileJSON(`{"title":"a","count":-99999999999999999999}`), want: hostileBad, detail: "count"},
		{name: "types/count 1.5", req: hostileJSON(`{"title":"a","count":1.5}`), want: hostileBad, detail: "count"},
		{name: "types/count a string", req: hostileJSON(`{"title":"a","count":"5"}`), want: hostileBad, detail: "count"},
		{name: "types/count true", req: hostileJSON(`{"title":"a","count":true}`), want: hostileBad, detail: "count"},
		{name: "types/title a number", req: hostileJSON(`{"title":5}`), want: hostileBad, detail: "title"},
		{name: "types/title an array", req: hostileJSON(`{"title":["a"]}`), want: hostileBad, detail: "title"},
		{name: "types/title an object", req: hostileJSON(`{"title":{"a":1}}`), want: hostileBad, detail: "title"},
		{name: "types/tags a string", req: hostileJSON(`{"title":"a","tags":"x"}`), want: hostileBad, detail: "tags"},
		{name: "types/tags of numbers", req: hostileJSON(`{"title":"a","tags":[1]}`), want: hostileBad, detail: "tags"},
		{name: "types/tags an object", req: hostileJSON(`{"title":"a","tags":{"a":"b"}}`), want: hostileBad, detail: "tags"},

		// Strings.
		{name: "strings/escaped NUL", req: hostileJSON(`{"title":"a\u0000b","tags":["\u0000"]}`), want: hostileMaybe, check: hostileRoundTrip},
		{name: "strings/raw NUL", req: hostileJSON("{\"title\":\"a\x00b\"}"), want: hostileMaybe, check: hostileRoundTrip},
		{name: "strings/invalid UTF-8", req: hostileJSON("{\"title\":\"\xff\xfe\xfd\",\"tags\":[\"\xc0\xaf\"]}"), want: hostileMaybe, check: hostileRoundTrip},
		{name: "strings/lone surrogate", req: hostileJSON(`{"title":"\ud800","tags":["\udfff\ud800"]}`), want: hostileMaybe, check: hostileRoundTrip},
		{name: "strings/raw control characters", req: hostileJSON("{\"title\":\"a\x1b[2Jb\x7f\"}"), want: hostileMaybe, check: hostileRoundTrip},
		{name: "strings/script", req: hostileJSON(`{"title":"</script><script>alert(1)</script>"}`), want: hostileCreated, check: hostileRoundTrip},
		{name: "strings/title too long", req: hostileJSON(`{"title":"` + strings.Repeat("a", 201) + `"}`), want: hostileBad, detail: ""},
		{name: "strings/title of 200 two-byte runes", req: hostileJSON(`{"title":"` + strings.Repeat("é", 200) + `"}`), want: hostileCreated},
		{name: "strings/empty title", req: hostileJSON(`{"title":""}`), want: hostileBad},
		{name: "strings/duplicate key, last empty", req: hostileJSON(`{"title":"a","title":""}`), want: hostileBad},
		{name: "strings/100000 tags", req: hostileJSON(`{"title":"a","tags":[` + strings.TrimSuffix(strings.Repeat(`"",`, 100000), ",") + `]}`), want: hostileCreated},

		// Path and query of the GET route.
		{name: "query/id not a number", req: hostileGet("/items/abc"), want: hostileBad, detail: "id"},
		{name: "query/id overflows int", req: hostileGet("/items/99999999999999999999"), want: hostileBad, detail: "id"},
		{name: "query/id escaped NUL", req: hostileGet("/items/%00"), want: hostileBad},
		{name: "query/limit not a number", req: hostileGet("/items/5?limit=abc"), want: hostileBad, detail: "limit"},
		{name: "query/limit overflows int", req: hostileGet("/items/5?limit=1e40"), want: hostileBad, detail: "limit"},
		{name: "query/limit bad escape", req: hostileGet("/items/5?limit=%zz"), want: hostileBad},
		{name: "query/cut escape", req: hostileGet("/items/5?limit=5&a=%"), want: hostileBad},
		{name: "query/semicolon", req: hostileGet("/items/5?limit=5;a=1"), want: hostileBad},
		{name: "query/10001 parameters", req: hostileGet("/items/5?" + hostileManyParams(10001)), want: hostileBad, detail: "parameters"},
		{name: "query/10000 parameters", req: hostileGet("/items/5?" + hostileManyParams(10000)), want: hostileOK},
		{name: "query/path traversal", req: hostileGet("/items/..%2f..%2fetc%2fpasswd"), want: []int{http.StatusBadRequest, http.StatusNotFound}},
		{name: "query/dot segments", req: hostileGet("/items/5/../../things"), want: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed}},

		// Routing.
		{name: "routing/404", req: hostileGet("/nope"), want: []int{http.StatusNotFound}},
		// echo v4 puts the rest of the path into a route's last parameter
		// (labstack/echo#2501), so this reaches the route with id "5/more":
		// a 400 for an int, where a 404 would be exact.
		{name: "routing/404 under a route", req: hostileGet("/items/5/more"), want: []int{http.StatusNotFound, http.StatusBadRequest}},
		{name: "routing/405 DELETE", req: hostileRequest{method: http.MethodDelete, path: "/items/5"}, want: []int{http.StatusMethodNotAllowed}},
		{name: "routing/405 GET of a POST route", req: hostileGet("/things"), want: []int{http.StatusMethodNotAllowed}},
		{name: "routing/405 POST to the stream", req: hostileRequest{method: http.MethodPost, path: "/events", body: hostileText(`{}`), contentType: "application/json"}, want: []int{http.StatusMethodNotAllowed}},
		{name: "routing/unknown method", req: hostileRequest{method: "BREW", path: "/things"}, want: []int{http.StatusMethodNotAllowed, http.StatusNotFound}},

		// The form route.
		{name: "form/valid", req: hostileForm("title=a&count=2"), want: hostileCreated},
		{name: "form/count not a number", req: hostileForm("title=a&count=abc"), want: hostileBad, detail: "count"},
		{name: "form/count overflows int", req: hostileForm("title=a&count=99999999999999999999"), want: hostileBad, detail: "count"},
		{name: "form/bad escape", req: hostileForm("title=%zz&count=1"), want: hostileBad},
		{name: "form/semicolon", req: hostileForm("title=a;count=1"), want: hostileBad},
		{name: "form/10001 fields", req: hostileForm("title=a" + strings.Repeat("&a=1", 10000)), want: hostileBad},
		{name: "form/over the limit, chunked", req: hostileRequest{method: http.MethodPost, path: "/forms", body: hostileChunked("title=" + strings.Repeat("a", 2<<20)), contentType: "application/x-www-form-urlencoded"}, want: hostileTooBig},
		{name: "form/JSON body", req: hostileRequest{method: http.MethodPost, path: "/forms", body: hostileText(`{"title":"a"}`), contentType: "application/json"}, want: hostileMedia, detail: "application/x-www-form-urlencoded"},
		{name: "form/multipart without boundary", req: hostileRequest{method: http.MethodPost, path: "/forms", body: hostileText("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na\r\n--b--\r\n"), contentType: "multipart/form-data"}, want: hostileBad},
		{name: "form/multipart cut short", req: hostileRequest{method: http.MethodPost, path: "/forms", body: hostileText("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na"), contentType: "multipart/form-data; boundary=b"}, want: hostileBad},
		{name: "form/multipart of 2 MiB", req: hostileRequest{method: http.MethodPost, path: "/forms", body: hostileText("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + strings.Repeat("a", 2<<20) + "\r\n--b--\r\n"), contentType: "multipart/form-data; boundary=b"}, want: hostileTooBig},
	}
	runHostileCases(t, h, cases)
}

// TestHostileBodyLimitOption: WithLimits changes the body limit, and a
// negative one lifts it.
func TestHostileBodyLimitOption(t *testing.T) {
	t.Run("1 KiB", func(t *testing.T) {
		h := newHostileApp(t, false, core.WithLimits(core.Limits{BodyBytes: 1024}))
		runHostileCases(t, h, []hostileCase{
			{name: "exactly the limit", req: hostileJSON(hostileJSONOfSize(1024)), want: hostileCreated},
			{name: "one byte over", req: hostileJSON(hostileJSONOfSize(1025)), want: hostileTooBig},
			{name: "one byte over, chunked", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileChunked(hostileJSONOfSize(1025)), contentType: "application/json"}, want: hostileTooBig},
			{name: "Content-Length over, body never sent", req: hostileRequest{method: http.MethodPost, path: "/things", body: hostileStalled(`{`), length: 1025, contentType: "application/json"}, want: hostileTooBig},
			{name: "form over", req: hostileForm("title=" + strings.Repeat("a", 2000)), want: hostileTooBig},
		})
	})
	t.Run("none", func(t *testing.T) {
		h := newHostileApp(t, false, core.WithLimits(core.Limits{BodyBytes: -1}))
		runHostileCases(t, h, []hostileCase{
			{name: "2 MiB", req: hostileJSON(hostileJSONOfSize(2 << 20)), want: hostileCreated},
		})
	})
}

// TestHostileServerLimits runs the app with App.Start, whose http.Server
// carries the App's Limits: a 64 KiB header limit and read timeouts.
func TestHostileServerLimits(t *testing.T) {
	h := newHostileApp(t, true, core.WithLimits(core.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond}))
	big := strings.Repeat("a", 1<<20)
	tooLarge := []int{http.StatusRequestHeaderFieldsTooLarge}
	runHostileCases(t, h, []hostileCase{
		{name: "1 MB path", req: hostileGet("/items/" + big), want: tooLarge, plain: true},
		{name: "1 MB query", req: hostileGet("/items/5?limit=1&pad=" + big), want: tooLarge, plain: true},
		{name: "100 KB header", req: hostileRequest{method: http.MethodGet, path: "/items/5", header: map[string]string{"X-Junk": big[:100<<10]}}, want: tooLarge, plain: true},
		{name: "100 KB Last-Event-ID", req: hostileRequest{method: http.MethodGet, path: "/events", header: map[string]string{"Last-Event-ID": big[:100<<10]}}, want: tooLarge, plain: true},
		{name: "10001 parameters", req: hostileGet("/items/5?" + hostileManyParams(10001)), want: hostileBad, detail: "parameters"},
	})

	t.Run("headers that never end", func(t *testing.T) {
		conn, br := hostileDial(t, h.addr)
		if _, err := io.WriteString(conn, "GET /items/5 HTTP/1.1\r\nHost: hostile\r\n"); err != nil {
			t.Fatal(err)
		}
		// ReadHeaderTimeout (200ms) must end it, long before our deadline.
		res, err := http.ReadResponse(br, nil)
		switch {
		case err == nil:
			res.Body.Close()
			if res.StatusCode < 400 || res.StatusCode > 499 {
				t.Errorf("status %d, want the connection closed or a 4xx", res.StatusCode)
			}
		case hostileIsTimeout(err):
			t.Fatalf("the server still holds a connection whose headers never ended: %v", err)
		}
		h.stillServes(t)
	})
	t.Run("body that never ends", func(t *testing.T) {
		conn, br := hostileDial(t, h.addr)
		if _, err := io.WriteString(conn, "POST /things HTTP/1.1\r\nHost: hostile\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"title\":"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, &http.Request{Method: http.MethodPost})
		if err != nil {
			t.Fatalf("no answer to a body that never ends: %v", err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		hostileCase{want: []int{http.StatusRequestTimeout}}.verify(t, hostileResponse{status: res.StatusCode, header: res.Header, body: body})
		h.stillServes(t)
	})
}

func hostileIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hostileDial opens a raw connection, with a deadline, closed at the end
// of the test.
func hostileDial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, hostileTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(hostileTimeout)); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// TestHostileHead: HEAD of the stream and of a GET route answers with
// headers and no body. Each HEAD is pipelined with a GET on one
// connection: a body after the HEAD's headers would be read as the GET's
// response and fail to parse.
func TestHostileHead(t *testing.T) {
	h := newHostileApp(t, false)
	cases := []struct {
		path        string
		status      int
		contentType string
	}{
		{"/events", http.StatusOK, "text/event-stream"},
		{"/items/5", http.StatusOK, "application/json"},
		{"/items/abc", http.StatusBadRequest, ""},
		{"/nope", http.StatusNotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			conn, br := hostileDial(t, h.addr)
			raw := "HEAD " + c.path + " HTTP/1.1\r\nHost: hostile\r\n\r\n" +
				"GET /items/6?limit=1 HTTP/1.1\r\nHost: hostile\r\nConnection: close\r\n\r\n"
			if _, err := io.WriteString(conn, raw); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(br, &http.Request{Method: http.MethodHead})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != c.status {
				t.Errorf("HEAD %s: status %d, want %d", c.path, res.StatusCode, c.status)
			}
			if ct := res.Header.Get("Content-Type"); c.contentType != "" && !strings.HasPrefix(ct, c.contentType) {
				t.Errorf("HEAD %s: Content-Type %q, want %s", c.path, ct, c.contentType)
			}
			next, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
			if err != nil {
				t.Fatalf("the response after HEAD %s does not parse (a body was sent after HEAD?): %v", c.path, err)
			}
			defer next.Body.Close()
			body, err := io.ReadAll(next.Body)
			if err != nil || next.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"id":6,"limit":1}` {
				t.Fatalf("the GET after HEAD %s: status %d, error %v, body %q", c.path, next.StatusCode, err, hostileClip(string(body), 300))
			}
		})
	}
	t.Run("client", func(t *testing.T) {
		res, err := h.do(hostileRequest{method: http.MethodHead, path: "/events"})
		if err != nil {
			t.Fatal(err)
		}
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/event-stream" || len(res.body) != 0 {
			t.Errorf("HEAD /events: status %d, Content-Type %q, body %q", res.status, res.header.Get("Content-Type"), res.body)
		}
		h.stillServes(t)
	})
}

// ---- Last-Event-ID ----

// hostileSSE is an app whose topic "t" holds three messages (the second
// with data that looks like fields), and the id of a message of another
// topic.
type hostileSSE struct {
	*hostileApp
	published []sse.Message
	otherID   string
}

func newHostileSSE(t *testing.T, listen bool) *hostileSSE {
	t.Helper()
	s := &hostileSSE{hostileApp: newHostileApp(t, listen)}
	for _, data := range []string{"one", "two\nid: injected\n\nevent: evil\ndata: injected", "three"} {
		id, err := s.hub.Publish(context.Background(), "t", sse.Message{Data: data})
		if err != nil {
			t.Fatal(err)
		}
		s.published = append(s.published, sse.Message{ID: id, Data: data})
	}
	id, err := s.hub.Publish(context.Background(), "other", sse.Message{Data: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	s.otherID = id
	return s
}

// expectReplay reads the stream in body: it must replay exactly replay,
// and then, once a sentinel is published, deliver the sentinel next. So
// any event the server made up, before or after the replay, is caught
// without waiting for a timeout.
func (s *hostileSSE) expectReplay(t *testing.T, body io.Reader, replay []sse.Message) {
	t.Helper()
	want := slices.Clone(replay)
	sentinel := false
	publish := func() {
		id, err := s.hub.Publish(context.Background(), "t", sse.Message{Data: "sentinel"})
		if err != nil {
			t.Fatal(err)
		}
		want, sentinel = append(want, sse.Message{ID: id, Data: "sentinel"}), true
	}
	if len(want) == 0 {
		publish()
	}
	var got []gosse.Event
	for e, err := range gosse.Read(body, nil) {
		if err != nil {
			t.Errorf("reading the stream after %d events: %v", len(got), err)
			break
		}
		got = append(got, e)
		if len(got) == len(want) {
			if sentinel {
				break
			}
			publish()
		}
	}
	if len(got) != len(want) {
		t.Fatalf("the stream ended after %d events %+v, want %d", len(got), got, len(want))
	}
	for i, e := range got {
		if e.LastEventID != want[i].ID || e.Data != want[i].Data || e.Type != "" {
			t.Errorf("event %d: %+v, want id %q data %q", i, e, want[i].ID, want[i].Data)
		}
		if strings.Contains(e.LastEventID, "injected") {
			t.Errorf("event %d has an injected id: %+v", i, e)
		}
	}
}

func TestHostileLastEventID(t *testing.T) {
	// prefix is the part before the sequence number of the ids the Hub
	// gives topic "t".
	prefix := func(s *hostileSSE) string {
		id := s.published[0].ID
		return id[:strings.LastIndex(id, "-")+1]
	}
	constant := func(v string) func(*hostileSSE) string { return func(*hostileSSE) string { return v } }
	cases := []struct {
		name string
		// value is the header to send; nil sends none.
		value func(s *hostileSSE) string
		// from is the first published message to be replayed.
		from int
		// mayRefuse: the server may answer with a 4xx instead (a header
		// over the limit); every other value must get the stream.
		mayRefuse bool
	}{
		{name: "none", from: 3},
		{name: "the first message's", value: func(s *hostileSSE) string { return s.published[0].ID }, from: 1},
		{name: "the last message's", value: func(s *hostileSSE) string { return s.published[2].ID }, from: 3},
		{name: "another topic's", value: func(s *hostileSSE) string { return s.otherID }},
		{name: "huge sequence", value: constant("abc-99999999999999999999999")},
		{name: "this topic's prefix, huge sequence", value: func(s *hostileSSE) string { return prefix(s) + "99999999999999999999999" }},
		{name: "this topic's prefix, next sequence", value: func(s *hostileSSE) string { return prefix(s) + "4" }},
		{name: "this topic's prefix, zero", value: func(s *hostileSSE) string { return prefix(s) + "0" }},
		{name: "this topic's prefix, negative", value: func(s *hostileSSE) string { return prefix(s) + "-1" }},
		{name: "this topic's prefix only", value: prefix},
		{name: "100 KB", value: constant(strings.Repeat("9", 100<<10)), mayRefuse: true},
		{name: "invalid UTF-8", value: constant("\xff\xfe\xfd")},
		{name: "text that looks like fields", value: constant("1 id: injected data: injected")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newHostileSSE(t, false)
			ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+"/events", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.value != nil {
				req.Header.Set("Last-Event-ID", c.value(s))
			}
			res, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(res.Body)
				if !c.mayRefuse {
					t.Fatalf("status %d %q, want 200 and a replay", res.StatusCode, body)
				}
				hostileCase{}.verify(t, hostileResponse{status: res.StatusCode, header: res.Header, body: body})
			} else {
				if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
					t.Fatalf("Content-Type %q", ct)
				}
				s.expectReplay(t, res.Body, s.published[c.from:])
			}
			cancel()
			s.stillServes(t)
		})
	}
	t.Run("100 KB through App.Start", func(t *testing.T) {
		s := newHostileSSE(t, true)
		res, err := s.do(hostileRequest{method: http.MethodGet, path: "/events", header: map[string]string{"Last-Event-ID": strings.Repeat("9", 100<<10)}})
		if err != nil {
			t.Fatal(err)
		}
		hostileCase{want: []int{http.StatusRequestHeaderFieldsTooLarge}, plain: true}.verify(t, res)
		s.stillServes(t)
	})
}

// TestHostileLastEventIDRaw sends Last-Event-ID values that net/http's
// client refuses to send: control characters, CR and LF.
func TestHostileLastEventIDRaw(t *testing.T) {
	cases := []struct {
		name, line string
		// refuse: the server must answer 4xx or close; otherwise a clean
		// replay of everything is fine too.
		refuse bool
	}{
		{name: "NUL", line: "Last-Event-ID: x\x00id: injected", refuse: true},
		{name: "bare CR", line: "Last-Event-ID: x\rid: injected", refuse: true},
		{name: "bare CR then data", line: "Last-Event-ID: x\r\rdata: injected\r", refuse: true},
		// net/http takes a bare LF for the end of a header line, as RFC
		// 9112 section 2.2 allows: the handler sees "x", and the rest is
		// one more header (or, after two, the body). Nothing can refuse it
		// after net/http, so a clean replay is the right answer.
		{name: "bare LF", line: "Last-Event-ID: x\nid: injected"},
		{name: "bare LF twice", line: "Last-Event-ID: x\n\nid: injected"},
		{name: "escape", line: "Last-Event-ID: x\x1b[2Jid: injected", refuse: true},
		{name: "DEL", line: "Last-Event-ID: x\x7fid: injected", refuse: true},
		// CRLF ends the header: the rest is one more header, legal HTTP.
		{name: "CRLF", line: "Last-Event-ID: x\r\nid: injected"},
		{name: "folded line", line: "Last-Event-ID: x\r\n id: injected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newHostileSSE(t, false)
			conn, br := hostileDial(t, s.addr)
			raw := "GET /events HTTP/1.1\r\nHost: hostile\r\n" + c.line + "\r\n\r\n"
			if _, err := io.WriteString(conn, raw); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
			switch {
			case err != nil && hostileIsTimeout(err):
				t.Fatalf("no answer: %v", err)
			case err != nil:
				// Closed without an answer: nothing was streamed.
			case res.StatusCode == http.StatusOK:
				if c.refuse {
					t.Errorf("status 200 for a Last-Event-ID holding %s; want 400 or a closed connection", c.name)
				}
				s.expectReplay(t, res.Body, s.published)
			default:
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				hostileCase{plain: true}.verify(t, hostileResponse{status: res.StatusCode, header: res.Header, body: body})
			}
			conn.Close()
			s.stillServes(t)
		})
	}
}

// ---- memory ----

// TestHostileBodyMemory sends ten 50 MB chunked bodies at once: each is
// cut at the body limit, so the server's heap grows by a few MiB, not by
// 500 MB.
func TestHostileBodyMemory(t *testing.T) {
	h := newHostileApp(t, false)
	const (
		clients = 10
		size    = 50 << 20
		bound   = 32 << 20
	)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	// The peak is sampled while the bodies arrive, garbage included.
	stop, sampled := make(chan struct{}), make(chan uint64)
	go func() {
		peak := before.HeapInuse
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				sampled <- peak
				return
			case <-tick.C:
			}
		}
	}()

	type outcome struct {
		status int
		err    error
	}
	outcomes := make([]outcome, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			res, err := h.do(hostileRequest{
				method:      http.MethodPost,
				path:        "/things",
				body:        func(context.Context) io.Reader { return newHostileFill(`{"title":"`, 'a', size) },
				contentType: "application/json",
			})
			outcomes[i] = outcome{res.status, err}
		})
	}
	wg.Wait()
	close(stop)
	peak := <-sampled

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	tooLarge := 0
	for i, o := range outcomes {
		switch {
		case o.status == http.StatusRequestEntityTooLarge:
			tooLarge++
		case o.status != 0:
			t.Errorf("client %d: status %d, want 413", i, o.status)
		case o.err == nil:
			t.Errorf("client %d: no status and no error", i)
		default:
			t.Logf("client %d: the server closed before the status could be read: %v", i, o.err)
		}
	}
	if tooLarge == 0 {
		t.Errorf("no client got 413: %+v", outcomes)
	}
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	peakGrown := int64(peak) - int64(before.HeapInuse)
	t.Logf("heap in use: %d MiB before, %d MiB at the peak, %d MiB after GC", before.HeapInuse>>20, peak>>20, after.HeapInuse>>20)
	if grown >= bound {
		t.Errorf("the heap grew by %d MiB after GC, want under %d MiB", grown>>20, bound>>20)
	}
	// Ten bodies cut at 1 MiB each cost about 20 MiB, garbage included;
	// buffering them would cost 500 MB.
	if peakGrown >= 2*bound {
		t.Errorf("the heap peaked %d MiB above where it started, want under %d MiB", peakGrown>>20, 2*bound>>20)
	}
	h.stillServes(t)
}
