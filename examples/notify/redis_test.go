package main

import (
	"testing"

	"github.com/godanet/godanet/redisbroker/redistest"
)

// startOnRedis serves an instance of the example on srv, with a Redis
// client and Hub of its own, as main does with -redis.
func startOnRedis(t *testing.T, srv *redistest.Server) *server {
	t.Helper()
	client, err := connectRedis(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() }) // after the Hub's broker, which start closes
	return start(t, RedisHub(client))
}

// TestInstancesShareUsersStreams runs two instances, A and B, on one
// redis-server, as two replicas behind a load balancer (redistest skips it
// without redis-server, unless REQUIRE_REDIS=1). A note that ann sends
// through A reaches bob's streams on both instances with one id, and not
// ann's; bob's answer through B reaches ann on A. Then bob leaves B, a note
// is sent to him through A, and he reconnects to A with his Last-Event-ID:
// he gets exactly the note he missed.
func TestInstancesShareUsersStreams(t *testing.T) {
	redis := redistest.Start(t)
	a, b := startOnRedis(t, redis), startOnRedis(t, redis)
	annOnA := a.stream(annToken, "")
	bobOnA, bobOnB := a.stream(bobToken, ""), b.stream(bobToken, "")

	a.notify(annToken, "bob", "sent through A")
	idOnB := bobOnB.nextNote("ann", "sent through A")
	if idOnA := bobOnA.nextNote("ann", "sent through A"); idOnA != idOnB {
		t.Fatalf("bob's note has id %q on A and %q on B; want one id on every instance", idOnA, idOnB)
	}
	b.notify(bobToken, "ann", "answered through B")
	annOnA.nextNote("bob", "answered through B") // her first: not bob's note

	bobOnB.close()
	a.notify(annToken, "bob", "while bob moves")
	bobOnA.nextNote("ann", "while bob moves")
	back := a.stream(bobToken, idOnB)
	back.nextNote("ann", "while bob moves")
	b.notify(annToken, "bob", "live again") // through the other instance
	back.nextNote("ann", "live again")
}
