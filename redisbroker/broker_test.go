package redisbroker

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
)

// Two processes append to one topic: the ids are distinct and increase,
// and a listener in either gets every frame, in order, with the ids
// Append returned.
func TestIDsAndOrderAcrossProcesses(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "todos"
	onA, onB := listen(t, a.Broker, topic), listen(t, b.Broker, topic)

	var ids []string
	for i := range 20 {
		p := []process{a, b}[i%2]
		ids = append(ids, appendN(t, p.Broker, topic, i, 1, keep)...)
	}
	var epoch string
	for i, id := range ids {
		e, seq, ok := parseID(id)
		if !ok || seq != uint64(i+1) || strings.ContainsAny(id, "\r\n\x00") {
			t.Fatalf("id %d is %q, want <epoch>-%d", i, id, i+1)
		}
		if epoch == "" {
			epoch = e
		} else if e != epoch {
			t.Fatalf("ids %q change epoch within a life of the topic", ids)
		}
	}
	for name, r := range map[string]*recorder{"A": onA, "B": onB} {
		got := r.take(t, len(ids))
		if !slices.Equal(frameIDs(got), ids) {
			t.Errorf("listener on %s got %q, want %q", name, frameIDs(got), ids)
		}
		for i, f := range got {
			if string(f.Body) != string(body(i)) {
				t.Errorf("listener on %s: frame %d has body %q, want %q", name, i, f.Body, body(i))
			}
		}
		r.quiet(t)
	}
}

func TestRead(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "read"
	ids := appendN(t, a.Broker, topic, 0, 10, sse.Retention{Frames: 5})
	retained := ids[5:]
	epoch, _, _ := parseID(ids[0])

	// Every retained id, and the one just before the history, places
	// the rest exactly: nothing after it is missing.
	for i := 4; i < len(ids); i++ {
		frames, found := read(t, b.Broker, topic, ids[i], 100)
		if !found || !slices.Equal(frameIDs(frames), ids[i+1:]) {
			t.Errorf("Read after %q = %q, found %v; want %q, true", ids[i], frameIDs(frames), found, ids[i+1:])
		}
		for j, f := range frames {
			if want := body(i + 1 + j); string(f.Body) != string(want) {
				t.Errorf("Read after %q: frame %q has body %q, want %q", ids[i], f.ID, f.Body, want)
			}
		}
	}
	// Trimmed, unknown, malformed, of another life: everything retained.
	unknown := append(slices.Clone(ids[:4]),
		"", "0", "-1", "garbage", epoch, epoch+"-", epoch+"-0", epoch+"-06", epoch+"-+6",
		epoch+"-11", epoch+"-99999999999999999999", "zz-6", strings.ToUpper(epoch)+"-6", ids[6]+"x", "x"+ids[6])
	for _, after := range unknown {
		frames, found := read(t, b.Broker, topic, after, 100)
		if found || !slices.Equal(frameIDs(frames), retained) {
			t.Errorf("Read after %q = %q, found %v; want everything retained %q, false", after, frameIDs(frames), found, retained)
		}
	}
	// Pages.
	var got []string
	after := ids[4]
	for range 10 {
		page, found := read(t, b.Broker, topic, after, 2)
		if !found {
			t.Fatalf("Read after %q, the last of a page: not found", after)
		}
		got = append(got, frameIDs(page)...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, retained) {
		t.Errorf("pages of 2 = %q, want %q", got, retained)
	}
	if frames, found := read(t, b.Broker, topic, ids[6], 0); len(frames) != 0 || !found {
		t.Errorf("Read with limit 0 = %q, found %v; want nothing, true", frameIDs(frames), found)
	}
	if frames, found := read(t, b.Broker, "never", ids[6], 10); len(frames) != 0 || found {
		t.Errorf("Read of a topic never appended to = %q, found %v; want nothing, false", frameIDs(frames), found)
	}
}

func TestNoHistory(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	const topic = "nohistory"
	on := listen(t, a.Broker, topic)
	ids := appendN(t, a.Broker, topic, 0, 3, sse.Retention{})
	on.expect(t, ids)
	n := a.names(topic)
	if got := a.client.Exists(context.Background(), n.stream).Val(); got != 0 {
		t.Errorf("Retention{Frames: 0} left a stream")
	}
	if frames, found := read(t, a.Broker, topic, ids[2], 10); len(frames) != 0 || !found {
		t.Errorf("Read after the newest = %q, found %v; want nothing, true", frameIDs(frames), found)
	}
	if frames, found := read(t, a.Broker, topic, ids[1], 10); len(frames) != 0 || found {
		t.Errorf("Read after an older one = %q, found %v; want nothing, false", frameIDs(frames), found)
	}
}

func TestRetention(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, "A")
	ctx := context.Background()

	t.Run("Frames", func(t *testing.T) {
		const topic = "frames"
		appendN(t, a.Broker, topic, 0, 20, sse.Retention{Frames: 5})
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
		appendN(t, a.Broker, topic, 0, 2, sse.Retention{Frames: 5, Idle: idle})
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
		appendN(t, a.Broker, topic, 0, 1, sse.Retention{Frames: 5, Idle: time.Hour})
		appendN(t, a.Broker, topic, 1, 1, sse.Retention{Frames: 5})
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
// open meanwhile goes on with the new life.
func TestEpochAfterDataLoss(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "epoch"
	on := listen(t, b.Broker, topic)
	old := appendN(t, a.Broker, topic, 0, 3, keep)
	on.expect(t, old)

	srv.Restart(true)
	fresh := appendN(t, a.Broker, topic, 3, 2, keep)
	for _, id := range fresh {
		if slices.Contains(old, id) {
			t.Fatalf("the new life reused id %q", id)
		}
	}
	if frames, found := read(t, a.Broker, topic, old[2], 100); found || !slices.Equal(frameIDs(frames), fresh) {
		t.Errorf("Read after %q from before the loss = %q, found %v; want %q, false", old[2], frameIDs(frames), found, fresh)
	}
	on.expect(t, fresh)

	// FLUSHALL is the same loss without a restart.
	if err := a.client.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	after := appendN(t, a.Broker, topic, 5, 1, keep)
	if frames, found := read(t, a.Broker, topic, fresh[1], 100); found || !slices.Equal(frameIDs(frames), after) {
		t.Errorf("Read after %q from before FLUSHALL = %q, found %v; want %q, false", fresh[1], frameIDs(frames), found, after)
	}
	on.expect(t, after)
	on.quiet(t)
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
