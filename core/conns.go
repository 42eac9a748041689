package core

import (
	"net"
	"net/http"
	"sync"
)

// unusedConns tracks the connections that have not begun a request yet.
// Browsers open such connections ahead of need, and net/http's Shutdown
// takes one for busy until it is 5 seconds old; at shutdown the App closes
// them itself, and closes at once any that arrives while it shuts down.
// (A request racing that close fails as a connection reset, which clients
// retry as for any connection closed by a server.)
type unusedConns struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

// hook returns a ConnState hook that tracks connections and then calls
// next, the server's own hook, if any.
func (u *unusedConns) hook(next func(net.Conn, http.ConnState)) func(net.Conn, http.ConnState) {
	return func(c net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			u.mu.Lock()
			if u.closing {
				c.Close()
			} else {
				if u.conns == nil {
					u.conns = map[net.Conn]struct{}{}
				}
				u.conns[c] = struct{}{}
			}
			u.mu.Unlock()
		case http.StateActive, http.StateHijacked, http.StateClosed:
			u.mu.Lock()
			delete(u.conns, c)
			u.mu.Unlock()
		}
		if next != nil {
			next(c, state)
		}
	}
}

// close closes the tracked connections, and every new one from now on.
func (u *unusedConns) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closing = true
	for c := range u.conns {
		c.Close()
	}
	clear(u.conns)
}
