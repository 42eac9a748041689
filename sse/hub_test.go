package sse_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/godanet/godanet/sse"
)

// next receives one message, failing the test if none comes promptly or
// the channel is closed.
func next(t *testing.T, ch <-chan sse.Message) sse.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed, want a message")
		}
		return m
	case <-time.After(waitFor):
		t.Fatal("timed out waiting for a message")
		panic("unreachable")
	}
}

// pending returns the messages ch holds now, and whether it is closed.
func pending(ch <-chan sse.Message) (ids []string, closed bool) {
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return ids, true
			}
			ids = append(ids, m.ID)
		default:
			return ids, false
		}
	}
}

// replayed reads n messages from ch, as a replay longer than the
// subscriber's buffer arrives while it is read, failing after waitFor;
// then it checks that nothing more is pending.
func replayed(t *testing.T, ch <-chan sse.Message, n int) (ids []string) {
	t.Helper()
	deadline := time.After(waitFor)
	for len(ids) < n {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("the channel closed after %q, want %d messages", ids, n)
			}
			ids = append(ids, m.ID)
		case <-deadline:
			t.Fatalf("got %q, want %d messages", ids, n)
		}
	}
	if more, _ := pending(ch); len(more) > 0 {
		t.Errorf("after %q, more messages: %q", ids, more)
	}
	return ids
}

// replayOf subscribes to topic with lastEventID and returns what it
// replays: the IDs it receives before a comment published after it
// subscribed. A replay is sent by a goroutine of its own, so it cannot be
// read at once; the comment, which a subscriber still replaying gets after
// the history, marks its end without taking a place in the history.
func replayOf(t *testing.T, h *sse.Hub, topic, lastEventID string) (ids []string) {
	t.Helper()
	ch := mustSubscribe(t, h, topic, lastEventID)
	const marker = "end of replay"
	publish(t, h, topic, sse.Comment(marker))
	deadline := time.After(waitFor)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("the channel closed after %q, before the replay ended", ids)
			}
			if m.ID == "" && m.Comment == marker {
				return ids
			}
			ids = append(ids, m.ID)
		case <-deadline:
			t.Fatalf("got %q, and not the end of the replay, in %v", ids, waitFor)
		}
	}
}

// waitClosed drains ch until it is closed, failing after waitFor.
func waitClosed(t *testing.T, ch <-chan sse.Message) (ids []string) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return ids
			}
			ids = append(ids, m.ID)
		case <-deadline:
			t.Fatal("subscription not closed")
		}
	}
}

// publish publishes m and returns the ID the Hub gave it.
func publish(t *testing.T, h *sse.Hub, topic string, m sse.Message) string {
	t.Helper()
	id, err := h.Publish(context.Background(), topic, m)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seqOf returns the sequence number in an ID the Hub assigned,
// "<epoch>-<seq>", and the epoch.
func seqOf(id string) (epoch string, seq int, err error) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return "", 0, fmt.Errorf("id %q is not <epoch>-<seq>", id)
	}
	seq, err = strconv.Atoi(id[i+1:])
	if err != nil {
		return "", 0, fmt.Errorf("id %q is not <epoch>-<seq>: %v", id, err)
	}
	return id[:i], seq, nil
}

