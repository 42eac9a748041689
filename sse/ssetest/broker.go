// Package ssetest checks that a Broker keeps the contract sse.Broker
// states, so that a Hub on it behaves as on the in-memory one. godanet's
// brokers (the in-memory one, package redisbroker) run it; so can a broker
// of your own, for NATS or Postgres, from a test:
//
//	func TestConformance(t *testing.T) {
//		ssetest.TestBroker(t, func(t *testing.T, instances int) []sse.Broker {
//			store := startStore(t) // fresh, for this test alone
//			brokers := make([]sse.Broker, instances)
//			for i := range brokers {
//				brokers[i] = mybroker.New(store.Connect(t)) // one per "process"
//			}
//			return brokers
//		})
//	}
//
// Setup returns instances brokers that share one fresh store, as that
// many processes on one Redis would; the suite closes them. A broker for
// one process (the in-memory one) returns the same broker each time.
//
// The suite checks: order and ids; replay from every retained id; an
// unknown id giving everything retained; paging; no gap and no duplicate
// for subscribers that join while messages are published, on every
// instance; a slow subscriber dropped without slowing the others; close,
// context cancellation, DropTopic and topic expiry. It synchronises with
// channels and deadlines, never with sleeps, so it is as fast as the
// broker.
package ssetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/godanet/godanet/sse"
)

// Setup returns instances brokers sharing one fresh store.
type Setup func(t *testing.T, instances int) []sse.Broker

// wait bounds every wait of the suite: long for a healthy broker on a
// loaded machine, short for a hung test.
const wait = 10 * time.Second

// TestBroker runs the conformance suite against the brokers setup makes.
func TestBroker(t *testing.T, setup Setup) {
	open := func(t *testing.T, n int) []sse.Broker {
		t.Helper()
		brokers := setup(t, n)
		if len(brokers) != n {
			t.Fatalf("setup returned %d brokers, want %d", len(brokers), n)
		}
		t.Cleanup(func() {
			for _, b := range brokers {
				_ = b.Close()
			}
		})
		return brokers
	}
	t.Run("OrderAndIDs", func(t *testing.T) { testOrderAndIDs(t, open(t, 2)) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConcurrentAppends(t, open(t, 2)) })
	t.Run("ReplayFromEveryRetainedID", func(t *testing.T) { testReplayFromEveryID(t, open(t, 1)[0]) })
	t.Run("UnknownIDReplaysEverything", func(t *testing.T) { testUnknownID(t, open(t, 2)) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, open(t, 1)[0]) })
	t.Run("NoHistory", func(t *testing.T) { testNoHistory(t, open(t, 1)[0]) })
	t.Run("StopListening", func(t *testing.T) { testStopListening(t, open(t, 1)[0]) })
	t.Run("DropTopic", func(t *testing.T) { testDropTopic(t, open(t, 2)) })
	t.Run("TopicExpiry", func(t *testing.T) { testTopicExpiry(t, open(t, 1)[0]) })
	t.Run("Close", func(t *testing.T) { testClose(t, open(t, 1)[0]) })
	t.Run("HubNoGapNoDuplicate", func(t *testing.T) { testHubNoGap(t, open(t, 2)) })
	t.Run("HubSlowSubscriber", func(t *testing.T) { testHubSlowSubscriber(t, open(t, 2)) })
	t.Run("HubContextCancel", func(t *testing.T) { testHubContextCancel(t, open(t, 1)[0]) })
	t.Run("HubClose", func(t *testing.T) { testHubClose(t, open(t, 2)) })
}

// keep is the Retention of most tests: history, no expiry.
var keep = sse.Retention{Frames: 100}

