package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"
)

// The -stalled mode: clients on the same topic as the healthy ones that
// read the response head and then never read again, as an application
// that hangs does. Each is a real TCP connection: once its receive buffer
// and the server's send buffer are full, the server's writes to it block.
// The run keeps it open to its end.
//
// How long the server takes to cut one cannot be seen from the client: the
// FIN waits behind the bytes the client never reads (and net/http closes
// without an RST), so the client's end stays established. The servers of
// internal/sseserver record when they let go of each connection, and
// answer GET /closed with that, by client address; a stalled client's cut
// is that time less the time of the first publish.

// stallHeadBuffer is the smallest bufio.Reader: reading the head takes as
// little of the body with it as it can.
const stallHeadBuffer = 16

// stall reads the response head, marks the client ready and returns,
// never to read again.
func (c *client) stall(r *run) {
	if _, err := c.head(bufio.NewReaderSize(c.conn, stallHeadBuffer)); err != nil {
		c.alive.Store(false)
		c.setFailure(err)
		return
	}
	c.setReady(r)
}

// stalledResult is what became of a run's stalled clients.
type stalledResult struct {
	Opened int `json:"opened"`
	// Measured is false where the server does not answer GET /closed.
	Measured bool `json:"measured"`
	// CutS is, for each one the server cut, the time from the first
	// publish to the cut, in seconds, in increasing order.
	CutS []float64 `json:"cut_s"`
	// Open is the number the server had not cut at the end of the run.
	Open int `json:"open"`
}

// errNoCloseLog is the answer of a server that keeps no close times.
var errNoCloseLog = errors.New("the server does not answer GET /closed")

// measure reads when the servers cut each stalled client, counting from
// from, the first publish.
func (s *stalledResult) measure(ctx context.Context, bases []string, clients []*client, from time.Time) error {
	closed := map[string]int64{}
	for _, base := range bases {
		at, err := closeTimes(ctx, base)
		if errors.Is(err, errNoCloseLog) {
			return nil
		}
		if err != nil {
			return err
		}
		maps.Copy(closed, at)
	}
	s.Measured = true
	for _, c := range clients {
		if !c.stalled || c.err != nil {
			continue
		}
		at, ok := closed[c.conn.LocalAddr().String()]
		if !ok {
			s.Open++
			continue
		}
		s.CutS = append(s.CutS, time.Unix(0, at).Sub(from).Seconds())
	}
	slices.Sort(s.CutS)
	return nil
}

// median is the median cut; 0 when none was.
func (s *stalledResult) median() float64 { return medianOf(s.CutS) }

// most is the latest cut; 0 when none was.
func (s *stalledResult) most() float64 {
	if len(s.CutS) == 0 {
		return 0
	}
	return s.CutS[len(s.CutS)-1]
}

// closeTimes reads GET /closed: for each client address whose connection
// the server has let go of, when it did, in Unix ns.
func closeTimes(ctx context.Context, base string) (map[string]int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/closed", nil)
	if err != nil {
		return nil, err
	}
	res, err := adminClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return nil, errNoCloseLog
	default:
		return nil, fmt.Errorf("GET /closed: %s", res.Status)
	}
	var at map[string]int64
	return at, json.NewDecoder(res.Body).Decode(&at)
}
