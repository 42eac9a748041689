package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/sse"
)

// This file is the feed: the broker's one goroutine, which receives from
// its Pub/Sub connection and passes each topic's frames to its listener,
// in order, reading from the history what the connection did not bring.

const (
	// idleCheck is how long the feed waits for a message before it pings
	// Redis; a pong that does not come within the broker's Timeout means
	// a dead connection, which is then dropped and dialled again.
	idleCheck = 2 * time.Second
	// defaultPingWait is the wait for a pong when Timeout sets none.
	defaultPingWait = 5 * time.Second
	// maxBackoff bounds the wait between two reconnection attempts.
	maxBackoff = time.Second
	// catchUpBatch is how many missed frames one read brings.
	catchUpBatch = 256
	// retryEvery is how often missed frames that could not be read are
	// tried again (when they are not ended first by the grace period).
	retryEvery = 250 * time.Millisecond
)

// outage is what the feed knows of Redis being unreachable.
type outage struct {
	since time.Time
	err   error
}

// liveFrame is a frame as published on a topic's channel.
type liveFrame struct {
	epoch string
	seq   uint64
	id    string
	body  string
}

// feed is the broker's goroutine. go-redis dials the Pub/Sub connection
// again, and subscribes it again to every channel, within the next
// Receive after it broke; Redis confirms each subscription, and the feed
// then reads what the topic's listener missed meanwhile (subscribed).
func (b *Broker) feed() {
	defer close(b.readerDone)
	var (
		pinged    time.Time // when the ping whose pong is awaited went out
		downSince time.Time // when the connection broke; zero while up
		failures  int       // receive failures in a row
	)
	for {
		b.unsubscribe()
		if !downSince.IsZero() && pinged.IsZero() {
			// Reconnecting: go-redis dials and subscribes again within
			// the ping, and the pong says the new connection works.
			pinged = b.ping()
		}
		msg, err := b.receive(!pinged.IsZero())
		if b.closed.Load() {
			return
		}
		if err != nil {
			if pinged.IsZero() && isTimeout(err) {
				// Quiet: make sure the connection is alive.
				pinged = b.ping()
				continue
			}
			if downSince.IsZero() {
				// Broken, or silent since the ping went out.
				downSince = time.Now()
				if !pinged.IsZero() {
					downSince = pinged
				}
			}
			b.outage.Store(&outage{since: downSince, err: err})
			pinged = time.Time{}
			wait := min(10*time.Millisecond<<min(failures, 10), maxBackoff)
			failures++
			if left := b.cfg.grace - time.Since(downSince); left <= 0 {
				b.endAll(err)
			} else {
				wait = min(wait, left)
			}
			if !b.pause(wait) {
				return
			}
			continue
		}
		if !downSince.IsZero() {
			b.outage.Store(nil)
		}
		pinged, downSince, failures = time.Time{}, time.Time{}, 0
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				b.subscribed(m.Channel)
			}
		case *redis.Message:
			b.message(m)
		}
		b.retryStale()
	}
}

// receive waits for the next message. While a ping is out, its wait is a
// context deadline, which go-redis, unlike ReceiveTimeout's, takes for a
// dead connection when it passes.
func (b *Broker) receive(pinged bool) (any, error) {
	wait := b.pingWait()
	if pinged {
		ctx, cancel := context.WithTimeout(b.ctx, wait)
		defer cancel()
		return b.ps.Receive(ctx)
	}
	// The context bounds dialling, when the connection is down.
	ctx, cancel := context.WithTimeout(b.ctx, idleCheck+wait)
	defer cancel()
	return b.ps.ReceiveTimeout(ctx, idleCheck)
}

// ping sends a ping and returns when.
func (b *Broker) ping() time.Time {
	ctx, cancel := context.WithTimeout(b.ctx, b.pingWait())
	defer cancel()
	_ = b.ps.Ping(ctx) // a failure shows in the next receive
	return time.Now()
}

func (b *Broker) pingWait() time.Duration {
	if b.cfg.timeout > 0 {
		return b.cfg.timeout
	}
	return defaultPingWait
}

// pause waits for d, or until the broker closes: then it returns false.
func (b *Broker) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.closing:
		return false
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// endAll ends every listener: the connection has been down for longer
// than the grace period.
func (b *Broker) endAll(cause error) {
	b.mu.Lock()
	var gone []*listener
	for _, l := range b.topics {
		if l.live {
			gone = append(gone, l)
		}
	}
	b.mu.Unlock()
	for _, l := range gone {
		b.end(l, fmt.Errorf("redisbroker: topic %q: cut off from Redis for over %v, so frames may have been missed: %w: %w",
			l.topic, b.cfg.grace, sse.ErrUnavailable, cause))
	}
}

func (b *Broker) lookup(channel string) *listener {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.topics[channel]
}

