package redisbroker

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
	"github.com/godanet/godanet/sse/ssetest"
)

// A Redis can go back to an older copy of its data and keep the topic's
// epoch: restarted from an RDB snapshot, or from an append-only file
// synced every second, or replaced by a replica that lacked the last
// writes. It then numbers new frames with the seqs of lost ones. Their
// ids differ (the nonce), so an id of a lost frame is not found, and
// Read replays everything retained rather than skip the new frames.
//
// Here the topic's keys are put back as they were (DUMP, RESTORE) without
// cutting the connection, as when the old primary, now a replica of the
// new one, passes on what the new one publishes: the listener sees seqs
// it had come again, and is ended.
func TestRollback(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	for _, tc := range []struct {
		name string
		keep sse.Retention
	}{
		{"History", keep},
		{"Trimmed", sse.Retention{Frames: 2}},
		{"NoHistory", sse.Retention{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := tc.name
			on := ssetest.Listen(t, b.Broker, topic)
			on.Expect(t, ssetest.AppendN(t, a.Broker, topic, 0, 3, tc.keep))
			saved := dumpTopic(t, a, topic)
			lost := ssetest.AppendN(t, a.Broker, topic, 3, 2, tc.keep)
			on.Expect(t, lost)

			restoreTopic(t, a, topic, saved)
			fresh := ssetest.AppendN(t, a.Broker, topic, 10, 3, tc.keep)
			if err := on.AwaitEnd(t); !errors.Is(err, sse.ErrUnavailable) {
				t.Errorf("a listener that saw seqs come again was ended with %v, want an error wrapping sse.ErrUnavailable", err)
			} else {
				t.Log(err)
			}
			for i, id := range lost {
				if id == fresh[i] {
					t.Errorf("id %q was given to two frames", id)
				}
			}
			retained, _ := ssetest.Read(t, a.Broker, topic, "", 100)
			for _, id := range lost {
				frames, found := ssetest.Read(t, a.Broker, topic, id, 100)
				if found || !slices.Equal(ssetest.FrameIDs(frames), ssetest.FrameIDs(retained)) {
					t.Errorf("Read after lost %q = %q, found %v; want everything retained %q, false", id, ssetest.FrameIDs(frames), found, ssetest.FrameIDs(retained))
				}
			}
			// The new frames are placed as any.
			if frames, found := ssetest.Read(t, a.Broker, topic, fresh[2], 100); !found || len(frames) != 0 {
				t.Errorf("Read after the newest %q = %q, found %v; want nothing, true", fresh[2], ssetest.FrameIDs(frames), found)
			}
			if tc.keep.Frames == 0 {
				return
			}
			if frames, found := ssetest.Read(t, a.Broker, topic, fresh[1], 100); !found || !slices.Equal(ssetest.FrameIDs(frames), fresh[2:]) {
				t.Errorf("Read after %q = %q, found %v; want %q, true", fresh[1], ssetest.FrameIDs(frames), found, fresh[2:])
			}
		})
	}
}

// A Redis restarted from an older copy of its data cuts the connection:
// the listener, reading after its cursor once back, finds that Redis does
// not hold the frame it was last passed, and is ended.
func TestRollbackAfterRestart(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, "A"), open(t, srv, "B")
	const topic = "restored"
	on := ssetest.Listen(t, b.Broker, topic)
	kept := ssetest.AppendN(t, a.Broker, topic, 0, 3, keep)
	on.Expect(t, kept)
	snap := srv.Snapshot()
	lost := ssetest.AppendN(t, a.Broker, topic, 3, 2, keep)
	on.Expect(t, lost)

	srv.RestartFrom(snap)
	if err := on.AwaitEnd(t); !errors.Is(err, sse.ErrUnavailable) {
		t.Errorf("after Redis lost frames it had passed on, the listener was ended with %v, want an error wrapping sse.ErrUnavailable", err)
	} else {
		t.Log(err)
	}
	fresh := ssetest.AppendN(t, a.Broker, topic, 10, 3, keep)
	if at, _ := parseID(fresh[0]); at.seq != 4 {
		t.Fatalf("after the restart, the first new id is %q, want seq 4 (else this test does not test a rollback)", fresh[0])
	}
	all := append(slices.Clone(kept), fresh...)
	for _, id := range lost {
		if slices.Contains(fresh, id) {
			t.Errorf("id %q was given to two frames", id)
		}
		frames, found := ssetest.Read(t, a.Broker, topic, id, 100)
		if found || !slices.Equal(ssetest.FrameIDs(frames), all) {
			t.Errorf("Read after lost %q = %q, found %v; want everything retained %q, false", id, ssetest.FrameIDs(frames), found, all)
		}
	}
	if frames, found := ssetest.Read(t, a.Broker, topic, kept[2], 100); !found || !slices.Equal(ssetest.FrameIDs(frames), fresh) {
		t.Errorf("Read after %q, which Redis kept = %q, found %v; want %q, true", kept[2], ssetest.FrameIDs(frames), found, fresh)
	}
	// A new listener goes on with the frames to come.
	again := ssetest.Listen(t, b.Broker, topic)
	again.Expect(t, ssetest.AppendN(t, a.Broker, topic, 13, 1, keep))
}

// dumpTopic returns the serialized values of the topic's keys (DUMP),
// "" for a key that does not exist.
func dumpTopic(t *testing.T, p process, topic string) map[string]string {
	t.Helper()
	n := p.names(topic)
	saved := map[string]string{}
	for _, key := range []string{n.meta, n.stream} {
		v, err := p.client.Dump(context.Background(), key).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatalf("DUMP %s: %v", key, err)
		}
		saved[key] = v
	}
	return saved
}

// restoreTopic puts back the topic's keys as dumpTopic saved them, at
// once.
func restoreTopic(t *testing.T, p process, topic string, saved map[string]string) {
	t.Helper()
	_, err := p.client.TxPipelined(context.Background(), func(pipe redis.Pipeliner) error {
		for key, v := range saved {
			if v == "" {
				pipe.Del(context.Background(), key)
			} else {
				pipe.RestoreReplace(context.Background(), key, 0, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("restore %q: %v", topic, err)
	}
}
