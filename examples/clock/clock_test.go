package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	gosse "github.com/tmaxmax/go-sse"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDanetClock checks Danet's SSE example, reproduced: four "hello"
// events (data "world", ids 0 to 3, retry 1000) 100 ms apart, then a
// "close" event with data "close", then the end of the stream.
func TestDanetClock(t *testing.T) {
	app, err := core.New(ClockModule, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("response %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var raw bytes.Buffer
	type seen struct {
		event gosse.Event
		at    time.Time
	}
	var got []seen
	for e, err := range gosse.Read(io.TeeReader(res.Body, &raw), nil) {
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		got = append(got, seen{e, time.Now()})
	}

	want := []gosse.Event{
		{LastEventID: "0", Type: "hello", Data: "world"},
		{LastEventID: "1", Type: "hello", Data: "world"},
		{LastEventID: "2", Type: "hello", Data: "world"},
		{LastEventID: "3", Type: "hello", Data: "world"},
		{LastEventID: "4", Type: "close", Data: "close"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d:\n%s", len(got), len(want), raw.String())
	}
	for i := range want {
		if got[i].event != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i].event, want[i])
		}
		// A lower bound only: a slow machine may stretch the gaps, never shrink them.
		if i > 0 {
			if gap := got[i].at.Sub(got[i-1].at); gap < 80*time.Millisecond {
				t.Errorf("event %d came %v after the previous one, want about 100ms", i, gap)
			}
		}
	}
	// go-sse's Read leaves retry to its client, so check each event's
	// retry with its single-event parser.
	chunks := strings.SplitAfter(raw.String(), "\n\n")
	if last := chunks[len(chunks)-1]; last == "" {
		chunks = chunks[:len(chunks)-1]
	}
	for i, chunk := range chunks {
		var m gosse.Message
		if err := m.UnmarshalText([]byte(chunk)); err != nil {
			t.Fatalf("event %d %q: %v", i, chunk, err)
		}
		if m.Retry != time.Second {
			t.Errorf("event %d: retry %v, want 1s", i, m.Retry)
		}
	}
}
