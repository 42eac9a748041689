package sse

import (
	"container/heap"
	"context"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemoryBroker is the in-memory Broker, the Hub's default: for one process,
// with no setup. Per topic it keeps a bounded history of frames and the
// listeners (Hubs) to pass new ones to.
//
// # Event IDs
//
// The ids it assigns are "<epoch>-<seq>": seq counts the topic's frames
// from 1, and epoch is a random word drawn when the topic is created, so it
// differs between two processes, and between two lives of a topic in one
// process (a topic is forgotten once it has no listener and no history,
// has been idle for its Retention.Idle, or is dropped). An id of another
// life is never taken for one of this life: Read replays everything
// retained instead. "0", which it never assigns, asks for everything.
//
// # Memory
//
// A topic's history grows with its frames up to Retention.Frames, so a
// quiet topic costs little, and frames are shared, never copied, with the
// Hub and its subscribers. A topic with no listener and no retained frame
// is removed at once. One that retains frames is removed, history and
// all, once it has had no listener and no Append for Retention.Idle (it
// goes between one and two idle times after its last use).
type MemoryBroker struct {
	// mu guards topics, closed and the unused queue. Lock order: a
	// topic's mu, then the broker's (forget takes them so); never a
	// topic's mu while holding the broker's.
	mu     sync.Mutex
	topics map[string]*memoryTopic
	closed bool
	// peak is the most topics the map has held since it was made: a Go
	// map never shrinks, so forget makes a smaller one when most are gone.
	peak int
	// unused holds the topics that lost their last listener, or were
	// appended to without one, by when they may expire (a heap: Hubs that
	// share the broker may have different idle times). One timer,
	// sweeper, fires for the earliest; a topic is in it at most once
	// (memoryTopic.unusedPos), and leaves it when forgotten.
	unused   unusedQueue
	sweeper  *time.Timer
	sweeping bool      // sweeper is armed or running
	armedFor time.Time // when the armed sweeper fires
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns an empty in-memory broker. How much it keeps is
// the Hub's Retention, passed with every Append.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{topics: map[string]*memoryTopic{}}
}

// memoryTopic is one topic's history and listeners. Its lock orders
// appends, reads and listens: a frame is passed to a listener under it.
type memoryTopic struct {
	name     string
	idPrefix string // "<epoch>-"

	mu sync.Mutex
	// seq is the number of the last frame appended; the history holds the
	// frames numbered seq-len(ring)+1 to seq, oldest from head.
	seq       uint64
	ring      []Frame // grows up to keep.Frames
	head      int
	keep      Retention // as of the last Append
	listeners []*memoryListener
	// lastUsed is when the topic last had an Append or lost its last
	// listener. unusedPos (guarded by the broker's mu) is its position
	// in the broker's unused queue plus one, 0 when it is not in it.
	lastUsed  time.Time
	unusedPos int
	// closed is set by Close, forgotten when the topic leaves the
	// broker's map: a call that found the topic before and locks it
	// after fails, or looks the name up again.
	closed    bool
	forgotten bool
}

// memoryListener is a Listener and whether it was stopped or ended.
type memoryListener struct {
	l    Listener
	done bool
}

// lock returns the live topic of that name, locked; created if need be
// and create is set, else nil when there is none.
func (b *MemoryBroker) lock(name string, create bool) (*memoryTopic, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, ErrClosed
		}
		t := b.topics[name]
		if t == nil && create {
			t = &memoryTopic{name: name, idPrefix: strconv.FormatUint(rand.Uint64(), 36) + "-"}
			b.topics[name] = t
			b.peak = max(b.peak, len(b.topics))
		}
		b.mu.Unlock()
		if t == nil {
			return nil, nil
		}

		t.mu.Lock()
		switch {
		case t.closed:
			t.mu.Unlock()
			return nil, ErrClosed
		case t.forgotten:
			// Forgotten between the lookup and the lock; try again.
			t.mu.Unlock()
			continue
		}
		return t, nil
	}
}

// Append implements Broker.
func (b *MemoryBroker) Append(_ context.Context, name string, body []byte, keep Retention) (string, error) {
	t, err := b.lock(name, true)
	if err != nil {
		return "", err
	}
	defer t.mu.Unlock()
	seq := t.seq + 1
	f := Frame{ID: t.idPrefix + strconv.FormatUint(seq, 10), Body: body}
	t.keep = keep
	t.retain(f)
	t.seq = seq
	for _, l := range t.listeners {
		l.l.Frame(f)
	}
	b.settle(t)
	return f.ID, nil
}