// mustSeq is seqOf for IDs that must be the Hub's.
func mustSeq(t *testing.T, id string) int {
	t.Helper()
	_, seq, err := seqOf(id)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func newHub(t *testing.T, options ...sse.HubOption) *sse.Hub {
	h := sse.NewHub(options...)
	t.Cleanup(func() { h.Close() })
	return h
}

func mustSubscribe(t *testing.T, h *sse.Hub, topic, lastEventID string) <-chan sse.Message {
	t.Helper()
	ch, err := h.Subscribe(t.Context(), topic, lastEventID)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestHubAssignsIDs(t *testing.T) {
	h := newHub(t)
	live := mustSubscribe(t, h, "a", "")
	epochs := map[string]string{}
	for i := 1; i <= 3; i++ {
		for _, topic := range []string{"a", "b"} {
			id := publish(t, h, topic, sse.Message{Data: "x"})
			epoch, seq, err := seqOf(id)
			if err != nil || seq != i {
				t.Errorf("topic %s message %d: id %q (%v), want sequence number %d", topic, i, id, err, i)
			}
			if i == 1 {
				epochs[topic] = epoch
			} else if epoch != epochs[topic] {
				t.Errorf("topic %s message %d: id %q, want the epoch %q of the topic's first", topic, i, id, epochs[topic])
			}
			if topic == "a" {
				if got := next(t, live); got.ID != id {
					t.Errorf("the subscriber got id %q, want the %q Publish returned", got.ID, id)
				}
			}
		}
	}
	if epochs["a"] == epochs["b"] {
		t.Errorf("topics a and b share the epoch %q", epochs["a"])
	}

	// The Hub assigns ids: a message that brings its own is refused, and
	// takes no number.
	id, err := h.Publish(t.Context(), "a", sse.Message{ID: "mine", Data: "x"})
	if err == nil || id != "" {
		t.Fatalf("Publish with ID %q: id %q, error %v; want an error", "mine", id, err)
	}
	for _, want := range []string{`"a"`, `"mine"`, "Message.ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if id := publish(t, h, "a", sse.Message{Data: "x"}); mustSeq(t, id) != 4 {
		t.Errorf("id after a refused one: %q, want sequence number 4", id)
	}
	if got := next(t, live); mustSeq(t, got.ID) != 4 {
		t.Errorf("the subscriber got %q after the refused message, want sequence number 4", got.ID)
	}
}

func TestHubDelivers(t *testing.T) {
	h := newHub(t)
	ch := mustSubscribe(t, h, "todos", "")
	other := mustSubscribe(t, h, "other", "")
	id := publish(t, h, "todos", sse.Message{Event: "created", Data: map[string]int{"id": 1}, Retry: time.Second, Comment: "note"})
	got := next(t, ch)
	// Data arrives as the text of the data lines, whatever was published.
	want := sse.Message{ID: id, Event: "created", Data: `{"id":1}`, Retry: time.Second, Comment: "note"}
	if got.ID != want.ID || mustSeq(t, got.ID) != 1 || got.Event != want.Event || got.Data != want.Data || got.Retry != want.Retry || got.Comment != want.Comment {
		t.Errorf("received %+v, want %+v", got, want)
	}
	if ids, _ := pending(other); len(ids) != 0 {
		t.Errorf("another topic received %v", ids)
	}
	// What the Hub delivers encodes as the published message would have.
	wire, err := sse.AppendMessage(nil, got)
	if err != nil {
		t.Fatal(err)
	}
	events := []gosse.Event{{LastEventID: id, Type: "created", Data: `{"id":1}`}}
	if got := readEvents(t, wire); !slices.Equal(got, events) {
		t.Errorf("delivered message reads as %+v, want %+v", got, events)
	}
	if got := unmarshal(t, wire); got.Retry != time.Second {
		t.Errorf("delivered message %q: retry %v, want 1s", wire, got.Retry)
	}
}

func TestHubReplay(t *testing.T) {
	// Five messages are published. lastEventID "#n" stands for the id of
	// message n; replay lists message numbers.
	tests := []struct {
		name        string
		history     int
		lastEventID string
		replay      []int
	}{
		{name: "no id: live only", history: 10, lastEventID: "", replay: nil},
		{name: "newer than a retained id", history: 10, lastEventID: "#3", replay: []int{4, 5}},
		{name: "the newest id", history: 10, lastEventID: "#5", replay: nil},
		{name: "older than the history", history: 3, lastEventID: "#1", replay: []int{3, 4, 5}},
		{name: "zero", history: 3, lastEventID: "0", replay: []int{3, 4, 5}},
		{name: "just evicted", history: 3, lastEventID: "#2", replay: []int{3, 4, 5}},
		{name: "unknown: everything retained", history: 10, lastEventID: "abc", replay: []int{1, 2, 3, 4, 5}},
		// What a plain per-topic counter would have sent before a restart:
		// it must not match this life's third message.
		{name: "a bare number", history: 10, lastEventID: "3", replay: []int{1, 2, 3, 4, 5}},
		{name: "another epoch", history: 10, lastEventID: "x0x0-3", replay: []int{1, 2, 3, 4, 5}},
		{name: "no history", history: 0, lastEventID: "#1", replay: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, sse.History(tt.history))
			ids := []string{""} // ids[n] is message n's
			for i := 1; i <= 5; i++ {
				ids = append(ids, publish(t, h, "t", sse.Message{Data: i}))
			}
			last := tt.lastEventID
			if n, ok := strings.CutPrefix(last, "#"); ok {
				i, _ := strconv.Atoi(n)
				last = ids[i]
			}
			var want []string
			for _, n := range tt.replay {
				want = append(want, ids[n])
			}
			if replay := replayOf(t, h, "t", last); !slices.Equal(replay, want) {
				t.Errorf("Last-Event-ID %q replayed %q, want %q", last, replay, want)
			}
		})
	}
}

