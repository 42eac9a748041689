package sse

import (
	"context"
	"fmt"
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
	history int
	buffer  int
	broker  Broker
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

// WithBroker makes the Hub deliver through b instead of the in-memory
// broker; History and Buffer are then b's business.
func WithBroker(b Broker) HubOption {
	return hubOption{"WithBroker", func(c *hubConfig) { c.broker = b }}
}

// NewHub returns a Hub. With no options it keeps 1000 messages per topic
// and lets a subscriber fall 16 messages behind.
func NewHub(options ...HubOption) *Hub {
	cfg := hubConfig{history: 1000, buffer: 16}
	for _, o := range options {
		o.apply(&cfg)
	}
	if cfg.broker == nil {
		cfg.broker = NewMemoryBroker(cfg.history, cfg.buffer)
	}
	return &Hub{broker: cfg.broker}
}

// Publish sends m to every subscriber of topic and keeps it for replay.
// An empty ID is assigned the topic's next one. A message that cannot be
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

// Close ends every subscription. A godanet app does not close its Hub on
// shutdown (it ends its own streams): a Hub may outlive an app, and be
// shared by two.
func (h *Hub) Close() error { return h.broker.Close() }
