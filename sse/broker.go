package sse

import (
	"context"
	"errors"
	"time"
)

// ErrClosed is returned by the Hub's and a Broker's methods after Close.
var ErrClosed = errors.New("sse: the hub is closed")

// ErrUnavailable is wrapped by the errors of a Broker that cannot reach
// the store it shares with other processes (Redis, say): Hub.Publish and
// Hub.Subscribe then fail with it, and godanet answers such a request with
// 503 Service Unavailable. It is temporary by nature: retry later.
var ErrUnavailable = errors.New("sse: the broker is unavailable")

// Frame is one message as a Broker carries and keeps it.
type Frame struct {
	// ID is the id the broker assigned when the frame was appended.
	ID string
	// Body is the message's wire form without its id line: what
	// AppendMessage writes for the message with an empty ID. Brokers
	// carry it as opaque bytes; neither they nor the Hub modify it once
	// it is appended, so it may be shared.
	Body []byte
}

// Retention is how much of each topic's history a Broker keeps. The Hub
// passes its own (History, TopicIdle) with every Append, so the options
// mean the same thing whichever broker is used.
type Retention struct {
	// Frames is how many of a topic's newest frames are kept for Read;
	// 0 keeps none.
	Frames int
	// Idle is how long a topic keeps its history after its last Append;
	// then it may be forgotten, history and all, and must be forgotten
	// once it also has no listener. 0 or less keeps it until DropTopic.
	Idle time.Duration
}

// Listener receives the frames a Broker carries for one topic. The Hub is
// the listener of the topics its subscribers follow, one per topic and
// process, whatever the number of subscribers.
type Listener interface {
	// Frame is called with each frame appended to the topic, by any
	// process sharing the broker, in append order, with no gap and no
	// duplicate, and never concurrently. It must not block.
	Frame(f Frame)
	// End is called once, when Frame will be called no more: with nil
	// when the topic was dropped (DropTopic), with ErrClosed when the
	// broker was closed, and with an error wrapping ErrUnavailable when
	// the broker lost its store for longer than it can bridge, so that
	// frames may have been missed. The Hub then ends the topic's
	// subscriptions, and their clients reconnect with their Last-Event-ID.
	End(err error)
}

// Broker carries a Hub's frames between processes and keeps each topic's
// ordered, bounded history. The Hub does the rest (validation, encoding
// once, fan-out to this process's subscribers, dropping slow ones), so a
// broker for another store (Redis, NATS, Postgres) is small; package
// ssetest checks one against this contract. The Hub's default broker keeps
// everything in memory (NewMemoryBroker).
//
// Errors of a broker that cannot reach its store wrap ErrUnavailable.
type Broker interface {
	// Append adds body as the topic's newest frame, keeps it as keep
	// says, and passes it to every listener of the topic, in every
	// process. It returns the id it assigned. A topic's ids are distinct,
	// increase in append order, contain no CR, LF or NUL, are valid in
	// every process sharing the broker, and are never given to another
	// frame, not even by a new life of the topic or a store that lost
	// its data.
	Append(ctx context.Context, topic string, body []byte, keep Retention) (id string, err error)
	// Read returns, oldest first, at most limit retained frames of topic
	// that follow the frame whose id is afterID, and found: whether it
	// could place afterID, so that the frames returned are exactly those
	// after it (true for the newest frame, with no frames, and for the
	// frame just older than the history). When it cannot (afterID is
	// older than that, from another life of the topic or of the store,
	// or unknown) Read returns the frames from the oldest retained one:
	// a duplicate is better than a gap. Read returns no frame that this
	// process's listener of the topic, if it has one, has yet to be
	// passed: a broker whose live feed lags its store waits, briefly, for
	// the feed to catch up. (The Hub merges a replay with the live frames
	// by id on that basis; a broker that cannot wait gives duplicates.)
	Read(ctx context.Context, topic, afterID string, limit int) (frames []Frame, found bool, err error)
	// Listen passes to l every frame appended to topic after Listen
	// returns (and perhaps a few appended just before), until stop is
	// called or l.End. A Hub has one listener per topic, whatever its
	// number of subscribers (a broker may refuse a second one, so give
	// each Hub a broker of its own). stop may be called after End, and
	// does nothing then; neither stop nor Close is called from a
	// Listener's methods.
	Listen(ctx context.Context, topic string, l Listener) (stop func(), err error)
	// DropTopic forgets the topic's history and ends its listeners in
	// every process with End(nil), as for a resource that was deleted.
	// A later Append starts the topic afresh, with ids of a new life.
	DropTopic(ctx context.Context, topic string) error
	// Close ends this broker's listeners with End(ErrClosed); later calls
	// fail with ErrClosed. It does not close a client it was given.
	Close() error
}