// TestHubReplayAfterRestart reconnects a client, with the last id it saw,
// to a new Hub, as after the process restarts: it must get everything the
// new Hub retained, however far the new numbering has gone, and not skip
// what happens to share a number with its id.
func TestHubReplayAfterRestart(t *testing.T) {
	for _, published := range []int{2, 3, 5} {
		t.Run(fmt.Sprintf("%d published since", published), func(t *testing.T) {
			before := newHub(t)
			var last string
			for i := 1; i <= 3; i++ {
				last = publish(t, before, "t", sse.Message{Data: i})
			}
			before.Close()

			after := newHub(t)
			var want []string
			for i := 1; i <= published; i++ {
				want = append(want, publish(t, after, "t", sse.Message{Data: i}))
			}
			if replay := replayOf(t, after, "t", last); !slices.Equal(replay, want) {
				t.Errorf("Last-Event-ID %q from before the restart replayed %q, want all of %q", last, replay, want)
			}
		})
	}
}

// TestHubDropsStalledSubscriber checks that a subscriber that does not read
// is closed once its buffer is full, while another one on the same topic
// keeps receiving every message at once.
func TestHubDropsStalledSubscriber(t *testing.T) {
	const buffer = 4
	h := newHub(t, sse.Buffer(buffer))
	stalled := mustSubscribe(t, h, "t", "")
	healthy := mustSubscribe(t, h, "t", "")
	var sent []string
	for i := 1; i <= 3*buffer; i++ {
		id := publish(t, h, "t", sse.Message{Data: i})
		sent = append(sent, id)
		if got := next(t, healthy); got.ID != id {
			t.Fatalf("healthy subscriber got %q, want %q", got.ID, id)
		}
	}
	ids, closed := pending(stalled)
	if !closed || !slices.Equal(ids, sent[:buffer]) {
		t.Errorf("stalled subscriber holds %q (closed %v), want %q then closed", ids, closed, sent[:buffer])
	}
	// It catches up from history when it comes back.
	again := mustSubscribe(t, h, "t", ids[len(ids)-1])
	if replay := replayed(t, again, len(sent[buffer:])); !slices.Equal(replay, sent[buffer:]) {
		t.Errorf("reconnect replayed %q, want %q", replay, sent[buffer:])
	}
}

