// Package testhttp holds what godanet's own end-to-end tests share, in the
// root package and in core: a harness serving an App, a request helper over real HTTP, checks of
// JSON and problem-details answers, a log sink the server and the test
// share, and polling with a deadline. Test files cannot be shared across
// packages; this internal package is their one copy.
package testhttp

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
)

// LogBuffer is a log sink the server and the test share.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Harness is one application under test, served over real HTTP, with
// the log its App writes.
type Harness struct {
	T    *testing.T
	App  *core.App
	Logs *LogBuffer
	Srv  *httptest.Server
}

// Do sends r to the server and reads the answer.
func (h *Harness) Do(r Request) Response {
	h.T.Helper()
	return Do(h.T, h.Srv, r)
}

// DecodeJSON reads a JSON body into v, failing the test on a wrong status.
func (h *Harness) DecodeJSON(res Response, status int, v any) {
	h.T.Helper()
	DecodeJSON(h.T, res, status, v)
}

// Problem reads an RFC 9457 body, checking its media type and status.
func (h *Harness) Problem(res Response, status int) core.Problem {
	h.T.Helper()
	return Problem(h.T, res, status)
}

// Request is one call to the server under test. A body is sent as
// application/json unless ContentType says otherwise.
type Request struct {
	Method, Path, Body, ContentType string
	Header                          map[string]string
}

// Response is the server's answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends r to srv and reads the answer, failing the test on a transport
// error.
func Do(t testing.TB, srv *httptest.Server, r Request) Response {
	t.Helper()
	req, err := http.NewRequest(r.Method, srv.URL+r.Path, strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if r.Body != "" {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// DecodeJSON reads a JSON body into v, failing the test on a wrong status.
func DecodeJSON(t testing.TB, res Response, status int, v any) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d; body %s", res.Status, status, res.Body)
	}
	if err := json.Unmarshal(res.Body, v); err != nil {
		t.Fatalf("body %q is not JSON: %v", res.Body, err)
	}
}

// Problem reads an RFC 9457 body, checking its media type, status, title
// and type.
func Problem(t testing.TB, res Response, status int) core.Problem {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json (status %d, body %s)", ct, res.Status, res.Body)
	}
	var p core.Problem
	DecodeJSON(t, res, status, &p)
	if p.Status != status || p.Title != http.StatusText(status) || p.Type != "about:blank" {
		t.Fatalf("problem %+v: want status %d titled %q", p, status, http.StatusText(status))
	}
	return p
}

// WaitFor polls cond until it holds, failing the test after 5 seconds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
