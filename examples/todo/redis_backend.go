package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker"
	"github.com/godanet/godanet/sse"
)

// RedisBackend keeps the todos and the Hub's topics in Redis, shared by
// every instance that uses the same Redis. The options configure the
// Hub's broker, such as its GracePeriod.
func RedisBackend(client redis.UniversalClient, options ...redisbroker.Option) Backend {
	return Backend{
		Todos: NewRedisTodos(client, "todo:"),
		Hub:   sse.NewHub(sse.WithBroker(redisbroker.New(client, options...))),
		// Held for one change and its two publishes, milliseconds; the
		// expiry outlasts their deadlines (the broker's Timeout, 5s).
		Lock: &redisLock{client: client, key: "todo:change-lock", expiry: 20 * time.Second},
	}
}

// connectRedis opens a client for the URL and checks that Redis answers,
// so that a wrong URL is an error at start-up rather than at the first
// request.
func connectRedis(url string) (*redis.Client, error) {
	options, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("todo: -redis %q is not a Redis URL such as redis://localhost:6379/0: %w", url, err)
	}
	// Let each call's context bound it on the wire too, so that the
	// broker's deadlines hold against a Redis that hangs.
	options.ContextTimeoutEnabled = true
	// While Redis refuses connections, give up a dial at the first
	// refusal, so that a request answers 503 at once: by default go-redis
	// tries each dial five times, 100ms apart, for each of a command's
	// four tries, which held a request for about 1.7s.
	options.DialerRetries = 1
	client := redis.NewClient(options)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("todo: Redis at %s does not answer (%w); start it (redis-server), or leave out -redis and TODO_REDIS to keep everything in memory", url, err)
	}
	return client, nil
}
