package sse_test

// Tests of what hostile or unlucky clients and producers do to a stream:
// a producer that panics, a subscriber that stalls, a HEAD request, a
// server read deadline, and comments that must never become events.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/godanet/godanet/sse"
)

// TestProducePanics: a nil-map write in a producer ends that stream
// cleanly after the events it emitted, reports the panic with its stack to
// the StreamContext's handler, and leaves the server serving.
func TestProducePanics(t *testing.T) {
	type report struct {
		value any
		stack string
	}
	reports := make(chan report, 1)
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := sse.StreamContext(r.Context(), func(v any, stack []byte) { reports <- report{v, string(stack)} })
		defer cancel(nil)
		events := sse.Produce(ctx, func(ctx context.Context, emit func(sse.Message) bool) {
			emit(sse.Message{ID: "1", Data: "before"})
			m := notMade()
			m["boom"]++ // panics
		})
		sse.Serve(w, r.WithContext(ctx), events)
	}), nil)
	for round := 1; round <= 2; round++ { // the server survives the first
		events := readAll(t, open(t, testContext(t), srv, nil).Body)
		if len(events) != 1 || events[0].Data != "before" {
			t.Fatalf("round %d: got %+v, want the one event before the panic", round, events)
		}
		got := receive(t, reports, "the panic report")
		if !strings.Contains(fmtAny(got.value), "nil map") || !strings.Contains(got.stack, "hardening_test.go") {
			t.Errorf("round %d: reported %v with stack %q, want the nil-map panic and its stack", round, got.value, got.stack)
		}
	}
}

// TestProducePanicWithoutStreamContext: without a StreamContext the panic is
// still recovered (and logged) and the channel closed.
func TestProducePanicWithoutStreamContext(t *testing.T) {
	events := sse.Produce(t.Context(), func(context.Context, func(sse.Message) bool) { panic("producer bug") })
	if _, ok := <-events; ok {
		t.Fatal("got a message, want the channel closed")
	}
}

// notMade returns a map nobody made, as buggy user code does.
func notMade() map[string]int { return nil }

func fmtAny(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	s, _ := v.(string)
	return s
}

// TestServeHEAD: a HEAD request gets the stream's status and headers, and
// the channel is not read.
func TestServeHEAD(t *testing.T) {
	events := make(chan sse.Message, 1)
	events <- sse.Message{Data: "unread"}
	served := make(chan error, 1)
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served <- sse.Serve(w, r, events)
	}), nil)
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodHead, srv.URL, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || len(body) != 0 {
		t.Errorf("HEAD: %d %q, body %q; want 200 text/event-stream and no body", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if err := receive(t, served, "Serve to return"); err != nil {
		t.Errorf("Serve returned %v, want nil", err)
	}
	if len(events) != 1 {
		t.Error("HEAD read the channel")
	}
}

// TestHubDropCutsStalledClient: a client that stops reading is dropped by
// the Hub once it is a Buffer behind, and its stream, blocked in a write,
// ends at once, not at its (hour-long) write deadline; a healthy client
// on the same topic gets every message.
func TestHubDropCutsStalledClient(t *testing.T) {
	hub := newHub(t, sse.Buffer(2))
	served := make(chan error, 2)
	subscribed := make(chan struct{}, 2)
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := sse.StreamContext(r.Context(), nil)
		defer cancel(nil)
		events, err := hub.Subscribe(ctx, "t", "")
		if err != nil {
			t.Error(err)
			return
		}
		subscribed <- struct{}{}
		served <- sse.Serve(w, r.WithContext(ctx), events, sse.WriteTimeout(time.Hour), sse.Heartbeat(0))
	}), nil)

	dialStalled(t, srv)
	receive(t, subscribed, "the stalled client's subscription")
	healthy := open(t, testContext(t), srv, nil)
	receive(t, subscribed, "the healthy client's subscription")
	received := make(chan gosse.Event)
	go func() {
		defer close(received)
		for e, err := range gosse.Read(healthy.Body, nil) {
			if err != nil {
				return
			}
			received <- e
		}
	}()

	// Each message waits for the healthy client, so only the stalled one
	// falls behind: first into the socket buffers, then the Hub's.
	big := strings.Repeat("x", 32<<10)
	deadline := time.After(waitFor)
	for published := 1; ; published++ {
		id := publish(t, hub, "t", sse.Message{Data: big})
		select {
		case e := <-received:
			if e.LastEventID != id {
				t.Fatalf("the healthy client got %q, want %q (message %d)", e.LastEventID, id, published)
			}
		case <-deadline:
			t.Fatalf("the healthy client is stuck at message %d", published)
		}
		select {
		case err := <-served:
			if err == nil {
				t.Errorf("the stalled stream ended cleanly, want its blocked write cut")
			}
			t.Logf("the stalled client was cut after %d messages of %d bytes: %v", published, len(big), err)
			return
		case <-deadline:
			t.Fatalf("the stalled client still held after %d messages of %d bytes", published, len(big))
		default:
		}
	}
}

