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
	// skip holds the ids the subscriber has had (its Last-Event-ID and
	// the newest it was replayed) until a message it has not had comes.
	// A broker's feed that lags its store may pass those after the
	// replay; they come first, in the feed's order, and are left out.
	skip []string
}

// maxSkip bounds skip: how far a lagging feed may be behind the replay
// before a repeat gets through (a duplicate, never a gap).
const maxSkip = 64

// skips reports whether m is one the subscriber has had, and forgets the
// ids it has had once m is not; t.mu is held, or s is not yet live.
func (s *subscriber) skips(m *Message) bool {
	if len(s.skip) == 0 || m.ID == "" { // comments are never repeats
		return false
	}
	for _, id := range s.skip {
		if id == m.ID {
			return true
		}
	}
	s.skip = nil
	return false
}

// had records that the subscriber has had the message with that id.
func (s *subscriber) had(id string) {
	if len(s.skip) == maxSkip {
		copy(s.skip, s.skip[1:])
		s.skip = s.skip[:maxSkip-1]
	}
	s.skip = append(s.skip, id)
}

// join adds a subscriber that will get the messages after lastEventID;
// nil when the topic has ended. One with a lastEventID catches up from
// history, whose first page join reads itself, so that a broker that
// fails fails the Subscribe (a 503 before the stream), not the stream.
func (t *hubTopic) join(ctx context.Context, lastEventID string) (<-chan Message, error) {
	t.mu.Lock()
	if t.ended {
		t.mu.Unlock()
		return nil, nil
	}
	s := &subscriber{ctx: ctx, ch: make(chan Message, t.hub.buffer), index: len(t.subs)}
	t.subs = append(t.subs, s)
	if lastEventID != "" {
		// From now, what arrives is kept in pending.
		s.catchingUp, s.wake = true, make(chan struct{})
	}
	s.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		removed := t.remove(s)
		t.mu.Unlock()
		if removed {
			t.hub.release(t, 1)
		}
	})
	t.mu.Unlock()
	if lastEventID == "" {
		return s.ch, nil
	}
	frames, found, err := t.hub.broker.Read(ctx, t.name, lastEventID, t.page())
	if err != nil {
		t.mu.Lock()
		removed := t.remove(s)
		t.mu.Unlock()
		if removed {
			t.hub.release(t, 1)
		}
		return nil, err
	}
	if found {
		// A message it had; an id the broker cannot place may be one it
		// will assign later (a client's made-up id), never skipped.
		s.had(lastEventID)
	}
	go t.catchUp(s, lastEventID, frames)
	return s.ch, nil
}

// page is how many frames a catch-up reads at a time.
func (t *hubTopic) page() int { return max(t.hub.buffer, 64) }

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
			if s.skips(&m) {
				continue
			}
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

// catchUp sends a subscriber the history after lastEventID, page by page
// from the first (which join read), then what arrived meanwhile, skipping
// what the history held too, and then turns it live. The merge needs no
// order on ids: the live messages kept since the subscriber joined run on
// without a gap, and the broker's Read returns nothing this process's
// listener has yet to pass, so the last one sent from history, if it is
// among them, marks where the rest begins; if it is not, all of them are
// newer. Should a feed lag anyway, skip leaves out the repeats.
func (t *hubTopic) catchUp(s *subscriber, lastEventID string, frames []Frame) {
	page := t.page()
	last := lastEventID
	for {
		for _, f := range frames {
			if !t.send(s, frameMessage(f)) {
				return
			}
			last = f.ID
			s.had(f.ID)
		}
		if len(frames) < page {
			break
		}
		var found bool
		var err error
		frames, found, err = t.hub.broker.Read(s.ctx, t.name, last, page)
		switch {
		case err != nil:
			// The stream ends; its client reconnects and tries again.
			t.end(s, false)
			return
		case !found:
			// The history moved past it between two pages.
			t.end(s, true)
			return
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
		for len(s.pending) > 0 && s.skips(&s.pending[0]) {
			s.pending[0] = Message{}
			s.pending = s.pending[1:]
		}
		if len(s.pending) == 0 {
			// Caught up, under the lock Frame takes; skip goes on
			// until a message it has not had comes.
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