// retain adds f, the frame after t.seq, to the history, evicting the
// oldest frame once there are keep.Frames. The ring grows as frames come,
// from one, so a topic that sees few frames holds little memory.
func (t *memoryTopic) retain(f Frame) {
	limit := max(t.keep.Frames, 0)
	if len(t.ring) > limit {
		// The Retention shrank: keep the newest.
		kept := make([]Frame, 0, limit)
		for n := t.seq - uint64(limit) + 1; n <= t.seq; n++ {
			kept = append(kept, t.numbered(n))
		}
		t.ring, t.head = kept, 0
	}
	switch {
	case limit == 0:
	case len(t.ring) < limit:
		if len(t.ring) == cap(t.ring) || t.head != 0 {
			grown := make([]Frame, len(t.ring), min(max(2*len(t.ring), 1), limit))
			n := copy(grown, t.ring[t.head:])
			copy(grown[n:], t.ring[:t.head])
			t.ring, t.head = grown, 0
		}
		t.ring = append(t.ring, f)
	default:
		t.ring[t.head] = f
		t.head = (t.head + 1) % len(t.ring)
	}
}

// oldest is the number of the oldest retained frame, seq+1 when none is.
func (t *memoryTopic) oldest() uint64 { return t.seq - uint64(len(t.ring)) + 1 }

// numbered returns the retained frame numbered n, between oldest and seq.
func (t *memoryTopic) numbered(n uint64) Frame {
	return t.ring[(t.head+int(n-t.oldest()))%len(t.ring)]
}

// Read implements Broker.
func (b *MemoryBroker) Read(_ context.Context, name, afterID string, limit int) ([]Frame, bool, error) {
	t, err := b.lock(name, false)
	if t == nil || err != nil {
		return nil, false, err
	}
	defer t.mu.Unlock()
	from, found := t.oldest(), false
	// Only an id this life of the topic assigned can be placed.
	if rest, ok := strings.CutPrefix(afterID, t.idPrefix); ok {
		if n, err := strconv.ParseUint(rest, 10, 64); err == nil && n+1 >= from && n <= t.seq {
			from, found = n+1, true
		}
	}
	var frames []Frame
	if count := min(t.seq+1-from, uint64(max(limit, 0))); count > 0 {
		frames = make([]Frame, 0, count)
		for n := from; n < from+count; n++ {
			frames = append(frames, t.numbered(n))
		}
	}
	return frames, found, nil
}

// Listen implements Broker.
func (b *MemoryBroker) Listen(_ context.Context, name string, l Listener) (func(), error) {
	t, err := b.lock(name, true)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	ml := &memoryListener{l: l}
	t.listeners = append(t.listeners, ml)
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if ml.done {
			return
		}
		ml.done = true
		for i, other := range t.listeners {
			if other == ml {
				t.listeners = append(t.listeners[:i], t.listeners[i+1:]...)
				break
			}
		}
		b.settle(t)
	}, nil
}

// end ends every listener of t with err; t.mu is held.
func (t *memoryTopic) end(err error) {
	for _, l := range t.listeners {
		l.done = true
		l.l.End(err)
	}
	t.listeners = nil
}

// DropTopic implements Broker.
func (b *MemoryBroker) DropTopic(_ context.Context, name string) error {
	t, err := b.lock(name, false)
	if t == nil || err != nil {
		return err
	}
	defer t.mu.Unlock()
	t.end(nil)
	b.forget(t)
	return nil
}

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	// Take the map away: no one else touches it once closed is set.
	topics := b.topics
	b.topics, b.unused = nil, nil
	if b.sweeper != nil {
		b.sweeper.Stop()
	}
	b.mu.Unlock()
	for _, t := range topics {
		t.mu.Lock()
		t.closed = true
		t.end(ErrClosed)
		t.mu.Unlock()
	}
	return nil
}

