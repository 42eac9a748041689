package sse

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemoryBroker is the in-memory Broker: per topic, a bounded history and a
// set of subscribers, each with a bounded buffer. Publish never waits for a
// subscriber: one whose buffer is full is dropped, its channel closed and
// its StreamContext cancelled, so that its connection is cut at once (its
// client reconnects with Last-Event-ID and catches up from history).
//
// # Event IDs
//
// The IDs it assigns are "<epoch>-<seq>": seq counts the topic's messages
// from 1, and epoch is a random word drawn when the topic is created, so it
// differs between two processes, and between two lives of a topic in one
// process (a topic is forgotten once it has no subscriber and no history,
// or has been idle for the topic idle time). Within a topic's life IDs
// increase by seq.
//
// Subscribe replays the retained messages after the one whose ID equals
// lastEventID. When no retained message has that ID, it replays everything
// retained: the ID is then older than the history (the client was away
// too long), from another life of the topic (the process restarted, so a
// plain counter would have matched a different message and silently
// skipped the new ones), or unknown, and in each case the client may have
// missed all of it. Only an ID that came from elsewhere can make a client
// see a message again; none that is retained is ever skipped. "0", which
// no message has unless a publisher chose it, asks for the whole history.
//
// A replay is read from the history as the subscriber takes it, never
// copied: a subscriber that is behind holds its place in the history and
// a small goroutine that feeds its channel until it has caught up. One
// that falls so far behind that the history no longer holds its next
// message is dropped like a live subscriber that is too slow.
//
// Comments (see Comment) reach the live subscribers and take no ID and no
// place in history.
//
// # Memory
//
// A topic's history grows with its messages up to the History bound, so a
// quiet topic costs little. A topic with no subscriber and no retained
// message is removed at once, so subscribing to many topics and leaving
// keeps nothing. A topic that retains messages is removed, history and
// all, once it has had no subscriber and no publish for the topic idle
// time (it goes between one and two idle times after its last use);
// DropTopic removes one at once.
type MemoryBroker struct {
	history int
	buffer  int
	idle    time.Duration

	// mu guards topics and closed. Lock order: a topic's mu, then the
	// broker's mu (forget takes them so); never a topic's mu while holding
	// the broker's, so the two orders cannot meet.
	mu     sync.Mutex
	topics map[string]*topic
	closed bool
	// peak is the most topics the map has held since it was made: a Go
	// map never shrinks, so forget makes a smaller one when most are gone.
	peak int
	// unused holds the topics that lost their last subscriber, or were
	// published to without one, in the order they did: since the idle
	// time is the same for all, that is the order they may expire in.
	// One timer, sweeper, fires for the oldest; a topic is in it at most
	// once (topic.queued).
	unused   []unusedTopic
	sweeper  *time.Timer
	sweeping bool // sweeper is armed or running

	// lookedUp, when set (by tests), is called between the lookup of a
	// topic and its lock: the window in which it may be forgotten.
	lookedUp func()
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns a broker that keeps history messages per topic,
// lets each subscriber fall behind by at most buffer messages, and removes
// a topic that has had no subscriber and no publish for idle (never, when
// idle is 0 or less).
func NewMemoryBroker(history, buffer int, idle time.Duration) *MemoryBroker {
	return &MemoryBroker{history: max(history, 0), buffer: max(buffer, 1), idle: idle, topics: map[string]*topic{}}
}

// topic is one topic's history and subscribers. Its lock makes publish and
// subscribe atomic with respect to each other: a subscriber gets either a
// message in its replay or live, never both, never neither.
type topic struct {
	name     string
	idPrefix string // "<epoch>-"

	mu sync.Mutex
	// seq is the number of the last message published; the history holds
	// the messages numbered seq-len(ring)+1 to seq, oldest from head.
	seq  uint64
	ring []Message // grows up to the bound
	head int
	subs []*subscriber
	// lastUsed is when the topic last had a publish or lost its last
	// subscriber. queued (guarded by the broker's mu) is set while the
	// topic is in the broker's unused queue.
	lastUsed time.Time
	queued   bool
	// closed is set by Close under mu: a Publish or Subscribe that found
	// the topic before Close and locks it after must fail too.
	closed bool
	// forgotten is set under mu when the topic leaves the broker's map: a
	// Publish or Subscribe that found it before and locks it after must
	// look the name up again, or it would use a topic nobody else sees.
	forgotten bool
}

type subscriber struct {
	ctx   context.Context
	ch    chan Message
	index int         // position in topic.subs, for O(1) removal
	stop  func() bool // releases the context.AfterFunc
	done  bool
	// While catchingUp, Publish passes the subscriber by: its replay
	// goroutine alone sends on ch, the history message numbered next
	// first, and closes ch when the subscriber is dropped (drop closes
	// wake to tell it). Once caught up it joins the live subscribers.
	catchingUp bool
	next       uint64
	wake       chan struct{}
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
			b.peak = max(b.peak, len(b.topics))
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

// settle decides a topic's lifetime after a change, t.mu held: a topic
// with subscribers stays; one with neither subscribers nor history is
// forgotten at once; one with history only is queued to be forgotten
// once it has been unused for the idle time.
func (b *MemoryBroker) settle(t *topic) {
	switch {
	case len(t.subs) > 0 || t.forgotten:
	case len(t.ring) == 0:
		b.forget(t)
	case b.idle > 0:
		t.lastUsed = time.Now()
		b.queueUnused(t)
	}
}

// unusedTopic is a topic in the unused queue, and when it was queued.
type unusedTopic struct {
	t  *topic
	at time.Time
}

// queueUnused puts t in the unused queue unless it is there already, and
// arms the sweeper. t.mu is held.
func (b *MemoryBroker) queueUnused(t *topic) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.queued || b.closed {
		return
	}
	t.queued = true
	b.unused = append(b.unused, unusedTopic{t, t.lastUsed})
	if b.sweeping {
		return
	}
	b.sweeping = true
	if b.sweeper == nil {
		b.sweeper = time.AfterFunc(b.idle, b.sweep)
	} else {
		b.sweeper.Reset(b.idle)
	}
}

// sweep forgets the queued topics that have been unused for the idle time,
// oldest first, and arms the sweeper for the next. A topic that was used
// since it was queued is queued again, so it expires between one and two
// idle times after its last use.
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
		if wait := next.at.Add(b.idle).Sub(now); wait > 0 {
			b.sweeper.Reset(wait)
			b.mu.Unlock()
			return
		}
		b.unused[0] = unusedTopic{}
		b.unused = b.unused[1:]
		next.t.queued = false
		b.mu.Unlock()

		t := next.t
		t.mu.Lock()
		switch {
		case t.forgotten || t.closed || len(t.subs) > 0:
			// Gone, or in use: the last subscriber to leave queues it.
		case now.Sub(t.lastUsed) < b.idle:
			b.queueUnused(t) // published to since
		default:
			b.forget(t)
		}
		t.mu.Unlock()
	}
}