// subscribed handles Redis's confirmation of a subscription. The first
// one completes a Listen: the listener's cursor is the topic's position
// now, so the frames published from now on, which the connection will
// bring, are passed on, and those already published are dropped. A later
// one follows a reconnection (or an unsubscribe that raced with a new
// Listen): the frames published meanwhile are read from the history.
func (b *Broker) subscribed(channel string) {
	l := b.lookup(channel)
	switch {
	case l == nil:
	case !l.live:
		ctx, cancel := b.callContext(b.ctx)
		pos, err := b.client.HMGet(ctx, l.meta, "e", "s").Result()
		cancel()
		if err != nil {
			l.readyErr = fmt.Errorf("read the topic's position: %w", err)
		} else {
			epoch, _ := pos[0].(string)
			var seq uint64
			if s, ok := pos[1].(string); ok && epoch != "" {
				seq, _ = strconv.ParseUint(s, 10, 64)
			}
			l.setCursor(epoch, seq)
			l.live = true
		}
		close(l.ready)
	default:
		b.catchUp(l, nil)
	}
}

// message handles a message published on a topic's channel.
func (b *Broker) message(m *redis.Message) {
	l := b.lookup(m.Channel)
	if l == nil || !l.live || m.Payload == "" {
		return
	}
	switch m.Payload[0] {
	case kindDrop:
		b.end(l, nil)
	case kindFrame:
		id, body, ok := strings.Cut(m.Payload[1:], "\n")
		epoch, seq, ok2 := parseID(id)
		if ok && ok2 {
			b.onFrame(l, liveFrame{epoch: epoch, seq: seq, id: id, body: body})
		}
	}
}

// onFrame passes on a frame that is next in turn, drops one the listener
// had already (from the history), and reads the history for those it
// missed before one that comes early.
func (b *Broker) onFrame(l *listener, f liveFrame) {
	switch {
	case f.epoch == l.epoch && f.seq <= l.seq:
	case l.stale.IsZero() && (f.epoch == l.epoch && f.seq == l.seq+1 || f.epoch != l.epoch && f.seq == 1):
		// The next one, or the first of a new life of the topic: on a
		// connection that has not broken since the listener was last
		// up to date, a life's frames cannot have come before it.
		b.deliver(l, f.epoch, f.seq, f.id, []byte(f.body))
	case l.stale.IsZero() || time.Since(l.tried) >= retryEvery:
		b.catchUp(l, &f)
	}
}

// retryStale tries again to read the frames that listeners missed.
func (b *Broker) retryStale() {
	for l := range b.stale {
		switch {
		case l.isEnded():
			delete(b.stale, l)
		case time.Since(l.tried) >= retryEvery:
			b.catchUp(l, nil)
		}
	}
}

// catchUp passes to l, from the history, the frames after its cursor that
// the connection did not bring, then hand (the frame that showed the gap,
// if any) if it is next. When the history no longer holds all of them, l
// is ended with an error wrapping sse.ErrUnavailable: a gap is never
// silent. A new life of the topic is passed on from its first frame. When
// the history cannot be read, l is marked stale, and ended once it has
// been so for the grace period.
func (b *Broker) catchUp(l *listener, hand *liveFrame) {
	l.tried = time.Now()
	for {
		ctx, cancel := b.callContext(b.ctx)
		r, err := b.read(ctx, l.names, l.epoch, strconv.FormatUint(l.seq, 10), catchUpBatch)
		cancel()
		if err != nil {
			b.markStale(l, err)
			return
		}
		if !r.found {
			if r.epoch == "" {
				break // the topic is gone: there is nothing to read
			}
			// Nothing is missing if the frames from the new life's first
			// on are in the history, or in hand and to come live.
			oldest := r.newest + 1
			if len(r.frames) > 0 {
				oldest = r.frames[0].seq
			}
			if hand != nil && hand.epoch == r.epoch {
				oldest = min(oldest, hand.seq)
			}
			if r.epoch == l.epoch || oldest > 1 {
				b.end(l, b.gap(l))
				return
			}
			l.setCursor(r.epoch, 0)
		}
		for _, f := range r.frames {
			if f.seq <= l.seq {
				continue
			}
			if f.seq > l.seq+1 { // a stream has no holes, but say so if it had
				b.end(l, b.gap(l))
				return
			}
			if !b.deliver(l, l.epoch, f.seq, formatID(l.epoch, f.seq), []byte(f.body)) {
				return
			}
		}
		if len(r.frames) < catchUpBatch {
			break
		}
	}
	l.stale = time.Time{}
	delete(b.stale, l)
	if hand != nil && hand.epoch == l.epoch && hand.seq == l.seq+1 {
		b.deliver(l, hand.epoch, hand.seq, hand.id, []byte(hand.body))
	}
}

func (b *Broker) gap(l *listener) error {
	after := "its start"
	if l.epoch != "" {
		after = formatID(l.epoch, l.seq)
	}
	return fmt.Errorf("redisbroker: topic %q: missed frames after %s that Redis no longer holds: %w", l.topic, after, sse.ErrUnavailable)
}

// markStale notes that l's missed frames could not be read, and ends it
// once that has lasted the grace period.
func (b *Broker) markStale(l *listener, err error) {
	if l.stale.IsZero() {
		l.stale = l.tried
	}
	if time.Since(l.stale) < b.cfg.grace {
		b.stale[l] = struct{}{}
		return
	}
	delete(b.stale, l)
	b.end(l, fmt.Errorf("redisbroker: topic %q: cannot read the frames it missed: %w: %w", l.topic, sse.ErrUnavailable, err))
}

func (l *listener) isEnded() bool {
	select {
	case <-l.ended:
		return true
	default:
		return false
	}
}
