package sse

// Tests of the in-memory broker's bookkeeping, which the public API does
// not show.

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// topicCount returns how many topics b holds.
func (b *MemoryBroker) topicCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.topics)
}

// waitForgotten polls until b holds no topic, failing after a while.
func waitForgotten(t *testing.T, b *MemoryBroker) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.topicCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the broker still holds %d topics", b.topicCount())
		}
		runtime.Gosched()
	}
}

// heapInUse returns the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestMemoryBrokerForgetsIdleTopics subscribes to many distinct topics and
// leaves: a topic must cost memory in proportion to what it holds, not to
// the History bound, and be gone once it has no subscriber and no history.
func TestMemoryBrokerForgetsIdleTopics(t *testing.T) {
	const (
		topics  = 1000
		history = 1000
		// A subscription holds a channel of 16 messages (about 1.3 kB)
		// and its topic a few hundred bytes more. A history allocated up
		// front would be 1000 entries of ~90 bytes per topic: ~90 MB.
		maxWhileSubscribed = 16 << 20
		maxAfter           = 1 << 20
	)
	b := NewMemoryBroker(history, 16, 0)
	defer b.Close()
	base := heapInUse()

	ctx, cancel := context.WithCancel(t.Context())
	subs := make([]<-chan Message, topics)
	for i := range subs {
		ch, err := b.Subscribe(ctx, fmt.Sprintf("topic-%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = ch
	}
	if n := b.topicCount(); n != topics {
		t.Fatalf("%d topics while subscribed, want %d", n, topics)
	}
	if grown := heapInUse() - base; grown > maxWhileSubscribed {
		t.Errorf("%d subscriptions to distinct topics hold %d kB, want under %d kB", topics, grown>>10, maxWhileSubscribed>>10)
	}

	cancel()
	for _, ch := range subs {
		for range ch { // closed once its context's callback ran
		}
	}
	waitForgotten(t, b)
	if grown := heapInUse() - base; grown > maxAfter {
		t.Errorf("after leaving, %d topics still hold %d kB, want under %d kB", topics, grown>>10, maxAfter>>10)
	}

	// A publish to a topic nobody follows and that keeps no history
	// leaves nothing either; one that keeps history stays.
	noHistory := NewMemoryBroker(0, 16, 0)
	defer noHistory.Close()
	for i := range topics {
		if _, err := noHistory.Publish(fmt.Sprintf("topic-%d", i), Message{Data: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := noHistory.topicCount(); n != 0 {
		t.Errorf("publishing without history or subscribers left %d topics", n)
	}
	if _, err := b.Publish("kept", Message{Data: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := b.topicCount(); n != 1 {
		t.Errorf("a topic with history: %d topics, want 1", n)
	}
}

// TestMemoryBrokerHistoryGrows checks the lazily grown ring: it keeps the
// newest messages in order, and never holds more than the bound.
func TestMemoryBrokerHistoryGrows(t *testing.T) {
	for _, history := range []int{1, 3, 8, 9, 100} {
		t.Run(fmt.Sprint(history), func(t *testing.T) {
			b := NewMemoryBroker(history, 1, 0)
			defer b.Close()
			var ids []string
			for i := 1; i <= 3*history+2; i++ {
				m, err := b.Publish("t", Message{Data: i})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, m.ID)
				b.mu.Lock()
				tp := b.topics["t"]
				b.mu.Unlock()
				tp.mu.Lock()
				length, capacity := len(tp.ring), cap(tp.ring)
				tp.mu.Unlock()
				if i == 1 && capacity != 1 {
					t.Fatalf("the first message reserved room for %d", capacity)
				}
				if length > history || capacity > history {
					t.Fatalf("after %d messages the ring has length %d, capacity %d; bound %d", i, length, capacity, history)
				}
				ch, err := b.Subscribe(t.Context(), "t", "0")
				if err != nil {
					t.Fatal(err)
				}
				want := ids[max(len(ids)-history, 0):]
				var got []string
				for range want {
					select {
					case m := <-ch:
						got = append(got, m.ID)
					case <-time.After(5 * time.Second):
						t.Fatalf("after %d messages the replay stopped at %q, want %q", i, got, want)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("after %d messages the history is %q, want %q", i, got, want)
				}
			}
		})
	}
}

// TestMemoryBrokerForgottenAfterLookup forgets a topic between the moment
// Subscribe finds it and the moment it locks it. Subscribe must not join
// that orphan, which no Publish reaches any more, but the topic Publish
// uses.
func TestMemoryBrokerForgottenAfterLookup(t *testing.T) {
	b := NewMemoryBroker(0, 1, 0)
	defer b.Close()
	ctx, leave := context.WithCancel(t.Context())
	if _, err := b.Subscribe(ctx, "t", ""); err != nil {
		t.Fatal(err)
	}
	lookups := 0
	b.lookedUp = func() {
		if lookups++; lookups == 1 {
			leave() // the only subscriber leaves: the topic is forgotten
			waitForgotten(t, b)
		}
	}
	ch, err := b.Subscribe(t.Context(), "t", "")
	if err != nil {
		t.Fatal(err)
	}
	b.lookedUp = nil
	if lookups != 2 {
		t.Errorf("Subscribe looked the topic up %d times, want 2: once more after finding it forgotten", lookups)
	}
	if _, err := b.Publish("t", Message{Data: "after"}); err != nil {
		t.Fatal(err)
	}
	if err := receiveData(ch, "after"); err != nil {
		t.Error(err)
	}
}

// TestMemoryBrokerForgetRacesLookup subscribes, publishes and leaves on one
// topic from several goroutines, with no history, so that the topic is
// forgotten and made again all the time (under the race detector, this
// checks the locking). Every subscriber must receive the message it
// publishes after subscribing.
func TestMemoryBrokerForgetRacesLookup(t *testing.T) {
	const (
		workers = 4
		rounds  = 300
	)
	b := NewMemoryBroker(0, workers*rounds, 0)
	defer b.Close()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				ctx, cancel := context.WithCancel(t.Context())
				ch, err := b.Subscribe(ctx, "t", "")
				if err != nil {
					t.Error(err)
					cancel()
					return
				}
				mine := fmt.Sprintf("%d-%d", w, r)
				if _, err := b.Publish("t", Message{Data: mine}); err != nil {
					t.Error(err)
					cancel()
					return
				}
				err = receiveData(ch, mine)
				cancel()
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	waitForgotten(t, b)
}

// receiveData reads ch until a message with data want, skipping others.
func receiveData(ch <-chan Message, want string) error {
	timeout := time.After(10 * time.Second)
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

// TestMemoryBrokerNewLifeNewEpoch checks that a topic made again after it
// was forgotten numbers its messages under another epoch, so that an id of
// its former life never matches one of the new.
func TestMemoryBrokerNewLifeNewEpoch(t *testing.T) {
	b := NewMemoryBroker(0, 1, 0)
	defer b.Close()
	first, err := b.Publish("t", Message{Data: "x"})
	if err != nil {
		t.Fatal(err)
	}
	waitForgotten(t, b)
	second, err := b.Publish("t", Message{Data: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == second.ID {
		t.Errorf("two lives of a topic both assigned id %q", first.ID)
	}
}

// TestMemoryBrokerForgetsIdleHistory publishes once to many per-resource
// topics, as "/todos/:id/events" does: once idle for the topic idle time,
// they are gone, history and all, and the heap is back where it started.
func TestMemoryBrokerForgetsIdleHistory(t *testing.T) {
	const topics = 20000
	b := NewMemoryBroker(1000, 16, time.Second)
	defer b.Close()
	base := heapInUse()
	for i := range topics {
		if _, err := b.Publish(fmt.Sprintf("todo/%d", i), Message{Event: "updated", Data: `{"id":1,"title":"x"}`}); err != nil {
			t.Fatal(err)
		}
	}
	full := heapInUse()
	if n := b.topicCount(); n != topics {
		t.Fatalf("%d topics held right after publishing, want %d", n, topics)
	}
	waitForgotten(t, b)
	after := heapInUse()
	t.Logf("heap: %d B before, %d B with %d topics (%d B each), %d B once idle", base, full, topics, (full-base)/topics, after)
	if after > base+base/10 {
		t.Errorf("heap %d B once the topics were idle, want within 10%% of %d B", after, base)
	}
}

// TestMemoryBrokerTopicStaysWhileUsed: a subscriber, or a publish within
// the idle time, keeps a topic and its history.
func TestMemoryBrokerTopicStaysWhileUsed(t *testing.T) {
	const idle = 30 * time.Millisecond
	b := NewMemoryBroker(10, 16, idle)
	defer b.Close()
	ctx, cancel := context.WithCancel(t.Context())
	sub, err := b.Subscribe(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := b.Publish("t", Message{Data: "kept"})
	<-sub
	// Several idle times pass with the subscriber there.
	for deadline := time.Now().Add(4 * idle); time.Now().Before(deadline); {
		runtime.Gosched()
	}
	if b.topicCount() != 1 {
		t.Fatal("a topic with a subscriber was forgotten")
	}
	cancel()
	replay, err := b.Subscribe(t.Context(), "t", "0")
	if err != nil {
		t.Fatal(err)
	}
	if got := <-replay; got.ID != m.ID {
		t.Errorf("replayed %q, want %q", got.ID, m.ID)
	}
}

// TestMemoryBrokerReplayDoesNotCopy connects many subscribers with an ID
// the topic never issued to a topic whose history is full: each is owed
// the whole history, and must not hold a copy of it.
func TestMemoryBrokerReplayDoesNotCopy(t *testing.T) {
	const (
		history     = 1000
		subscribers = 500
		// A copy would be history messages of 80 B (plus their slots in
		// a channel) per subscriber: 80 kB or more. A place in the
		// history is a goroutine and a channel of 16: under 12 kB.
		maxPerSubscriber = 24 << 10
	)
	b := NewMemoryBroker(history, 16, 0)
	defer b.Close()
	for i := range history {
		if _, err := b.Publish("t", Message{Data: i}); err != nil {
			t.Fatal(err)
		}
	}
	base := heapInUse()
	var stacks0 runtime.MemStats
	runtime.ReadMemStats(&stacks0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	subs := make([]<-chan Message, subscribers)
	for i := range subs {
		var err error
		if subs[i], err = b.Subscribe(ctx, "t", "x-1"); err != nil {
			t.Fatal(err)
		}
	}
	grown := heapInUse() - base
	var stacks runtime.MemStats
	runtime.ReadMemStats(&stacks)
	grown += int64(stacks.StackInuse) - int64(stacks0.StackInuse)
	t.Logf("%d B per subscriber owed %d messages", grown/subscribers, history)
	if grown/subscribers > maxPerSubscriber {
		t.Errorf("%d B per subscriber, want at most %d: the replay is copied", grown/subscribers, maxPerSubscriber)
	}
	// Each still gets the whole history, in order.
	for _, i := range []int{0, subscribers - 1} {
		for want := 0; want < history; want++ {
			if m := <-subs[i]; m.Data != want {
				t.Fatalf("subscriber %d: message %v, want %d", i, m.Data, want)
			}
		}
	}
}
