package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godanet/godanet/bench/internal/proc"
	"github.com/godanet/godanet/bench/internal/sseserver"
)

// result is one run: one variant at one connection count.
type result struct {
	Variant   string  `json:"variant"`
	Conns     int     `json:"conns"`     // asked for
	Connected int     `json:"connected"` // streams opened
	Held      int     `json:"held"`      // still open, every event received, at the end
	ConnectS  float64 `json:"connect_s"` // time to open them all

	Base   sseserver.Stats `json:"base"`   // the server before any connection
	Idle   sseserver.Stats `json:"idle"`   // with every connection open, before publishing
	Loaded sseserver.Stats `json:"loaded"` // after publishing

	// Per connection: the growth from Base, divided by Connected.
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
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// CPUPerEventUs is the server's CPU time (user and system) from the
	// first publish to the last delivery, per event delivered, in µs.
	CPUPerEventUs float64 `json:"cpu_per_event_us"`
}

// run is the state of one run shared by the clients and the publisher.
type run struct {
	t0        time.Time
	pubAt     []atomic.Int64 // ns since t0 at which event seq was published
	received  atomic.Int64
	warm      atomic.Int64 // clients that have had a warm-up event
	lastRecv  atomic.Int64 // ns since t0 of the latest delivery
	published atomic.Int64
}

func (r *run) since() int64 { return int64(time.Since(r.t0)) }