// TestHubSlowSubscriberCancelsStreamContext: the cause says why.
func TestHubSlowSubscriberCancelsStreamContext(t *testing.T) {
	hub := newHub(t, sse.Buffer(2))
	ctx, cancel := sse.StreamContext(t.Context(), nil)
	defer cancel(nil)
	ch := mustSubscribe(t, hub, "t", "")
	slow, err := hub.Subscribe(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		publish(t, hub, "t", sse.Message{Data: i})
		next(t, ch)
	}
	waitClosed(t, slow)
	<-ctx.Done()
	if cause := context.Cause(ctx); !errors.Is(cause, sse.ErrSlowSubscriber) {
		t.Errorf("cause %v, want ErrSlowSubscriber", cause)
	}
}

// TestHubComments: a comment reaches live subscribers as a comment, takes
// no ID and no place in history, and a browser-like parser sees no event.
func TestHubComments(t *testing.T) {
	hub := newHub(t)
	live := mustSubscribe(t, hub, "t", "")
	first := publish(t, hub, "t", sse.Message{Data: "a"})
	c := publish(t, hub, "t", sse.Comment(""))
	second := publish(t, hub, "t", sse.Message{Data: "b"})
	if c != "" {
		t.Errorf("the comment took ID %q", c)
	}
	if mustSeq(t, second) != mustSeq(t, first)+1 {
		t.Errorf("IDs %q then %q: the comment took a number", first, second)
	}
	var wire []byte
	for range 3 {
		var err error
		if wire, err = sse.AppendMessage(wire, next(t, live)); err != nil {
			t.Fatal(err)
		}
	}
	var datas []string
	for e, err := range gosse.Read(strings.NewReader(string(wire)), nil) {
		if err != nil {
			t.Fatal(err)
		}
		datas = append(datas, e.Data)
	}
	if !slices.Equal(datas, []string{"a", "b"}) {
		t.Errorf("a parser saw events %q in %q, want a and b only", datas, wire)
	}
	if replay := replayOf(t, hub, "t", "0"); !slices.Equal(replay, []string{first, second}) {
		t.Errorf("history %q, want the two events only", replay)
	}
}

