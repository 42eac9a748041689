package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"slices"
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
	// settleBatch is how many topics' reads one pipeline carries, which
	// bounds the frames it holds at once.
	settleBatch = 128
	// retryEvery is how often missed frames that could not be read are
	// tried again (when they are not ended first by the grace period).
	retryEvery = 250 * time.Millisecond
)

// outage is what the feed knows of Redis being unreachable.
type outage struct {
	since time.Time
	err   error
}

// feed is the broker's goroutine. go-redis dials the Pub/Sub connection
// again, and subscribes it again to every channel, within the next
// Receive after it broke; Redis confirms each subscription, and the feed
// then reads what the topic's listener missed meanwhile (confirm).
//
// A panic in the feed is a bug of this package; it must not take the
// process down, so the feed recovers, ends every listener (crashed) and
// starts afresh.
func (b *Broker) feed() {
	defer close(b.readerDone)
	for !b.run() {
		if !b.pause(retryEvery) { // in case it panics again at once
			return
		}
	}
}

// run receives and handles messages until the broker closes, and then
// returns true, or until it panics, and then returns false.
func (b *Broker) run() (closing bool) {
	defer func() {
		if p := recover(); p != nil {
			b.crashed(p, debug.Stack())
			closing = false
		}
	}()
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
			return true
		}
		if sub, ok := msg.(*redis.Subscription); !ok || sub.Kind != "subscribe" {
			// The run of confirmations has ended: before anything else,
			// what they wait for.
			b.settle()
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
				return true
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
				b.confirm(m.Channel)
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

// crashed ends every listener after the feed panicked with p: their
// cursors and subscriptions can no longer be trusted. The error says what
// happened and where, since there is nowhere else to say it.
func (b *Broker) crashed(p any, stack []byte) {
	cause := fmt.Errorf("the broker's feed panicked, so frames may have been missed (a bug of redisbroker; please report it): %v: %w\n%s",
		p, sse.ErrUnavailable, stack)
	b.outage.Store(nil)
	clear(b.stale)
	b.confirmed, b.delimited = nil, false
	b.mu.Lock()
	listeners := make([]*listener, 0, len(b.topics))
	for _, l := range b.topics {
		listeners = append(listeners, l)
	}
	b.mu.Unlock()
	for _, l := range listeners {
		switch {
		case !l.readied:
			l.setReady(cause) // its Listen fails
		case l.live:
			safely(func() { b.end(l, fmt.Errorf("redisbroker: topic %q: %w", l.topic, cause)) })
		}
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

// confirm handles Redis's confirmation of a subscription. The first one
// completes a Listen: the listener's cursor is set to the topic's
// position, read then, so the frames published from then on, which the
// connection will bring, are passed on, and those already published are
// dropped. A later one follows a reconnection (or an unsubscribe that
// raced with a new Listen): the frames published meanwhile are read from
// the history. A listener whose first position read failed is left be:
// its Listen has failed.
//
// Either read waits, in b.confirmed, for the run of confirmations to end,
// and settle then makes them all in one round trip: after a reconnection,
// Redis confirms every channel at once. A ping on the Pub/Sub connection
// marks the end of the run, since Redis answers it after the
// confirmations of the subscriptions sent before; any message but a
// confirmation, or a failure, ends it too.
func (b *Broker) confirm(channel string) {
	l := b.lookup(channel)
	if l == nil || l.queued || l.readied && !l.live {
		return
	}
	l.queued = true
	b.confirmed = append(b.confirmed, l)
	if !b.delimited {
		b.delimited = true
		b.ping() // a failure shows in the next receive, which settles too
	}
}

// settle makes the reads that the confirmed subscriptions wait for, a
// pipeline of up to settleBatch at a time: the position of each new
// listener, and what each other one missed.
func (b *Broker) settle() {
	confirmed := b.confirmed
	b.confirmed, b.delimited = nil, false
	for batch := range slices.Chunk(confirmed, settleBatch) {
		b.settleBatch(batch)
	}
}

func (b *Broker) settleBatch(batch []*listener) {
	ctx, cancel := b.callContext(b.ctx)
	defer cancel()
	for i, l := range batch {
		l.queued = false
		if b.lookup(l.channel) != l {
			batch[i] = nil // stopped, or its Listen gave up
		}
	}
	cmds := make([]redis.Cmder, len(batch))
	b.pipeline(ctx, batch, cmds, func(int) bool { return true })
	if slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c != nil && isNoScript(c.Err()) }) {
		// Redis restarted, or its scripts were flushed: load it, and
		// read again those that failed for want of it.
		if readScript.Load(ctx, b.client).Err() == nil {
			b.pipeline(ctx, batch, cmds, func(i int) bool { return cmds[i] != nil && isNoScript(cmds[i].Err()) })
		}
	}
	for i, l := range batch {
		switch cmd := cmds[i].(type) {
		case *redis.SliceCmd:
			if err := cmd.Err(); err != nil {
				l.setReady(fmt.Errorf("read the topic's position: %w", err))
				continue
			}
			l.setCursor(position(cmd.Val()))
			l.setReady(nil)
		case *redis.Cmd:
			l.tried = time.Now()
			var r readResult
			v, err := cmd.Result()
			if err == nil {
				r, err = parseRead(v)
			}
			if b.took(l, r, err, nil) {
				b.catchUp(l, nil) // more than a batch was missed
			}
		}
	}
}

// pipeline sends, in one pipeline, the read that each listener of batch
// for which todo holds waits for, and keeps its command in cmds.
func (b *Broker) pipeline(ctx context.Context, batch []*listener, cmds []redis.Cmder, todo func(int) bool) {
	pipe := b.client.Pipeline()
	for i, l := range batch {
		switch {
		case l == nil || !todo(i):
		case !l.readied:
			cmds[i] = pipe.HMGet(ctx, l.meta, "e", "s", "n")
		default:
			cmds[i] = pipe.EvalSha(ctx, readScript.Hash(), []string{l.meta, l.stream}, readArgs(l.cursor, catchUpBatch)...)
		}
	}
	if pipe.Len() > 0 {
		_, _ = pipe.Exec(ctx) // each command keeps its own error
	}
}

func isNoScript(err error) bool { return redis.HasErrorPrefix(err, "NOSCRIPT") }

// position is the frame a topic's meta hash says is its newest, from the
// values of its fields e, s and n: none when the topic does not exist.
func position(v []any) frameID {
	epoch, _ := v[0].(string)
	seq, _ := v[1].(string)
	nonce, _ := v[2].(string)
	at := frameID{epoch: epoch, nonce: nonce}
	if epoch != "" {
		at.seq, _ = strconv.ParseUint(seq, 10, 64)
	}
	return at
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
		at, ok2 := parseID(id)
		if ok && ok2 {
			b.onFrame(l, at, body)
		}
	}
}

