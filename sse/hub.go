package sse

import (
	"context"
	"fmt"
	"time"
)

// Hub fans messages out to subscribers by topic, with history for replay.
// It is an ordinary provider: list NewHub in a module's Providers and
// inject *sse.Hub into services (which Publish) and controllers (which
// Subscribe and return the channel).
//
//	func (c *TodoController) Events(ctx echo.Context) (<-chan sse.Message, error) {
//		return c.Hub.Subscribe(ctx.Request().Context(), "todos", sse.LastEventID(ctx))
//	}
type Hub struct {
	broker Broker
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

// History sets how many messages each topic keeps for replay (default 1000).
func History(n int) HubOption {
	return hubOption{fmt.Sprintf("History(%d)", n), func(c *hubConfig) { c.history = n }}
}

// Buffer sets how many messages a subscriber may fall behind before it is
// dropped (default 16).
func Buffer(n int) HubOption {
	return hubOption{fmt.Sprintf("Buffer(%d)", n), func(c *hubConfig) { c.buffer = n }}
}

// TopicIdle sets how long a topic that has no subscriber and no publish
// keeps its history (default 10 minutes; 0 or less keeps it for good).
// Then the topic is forgotten, history and all, so that per-resource
// topics ("todo/42") do not pile up. It bounds how long a client may be
// away and still replay what it missed: one that reconnects later, to a
// topic forgotten meanwhile, starts from the topic's new life, and does
// not get what was published after it left and before the topic went
// idle. Set it above the longest reconnect you want to replay.
func TopicIdle(d time.Duration) HubOption {
	return hubOption{fmt.Sprintf("TopicIdle(%v)", d), func(c *hubConfig) { c.topicIdle = d }}
}

// WithBroker makes the Hub deliver through b instead of the in-memory
// broker; History, Buffer and TopicIdle are then b's business.
func WithBroker(b Broker) HubOption {
	return hubOption{"WithBroker", func(c *hubConfig) { c.broker = b }}
}

// NewHub returns a Hub. With no options it keeps 1000 messages per topic,
// lets a subscriber fall 16 messages behind, and forgets a topic after 10
// minutes with no subscriber and no publish.
func NewHub(options ...HubOption) *Hub {
	cfg := hubConfig{history: 1000, buffer: 16, topicIdle: 10 * time.Minute}
	for _, o := range options {
		o.apply(&cfg)
	}
	if cfg.broker == nil {
		cfg.broker = NewMemoryBroker(cfg.history, cfg.buffer, cfg.topicIdle)
	}
	return &Hub{broker: cfg.broker}
}

// Publish sends m to every subscriber of topic and keeps it for replay.
// An empty ID is assigned the topic's next one. A comment (see Comment)
// goes to the live subscribers only, with no ID, and is not kept. A message that cannot be
// written (see Message.Validate) is rejected here, so no subscriber sees
// it; the in-memory broker encodes it once for all subscribers.
func (h *Hub) Publish(topic string, m Message) (Message, error) {
	if err := m.validateFields(); err != nil {
		return m, fmt.Errorf("sse: publish to %q: %w", topic, err)
	}
	return h.broker.Publish(topic, m)
}

// Subscribe returns the messages of topic newer than lastEventID (usually
// LastEventID(c)), then live ones, until ctx ends, the subscriber falls
// behind, or the Hub closes; the channel is then closed. A lastEventID
// that names no retained message, such as one from before the process
// restarted, replays all the history (see MemoryBroker).
func (h *Hub) Subscribe(ctx context.Context, topic, lastEventID string) (<-chan Message, error) {
	return h.broker.Subscribe(ctx, topic, lastEventID)
}

// DropTopic ends every subscription to topic, whose streams end cleanly,
// and forgets its history: call it when the resource a topic follows is
// deleted. A live subscriber gets what was published before the drop; one
// still replaying history may not get the rest of it. A client that
// reconnects is then answered by the route (a 404 for a deleted
// resource), not by the Hub.
func (h *Hub) DropTopic(topic string) error { return h.broker.DropTopic(topic) }

// Close ends every subscription. A godanet app does not close its Hub on
// shutdown (it ends its own streams): a Hub may outlive an app, and be
// shared by two.
func (h *Hub) Close() error { return h.broker.Close() }