// TestHubDropTopic: the topic's streams end, on every Hub sharing the
// broker, after what was published before the drop; and it starts afresh.
func TestHubDropTopic(t *testing.T) {
	broker := sse.NewMemoryBroker()
	hub, peer := newHub(t, sse.WithBroker(broker)), newHub(t, sse.WithBroker(broker))
	old := publish(t, hub, "todo/1", sse.Message{Data: "x"})
	sub := mustSubscribe(t, hub, "todo/1", "")
	onPeer := mustSubscribe(t, peer, "todo/1", "")
	other := mustSubscribe(t, hub, "todo/2", "")
	last := publish(t, hub, "todo/1", sse.Message{Data: "before the drop"})
	if err := hub.DropTopic(t.Context(), "todo/1"); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]<-chan sse.Message{"this Hub": sub, "another Hub": onPeer} {
		if got := waitClosed(t, ch); !slices.Equal(got, []string{last}) {
			t.Errorf("a subscriber on %s got %q before its channel closed, want %q", name, got, last)
		}
	}
	fresh := publish(t, hub, "todo/1", sse.Message{Data: "y"})
	if replay := replayOf(t, hub, "todo/1", "0"); !slices.Equal(replay, []string{fresh}) {
		t.Errorf("after DropTopic the history holds %q, want only %q", replay, fresh)
	}
	e1, _, err := seqOf(old)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(fresh, e1+"-") {
		t.Errorf("IDs %q and %q share a life", old, fresh)
	}
	if ids, closed := pending(other); closed || len(ids) != 0 {
		t.Errorf("another topic's subscriber was touched: %q, closed %v", ids, closed)
	}
	if err := hub.DropTopic(t.Context(), "never"); err != nil {
		t.Errorf("DropTopic of an unknown topic: %v", err)
	}
}

// TestHubReplayMergesWithLive subscribes far behind, with a small buffer,
// while messages keep coming: the subscriber gets every message once, in
// order, across the switch from history to live.
func TestHubReplayMergesWithLive(t *testing.T) {
	const before, during = 300, 300
	hub := newHub(t, sse.Buffer(1))
	var want []string
	for i := range before {
		want = append(want, publish(t, hub, "t", sse.Message{Data: i}))
	}
	sub := mustSubscribe(t, hub, "t", "unknown id: replay everything")
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range during {
			id, err := hub.Publish(context.Background(), "t", sse.Message{Data: before + i})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			want = append(want, id)
			mu.Unlock()
		}
	}()
	var got []string
	for len(got) < before+during {
		m, ok := <-sub
		if !ok {
			break // dropped for falling behind: allowed, checked below
		}
		got = append(got, m.ID)
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want[:len(got)]) {
		t.Fatalf("got %d messages that are not the %d published in order", len(got), len(want))
	}
	t.Logf("received %d of %d before any drop", len(got), len(want))
}

// TestHubDropsStalledReplay: a subscriber that stops reading while it is
// still replaying history is dropped, and its stream cancelled, once the
// history moves past it, as a live one is once its buffer is full.
func TestHubDropsStalledReplay(t *testing.T) {
	const subscribers = 20
	hub := newHub(t, sse.History(8), sse.Buffer(1))
	for i := range 8 {
		publish(t, hub, "t", sse.Message{Data: i})
	}
	var ctxs []context.Context
	for range subscribers {
		ctx, cancel := sse.StreamContext(t.Context(), nil)
		defer cancel(nil)
		ch, err := hub.Subscribe(ctx, "t", "0") // owed 8, holds 1: replaying
		if err != nil {
			t.Fatal(err)
		}
		// Take one and wait for the replay to refill the buffer: it then
		// blocks on the next, and the subscriber reads no more.
		next(t, ch)
		for deadline := time.Now().Add(waitFor); len(ch) == 0; {
			if time.Now().After(deadline) {
				t.Fatal("the replay did not go on")
			}
			runtime.Gosched()
		}
		ctxs = append(ctxs, ctx)
	}
	for i := range 10 { // the history moves past them
		publish(t, hub, "t", sse.Message{Data: 8 + i})
	}
	for i, ctx := range ctxs {
		select {
		case <-ctx.Done():
		case <-time.After(waitFor):
			t.Fatalf("stalled replaying subscriber %d was not dropped", i)
		}
		if cause := context.Cause(ctx); !errors.Is(cause, sse.ErrSlowSubscriber) {
			t.Errorf("subscriber %d: cause %v, want ErrSlowSubscriber", i, cause)
		}
	}
}
