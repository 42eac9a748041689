package readme

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/openapi"
	gosse "github.com/tmaxmax/go-sse"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serveApp serves app over HTTP until the test ends.
func serveApp(t *testing.T, app *core.App) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown(context.Background())
	})
	return srv
}

// send makes one request and returns the status and the body.
func send(t *testing.T, srv *httptest.Server, method, path, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestReadmeTourRuns starts the README's TodoModule and checks what the
// README says of it: the guard's 401s, the bearer scheme in any case,
// both route styles, binding and the NotFound filter.
func TestReadmeTourRuns(t *testing.T) {
	app, err := core.New(TodoModule, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveApp(t, app)
	steps := []struct {
		method, path, auth, body string
		status                   int
		want                     string
	}{
		{"POST", "/todos", "", `{"title":"a"}`, 401, "send Authorization: Bearer"},
		{"POST", "/todos", "Bearer wrong", `{"title":"a"}`, 401, "the bearer token is wrong"},
		{"POST", "/todos", "Bearer s3cret", `{"title":"a"}`, 201, `"id":1`},
		{"POST", "/todos", "bearer s3cret", `{"title":"b"}`, 201, `"id":2`},
		{"POST", "/todos", "BEARER s3cret", `{}`, 400, `"field":"title"`},
		{"PATCH", "/todos/1", "Bearer s3cret", `{"done":true}`, 200, `"done":true`},
		{"PATCH", "/todos/1", "", `{"done":true}`, 401, `"status":401`},
		{"DELETE", "/todos/2", "Bearer s3cret", "", 204, ""},
		{"GET", "/todos/2", "", "", 404, "there is no todo with that id"},
		{"GET", "/todos", "", "", 200, `[{"id":1,"title":"a","done":true}]`},
	}
	for _, s := range steps {
		status, body := send(t, srv, s.method, s.path, s.auth, s.body)
		if status != s.status || !strings.Contains(body, s.want) {
			t.Errorf("%s %s (Authorization %q): %d %s, want %d with %s", s.method, s.path, s.auth, status, body, s.status, s.want)
		}
	}
}

// TestReadmeOverrideProvider runs the README's test set-up: the app must
// start, and serve the fake store's todo.
func TestReadmeOverrideProvider(t *testing.T) {
	app, err := NewTestApp()
	if err != nil {
		t.Fatalf("the README's OverrideProvider snippet fails: %v", err)
	}
	srv := serveApp(t, app)
	status, body := send(t, srv, "GET", "/todos/1", "", "")
	if status != 200 || !strings.Contains(body, "seeded by the test") {
		t.Fatalf("GET /todos/1: %d %s, want the fake's todo", status, body)
	}
}

// TestReadmeFeedStreams subscribes to the README's guarded news stream,
// publishes with its NewsService, and reads the event with a parser that
// follows the SSE spec.
func TestReadmeFeedStreams(t *testing.T) {
	app, err := core.New(FeedModule("s3cret"), core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveApp(t, app)
	if status, body := send(t, srv, "GET", "/feed/news", "", ""); status != 401 {
		t.Fatalf("GET /feed/news without a token: %d %s, want 401 before any stream byte", status, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/feed/news", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /feed/news: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}

	news, err := core.Resolve[*NewsService](app)
	if err != nil {
		t.Fatal(err)
	}
	if err := news.Announce(context.Background(), Todo{ID: 7, Title: "news"}); err != nil {
		t.Fatal(err)
	}
	for e, err := range gosse.Read(res.Body, nil) {
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		var got Todo
		if err := json.Unmarshal([]byte(e.Data), &got); err != nil {
			t.Fatalf("event data %q: %v", e.Data, err)
		}
		if e.Type != "created" || got != (Todo{ID: 7, Title: "news"}) {
			t.Errorf("event %q %+v, want created %+v", e.Type, got, Todo{ID: 7, Title: "news"})
		}
		if !regexp.MustCompile(`^[0-9a-z]+-1$`).MatchString(e.LastEventID) {
			t.Errorf("event id %q, want the README's <epoch>-<seq>", e.LastEventID)
		}
		return
	}
	t.Fatal("the stream ended before the event")
}

// TestReadmeOpenAPI builds the README's documented app: its stream has
// the two events the README declares.
func TestReadmeOpenAPI(t *testing.T) {
	app, err := DocumentedApp()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Shutdown(context.Background()) })
	op := openapi.DocumentOf(app).Paths.Value("/news").Get
	stream := op.Responses.Value("200").Value.Content.Get("text/event-stream")
	if op.Summary != "Stream the news" || stream == nil || len(stream.Schema.Value.OneOf) != 2 {
		t.Fatalf("GET /news: %+v", op)
	}
}
