package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
)

// DropTopic in one process ends the topic's listeners in all, after the
// frames published before it, and forgets its keys.
func TestDropTopic(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "todo/42"
	onA, onB := listen(t, a.Broker, topic), listen(t, b.Broker, topic)
	ids := appendN(t, a.Broker, topic, 0, 2, keep)

	if err := a.DropTopic(context.Background(), topic); err != nil {
		t.Fatalf("DropTopic: %v", err)
	}
	// DropTopic returns once this process's own listener has ended.
	select {
	case err := <-onA.ended:
		if err != nil {
			t.Errorf("DropTopic ended the listener in its own process with %v, want nil", err)
		}
	default:
		t.Error("DropTopic returned before its own process's listener ended")
	}
	onA.expect(t, ids)
	onB.expect(t, ids)
	if err := onB.awaitEnd(t); err != nil {
		t.Errorf("DropTopic ended the listener in another process with %v, want nil", err)
	}
	n := a.names(topic)
	if got := a.client.Exists(context.Background(), n.meta, n.stream).Val(); got != 0 {
		t.Errorf("%d of the topic's keys are left after DropTopic", got)
	}
	// The topic may be listened to again, and starts a new life.
	again := listen(t, b.Broker, topic)
	fresh := appendN(t, a.Broker, topic, 2, 1, keep)
	again.expect(t, fresh)
	if fresh[0] == ids[0] {
		t.Errorf("the new life reused id %q", fresh[0])
	}
}

// A broker has one Pub/Sub connection, whatever the number of topics it
// listens to.
func TestOnePubSubConnection(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topics, workers = 1000, 8
	recorders := make([]*recorder, topics)
	stops := make([]func(), topics)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < topics; i += workers {
				recorders[i] = newRecorder()
				stop, err := a.Listen(context.Background(), "t"+strconv.Itoa(i), recorders[i])
				if err != nil {
					errs <- err
					return
				}
				stops[i] = stop
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Listen: %v", err)
	}

	var conns, subscribed []map[string]string
	for _, c := range clients(t, b.client) {
		if c["name"] == "A" {
			conns = append(conns, c)
			if c["sub"] != "0" {
				subscribed = append(subscribed, c)
			}
		}
	}
	if len(subscribed) != 1 || subscribed[0]["sub"] != strconv.Itoa(topics) {
		t.Errorf("%d connections of A are subscribed (%v), want 1 subscribed to %d channels", len(subscribed), subscribed, topics)
	}
	// Besides it, go-redis's pool: Listen's calls are made on the Pub/Sub
	// connection and by the broker's one goroutine, so it holds one.
	if len(conns) > 2 {
		t.Errorf("A has %d connections for %d topics (%v), want at most 2: the Pub/Sub one and one of the pool", len(conns), topics, conns)
	}

	for _, i := range []int{0, topics / 2, topics - 1} {
		topic := "t" + strconv.Itoa(i)
		recorders[i].expect(t, appendN(t, b.Broker, topic, i, 1, keep))
	}
	// Cut off, the connection is dialled again and subscribed again to
	// every channel at once; what was appended meanwhile is read back.
	killPubSub(t, b, "A")
	for _, i := range []int{1, topics/2 + 1, topics - 2} {
		topic := "t" + strconv.Itoa(i)
		recorders[i].expect(t, appendN(t, b.Broker, topic, i, 2, keep))
	}
	eventually(t, "A subscribes again to every channel", func() bool {
		for _, c := range clients(t, b.client) {
			if c["name"] == "A" && c["sub"] == strconv.Itoa(topics) {
				return true
			}
		}
		return false
	})
	for _, stop := range stops {
		stop()
	}
	eventually(t, "A unsubscribes from the topics it stopped listening to", func() bool {
		for _, c := range clients(t, b.client) {
			if c["name"] == "A" && c["sub"] != "0" {
				return false
			}
		}
		return true
	})
}

func TestClose(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	var recorders []*recorder
	for i := range 3 {
		recorders = append(recorders, listen(t, a.Broker, fmt.Sprint("close", i)))
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, r := range recorders {
		if err := r.awaitEnd(t); !errors.Is(err, sse.ErrClosed) {
			t.Errorf("Close ended a listener with %v, want sse.ErrClosed", err)
		}
	}
	ctx := context.Background()
	if err := a.Close(); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Close again: %v, want sse.ErrClosed", err)
	}
	if _, err := a.Append(ctx, "close0", body(0), keep); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Append after Close: %v, want sse.ErrClosed", err)
	}
	if _, _, err := a.Read(ctx, "close0", "", 10); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Read after Close: %v, want sse.ErrClosed", err)
	}
	if _, err := a.Listen(ctx, "close0", newRecorder()); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Listen after Close: %v, want sse.ErrClosed", err)
	}
	if err := a.DropTopic(ctx, "close0"); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("DropTopic after Close: %v, want sse.ErrClosed", err)
	}
	// The client it was given is not closed.
	if err := a.client.Ping(ctx).Err(); err != nil {
		t.Errorf("the client after the broker's Close: %v", err)
	}
}

func TestListenTwice(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	listen(t, a.Broker, "twice")
	stop, err := a.Listen(context.Background(), "twice", newRecorder())
	if err == nil {
		stop()
		t.Fatal("a second Listen to one topic succeeded")
	}
	t.Log(err)
}

// A listener gets nothing once stop has returned.
func TestStop(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "stop"
	r := newRecorder()
	stop, err := a.Listen(context.Background(), topic, r)
	if err != nil {
		t.Fatal(err)
	}
	r.expect(t, appendN(t, b.Broker, topic, 0, 1, keep))
	stop()
	stop() // twice does nothing
	appendN(t, b.Broker, topic, 1, 3, keep)
	// A new listener in the same process, made after those appends, gets
	// the next frame: the old one would have had them by then.
	witness := listen(t, a.Broker, topic)
	witness.expect(t, appendN(t, b.Broker, topic, 4, 1, keep))
	r.quiet(t)
}

// panicky is a Listener whose Frame panics.
type panicky struct{ *recorder }

func (panicky) Frame(sse.Frame) { panic("boom") }

// A listener that panics is ended; the broker goes on serving the others.
func TestListenerPanics(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	bad := panicky{newRecorder()}
	stop, err := a.Listen(context.Background(), "bad", bad)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	good := listen(t, a.Broker, "good")
	appendN(t, a.Broker, "bad", 0, 1, keep)
	if err := bad.awaitEnd(t); err == nil || errors.Is(err, sse.ErrUnavailable) {
		t.Errorf("a panicking listener was ended with %v, want an error saying it panicked", err)
	}
	good.expect(t, appendN(t, a.Broker, "good", 0, 1, keep))
}