func TestHubContextEnds(t *testing.T) {
	h := newHub(t)
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := h.Subscribe(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	stays := mustSubscribe(t, h, "t", "")
	cancel()
	waitClosed(t, ch)
	sent := publish(t, h, "t", sse.Message{Data: "x"})
	if got := next(t, stays); got.ID != sent {
		t.Errorf("other subscriber got %q, want %q", got.ID, sent)
	}

	// A context that has already ended is refused, with its cause.
	gone := errors.New("the client left")
	done, cancelDone := context.WithCancelCause(t.Context())
	cancelDone(gone)
	if ch, err := h.Subscribe(done, "t", "0"); !errors.Is(err, gone) || ch != nil {
		t.Errorf("Subscribe with an ended context: %v, %v; want no channel and an error wrapping its cause", ch, err)
	}
}

func TestHubClose(t *testing.T) {
	h := sse.NewHub()
	var subs []<-chan sse.Message
	for _, topic := range []string{"a", "a", "b"} {
		subs = append(subs, mustSubscribe(t, h, topic, ""))
	}
	// One is still replaying (it is owed more than its buffer).
	for i := range 40 {
		publish(t, h, "c", sse.Message{Data: i})
	}
	subs = append(subs, mustSubscribe(t, h, "c", "0"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range subs {
		waitClosed(t, ch)
	}
	ctx := t.Context()
	if _, err := h.Publish(ctx, "a", sse.Message{Data: "x"}); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	if _, err := h.Publish(ctx, "a", sse.Comment("x")); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Publish of a comment after Close: %v, want ErrClosed", err)
	}
	if _, err := h.Subscribe(ctx, "c", ""); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
	if err := h.DropTopic(ctx, "a"); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("DropTopic after Close: %v, want ErrClosed", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestHubCloseRacesSubscribe checks that every subscription granted while
// Close runs is closed too, and that Publish fails once Close has returned.
func TestHubCloseRacesSubscribe(t *testing.T) {
	for range 1000 {
		h := sse.NewHub()
		var (
			subscribers sync.WaitGroup
			mu          sync.Mutex
			granted     []<-chan sse.Message
		)
		for range 4 {
			subscribers.Go(func() {
				for range 32 {
					ch, err := h.Subscribe(context.Background(), "t", "")
					if err != nil {
						if !errors.Is(err, sse.ErrClosed) {
							t.Error(err)
						}
						return
					}
					mu.Lock()
					granted = append(granted, ch)
					mu.Unlock()
				}
			})
		}
		// Close while the subscribers are busy.
		for ready := false; !ready; {
			runtime.Gosched()
			mu.Lock()
			ready = len(granted) >= 4
			mu.Unlock()
		}
		h.Close()
		subscribers.Wait()
		if _, err := h.Publish(context.Background(), "t", sse.Message{Data: "x"}); !errors.Is(err, sse.ErrClosed) {
			t.Fatalf("Publish after Close: %v", err)
		}
		open := 0
		for _, ch := range granted {
			if _, closed := pending(ch); !closed {
				open++
			}
		}
		if open > 0 {
			t.Fatalf("%d of %d subscriptions outlived Close", open, len(granted))
		}
	}
}

func TestHubRejects(t *testing.T) {
	h := newHub(t)
	ch := mustSubscribe(t, h, "t", "")
	tests := []struct {
		msg  sse.Message
		want error // nil: any error
	}{
		{sse.Message{ID: "1", Data: "x"}, nil},
		{sse.Message{ID: "1\nevent: injected", Data: "x"}, nil},
		{sse.Message{Event: "a\rb", Data: "x"}, sse.ErrInvalidEvent},
		{sse.Message{Retry: -1, Data: "x"}, sse.ErrInvalidRetry},
		{sse.Message{Data: make(chan int)}, sse.ErrEncodeData},
		{sse.Message{Comment: "c", Event: "a\nb"}, sse.ErrInvalidEvent},
	}
	for _, tt := range tests {
		id, err := h.Publish(t.Context(), "t", tt.msg)
		if err == nil || tt.want != nil && !errors.Is(err, tt.want) || id != "" {
			t.Errorf("Publish(%+v): id %q, error %v; want an error wrapping %v", tt.msg, id, err, tt.want)
		}
	}
	// The next message is the first delivered, the first retained, and
	// the first numbered.
	first := publish(t, h, "t", sse.Message{Data: "ok"})
	if got := next(t, ch); got.ID != first {
		t.Errorf("rejected messages delivered: got %q before %q", got.ID, first)
	}
	if mustSeq(t, first) != 1 {
		t.Errorf("first accepted message got id %q, want sequence number 1", first)
	}
	if replay := replayOf(t, h, "t", "0"); !slices.Equal(replay, []string{first}) {
		t.Errorf("history %q, want only %q", replay, first)
	}
}

// TestHubReconnectingSubscribers publishes from several goroutines while
// subscribers read, some slowly enough to be dropped, and come back with the
// last id they saw, as an EventSource does. Every subscriber must see every
// message exactly once, in order: the sequence numbers it sees are 1, 2,
// 3, ... with no gap and no duplicate.
func TestHubReconnectingSubscribers(t *testing.T) {
	const (
		publishers = 4
		each       = 2000
		total      = publishers * each
		buffer     = 8
	)
	h := newHub(t, sse.History(total), sse.Buffer(buffer))
	var published atomic.Int64

	type result struct {
		ids        []int
		reconnects int
		err        error
	}
	subscribe := func(ctx context.Context, pause bool, ready chan<- struct{}) (r result) {
		// Every message, from the start: those that pause join live (they
		// subscribe before anything is published), so that they are
		// dropped when they fall Buffer behind; the others replay from
		// "0", and turn live while the publishers run. (A subscriber
		// still replaying may fall History plus Buffer behind.)
		last := "0"
		if pause {
			last = ""
		}
		for first := true; ; first = false {
			ch, err := h.Subscribe(ctx, "t", last)
			if err != nil {
				r.err = err
				return r
			}
			if first {
				close(ready)
			} else {
				r.reconnects++
			}
			for m := range ch {
				_, id, err := seqOf(m.ID)
				if err != nil {
					r.err = err
					return r
				}
				r.ids = append(r.ids, id)
				last = m.ID
				if id == total {
					return r
				}
				if pause && len(r.ids) == 10 {
					// Stop reading until more has been published than the
					// subscription can hold: it must be dropped.
					for p0 := published.Load(); published.Load() < min(p0+int64(cap(ch))+1, total); {
						runtime.Gosched()
					}
				}
				if pause && len(r.ids)%100 == 0 {
					time.Sleep(100 * time.Microsecond) // a slow reader, not a synchronisation
				}
			}
			if ctx.Err() != nil {
				r.err = ctx.Err()
				return r
			}
		}
	}

	ctx := testContext(t)
	results := make([]result, 6)
	var subs sync.WaitGroup
	for i := range results {
		ready := make(chan struct{})
		subs.Go(func() { results[i] = subscribe(ctx, i%2 == 0, ready) })
		<-ready
	}
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			for i := range each {
				if _, err := h.Publish(ctx, "t", sse.Message{Data: fmt.Sprintf("p%d-%d", p, i)}); err != nil {
					t.Error(err)
					return
				}
				published.Add(1)
			}
		})
	}
	pubs.Wait()
	subs.Wait()

	for i, r := range results {
		if r.err != nil {
			t.Fatalf("subscriber %d: %v", i, r.err)
		}
		if len(r.ids) != total {
			t.Errorf("subscriber %d saw %d messages, want %d", i, len(r.ids), total)
		}
		for j, id := range r.ids {
			if id != j+1 {
				t.Fatalf("subscriber %d: message %d has id %d: a gap or a duplicate (around %v)", i, j, id, r.ids[max(j-3, 0):min(j+3, len(r.ids))])
			}
		}
		if i%2 == 0 && r.reconnects == 0 {
			t.Errorf("slow subscriber %d was never dropped; the test did not test reconnection", i)
		}
		t.Logf("subscriber %d: %d reconnects", i, r.reconnects)
	}
}

// TestHubOverHTTP serves a subscription as an event stream and reconnects
// with Last-Event-ID, as a browser would.
func TestHubOverHTTP(t *testing.T) {
	h := newHub(t)
	subscribed := make(chan struct{}, 1)
	srv := startServer(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch, err := h.Subscribe(r.Context(), "t", r.Header.Get("Last-Event-ID"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		subscribed <- struct{}{}
		sse.Serve(w, r, ch)
	}), nil)

	ctx, cancel := context.WithCancel(testContext(t))
	resp := open(t, ctx, srv, nil)
	receive(t, subscribed, "the handler to subscribe")
	var sent []string
	for i := 1; i <= 3; i++ {
		sent = append(sent, publish(t, h, "t", sse.Message{Event: "n", Data: strconv.Itoa(i)}))
	}
	var last string
	for e, err := range gosse.Read(resp.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Data == "2" {
			last = e.LastEventID
			break
		}
	}
	cancel()
	if last != sent[1] {
		t.Fatalf("the second event came with id %q, want %q", last, sent[1])
	}

	resp = open(t, testContext(t), srv, http.Header{"Last-Event-ID": {last}})
	receive(t, subscribed, "the handler to subscribe again")
	sent = append(sent, publish(t, h, "t", sse.Message{Event: "n", Data: "4"}))
	var got []gosse.Event
	for e, err := range gosse.Read(resp.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, e); len(got) == 2 {
			break
		}
	}
	want := []gosse.Event{{LastEventID: sent[2], Type: "n", Data: "3"}, {LastEventID: sent[3], Type: "n", Data: "4"}}
	if !slices.Equal(got, want) {
		t.Errorf("after reconnecting: %+v, want %+v", got, want)
	}
}

