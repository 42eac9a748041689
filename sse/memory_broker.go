package sse

import (
	"context"
	"fmt"
	"strconv"
	"sync"
)

// MemoryBroker is the in-memory Broker: per topic, a bounded history and a
// set of subscribers, each with a bounded buffer. Publish never waits for a
// subscriber: one whose buffer is full is closed (its stream ends, and its
// client reconnects with Last-Event-ID and catches up from history).
//
// IDs it assigns are the topic's sequence numbers, "1", "2", ...; a
// Last-Event-ID that names no retained message but is a number n replays
// the retained messages after n, so a client away for longer than the
// history still gets everything retained.
type MemoryBroker struct {
	history int
	buffer  int

	mu     sync.Mutex
	topics map[string]*topic
	closed bool
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns a broker that keeps history messages per topic and
// lets each subscriber fall behind by at most buffer messages.
func NewMemoryBroker(history, buffer int) *MemoryBroker {
	return &MemoryBroker{history: max(history, 0), buffer: max(buffer, 1), topics: map[string]*topic{}}
}

// topic is one topic's history and subscribers. Its lock makes publish and
// subscribe atomic with respect to each other: a subscriber gets either a
// message in its replay or live, never both, never neither.
type topic struct {
	mu   sync.Mutex
	seq  uint64
	ring []entry // history, oldest first from head
	head int
	size int
	subs []*subscriber
	// closed is set by Close under mu: a Publish or Subscribe that found
	// the topic before Close and locks it after must fail too.
	closed bool
}

type entry struct {
	seq uint64
	msg Message
}

type subscriber struct {
	ch    chan Message
	index int         // position in topic.subs, for O(1) removal
	stop  func() bool // releases the context.AfterFunc
	done  bool
}

func (b *MemoryBroker) topic(name string) (*topic, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	t := b.topics[name]
	if t == nil {
		t = &topic{ring: make([]entry, b.history)}
		b.topics[name] = t
	}
	return t, nil
}

// Publish implements Broker. The message is encoded once here, for every
// subscriber.
func (b *MemoryBroker) Publish(name string, m Message) (Message, error) {
	t, err := b.topic(name)
	if err != nil {
		return m, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return m, ErrClosed
	}
	t.seq++
	if m.ID == "" {
		m.ID = strconv.FormatUint(t.seq, 10)
	}
	m.wire = nil
	wire, err := AppendMessage(nil, m)
	if err != nil {
		t.seq--
		return m, fmt.Errorf("sse: publish to %q: %w", name, err)
	}
	m.wire = &encoded{from: m, bytes: wire}
	if len(t.ring) > 0 {
		t.ring[(t.head+t.size)%len(t.ring)] = entry{seq: t.seq, msg: m}
		if t.size < len(t.ring) {
			t.size++
		} else {
			t.head = (t.head + 1) % len(t.ring)
		}
	}
	// Backwards, so that dropping a subscriber (a swap with the last)
	// never skips one.
	for i := len(t.subs) - 1; i >= 0; i-- {
		s := t.subs[i]
		select {
		case s.ch <- m:
		default:
			t.drop(s)
		}
	}
	return m, nil
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(ctx context.Context, name, lastEventID string) (<-chan Message, error) {
	t, err := b.topic(name)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	replay := t.after(lastEventID)
	s := &subscriber{ch: make(chan Message, len(replay)+b.buffer)}
	for _, e := range replay {
		s.ch <- e.msg
	}
	s.index = len(t.subs)
	t.subs = append(t.subs, s)
	s.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.drop(s)
	})
	return s.ch, nil
}

// after returns the retained entries newer than lastEventID.
func (t *topic) after(lastEventID string) []entry {
	if lastEventID == "" || t.size == 0 {
		return nil
	}
	from := -1
	for i := t.size - 1; i >= 0; i-- {
		if t.at(i).msg.ID == lastEventID {
			from = i + 1
			break
		}
	}
	if from < 0 {
		n, err := strconv.ParseUint(lastEventID, 10, 64)
		if err != nil {
			return nil
		}
		from = t.size
		for i := 0; i < t.size; i++ {
			if t.at(i).seq > n {
				from = i
				break
			}
		}
	}
	out := make([]entry, 0, t.size-from)
	for i := from; i < t.size; i++ {
		out = append(out, t.at(i))
	}
	return out
}

func (t *topic) at(i int) entry { return t.ring[(t.head+i)%len(t.ring)] }

// drop closes a subscriber and removes it; t.mu is held.
func (t *topic) drop(s *subscriber) {
	if s.done {
		return
	}
	s.done = true
	if s.stop != nil {
		s.stop()
	}
	last := len(t.subs) - 1
	t.subs[s.index] = t.subs[last]
	t.subs[s.index].index = s.index
	t.subs[last] = nil
	t.subs = t.subs[:last]
	close(s.ch)
}

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	topics := b.topics
	b.mu.Unlock()
	for _, t := range topics {
		t.mu.Lock()
		t.closed = true
		for len(t.subs) > 0 {
			t.drop(t.subs[len(t.subs)-1])
		}
		t.mu.Unlock()
	}
	return nil
}
