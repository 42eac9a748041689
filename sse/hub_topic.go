package sse

import (
	"context"
	"sync"
)

// hubTopic is one topic in one Hub: the broker's listener for it, and the
// subscribers it fans frames out to.
type hubTopic struct {
	hub  *Hub
	name string

	// Guarded by hub.mu: refs counts the subscribers and the Subscribe
	// calls under way; stopping is set when the last one leaves, and
	// stopped is closed once the listener is stopped.
	refs     int
	stopping bool
	stopped  chan struct{}

	// Set by the first Subscribe before ready is closed.
	ready     chan struct{}
	stop      func()
	listenErr error

	// mu guards what follows. The broker may call Frame and End with its
	// own locks held, so nothing here calls the broker under mu.
	mu    sync.Mutex
	subs  []*subscriber
	ended bool // End was called: no one joins any more
}

var _ Listener = (*hubTopic)(nil)

// subscriber is one Subscribe's channel and where it is.
type subscriber struct {
	ctx   context.Context
	ch    chan Message
	index int         // position in hubTopic.subs, for O(1) removal
	stop  func() bool // releases the context.AfterFunc
	done  bool
	// While catchingUp, Frame keeps new messages in pending instead of
	// sending them: the subscriber's catch-up goroutine alone sends on
	// ch, history first, and closes ch when the subscriber is removed
	// (remove closes wake to tell it). Once caught up it turns live.
	catchingUp bool
	pending    []Message
	wake       chan struct{}
}

// join adds a subscriber that will get the messages after lastEventID;
// nil when the topic has ended.
func (t *hubTopic) join(ctx context.Context, lastEventID string) <-chan Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return nil
	}
	s := &subscriber{ctx: ctx, ch: make(chan Message, t.hub.buffer), index: len(t.subs)}
	t.subs = append(t.subs, s)
	if lastEventID != "" {
		s.catchingUp, s.wake = true, make(chan struct{})
		go t.catchUp(s, lastEventID)
	}
	s.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		removed := t.remove(s)
		t.mu.Unlock()
		if removed {
			t.hub.release(t, 1)
		}
	})
	return s.ch
}

// Frame implements Listener: it sends the message to every live
// subscriber, never waiting for one, and keeps it for those catching up.
// One that has no room is dropped.
func (t *hubTopic) Frame(f Frame) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.subs) == 0 || t.ended {
		return
	}
	m := frameMessage(f)
	// A subscriber catching up may hold what arrives meanwhile: the rest
	// of the history can hardly be more.
	limit := t.hub.keep.Frames + t.hub.buffer
	dropped := 0
	// Backwards, so that dropping a subscriber (a swap with the last)
	// never skips one.
	for i := len(t.subs) - 1; i >= 0; i-- {
		s := t.subs[i]
		if s.catchingUp {
			if len(s.pending) < limit {
				s.pending = append(s.pending, m)
				continue
			}
		} else {
			select {
			case s.ch <- m:
				continue
			default:
			}
		}
		t.dropSlow(s)
		dropped++
	}
	if dropped > 0 && t.hub.unref(t, dropped) {
		go t.hub.retire(t)
	}
}

// End implements Listener: the topic's subscriptions end (their channels
// are closed), and the topic leaves the Hub, so that the next Subscribe
// listens afresh.
func (t *hubTopic) End(error) {
	t.mu.Lock()
	t.ended = true
	n := len(t.subs)
	for len(t.subs) > 0 {
		t.remove(t.subs[len(t.subs)-1])
	}
	t.mu.Unlock()
	h := t.hub
	h.mu.Lock()
	if h.topics[t.name] == t {
		delete(h.topics, t.name)
	}
	h.mu.Unlock()
	if h.unref(t, n) {
		go h.retire(t)
	}
}

// catchUp sends a subscriber the history after lastEventID, page by page,
// then what arrived meanwhile, skipping what the history held too, and
// then turns it live. The merge needs no order on ids: the live messages
// kept since the subscriber joined run on without a gap, so the last one
// sent from history, if it is among them, marks where the rest begins;
// if it is not, all of them are newer.
func (t *hubTopic) catchUp(s *subscriber, lastEventID string) {
	page := max(t.hub.buffer, 64)
	last := lastEventID
	for first := true; ; first = false {
		frames, found, err := t.hub.broker.Read(s.ctx, t.name, last, page)
		switch {
		case err != nil:
			// The stream ends; its client reconnects and tries again.
			t.end(s, false)
			return
		case !first && !found:
			// The history moved past it between two pages.
			t.end(s, true)
			return
		}
		for _, f := range frames {
			if !t.send(s, frameMessage(f)) {
				return
			}
			last = f.ID
		}
		if len(frames) < page {
			break
		}
	}
	for trimmed := false; ; trimmed = true {
		t.mu.Lock()
		if s.done {
			t.mu.Unlock()
			close(s.ch)
			return
		}
		if !trimmed {
			for i, m := range s.pending {
				if m.ID == last {
					clear(s.pending[:i+1])
					s.pending = s.pending[i+1:]
					break
				}
			}
		}
		if len(s.pending) == 0 {
			// Caught up, under the lock Frame takes.
			s.catchingUp, s.pending = false, nil
			t.mu.Unlock()
			return
		}
		m := s.pending[0]
		s.pending[0] = Message{}
		s.pending = s.pending[1:]
		t.mu.Unlock()
		if !t.send(s, m) {
			return
		}
	}
}

// send sends m to a subscriber catching up, waiting for room; when the
// subscriber is removed meanwhile it closes the channel and reports false.
func (t *hubTopic) send(s *subscriber, m Message) bool {
	// A removed subscriber gets nothing more, even when its channel has
	// room (select would pick at random).
	select {
	case <-s.wake:
		close(s.ch)
		return false
	default:
	}
	select {
	case s.ch <- m:
		return true
	case <-s.wake:
		close(s.ch)
		return false
	}
}

// end removes a subscriber catching up from its own goroutine, which then
// closes its channel; slow says it fell too far behind.
func (t *hubTopic) end(s *subscriber, slow bool) {
	t.mu.Lock()
	var removed bool
	if slow {
		removed = t.dropSlow(s)
	} else {
		removed = t.remove(s)
	}
	t.mu.Unlock()
	close(s.ch)
	if removed {
		t.hub.release(t, 1)
	}
}

// remove takes a subscriber out and closes it, and reports whether it was
// still in; t.mu is held. The channel of one catching up is closed by its
// goroutine, told through wake.
func (t *hubTopic) remove(s *subscriber) bool {
	if s.done {
		return false
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
		s.pending = nil
		close(s.wake)
	} else {
		close(s.ch)
	}
	return true
}

// dropSlow removes a subscriber that fell too far behind, and cancels its
// stream (see StreamContext) so that a write blocked on its stalled client
// is cut now rather than at the write deadline.
func (t *hubTopic) dropSlow(s *subscriber) bool {
	removed := t.remove(s)
	cancelStream(s.ctx, ErrSlowSubscriber)
	return removed
}
