package redisbroker

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
	"github.com/godanet/godanet/sse/ssetest"
)

// Two processes append to one topic: the ids are distinct and increase,
// and a listener in either gets every frame, in order, with the ids
// Append returned.
func TestIDsAndOrderAcrossProcesses(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "todos"
	onA, onB := ssetest.Listen(t, a.Broker, topic), ssetest.Listen(t, b.Broker, topic)

	var ids []string
	for i := range 20 {
		p := []process{a, b}[i%2]
		ids = append(ids, ssetest.AppendN(t, p.Broker, topic, i, 1, keep)...)
	}
	var epoch string
	for i, id := range ids {
		at, ok := parseID(id)
		if !ok || at.seq != uint64(i+1) || at.String() != id || strings.ContainsAny(id, "\r\n\x00") {
			t.Fatalf("id %d is %q, want <epoch>-%d-<nonce>", i, id, i+1)
		}
		if epoch == "" {
			epoch = at.epoch
		} else if at.epoch != epoch {
			t.Fatalf("ids %q change epoch within a life of the topic", ids)
		}
	}
	for name, r := range map[string]*ssetest.Recorder{"A": onA, "B": onB} {
		got := r.Take(t, len(ids))
		if !slices.Equal(ssetest.FrameIDs(got), ids) {
			t.Errorf("listener on %s got %q, want %q", name, ssetest.FrameIDs(got), ids)
		}
		for i, f := range got {
			if string(f.Body) != string(ssetest.Body(i)) {
				t.Errorf("listener on %s: frame %d has body %q, want %q", name, i, f.Body, ssetest.Body(i))
			}
		}
		r.Quiet(t)
	}
}

