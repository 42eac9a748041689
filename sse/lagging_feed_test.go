package sse_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/godanet/godanet/sse"
)

// laggingBroker is a MemoryBroker whose listeners are passed frames only
// when the test says so, as a network broker's feed may lag its store
// (Redis's Pub/Sub behind its streams) for longer than Read waits.
type laggingBroker struct {
	*sse.MemoryBroker
	mu    sync.Mutex
	held  []heldFrame
	holds bool
}

type heldFrame struct {
	l sse.Listener
	f sse.Frame
}

type laggingListener struct {
	b *laggingBroker
	l sse.Listener
}

func (l laggingListener) Frame(f sse.Frame) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if l.b.holds {
		l.b.held = append(l.b.held, heldFrame{l.l, f})
		return
	}
	l.l.Frame(f)
}

func (l laggingListener) End(err error) { l.l.End(err) }

func (b *laggingBroker) Listen(ctx context.Context, topic string, l sse.Listener) (func(), error) {
	return b.MemoryBroker.Listen(ctx, topic, laggingListener{b, l})
}

func (b *laggingBroker) hold() {
	b.mu.Lock()
	b.holds = true
	b.mu.Unlock()
}

// release passes the held frames on, in order, and stops holding.
func (b *laggingBroker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, h := range b.held {
		h.l.Frame(h.f)
	}
	b.held, b.holds = nil, false
}

// TestHubSkipsWhatALaggingFeedRepeats: a subscriber replays history that
// the topic's listener has not been passed yet; when the feed catches up,
// the messages it had from the replay, and its own Last-Event-ID, are not
// sent again, and the next new one is.
func TestHubSkipsWhatALaggingFeedRepeats(t *testing.T) {
	b := &laggingBroker{MemoryBroker: sse.NewMemoryBroker()}
	h := newHub(t, sse.WithBroker(b))
	witness := mustSubscribe(t, h, "t", "") // the topic's listener exists
	b.hold()
	var ids []string
	for range 3 {
		ids = append(ids, publish(t, h, "t", sse.Message{Data: "x"}))
	}
	// It saw the first elsewhere, and reconnects here, where the feed
	// has not passed any of the three.
	ch := mustSubscribe(t, h, "t", ids[0])
	if got := replayed(t, ch, 2); !slices.Equal(got, ids[1:]) {
		t.Fatalf("replayed %q, want %q", got, ids[1:])
	}
	b.release()
	if got := replayed(t, witness, 3); !slices.Equal(got, ids) {
		t.Fatalf("the witness got %q, want %q", got, ids)
	}
	fresh := publish(t, h, "t", sse.Message{Data: "y"})
	if got := next(t, ch); got.ID != fresh {
		t.Errorf("after the feed caught up, the subscriber got %q; want %q, nothing it had already", got.ID, fresh)
	}
	if more, _ := pending(ch); len(more) > 0 {
		t.Errorf("more messages: %q", more)
	}
}
