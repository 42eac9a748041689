package sse

import (
	"context"
	"errors"
)

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("sse: the hub is closed")

// Broker carries a Hub's messages between publishers and subscribers. The
// Hub's default is the in-memory broker (NewMemoryBroker); a broker shared by
// several processes implements the same interface, and users' code, which
// talks to the Hub, does not change.
type Broker interface {
	// Publish retains m in the topic's history and delivers it to the
	// topic's subscribers, in publish order. When m.ID is empty it assigns
	// the next ID of the topic. A comment (see Comment) is delivered to
	// the live subscribers only: it takes no ID and is not retained. It rejects, with the error AppendMessage
	// gives, a message that cannot be written. It returns the message as
	// delivered.
	Publish(topic string, m Message) (Message, error)
	// Subscribe returns one channel that yields the retained messages
	// newer than lastEventID and then live messages, with no gap and no
	// duplicate between the two. A lastEventID that it cannot place (one
	// from before a restart, or older than the history) yields every
	// retained message: a duplicate is better than a gap. The channel is
	// closed when ctx ends, when the subscriber falls behind, or when the
	// broker is closed.
	Subscribe(ctx context.Context, topic, lastEventID string) (<-chan Message, error)
	// DropTopic ends the topic's subscriptions (their channels are
	// closed) and forgets its history, as for a resource that was
	// deleted. A later Publish or Subscribe starts the topic afresh, with
	// IDs of a new life.
	DropTopic(topic string) error
	// Close ends every subscription; later calls fail with ErrClosed.
	Close() error
}