func runOne(ctx context.Context, cfg config, variant string, n int) (result, error) {
	res := result{Variant: variant, Conns: n, Rate: cfg.rate}
	base, pid := cfg.target, 0
	if base == "" {
		url, child, stop, err := startServer(ctx, cfg, variant)
		if err != nil {
			return res, err
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Printf("  (the %s server exited: %v)\n", variant, err)
			}
		}()
		base, pid = url, child
	}
	cpu := func() time.Duration {
		if pid == 0 {
			return 0
		}
		d, _ := proc.CPU(pid)
		return d
	}
	u, err := url.Parse(base)
	if err != nil {
		return res, err
	}
	addr := u.Host

	// Warm the server once (a publish to no one), so that its base figures
	// include its first allocations.
	if err := publish(ctx, base, []byte("warm")); err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	if res.Base, err = stats(ctx, base, true); err != nil {
		return res, err
	}

	maxPub := 1 << 16
	if cfg.rate > 0 {
		maxPub = int(math.Ceil(cfg.rate*cfg.duration.Seconds())) + 1
	}
	r := &run{t0: time.Now(), pubAt: make([]atomic.Int64, maxPub)}

	// Open the connections, cfg.dialers at a time.
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = &client{}
	}
	started := time.Now()
	connectCtx, cancelConnect := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelConnect()
	next := make(chan *client)
	var dialing sync.WaitGroup
	for range min(cfg.dialers, n) {
		dialing.Go(func() {
			for c := range next {
				c.open(connectCtx, addr)
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
		if c.err != nil {
			if firstErr == nil {
				firstErr = c.err
			}
			continue
		}
		res.Connected++
		readers.Go(func() { c.read(r) })
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
		readers.Wait()
	}()
	if res.Connected < n {
		fmt.Printf("  %s: opened %d of %d connections; first error: %v\n", variant, res.Connected, n, firstErr)
	}
	if res.Connected == 0 {
		return res, fmt.Errorf("no connection opened: %w", firstErr)
	}

	// Wait until the server runs a handler for every stream, then read
	// its idle figures.
	for deadline := time.Now().Add(30 * time.Second); ; {
		st, err := stats(ctx, base, false)
		if err != nil {
			return res, err
		}
		if st.Streams >= int64(res.Connected) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Warm up: publish until every stream has had an event, so that every
	// subscription is registered and every response head is out.
	for deadline := time.Now().Add(30 * time.Second); r.warm.Load() < int64(res.Connected) && time.Now().Before(deadline); {
		if err := publish(ctx, base, []byte("warm")); err != nil {
			return res, fmt.Errorf("publish: %w", err)
		}
		for wait := time.Now().Add(2 * time.Second); r.warm.Load() < int64(res.Connected) && time.Now().Before(wait); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if w := r.warm.Load(); w < int64(res.Connected) {
		fmt.Printf("  %s: %d of %d streams never received a warm-up event\n", variant, int64(res.Connected)-w, res.Connected)
	}
	if res.Idle, err = stats(ctx, base, true); err != nil {
		return res, err
	}

	// Publish.
	cpu0 := cpu()
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
		res.CPUPerEventUs = float64(cpu()-cpu0) / float64(time.Microsecond) / float64(res.Delivered)
	}
	if span := time.Duration(r.lastRecv.Load() - r.pubAt[0].Load()); span > 0 {
		res.DeliveredPS = float64(res.Delivered) / span.Seconds()
	}
	if res.Loaded, err = stats(ctx, base, true); err != nil {
		return res, err
	}

	var (
		lat     []time.Duration
		failure error
	)
	for _, c := range clients {
		if c.err == nil && c.alive.Load() && c.got.Load() == int64(res.Published) {
			res.Held++
		}
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
		return (float64(after) - float64(before)) / float64(res.Connected)
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

// publishAll publishes for cfg.duration at cfg.rate, or, with rate 0,
// each event as soon as the last has reached every connection.
func publishAll(ctx context.Context, cfg config, base string, r *run, conns int) error {
	pad := bytes.Repeat([]byte("x"), cfg.payload)
	body := func(seq int) []byte {
		b := strconv.AppendInt(nil, int64(seq), 10)
		b = append(b, ' ')
		if len(b) < cfg.payload {
			b = append(b, pad[:cfg.payload-len(b)]...)
		}
		return b
	}
	start := time.Now()
	for seq := 0; seq < len(r.pubAt); seq++ {
		if cfg.rate > 0 {
			at := start.Add(time.Duration(float64(seq) / cfg.rate * float64(time.Second)))
			if at.Sub(start) >= cfg.duration {
				break
			}
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		} else {
			if time.Since(start) >= cfg.duration {
				break
			}
			// Closed loop: wait for the last event everywhere (or 5s).
			want := int64(seq) * int64(conns)
			for deadline := time.Now().Add(5 * time.Second); r.received.Load() < want && time.Now().Before(deadline); {
				time.Sleep(50 * time.Microsecond)
			}
		}
		r.pubAt[seq].Store(r.since())
		r.published.Add(1)
		if err := publish(ctx, base, body(seq)); err != nil {
			return fmt.Errorf("publish %d: %w", seq, err)
		}
	}
	return nil
}

func publish(ctx context.Context, base string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/publish", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	res, err := adminClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("POST /publish: %s", res.Status)
	}
	return nil
}

// client is one SSE connection.
type client struct {
	conn  net.Conn
	warm  atomic.Bool  // has had a warm-up event
	err   error        // why it could not open; set before reading starts
	alive atomic.Bool  // reading, not ended
	got   atomic.Int64 // events received

	mu      sync.Mutex
	lat     []time.Duration
	failure error // why the stream failed, if it did
}

func (c *client) setFailure(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failure = err
}

const eventsRequest = "GET /events HTTP/1.1\r\nHost: sseload\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"

// open connects and sends the request, trying three times. It does not
// wait for the response: go-sse sends the response head with the first
// event, and an EventSource waits for it too.
func (c *client) open(ctx context.Context, addr string) {
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		if c.err = c.try(ctx, addr); c.err == nil || ctx.Err() != nil {
			return
		}
	}
}

func (c *client) try(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if _, err := conn.Write([]byte(eventsRequest)); err != nil {
		conn.Close()
		return err
	}
	c.conn = conn
	c.alive.Store(true)
	return nil
}

// read parses the event stream until the connection ends, recording each
// event's latency from its publish. It follows the WHATWG parsing rules as
// far as this load needs: lines, "data:" fields, a blank line dispatches,
// comments are skipped.
func (c *client) read(r *run) {
	defer c.alive.Store(false)
	br := bufio.NewReaderSize(c.conn, 1024)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		c.setFailure(err)
		return
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		c.setFailure(fmt.Errorf("GET /events: %s, Content-Type %q", res.Status, res.Header.Get("Content-Type")))
		return
	}
	body := bufio.NewReaderSize(res.Body, 512)
	seq, warm := -1, false
	for {
		line, err := body.ReadSlice('\n')
		if err != nil {
			return // the server ended the stream, or the run closed it
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if warm && !c.warm.Load() {
				c.warm.Store(true)
				r.warm.Add(1)
			}
			if seq >= 0 && seq < len(r.pubAt) {
				now := r.since()
				d := time.Duration(now - r.pubAt[seq].Load())
				c.mu.Lock()
				c.lat = append(c.lat, d)
				c.mu.Unlock()
				c.got.Add(1)
				r.received.Add(1)
				for last := r.lastRecv.Load(); now > last && !r.lastRecv.CompareAndSwap(last, now); last = r.lastRecv.Load() {
				}
			}
			seq, warm = -1, false
		case line[0] == ':':
		default:
			if data, ok := bytes.CutPrefix(line, []byte("data:")); ok {
				data = bytes.TrimPrefix(data, []byte(" "))
				num, _, _ := bytes.Cut(data, []byte(" "))
				if n, err := strconv.Atoi(string(num)); err == nil {
					seq = n
				} else if string(num) == "warm" {
					warm = true
				}
			}
		}
	}
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
	}
}
