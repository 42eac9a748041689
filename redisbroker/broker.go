package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/sse"
)

// Broker is an sse.Broker on Redis Streams; see the package doc.
type Broker struct {
	client redis.UniversalClient
	cfg    config
	// ps is the broker's one Pub/Sub connection, whatever the number of
	// topics it listens to; only the feed goroutine receives from it.
	ps *redis.PubSub

	closed     atomic.Bool   // set first by Close
	closing    chan struct{} // closed by Close, after closed is set
	readerDone chan struct{} // closed when the feed goroutine returns
	// ctx is the context of the feed goroutine's calls, which Close
	// cancels so that it need not wait for a slow Redis.
	ctx    context.Context
	cancel context.CancelFunc

	// subscribing orders the calls that subscribe and unsubscribe (a
	// one-slot semaphore, so that Listen can give up waiting): an
	// unsubscribe decided before a Listen registered must reach Redis
	// before that Listen's subscribe, or it would undo it.
	subscribing chan struct{}

	// mu guards topics, unsub and listener.returned.
	mu sync.Mutex
	// topics holds the listeners by channel name, from the moment Listen
	// registers one until it is stopped or ended.
	topics map[string]*listener
	// unsub holds the channels that lost their listener; the feed
	// goroutine unsubscribes from those that have not found another.
	unsub        map[string]struct{}
	unsubPending atomic.Bool // unsub is not empty

	// outage is set by the feed goroutine while its connection is down.
	outage atomic.Pointer[outage]

	// Owned by the feed goroutine: stale holds the listeners whose missed
	// frames could not be read yet; confirmed those whose subscription
	// Redis confirmed, and which wait for a read (see Broker.confirm), and
	// delimited is set once the ping that ends their run is out.
	stale     map[*listener]struct{}
	confirmed []*listener
	delimited bool
}

var _ sse.Broker = (*Broker)(nil)

// New returns a broker that keeps its topics in Redis through client: a
// *redis.Client, a failover (Sentinel) client, or a *redis.ClusterClient.
// It opens one Pub/Sub connection of its own at once, and goes on trying
// while Redis cannot be reached. Close stops it; it does not close client.
//
// New panics when client is a *redis.Ring, a mistake to fix before the
// app starts: a Ring's shards share neither Pub/Sub nor a topic's order,
// so it cannot carry frames between processes.
func New(client redis.UniversalClient, options ...Option) *Broker {
	if _, ok := client.(*redis.Ring); ok {
		panic("redisbroker: New: a *redis.Ring is not supported (its shards do not share Pub/Sub messages); " +
			"give New a *redis.Client, a failover client (redis.NewFailoverClient) or a *redis.ClusterClient")
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Broker{
		ctx:         ctx,
		cancel:      cancel,
		client:      client,
		cfg:         newConfig(options),
		ps:          client.Subscribe(context.Background()),
		closing:     make(chan struct{}),
		readerDone:  make(chan struct{}),
		subscribing: make(chan struct{}, 1),
		topics:      map[string]*listener{},
		unsub:       map[string]struct{}{},
		stale:       map[*listener]struct{}{},
	}
	go b.feed()
	return b
}

// Append implements sse.Broker.
func (b *Broker) Append(ctx context.Context, topic string, body []byte, keep sse.Retention) (string, error) {
	if b.closed.Load() {
		return "", sse.ErrClosed
	}
	ctx, cancel := b.callContext(ctx)
	defer cancel()
	n := b.names(topic)
	id, err := appendScript.Run(ctx, b.client, []string{n.meta, n.stream},
		newEpoch(), newNonce(), body, max(keep.Frames, 0), idleMillis(keep.Idle), n.channel).Text()
	if err != nil {
		return "", b.fail("append to", topic, err)
	}
	return id, nil
}

// Read implements sse.Broker. An afterID the broker did not assign, or
// assigned in another life of the topic, or to a frame that Redis lost
// (its seq was given again, with another nonce), is not found.
func (b *Broker) Read(ctx context.Context, topic, afterID string, limit int) ([]sse.Frame, bool, error) {
	if b.closed.Load() {
		return nil, false, sse.ErrClosed
	}
	ctx, cancel := b.callContext(ctx)
	defer cancel()
	after, _ := parseID(afterID) // none, if it is no id of ours
	n := b.names(topic)
	r, err := b.read(ctx, n, after, limit)
	if err != nil {
		return nil, false, b.fail("read", topic, err)
	}
	if len(r.frames) == 0 {
		if r.found {
			// Nothing follows afterID, but this process's listener may
			// not have been passed afterID's frame yet: it must not pass
			// it after Read returned nothing.
			b.awaitListener(ctx, n.channel, after.epoch, after.seq)
		}
		return nil, r.found, nil
	}
	frames := make([]sse.Frame, len(r.frames))
	for i, f := range r.frames {
		frames[i] = sse.Frame{ID: frameID{epoch: r.epoch, seq: f.seq, nonce: f.nonce}.String(), Body: []byte(f.body)}
	}
	b.awaitListener(ctx, n.channel, r.epoch, r.frames[len(r.frames)-1].seq)
	return frames, r.found, nil
}

// maxAwait bounds how long Read waits for this broker's listener.
const maxAwait = time.Second

// awaitListener waits, for at most maxAwait, until this broker's listener
// of the channel, if it has one, has been passed the frame (epoch, seq) or
// is done. So a frame that Read returns has reached the listener, as with
// the in-memory broker: a Hub replaying history to a subscriber, while it
// keeps the live frames that arrive meanwhile, finds in those the last
// frame it replayed unless it came before, and so sends none twice. On a
// healthy connection the wait is the Pub/Sub message's delay.
func (b *Broker) awaitListener(ctx context.Context, channel, epoch string, seq uint64) {
	l := b.lookup(channel)
	if l == nil || !l.isReady() {
		return
	}
	var timeout <-chan time.Time
	for {
		l.mu.Lock()
		if l.done || l.cursor.epoch == epoch && l.cursor.seq >= seq {
			l.mu.Unlock()
			return
		}
		if l.moved == nil {
			l.moved = make(chan struct{})
		}
		moved := l.moved
		l.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(maxAwait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-moved:
		case <-timeout:
			return
		case <-ctx.Done():
			return
		}
	}
}

// DropTopic implements sse.Broker. The drop notice travels on the topic's
// channel after the frames published before it, so every listener gets
// those first; DropTopic returns once this broker's own listener of the
// topic has been ended and its End has returned (or, if the notice does
// not come back in time, ends it itself), so it must not be called from
// that End.
func (b *Broker) DropTopic(ctx context.Context, topic string) error {
	if b.closed.Load() {
		return sse.ErrClosed
	}
	ctx, cancel := b.callContext(ctx)
	defer cancel()
	n := b.names(topic)
	// Only a listener whose subscription was confirmed before the drop
	// is sure to get the notice.
	b.mu.Lock()
	l := b.topics[n.channel]
	b.mu.Unlock()
	if l != nil && !l.isReady() {
		l = nil
	}
	if err := dropScript.Run(ctx, b.client, []string{n.meta, n.stream}, n.channel).Err(); err != nil {
		return b.fail("drop", topic, err)
	}
	if l != nil {
		select {
		case <-l.ended:
		case <-ctx.Done():
			b.end(l, nil)
			<-l.ended // if the feed was ending it meanwhile, once its End returned
		case <-b.closing:
		}
	}
	return nil
}

// Close implements sse.Broker: it ends this broker's listeners with
// sse.ErrClosed, closes its Pub/Sub connection and waits for its
// goroutine to return. Closing a closed broker does nothing and returns
// nil. It must not be called from a Listener's method.
func (b *Broker) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.mu.Lock()
	listeners := make([]*listener, 0, len(b.topics))
	for _, l := range b.topics {
		listeners = append(listeners, l)
	}
	clear(b.topics)
	b.mu.Unlock()

	close(b.closing)
	b.cancel()
	err := b.ps.Close()
	<-b.readerDone
	for _, l := range listeners {
		b.mu.Lock()
		returned := l.returned
		b.mu.Unlock()
		if returned {
			b.end(l, sse.ErrClosed)
		} else if l.finish() { // its Listen fails with ErrClosed instead
			close(l.ended)
		}
	}
	if err != nil {
		return fmt.Errorf("redisbroker: close: %w", err)
	}
	return nil
}

