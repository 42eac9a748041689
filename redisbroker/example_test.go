package redisbroker_test

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker"
	"github.com/godanet/godanet/sse"
)

// Every process of an app makes its Hub on one Redis: a message published
// in any of them reaches the subscribers of all, and a client resumes
// from its Last-Event-ID on whichever it reconnects to. (It needs a Redis,
// so it is compiled but not run.)
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "localhost:6379",
		ContextTimeoutEnabled: true, // so that a deadline bounds each call
	})
	defer client.Close() // after the Hub: the broker does not close it

	hub := sse.NewHub(
		sse.WithBroker(redisbroker.New(client, redisbroker.Prefix("todoapp:sse:"))),
		sse.History(500),         // the broker keeps 500 frames per topic
		sse.TopicIdle(time.Hour), // and lets a topic's keys expire an hour after its last publish
	)
	defer hub.Close()
}

// Options print themselves.
func Example_options() {
	fmt.Println(redisbroker.Prefix("todoapp:sse:"), redisbroker.GracePeriod(30*time.Second), redisbroker.Timeout(2*time.Second))
	// Output: Prefix("todoapp:sse:") GracePeriod(30s) Timeout(2s)
}