// A subscriber that changes a message before writing it must see its change
// on the wire, not the Hub's shared encoding of the original.
func TestHubEncodingCacheFollowsChanges(t *testing.T) {
	hub := newHub(t)
	ch := mustSubscribe(t, hub, "t", "")
	publish(t, hub, "t", sse.Message{Event: "e", Data: map[string]string{"secret": "s3cret"}})
	m := next(t, ch)
	unchanged, err := sse.AppendMessage(nil, m)
	if err != nil || !strings.Contains(string(unchanged), `data: {"secret":"s3cret"}`) {
		t.Fatalf("unchanged message: %q, %v", unchanged, err)
	}
	for _, change := range []func(*sse.Message){
		func(m *sse.Message) { m.Data = map[string]string{"secret": "***"} },
		func(m *sse.Message) { m.Data = `{"secret":"***"}` },
		func(m *sse.Message) { m.Data = []byte(`{"secret":"***"}`) },
		func(m *sse.Message) { m.Data = nil },
		func(m *sse.Message) { m.Event = "redacted" },
		func(m *sse.Message) { m.ID = "other" },
		func(m *sse.Message) { m.ID = "" },
		func(m *sse.Message) { m.Retry = time.Second },
		func(m *sse.Message) { m.Comment = "note" },
	} {
		changed := m
		change(&changed)
		got, err := sse.AppendMessage(nil, changed)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := sse.AppendMessage(nil, sse.Message{ID: changed.ID, Event: changed.Event, Data: changed.Data, Retry: changed.Retry, Comment: changed.Comment})
		if string(got) != string(want) {
			t.Fatalf("after a change the wire is %q, want %q", got, want)
		}
	}
	// The message itself was not changed by its copies.
	if again, _ := sse.AppendMessage(nil, m); string(again) != string(unchanged) {
		t.Errorf("the received message now writes %q, want %q", again, unchanged)
	}
}

