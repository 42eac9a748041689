package redisbroker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/godanet/godanet/sse"
)

// listener is one topic's Listen: the sse.Listener, its subscription and
// its cursor, the id of the last frame it was passed.
type listener struct {
	topic string
	names
	l sse.Listener
	// ready is closed by the feed goroutine, once, when Redis has
	// confirmed the subscription and the cursor is set, or that failed
	// (readyErr).
	ready    chan struct{}
	readyErr error
	// ended is closed once Frame will be called no more and End, if the
	// broker calls it, has returned.
	ended chan struct{}
	// returned is set, under the broker's mu, when Listen returns it.
	returned bool

	// Only the feed goroutine uses these. queued is set while the
	// listener waits in Broker.confirmed. readied is set when ready is
	// closed, and live with it when that succeeded. synced is set when
	// the listener was last passed a frame as the connection brought it,
	// unset when from the history: then the connection may yet bring
	// copies of frames it has, which it drops; once synced, a seq it had
	// is a seq that Redis gave again. stale is when reading the missed
	// frames first failed, zero when none are missing as far as the
	// broker knows, and tried is when they were last read.
	queued, readied, live, synced bool
	stale, tried                  time.Time

	// mu is held while Frame is called, so that stop waits for a call in
	// progress; it guards done and moved, and the writes to the cursor,
	// which only the feed goroutine makes. The cursor's epoch is "" while
	// the topic does not exist.
	mu     sync.Mutex
	done   bool
	cursor frameID
	// moved, when not nil, is closed when the cursor moves or the
	// listener is done (see Broker.awaitListener).
	moved chan struct{}
}

// Listen implements sse.Broker. It subscribes the broker's Pub/Sub
// connection to the topic's channel and returns once Redis has confirmed
// the subscription and the broker has read the topic's position: the
// frames after it are passed to l.
//
// A broker has one listener per topic: Listen fails for a topic that has
// one. The stop function waits for a Frame call in progress, so it must
// not be called from the listener's Frame (it may be from End).
func (b *Broker) Listen(ctx context.Context, topic string, l sse.Listener) (stop func(), err error) {
	if b.closed.Load() {
		return nil, sse.ErrClosed
	}
	ctx, cancel := b.callContext(ctx)
	defer cancel()
	n := b.names(topic)
	ls := &listener{topic: topic, names: n, l: l, ready: make(chan struct{}), ended: make(chan struct{})}

	b.mu.Lock()
	switch {
	case b.closed.Load():
		b.mu.Unlock()
		return nil, sse.ErrClosed
	case b.topics[n.channel] != nil:
		b.mu.Unlock()
		return nil, fmt.Errorf("redisbroker: listen to %q: the topic has a listener already (a process has one per topic)", topic)
	}
	b.topics[n.channel] = ls
	b.mu.Unlock()

	if err := b.subscribe(ctx, n.channel); err != nil {
		b.forget(ls)
		return nil, b.fail("listen to", topic, err)
	}
	select {
	case <-ls.ready:
		if ls.readyErr != nil {
			b.forget(ls)
			return nil, b.fail("listen to", topic, ls.readyErr)
		}
	case <-ctx.Done():
		b.forget(ls)
		return nil, b.fail("listen to", topic, fmt.Errorf("no confirmation of the subscription: %w", context.Cause(ctx)))
	case <-b.closing:
		b.forget(ls)
		return nil, sse.ErrClosed
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil, sse.ErrClosed
	}
	ls.returned = true
	return func() { b.stop(ls) }, nil
}

// subscribe subscribes the Pub/Sub connection to channel.
func (b *Broker) subscribe(ctx context.Context, channel string) error {
	select {
	case b.subscribing <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	defer func() { <-b.subscribing }()
	return b.ps.Subscribe(ctx, channel)
}

// unsubscribe unsubscribes the Pub/Sub connection from the channels that
// lost their listener and did not find another since. Only the feed
// goroutine calls it, so a slow Redis never holds up a stop.
func (b *Broker) unsubscribe() {
	if !b.unsubPending.Load() {
		return
	}
	b.subscribing <- struct{}{}
	defer func() { <-b.subscribing }()
	b.mu.Lock()
	channels := make([]string, 0, len(b.unsub))
	for c := range b.unsub {
		if b.topics[c] == nil {
			channels = append(channels, c)
		}
	}
	clear(b.unsub)
	b.unsubPending.Store(false)
	b.mu.Unlock()
	if len(channels) == 0 {
		return
	}
	ctx, cancel := b.callContext(b.ctx)
	defer cancel()
	// go-redis forgets the channels first, so a failure here still keeps
	// them out of the next reconnection's subscriptions.
	_ = b.ps.Unsubscribe(ctx, channels...)
}

// forget removes l from the broker, if it is still there, and has its
// channel unsubscribed.
func (b *Broker) forget(l *listener) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.topics[l.channel] != l {
		return
	}
	delete(b.topics, l.channel)
	b.unsub[l.channel] = struct{}{}
	b.unsubPending.Store(true)
}

// stop is the function Listen returns.
func (b *Broker) stop(l *listener) {
	if l.finish() {
		close(l.ended)
	}
	b.forget(l)
}

// end forgets l and calls its End with err, unless it was stopped or
// ended already. l.ended is closed once End has returned, so that
// DropTopic returns after its own listener's End.
func (b *Broker) end(l *listener, err error) {
	b.forget(l)
	if l.finish() {
		safely(func() { l.l.End(err) })
		close(l.ended)
	}
}

// finish marks l done, once a Frame call in progress has returned; it
// reports whether it was the one to do so, which then closes l.ended.
func (l *listener) finish() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return false
	}
	l.done = true
	l.move()
	return true
}

// move wakes those waiting for the cursor to move; l.mu is held.
func (l *listener) move() {
	if l.moved != nil {
		close(l.moved)
		l.moved = nil
	}
}

// setCursor moves the cursor without passing a frame.
func (l *listener) setCursor(at frameID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cursor = at
	l.move()
}

// setReady closes ready, once: a second confirmation of the subscription
// (go-redis subscribes again when it retries) finds it closed.
func (l *listener) setReady(err error) {
	if l.readied {
		return
	}
	l.readied = true
	l.readyErr = err
	l.live = err == nil
	close(l.ready)
}

// isReady reports whether Listen has set l up.
func (l *listener) isReady() bool {
	select {
	case <-l.ready:
		return l.readyErr == nil
	default:
		return false
	}
}

// deliver passes the frame at to l and moves its cursor there, unless l
// is done, and reports whether it did. A listener whose Frame panics is
// ended.
func (b *Broker) deliver(l *listener, at frameID, body []byte) bool {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return false
	}
	p := safely(func() { l.l.Frame(sse.Frame{ID: at.String(), Body: body}) })
	l.cursor = at
	l.move()
	l.mu.Unlock()
	if p != nil {
		b.end(l, fmt.Errorf("redisbroker: topic %q: the listener's Frame panicked: %v", l.topic, p))
		return false
	}
	return true
}

// safely calls fn and returns what it panicked with, if it did: a panic
// in a listener must not take the broker's goroutine, and the process,
// with it.
func safely(fn func()) (recovered any) {
	defer func() { recovered = recover() }()
	fn()
	return nil
}