// settle decides a topic's lifetime after a change, t.mu held: a topic
// with listeners stays; one with neither listeners nor history is
// forgotten at once; one with history only is queued to be forgotten once
// it has been unused for its idle time.
func (b *MemoryBroker) settle(t *memoryTopic) {
	switch {
	case len(t.listeners) > 0 || t.forgotten:
	case len(t.ring) == 0:
		b.forget(t)
	case t.keep.Idle > 0:
		t.lastUsed = time.Now()
		b.queueUnused(t)
	}
}

// unusedTopic is a topic in the unused queue, and when it may expire.
type unusedTopic struct {
	t  *memoryTopic
	at time.Time
}

// queueUnused puts t in the unused queue unless it is there already, and
// arms the sweeper. t.mu is held.
func (b *MemoryBroker) queueUnused(t *memoryTopic) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.unusedPos > 0 || b.closed {
		return
	}
	expires := t.lastUsed.Add(t.keep.Idle)
	heap.Push(&b.unused, unusedTopic{t, expires})
	// Topics' idle times differ (Hubs sharing the broker), so a new
	// topic may expire before the one the sweeper is armed for. A
	// running sweep (armedFor past) arms it for the earliest when done.
	if b.sweeping && !expires.Before(b.armedFor) {
		return
	}
	b.sweeping, b.armedFor = true, expires
	if b.sweeper == nil {
		b.sweeper = time.AfterFunc(time.Until(expires), b.sweep)
	} else {
		b.sweeper.Reset(time.Until(expires))
	}
}

// unusedQueue is a min-heap of unused topics by expiry.
type unusedQueue []unusedTopic

func (q unusedQueue) Len() int           { return len(q) }
func (q unusedQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q unusedQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].t.unusedPos, q[j].t.unusedPos = i+1, j+1
}
func (q *unusedQueue) Push(x any) {
	u := x.(unusedTopic)
	u.t.unusedPos = len(*q) + 1
	*q = append(*q, u)
}
func (q *unusedQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	x.t.unusedPos = 0
	old[len(old)-1] = unusedTopic{}
	*q = old[:len(old)-1]
	return x
}

// sweep forgets the queued topics whose idle time has passed, earliest
// first, and arms the sweeper for the next. A topic that was used since it
// was queued is queued again, so it expires between one and two idle
// times after its last use.
func (b *MemoryBroker) sweep() {
	now := time.Now()
	for {
		b.mu.Lock()
		if b.closed || len(b.unused) == 0 {
			b.unused, b.sweeping = nil, false
			b.mu.Unlock()
			return
		}
		next := b.unused[0]
		if wait := next.at.Sub(now); wait > 0 {
			b.sweeper.Reset(wait)
			b.armedFor = next.at
			b.mu.Unlock()
			return
		}
		heap.Pop(&b.unused)
		b.mu.Unlock()

		t := next.t
		t.mu.Lock()
		switch {
		case t.forgotten || t.closed || len(t.listeners) > 0:
			// Gone, or in use: the last listener to stop queues it.
		case t.keep.Idle <= 0:
			// Appended to since with a Retention that keeps it for good.
		case now.Sub(t.lastUsed) < t.keep.Idle:
			b.queueUnused(t) // appended to since
		default:
			b.forget(t)
		}
		t.mu.Unlock()
	}
}

// forget removes t from the broker and releases its history; t.mu is held
// and t has no listener.
func (b *MemoryBroker) forget(t *memoryTopic) {
	if t.forgotten {
		return
	}
	t.forgotten = true
	t.ring, t.head = nil, 0
	b.mu.Lock()
	defer b.mu.Unlock()
	if i := t.unusedPos - 1; i >= 0 && i < len(b.unused) && b.unused[i].t == t {
		// (Close drops the queue whole.) Out of the unused queue now, not when it would have expired:
		// per-resource topics dropped by the thousand hold nothing.
		heap.Remove(&b.unused, i)
	}
	if b.topics[t.name] != t {
		return
	}
	delete(b.topics, t.name)
	if b.peak >= 64 && len(b.topics) < b.peak/4 {
		// Many topics came and went (per-resource topics): give back
		// the map's memory, at a cost shared by the deletes since peak.
		// (maps.Clone would keep the old size.)
		smaller := make(map[string]*memoryTopic, len(b.topics))
		maps.Copy(smaller, b.topics)
		b.topics, b.peak = smaller, len(smaller)
	}
}