// TestHubCommentStaysInProcess: a comment reaches the live subscribers of
// the Hub it is published on, not those of another Hub on the same broker,
// and it creates nothing where no one follows the topic.
func TestHubCommentStaysInProcess(t *testing.T) {
	broker := sse.NewMemoryBroker()
	here, there := newHub(t, sse.WithBroker(broker)), newHub(t, sse.WithBroker(broker))
	onHere, onThere := mustSubscribe(t, here, "t", ""), mustSubscribe(t, there, "t", "")
	if id, err := here.Publish(t.Context(), "t", sse.Comment("ping")); err != nil || id != "" {
		t.Fatalf("Publish of a comment: id %q, %v; want no id and no error", id, err)
	}
	event := publish(t, here, "t", sse.Message{Data: "after"})
	if m := next(t, onHere); m.ID != "" || m.Comment != "ping" || m.Data != nil {
		t.Errorf("this Hub's subscriber got %+v first, want the comment", m)
	}
	if m := next(t, onHere); m.ID != event {
		t.Errorf("this Hub's subscriber got %q after the comment, want %q", m.ID, event)
	}
	if m := next(t, onThere); m.ID != event {
		t.Errorf("the other Hub's subscriber got %+v first, want the event %q and no comment", m, event)
	}

	// No subscriber, no trace: the broker did not see the topic.
	if _, err := here.Publish(t.Context(), "nobody", sse.Comment("ping")); err != nil {
		t.Fatal(err)
	}
	if frames, _, err := broker.Read(t.Context(), "nobody", "", 10); err != nil || len(frames) != 0 {
		t.Errorf("a comment to a topic no one follows left %d frames (%v)", len(frames), err)
	}
}

// spyBroker is a MemoryBroker that counts its listeners, records the
// Retention it is given, and fails on demand, as a broker that lost its
// store does.
type spyBroker struct {
	*sse.MemoryBroker
	failAppend, failRead, failListen atomic.Bool
	// listenGate, when set, holds every Listen until it is closed or the
	// Listen's context ends, as a broker that must reach its store does.
	listenGate chan struct{}

	mu        sync.Mutex
	keeps     []sse.Retention
	listens   map[string]int // Listen calls that succeeded
	active    map[string]int // listeners neither stopped nor ended
	maxActive map[string]int
	gates     []*listenerGate
}

// errDown is what a spyBroker fails with.
var errDown = fmt.Errorf("spy: the store is down: %w", sse.ErrUnavailable)

func newSpyBroker(t *testing.T) *spyBroker {
	b := &spyBroker{MemoryBroker: sse.NewMemoryBroker(), listens: map[string]int{}, active: map[string]int{}, maxActive: map[string]int{}}
	t.Cleanup(func() { b.Close() })
	return b
}

func (b *spyBroker) Append(ctx context.Context, topic string, body []byte, keep sse.Retention) (string, error) {
	if b.failAppend.Load() {
		return "", errDown
	}
	b.mu.Lock()
	b.keeps = append(b.keeps, keep)
	b.mu.Unlock()
	return b.MemoryBroker.Append(ctx, topic, body, keep)
}

func (b *spyBroker) Read(ctx context.Context, topic, afterID string, limit int) ([]sse.Frame, bool, error) {
	if b.failRead.Load() {
		return nil, false, errDown
	}
	return b.MemoryBroker.Read(ctx, topic, afterID, limit)
}

func (b *spyBroker) Listen(ctx context.Context, topic string, l sse.Listener) (func(), error) {
	if b.listenGate != nil {
		select {
		case <-b.listenGate:
		case <-ctx.Done():
			return nil, fmt.Errorf("spy: listen to %q: %w", topic, context.Cause(ctx))
		}
	}
	if b.failListen.Load() {
		return nil, errDown
	}
	g := &listenerGate{l: l, b: b, topic: topic}
	stop, err := b.MemoryBroker.Listen(ctx, topic, g)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.listens[topic]++
	b.active[topic]++
	b.maxActive[topic] = max(b.maxActive[topic], b.active[topic])
	b.gates = append(b.gates, g)
	b.mu.Unlock()
	return func() {
		g.finish()
		stop()
	}, nil
}

// end ends every listener of topic with err, as a broker that lost its
// store for too long does.
func (b *spyBroker) end(topic string, err error) {
	b.mu.Lock()
	gates := slices.Clone(b.gates)
	b.mu.Unlock()
	for _, g := range gates {
		if g.topic == topic {
			g.End(err)
		}
	}
}

// counts returns the Listen calls for topic and how many are active.
func (b *spyBroker) counts(topic string) (listens, active, maxActive int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.listens[topic], b.active[topic], b.maxActive[topic]
}

// awaitActive polls until topic has n active listeners.
func (b *spyBroker) awaitActive(t *testing.T, topic string, n int) {
	t.Helper()
	for deadline := time.Now().Add(waitFor); ; runtime.Gosched() {
		if _, active, _ := b.counts(topic); active == n {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("topic %q has %d active listeners, want %d", topic, active, n)
		}
	}
}

// listenerGate passes frames to a listener until it is stopped or ended,
// and counts it out of its broker's active listeners once.
type listenerGate struct {
	l     sse.Listener
	b     *spyBroker
	topic string
	mu    sync.Mutex
	done  bool
}

