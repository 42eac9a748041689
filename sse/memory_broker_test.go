package sse

// Tests of the in-memory broker's bookkeeping, which the Broker contract
// (checked by package ssetest) does not show: how much memory it holds,
// when it forgets a topic, and that no Append or Listen is lost to a topic
// that is being forgotten.

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor bounds every wait in these tests.
const waitFor = 10 * time.Second

// topicCount returns how many topics b holds.
func (b *MemoryBroker) topicCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.topics)
}

// holds reports whether b holds each of the named topics, all at one
// instant.
func (b *MemoryBroker) holds(names ...string) []bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	held := make([]bool, len(names))
	for i, name := range names {
		held[i] = b.topics[name] != nil
	}
	return held
}

// hubTopicCount returns how many topics h holds.
func (h *Hub) hubTopicCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.topics)
}

// waitForgotten polls until b holds no topic, failing after a while.
func waitForgotten(t *testing.T, b *MemoryBroker) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
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

// frameBody is what a Hub appends for a message with data text.
func frameBody(t testing.TB, text string) []byte {
	t.Helper()
	body, err := AppendMessage(nil, Message{Data: text})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// mustAppend appends a frame with data text and returns its id.
func mustAppend(t testing.TB, b *MemoryBroker, topic, text string, keep Retention) string {
	t.Helper()
	id, err := b.Append(context.Background(), topic, frameBody(t, text), keep)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// retainedIDs returns the ids of every frame topic retains, oldest first.
func retainedIDs(t testing.TB, b *MemoryBroker, topic string) []string {
	t.Helper()
	frames, _, err := b.Read(context.Background(), topic, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(frames))
	for i, f := range frames {
		ids[i] = f.ID
	}
	return ids
}

// chanListener is a Listener that passes what it is given to channels.
type chanListener struct {
	frames   chan Frame
	ended    chan error
	overflow atomic.Bool
}

func newChanListener(room int) *chanListener {
	return &chanListener{frames: make(chan Frame, room), ended: make(chan error, 1)}
}

func (l *chanListener) Frame(f Frame) {
	select {
	case l.frames <- f:
	default:
		l.overflow.Store(true)
	}
}

func (l *chanListener) End(err error) { l.ended <- err }

// TestMemoryBrokerForgetsIdleTopics subscribes to many distinct topics and
// leaves: a topic must cost memory in proportion to what it holds, not to
// the History bound, and be gone once it has no listener and no history.
func TestMemoryBrokerForgetsIdleTopics(t *testing.T) {
	const (
		topics  = 1000
		history = 1000
		// A subscription holds a channel of 16 messages (about 1.4 kB)
		// and its topics in the Hub and the broker a few hundred bytes
		// more. A history allocated up front would be 1000 frames of 40
		// bytes per topic: 40 MB.
		maxWhileSubscribed = 16 << 20
		maxAfter           = 1 << 20
	)
	b := NewMemoryBroker()
	h := NewHub(WithBroker(b), History(history), Buffer(16), TopicIdle(0))
	defer h.Close()
	base := heapInUse()

	ctx, cancel := context.WithCancel(t.Context())
	subs := make([]<-chan Message, topics)
	for i := range subs {
		ch, err := h.Subscribe(ctx, fmt.Sprintf("topic-%d", i), "")
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
	for deadline := time.Now().Add(waitFor); h.hubTopicCount() > 0; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("the Hub still holds %d topics", h.hubTopicCount())
		}
	}
	if grown := heapInUse() - base; grown > maxAfter {
		t.Errorf("after leaving, %d topics still hold %d kB, want under %d kB", topics, grown>>10, maxAfter>>10)
	}

	// An Append to a topic nobody follows and that keeps no history
	// leaves nothing either; one that keeps history stays.
	for i := range topics {
		mustAppend(t, b, fmt.Sprintf("topic-%d", i), "x", Retention{Idle: time.Hour})
	}
	if n := b.topicCount(); n != 0 {
		t.Errorf("appending without history or listeners left %d topics", n)
	}
	mustAppend(t, b, "kept", "x", Retention{Frames: history})
	if n := b.topicCount(); n != 1 {
		t.Errorf("a topic with history: %d topics, want 1", n)
	}
}

// TestMemoryBrokerHistoryGrows checks the lazily grown ring: it keeps the
// newest frames in order, shares their bodies, and never holds more than
// the bound.
func TestMemoryBrokerHistoryGrows(t *testing.T) {
	for _, history := range []int{1, 3, 8, 9, 100} {
		t.Run(fmt.Sprint(history), func(t *testing.T) {
			b := NewMemoryBroker()
			defer b.Close()
			keep := Retention{Frames: history}
			var ids []string
			for i := 1; i <= 3*history+2; i++ {
				body := frameBody(t, strconv.Itoa(i))
				id, err := b.Append(t.Context(), "t", body, keep)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
				b.mu.Lock()
				tp := b.topics["t"]
				b.mu.Unlock()
				tp.mu.Lock()
				length, capacity := len(tp.ring), cap(tp.ring)
				tp.mu.Unlock()
				if i == 1 && capacity != 1 {
					t.Fatalf("the first frame reserved room for %d", capacity)
				}
				if length > history || capacity > history {
					t.Fatalf("after %d frames the ring has length %d, capacity %d; bound %d", i, length, capacity, history)
				}
				want := ids[max(len(ids)-history, 0):]
				if got := retainedIDs(t, b, "t"); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("after %d frames the history is %q, want %q", i, got, want)
				}
				after := ""
				if len(ids) > 1 {
					after = ids[len(ids)-2]
				}
				newest, _, err := b.Read(t.Context(), "t", after, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(newest) != 1 || newest[0].ID != id || &newest[0].Body[0] != &body[0] {
					t.Fatalf("after %d frames Read after %q returned %d frames, or a copy of the newest body", i, after, len(newest))
				}
			}
		})
	}
}

// TestMemoryBrokerRetentionChanges: a topic keeps what the last Append's
// Retention says, the newest frames in order, when the bound shrinks and
// when it grows again over a ring that has wrapped.
func TestMemoryBrokerRetentionChanges(t *testing.T) {
	b := NewMemoryBroker()
	defer b.Close()
	var ids []string
	add := func(n, frames int) {
		for range n {
			ids = append(ids, mustAppend(t, b, "t", strconv.Itoa(len(ids)), Retention{Frames: frames}))
		}
	}
	steps := []struct {
		appends, frames, kept int
	}{
		{appends: 10, frames: 8, kept: 8}, // wrapped
		{appends: 1, frames: 3, kept: 3},  // shrunk
		{appends: 2, frames: 3, kept: 3},  // wrapped again
		{appends: 1, frames: 6, kept: 4},  // grown over a wrapped ring
		{appends: 5, frames: 6, kept: 6},
	}
	for _, s := range steps {
		add(s.appends, s.frames)
		want := ids[len(ids)-s.kept:]
		if got := retainedIDs(t, b, "t"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after %d appends keeping %d, the history is %q, want %q", len(ids), s.frames, got, want)
		}
	}
	// Keeping none, with no listener, forgets the topic: the next Append
	// starts a new life.
	last := ids[len(ids)-1]
	add(1, 0)
	if n := b.topicCount(); n != 0 {
		t.Errorf("a topic that keeps nothing and has no listener stayed")
	}
	next := mustAppend(t, b, "t", "new life", Retention{Frames: 1})
	if epoch(last) == epoch(next) {
		t.Errorf("ids %q and %q: a forgotten topic came back in the same life", last, next)
	}
}

// epoch returns the "<epoch>" of an id "<epoch>-<seq>".
func epoch(id string) string {
	e, _, _ := strings.Cut(id, "-")
	return e
}

// TestMemoryBrokerForgetRaces appends, listens and stops listening on one
// topic from several goroutines while the topic is forgotten and made
// again all the time: when its last listener stops (no history), when it
// expires (a tiny idle time), or when it is dropped. Under the race
// detector this checks the locking; and no Append or Listen may be lost to
// a topic object that was being forgotten: a listener gets every frame
// appended after its Listen returned until it is ended, and a frame whose
// Append returned stays readable unless the topic was dropped since.
func TestMemoryBrokerForgetRaces(t *testing.T) {
	tests := []struct {
		name string
		keep Retention
		drop bool
	}{
		{name: "no history", keep: Retention{}},
		{name: "idle", keep: Retention{Frames: 4, Idle: time.Nanosecond}},
		{name: "dropped", keep: Retention{Frames: 1 << 20}, drop: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const workers, rounds = 6, 300
			b := NewMemoryBroker()
			defer b.Close()
			ctx := t.Context()

			// DropTopic calls started and finished: a drop can only
			// have lost a frame if it started before the frame was
			// looked for, and finished after it was appended.
			var dropsStarted, dropsFinished atomic.Int64
			stopDropping := make(chan struct{})
			dropperDone := make(chan struct{})
			go func() {
				defer close(dropperDone)
				for tt.drop {
					select {
					case <-stopDropping:
						return
					default:
					}
					dropsStarted.Add(1)
					if err := b.DropTopic(ctx, "t"); err != nil {
						t.Error(err)
						return
					}
					dropsFinished.Add(1)
					runtime.Gosched()
				}
			}()

			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for r := range rounds {
						if err := forgetRaceRound(ctx, b, tt.keep, tt.drop, fmt.Sprintf("%d-%d", w, r), &dropsStarted, &dropsFinished); err != nil {
							t.Errorf("worker %d round %d: %v", w, r, err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(stopDropping)
			<-dropperDone
			if !tt.drop {
				// No listener is left: the topic goes, at once or once
				// idle.
				waitForgotten(t, b)
			}
		})
	}
}

// forgetRaceRound listens to "t", appends a frame with data mine, and
// checks that the listener gets it and that it is retained, as
// TestMemoryBrokerForgetRaces says.
func forgetRaceRound(ctx context.Context, b *MemoryBroker, keep Retention, drops bool, mine string, started, finished *atomic.Int64) error {
	l := newChanListener(4096)
	stop, err := b.Listen(ctx, "t", l)
	if err != nil {
		return err
	}
	defer stop()
	before := finished.Load()
	body, err := AppendMessage(nil, Message{Data: mine})
	if err != nil {
		return err
	}
	id, err := b.Append(ctx, "t", body, keep)
	if err != nil {
		return err
	}
	timeout := time.After(waitFor)
	for got := false; !got; {
		select {
		case f := <-l.frames:
			got = f.ID == id
			if got && string(f.Body) != string(body) {
				return fmt.Errorf("frame %q has body %q, want %q", id, f.Body, body)
			}
		case err := <-l.ended:
			if !drops || err != nil {
				return fmt.Errorf("the listener was ended with %v before frame %q", err, id)
			}
			got = true // dropped: a new Listen would be needed
		case <-timeout:
			return fmt.Errorf("frame %q never reached a listener that was listening before it was appended", id)
		}
	}
	if l.overflow.Load() {
		return fmt.Errorf("the listener's channel overflowed")
	}
	if keep.Frames > 0 && keep.Idle == 0 {
		// The frame is retained unless a drop ran since the Append.
		_, found, err := b.Read(ctx, "t", id, 1)
		if err != nil {
			return err
		}
		if !found && started.Load() == before {
			return fmt.Errorf("frame %q was appended and lost, with no drop since", id)
		}
	}
	return nil
}

// TestMemoryBrokerNewLifeNewEpoch checks that a topic made again after it
// was forgotten numbers its frames under another epoch, so that an id of
// its former life never matches one of the new.
func TestMemoryBrokerNewLifeNewEpoch(t *testing.T) {
	b := NewMemoryBroker()
	defer b.Close()
	// Nothing kept and no listener: forgotten as soon as appended to.
	first := mustAppend(t, b, "t", "x", Retention{})
	if n := b.topicCount(); n != 0 {
		t.Fatalf("a topic with no history and no listener stayed after an Append")
	}
	second := mustAppend(t, b, "t", "x", Retention{Frames: 1})
	if first == second || epoch(first) == epoch(second) {
		t.Errorf("two lives of a topic assigned ids %q and %q: the same epoch", first, second)
	}
	if _, found, _ := b.Read(t.Context(), "t", first, 10); found {
		t.Errorf("the id %q of the former life was placed in the new one", first)
	}
}

// TestMemoryBrokerForgetsIdleHistory appends once to many per-resource
// topics, as "/todos/:id/events" does: once idle for their idle time, they
// are gone, history and all, and the heap is back where it started.
func TestMemoryBrokerForgetsIdleHistory(t *testing.T) {
	const topics = 20000
	keep := Retention{Frames: 1000, Idle: time.Second}
	b := NewMemoryBroker()
	defer b.Close()
	base := heapInUse()
	for i := range topics {
		body, err := AppendMessage(nil, Message{Event: "updated", Data: fmt.Sprintf(`{"id":%d,"title":"x"}`, i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(t.Context(), fmt.Sprintf("todo/%d", i), body, keep); err != nil {
			t.Fatal(err)
		}
	}
	full := heapInUse()
	if n := b.topicCount(); n != topics {
		t.Fatalf("%d topics held right after appending, want %d", n, topics)
	}
	waitForgotten(t, b)
	after := heapInUse()
	t.Logf("heap: %d B before, %d B with %d topics (%d B each), %d B once idle", base, full, topics, (full-base)/topics, after)
	if after > base+base/10 {
		t.Errorf("heap %d B once the topics were idle, want within 10%% of %d B", after, base)
	}
}

// TestMemoryBrokerTopicStaysWhileUsed: a listener, or an Append within
// the idle time, keeps a topic and its history past the time a topic left
// alone is forgotten; once unused, each goes in its turn.
func TestMemoryBrokerTopicStaysWhileUsed(t *testing.T) {
	const idle = 300 * time.Millisecond
	keep := Retention{Frames: 10, Idle: idle}
	b := NewMemoryBroker()
	defer b.Close()
	l := newChanListener(10)
	stop, err := b.Listen(t.Context(), "listened", l)
	if err != nil {
		t.Fatal(err)
	}
	kept := mustAppend(t, b, "listened", "kept", keep)
	// The witness is left alone: once it is gone, the sweeper has run
	// past the others' first idle time.
	mustAppend(t, b, "witness", "x", keep)
	mustAppend(t, b, "appended", "x", keep)
	select {
	case <-time.After(idle / 2): // the passing of time is what is tested
	case <-t.Context().Done():
		return
	}
	mustAppend(t, b, "appended", "again", keep)

	for deadline := time.Now().Add(waitFor); ; runtime.Gosched() {
		held := b.holds("witness", "listened", "appended")
		if !held[0] {
			if !held[1] {
				t.Error("a topic with a listener was forgotten")
			}
			if !held[2] {
				t.Errorf("a topic appended to %v before the witness expired was forgotten with it", idle/2)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a topic idle for %v was still held after %v", idle, waitFor)
		}
	}

	stop()
	if frames, found, err := b.Read(t.Context(), "listened", "0", 10); err != nil || found || len(frames) != 1 || frames[0].ID != kept {
		t.Errorf("after its listener left, the topic replays %d frames (%v), want %q", len(frames), err, kept)
	}
	waitForgotten(t, b)
}

// TestMemoryBrokerMixedIdleTimes: two Hubs sharing one broker may have
// different TopicIdle, so each topic expires after its own idle time
// (between one and two of them after its last use, as MemoryBroker says),
// whatever other topics' idle times are: a topic kept for an hour must not
// keep the per-resource topics of the other Hub, idle for 50ms, for an
// hour too.
func TestMemoryBrokerMixedIdleTimes(t *testing.T) {
	const short = 50 * time.Millisecond
	b := NewMemoryBroker()
	patient := NewHub(WithBroker(b), TopicIdle(time.Hour))
	defer patient.Close()
	brisk := NewHub(WithBroker(b), TopicIdle(short))
	defer brisk.Close()

	if _, err := patient.Publish(t.Context(), "feed", Message{Data: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := brisk.Publish(t.Context(), "todo/1", Message{Data: "x"}); err != nil {
		t.Fatal(err)
	}
	const within = 40 * short // far more than the two idle times promised
	for deadline := time.Now().Add(within); b.holds("todo/1")[0]; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("a topic with TopicIdle(%v) was still held after %v, behind one with TopicIdle(1h)", short, within)
		}
	}
	if !b.holds("feed")[0] {
		t.Error("the topic with TopicIdle(1h) was forgotten")
	}
}

// TestMemoryBrokerReplayDoesNotCopy connects many subscribers with an ID
// the topic never issued to a topic whose history is full: each is owed
// the whole history, and must not hold a copy of it.
func TestMemoryBrokerReplayDoesNotCopy(t *testing.T) {
	const (
		history     = 1000
		subscribers = 500
		// A copy would be history messages of 80 B or more (plus their
		// slots in a channel) per subscriber: 80 kB or more. A place in
		// the history is a goroutine, a page of frames being sent and
		// a channel of 16: under 24 kB.
		maxPerSubscriber = 24 << 10
	)
	b := NewMemoryBroker()
	h := NewHub(WithBroker(b), History(history), Buffer(16))
	defer h.Close()
	for i := range history {
		if _, err := h.Publish(t.Context(), "t", Message{Data: i}); err != nil {
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
		if subs[i], err = h.Subscribe(ctx, "t", "x-1"); err != nil {
			t.Fatal(err)
		}
	}
	// Each replay fills its channel, then waits.
	for deadline := time.Now().Add(waitFor); len(subs[subscribers-1]) < cap(subs[subscribers-1]); runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the replays did not start")
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
	// Each still gets the whole history, in order, as text.
	for _, i := range []int{0, subscribers - 1} {
		for want := range history {
			select {
			case m := <-subs[i]:
				if m.Data != strconv.Itoa(want) {
					t.Fatalf("subscriber %d: message %v, want %d", i, m.Data, want)
				}
			case <-time.After(waitFor):
				t.Fatalf("subscriber %d: no message %d", i, want)
			}
		}
	}
}

// A topic dropped, or forgotten for having no history, leaves the unused
// queue at once: per-resource topics dropped by the thousand hold nothing
// until they would have expired.
func TestMemoryBrokerForgetLeavesTheUnusedQueue(t *testing.T) {
	b := NewMemoryBroker()
	defer b.Close()
	keep := Retention{Frames: 4, Idle: time.Hour}
	for i := range 1000 {
		name := "todo/" + strconv.Itoa(i)
		if _, err := b.Append(context.Background(), name, []byte("data: x\n\n"), keep); err != nil {
			t.Fatal(err)
		}
		if err := b.DropTopic(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	b.mu.Lock()
	queued, topics := len(b.unused), len(b.topics)
	b.mu.Unlock()
	if queued != 0 || topics != 0 {
		t.Errorf("after 1000 topics were dropped: %d in the unused queue, %d topics; want 0 and 0", queued, topics)
	}
}

// A topic appended to with an idle time, then with none ("keep it for
// good"), is kept although its first queue entry expires.
func TestMemoryBrokerKeepForGoodOutlivesAnEarlierIdle(t *testing.T) {
	b := NewMemoryBroker()
	defer b.Close()
	short := Retention{Frames: 4, Idle: 20 * time.Millisecond}
	ctx := context.Background()
	if _, err := b.Append(ctx, "kept", []byte("data: 1\n\n"), short); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ctx, "kept", []byte("data: 2\n\n"), Retention{Frames: 4}); err != nil {
		t.Fatal(err)
	}
	// A witness queued after it, with the short idle time, is swept after
	// the first entry of "kept" has come due.
	if _, err := b.Append(ctx, "witness", []byte("data: w\n\n"), short); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(waitFor); b.holds("witness")[0]; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the witness topic was never forgotten")
		}
	}
	if frames, _, _ := b.Read(ctx, "kept", "", 10); len(frames) != 2 {
		t.Errorf("a topic last appended to with no idle time holds %d frames after an earlier idle time passed, want 2", len(frames))
	}
}
