package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker"
	"github.com/godanet/godanet/sse"
)

// RedisHub is a Hub whose topics live in Redis, so that every instance of
// the example on that Redis sees each user's topic as one: a note sent
// through any instance reaches the user's streams on all of them, and a
// stream may reconnect to any instance with its Last-Event-ID. Its keys
// begin with "notify:", apart from other apps' on the same Redis.
func RedisHub(client redis.UniversalClient) *sse.Hub {
	return sse.NewHub(sse.WithBroker(redisbroker.New(client, redisbroker.Prefix("notify:"))))
}

// connectRedis opens a client for the URL and checks that Redis answers,
// so that a wrong URL is an error at start-up rather than at the first
// request.
func connectRedis(url string) (*redis.Client, error) {
	options, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("notify: -redis %q is not a Redis URL such as redis://localhost:6379/0: %w", url, err)
	}
	// Let each call's context bound it on the wire too, so that the
	// broker's deadlines hold against a Redis that hangs.
	options.ContextTimeoutEnabled = true
	client := redis.NewClient(options)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("notify: Redis at %s does not answer (%w); start it (redis-server), or leave out -redis and NOTIFY_REDIS to keep the notifications in memory", url, err)
	}
	return client, nil
}
