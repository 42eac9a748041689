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

func publish(t *testing.T, h *sse.Hub, topic string, m sse.Message) sse.Message {
	t.Helper()
	out, err := h.Publish(topic, m)
	if err != nil {
		t.Fatal(err)
	}
	return out
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

func TestHubAssignsIDs(t *testing.T) {
	h := newHub(t)
	epochs := map[string]string{}
	for i := 1; i <= 3; i++ {
		for _, topic := range []string{"a", "b"} {
			m := publish(t, h, topic, sse.Message{Data: "x"})
			epoch, seq, err := seqOf(m.ID)
			if err != nil || seq != i {
				t.Errorf("topic %s message %d: id %q (%v), want sequence number %d", topic, i, m.ID, err, i)
			}
			if i == 1 {
				epochs[topic] = epoch
			} else if epoch != epochs[topic] {
				t.Errorf("topic %s message %d: id %q, want the epoch %q of the topic's first", topic, i, m.ID, epochs[topic])
			}
		}
	}
	if m := publish(t, h, "a", sse.Message{ID: "mine", Data: "x"}); m.ID != "mine" {
		t.Errorf("user id became %q", m.ID)
	}
	m := publish(t, h, "a", sse.Message{Data: "x"})
	if _, seq, err := seqOf(m.ID); err != nil || seq <= 3 {
		t.Errorf("id after a user id: %q, want a sequence number above 3", m.ID)
	}
}

func TestHubDelivers(t *testing.T) {
	h := newHub(t)
	ch, err := h.Subscribe(t.Context(), "todos", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := h.Subscribe(t.Context(), "other", "")
	if err != nil {
		t.Fatal(err)
	}
	sent := publish(t, h, "todos", sse.Message{Event: "created", Data: map[string]int{"id": 1}, Retry: time.Second})
	got := next(t, ch)
	if got.ID != sent.ID || mustSeq(t, got.ID) != 1 || got.Event != "created" || got.Retry != time.Second {
		t.Errorf("received %+v, published %+v", got, sent)
	}
	if ids, _ := pending(other); len(ids) != 0 {
		t.Errorf("another topic received %v", ids)
	}
	// What the Hub delivers encodes as it would have before.
	wire, err := sse.AppendMessage(nil, got)
	if err != nil {
		t.Fatal(err)
	}
	want := []gosse.Event{{LastEventID: sent.ID, Type: "created", Data: `{"id":1}`}}
	if events := readEvents(t, wire); !slices.Equal(events, want) {
		t.Errorf("delivered message reads as %+v, want %+v", events, want)
	}
}

func TestHubReplay(t *testing.T) {
	// Five messages are published, the fourth with the user's id "custom".
	// lastEventID "#n" stands for the id of message n; replay lists
	// message numbers.
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
		{name: "a user id", history: 10, lastEventID: "custom", replay: []int{5}},
		{name: "no history", history: 0, lastEventID: "#1", replay: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, sse.History(tt.history))
			ids := []string{""} // ids[n] is message n's
			for i := 1; i <= 5; i++ {
				m := sse.Message{Data: i}
				if i == 4 {
					m.ID = "custom"
				}
				ids = append(ids, publish(t, h, "t", m).ID)
			}
			last := tt.lastEventID
			if n, ok := strings.CutPrefix(last, "#"); ok {
				i, _ := strconv.Atoi(n)
				last = ids[i]
			}
			ch, err := h.Subscribe(t.Context(), "t", last)
			if err != nil {
				t.Fatal(err)
			}
			replay, _ := pending(ch)
			var want []string
			for _, n := range tt.replay {
				want = append(want, ids[n])
			}
			if !slices.Equal(replay, want) {
				t.Errorf("Last-Event-ID %q replayed %q, want %q", last, replay, want)
			}
			live := publish(t, h, "t", sse.Message{Data: "live"})
			if got := next(t, ch); got.ID != live.ID {
				t.Errorf("after replay got %q, want the live %q", got.ID, live.ID)
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
				last = publish(t, before, "t", sse.Message{Data: i}).ID
			}
			before.Close()

			after := newHub(t)
			var want []string
			for i := 1; i <= published; i++ {
				want = append(want, publish(t, after, "t", sse.Message{Data: i}).ID)
			}
			replay := replayed(t, mustSubscribe(t, after, "t", last), len(want))
			if !slices.Equal(replay, want) {
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
	stalled, err := h.Subscribe(t.Context(), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	healthy, err := h.Subscribe(t.Context(), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for i := 1; i <= 3*buffer; i++ {
		m := publish(t, h, "t", sse.Message{Data: i})
		sent = append(sent, m.ID)
		if got := next(t, healthy); got.ID != m.ID {
			t.Fatalf("healthy subscriber got %q, want %q", got.ID, m.ID)
		}
	}
	ids, closed := pending(stalled)
	if !closed || !slices.Equal(ids, sent[:buffer]) {
		t.Errorf("stalled subscriber holds %q (closed %v), want %q then closed", ids, closed, sent[:buffer])
	}
	// It catches up from history when it comes back.
	again, err := h.Subscribe(t.Context(), "t", ids[len(ids)-1])
	if err != nil {
		t.Fatal(err)
	}
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
	stays, err := h.Subscribe(t.Context(), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitClosed(t, ch)
	sent := publish(t, h, "t", sse.Message{Data: "x"})
	if got := next(t, stays); got.ID != sent.ID {
		t.Errorf("other subscriber got %q, want %q", got.ID, sent.ID)
	}

	// A context that has already ended closes the subscription at once.
	done, cancelDone := context.WithCancel(t.Context())
	cancelDone()
	ch, err = h.Subscribe(done, "t", "0")
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch)
}

func TestHubClose(t *testing.T) {
	h := sse.NewHub()
	var subs []<-chan sse.Message
	for _, topic := range []string{"a", "a", "b"} {
		ch, err := h.Subscribe(t.Context(), topic, "")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, ch)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range subs {
		waitClosed(t, ch)
	}
	if _, err := h.Publish("a", sse.Message{Data: "x"}); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	if _, err := h.Subscribe(t.Context(), "c", ""); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
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
		if _, err := h.Publish("t", sse.Message{Data: "x"}); !errors.Is(err, sse.ErrClosed) {
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
	ch, err := h.Subscribe(t.Context(), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		msg  sse.Message
		want error
	}{
		{sse.Message{ID: "1\nevent: injected", Data: "x"}, sse.ErrInvalidID},
		{sse.Message{Event: "a\rb", Data: "x"}, sse.ErrInvalidEvent},
		{sse.Message{Retry: -1, Data: "x"}, sse.ErrInvalidRetry},
		{sse.Message{Data: make(chan int)}, sse.ErrEncodeData},
	}
	for _, tt := range tests {
		if _, err := h.Publish("t", tt.msg); !errors.Is(err, tt.want) {
			t.Errorf("Publish(%+v): %v, want %v", tt.msg, err, tt.want)
		}
	}
	if ids, _ := pending(ch); len(ids) != 0 {
		t.Errorf("rejected messages delivered: %q", ids)
	}
	if replay, _ := pending(mustSubscribe(t, h, "t", "0")); len(replay) != 0 {
		t.Errorf("rejected messages retained: %q", replay)
	}
	// A rejected message uses no id.
	if m := publish(t, h, "t", sse.Message{Data: "ok"}); mustSeq(t, m.ID) != 1 {
		t.Errorf("first accepted message got id %q, want sequence number 1", m.ID)
	}
}

func mustSubscribe(t *testing.T, h *sse.Hub, topic, lastEventID string) <-chan sse.Message {
	t.Helper()
	ch, err := h.Subscribe(t.Context(), topic, lastEventID)
	if err != nil {
		t.Fatal(err)
	}
	return ch
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
		last := "0" // every message, from the start
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
					time.Sleep(100 * time.Microsecond) // a slow reader
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
				if _, err := h.Publish("t", sse.Message{Data: fmt.Sprintf("p%d-%d", p, i)}); err != nil {
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
		sse.ServeHTTP(w, r, ch)
	}), nil)

	ctx, cancel := context.WithCancel(testContext(t))
	resp := open(t, ctx, srv, nil)
	receive(t, subscribed, "the handler to subscribe")
	var sent []string
	for i := 1; i <= 3; i++ {
		sent = append(sent, publish(t, h, "t", sse.Message{Event: "n", Data: strconv.Itoa(i)}).ID)
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
	sent = append(sent, publish(t, h, "t", sse.Message{Event: "n", Data: "4"}).ID)
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
// on the wire, not the Hub's cached encoding of the original.
func TestHubEncodingCacheFollowsChanges(t *testing.T) {
	hub := sse.NewHub()
	defer hub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := hub.Subscribe(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.Publish("t", sse.Message{Event: "e", Data: map[string]string{"secret": "s3cret"}}); err != nil {
		t.Fatal(err)
	}
	m := <-ch
	unchanged, err := sse.AppendMessage(nil, m)
	if err != nil || !strings.Contains(string(unchanged), `data: {"secret":"s3cret"}`) {
		t.Fatalf("unchanged message: %q, %v", unchanged, err)
	}
	for _, change := range []func(*sse.Message){
		func(m *sse.Message) { m.Data = map[string]string{"secret": "***"} },
		func(m *sse.Message) { m.Event = "redacted" },
		func(m *sse.Message) { m.ID = "other" },
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
}
