package coretest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// ShutdownTimeout bounds the App's Shutdown when a test ends.
const ShutdownTimeout = 10 * time.Second

// Server is an App served on httptest for one test.
type Server struct {
	// App is the application under test, for core.Resolve and Routes.
	App *core.App
	// URL is the server's base address, such as "http://127.0.0.1:40123",
	// without a trailing slash.
	URL string

	t   testing.TB
	srv *httptest.Server
}

// Start builds an App from root and options with core.New, failing the
// test with New's error if it cannot; serves it on an httptest server;
// and registers a cleanup that shuts the App down (within
// ShutdownTimeout) and closes the server.
func Start(t testing.TB, root *module.Module, options ...core.Option) *Server {
	t.Helper()
	app, err := core.New(root, options...)
	if err != nil {
		t.Fatalf("coretest: %v", err)
	}
	srv := httptest.NewUnstartedServer(app.Handler())
	app.ConfigureServer(srv.Config)
	srv.Start()
	t.Cleanup(func() {
		// The App first: it ends the event streams, which would otherwise
		// keep srv.Close waiting for their requests.
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("coretest: shutting the App down: %v", err)
		}
		srv.Close()
	})
	return &Server{App: app, URL: srv.URL, t: t, srv: srv}
}

// Client returns a client for the server, whose connections are closed
// with it.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Do sends req with Client. A request whose URL has no host, such as one
// httptest.NewRequest made from a path, goes to the server, with its
// RequestURI cleared; req.Context() is kept. It fails the test if the
// request cannot be sent, and closes the response's body when the test
// ends (closing it sooner is fine).
func (s *Server) Do(req *http.Request) *http.Response {
	s.t.Helper()
	if req.URL.Host == "" {
		base, err := url.Parse(s.URL)
		if err != nil {
			s.t.Fatalf("coretest: %v", err)
		}
		req = req.Clone(req.Context())
		req.URL = base.ResolveReference(req.URL)
		req.Host = ""
		req.RequestURI = ""
	}
	res, err := s.Client().Do(req)
	if err != nil {
		s.t.Fatalf("coretest: %s %s: %v", req.Method, req.URL, err)
	}
	s.t.Cleanup(func() { res.Body.Close() })
	return res
}