func testOrderAndIDs(t *testing.T, b []sse.Broker) {
	const topic = "order"
	onA, onB := Listen(t, b[0], topic), Listen(t, b[1], topic)
	ids := AppendN(t, b[0], topic, 0, 20, keep)
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			t.Fatalf("ids %q: empty or repeated", ids)
		}
		for _, c := range id {
			if c == '\r' || c == '\n' || c == 0 {
				t.Fatalf("id %q contains CR, LF or NUL", id)
			}
		}
		seen[id] = true
	}
	for name, r := range map[string]*Recorder{"the same instance": onA, "another instance": onB} {
		got := r.Take(t, len(ids))
		if !slices.Equal(FrameIDs(got), ids) {
			t.Errorf("listener on %s got %q, want %q (the ids Append returned, in order)", name, FrameIDs(got), ids)
		}
		for i, f := range got {
			if string(f.Body) != string(Body(i)) {
				t.Errorf("listener on %s: frame %d has body %q, want %q", name, i, f.Body, Body(i))
			}
		}
	}
	all, found := Read(t, b[1], topic, "", 100)
	if found || !slices.Equal(FrameIDs(all), ids) {
		t.Errorf("Read after \"\" on another instance = %q, found %v; want %q, false", FrameIDs(all), found, ids)
	}
	// Ids increase: each one places exactly the frames after it.
	for i, id := range ids {
		rest, found := Read(t, b[1], topic, id, 100)
		if !found || !slices.Equal(FrameIDs(rest), ids[i+1:]) {
			t.Errorf("Read after %q = %q, found %v; want %q, true", id, FrameIDs(rest), found, ids[i+1:])
		}
	}
}

