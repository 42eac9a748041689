package redisbroker

import (
	"context"
	"errors"
	"net"
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
)

// wait bounds every wait of these tests.
const wait = 10 * time.Second

// keep is the Retention of most tests.
var keep = sse.Retention{Frames: 100}

// process is one broker on its own client, as one process of an app is.
type process struct {
	*Broker
	client *redis.Client
}

// open starts a process named name (its connections' client name) on
// srv; the broker is closed at cleanup, before its client.
func open(t *testing.T, srv *redistest.Server, name string, options ...Option) process {
	t.Helper()
	opts := srv.Options()
	opts.ClientName = name
	return openWith(t, opts, options...)
}

func openWith(t *testing.T, opts *redis.Options, options ...Option) process {
	t.Helper()
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	b := New(client, append([]Option{Prefix(t.Name() + ":")}, options...)...)
	t.Cleanup(func() { _ = b.Close() })
	return process{b, client}
}

// gate is a dialer that the test can shut, so that a client cannot
// reconnect while it is.
type gate struct {
	shut atomic.Bool
	d    net.Dialer
}

func (g *gate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.shut.Load() {
		return nil, errors.New("the test shut the gate")
	}
	return g.d.DialContext(ctx, network, addr)
}

// otherNonce returns id with another nonce: the id of a frame that took
// its seq in a Redis that lost it.
func otherNonce(id string) string {
	at, _ := parseID(id)
	if at.nonce == "0" {
		at.nonce = "1"
	} else {
		at.nonce = "0"
	}
	return at.String()
}

func body(i int) []byte { return []byte("data: " + strconv.Itoa(i) + "\n\n") }

// appendN appends n frames numbered from first through b, and returns
// their ids.
func appendN(t *testing.T, b *Broker, topic string, first, n int, r sse.Retention) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := first; i < first+n; i++ {
		id, err := b.Append(context.Background(), topic, body(i), r)
		if err != nil {
			t.Fatalf("Append %d to %q: %v", i, topic, err)
		}
		ids = append(ids, id)
	}
	return ids
}

func read(t *testing.T, b *Broker, topic, after string, limit int) ([]sse.Frame, bool) {
	t.Helper()
	frames, found, err := b.Read(context.Background(), topic, after, limit)
	if err != nil {
		t.Fatalf("Read(%q after %q): %v", topic, after, err)
	}
	return frames, found
}

func frameIDs(frames []sse.Frame) []string {
	ids := make([]string, len(frames))
	for i, f := range frames {
		ids[i] = f.ID
	}
	return ids
}

// recorder is a Listener that keeps what it is given, and counts calls
// made while another is under way, after End, or a second End.
type recorder struct {
	frames     chan sse.Frame
	ended      chan error
	busy       atomic.Int32
	violations atomic.Int32
	endOnce    sync.Once
	isEnded    atomic.Bool
}

func newRecorder() *recorder {
	return &recorder{frames: make(chan sse.Frame, 10000), ended: make(chan error, 1)}
}

func (r *recorder) Frame(f sse.Frame) {
	if r.busy.Add(1) != 1 || r.isEnded.Load() {
		r.violations.Add(1)
	}
	select {
	case r.frames <- f:
	default:
		r.violations.Add(1)
	}
	r.busy.Add(-1)
}

func (r *recorder) End(err error) {
	first := false
	r.endOnce.Do(func() { first = true })
	if !first {
		r.violations.Add(1)
		return
	}
	r.isEnded.Store(true)
	r.ended <- err
}

// listen starts a recorder on topic, stopped at cleanup, where it also
// checks the listener's calls.
func listen(t *testing.T, b *Broker, topic string) *recorder {
	t.Helper()
	r := newRecorder()
	stop, err := b.Listen(context.Background(), topic, r)
	if err != nil {
		t.Fatalf("Listen(%q): %v", topic, err)
	}
	t.Cleanup(func() {
		stop()
		if n := r.violations.Load(); n > 0 {
			t.Errorf("listener of %q: %d calls overlapped, came after End, or End came twice", topic, n)
		}
	})
	return r
}

// take receives n frames, failing after wait or on End.
func (r *recorder) take(t *testing.T, n int) []sse.Frame {
	t.Helper()
	got := make([]sse.Frame, 0, n)
	deadline := time.After(wait)
	for len(got) < n {
		select {
		case f := <-r.frames: // frames first: End may be ready too
			got = append(got, f)
			continue
		default:
		}
		select {
		case f := <-r.frames:
			got = append(got, f)
		case err := <-r.ended:
			t.Fatalf("the listener ended (%v) after %d of %d frames %q", err, len(got), n, frameIDs(got))
		case <-deadline:
			t.Fatalf("the listener got %d of %d frames in %v: %q", len(got), n, wait, frameIDs(got))
		}
	}
	return got
}

// expect takes len(ids) frames and checks they are those.
func (r *recorder) expect(t *testing.T, ids []string) {
	t.Helper()
	if got := frameIDs(r.take(t, len(ids))); !slices.Equal(got, ids) {
		t.Fatalf("the listener got %q, want %q", got, ids)
	}
}

// quiet checks that r has received nothing more and was not ended.
func (r *recorder) quiet(t *testing.T) {
	t.Helper()
	select {
	case f := <-r.frames:
		t.Errorf("unexpected frame %q", f.ID)
	case err := <-r.ended:
		t.Errorf("unexpected End(%v)", err)
	default:
	}
}

// awaitEnd waits for End and returns its error.
func (r *recorder) awaitEnd(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.ended:
		return err
	case <-time.After(wait):
		t.Fatalf("the listener was not ended within %v", wait)
		return nil
	}
}

// clients returns CLIENT LIST as one map of fields per connection.
func clients(t *testing.T, c *redis.Client) []map[string]string {
	t.Helper()
	list, err := c.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatalf("CLIENT LIST: %v", err)
	}
	var out []map[string]string
	for line := range strings.Lines(list) {
		fields := map[string]string{}
		for f := range strings.FieldsSeq(line) {
			if k, v, ok := strings.Cut(f, "="); ok {
				fields[k] = v
			}
		}
		out = append(out, fields)
	}
	return out
}

// eventually polls cond until it holds, failing after wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, wait)
		}
		select {
		case <-time.After(20 * time.Millisecond): // polling, with a deadline
		case <-t.Context().Done():
			t.FailNow()
		}
	}
}
