package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// warmData is the data of the events that warm the server up and tell
// that a stream is ready; they count in no figure.
const warmData = "warm"

// eventData is an event's data: word (an event's sequence number, or
// historyWord), a space, and padding up to size bytes. The clients read
// the word.
func eventData(word string, size int) []byte {
	b := make([]byte, 0, max(size, len(word)+1))
	b = append(b, word...)
	b = append(b, ' ')
	for len(b) < size {
		b = append(b, 'x')
	}
	return b
}

// publishAll publishes for cfg.duration at cfg.rate, or, with rate 0,
// each time the last events have reached every connection; each time it
// publishes cfg.burst events, in one request, which the server publishes
// back to back.
func publishAll(ctx context.Context, cfg config, base string, r *run, conns int) error {
	start := time.Now()
	for slot := 0; (slot+1)*cfg.burst <= len(r.pubAt); slot++ {
		if cfg.rate > 0 {
			at := start.Add(time.Duration(float64(slot) / cfg.rate * float64(time.Second)))
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
			// Closed loop: wait for the last events everywhere (or 5s).
			want := int64(slot*cfg.burst) * int64(conns)
			for deadline := time.Now().Add(5 * time.Second); r.received.Load() < want && time.Now().Before(deadline); {
				time.Sleep(50 * time.Microsecond)
			}
		}
		first := slot * cfg.burst
		var body []byte
		for seq := first; seq < first+cfg.burst; seq++ {
			body = append(append(body, eventData(strconv.Itoa(seq), cfg.payload)...), '\n')
		}
		now := r.since()
		for seq := first; seq < first+cfg.burst; seq++ {
			r.pubAt[seq].Store(now)
		}
		r.published.Add(int64(cfg.burst))
		if err := publish(ctx, base, body); err != nil {
			return fmt.Errorf("publish %d to %d: %w", first, first+cfg.burst-1, err)
		}
	}
	return nil
}

// publish posts body to the server's POST /publish.
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
