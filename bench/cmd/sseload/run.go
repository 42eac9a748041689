package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godanet/godanet/bench/internal/sseserver"
)

// result is one run: one variant at one connection count, one arm.
type result struct {
	Variant   string  `json:"variant"`
	Round     int     `json:"round"`
	Arm       arm     `json:"arm"`
	Conns     int     `json:"conns"`     // healthy clients asked for
	Connected int     `json:"connected"` // healthy streams opened
	Held      int     `json:"held"`      // still open, every event received, at the end
	ConnectS  float64 `json:"connect_s"` // time to open them all

	Base   sseserver.Stats `json:"base"`   // the server before any connection
	Idle   sseserver.Stats `json:"idle"`   // with every connection open, before publishing
	Loaded sseserver.Stats `json:"loaded"` // after publishing

	// Per connection: the growth from Base, divided by the streams
	// opened (healthy and stalled).
	IdleRSS        float64 `json:"idle_rss_per_conn"`
	IdleHeap       float64 `json:"idle_heap_per_conn"`  // live heap
	IdleStack      float64 `json:"idle_stack_per_conn"` // goroutine stacks
	LoadedRSS      float64 `json:"loaded_rss_per_conn"`
	LoadedHeap     float64 `json:"loaded_heap_per_conn"`
	LoadedStack    float64 `json:"loaded_stack_per_conn"`
	GoroutinesConn float64 `json:"goroutines_per_conn"`

	Rate        float64 `json:"rate"` // publishes per second asked for; 0: closed loop
	Published   int     `json:"published"`
	Expected    int64   `json:"expected"` // published × connected
	Delivered   int64   `json:"delivered"`
	DeliveredPS float64 `json:"delivered_per_s"`
	// Publish-to-receive latency over every delivery to a healthy client.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// CPUPerEventUs is the server's CPU time (user and system) from the
	// first publish to the last delivery, per event delivered, in µs: all
	// the server processes' together, Redis's not included.
	CPUPerEventUs float64 `json:"cpu_per_event_us"`
	// WritesPerEvent is the server's write system calls over the same
	// span, per event delivered: one per flush of a stream, so below 1
	// where a stream wrote several queued events and flushed once.
	WritesPerEvent float64 `json:"writes_per_event"`
	// Burst is the events published back to back in each publish slot.
	Burst int `json:"burst"`

	// With Redis (godanet-redis): the server processes, Redis's CPU per
	// event delivered, and the connections to Redis by client name, with
	// every stream open and after publishing.
	Instances          int            `json:"instances"`
	RedisCPUPerEventUs float64        `json:"redis_cpu_per_event_us,omitempty"`
	RedisConnsIdle     map[string]int `json:"redis_conns_idle,omitempty"`
	RedisConnsLoaded   map[string]int `json:"redis_conns_loaded,omitempty"`

	Stalled stalledResult `json:"stalled"`
	// Replayed is the fewest and the most history events a healthy
	// client received (see replay.go).
	ReplayedMin int64 `json:"replayed_min"`
	ReplayedMax int64 `json:"replayed_max"`
}

// run is the state of one run shared by the clients and the publisher.
type run struct {
	t0        time.Time
	pubAt     []atomic.Int64 // ns since t0 at which event seq was published
	received  atomic.Int64
	ready     atomic.Int64 // clients ready for publishing (client.setReady)
	lastRecv  atomic.Int64 // ns since t0 of the latest delivery
	published atomic.Int64
}

func (r *run) since() int64 { return int64(time.Since(r.t0)) }

// started is the wall-clock time of the first publish.
func (r *run) started() time.Time { return r.t0.Add(time.Duration(r.pubAt[0].Load())) }