func (g *listenerGate) Frame(f sse.Frame) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.done {
		g.l.Frame(f)
	}
}

// End is held under g.mu, so that no Frame comes after it.
func (g *listenerGate) End(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finishLocked() {
		g.l.End(err)
	}
}

func (g *listenerGate) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.finishLocked()
}

func (g *listenerGate) finishLocked() bool {
	if g.done {
		return false
	}
	g.done = true
	g.b.mu.Lock()
	g.b.active[g.topic]--
	g.b.mu.Unlock()
	return true
}

// TestHubListensOncePerTopic: however many subscribers join and leave, and
// however they race, a Hub has at most one broker listener per topic, and
// none once the last subscriber has left; every subscriber gets what is
// published while it is there.
func TestHubListensOncePerTopic(t *testing.T) {
	const workers, rounds = 4, 200
	b := newSpyBroker(t)
	// Room for every message, so that no subscriber is dropped for being
	// descheduled while the others publish.
	h := newHub(t, sse.WithBroker(b), sse.Buffer(workers*rounds))

	const n = 50
	ctx, leave := context.WithCancel(t.Context())
	defer leave()
	subs := make([]<-chan sse.Message, n)
	start := make(chan struct{})
	var joined sync.WaitGroup
	for i := range subs {
		joined.Go(func() {
			<-start
			ch, err := h.Subscribe(ctx, "t", "")
			if err != nil {
				t.Error(err)
			}
			subs[i] = ch
		})
	}
	close(start)
	joined.Wait()
	if t.Failed() {
		return
	}
	if listens, active, _ := b.counts("t"); listens != 1 || active != 1 {
		t.Errorf("%d subscribers: %d Listen calls, %d active; want 1 and 1", n, listens, active)
	}
	id := publish(t, h, "t", sse.Message{Data: "to all"})
	for i, ch := range subs {
		if got := next(t, ch); got.ID != id {
			t.Fatalf("subscriber %d got %q, want %q", i, got.ID, id)
		}
	}
	leave()
	for _, ch := range subs {
		waitClosed(t, ch)
	}
	b.awaitActive(t, "t", 0)

	// Subscribers that join and leave at once, racing the topic's retiring
	// listener: one at a time, and each gets the message it publishes.
	var churn sync.WaitGroup
	for w := range workers {
		churn.Go(func() {
			for r := range rounds {
				ctx, leave := context.WithCancel(t.Context())
				ch, err := h.Subscribe(ctx, "churn", "")
				if err != nil {
					t.Error(err)
					leave()
					return
				}
				mine := fmt.Sprintf("%d-%d", w, r)
				if _, err := h.Publish(ctx, "churn", sse.Message{Data: mine}); err != nil {
					t.Error(err)
					leave()
					return
				}
				err = receiveData(ch, mine)
				leave()
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, r, err)
					return
				}
			}
		})
	}
	churn.Wait()
	b.awaitActive(t, "churn", 0)
	if listens, _, most := b.counts("churn"); most != 1 {
		t.Errorf("%d Listen calls on a topic joined and left %d times: at most %d at once, want 1", listens, workers*rounds, most)
	}
}

// receiveData reads ch until a message with data want, skipping others.
func receiveData(ch <-chan sse.Message, want string) error {
	timeout := time.After(waitFor)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return fmt.Errorf("subscription closed before %q arrived", want)
			}
			if m.Data == want {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("%q never arrived: the subscription is not on the topic Publish uses", want)
		}
	}
}

// TestHubRetention: the Hub's History and TopicIdle reach the broker with
// every Append, whichever broker it is; out-of-range values are clamped.
func TestHubRetention(t *testing.T) {
	tests := []struct {
		options []sse.HubOption
		want    sse.Retention
	}{
		{nil, sse.Retention{Frames: 1000, Idle: 10 * time.Minute}},
		{[]sse.HubOption{sse.History(5), sse.TopicIdle(time.Minute)}, sse.Retention{Frames: 5, Idle: time.Minute}},
		{[]sse.HubOption{sse.History(-1), sse.TopicIdle(0)}, sse.Retention{Frames: 0, Idle: 0}},
	}
	for _, tt := range tests {
		b := newSpyBroker(t)
		h := newHub(t, append(tt.options, sse.WithBroker(b))...)
		publish(t, h, "t", sse.Message{Data: "x"})
		publish(t, h, "u", sse.Message{Data: "y"})
		if want := []sse.Retention{tt.want, tt.want}; !slices.Equal(b.keeps, want) {
			t.Errorf("options %v: the broker was given %+v, want %+v", tt.options, b.keeps, want)
		}
	}
	// Options say what they are.
	names := fmt.Sprint([]sse.HubOption{sse.History(5), sse.Buffer(2), sse.TopicIdle(time.Minute), sse.WithBroker(nil)})
	if names != "[History(5) Buffer(2) TopicIdle(1m0s) WithBroker]" {
		t.Errorf("options print as %s", names)
	}
}

