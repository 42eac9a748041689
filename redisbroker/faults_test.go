package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
	"github.com/godanet/godanet/sse/ssetest"
)

// While Redis is down every call fails fast, saying what failed on which
// topic, with an error wrapping sse.ErrUnavailable and the cause. Once it
// is back, a listener that was open all along gets everything appended
// since, by any process, with no gap and no duplicate.
func TestRedisDownAndBack(t *testing.T) {
	srv := redistest.Start(t)
	const timeout = 500 * time.Millisecond
	a, b := open(t, srv, "A", Timeout(timeout)), open(t, srv, "B")
	const topic = "todos"
	on := ssetest.Listen(t, a.Broker, topic)
	before := ssetest.AppendN(t, b.Broker, topic, 0, 2, keep)
	on.Expect(t, before)

	srv.Kill()
	ctx := context.Background()
	calls := map[string]func() error{
		"append to": func() error { _, err := a.Append(ctx, topic, ssetest.Body(9), keep); return err },
		"read":      func() error { _, _, err := a.Read(ctx, topic, before[0], 10); return err },
		"listen to": func() error { _, err := a.Listen(ctx, "other", ssetest.NewRecorder()); return err },
		"drop":      func() error { return a.DropTopic(ctx, "other") },
	}
	for op, call := range calls {
		start := time.Now()
		err := call()
		elapsed := time.Since(start)
		t.Logf("%s: %v in %v", op, err, elapsed)
		if !errors.Is(err, sse.ErrUnavailable) {
			t.Errorf("%s while Redis is down: %v, want an error wrapping sse.ErrUnavailable", op, err)
			continue
		}
		if elapsed > timeout+500*time.Millisecond {
			t.Errorf("%s while Redis is down took %v, want about Timeout (%v) at most", op, elapsed, timeout)
		}
		if prefix := "redisbroker: " + op + " "; !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s error %q does not begin with %q", op, err, prefix)
		}
		var netErr net.Error
		if !errors.As(err, &netErr) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s error %q does not keep its cause", op, err)
		}
	}

	srv.Restart(false)
	after := ssetest.AppendN(t, b.Broker, topic, 2, 5, keep)
	on.Expect(t, after)
	// The listener was never ended: the ids go on from before.
	if at, _ := parseID(after[0]); at.seq != 3 {
		t.Errorf("after a restart with the data kept, the ids went on from %q, want seq 3", after[0])
	}
	on.Quiet(t)
}

// The frames another process appends while this one's Pub/Sub connection
// is down reach its listener once it is back.
func TestGapFill(t *testing.T) {
	a, g, b := cutOff(t)
	const topic = "gap"
	on := ssetest.Listen(t, a.Broker, topic)
	on.Expect(t, ssetest.AppendN(t, b.Broker, topic, 0, 1, keep))

	g.shut.Store(true)
	killPubSub(t, b, "A")
	missed := ssetest.AppendN(t, b.Broker, topic, 1, 5, keep)
	g.shut.Store(false)
	on.Expect(t, missed)
	live := ssetest.AppendN(t, b.Broker, topic, 6, 2, keep)
	on.Expect(t, live)
	on.Quiet(t)
}

// When the history no longer holds what a listener missed, it is ended
// with an error wrapping sse.ErrUnavailable: a gap is never silent.
func TestGapTooLong(t *testing.T) {
	a, g, b := cutOff(t)
	const topic = "trimmed"
	short := sse.Retention{Frames: 3}
	on := ssetest.Listen(t, a.Broker, topic)
	on.Expect(t, ssetest.AppendN(t, b.Broker, topic, 0, 1, short))

	g.shut.Store(true)
	killPubSub(t, b, "A")
	ssetest.AppendN(t, b.Broker, topic, 1, 10, short)
	g.shut.Store(false)
	select {
	case f := <-on.Frames():
		t.Fatalf("got frame %q, want the listener ended", f.ID)
	case err := <-on.Ended():
		if !errors.Is(err, sse.ErrUnavailable) {
			t.Fatalf("End(%v), want an error wrapping sse.ErrUnavailable", err)
		}
	case <-time.After(wait):
		t.Fatalf("the listener was not ended within %v", wait)
	}
}

