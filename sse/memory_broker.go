package sse

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
)

// MemoryBroker is the in-memory Broker: per topic, a bounded history and a
// set of subscribers, each with a bounded buffer. Publish never waits for a
// subscriber: one whose buffer is full is closed (its stream ends, and its
// client reconnects with Last-Event-ID and catches up from history).
//
// # Event IDs
//
// The IDs it assigns are "<epoch>-<seq>": seq counts the topic's messages
// from 1, and epoch is a random word drawn when the topic is created, so it
// differs between two processes, and between two lives of a topic in one
// process (a topic is forgotten once it has no subscriber and no history).
// Within a topic's life IDs increase by seq.
//
// Subscribe replays the retained messages after the one whose ID equals
// lastEventID. When no retained message has that ID, it replays everything
// retained: the ID is then older than the history (the client was away
// too long), from another life of the topic (the process restarted, so a
// plain counter would have matched a different message and silently
// skipped the new ones), or unknown, and in each case the client may have
// missed all of it. Only an ID that came from elsewhere can make a client
// see a message again; none that is retained is ever skipped. "0", which
// no message has, asks for the whole history.
//
// # Memory
//
// A topic's history grows with its messages up to the History bound, so a
// quiet topic costs little. A topic with no subscriber and no retained
// message is removed, so subscribing to many topics and leaving keeps
// nothing; a topic that retains messages stays, for replay.
type MemoryBroker struct {
	history int
	buffer  int

	// mu guards topics and closed. Lock order: a topic's mu, then the
	// broker's mu (forget takes them so); never a topic's mu while holding
	// the broker's, so the two orders cannot meet.
	mu     sync.Mutex
	topics map[string]*topic
	closed bool

	// lookedUp, when set (by tests), is called between the lookup of a
	// topic and its lock: the window in which it may be forgotten.
	lookedUp func()
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
	name     string
	idPrefix string // "<epoch>-"

	mu   sync.Mutex
	seq  uint64
	ring []entry // history, oldest first from head; grows up to the bound
	head int
	subs []*subscriber
	// closed is set by Close under mu: a Publish or Subscribe that found
	// the topic before Close and locks it after must fail too.
	closed bool
	// forgotten is set under mu when the topic leaves the broker's map: a
	// Publish or Subscribe that found it before and locks it after must
	// look the name up again, or it would use a topic nobody else sees.
	forgotten bool
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

// lock returns the live topic of that name, created if need be, locked.
func (b *MemoryBroker) lock(name string) (*topic, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, ErrClosed
		}
		t := b.topics[name]
		if t == nil {
			t = &topic{name: name, idPrefix: strconv.FormatUint(rand.Uint64(), 36) + "-"}
			b.topics[name] = t
		}
		b.mu.Unlock()
		if b.lookedUp != nil {
			b.lookedUp()
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

// forget removes t from the broker when it holds nothing to keep: no
// subscriber and no history. t.mu is held.
func (b *MemoryBroker) forget(t *topic) {
	if len(t.subs) > 0 || len(t.ring) > 0 || t.forgotten {
		return
	}
	t.forgotten = true
	b.mu.Lock()
	if b.topics[t.name] == t {
		delete(b.topics, t.name)
	}
	b.mu.Unlock()
}

// Publish implements Broker. The message is encoded once here, for every
// subscriber.
func (b *MemoryBroker) Publish(name string, m Message) (Message, error) {
	t, err := b.lock(name)
	if err != nil {
		return m, err
	}
	defer t.mu.Unlock()
	// With no history and no subscriber the topic was made for nothing.
	defer b.forget(t)
	seq := t.seq + 1
	if m.ID == "" {
		m.ID = t.idPrefix + strconv.FormatUint(seq, 10)
	}
	m.wire = nil
	wire, err := AppendMessage(make([]byte, 0, m.sizeHint()), m)
	if err != nil {
		return m, fmt.Errorf("sse: publish to %q: %w", name, err)
	}
	t.seq = seq
	m.wire = &encoded{from: m, bytes: wire}
	t.retain(entry{seq: seq, msg: m}, b.history)
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

// retain adds e to the history, evicting the oldest entry once there are
// limit. The ring grows as messages come, so a topic that sees few
// messages holds little memory; its length never exceeds limit.
func (t *topic) retain(e entry, limit int) {
	switch {
	case limit == 0:
	case len(t.ring) < limit:
		if len(t.ring) == cap(t.ring) {
			grown := make([]entry, len(t.ring), min(max(2*len(t.ring), 8), limit))
			copy(grown, t.ring)
			t.ring = grown
		}
		t.ring = append(t.ring, e)
	default:
		t.ring[t.head] = e
		t.head = (t.head + 1) % len(t.ring)
	}
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(ctx context.Context, name, lastEventID string) (<-chan Message, error) {
	t, err := b.lock(name)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
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
		b.forget(t)
	})
	return s.ch, nil
}

// after returns the retained entries newer than lastEventID: those after
// the newest retained message with that ID or, when none has it, all of
// them (see MemoryBroker).
func (t *topic) after(lastEventID string) []entry {
	if lastEventID == "" {
		return nil
	}
	from := 0
	for i := len(t.ring) - 1; i >= 0; i-- {
		if t.at(i).msg.ID == lastEventID {
			from = i + 1
			break
		}
	}
	out := make([]entry, 0, len(t.ring)-from)
	for i := from; i < len(t.ring); i++ {
		out = append(out, t.at(i))
	}
	return out
}

// at returns the i-th oldest retained entry.
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
	// Take the map away: no one else touches it once closed is set.
	topics := b.topics
	b.topics = nil
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
