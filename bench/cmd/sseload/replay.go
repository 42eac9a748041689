package main

import (
	"context"
	"fmt"
	"strconv"
)

// The -last-event-id mode: every client asks for what it missed since an
// event ID the server never issued, after the topic's history is full.
//
// A server that cannot place the ID replays everything it retains (a
// godanet Hub does: the ID may come from before a restart), so each
// connection is a full replay. What that replay holds on the server,
// per connection, once it has been written is the figure; the baseline
// is the same run, with the same history, whose clients send no header.

// unknownEventID is an event ID no variant issues: godanet's are
// "<epoch>-<seq>" with a base-36 epoch, echo's and go-sse's are numbers.
const unknownEventID = "x-1"

// historyWord starts the data of the events that fill the history, so
// that a client counts the ones replayed to it (client.replayed).
const historyWord = "history"

// fillHistory publishes n events of cfg.payload bytes before any client
// connects.
func fillHistory(ctx context.Context, cfg config, base string, n int) error {
	for i := range n {
		if err := publish(ctx, base, eventData(historyWord+" "+strconv.Itoa(i), cfg.payload)); err != nil {
			return fmt.Errorf("filling the history, publish %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}
