package core_test

// The harness of the tests that drive an App over real HTTP (binding,
// limits, SSE routes, stalled clients): a request helper, checks of JSON
// and problem answers, a log sink, polling with a deadline, and go-sse's
// spec-following reader. The root package's end-to-end tests hold their
// own copy of the request helpers, since test files cannot be shared
// across packages.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	gosse "github.com/tmaxmax/go-sse"
)

// syncBuffer is a log sink the server and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is one application under test, served over real HTTP.
type harness struct {
	t    *testing.T
	app  *core.App
	logs *syncBuffer
	srv  *httptest.Server
}

// request is one call to the server under test.
type request struct {
	method, path, body, contentType string
	header                          map[string]string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(r request) response {
	h.t.Helper()
	req, err := http.NewRequest(r.method, h.srv.URL+r.path, strings.NewReader(r.body))
	if err != nil {
		h.t.Fatal(err)
	}
	if r.body != "" {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// decode reads a JSON body into v, failing the test on a wrong status.
func (h *harness) decode(res response, status int, v any) {
	h.t.Helper()
	if res.status != status {
		h.t.Fatalf("status %d, want %d; body %s", res.status, status, res.body)
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		h.t.Fatalf("body %q is not JSON: %v", res.body, err)
	}
}

// problem reads an RFC 9457 body, checking its media type and status.
func (h *harness) problem(res response, status int) core.Problem {
	h.t.Helper()
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		h.t.Fatalf("Content-Type %q, want application/problem+json (status %d, body %s)", ct, res.status, res.body)
	}
	var p core.Problem
	h.decode(res, status, &p)
	if p.Status != status || p.Title != http.StatusText(status) || p.Type != "about:blank" {
		h.t.Fatalf("problem %+v: want status %d titled %q", p, status, http.StatusText(status))
	}
	return p
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// events reads events with go-sse's parser, one at a time, on demand.
func events(t *testing.T, r io.Reader) func() gosse.Event {
	next, stop := iterPull(gosse.Read(r, nil))
	t.Cleanup(stop)
	return func() gosse.Event {
		t.Helper()
		e, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("stream ended (%v) before the next event", err)
		}
		return e
	}
}

// iterPull adapts go-sse's push iterator to pulling one event at a time.
func iterPull(seq func(func(gosse.Event, error) bool)) (func() (gosse.Event, error, bool), func()) {
	type item struct {
		e   gosse.Event
		err error
	}
	items := make(chan item)
	done := make(chan struct{})
	go func() {
		defer close(items)
		seq(func(e gosse.Event, err error) bool {
			select {
			case items <- item{e, err}:
				return true
			case <-done:
				return false
			}
		})
	}()
	var once sync.Once
	return func() (gosse.Event, error, bool) {
			it, ok := <-items
			return it.e, it.err, ok
		}, func() {
			once.Do(func() { close(done) })
		}
}
