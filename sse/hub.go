package sse

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Hub fans messages out to subscribers by topic, with history for replay.
// It is an ordinary provider: list NewHub in a module's Providers and
// inject *sse.Hub into services (which Publish) and controllers (which
// Subscribe and return the channel).
//
//	func (c *TodoController) Events(ctx echo.Context) (<-chan sse.Message, error) {
//		return c.Hub.Subscribe(ctx.Request().Context(), "todos", sse.LastEventID(ctx.Request()))
//	}
//
// The Hub validates and encodes each message once, and passes the frame to
// its Broker, which assigns the id, keeps the history and carries the frame
// to every process sharing it; each process's Hub then fans it out to its
// own subscribers, with one broker listener per topic whatever their
// number. The default broker is in memory, for one process; with a shared
// one (package redisbroker) every instance of an app sees every topic as
// one: the same messages, in the same order, with the same ids.
type Hub struct {
	broker Broker
	keep   Retention
	buffer int

	// mu guards topics and closed. It is never held while calling the
	// broker, nor while holding a topic's mu.
	mu     sync.Mutex
	topics map[string]*hubTopic
	closed bool
}

// HubOption configures NewHub.
type HubOption interface {
	apply(*hubConfig)
	String() string
}

type hubConfig struct {
	history   int
	buffer    int
	topicIdle time.Duration
	broker    Broker
}

type hubOption struct {
	name string
	fn   func(*hubConfig)
}

func (o hubOption) apply(c *hubConfig) { o.fn(c) }
func (o hubOption) String() string     { return o.name }

// History sets how many messages each topic keeps for replay (default
// 1000), whichever broker keeps them.
func History(n int) HubOption {
	return hubOption{fmt.Sprintf("History(%d)", n), func(c *hubConfig) { c.history = n }}
}

// Buffer sets how many messages a subscriber may fall behind before it is
// dropped (default 16).
func Buffer(n int) HubOption {
	return hubOption{fmt.Sprintf("Buffer(%d)", n), func(c *hubConfig) { c.buffer = n }}
}

// TopicIdle sets how long a topic keeps its history after its last
// publish (default 10 minutes; 0 or less keeps it for good): the in-memory
// broker keeps it for that long after the last publish and the last
// subscriber, the Redis broker lets its keys expire that long after the
// last publish. Then the topic is forgotten, history and all, so that
// per-resource topics ("todo/42") do not pile up. It bounds how long a client may be away and still replay
// what it missed: one that reconnects later, to a topic forgotten
// meanwhile, starts from the topic's new life, and does not get what was
// published after it left and before the topic went idle. Set it above
// the longest reconnect you want to replay.
func TopicIdle(d time.Duration) HubOption {
	return hubOption{fmt.Sprintf("TopicIdle(%v)", d), func(c *hubConfig) { c.topicIdle = d }}
}

// WithBroker makes the Hub deliver through b instead of an in-memory
// broker of its own, for instance one that several processes share
// (package redisbroker). History, Buffer and TopicIdle mean the same.
func WithBroker(b Broker) HubOption {
	return hubOption{"WithBroker", func(c *hubConfig) { c.broker = b }}
}

// NewHub returns a Hub. With no options it keeps 1000 messages per topic,
// lets a subscriber fall 16 messages behind, and forgets a topic 10
// minutes after its last publish (see TopicIdle).
func NewHub(options ...HubOption) *Hub {
	cfg := hubConfig{history: 1000, buffer: 16, topicIdle: 10 * time.Minute}
	for _, o := range options {
		o.apply(&cfg)
	}
	if cfg.broker == nil {
		cfg.broker = NewMemoryBroker()
	}
	return &Hub{
		broker: cfg.broker,
		keep:   Retention{Frames: max(cfg.history, 0), Idle: cfg.topicIdle},
		buffer: max(cfg.buffer, 1),
		topics: map[string]*hubTopic{},
	}
}

// ErrIDAssigned is wrapped by the error of Hub.Publish for a message that
// brings its own ID: the Hub's broker assigns ids, so that they are valid
// on every instance and replay can place them.
var ErrIDAssigned = errors.New("sse: the Hub assigns message ids")

// Publish sends m to every subscriber of topic, in every process sharing
// the Hub's broker, keeps it for replay, and returns the id it was given.
// The Hub assigns ids, so m.ID must be empty. A message that cannot be
// written (see Message.Validate) is rejected here, so no subscriber sees
// it; it is encoded once for all subscribers. ctx bounds the broker's
// work: with a shared broker, Publish fails, wrapping ErrUnavailable, when
// the store cannot be reached in time.
//
// A comment (see Comment) goes to the live subscribers in this process
// only, at once, with no id, and is not kept; with a shared broker it may
// overtake a message published just before it, which travels through the
// store.
func (h *Hub) Publish(ctx context.Context, topic string, m Message) (string, error) {
	if m.ID != "" {
		return "", fmt.Errorf("sse: publish to %q: %w; leave Message.ID empty (it was %q)", topic, ErrIDAssigned, m.ID)
	}
	if err := m.validateFields(); err != nil {
		return "", fmt.Errorf("sse: publish to %q: %w", topic, err)
	}
	body, err := AppendMessage(make([]byte, 0, m.sizeHint()), m)
	if err != nil {
		return "", fmt.Errorf("sse: publish to %q: %w", topic, err)
	}
	if m.isComment() {
		h.mu.Lock()
		t, closed := h.topics[topic], h.closed
		h.mu.Unlock()
		if closed {
			return "", ErrClosed
		}
		if t != nil {
			t.Frame(Frame{Body: body})
		}
		return "", nil
	}
	id, err := h.broker.Append(ctx, topic, body, h.keep)
	if err != nil {
		return "", fmt.Errorf("sse: publish to %q: %w", topic, err)
	}
	return id, nil
}