func testConcurrentAppends(t *testing.T, b []sse.Broker) {
	const topic, each = "concurrent", 50
	onA, onB := Listen(t, b[0], topic), Listen(t, b[1], topic)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, broker := range b {
		wg.Go(func() {
			for n := range each {
				if _, err := broker.Append(context.Background(), topic, Body(i*1000+n), keep); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	a, bb := FrameIDs(onA.Take(t, 2*each)), FrameIDs(onB.Take(t, 2*each))
	if !slices.Equal(a, bb) {
		t.Fatalf("two instances saw different orders:\n%q\n%q", a, bb)
	}
	stored, _ := Read(t, b[0], topic, "", 1000)
	if !slices.Equal(FrameIDs(stored), a) {
		t.Errorf("the history's order %q differs from the listeners' %q", FrameIDs(stored), a)
	}
	seen := map[string]bool{}
	for _, id := range a {
		if seen[id] {
			t.Errorf("id %q given twice", id)
		}
		seen[id] = true
	}
	onA.Quiet(t)
	onB.Quiet(t)
}

func testReplayFromEveryID(t *testing.T, b sse.Broker) {
	const topic = "replay"
	r := sse.Retention{Frames: 5}
	ids := AppendN(t, b, topic, 0, 8, r)
	retained := ids[3:]
	// The frame just older than the history is placed too: nothing after
	// it is missing.
	for i := 2; i < len(ids); i++ {
		frames, found := Read(t, b, topic, ids[i], 100)
		if !found || !slices.Equal(FrameIDs(frames), ids[i+1:]) {
			t.Errorf("Read after %q (frame %d) = %q, found %v; want %q, true", ids[i], i, FrameIDs(frames), found, ids[i+1:])
		}
	}
	// Older ones are not: everything retained comes back.
	for _, id := range ids[:2] {
		frames, found := Read(t, b, topic, id, 100)
		if found || !slices.Equal(FrameIDs(frames), retained) {
			t.Errorf("Read after trimmed %q = %q, found %v; want everything retained %q, false", id, FrameIDs(frames), found, retained)
		}
	}
}

func testUnknownID(t *testing.T, b []sse.Broker) {
	const topic = "unknown"
	ids := AppendN(t, b[0], topic, 0, 3, keep)
	other := AppendN(t, b[0], "elsewhere", 0, 5, keep)
	for _, after := range []string{"", "0", "garbage", "1", ids[0] + "x", other[4], "-1"} {
		frames, found := Read(t, b[1], topic, after, 100)
		if found || !slices.Equal(FrameIDs(frames), ids) {
			t.Errorf("Read after unknown %q = %q, found %v; want %q, false", after, FrameIDs(frames), found, ids)
		}
	}
	if frames, found := Read(t, b[1], "never", ids[0], 100); len(frames) != 0 || found {
		t.Errorf("Read of a topic never appended to = %q, found %v; want nothing, false", FrameIDs(frames), found)
	}
}

func testPaging(t *testing.T, b sse.Broker) {
	const topic = "paging"
	ids := AppendN(t, b, topic, 0, 10, keep)
	var got []string
	after := ids[1]
	for range 10 {
		page, found := Read(t, b, topic, after, 3)
		if !found {
			t.Fatalf("Read after %q, the last of a page: not found", after)
		}
		got = append(got, FrameIDs(page)...)
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, ids[2:]) {
		t.Errorf("pages of 3 after %q = %q, want %q", ids[1], got, ids[2:])
	}
}

func testNoHistory(t *testing.T, b sse.Broker) {
	const topic = "nohistory"
	on := Listen(t, b, topic)
	ids := AppendN(t, b, topic, 0, 3, sse.Retention{})
	if got := FrameIDs(on.Take(t, 3)); !slices.Equal(got, ids) {
		t.Errorf("with no history, the listener got %q, want %q", got, ids)
	}
	if frames, _ := Read(t, b, topic, ids[0], 100); len(frames) != 0 {
		t.Errorf("Retention{Frames: 0} kept %q", FrameIDs(frames))
	}
}

func testStopListening(t *testing.T, b sse.Broker) {
	const topic = "stop"
	r := NewRecorder()
	stop, err := b.Listen(context.Background(), topic, r)
	if err != nil {
		t.Fatal(err)
	}
	AppendN(t, b, topic, 0, 1, keep)
	r.Take(t, 1)
	stop()
	stop() // twice does nothing
	AppendN(t, b, topic, 1, 3, keep)
	// A listener on the same topic, made after the appends, has seen
	// them pass if they were going to be passed at all.
	witness := Listen(t, b, topic)
	AppendN(t, b, topic, 4, 1, keep)
	witness.Take(t, 1)
	r.Quiet(t)
}

func testDropTopic(t *testing.T, b []sse.Broker) {
	const topic = "drop"
	old := AppendN(t, b[0], topic, 0, 3, keep)
	onA, onB := Listen(t, b[0], topic), Listen(t, b[1], topic)
	if err := b[0].DropTopic(context.Background(), topic); err != nil {
		t.Fatalf("DropTopic: %v", err)
	}
	for name, r := range map[string]*Recorder{"the same instance": onA, "another instance": onB} {
		if err := r.AwaitEnd(t); err != nil {
			t.Errorf("DropTopic ended the listener on %s with %v, want nil", name, err)
		}
	}
	if frames, _ := Read(t, b[1], topic, "", 100); len(frames) != 0 {
		t.Errorf("after DropTopic the history holds %q", FrameIDs(frames))
	}
	fresh := AppendN(t, b[1], topic, 10, 2, keep)
	for _, id := range fresh {
		if slices.Contains(old, id) {
			t.Errorf("the new life of the topic reused id %q", id)
		}
	}
	if frames, found := Read(t, b[0], topic, old[2], 100); found || !slices.Equal(FrameIDs(frames), fresh) {
		t.Errorf("Read after an id of the dropped life = %q, found %v; want the new life %q, false", FrameIDs(frames), found, fresh)
	}
	if err := b[0].DropTopic(context.Background(), "never-made"); err != nil {
		t.Errorf("DropTopic of an unknown topic: %v", err)
	}
}

func testTopicExpiry(t *testing.T, b sse.Broker) {
	const topic = "expiry"
	short := sse.Retention{Frames: 10, Idle: 200 * time.Millisecond}
	old := AppendN(t, b, topic, 0, 2, short)
	deadline := time.Now().Add(wait)
	for {
		frames, _ := Read(t, b, topic, "", 100)
		if len(frames) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a topic idle for %v still holds %q after %v", short.Idle, FrameIDs(frames), wait)
		}
		select {
		case <-time.After(short.Idle / 4):
		case <-t.Context().Done():
			return
		}
	}
	fresh := AppendN(t, b, topic, 5, 1, short)
	if slices.Contains(old, fresh[0]) {
		t.Errorf("the topic's new life reused id %q", fresh[0])
	}
	if frames, found := Read(t, b, topic, old[1], 100); found || !slices.Equal(FrameIDs(frames), fresh) {
		t.Errorf("after expiry, Read after %q = %q, found %v; want %q, false", old[1], FrameIDs(frames), found, fresh)
	}
}

func testClose(t *testing.T, b sse.Broker) {
	r := Listen(t, b, "close")
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.AwaitEnd(t); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Close ended the listener with %v, want sse.ErrClosed", err)
	}
	ctx := context.Background()
	if _, err := b.Append(ctx, "close", Body(0), keep); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Append after Close: %v, want sse.ErrClosed", err)
	}
	if _, _, err := b.Read(ctx, "close", "", 10); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Read after Close: %v, want sse.ErrClosed", err)
	}
	if _, err := b.Listen(ctx, "close", NewRecorder()); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Listen after Close: %v, want sse.ErrClosed", err)
	}
	if err := b.DropTopic(ctx, "close"); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("DropTopic after Close: %v, want sse.ErrClosed", err)
	}
}

