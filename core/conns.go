package core

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
)

// connKey is the context key of a request's connection, which the App's
// server puts in every request's context (withConn).
type connKey struct{}

// withConn returns a ConnContext hook that puts the connection in its
// requests' contexts, and then calls next, the server's own hook, if any.
func withConn(next func(context.Context, net.Conn) context.Context) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, c net.Conn) context.Context {
		if next != nil {
			ctx = next(ctx, c)
		}
		return context.WithValue(ctx, connKey{}, c)
	}
}

// limitSendBuffer sets the send buffer of the request's TCP connection,
// when a server the App configured made the request; see
// Limits.StreamSendBuffer. Not for HEAD, which streams nothing, nor for
// HTTP/2, whose connection carries other requests too.
func limitSendBuffer(r *http.Request, bytes int) {
	if r.Method == http.MethodHead || r.ProtoMajor != 1 {
		return
	}
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	if tcp, ok := c.(*net.TCPConn); ok && bytes > 0 {
		_ = tcp.SetWriteBuffer(bytes)
	}
}

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