func TestRead(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "read"
	ids := ssetest.AppendN(t, a.Broker, topic, 0, 10, sse.Retention{Frames: 5})
	retained := ids[5:]
	at, _ := parseID(ids[6])
	epoch, n := at.epoch, at.nonce

	// Every retained id, and the one just before the history, places
	// the rest exactly: nothing after it is missing.
	for i := 4; i < len(ids); i++ {
		frames, found := ssetest.Read(t, b.Broker, topic, ids[i], 100)
		if !found || !slices.Equal(ssetest.FrameIDs(frames), ids[i+1:]) {
			t.Errorf("Read after %q = %q, found %v; want %q, true", ids[i], ssetest.FrameIDs(frames), found, ids[i+1:])
		}
		for j, f := range frames {
			if want := ssetest.Body(i + 1 + j); string(f.Body) != string(want) {
				t.Errorf("Read after %q: frame %q has body %q, want %q", ids[i], f.ID, f.Body, want)
			}
		}
	}
	// Trimmed, unknown, malformed, of another life, with another nonce
	// (as a frame that Redis lost, whose seq it gave again): everything
	// retained.
	unknown := append(slices.Clone(ids[:4]),
		"", "0", "-1", "garbage", epoch, epoch+"-", epoch+"-7", epoch+"-7-", epoch+"-0-"+n, epoch+"-07-"+n, epoch+"-+7-"+n,
		epoch+"-11-"+n, epoch+"-18446744073709551615-"+n, epoch+"-99999999999999999999-"+n, "zz-7-"+n,
		strings.ToUpper(ids[6]), ids[6]+"x", "x"+ids[6], ids[6]+"-1", otherNonce(ids[6]), otherNonce(ids[4]), otherNonce(ids[9]))
	for _, after := range unknown {
		frames, found := ssetest.Read(t, b.Broker, topic, after, 100)
		if found || !slices.Equal(ssetest.FrameIDs(frames), retained) {
			t.Errorf("Read after %q = %q, found %v; want everything retained %q, false", after, ssetest.FrameIDs(frames), found, retained)
		}
	}
	// Pages.
	var got []string
	after := ids[4]
	for range 10 {
		page, found := ssetest.Read(t, b.Broker, topic, after, 2)
		if !found {
			t.Fatalf("Read after %q, the last of a page: not found", after)
		}
		got = append(got, ssetest.FrameIDs(page)...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, retained) {
		t.Errorf("pages of 2 = %q, want %q", got, retained)
	}
	if frames, found := ssetest.Read(t, b.Broker, topic, ids[6], 0); len(frames) != 0 || !found {
		t.Errorf("Read with limit 0 = %q, found %v; want nothing, true", ssetest.FrameIDs(frames), found)
	}
	if frames, found := ssetest.Read(t, b.Broker, "never", ids[6], 10); len(frames) != 0 || found {
		t.Errorf("Read of a topic never appended to = %q, found %v; want nothing, false", ssetest.FrameIDs(frames), found)
	}
}

func TestNoHistory(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	const topic = "nohistory"
	on := ssetest.Listen(t, a.Broker, topic)
	ids := ssetest.AppendN(t, a.Broker, topic, 0, 3, sse.Retention{})
	on.Expect(t, ids)
	n := a.names(topic)
	if got := a.client.Exists(context.Background(), n.stream).Val(); got != 0 {
		t.Errorf("Retention{Frames: 0} left a stream")
	}
	if frames, found := ssetest.Read(t, a.Broker, topic, ids[2], 10); len(frames) != 0 || !found {
		t.Errorf("Read after the newest = %q, found %v; want nothing, true", ssetest.FrameIDs(frames), found)
	}
	for _, after := range []string{ids[1], otherNonce(ids[2])} {
		if frames, found := ssetest.Read(t, a.Broker, topic, after, 10); len(frames) != 0 || found {
			t.Errorf("Read after %q = %q, found %v; want nothing, false", after, ssetest.FrameIDs(frames), found)
		}
	}
}

func TestRetention(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	ctx := context.Background()

	t.Run("Frames", func(t *testing.T) {
		const topic = "frames"
		ssetest.AppendN(t, a.Broker, topic, 0, 20, sse.Retention{Frames: 5})
		n := a.names(topic)
		if got := a.client.XLen(ctx, n.stream).Val(); got != 5 {
			t.Errorf("XLEN = %d after 20 appends keeping 5", got)
		}
		entries := a.client.XRange(ctx, n.stream, "-", "+").Val()
		if len(entries) != 5 || entries[0].ID != "0-16" || entries[4].ID != "0-20" {
			t.Errorf("the stream holds %v, want entries 0-16 to 0-20", entries)
		}
	})

	t.Run("Idle", func(t *testing.T) {
		const topic, idle = "idle", 300 * time.Millisecond
		ssetest.AppendN(t, a.Broker, topic, 0, 2, sse.Retention{Frames: 5, Idle: idle})
		n := a.names(topic)
		for _, key := range []string{n.meta, n.stream} {
			if ttl := a.client.PTTL(ctx, key).Val(); ttl <= 0 || ttl > idle {
				t.Errorf("PTTL %s = %v, want in (0, %v]", key, ttl, idle)
			}
		}
		eventually(t, "the idle topic's keys expire", func() bool {
			return a.client.Exists(ctx, n.meta, n.stream).Val() == 0
		})
	})

	t.Run("KeepForGood", func(t *testing.T) {
		const topic = "persist"
		ssetest.AppendN(t, a.Broker, topic, 0, 1, sse.Retention{Frames: 5, Idle: time.Hour})
		ssetest.AppendN(t, a.Broker, topic, 1, 1, sse.Retention{Frames: 5})
		n := a.names(topic)
		for _, key := range []string{n.meta, n.stream} {
			if ttl := a.client.PTTL(ctx, key).Val(); ttl != -1 {
				t.Errorf("PTTL %s = %v after an Append with Idle 0, want -1 (no expiry)", key, ttl)
			}
		}
	})
}

// A Redis that lost its data starts the topic's ids afresh: an id from
// before is not found, and everything retained is replayed. A listener
// that was cut off meanwhile cannot tell what it missed, so it is ended,
// here with End(nil) since it finds the topic gone (TestNewLifeWhileCutOff
// finds a new life). A loss that does not cut the connection (FLUSHALL)
// hides no frame from it: it goes on with the new life.
func TestEpochAfterDataLoss(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "epoch"
	on := ssetest.Listen(t, b.Broker, topic)
	old := ssetest.AppendN(t, a.Broker, topic, 0, 3, keep)
	on.Expect(t, old)

	srv.Restart(true)
	if err := on.AwaitEnd(t); err != nil {
		t.Errorf("the listener found the topic gone after the loss, and was ended with %v, want nil", err)
	}
	fresh := ssetest.AppendN(t, a.Broker, topic, 3, 2, keep)
	for _, id := range fresh {
		if slices.Contains(old, id) {
			t.Fatalf("the new life reused id %q", id)
		}
	}
	if frames, found := ssetest.Read(t, a.Broker, topic, old[2], 100); found || !slices.Equal(ssetest.FrameIDs(frames), fresh) {
		t.Errorf("Read after %q from before the loss = %q, found %v; want %q, false", old[2], ssetest.FrameIDs(frames), found, fresh)
	}

	// FLUSHALL is the same loss without a restart.
	again := ssetest.Listen(t, b.Broker, topic)
	if err := a.client.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	after := ssetest.AppendN(t, a.Broker, topic, 5, 1, keep)
	if frames, found := ssetest.Read(t, a.Broker, topic, fresh[1], 100); found || !slices.Equal(ssetest.FrameIDs(frames), after) {
		t.Errorf("Read after %q from before FLUSHALL = %q, found %v; want %q, false", fresh[1], ssetest.FrameIDs(frames), found, after)
	}
	again.Expect(t, after)
	again.Quiet(t)
}

func TestOptionsPrint(t *testing.T) {
	got := []string{Prefix("app:").String(), GracePeriod(3 * time.Second).String(), Timeout(time.Second).String()}
	want := []string{`Prefix("app:")`, "GracePeriod(3s)", "Timeout(1s)"}
	if !slices.Equal(got, want) {
		t.Errorf("options print %q, want %q", got, want)
	}
	cfg := newConfig(nil)
	if cfg.prefix != "sse:" || cfg.grace != 10*time.Second || cfg.timeout != 5*time.Second {
		t.Errorf("defaults = %+v, want sse:, 10s, 5s", cfg)
	}
}

// blocker is a Listener whose Frame blocks until the test lets it go:
// the broker's feed goroutine, which calls it, stalls meanwhile, as a
// live feed that lags its store.
type blocker struct {
	*ssetest.Recorder
	entered, release chan struct{}
}

func (b *blocker) Frame(f sse.Frame) {
	b.entered <- struct{}{}
	<-b.release
}

// Read returns no frame that this process's listener of the topic has
// yet to be passed, and when it returns none after afterID, it returns
// once the listener has been passed afterID's frame: a client that saw a
// frame through another process and resumes here gets it once, from the
// Hub's live frames or from Read, not from both.
func TestReadAwaitsListener(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	ctx := context.Background()
	const topic = "await"
	on := ssetest.Listen(t, b.Broker, topic)
	ids := ssetest.AppendN(t, a.Broker, topic, 0, 1, keep)
	on.Expect(t, ids)
	stall := &blocker{Recorder: ssetest.NewRecorder(), entered: make(chan struct{}), release: make(chan struct{})}
	stop, err := b.Listen(ctx, "stall", stall)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	l := b.lookup(b.names(topic).channel)

	for i, tc := range []struct {
		name  string
		after func(x string) string // afterID, given the frame that the listener lags
		want  func(x string) []string
	}{
		{"NothingAfter", func(x string) string { return x }, func(string) []string { return nil }},
		{"FramesAfter", func(string) string { return ids[len(ids)-1] }, func(x string) []string { return []string{x} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ssetest.AppendN(t, a.Broker, "stall", i, 1, keep)
			select {
			case <-stall.entered: // b's feed is stuck
			case <-time.After(wait):
				t.Fatal("the stalling listener was not called")
			}
			x := ssetest.AppendN(t, a.Broker, topic, len(ids), 1, keep)[0]
			after := tc.after(x)
			ids = append(ids, x)
			type result struct {
				frames    []sse.Frame
				found     bool
				err       error
				listening int // frames the listener had when Read returned
			}
			done := make(chan result, 1)
			go func() {
				frames, found, err := b.Read(ctx, topic, after, 10)
				done <- result{frames, found, err, len(on.Frames())}
			}()
			// Let the feed go on once Read waits for it (or returned).
			eventually(t, "Read waits for the listener", func() bool {
				l.mu.Lock()
				defer l.mu.Unlock()
				return l.moved != nil || len(done) > 0
			})
			stall.release <- struct{}{}
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !r.found || !slices.Equal(ssetest.FrameIDs(r.frames), tc.want(x)) {
				t.Errorf("Read after %q = %q, found %v; want %q, true", after, ssetest.FrameIDs(r.frames), r.found, tc.want(x))
			}
			if r.listening == 0 {
				t.Errorf("Read after %q returned before this process's listener was passed %q", after, x)
			}
			on.Expect(t, []string{x})
		})
	}
}

// A topic's keys share a non-empty hash tag, whatever the topic, so that
// they live in one Cluster slot; ordinary topics are written as they are,
// and two topics never share keys.
func TestKeyNames(t *testing.T) {
	b := &Broker{cfg: newConfig(nil)}
	for _, tc := range []struct{ topic, base string }{
		{"todo/42", "sse:{todo/42}:"},
		{"a:b c", "sse:{a:b c}:"},
		{"", "sse:{%}:"},
		{"}", "sse:{%7D}:"},
		{"}x", "sse:{%7Dx}:"},
		{"{x}", "sse:{%7Bx%7D}:"},
		{"a{b}c", "sse:{a%7Bb%7Dc}:"},
		{"50%", "sse:{50%25}:"},
		{"%", "sse:{%25}:"},
		{"%7D", "sse:{%257D}:"},
	} {
		n := b.names(tc.topic)
		if want := (names{meta: tc.base + "m", stream: tc.base + "s", channel: tc.base + "c"}); n != want {
			t.Errorf("names(%q) = %+v, want %+v", tc.topic, n, want)
		}
		if tag := clusterTag(n.meta); tag == n.meta || tag != clusterTag(n.stream) {
			t.Errorf("topic %q: keys %q and %q hash on %q and %q, want one tag", tc.topic, n.meta, n.stream, tag, clusterTag(n.stream))
		}
	}
	seen := map[string]string{}
	for _, topic := range []string{"", "%", "%%", "%25", "%7B", "%7D", "{", "}", "{}", "}{", "a", "a}", "a}:m", "a}:m}", "a%", "a%7D", "a}b", "ab"} {
		key := b.names(topic).meta
		if other, ok := seen[key]; ok {
			t.Errorf("topics %q and %q have one key %q", other, topic, key)
		}
		seen[key] = topic
	}
}

// clusterTag is the part of key that Redis Cluster hashes: between the
// first '{' and the first '}' after it, unless that is empty.
func clusterTag(key string) string {
	_, rest, ok := strings.Cut(key, "{")
	if !ok {
		return key
	}
	tag, _, ok := strings.Cut(rest, "}")
	if !ok || tag == "" {
		return key
	}
	return tag
}

// New refuses a *redis.Ring at once, saying what to use instead.
func TestNewRing(t *testing.T) {
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	p := func() (p any) {
		defer func() { p = recover() }()
		b := New(ring)
		_ = b.Close()
		return nil
	}()
	msg, _ := p.(string)
	if !strings.Contains(msg, "Ring") || !strings.Contains(msg, "ClusterClient") {
		t.Errorf("New(*redis.Ring) panicked with %v, want a message naming the Ring and what to use instead", p)
	}
}