// forget removes t from the broker and releases its history; t.mu is held
// and t has no subscriber.
func (b *MemoryBroker) forget(t *topic) {
	if t.forgotten {
		return
	}
	t.forgotten = true
	t.ring, t.head = nil, 0
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.topics[t.name] != t {
		return
	}
	delete(b.topics, t.name)
	if b.peak >= 64 && len(b.topics) < b.peak/4 {
		// Many topics came and went (per-resource topics): give back
		// the map's memory, at a cost shared by the deletes since peak.
		// (maps.Clone would keep the old size.)
		smaller := make(map[string]*topic, len(b.topics))
		maps.Copy(smaller, b.topics)
		b.topics, b.peak = smaller, len(smaller)
	}
}

// Publish implements Broker. The message is encoded once here, for every
// subscriber.
func (b *MemoryBroker) Publish(name string, m Message) (Message, error) {
	t, err := b.lock(name)
	if err != nil {
		return m, err
	}
	defer t.mu.Unlock()
	defer b.settle(t)
	comment := m.isComment()
	seq := t.seq
	if !comment {
		seq++
		if m.ID == "" {
			m.ID = t.idPrefix + strconv.FormatUint(seq, 10)
		}
	}
	m.wire = nil
	wire, err := AppendMessage(make([]byte, 0, m.sizeHint()), m)
	if err != nil {
		return m, fmt.Errorf("sse: publish to %q: %w", name, err)
	}
	m.wire = &encoded{from: m, bytes: wire}
	if !comment {
		t.seq = seq
		t.retain(m, b.history)
	}
	// Backwards, so that dropping a subscriber (a swap with the last)
	// never skips one.
	for i := len(t.subs) - 1; i >= 0; i-- {
		s := t.subs[i]
		if s.catchingUp {
			// Its replay reads this message from the history, unless
			// the history has moved past where it is: then it fell too
			// far behind, and is dropped now rather than when it next
			// takes a message, which a stalled one never does.
			if s.next < t.oldest() {
				t.dropSlow(s)
			}
			continue
		}
		select {
		case s.ch <- m:
		default:
			t.dropSlow(s)
		}
	}
	return m, nil
}

