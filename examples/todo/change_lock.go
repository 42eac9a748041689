package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ChangeLock orders the changes of every instance that shares a backend:
// a change to the store and its event are made while holding it, so the
// events reach pages in the store's order. Lock waits until it holds the
// lock or ctx ends, and returns the function that releases it.
type ChangeLock interface {
	Lock(ctx context.Context) (unlock func(), err error)
}

// localLock is the ChangeLock of one process.
type localLock struct{ mu sync.Mutex }

func (l *localLock) Lock(context.Context) (func(), error) {
	l.mu.Lock()
	return l.mu.Unlock, nil
}

// redisLock is a ChangeLock shared through Redis: a key set only if
// absent, with a random token so that an instance releases only its own
// hold, and an expiry so that an instance that dies holding it does not
// block the others for longer than that.
type redisLock struct {
	client redis.UniversalClient
	key    string
	expiry time.Duration
}

// releaseLock deletes the key only if it still holds the caller's token.
var releaseLock = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

func (l *redisLock) Lock(ctx context.Context) (func(), error) {
	token := rand.Text()
	wait := time.Millisecond
	for {
		held, err := l.client.SetNX(ctx, l.key, token, l.expiry).Result()
		if err != nil {
			return nil, unavailable("take the change lock", err)
		}
		if held {
			return func() {
				// Released even when the request's context has ended.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
				defer cancel()
				_ = releaseLock.Run(ctx, l.client, []string{l.key}, token).Err()
			}, nil
		}
		select {
		case <-ctx.Done():
			// Another instance holds it for too long: Redis is failing.
			return nil, fmt.Errorf("take the change lock: %w: %w", ErrStoreUnavailable, context.Cause(ctx))
		case <-time.After(wait):
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}
