package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/internal/testhttp"
	gosse "github.com/tmaxmax/go-sse"
)

// stream opens an event stream on srv and returns a function that reads
// the next event with go-sse's spec-following parser.
func stream(t *testing.T, srv *httptest.Server, path, lastEventID string) (*http.Response, func() gosse.Event, <-chan struct{}) {
	t.Helper()
	s := openStream(t, srv.Client(), srv.URL+path, lastEventID)
	return s.res, s.Next, s.Ended
}

// eventStream is an open event stream, read with go-sse's spec-following
// parser in a goroutine of its own (testhttp.EventStream), with its
// response.
type eventStream struct {
	*testhttp.EventStream
	res    *http.Response
	cancel context.CancelFunc
}

// openStream opens the event stream at url, sending lastEventID when it
// is not empty. The stream is closed when the test ends.
func openStream(t *testing.T, client *http.Client, url, lastEventID string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &eventStream{EventStream: testhttp.ReadEvents(t, "", res.Body), res: res, cancel: cancel}
	t.Cleanup(s.Close)
	return s
}

// Close leaves the stream, as a client that goes away does, and waits
// until its reader has stopped.
func (s *eventStream) Close() {
	s.cancel()
	s.EventStream.Close()
}

func newServer(t *testing.T) (*httptest.Server, func(call) reply) {
	t.Helper()
	app, err := newApp(testToken, MemoryBackend(), core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown(context.Background())
	})
	return srv, clientOf(t, srv)
}

func todoOf(t *testing.T, data string) Todo {
	t.Helper()
	var td Todo
	if err := json.Unmarshal([]byte(data), &td); err != nil {
		t.Fatalf("event data %q is not a todo: %v", data, err)
	}
	return td
}

func TestPageIsServed(t *testing.T) {
	srv, do := newServer(t)
	page := do(call{"GET", "/", "", false})
	if page.status != 200 || !strings.HasPrefix(page.ctype, "text/html") || !strings.Contains(page.body, `<script src="/assets/app.js">`) {
		t.Fatalf("GET /: %d %q", page.status, page.ctype)
	}
	for path, ctype := range map[string]string{"/assets/app.js": "text/javascript", "/assets/style.css": "text/css"} {
		if got := do(call{"GET", path, "", false}); got.status != 200 || !strings.HasPrefix(got.ctype, ctype) {
			t.Errorf("GET %s: %d %q", path, got.status, got.ctype)
		}
	}
	if got := do(call{"GET", "/assets/secret.go", "", false}); got.status != 404 {
		t.Errorf("unknown asset: %d", got.status)
	}
	_ = srv
}

func TestEventsStreamEveryChangeAndReplayOnReconnect(t *testing.T) {
	srv, do := newServer(t)
	res, next, _ := stream(t, srv, "/todos/events", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /todos/events: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	do(call{"POST", "/todos", `{"title":"one"}`, true})
	do(call{"PATCH", "/todos/1", `{"done":true}`, true})
	do(call{"POST", "/todos", `{"title":"two"}`, true})
	do(call{"DELETE", "/todos/1", "", true})
	want := []struct {
		seq   int
		event string
		todo  Todo
	}{
		{1, "created", Todo{ID: 1, Title: "one"}},
		{2, "updated", Todo{ID: 1, Title: "one", Done: true}},
		{3, "created", Todo{ID: 2, Title: "two"}},
		{4, "deleted", Todo{ID: 1, Title: "one", Done: true}},
	}
	var ids []string
	for _, w := range want {
		e := next()
		if seqOf(t, e.LastEventID) != w.seq || e.Type != w.event || todoOf(t, e.Data) != w.todo {
			t.Fatalf("event %+v, want number %d %s %+v", e, w.seq, w.event, w.todo)
		}
		ids = append(ids, e.LastEventID)
	}

	// A client that saw up to the second event reconnects: it gets the
	// third and fourth, then live.
	_, replay, _ := stream(t, srv, "/todos/events", ids[1])
	for _, id := range ids[2:] {
		if e := replay(); e.LastEventID != id {
			t.Fatalf("replayed id %q, want %s", e.LastEventID, id)
		}
	}
	do(call{"PATCH", "/todos/2", `{"title":"two!"}`, true})
	if e := replay(); seqOf(t, e.LastEventID) != 5 || e.Type != "updated" || todoOf(t, e.Data).Title != "two!" {
		t.Fatalf("live after replay: %+v", e)
	}
}

// seqOf returns the number of an event in its topic from the id the Hub
// gave it ("<epoch>-<seq>", or "<epoch>-<seq>-<nonce>" on Redis).
func seqOf(t *testing.T, id string) int {
	t.Helper()
	_, rest, ok := strings.Cut(id, "-")
	n, _, _ := strings.Cut(rest, "-") // the Redis broker's ids end with a nonce
	seq, err := strconv.Atoi(n)
	if !ok || err != nil {
		t.Fatalf("event id %q is not the Hub's <epoch>-<seq>", id)
	}
	return seq
}

func TestEventsOfOneTodo(t *testing.T) {
	srv, do := newServer(t)
	do(call{"POST", "/todos", `{"title":"watched"}`, true})
	do(call{"POST", "/todos", `{"title":"other"}`, true})

	if got := do(call{"GET", "/todos/99/events", "", false}); got.status != 404 || got.ctype != "application/problem+json" {
		t.Fatalf("stream of an unknown todo: %d %q %s", got.status, got.ctype, got.body)
	}
	if got := do(call{"GET", "/todos/x/events", "", false}); got.status != 400 || got.ctype != "application/problem+json" {
		t.Fatalf("stream of a non-numeric id: %d %q %s", got.status, got.ctype, got.body)
	}

	_, next, ended := stream(t, srv, "/todos/1/events", "")
	do(call{"PATCH", "/todos/2", `{"done":true}`, true}) // another todo: not on this stream
	do(call{"PATCH", "/todos/1", `{"done":true}`, true})
	do(call{"DELETE", "/todos/1", "", true})
	if e := next(); e.Type != "updated" || todoOf(t, e.Data) != (Todo{ID: 1, Title: "watched", Done: true}) {
		t.Fatalf("first event of todo 1: %+v", e)
	}
	if e := next(); e.Type != "deleted" || todoOf(t, e.Data).ID != 1 {
		t.Fatalf("second event of todo 1: %+v", e)
	}
	// The deleted todo's topic is dropped: its stream ends, and a
	// reconnecting browser is told the todo is gone.
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream of a deleted todo is still open")
	}
	if got := do(call{"GET", "/todos/1/events", "", false}); got.status != 404 {
		t.Fatalf("reconnecting to a deleted todo's stream: %d %s", got.status, got.body)
	}
}

// TestHEADRoutesAsGET: HEAD /todos/events is the stream's HEAD (200,
// text/event-stream, no body), not GET /todos/:id's with id "events".
func TestHEADRoutesAsGET(t *testing.T) {
	srv, do := newServer(t)
	do(call{"POST", "/todos", `{"title":"one"}`, true})
	for path, ctype := range map[string]string{
		"/todos/events":   "text/event-stream",
		"/todos/1/events": "text/event-stream",
		"/todos/1":        "application/json",
		"/todos":          "application/json",
	} {
		req, _ := http.NewRequest(http.MethodHead, srv.URL+path, nil)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ctype) || len(body) != 0 {
			t.Errorf("HEAD %s: %d %q, %d body bytes; want 200 %s and no body", path, res.StatusCode, res.Header.Get("Content-Type"), len(body), ctype)
		}
	}
}
