package readme

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/internal/testhttp"
	"github.com/godanet/godanet/sse"
	gosse "github.com/tmaxmax/go-sse"
)

// TestReadmeInterceptors runs the README's interceptors: Timing, built by
// DI, logs each call; StaffOnly keeps staff events off the stream.
func TestReadmeInterceptors(t *testing.T) {
	logs := &testhttp.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := coretest.Start(t, InterceptedModule(log), core.WithLogger(slog.New(slog.DiscardHandler)), core.WithInterceptor[*Timing]())

	res := srv.Do(newRequest(t, t.Context(), "GET", "/board", ""))
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(logs.String(), `msg=handled route=/board took=`) {
		t.Fatalf("GET /board: %d; Timing logged:\n%s", res.StatusCode, logs.String())
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res = srv.Do(newRequest(t, ctx, "GET", "/board/events", ""))
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /board/events: %d", res.StatusCode)
	}
	hub, err := core.Resolve[*sse.Hub](srv.App)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []sse.Message{{Event: "staff", Data: "salaries"}, {Event: "note", Data: "lunch at noon"}} {
		if _, err := hub.Publish(ctx, "board", m); err != nil {
			t.Fatal(err)
		}
	}
	for e, err := range gosse.Read(res.Body, nil) {
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		if e.Type != "note" || e.Data != "lunch at noon" {
			t.Errorf("the first event is %q %q, want the note: StaffOnly drops staff events", e.Type, e.Data)
		}
		return
	}
	t.Fatal("the stream ended before the event")
}

// newRequest makes a request of the server under test, with ctx, and an
// Authorization header when auth is set.
func newRequest(t *testing.T, ctx context.Context, method, path, auth string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req
}