// callContext gives ctx the broker's Timeout when it has no deadline.
func (b *Broker) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || b.cfg.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, b.cfg.timeout)
}

// fail says what failed on which topic, wrapping sse.ErrUnavailable too
// when Redis could not be reached or could not serve.
func (b *Broker) fail(op, topic string, err error) error {
	if b.closed.Load() && errors.Is(err, redis.ErrClosed) {
		return sse.ErrClosed
	}
	if unavailable(err) {
		if o := b.outage.Load(); o != nil && errors.Is(err, context.DeadlineExceeded) {
			// go-redis kept retrying until the deadline, and says no
			// more; the feed knows why.
			return fmt.Errorf("redisbroker: %s %q: %w: %w (Redis has been unreachable for %v: %v)",
				op, topic, sse.ErrUnavailable, err, time.Since(o.since).Round(time.Millisecond), o.err)
		}
		return fmt.Errorf("redisbroker: %s %q: %w: %w", op, topic, sse.ErrUnavailable, err)
	}
	return fmt.Errorf("redisbroker: %s %q: %w", op, topic, err)
}

// transient are the prefixes of the error replies of a Redis that cannot
// serve for now, rather than of a request it refuses.
var transient = []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "NOREPLICAS", "MISCONF", "OOM", "max number of clients"}

// unavailable reports whether err means Redis could not be reached or
// could not serve: a network error (dialling, a reset, a timeout), a
// connection closed midway, a deadline that passed, a client or pool
// with no connection to give, or a transient error reply. Anything else
// (a reply that cannot be parsed, a request Redis refuses) is a bug or a
// misconfiguration, which retrying does not cure. A cancelled context is
// the caller's doing, not Redis's.
func unavailable(err error) bool {
	var reply redis.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &reply):
		msg := strings.TrimPrefix(reply.Error(), "ERR ")
		for _, p := range transient {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	case errors.As(err, &netErr),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted):
		return true
	}
	return false
}