// onFrame passes on a frame that is next in turn, drops one the listener
// had already (from the history), and reads the history for those it
// missed before one that comes early. A frame numbered again, with
// another nonce, means that Redis went back to an older copy of its data
// and gave the seqs of lost frames to new ones: the listener, which was
// passed some of the lost ones and would miss new ones, is ended.
func (b *Broker) onFrame(l *listener, at frameID, body string) {
	cur := l.cursor
	switch {
	case at.epoch == cur.epoch && at.seq <= cur.seq:
		// A frame it had: its copy from the connection comes after the
		// history was read, until the first frame that was published
		// after that read. Afterwards, a seq it had is a seq given again.
		if at.seq == cur.seq && at.nonce != cur.nonce || at.seq < cur.seq && l.synced {
			b.end(l, fmt.Errorf("redisbroker: topic %q: frame %s came after %s: Redis lost frames it had acknowledged "+
				"(it restarted from an older snapshot, or a replica that lacked them took over) and numbered new ones again: %w",
				l.topic, at, cur, sse.ErrUnavailable))
		}
	case l.stale.IsZero() && (at.epoch == cur.epoch && at.seq == cur.seq+1 || at.epoch != cur.epoch && at.seq == 1):
		// The next one, or the first of a new life of the topic: on a
		// connection that has not broken since the listener was last
		// up to date, a life's frames cannot have come before it.
		if b.deliver(l, at, []byte(body)) {
			l.synced = true
		}
	case l.stale.IsZero() || time.Since(l.tried) >= retryEvery:
		b.catchUp(l, &at)
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

// catchUp passes to l, from the history, the frames after its cursor
// that the connection did not bring. early is the frame that showed the
// gap, if any. When the history no longer holds all of them, l is ended
// with an error wrapping sse.ErrUnavailable: a gap is never silent. So it
// is when the topic began a new life meanwhile, since the broker cannot
// tell whether others began and ended unseen; when the topic is gone
// (dropped, or forgotten when idle) l is ended with End(nil), as for a
// drop. When the history cannot be read, l is marked stale, and ended
// once it has been so for the grace period.
func (b *Broker) catchUp(l *listener, early *frameID) {
	l.tried = time.Now()
	for more := true; more; {
		ctx, cancel := b.callContext(b.ctx)
		r, err := b.read(ctx, l.names, l.cursor, catchUpBatch)
		cancel()
		more = b.took(l, r, err, early)
	}
}

// took handles a read after l's cursor that returned r or failed with
// err, and reports whether there is more to read.
func (b *Broker) took(l *listener, r readResult, err error, early *frameID) (more bool) {
	switch {
	case err != nil:
		b.markStale(l, err)
		return false
	case !b.pass(l, r, early):
		return false
	case len(r.frames) == catchUpBatch:
		return true
	}
	l.stale = time.Time{}
	delete(b.stale, l)
	return false
}

// pass passes to l the frames that a read after its cursor returned, or
// ends l when they do not follow it; it reports whether l goes on.
func (b *Broker) pass(l *listener, r readResult, early *frameID) bool {
	cur := l.cursor
	if !r.found {
		switch {
		case r.epoch == "" && cur.epoch == "" && early == nil:
			return true // still no topic: nothing was missed
		case r.epoch == "":
			b.end(l, nil)
		case r.epoch == cur.epoch:
			b.end(l, b.gap(l))
		default:
			b.end(l, fmt.Errorf("redisbroker: topic %q: it began a new life while the listener was cut off from Redis (having been passed %s), so frames may have been missed: %w",
				l.topic, describe(cur), sse.ErrUnavailable))
		}
		return false
	}
	for _, f := range r.frames {
		if f.seq != l.cursor.seq+1 { // a stream has no holes, but say so if it had
			b.end(l, b.gap(l))
			return false
		}
		if !b.deliver(l, frameID{epoch: r.epoch, seq: f.seq, nonce: f.nonce}, []byte(f.body)) {
			return false
		}
		// Their copies may yet come from the connection.
		l.synced = false
	}
	return true
}

// describe says which frame a cursor is at.
func describe(cur frameID) string {
	if cur.epoch == "" {
		return "no frame of it"
	}
	return "frame " + cur.String()
}

func (b *Broker) gap(l *listener) error {
	return fmt.Errorf("redisbroker: topic %q: missed frames that Redis no longer holds, having been passed %s "+
		"(more were appended meanwhile than the history keeps, or Redis lost frames): %w", l.topic, describe(l.cursor), sse.ErrUnavailable)
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
