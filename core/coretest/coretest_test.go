package coretest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: Start's cleanup
// must stop the server and the App's streams.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = core.WithLogger(slog.New(slog.DiscardHandler))

// StreamController's Events never ends by itself: only the App's
// Shutdown ends it.
type StreamController struct {
	core.Controller `path:"/stream"`
	_               core.SSE `path:"/" handler:"Events"`
}

func NewStreamController() *StreamController { return &StreamController{} }

func (*StreamController) Events(core.Context) (<-chan sse.Message, error) {
	ch := make(chan sse.Message, 1)
	ch <- sse.Message{Data: "hello"}
	return ch, nil
}

// shutdownHook records that the App's OnAppShutdown hooks ran.
type shutdownHook struct{ done bool }

func (h *shutdownHook) OnAppShutdown(context.Context) error {
	h.done = true
	return nil
}

func TestStartServesAndCleansUp(t *testing.T) {
	hook := &shutdownHook{}
	root := &module.Module{
		Name:        "app",
		Providers:   []any{func() *shutdownHook { return hook }, NewTokenGuard},
		Controllers: []any{NewSecretController, NewStreamController},
	}
	var url string
	var client *http.Client
	t.Run("test", func(t *testing.T) {
		srv := coretest.Start(t, root, quiet)
		url, client = srv.URL, srv.Client()
		if srv.App == nil || !strings.HasPrefix(srv.URL, "http://") {
			t.Fatalf("Start: App %v, URL %q", srv.App, srv.URL)
		}
		// The real guard refuses: Start applied no override of its own.
		if res := srv.Do(httptest.NewRequest(http.MethodGet, "/secret", nil)); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /secret without a token: %d; want 401", res.StatusCode)
		}
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/secret", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer x")
		if res := srv.Do(req); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a token: %d; want 200", req.URL, res.StatusCode)
		}
		// A stream left open when the test ends: the cleanup ends it.
		res := srv.Do(httptest.NewRequest(http.MethodGet, "/stream", nil))
		line, err := bufio.NewReader(res.Body).ReadString('\n')
		if res.StatusCode != http.StatusOK || err != nil || line != "data: hello\n" {
			t.Errorf("GET /stream: %d, first line %q (%v); want 200 and \"data: hello\\n\"", res.StatusCode, line, err)
		}
	})
	if !hook.done {
		t.Error("after the test: the App's OnAppShutdown hook did not run")
	}
	res, err := client.Get(url + "/secret")
	if err == nil {
		res.Body.Close()
		t.Fatalf("after the test: GET %s answered %d; want the server closed", url, res.StatusCode)
	}
}

// fatalT records Start's Fatalf and ends its goroutine, as t.Fatalf does.
type fatalT struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (*fatalT) Helper() {}
func (f *fatalT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fatalT) Cleanup(func()) { panic("Cleanup after a failed New") }

func TestStartFailsTheTestWithNewsError(t *testing.T) {
	root := SecretModule
	ft := &fatalT{TB: t}
	done := make(chan *coretest.Server)
	go func() {
		defer close(done)
		done <- coretest.Start(ft, root, quiet, core.OverrideGuard[*TokenGuard](nil))
	}()
	if srv, ok := <-done; ok {
		t.Fatalf("Start returned %+v; want it to fail the test", srv)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if !strings.HasPrefix(ft.msg, "coretest: core: option OverrideGuard[*coretest_test.TokenGuard]: the replacement guard is nil") {
		t.Errorf("Fatalf(%q); want New's error", ft.msg)
	}
	// New's error is what an override test would check with errors.As.
	_, err := core.New(root, quiet, core.OverrideGuard[*TokenGuard](nil))
	var oe *core.OptionError
	if !errors.As(err, &oe) {
		t.Errorf("New: %v; want an *OptionError", err)
	}
}
