package redistest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker/redistest"
)

func TestKillRestart(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if got := srv.URL(); got != "redis://"+srv.Addr() {
		t.Fatalf("URL() = %q, want redis://%s", got, srv.Addr())
	}
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Kill")
	}

	srv.Restart(false)
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("after Restart(false): GET k = %q, %v; want the value written before the kill", v, err)
	}

	srv.Restart(true)
	if _, err := c.Get(ctx, "k").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after Restart(true): GET k: err = %v, want redis.Nil (wiped)", err)
	}
}

// A server restarted from a snapshot has what it held then, and not what
// it acknowledged since.
func TestRestartFrom(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Set(ctx, "kept", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	snap := srv.Snapshot()
	if err := c.Set(ctx, "lost", "2", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.RestartFrom(snap)
	if v, err := c.Get(ctx, "kept").Result(); err != nil || v != "1" {
		t.Errorf("after RestartFrom: GET kept = %q, %v; want the value written before the snapshot", v, err)
	}
	if _, err := c.Get(ctx, "lost").Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("after RestartFrom: GET lost: err = %v, want redis.Nil (written after the snapshot)", err)
	}
	// The snapshot can be used again.
	if err := c.Set(ctx, "lost", "3", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.RestartFrom(snap)
	if _, err := c.Get(ctx, "lost").Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("after a second RestartFrom: GET lost: err = %v, want redis.Nil", err)
	}
}

func TestConfig(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := map[string]string{"appendonly": "yes", "appendfsync": "always", "save": "", "protected-mode": "no"}
	for name, value := range want {
		got, err := c.ConfigGet(ctx, name).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got[name] != value {
			t.Errorf("CONFIG GET %s = %q, want %q", name, got[name], value)
		}
	}
}

func TestTwoServers(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers on one address %s", a.Addr())
	}
}
