package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godanet/godanet/bench/internal/proc"
)

// shutdownRound is one round of the shutdown mode. Every time is from
// the moment SIGTERM was sent to the server.
type shutdownRound struct {
	Opened, Idle int           // streams with their headers in; idle connections accepted
	OpenTook     time.Duration // opening every stream
	Shutdown     time.Duration // App.Shutdown, timed by the server
	ShutdownErr  string        // App.Shutdown's error, if any
	StreamsEnded time.Duration // until the last stream's body ended
	ConnsClosed  time.Duration // until the server closed the last connection, stream or idle
	Exited       time.Duration // until the server process was gone
	Clean        int           // streams ended with the last chunk, as a stream should end
	Cut          int           // streams cut off: the connection closed mid-body
	NotEnded     int           // streams still open when -timeout ran out
	IdleClosed   int           // idle connections the server closed
}

// watched is one client connection, and when the server ended it.
type watched struct {
	conn     net.Conn
	bodyEnd  time.Time // a stream's body ended (zero for an idle one)
	clean    bool      // it ended with the last chunk
	closedAt time.Time // the server closed the connection (zero: not seen)
}

// watch reads what is left of the connection after a stream's headers (or
// from the start, for an idle one): the body, then whatever follows until
// the server closes. It returns when the server closes the connection or
// the read deadline passes.
func (w *watched) watch(br *bufio.Reader, body io.Reader) {
	if body != nil {
		_, err := io.Copy(io.Discard, body)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		w.bodyEnd, w.clean = time.Now(), err == nil
	}
	if _, err := io.Copy(io.Discard, br); !errors.Is(err, os.ErrDeadlineExceeded) {
		w.closedAt = time.Now()
	}
}

func runShutdown(ctx context.Context, cfg config) error {
	if err := needFiles(cfg.streams + cfg.idle); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hardenload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("shutdown: %d SSE streams and %d connections that send nothing, %d rounds; times from SIGTERM\n",
		cfg.streams, cfg.idle, cfg.rounds)
	var rounds []shutdownRound
	for i := range cfg.rounds {
		r, err := shutdownOnce(ctx, cfg, filepath.Join(dir, fmt.Sprintf("report-%d", i)))
		if err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		fmt.Printf("round %d: opened %d streams in %.1fs, %d idle; Shutdown %.3fs (server)%s; every stream ended %.3fs, every connection closed %.3fs, server exited %.3fs; streams clean %d, cut %d, not ended %d; idle closed %d\n",
			i+1, r.Opened, r.OpenTook.Seconds(), r.Idle, r.Shutdown.Seconds(), errNote(r.ShutdownErr),
			r.StreamsEnded.Seconds(), r.ConnsClosed.Seconds(), r.Exited.Seconds(), r.Clean, r.Cut, r.NotEnded, r.IdleClosed)
		rounds = append(rounds, r)
	}
	col := func(f func(shutdownRound) time.Duration) string {
		var s spread
		for _, r := range rounds {
			s = append(s, secs(f(r)))
		}
		return s.format(seconds)
	}
	fmt.Printf("\nmedian (min–max) over %d rounds, %d streams + %d idle:\n", len(rounds), cfg.streams, cfg.idle)
	fmt.Printf("  App.Shutdown (server)       %s\n", col(func(r shutdownRound) time.Duration { return r.Shutdown }))
	fmt.Printf("  every stream ended (client) %s\n", col(func(r shutdownRound) time.Duration { return r.StreamsEnded }))
	fmt.Printf("  every connection closed     %s\n", col(func(r shutdownRound) time.Duration { return r.ConnsClosed }))
	fmt.Printf("  server process exited       %s\n", col(func(r shutdownRound) time.Duration { return r.Exited }))
	for _, r := range rounds {
		if r.Opened < cfg.streams || r.NotEnded > 0 {
			return fmt.Errorf("not every stream opened and ended (opened %d of %d, %d not ended)", r.Opened, cfg.streams, r.NotEnded)
		}
	}
	return nil
}

func errNote(msg string) string {
	if msg == "" {
		return ""
	}
	return " [error: " + msg + "]"
}