// hubs makes one Hub per broker, closed at cleanup.
func hubs(t *testing.T, b []sse.Broker, options ...sse.HubOption) []*sse.Hub {
	out := make([]*sse.Hub, len(b))
	for i, broker := range b {
		h := sse.NewHub(append([]sse.HubOption{sse.WithBroker(broker)}, options...)...)
		t.Cleanup(func() { _ = h.Close() })
		out[i] = h
	}
	return out
}

// awaitClosed fails unless ch is closed, with nothing more on it, within
// the suite's wait.
func awaitClosed(t *testing.T, what string, ch <-chan sse.Message) {
	t.Helper()
	select {
	case m, ok := <-ch:
		if ok {
			t.Errorf("%s: got %q, want the channel closed", what, m.ID)
		}
	case <-time.After(wait):
		t.Errorf("%s: the channel was not closed within %v", what, wait)
	}
}

// publish publishes n messages numbered from first and returns their ids.
func publish(t *testing.T, h *sse.Hub, topic string, first, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := first; i < first+n; i++ {
		id, err := h.Publish(context.Background(), topic, sse.Message{Event: "n", Data: strconv.Itoa(i)})
		if err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// collect reads ch until it holds n messages, failing after wait.
func collect(ch <-chan sse.Message, n int) ([]sse.Message, error) {
	got := make([]sse.Message, 0, n)
	deadline := time.After(wait)
	for len(got) < n {
		select {
		case m, ok := <-ch:
			if !ok {
				return got, fmt.Errorf("closed after %d of %d messages", len(got), n)
			}
			got = append(got, m)
		case <-deadline:
			return got, fmt.Errorf("got %d of %d messages in %v", len(got), n, wait)
		}
	}
	return got, nil
}

func testHubNoGap(t *testing.T, b []sse.Broker) {
	const topic, before, during = "nogap", 10, 300
	h := hubs(t, b, sse.History(1000), sse.Buffer(before+during+10))
	ids := publish(t, h[0], topic, 0, before)
	// Subscribers join on both instances, from an id, from nothing and
	// from an unknown id, while messages are published on both.
	type joiner struct {
		on    int
		after string
	}
	var joiners []joiner
	for i := range 12 {
		after := []string{ids[4], "", "unknown"}[i%3]
		joiners = append(joiners, joiner{on: i % 2, after: after})
	}
	published := make(chan []string, 1)
	start := make(chan struct{})
	go func() {
		<-start
		var out []string
		for i := range during {
			id, err := h[i%2].Publish(context.Background(), topic, sse.Message{Event: "n", Data: strconv.Itoa(before + i)})
			if err != nil {
				t.Errorf("Publish: %v", err)
				break
			}
			out = append(out, id)
		}
		published <- out
	}()
	type joined struct {
		joiner
		ch <-chan sse.Message
	}
	var subs []joined
	close(start)
	for _, j := range joiners {
		ch, err := h[j.on].Subscribe(t.Context(), topic, j.after)
		if err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
		subs = append(subs, joined{j, ch})
	}
	all := append(ids, <-published...)
	// A last message marks the end of what each subscriber gets.
	all = append(all, publish(t, h[0], topic, before+during, 1)...)
	last := all[len(all)-1]
	for _, s := range subs {
		var got []sse.Message
		for len(got) == 0 || got[len(got)-1].ID != last {
			more, err := collect(s.ch, 1)
			if err != nil {
				t.Fatalf("subscriber on instance %d after %q: %v, after %q", s.on, s.after, err, messageIDs(got))
			}
			got = append(got, more...)
		}
		var want []string
		switch s.after {
		case ids[4]:
			want = all[5:]
		case "unknown":
			want = all
		default:
			// Live only: a gapless run that ends with the last one.
			want = all[max(len(all)-len(got), 0):]
		}
		if !slices.Equal(messageIDs(got), want) {
			t.Errorf("subscriber on instance %d after %q got %q, want %q", s.on, s.after, messageIDs(got), want)
			continue
		}
		for i, m := range got {
			if n := strconv.Itoa(len(all) - len(got) + i); m.Event != "n" || m.Data != n {
				t.Errorf("subscriber after %q: message %q is event %q data %v, want event n data %s", s.after, m.ID, m.Event, m.Data, n)
				break
			}
		}
	}
}

func messageIDs(ms []sse.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func testHubSlowSubscriber(t *testing.T, b []sse.Broker) {
	const topic, buffer, n = "slow", 4, 50
	h := hubs(t, b, sse.Buffer(buffer))
	slow, err := h[1].Subscribe(t.Context(), topic, "")
	if err != nil {
		t.Fatal(err)
	}
	reader, err := h[1].Subscribe(t.Context(), topic, "")
	if err != nil {
		t.Fatal(err)
	}
	// Each message is read before the next is published, so the reader
	// is never behind; the other never reads.
	var ids []string
	deadline := time.Now().Add(wait)
	for i := range n {
		id := publish(t, h[0], topic, i, 1)[0]
		ids = append(ids, id)
		got, err := collect(reader, 1)
		if err != nil || got[0].ID != id {
			t.Fatalf("the reading subscriber, at message %d: got %q (%v), want %q", i, messageIDs(got), err, id)
		}
		if time.Now().After(deadline) {
			t.Fatalf("publishing %d messages beside a subscriber that never reads took over %v", i, wait)
		}
	}
	var kept []string
	timeout := time.After(wait)
	for open := true; open; {
		select {
		case m, ok := <-slow:
			if ok {
				kept = append(kept, m.ID)
			}
			open = ok
		case <-timeout:
			t.Fatalf("the subscriber that never read was not dropped (it holds %q)", kept)
		}
	}
	if len(kept) > buffer || !slices.Equal(kept, ids[:len(kept)]) {
		t.Errorf("the dropped subscriber held %q, want at most %d, a prefix of %q", kept, buffer, ids)
	}
}

func testHubContextCancel(t *testing.T, b sse.Broker) {
	h := hubs(t, []sse.Broker{b})[0]
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := h.Subscribe(ctx, "cancel", "")
	if err != nil {
		t.Fatal(err)
	}
	catching, err := h.Subscribe(ctx, "cancel", "unknown")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	awaitClosed(t, "a live subscription whose context ended", ch)
	awaitClosed(t, "a replaying subscription whose context ended", catching)
	if _, err := h.Subscribe(ctx, "cancel", ""); err == nil {
		t.Error("Subscribe with an ended context succeeded")
	}
}

func testHubClose(t *testing.T, b []sse.Broker) {
	h := hubs(t, b)
	ch, err := h[0].Subscribe(t.Context(), "hubclose", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := h[1].Subscribe(t.Context(), "hubclose", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h[0].Close(); err != nil {
		t.Fatal(err)
	}
	awaitClosed(t, "a subscription whose Hub closed", ch)
	if _, err := h[0].Publish(context.Background(), "hubclose", sse.Message{Data: "x"}); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Publish after Close: %v, want sse.ErrClosed", err)
	}
	if _, err := h[0].Subscribe(t.Context(), "hubclose", ""); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want sse.ErrClosed", err)
	}
	if len(b) > 1 && b[0] != b[1] {
		// Another instance is not affected.
		id := publish(t, h[1], "hubclose", 0, 1)[0]
		if got, err := collect(other, 1); err != nil || got[0].ID != id {
			t.Errorf("after another instance closed, a subscriber got %q (%v), want %q", messageIDs(got), err, id)
		}
	}
}
