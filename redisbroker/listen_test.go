package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
	"github.com/godanet/godanet/sse/ssetest"
)

// DropTopic in one process ends the topic's listeners in all, after the
// frames published before it, and forgets its keys.
func TestDropTopic(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "todo/42"
	onA, onB := ssetest.Listen(t, a.Broker, topic), ssetest.Listen(t, b.Broker, topic)
	ids := ssetest.AppendN(t, a.Broker, topic, 0, 2, keep)

	if err := a.DropTopic(context.Background(), topic); err != nil {
		t.Fatalf("DropTopic: %v", err)
	}
	// DropTopic returns once this process's own listener has ended.
	select {
	case err := <-onA.Ended():
		if err != nil {
			t.Errorf("DropTopic ended the listener in its own process with %v, want nil", err)
		}
	default:
		t.Error("DropTopic returned before its own process's listener ended")
	}
	onA.Expect(t, ids)
	onB.Expect(t, ids)
	if err := onB.AwaitEnd(t); err != nil {
		t.Errorf("DropTopic ended the listener in another process with %v, want nil", err)
	}
	n := a.names(topic)
	if got := a.client.Exists(context.Background(), n.meta, n.stream).Val(); got != 0 {
		t.Errorf("%d of the topic's keys are left after DropTopic", got)
	}
	// The topic may be listened to again, and starts a new life.
	again := ssetest.Listen(t, b.Broker, topic)
	fresh := ssetest.AppendN(t, a.Broker, topic, 2, 1, keep)
	again.Expect(t, fresh)
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
	recorders := make([]*ssetest.Recorder, topics)
	stops := make([]func(), topics)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < topics; i += workers {
				recorders[i] = ssetest.NewRecorder()
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

	picked := []int{0, 1, topics / 2, topics - 1}
	for _, i := range picked {
		topic := "t" + strconv.Itoa(i)
		recorders[i].Expect(t, ssetest.AppendN(t, b.Broker, topic, i, 1, keep))
	}
	// Cut off, the connection is dialled again and subscribed again to
	// every channel at once; what was appended meanwhile is read back.
	killPubSub(t, b, "A")
	for _, i := range picked {
		topic := "t" + strconv.Itoa(i)
		recorders[i].Expect(t, ssetest.AppendN(t, b.Broker, topic, i+1, 2, keep))
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
	var recorders []*ssetest.Recorder
	for i := range 3 {
		recorders = append(recorders, ssetest.Listen(t, a.Broker, fmt.Sprint("close", i)))
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, r := range recorders {
		if err := r.AwaitEnd(t); !errors.Is(err, sse.ErrClosed) {
			t.Errorf("Close ended a listener with %v, want sse.ErrClosed", err)
		}
	}
	ctx := context.Background()
	if err := a.Close(); err != nil {
		t.Errorf("Close again: %v, want nil", err)
	}
	if _, err := a.Append(ctx, "close0", ssetest.Body(0), keep); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Append after Close: %v, want sse.ErrClosed", err)
	}
	if _, _, err := a.Read(ctx, "close0", "", 10); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("Read after Close: %v, want sse.ErrClosed", err)
	}
	if _, err := a.Listen(ctx, "close0", ssetest.NewRecorder()); !errors.Is(err, sse.ErrClosed) {
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
	ssetest.Listen(t, a.Broker, "twice")
	stop, err := a.Listen(context.Background(), "twice", ssetest.NewRecorder())
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
	r := ssetest.NewRecorder()
	stop, err := a.Listen(context.Background(), topic, r)
	if err != nil {
		t.Fatal(err)
	}
	r.Expect(t, ssetest.AppendN(t, b.Broker, topic, 0, 1, keep))
	stop()
	stop() // twice does nothing
	ssetest.AppendN(t, b.Broker, topic, 1, 3, keep)
	// A new listener in the same process, made after those appends, gets
	// the next frame: the old one would have had them by then.
	witness := ssetest.Listen(t, a.Broker, topic)
	witness.Expect(t, ssetest.AppendN(t, b.Broker, topic, 4, 1, keep))
	r.Quiet(t)
}

// panicky is a Listener whose Frame panics.
type panicky struct{ *ssetest.Recorder }

func (panicky) Frame(sse.Frame) { panic("boom") }

// A listener that panics is ended; the broker goes on serving the others.
func TestListenerPanics(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	bad := panicky{ssetest.NewRecorder()}
	stop, err := a.Listen(context.Background(), "bad", bad)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	good := ssetest.Listen(t, a.Broker, "good")
	ssetest.AppendN(t, a.Broker, "bad", 0, 1, keep)
	if err := bad.AwaitEnd(t); err == nil || errors.Is(err, sse.ErrUnavailable) {
		t.Errorf("a panicking listener was ended with %v, want an error saying it panicked", err)
	}
	good.Expect(t, ssetest.AppendN(t, a.Broker, "good", 0, 1, keep))
}

// slowEnd is a Listener whose End takes a while.
type slowEnd struct {
	*ssetest.Recorder
	returned atomic.Bool
}

func (s *slowEnd) End(err error) {
	time.Sleep(50 * time.Millisecond) // work that End does
	s.returned.Store(true)
	s.Recorder.End(err)
}

// DropTopic returns once its own process's listener's End has returned,
// so that a Hub's DropTopic has ended the topic's streams when it returns.
func TestDropTopicWaitsForEnd(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	const topic = "slow-end"
	l := &slowEnd{Recorder: ssetest.NewRecorder()}
	stop, err := a.Listen(context.Background(), topic, l)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ssetest.AppendN(t, a.Broker, topic, 0, 1, keep)
	if err := a.DropTopic(context.Background(), topic); err != nil {
		t.Fatal(err)
	}
	if !l.returned.Load() {
		t.Error("DropTopic returned before its own process's listener's End returned")
	}
}

// A listener whose topic's position cannot be read fails its Listen, and
// a second confirmation of its subscription (go-redis subscribes again
// when it retries) does not set it up again: it closed its ready channel
// twice, and the panic took the process down.
func TestPositionReadFails(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	ctx := context.Background()
	good := ssetest.Listen(t, a.Broker, "good")
	const topic = "wrongtype"
	n := a.names(topic)
	if err := a.client.Set(ctx, n.meta, "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := a.Listen(ctx, topic, ssetest.NewRecorder())
	if err == nil || !strings.Contains(err.Error(), "position") || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("Listen to a topic whose position cannot be read: %v, want an error saying why", err)
	}

	// Listen forgets its listener once it fails; this one stays, as if
	// the retry came first, and is confirmed twice.
	const twice = "wrongtype-twice"
	n = a.names(twice)
	if err := a.client.Set(ctx, n.meta, "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	l := &listener{topic: twice, names: n, l: ssetest.NewRecorder(), ready: make(chan struct{}), ended: make(chan struct{})}
	a.mu.Lock()
	a.topics[n.channel] = l
	a.mu.Unlock()
	defer a.forget(l)
	if err := a.subscribe(ctx, n.channel); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.ready:
		if l.readyErr == nil {
			t.Fatal("the position of a topic whose meta key is a string was read")
		}
	case <-time.After(wait):
		t.Fatal("the subscription was not confirmed")
	}
	if err := a.subscribe(ctx, n.channel); err != nil {
		t.Fatal(err)
	}
	// Redis confirms in order: once this Listen returns, the feed has
	// handled the second confirmation.
	witness := ssetest.Listen(t, a.Broker, "witness")
	witness.Expect(t, ssetest.AppendN(t, a.Broker, "witness", 0, 1, keep))
	good.Expect(t, ssetest.AppendN(t, a.Broker, "good", 0, 1, keep))
	good.Quiet(t)

	// Once the key is fixed, the topic can be listened to.
	if err := a.client.Del(ctx, a.names(topic).meta).Err(); err != nil {
		t.Fatal(err)
	}
	on := ssetest.Listen(t, a.Broker, topic)
	on.Expect(t, ssetest.AppendN(t, a.Broker, topic, 0, 1, keep))
}

// A panic in the feed goroutine (a bug) does not take the process down:
// its listeners are ended with an error wrapping sse.ErrUnavailable that
// says what happened, and the broker goes on serving.
func TestFeedPanics(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	ctx := context.Background()
	good := ssetest.Listen(t, a.Broker, "good")

	// A listener without its ended channel makes the feed panic when it
	// ends it: a stand-in for a bug.
	n := a.names("bad")
	bad := &listener{topic: "bad", names: n, l: ssetest.NewRecorder(), ready: make(chan struct{})}
	a.mu.Lock()
	a.topics[n.channel] = bad
	a.mu.Unlock()
	if err := a.subscribe(ctx, n.channel); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bad.ready:
	case <-time.After(wait):
		t.Fatal("the subscription was not confirmed")
	}
	if err := a.client.Publish(ctx, n.channel, "d").Err(); err != nil { // a drop notice
		t.Fatal(err)
	}
	err := good.AwaitEnd(t)
	if !errors.Is(err, sse.ErrUnavailable) || !strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "close of nil channel") {
		t.Errorf("after the feed panicked, a listener was ended with %v; want an error wrapping sse.ErrUnavailable that says why", err)
	}
	again := ssetest.Listen(t, a.Broker, "good")
	again.Expect(t, ssetest.AppendN(t, a.Broker, "good", 0, 1, keep))
}