// TestHubBrokerUnavailable: when the broker cannot reach its store,
// Publish and Subscribe fail with an error wrapping ErrUnavailable, a
// replay that cannot be read ends its subscription (not as a slow one),
// and a listener the broker ends closes the topic's subscriptions, after
// which the topic listens afresh.
func TestHubBrokerUnavailable(t *testing.T) {
	b := newSpyBroker(t)
	h := newHub(t, sse.WithBroker(b))

	b.failAppend.Store(true)
	if _, err := h.Publish(t.Context(), "t", sse.Message{Data: "x"}); !errors.Is(err, sse.ErrUnavailable) || !strings.Contains(err.Error(), `"t"`) {
		t.Errorf("Publish on a broker that is down: %v, want an error naming the topic and wrapping ErrUnavailable", err)
	}
	b.failAppend.Store(false)

	b.failListen.Store(true)
	if ch, err := h.Subscribe(t.Context(), "t", ""); !errors.Is(err, sse.ErrUnavailable) || ch != nil {
		t.Errorf("Subscribe on a broker that is down: %v, %v; want no channel and ErrUnavailable", ch, err)
	}
	b.failListen.Store(false)
	live := mustSubscribe(t, h, "t", "") // the failed topic did not stay
	first := publish(t, h, "t", sse.Message{Data: "x"})
	if got := next(t, live); got.ID != first {
		t.Fatalf("after the broker came back, got %q, want %q", got.ID, first)
	}

	// A history that cannot be read fails the Subscribe, so that the
	// route answers 503 before the stream instead of a stream that ends.
	b.failRead.Store(true)
	if ch, err := h.Subscribe(t.Context(), "t", "0"); !errors.Is(err, sse.ErrUnavailable) || ch != nil {
		t.Errorf("Subscribe with a Last-Event-ID while the history cannot be read: %v, %v; want no channel and ErrUnavailable", ch, err)
	}
	b.failRead.Store(false)

	b.end("t", errDown)
	waitClosed(t, live)
	again := mustSubscribe(t, h, "t", first)
	second := publish(t, h, "t", sse.Message{Data: "y"})
	if got := next(t, again); got.ID != second {
		t.Errorf("after the listener ended, a new subscriber got %q, want %q", got.ID, second)
	}
	if listens, active, _ := b.counts("t"); listens != 2 || active != 1 {
		t.Errorf("%d Listen calls, %d active; want 2 (one ended, one new) and 1", listens, active)
	}
}

// TestHubListenWaitersKeepTheirOwnContext: subscribers that arrive while
// the first subscriber to a topic is still setting up the topic's listener
// wait for it; if the first one's context ends meanwhile, that is its
// failure, not theirs: their own contexts are live, and their Subscribe
// must succeed (an EventSource given an error status does not reconnect).
func TestHubListenWaitersKeepTheirOwnContext(t *testing.T) {
	b := newSpyBroker(t)
	b.listenGate = make(chan struct{})
	h := newHub(t, sse.WithBroker(b))

	awaitRefs := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(waitFor); sse.TopicRefs(h, "t") < n; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatalf("Subscribe %d never reached the topic", n)
			}
		}
	}
	firstCtx, firstLeaves := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() {
		_, err := h.Subscribe(firstCtx, "t", "")
		firstErr <- err
	}()
	// The first Subscribe made the topic and is in Listen, held by the
	// gate; a second one finds the topic being set up and waits for it.
	awaitRefs(1)
	waiterErr := make(chan error, 1)
	waiter := make(chan (<-chan sse.Message), 1)
	go func() {
		ch, err := h.Subscribe(t.Context(), "t", "")
		waiter <- ch
		waiterErr <- err
	}()
	awaitRefs(2)
	// The first one leaves while its Listen is under way: the listener,
	// which serves the topic's every subscriber, is not cut short.
	firstLeaves()
	close(b.listenGate)
	if err := receive(t, firstErr, "the first Subscribe to fail"); !errors.Is(err, context.Canceled) {
		t.Errorf("the first Subscribe, whose context ended in Listen: %v, want context.Canceled", err)
	}
	ch := receive(t, waiter, "the second Subscribe")
	if err := receive(t, waiterErr, "the second Subscribe's error"); err != nil {
		t.Fatalf("a Subscribe with a live context failed with the error of another's: %v", err)
	}
	id := publish(t, h, "t", sse.Message{Data: "x"})
	if got := next(t, ch); got.ID != id {
		t.Errorf("the second subscriber got %q, want %q", got.ID, id)
	}
}
