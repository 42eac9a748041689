package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is one SSE connection.
type client struct {
	// stalled makes it stop reading after the response head (stalled.go).
	stalled bool
	// request is what it sends on opening: GET /events with its headers;
	// addr is the server it opens it on.
	request []byte
	addr    string

	conn     net.Conn
	ready    atomic.Bool  // has had a warm-up event, or its head if stalled
	err      error        // why it could not open; set before reading starts
	alive    atomic.Bool  // reading, not ended
	got      atomic.Int64 // events received
	replayed atomic.Int64 // history events received (replay.go)

	mu      sync.Mutex
	lat     []time.Duration
	failure error // why the stream failed, if it did
}

func (c *client) setFailure(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failure = err
}

// eventsRequest is the request of every client; a non-empty lastEventID
// is sent as the Last-Event-ID header, as an EventSource does when it
// reconnects.
func eventsRequest(lastEventID string) []byte {
	req := "GET /events HTTP/1.1\r\nHost: sseload\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n"
	if lastEventID != "" {
		req += "Last-Event-ID: " + lastEventID + "\r\n"
	}
	return []byte(req + "\r\n")
}

// open connects and sends the request, trying three times. It does not
// wait for the response: go-sse sends the response head with the first
// event, and an EventSource waits for it too.
func (c *client) open(ctx context.Context) {
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		if c.err = c.try(ctx, c.addr); c.err == nil || ctx.Err() != nil {
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
	if _, err := conn.Write(c.request); err != nil {
		conn.Close()
		return err
	}
	c.conn = conn
	c.alive.Store(true)
	return nil
}

// setReady marks the client ready for the run to publish, once.
func (c *client) setReady(r *run) {
	if !c.ready.Swap(true) {
		r.ready.Add(1)
	}
}

// head reads the response head and checks that it opens an event stream.
func (c *client) head(br *bufio.Reader) (*http.Response, error) {
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return nil, fmt.Errorf("GET /events: %s, Content-Type %q", res.Status, res.Header.Get("Content-Type"))
	}
	return res, nil
}

// read parses the event stream until the connection ends, recording each
// event's latency from its publish. It follows the WHATWG parsing rules as
// far as this load needs: lines, "data:" fields, a blank line dispatches,
// comments are skipped. A stalled client reads the head only.
func (c *client) read(r *run) {
	if c.stalled {
		c.stall(r)
		return
	}
	defer c.alive.Store(false)
	res, err := c.head(bufio.NewReaderSize(c.conn, 1024))
	if err != nil {
		c.setFailure(err)
		return
	}
	body := bufio.NewReaderSize(res.Body, 512)
	var scratch [lineStart]byte
	seq, warm, replayed := -1, false, false
	for {
		line, err := readLineStart(body, scratch[:])
		if err != nil {
			return // the server ended the stream, or the run closed it
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if warm {
				c.setReady(r)
			}
			if replayed {
				c.replayed.Add(1)
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
			seq, warm, replayed = -1, false, false
		case line[0] == ':':
		default:
			if data, ok := bytes.CutPrefix(line, []byte("data:")); ok {
				data = bytes.TrimPrefix(data, []byte(" "))
				word, _, _ := bytes.Cut(data, []byte(" "))
				if n, err := strconv.Atoi(string(word)); err == nil {
					seq = n
				} else {
					warm = string(word) == warmData
					replayed = string(word) == historyWord
				}
			}
		}
	}
}

// lineStart is as much of a line as the client looks at: enough for a
// field's name and the first word of its value.
const lineStart = 64

// readLineStart reads a line and returns it, or, if it is longer than
// br's buffer (an event with a large payload), its first len(scratch)
// bytes, copied to scratch, having skipped the rest.
func readLineStart(br *bufio.Reader, scratch []byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	n := copy(scratch, line)
	for err == bufio.ErrBufferFull {
		_, err = br.ReadSlice('\n')
	}
	return scratch[:n], err
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
	}
}