// Subscribe returns the messages of topic newer than lastEventID (usually
// LastEventID(r)), then live ones, with no gap and no duplicate between the
// two, until ctx ends, the subscriber falls behind, the topic is dropped or
// the Hub closes; the channel is then closed. A lastEventID that names no
// retained message, such as one from before a restart or one older than
// the history, replays everything retained: a duplicate is better than a
// gap. An empty one replays nothing. The first page of a replay is read
// before Subscribe returns, so a broker that cannot reach its store fails
// the Subscribe (with ErrUnavailable: a 503 before the stream) rather
// than the stream.
//
// A subscriber receives each message as its clients will: Data is the
// text of its data lines (a string), whatever type was published.
//
// A subscriber that falls Buffer messages behind is dropped, so that it
// never slows the publisher or the others: its channel is closed and, under
// StreamContext, its stream's context is cancelled with ErrSlowSubscriber,
// so that a write blocked on a stalled client is cut at once. Its client
// reconnects with its Last-Event-ID and catches up from history. So is a
// subscriber still replaying history when the live messages it has yet to
// take exceed History plus Buffer.
func (h *Hub) Subscribe(ctx context.Context, topic, lastEventID string) (<-chan Message, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("sse: subscribe to %q: %w", topic, context.Cause(ctx))
	}
	for {
		t, err := h.acquire(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("sse: subscribe to %q: %w", topic, err)
		}
		if ctx.Err() != nil {
			// It left while the topic was set up.
			h.release(t, 1)
			return nil, fmt.Errorf("sse: subscribe to %q: %w", topic, context.Cause(ctx))
		}
		ch, err := t.join(ctx, lastEventID)
		if err != nil {
			return nil, fmt.Errorf("sse: subscribe to %q: %w", topic, err)
		}
		if ch != nil {
			return ch, nil
		}
		// The topic ended between acquire and join: take a new one.
		h.release(t, 1)
	}
}

// DropTopic ends every subscription to topic, in every process sharing the
// broker, whose streams end cleanly, and forgets its history: call it when
// the resource a topic follows is deleted. A live subscriber gets what was
// published before the drop; one still replaying history may not get the
// rest of it. A client that reconnects is then answered by the route (a 404
// for a deleted resource), not by the Hub.
func (h *Hub) DropTopic(ctx context.Context, topic string) error {
	if err := h.broker.DropTopic(ctx, topic); err != nil {
		return fmt.Errorf("sse: drop topic %q: %w", topic, err)
	}
	return nil
}

// Close ends every subscription and closes the broker. A godanet app does
// not close its Hub on shutdown (it ends its own streams): a Hub may
// outlive an app, and be shared by two.
func (h *Hub) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	return h.broker.Close()
}

// acquire returns the topic of that name with a reference taken for the
// caller, listening to the broker: the first caller for a topic makes it
// and calls Listen, the others wait for that.
func (h *Hub) acquire(ctx context.Context, name string) (*hubTopic, error) {
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return nil, ErrClosed
		}
		t := h.topics[name]
		if t != nil && t.stopping {
			// Its last subscriber left and it stops listening; wait,
			// so that the Hub has one listener per topic.
			h.mu.Unlock()
			select {
			case <-t.stopped:
				continue
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
		}
		first := t == nil
		if first {
			t = &hubTopic{hub: h, name: name, ready: make(chan struct{}), stopped: make(chan struct{})}
			h.topics[name] = t
		}
		t.refs++
		h.mu.Unlock()

		if first {
			// The listener serves every subscriber of the topic, not
			// only this one, so it does not end when this one leaves.
			t.stop, t.listenErr = h.broker.Listen(context.WithoutCancel(ctx), name, t)
			if t.listenErr != nil {
				// No one joins a topic that failed to listen: the next
				// Subscribe makes a new one.
				h.mu.Lock()
				if h.topics[name] == t {
					delete(h.topics, name)
				}
				h.mu.Unlock()
			}
			close(t.ready)
		} else {
			select {
			case <-t.ready:
			case <-ctx.Done():
				h.release(t, 1)
				return nil, context.Cause(ctx)
			}
		}
		if err := t.listenErr; err != nil {
			h.release(t, 1)
			return nil, err
		}
		return t, nil
	}
}

// release gives back n references to t; when the last one goes, t stops
// listening and leaves the Hub.
func (h *Hub) release(t *hubTopic, n int) {
	if h.unref(t, n) {
		h.retire(t)
	}
}

// unref gives back n references to t and reports whether they were the
// last: then the caller must retire t. A Listener method, in which the
// broker may hold its locks, retires it in a goroutine of its own.
func (h *Hub) unref(t *hubTopic, n int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	t.refs -= n
	if t.refs > 0 || t.stopping {
		return false
	}
	t.stopping = true
	return true
}

// retire stops t's listener and removes t from the Hub.
func (h *Hub) retire(t *hubTopic) {
	if t.stop != nil {
		t.stop()
	}
	h.mu.Lock()
	if h.topics[t.name] == t {
		delete(h.topics, t.name)
	}
	h.mu.Unlock()
	close(t.stopped)
}