// retain adds m to the history, evicting the oldest message once there
// are limit. The ring grows as messages come, from one, so a topic that
// sees few messages holds little memory; its length never exceeds limit.
func (t *topic) retain(m Message, limit int) {
	switch {
	case limit == 0:
	case len(t.ring) < limit:
		if len(t.ring) == cap(t.ring) {
			grown := make([]Message, len(t.ring), min(max(2*len(t.ring), 1), limit))
			copy(grown, t.ring)
			t.ring = grown
		}
		t.ring = append(t.ring, m)
	default:
		t.ring[t.head] = m
		t.head = (t.head + 1) % len(t.ring)
	}
}

// oldest is the number of the oldest retained message; more than seq when
// none is retained.
func (t *topic) oldest() uint64 { return t.seq - uint64(len(t.ring)) + 1 }

// numbered returns the retained message numbered seq, which must be
// between oldest and t.seq.
func (t *topic) numbered(seq uint64) Message {
	return t.ring[(t.head+int(seq-t.oldest()))%len(t.ring)]
}

// replayFrom returns the number of the first message to replay after
// lastEventID, or 0 for none (see MemoryBroker).
func (t *topic) replayFrom(lastEventID string) uint64 {
	if lastEventID == "" || len(t.ring) == 0 {
		return 0
	}
	from := t.oldest() // for an ID no retained message has: everything
	if n, found := t.find(lastEventID); found {
		from = n + 1
	}
	if from > t.seq {
		return 0
	}
	return from
}

// find returns the number of the newest retained message with that ID.
func (t *topic) find(id string) (uint64, bool) {
	first := t.oldest()
	// An ID this life of the topic assigned says its number.
	if rest, ok := strings.CutPrefix(id, t.idPrefix); ok {
		if n, err := strconv.ParseUint(rest, 10, 64); err == nil && n >= first && n <= t.seq && t.numbered(n).ID == id {
			return n, true
		}
	}
	for n := t.seq; n >= first; n-- { // IDs the publisher chose
		if t.numbered(n).ID == id {
			return n, true
		}
	}
	return 0, false
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(ctx context.Context, name, lastEventID string) (<-chan Message, error) {
	t, err := b.lock(name)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	s := &subscriber{ctx: ctx, ch: make(chan Message, b.buffer), index: len(t.subs)}
	t.subs = append(t.subs, s)
	// What fits in the buffer is replayed now; the rest, if any, by a
	// goroutine that reads the history as the subscriber takes it.
	for s.next = t.replayFrom(lastEventID); s.next != 0 && s.next <= t.seq && len(s.ch) < cap(s.ch); s.next++ {
		s.ch <- t.numbered(s.next)
	}
	s.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.drop(s)
		b.settle(t)
	})
	if s.next != 0 && s.next <= t.seq {
		s.catchingUp, s.wake = true, make(chan struct{})
		go b.replay(t, s)
	}
	return s.ch, nil
}

// replay feeds a subscriber that is behind from the history, one message
// at a time, and makes it live once it has caught up.
func (b *MemoryBroker) replay(t *topic, s *subscriber) {
	for {
		t.mu.Lock()
		switch {
		case s.done:
			t.mu.Unlock()
			close(s.ch)
			return
		case s.next < t.oldest():
			// The history moved past it: it fell too far behind.
			t.dropSlow(s)
			t.mu.Unlock()
			close(s.ch)
			return
		case s.next > t.seq:
			// Caught up, under the lock that orders publishes.
			s.catchingUp = false
			t.mu.Unlock()
			return
		}
		m := t.numbered(s.next)
		t.mu.Unlock()
		select {
		case s.ch <- m:
			t.mu.Lock()
			s.next++
			t.mu.Unlock()
		case <-s.wake:
		}
	}
}

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
	if s.catchingUp {
		close(s.wake) // its replay goroutine closes ch
	} else {
		close(s.ch)
	}
}

// dropSlow drops a subscriber that fell too far behind, and cancels its
// stream (see StreamContext) so that a write blocked on its stalled
// client is cut now rather than at the write deadline.
func (t *topic) dropSlow(s *subscriber) {
	t.drop(s)
	cancelStream(s.ctx, ErrSlowSubscriber)
}

// DropTopic implements Broker.
func (b *MemoryBroker) DropTopic(name string) error {
	b.mu.Lock()
	t, closed := b.topics[name], b.closed
	b.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.subs) > 0 {
		t.drop(t.subs[len(t.subs)-1])
	}
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
		for len(t.subs) > 0 {
			t.drop(t.subs[len(t.subs)-1])
		}
		t.mu.Unlock()
	}
	return nil
}