// killPubSub kills the Pub/Sub connection of the client named name.
func killPubSub(t *testing.T, p process, name string) {
	t.Helper()
	killed := 0
	for _, c := range clients(t, p.client) {
		if c["name"] == name && c["sub"] != "0" {
			if err := p.client.ClientKillByFilter(context.Background(), "ID", c["id"]).Err(); err != nil {
				t.Fatalf("CLIENT KILL ID %s: %v", c["id"], err)
			}
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("killed %d Pub/Sub connections of %s, want 1", killed, name)
	}
}

// A connection down for longer than the grace period ends the listeners.
func TestGracePeriod(t *testing.T) {
	srv := redistest.Start(t)
	const grace = 300 * time.Millisecond
	a := open(t, srv, "A", GracePeriod(grace))
	on := ssetest.Listen(t, a.Broker, "grace")
	start := time.Now()
	srv.Kill()
	err := on.AwaitEnd(t)
	elapsed := time.Since(start)
	if !errors.Is(err, sse.ErrUnavailable) {
		t.Errorf("End(%v), want an error wrapping sse.ErrUnavailable", err)
	}
	if elapsed < grace || elapsed > grace+2*time.Second {
		t.Errorf("the listener was ended %v after the kill, want about the grace period %v", elapsed, grace)
	}
	if !strings.Contains(err.Error(), `topic "grace"`) {
		t.Errorf("End's error %q does not name the topic", err)
	}
}

// A Redis that hangs, rather than refusing, is noticed by its silence.
func TestRedisHangs(t *testing.T) {
	srv := redistest.Start(t)
	const grace, timeout = 300 * time.Millisecond, 300 * time.Millisecond
	a := open(t, srv, "A", GracePeriod(grace), Timeout(timeout))
	on := ssetest.Listen(t, a.Broker, "hang")
	srv.Freeze()
	defer srv.Thaw()
	start := time.Now()
	if _, err := a.Append(context.Background(), "hang", ssetest.Body(0), keep); !errors.Is(err, sse.ErrUnavailable) {
		t.Errorf("Append to a hung Redis: %v, want an error wrapping sse.ErrUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed > timeout+500*time.Millisecond {
		t.Errorf("Append to a hung Redis took %v, want about Timeout (%v)", elapsed, timeout)
	}
	if err := on.AwaitEnd(t); !errors.Is(err, sse.ErrUnavailable) {
		t.Errorf("End(%v), want an error wrapping sse.ErrUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed > idleCheck+timeout+grace+2*time.Second {
		t.Errorf("the listener was ended %v after Redis hung, want within %v", elapsed, idleCheck+timeout+grace)
	}
}

// cutOff opens processes A, whose dialler the returned gate can shut, and
// B, on one Redis.
func cutOff(t *testing.T) (a process, g *gate, b process) {
	srv := redistest.Start(t)
	opts := srv.Options()
	opts.ClientName = "A"
	g = &gate{}
	opts.Dialer = g.dial
	return openWith(t, opts), g, open(t, srv, "B")
}

// A topic dropped while a process was cut off, whose drop notice it
// missed, ends its listener there as the notice would have: with nil.
func TestDroppedWhileCutOff(t *testing.T) {
	a, g, b := cutOff(t)
	const topic = "dropped"
	on := ssetest.Listen(t, a.Broker, topic)
	on.Expect(t, ssetest.AppendN(t, b.Broker, topic, 0, 2, keep))

	g.shut.Store(true)
	killPubSub(t, b, "A")
	if err := b.DropTopic(context.Background(), topic); err != nil {
		t.Fatal(err)
	}
	g.shut.Store(false)
	if err := on.AwaitEnd(t); err != nil {
		t.Errorf("End(%v), want nil: the topic was dropped", err)
	}
}

// A topic that began a new life while a process was cut off (it was
// dropped, or forgotten when idle, and appended to again) may have had
// frames that the listener there missed: it is ended with an error
// wrapping sse.ErrUnavailable, and the Hub's clients replay what is
// retained. So is one that listened before the topic existed.
func TestNewLifeWhileCutOff(t *testing.T) {
	for _, existed := range []bool{true, false} {
		name := map[bool]string{true: "Existed", false: "DidNotExist"}[existed]
		t.Run(name, func(t *testing.T) {
			a, g, b := cutOff(t)
			const topic = "reborn"
			on := ssetest.Listen(t, a.Broker, topic)
			if existed {
				on.Expect(t, ssetest.AppendN(t, b.Broker, topic, 0, 2, keep))
			}
			g.shut.Store(true)
			killPubSub(t, b, "A")
			if err := b.DropTopic(context.Background(), topic); err != nil {
				t.Fatal(err)
			}
			fresh := ssetest.AppendN(t, b.Broker, topic, 2, 2, keep)
			g.shut.Store(false)
			if err := on.AwaitEnd(t); !errors.Is(err, sse.ErrUnavailable) {
				t.Errorf("End(%v), want an error wrapping sse.ErrUnavailable", err)
			} else {
				t.Log(err)
			}
			if frames, found := ssetest.Read(t, a.Broker, topic, "", 100); found || !slices.Equal(ssetest.FrameIDs(frames), fresh) {
				t.Errorf("Read = %q, %v; want the new life %q, false", ssetest.FrameIDs(frames), found, fresh)
			}
		})
	}
}

// replyError is an error reply from Redis.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

// unavailable tells the errors of a Redis that cannot be reached or
// cannot serve for now from the rest, which retrying does not cure.
func TestUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{refused, true},
		{fmt.Errorf("redis: %w", refused), true},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{context.DeadlineExceeded, true},
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{redis.ErrClosed, true},
		{redis.ErrPoolTimeout, true},
		{redis.ErrPoolExhausted, true},
		{replyError("LOADING Redis is loading the dataset in memory"), true},
		{replyError("READONLY You can't write against a read only replica."), true},
		{replyError("ERR max number of clients reached"), true},
		{replyError("MISCONF Redis is configured to save RDB snapshots"), true},
		{replyError("ERR unknown command 'EVALSHA'"), false},
		{replyError("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{redis.ErrCrossSlot, false},
		{errors.New("redis: can't parse reply=\"+OK\" reading string"), false},
		{errors.New("unexpected reply [1 2]"), false},
		{context.Canceled, false},
	} {
		if got := unavailable(tc.err); got != tc.want {
			t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