// shutdownOnce starts a server, opens the streams and then the idle
// connections, sends SIGTERM, and times the end of everything.
func shutdownOnce(ctx context.Context, cfg config, report string) (shutdownRound, error) {
	var r shutdownRound
	// Bounds the child as a whole: opening, then shutting down.
	childCtx, cancel := context.WithTimeout(ctx, 2*cfg.timeout)
	defer cancel()
	child, err := proc.StartChild(childCtx, cfg.procs, 10*time.Second,
		"-serve", "app", "-report", report, "-shutdown-timeout", cfg.shutdownTimeout.String())
	if err != nil {
		return r, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = child.Stop()
		}
	}()

	start := time.Now()
	streams, err := openStreams(childCtx, cfg, child.Addr)
	r.Opened, r.OpenTook = len(streams), time.Since(start)
	var readers sync.WaitGroup
	defer func() {
		// Whatever happened, no reader outlives the round.
		for _, s := range streams {
			_ = s.w.conn.Close()
		}
		readers.Wait()
	}()
	for _, s := range streams {
		readers.Go(func() { s.w.watch(s.br, s.res.Body) })
	}
	if err != nil {
		return r, err
	}

	// The idle connections come last, as a browser opens a spare one
	// while the page runs; then a probe, answered only once the server
	// has accepted every connection before it (one goroutine accepts, in
	// order), so that none is still in the listen queue at SIGTERM.
	var idle []*watched
	defer func() {
		for _, w := range idle {
			_ = w.conn.Close()
		}
	}()
	var d net.Dialer
	for range cfg.idle {
		c, err := d.DialContext(childCtx, "tcp", child.Addr)
		if err != nil {
			return r, fmt.Errorf("opening an idle connection: %w", err)
		}
		w := &watched{conn: c}
		idle = append(idle, w)
		readers.Go(func() { w.watch(bufio.NewReader(c), nil) })
	}
	if err := probe(childCtx, child.Addr); err != nil {
		return r, err
	}
	r.Idle = len(idle)

	sigterm := time.Now()
	for _, s := range streams {
		_ = s.w.conn.SetReadDeadline(sigterm.Add(cfg.timeout))
	}
	for _, w := range idle {
		_ = w.conn.SetReadDeadline(sigterm.Add(cfg.timeout))
	}
	exited := make(chan time.Time, 1)
	go func() {
		_ = child.Stop()
		exited <- time.Now()
	}()
	stopped = true
	readers.Wait()
	r.Exited = (<-exited).Sub(sigterm)

	if r.Shutdown, r.ShutdownErr, err = readReport(report); err != nil {
		return r, err
	}
	last := func(t, than time.Time) time.Time {
		if t.After(than) {
			return t
		}
		return than
	}
	var lastBody, lastClose time.Time
	for _, s := range streams {
		switch w := s.w; {
		case w.bodyEnd.IsZero():
			r.NotEnded++
		case w.clean:
			r.Clean++
		default:
			r.Cut++
		}
		lastBody, lastClose = last(s.w.bodyEnd, lastBody), last(s.w.closedAt, lastClose)
	}
	for _, w := range idle {
		if !w.closedAt.IsZero() {
			r.IdleClosed++
		}
		lastClose = last(w.closedAt, lastClose)
	}
	if !lastBody.IsZero() {
		r.StreamsEnded = lastBody.Sub(sigterm)
	}
	if !lastClose.IsZero() {
		r.ConnsClosed = lastClose.Sub(sigterm)
	}
	return r, nil
}

// stream is an SSE response whose headers are in.
type stream struct {
	w   *watched
	br  *bufio.Reader
	res *http.Response
}

// openStreams opens cfg.streams event streams, cfg.dialers at a time, each
// on a connection of its own, and returns once every one has its response
// headers (or one failed: then with those opened so far).
func openStreams(ctx context.Context, cfg config, addr string) ([]stream, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	// req only tells http.ReadResponse what was asked; raw is what is sent.
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/events", nil)
	if err != nil {
		return nil, err
	}
	raw := []byte("GET /events HTTP/1.1\r\nHost: " + addr + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
	var (
		mu      sync.Mutex
		streams = make([]stream, 0, cfg.streams)
		first   error
		next    atomic.Int64
		dialers sync.WaitGroup
	)
	for range min(cfg.dialers, cfg.streams) {
		dialers.Go(func() {
			var d net.Dialer
			for next.Add(1) <= int64(cfg.streams) && ctx.Err() == nil {
				s, err := openStream(ctx, &d, addr, raw, req)
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
						cancel()
					}
				} else {
					streams = append(streams, s)
				}
				mu.Unlock()
			}
		})
	}
	dialers.Wait()
	if first == nil && len(streams) < cfg.streams {
		first = ctx.Err()
	}
	if first != nil {
		return streams, fmt.Errorf("opened %d of %d streams: %w", len(streams), cfg.streams, first)
	}
	return streams, nil
}

func openStream(ctx context.Context, d *net.Dialer, addr string, raw []byte, req *http.Request) (stream, error) {
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return stream{}, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	br := bufio.NewReader(c)
	if _, err := c.Write(raw); err != nil {
		_ = c.Close()
		return stream{}, err
	}
	res, err := http.ReadResponse(br, req)
	if err != nil {
		_ = c.Close()
		return stream{}, err
	}
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		_ = c.Close()
		return stream{}, fmt.Errorf("GET /events: %s, %s", res.Status, ct)
	}
	_ = c.SetDeadline(time.Time{})
	return stream{w: &watched{conn: c}, br: br, res: res}, nil
}

// probe sends one request on a new connection and reads the answer,
// whatever its status.
func probe(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/probe", nil)
	if err != nil {
		return err
	}
	req.Close = true
	res, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Body.Close()
}