// readCounter is a go-redis hook that counts the broker's reads of
// positions and history, made one by one or in pipelines.
type readCounter struct {
	single, pipelines, pipelined atomic.Int64
}

func isRead(cmd redis.Cmder) bool {
	args := cmd.Args()
	switch cmd.Name() {
	case "hmget":
		return true
	case "evalsha":
		return len(args) > 1 && args[1] == readScript.Hash()
	}
	return false
}

func (*readCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *readCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if isRead(cmd) {
			c.single.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *readCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if n := int64(len(slices.DeleteFunc(slices.Clone(cmds), func(c redis.Cmder) bool { return !isRead(c) }))); n > 0 {
			c.pipelines.Add(1)
			c.pipelined.Add(n)
		}
		return next(ctx, cmds)
	}
}

// After a reconnection Redis confirms every subscription at once, and the
// broker reads what the listeners missed in a round trip or a few, not in
// one per topic.
func TestCatchUpPipelined(t *testing.T) {
	a, g, b := cutOff(t)
	var reads readCounter
	a.client.AddHook(&reads)
	const topics = 300
	recorders := make([]*ssetest.Recorder, topics)
	for i := range recorders {
		recorders[i] = ssetest.Listen(t, a.Broker, "p"+strconv.Itoa(i))
		recorders[i].Expect(t, ssetest.AppendN(t, b.Broker, "p"+strconv.Itoa(i), 0, 1, keep))
	}
	g.shut.Store(true)
	killPubSub(t, b, "A")
	missed := make([][]string, topics)
	for i := range missed {
		missed[i] = ssetest.AppendN(t, b.Broker, "p"+strconv.Itoa(i), 1, 2, keep)
	}
	before := reads.pipelines.Load()
	g.shut.Store(false)
	for i, r := range recorders {
		r.Expect(t, missed[i])
	}
	pipelines := reads.pipelines.Load() - before
	t.Logf("%d topics caught up with %d pipelines, %d reads one by one", topics, pipelines, reads.single.Load())
	// A pipeline per settleBatch topics, and one more when Redis has yet
	// to load the read script.
	if most := int64(topics/settleBatch + 2); pipelines < 1 || pipelines > most || reads.single.Load() > 0 {
		t.Errorf("%d topics were caught up with %d pipelines and %d reads one by one, want 1 to %d pipelines", topics, pipelines, reads.single.Load(), most)
	}
}