func runOne(ctx context.Context, cfg config, variant string, n int, a arm) (result, error) {
	res := result{Variant: variant, Arm: a, Conns: n, Rate: cfg.rate, Burst: cfg.burst}
	d, err := deploy(ctx, cfg, variant)
	if err != nil {
		return res, err
	}
	defer d.stop(variant)
	res.Instances = len(d.bases)
	base := d.bases[0]
	var addrs []string
	for _, b := range d.bases {
		u, err := url.Parse(b)
		if err != nil {
			return res, err
		}
		addrs = append(addrs, u.Host)
	}

	// Warm the server once (a publish to no one), so that its base figures
	// include its first allocations; then fill the history, if asked, so
	// that they include it too.
	if err := publish(ctx, base, []byte(warmData)); err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	if err := fillHistory(ctx, cfg, base, a.History); err != nil {
		return res, err
	}
	if res.Base, err = d.stats(ctx, true); err != nil {
		return res, err
	}

	maxPub := 1 << 16
	if cfg.rate > 0 {
		maxPub = (int(math.Ceil(cfg.rate*cfg.duration.Seconds())) + 1) * cfg.burst
	}
	r := &run{t0: time.Now(), pubAt: make([]atomic.Int64, maxPub)}

	// Open the connections, cfg.dialers at a time, the stalled ones
	// among the healthy in no particular order, each to one of the
	// servers in turn.
	request := eventsRequest(a.LastEventID)
	clients := make([]*client, n+a.Stalled)
	for i := range clients {
		clients[i] = &client{stalled: i >= n, request: request, addr: addrs[i%len(addrs)]}
	}
	rand.Shuffle(len(clients), func(i, j int) { clients[i], clients[j] = clients[j], clients[i] })
	started := time.Now()
	connectCtx, cancelConnect := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelConnect()
	next := make(chan *client)
	var dialing sync.WaitGroup
	for range min(cfg.dialers, len(clients)) {
		dialing.Go(func() {
			for c := range next {
				c.open(connectCtx)
			}
		})
	}
	for _, c := range clients {
		next <- c
	}
	close(next)
	dialing.Wait()
	res.ConnectS = time.Since(started).Seconds()
	var readers sync.WaitGroup
	var firstErr error
	for _, c := range clients {
		switch {
		case c.err != nil:
			if firstErr == nil {
				firstErr = c.err
			}
			continue
		case c.stalled:
			res.Stalled.Opened++
		default:
			res.Connected++
		}
		readers.Go(func() { c.read(r) })
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
		readers.Wait()
	}()
	opened := res.Connected + res.Stalled.Opened
	if opened < len(clients) {
		fmt.Printf("  %s: opened %d of %d connections; first error: %v\n", variant, opened, len(clients), firstErr)
	}
	if res.Connected == 0 {
		return res, fmt.Errorf("no connection opened: %w", firstErr)
	}

	// Wait until the server runs a handler for every stream, then read
	// its idle figures.
	for deadline := time.Now().Add(30 * time.Second); ; {
		st, err := d.stats(ctx, false)
		if err != nil {
			return res, err
		}
		if st.Streams >= int64(opened) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Warm up: publish until every healthy stream has had an event, and
	// every stalled one its response head, so that every subscription is
	// registered and every response head is out.
	for deadline := time.Now().Add(30 * time.Second); r.ready.Load() < int64(opened) && time.Now().Before(deadline); {
		if err := publish(ctx, base, []byte(warmData)); err != nil {
			return res, fmt.Errorf("publish: %w", err)
		}
		for wait := time.Now().Add(2 * time.Second); r.ready.Load() < int64(opened) && time.Now().Before(wait); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if w := r.ready.Load(); w < int64(opened) {
		fmt.Printf("  %s: %d of %d streams never received a warm-up event (or, if stalled, a response head)\n", variant, int64(opened)-w, opened)
	}
	if res.Idle, err = d.stats(ctx, true); err != nil {
		return res, err
	}
	if res.RedisConnsIdle, err = d.redisClients(ctx); err != nil {
		return res, err
	}

	// Publish.
	cpu0, redis0, writes0 := d.cpu(), d.redisCPU(), d.writes()
	if err := publishAll(ctx, cfg, base, r, res.Connected); err != nil {
		return res, err
	}
	res.Published = int(r.published.Load())
	res.Expected = int64(res.Published) * int64(res.Connected)
	// Let the last events land: until all have, or none has for a second.
	for last, quiet := r.received.Load(), time.Now(); r.received.Load() < res.Expected; {
		time.Sleep(10 * time.Millisecond)
		if now := r.received.Load(); now != last {
			last, quiet = now, time.Now()
		} else if time.Since(quiet) > time.Second {
			break
		}
	}
	res.Delivered = r.received.Load()
	if res.Delivered > 0 {
		perEvent := func(d time.Duration) float64 {
			return float64(d) / float64(time.Microsecond) / float64(res.Delivered)
		}
		res.CPUPerEventUs = perEvent(d.cpu() - cpu0)
		res.RedisCPUPerEventUs = perEvent(d.redisCPU() - redis0)
		res.WritesPerEvent = float64(d.writes()-writes0) / float64(res.Delivered)
	}
	if span := time.Duration(r.lastRecv.Load() - r.pubAt[0].Load()); span > 0 {
		res.DeliveredPS = float64(res.Delivered) / span.Seconds()
	}
	if res.Stalled.Opened > 0 {
		if err := res.Stalled.measure(ctx, d.bases, clients, r.started()); err != nil {
			return res, err
		}
	}
	if res.Loaded, err = d.stats(ctx, true); err != nil {
		return res, err
	}
	if res.RedisConnsLoaded, err = d.redisClients(ctx); err != nil {
		return res, err
	}

	var (
		lat     []time.Duration
		failure error
	)
	res.ReplayedMin = math.MaxInt64
	for _, c := range clients {
		if c.stalled || c.err != nil {
			continue
		}
		if c.alive.Load() && c.got.Load() == int64(res.Published) {
			res.Held++
		}
		res.ReplayedMin = min(res.ReplayedMin, c.replayed.Load())
		res.ReplayedMax = max(res.ReplayedMax, c.replayed.Load())
		c.mu.Lock()
		lat = append(lat, c.lat...)
		if failure == nil {
			failure = c.failure
		}
		c.mu.Unlock()
	}
	if failure != nil {
		fmt.Printf("  %s: a stream failed: %v\n", variant, failure)
	}
	slices.Sort(lat)
	res.P50ms, res.P99ms, res.MaxMs = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99)), ms(quantile(lat, 1))

	per := func(after, before uint64) float64 {
		return (float64(after) - float64(before)) / float64(opened)
	}
	res.IdleRSS = per(res.Idle.RSS, res.Base.RSS)
	res.IdleHeap = per(res.Idle.HeapAlloc, res.Base.HeapAlloc)
	res.IdleStack = per(res.Idle.StackInuse, res.Base.StackInuse)
	res.LoadedRSS = per(res.Loaded.RSS, res.Base.RSS)
	res.LoadedHeap = per(res.Loaded.HeapAlloc, res.Base.HeapAlloc)
	res.LoadedStack = per(res.Loaded.StackInuse, res.Base.StackInuse)
	res.GoroutinesConn = per(uint64(res.Idle.Goroutines), uint64(res.Base.Goroutines))
	return res, nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
