package redisbroker

import (
	"context"
	"errors"
	"net"
	"strings"
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
