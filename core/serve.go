package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// ErrAppClosed is returned by Start and Serve after Shutdown.
var ErrAppClosed = errors.New("core: the app has been shut down")

// Listen serves on addr until SIGINT or SIGTERM, then shuts down gracefully
// within the shutdown timeout (WithShutdownTimeout). It returns nil after a
// clean shutdown.
func (a *App) Listen(addr string) error {
	// Signals are caught before the port opens, so a signal that follows
	// the first request can never kill the process ungracefully.
	signals, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.Start(addr); err != nil {
		return err
	}
	a.logger.Info("godanet: listening", "addr", a.Addr().String())
	var serveErr error
	select {
	case <-signals.Done():
		a.logger.Info("godanet: shutting down", "timeout", a.cfg.shutdownTimeout)
	case <-a.serveDone:
		serveErr = a.serveErr
	}
	stop() // a second Ctrl-C now ends the process at once
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.shutdownTimeout)
	defer cancel()
	return errors.Join(serveErr, a.Shutdown(ctx))
}

// Start listens on addr and serves in the background. It returns once the
// listener is bound, so Addr reports the real port of ":0".
func (a *App) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("core: listening on %q: %w", addr, err)
	}
	if err := a.Serve(ln); err != nil {
		_ = ln.Close()
		return err
	}
	return nil
}

// Serve serves on ln in the background, on the echo instance's
// http.Server. Its zero timeouts and header limit are set from the App's
// Limits (WithLimits), so that a slow or idle client cannot hold a
// connection for long; what is set on Echo().Server before Serve wins.
func (a *App) Serve(ln net.Listener) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return ErrAppClosed
	case a.listener != nil:
		return fmt.Errorf("core: the app is already serving on %s", a.listener.Addr())
	}
	srv := a.engineServer(ln)
	srv.Handler = a
	a.configureServer(srv)
	a.listener, a.server = ln, srv
	a.serveDone = make(chan struct{})
	go func() {
		defer close(a.serveDone)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.serveErr = fmt.Errorf("core: serving on %s: %w", ln.Addr(), err)
		}
	}()
	return nil
}

// ConfigureServer gives srv what the App's own server gets when it
// serves: the zero timeouts and header limit from the App's Limits, the
// connection hooks that bound an event stream's send buffer
// (Limits.StreamSendBuffer), and the tracking that lets the App's
// Shutdown turn off srv's keep-alive and close srv's connections that
// never sent a request (stopping srv itself stays yours). Serve calls it;
// call it on a server of your own that serves Handler, before it serves.
// The server's own ConnState and ConnContext hooks are kept and still
// called; a second call with the same server does nothing.
func (a *App) ConfigureServer(srv *http.Server) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.configureServer(srv)
}

// configureServer is ConfigureServer with a.mu held.
func (a *App) configureServer(srv *http.Server) {
	if slices.Contains(a.servers, srv) {
		return
	}
	a.servers = append(a.servers, srv)
	a.cfg.limits.applyTo(srv)
	srv.ConnState = a.unused.hook(srv.ConnState)
	srv.ConnContext = withConn(srv.ConnContext)
}

// Addr is the address the App listens on, or nil before Start.
func (a *App) Addr() net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.listener == nil {
		return nil
	}
	return a.listener.Addr()
}

// Shutdown ends every open event stream, stops taking new requests, waits
// for the ones in flight (until ctx ends; then it closes what is left), and
// calls the OnAppShutdown hooks in reverse dependency order. A later or
// concurrent call waits for the first to finish (or for its own ctx) and
// returns nil.
func (a *App) Shutdown(ctx context.Context) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		select {
		case <-a.shutdownDone:
		case <-ctx.Done():
		}
		return nil
	}
	a.closed = true
	server := a.server // nil unless the App serves (Listen, Start, Serve)
	servers := a.servers
	a.mu.Unlock()
	defer close(a.shutdownDone)

	var errs []error
	for _, srv := range servers {
		// From now on a connection closes after its response instead of
		// waiting for another request: each stream ended below closes its
		// own, in parallel, rather than going idle for Shutdown to close
		// one by one as it polls.
		srv.SetKeepAlivesEnabled(false)
	}
	// Streams first: they never go idle, so the server would wait for them.
	a.streams.end(ctx)
	a.unused.close()
	if server != nil {
		if err := server.Shutdown(ctx); err != nil {
			// Out of time: close what is left rather than leave it running.
			errs = append(errs, fmt.Errorf("core: stopping the server: %w", err), server.Close())
		}
		<-a.serveDone
	}
	hooksCtx := ctx
	if ctx.Err() != nil {
		// The hooks still run, with time of their own, so resources are
		// released even after a slow drain.
		var cancel context.CancelFunc
		hooksCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), a.cfg.shutdownTimeout)
		defer cancel()
	}
	errs = append(errs, runShutdownHooks(hooksCtx, a.hooks))
	return errors.Join(errs...)
}

// ServeHTTP serves a request through echo. Routes recover their own
// panics (recoverRoute); this catches one in app-level middleware and
// answers a 500 that says nothing internal, with the value and stack in
// the log. Recovering here, around echo, costs nothing per request, where
// an echo middleware would allocate. A deliberate http.ErrAbortHandler is
// left to net/http.
//
// It first refuses a query that Go cannot read whole (checkQuery), before
// any middleware could read it as empty.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer a.recoverPanic(w, r)
	if p := checkQuery(r.URL.RawQuery); p != nil {
		_ = writeProblemTo(w, r, p)
		return
	}
	a.route(w, r)
}
