package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/godanet/godanet/bench/internal/proc"
)

// bodyKinds are the two ways a client sends a body: with its length
// announced, or chunked (a stream of unknown length).
var bodyKinds = []string{"content-length", "chunked"}

// bodyRound is one batch of concurrent requests to a fresh server.
type bodyRound struct {
	Kind    string
	Before  memory // the server's, before the batch
	After   memory // the server's, after every answer
	Took    time.Duration
	Answers tally // status code, or what went wrong
	Sent    int64 // the most bytes of a body one request handed its connection
}

// Growth is how far the server's resident memory rose at its peak.
func (r bodyRound) Growth() float64 { return float64(r.After.HWM) - float64(r.Before.RSS) }

func runBody(ctx context.Context, cfg config) error {
	if cfg.size < int64(len(bodyPrefix)+len(bodySuffix)) {
		return fmt.Errorf("-size must be at least %d bytes", len(bodyPrefix)+len(bodySuffix))
	}
	fmt.Printf("body: %d concurrent POST /notes of %d bytes (a JSON object with one long string), with a Content-Length and chunked, %d rounds, a fresh server for each batch\n",
		cfg.bodies, cfg.size, cfg.rounds)
	byKind := map[string][]bodyRound{}
	for i := range cfg.rounds {
		// Alternate which kind goes first, so a slow spell of the machine
		// falls on both.
		kinds := bodyKinds
		if i%2 == 1 {
			kinds = []string{bodyKinds[1], bodyKinds[0]}
		}
		for _, kind := range kinds {
			r, err := bodyOnce(ctx, cfg, kind)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", i+1, kind, err)
			}
			fmt.Printf("round %d, %-14s %.2fs: server RSS %s before, peak %s (+%s), %s after; answers: %s; most sent by one request %s\n",
				i+1, kind+":", r.Took.Seconds(), mib(float64(r.Before.RSS)), mib(float64(r.After.HWM)), mib(r.Growth()),
				mib(float64(r.After.RSS)), r.Answers, mib(float64(r.Sent)))
			byKind[kind] = append(byKind[kind], r)
		}
	}
	fmt.Printf("\nmedian (min–max) over %d rounds, %d × %d bytes:\n", cfg.rounds, cfg.bodies, cfg.size)
	for _, kind := range bodyKinds {
		var growth, peak, after, took spread
		answers := tally{}
		for _, r := range byKind[kind] {
			growth = append(growth, r.Growth())
			peak = append(peak, float64(r.After.HWM))
			after = append(after, float64(r.After.RSS))
			took = append(took, r.Took.Seconds())
			for k, n := range r.Answers {
				answers[k] += n
			}
		}
		fmt.Printf("  %-14s peak RSS growth %s; peak RSS %s; RSS after %s; batch took %s; answers %s\n",
			kind+":", growth.format(mib), peak.format(mib), after.format(mib), took.format(seconds), answers)
	}
	return nil
}

// bodyOnce starts a server, sends the batch, and reads the server's
// memory before and after.
func bodyOnce(ctx context.Context, cfg config, kind string) (bodyRound, error) {
	r := bodyRound{Kind: kind, Answers: tally{}}
	child, err := proc.StartChild(ctx, cfg.procs, 10*time.Second, "-serve", "app")
	if err != nil {
		return r, err
	}
	defer func() { _ = child.Stop() }()
	if r.Before, err = readMemory(child.PID); err != nil {
		return r, err
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives:  true,
		DisableCompression: true,
		WriteBufferSize:    64 << 10,
	}}
	url := "http://" + child.Addr + "/notes"
	var (
		mu  sync.Mutex
		all sync.WaitGroup
	)
	start := time.Now()
	for range cfg.bodies {
		all.Go(func() {
			answer, sent := postBody(ctx, client, url, kind, cfg.size)
			mu.Lock()
			defer mu.Unlock()
			r.Answers[answer]++
			r.Sent = max(r.Sent, sent)
		})
	}
	all.Wait()
	r.Took = time.Since(start)
	r.After, err = readMemory(child.PID)
	return r, err
}

// postBody sends one body and returns the answer's status code, or what
// went wrong, and how many bytes of the body the client handed its
// connection before the request ended.
func postBody(ctx context.Context, client *http.Client, url, kind string, size int64) (string, int64) {
	body := &jsonBody{size: size}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return err.Error(), 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1 // unknown: chunked
	if kind == "content-length" {
		req.ContentLength = size
	}
	res, err := client.Do(req)
	if err != nil {
		return describe(err), body.off.Load()
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return strconv.Itoa(res.StatusCode), body.off.Load()
}

// describe names a transport error without its addresses, so that equal
// failures count together.
func describe(err error) string {
	switch {
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed before an answer"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// The body is one JSON object with a long string: valid JSON to its last
// byte, so a decoder cannot stop early on a syntax error and the whole
// body is read.
const (
	bodyPrefix = `{"title":"hardenload","body":"`
	bodySuffix = `"}`
)

// filler is what the long string is made of.
var filler = []byte(strings.Repeat("a", 32<<10))

// jsonBody generates a body of size bytes without holding it; off counts
// what has been read.
type jsonBody struct {
	size int64
	off  atomic.Int64
}

func (b *jsonBody) Read(p []byte) (int, error) {
	off := b.off.Load()
	if off >= b.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), b.size-off)]
	n := 0
	for n < len(p) {
		at := off + int64(n)
		switch tail := b.size - int64(len(bodySuffix)); {
		case at < int64(len(bodyPrefix)):
			n += copy(p[n:], bodyPrefix[at:])
		case at < tail:
			n += copy(p[n:min(int64(len(p)), int64(n)+tail-at)], filler)
		default:
			n += copy(p[n:], bodySuffix[at-tail:])
		}
	}
	b.off.Add(int64(n))
	return n, nil
}
