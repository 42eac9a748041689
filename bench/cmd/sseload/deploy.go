package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/godanet/godanet/bench/internal/proc"
	"github.com/godanet/godanet/bench/internal/sseserver"
	"github.com/redis/go-redis/v9"
)

// redisInstances is how many server processes the godanet-redis variant
// runs on its one Redis.
const redisInstances = 2

// deployment is what one run drives: a server process, or for the
// godanet-redis variant several sharing a redis-server, or a -target.
type deployment struct {
	// bases are the servers' base URLs; the first takes the publishes.
	bases []string
	// pids are the server processes (none with -target), for their CPU
	// time and write system calls.
	pids  []int
	redis *proc.Redis
	stops []func() error
}

// deploy starts what variant needs: for godanet-redis a redis-server
// and redisInstances children on it, named a, b, ...; for another
// variant one child; with -target nothing.
func deploy(ctx context.Context, cfg config, variant string) (*deployment, error) {
	d := &deployment{}
	if cfg.target != "" {
		d.bases = []string{cfg.target}
		return d, nil
	}
	instances := 1
	var extra []string
	if variant == sseserver.Redis {
		r, err := proc.StartRedis(ctx)
		if err != nil {
			return nil, err
		}
		d.redis = r
		d.stops = append(d.stops, r.Stop)
		instances = redisInstances
		extra = []string{"-redis", r.Addr}
	}
	for i := range instances {
		args := extra
		if d.redis != nil {
			args = append(args[:len(args):len(args)], "-instance", instanceName(i))
		}
		url, pid, stop, err := startServer(ctx, cfg, variant, args...)
		if err != nil {
			d.stop(variant)
			return nil, err
		}
		d.bases = append(d.bases, url)
		d.pids = append(d.pids, pid)
		d.stops = append(d.stops, stop)
	}
	return d, nil
}

// instanceName names the i-th instance of a deployment: a, b, ...
func instanceName(i int) string { return string(rune('a' + i)) }

// stop stops the servers, then Redis.
func (d *deployment) stop(variant string) {
	for i := len(d.stops) - 1; i >= 0; i-- {
		if err := d.stops[i](); err != nil {
			fmt.Printf("  (a %s process exited: %v)\n", variant, err)
		}
	}
}

// cpu is the servers' CPU time, all together (not Redis's).
func (d *deployment) cpu() time.Duration {
	var sum time.Duration
	for _, pid := range d.pids {
		t, _ := proc.CPU(pid)
		sum += t
	}
	return sum
}

// redisCPU is Redis's CPU time; 0 without Redis.
func (d *deployment) redisCPU() time.Duration {
	if d.redis == nil {
		return 0
	}
	t, _ := proc.CPU(d.redis.PID)
	return t
}

// writes is the servers' write system calls, all together.
func (d *deployment) writes() int64 {
	var sum int64
	for _, pid := range d.pids {
		n, _ := proc.WriteSyscalls(pid)
		sum += n
	}
	return sum
}

// stats reads every server's figures and adds them up; gc collects
// first.
func (d *deployment) stats(ctx context.Context, gc bool) (sseserver.Stats, error) {
	var sum sseserver.Stats
	for _, base := range d.bases {
		st, err := stats(ctx, base, gc)
		if err != nil {
			return sum, err
		}
		sum.Variant = st.Variant
		sum.Conns += st.Conns
		sum.Streams += st.Streams
		sum.Goroutines += st.Goroutines
		sum.RSS += st.RSS
		sum.HeapAlloc += st.HeapAlloc
		sum.HeapInuse += st.HeapInuse
		sum.StackInuse += st.StackInuse
		sum.Sys += st.Sys
		sum.Published += st.Published
		sum.NumGC += st.NumGC
	}
	return sum, nil
}

// redisClients counts the connections to Redis by client name (CLIENT
// LIST), leaving out the one that asks; nil without Redis. The instances
// name theirs "sseload-<instance>"; a connection without a name is
// counted under its address.
func (d *deployment) redisClients(ctx context.Context) (map[string]int, error) {
	if d.redis == nil {
		return nil, nil
	}
	c := redis.NewClient(&redis.Options{Addr: d.redis.Addr})
	defer c.Close()
	list, err := c.ClientList(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLIENT LIST: %w", err)
	}
	counts := map[string]int{}
	for line := range strings.Lines(list) {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		if f["cmd"] == "client|list" {
			continue
		}
		name := f["name"]
		if name == "" {
			name = f["addr"]
		}
		counts[name]++
	}
	return counts, nil
}
