// Package sseserver holds the SSE servers cmd/sseload drives, one per
// library, all answering the same three requests:
//
//	GET  /events   an event stream of every published event
//	POST /publish  publishes each line of the request body as one event's
//	               data, in order (one line: one event)
//	GET  /stats    the server's own figures as JSON (Stats); ?gc=1 first
//	               collects garbage and returns freed memory to the OS
//	GET  /closed   when the server let go of each connection, by client
//	               address (see closeLog)
//
// Each variant is written the way its library's users would write it,
// with the library's defaults:
//
//   - godanet: a core app whose controller has a Hub-backed SSE route and
//     a publish route; the Hub is an ordinary provider.
//   - echo: hand-written echo handlers and a broadcaster: a set of
//     buffered channels under a mutex; the event is formatted once per
//     publish, and a client whose buffer is full is dropped (the Hub's
//     policy too).
//   - go-sse: go-sse's Server with its default provider, Joe, on net/http.
//   - godanet-redis: the godanet app with its Hub on a redisbroker.Broker,
//     for several instances (processes) sharing one Redis; each instance
//     names its Redis connections "sseload-<instance>" (CLIENT LIST).
//
// All three run on the same http.Server settings, behind the same wrapper
// that counts open streams and records when each connection was closed;
// godanet's is configured by App.ConfigureServer too, as an App's own
// server is (its timeouts, and the bounded send buffer of a stream).
package sseserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/redisbroker"
	"github.com/godanet/godanet/sse"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	gosse "github.com/tmaxmax/go-sse"
)

// Names lists the variants that need nothing but this process, the
// baseline (hand-written echo) first.
var Names = []string{"echo", "godanet", "go-sse"}

// Redis is the variant whose Hub is on Redis (Options.Redis).
const Redis = "godanet-redis"

// Options are what New needs besides the variant's name.
type Options struct {
	// Pprof also serves net/http/pprof under /debug/pprof/, to profile
	// the variant under load.
	Pprof bool
	// Redis is the address of the Redis server of the godanet-redis
	// variant, and Instance the name its connections to it take
	// ("sseload-" + Instance).
	Redis, Instance string
	// Wrap, when set, wraps the server's whole handler (cmd/stackprobe
	// puts frames of its own above it).
	Wrap func(http.Handler) http.Handler
}

// EventName is the event type of every published event.
const EventName = "tick"

// Stats is what GET /stats answers.
type Stats struct {
	Variant    string `json:"variant"`
	Conns      int64  `json:"conns"`   // open TCP connections
	Streams    int64  `json:"streams"` // GET /events handlers running
	Goroutines int    `json:"goroutines"`
	RSS        uint64 `json:"rss"`         // resident set size, from /proc/self/status
	HeapAlloc  uint64 `json:"heap_alloc"`  // live heap after ?gc=1
	HeapInuse  uint64 `json:"heap_inuse"`  // heap spans in use
	StackInuse uint64 `json:"stack_inuse"` // goroutine stacks
	Sys        uint64 `json:"sys"`         // all memory the Go runtime holds
	Published  int64  `json:"published"`   // POST /publish requests
	NumGC      uint32 `json:"num_gc"`
}

// Server is one variant, ready to serve.
type Server struct {
	Variant string
	http    *http.Server
	close   func()
	pprof   bool
	// configure, when set, configures the http.Server as the variant
	// would its own (godanet: App.ConfigureServer).
	configure func(*http.Server)

	conns     atomic.Int64
	streams   atomic.Int64
	published atomic.Int64
	closed    closeLog
}

// New builds the named variant.
func New(variant string, o Options) (*Server, error) {
	s := &Server{Variant: variant, pprof: o.Pprof}
	var (
		h   http.Handler
		err error
	)
	switch variant {
	case "godanet":
		h, s.close, err = s.godanet(sse.NewHub(), func() {})
	case Redis:
		h, s.close, err = s.godanetRedis(o)
	case "echo":
		h, s.close = s.echo()
	case "go-sse":
		h, s.close = s.goSSE()
	default:
		return nil, fmt.Errorf("sseserver: unknown variant %q (have %s, %s)", variant, strings.Join(Names, ", "), Redis)
	}
	if err != nil {
		return nil, err
	}
	handler := s.wrap(h)
	if o.Wrap != nil {
		handler = o.Wrap(handler)
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(c net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				s.conns.Add(-1)
				s.closed.record(c)
			}
		},
	}
	if s.configure != nil {
		s.configure(s.http)
	}
	return s, nil
}

// Serve serves on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// Streams is the number of GET /events handlers running.
func (s *Server) Streams() int64 { return s.streams.Load() }

// Close stops the server, closing every connection, then the variant's
// own machinery (the app, the broadcaster, the provider). In the other
// order go-sse answers its open streams with a 500 they can no longer
// take.
func (s *Server) Close() error {
	err := s.http.Close()
	s.close()
	return err
}

// wrap answers /stats and /closed and counts the streams of every variant
// the same way, around the variant's own handler.
func (s *Server) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stats":
			s.serveStats(w, r)
		case "/closed":
			s.closed.ServeHTTP(w, r)
		case "/events":
			s.streams.Add(1)
			defer s.streams.Add(-1)
			h.ServeHTTP(w, r)
		case "/publish":
			s.published.Add(1)
			h.ServeHTTP(w, r)
		default:
			if s.pprof && strings.HasPrefix(r.URL.Path, "/debug/pprof/") {
				servePprof(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}
	})
}

func servePprof(w http.ResponseWriter, r *http.Request) {
	switch name := strings.TrimPrefix(r.URL.Path, "/debug/pprof/"); name {
	case "profile":
		pprof.Profile(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		pprof.Handler(name).ServeHTTP(w, r)
	}
}

func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") != "" {
		debug.FreeOSMemory()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := Stats{
		Variant:    s.Variant,
		Conns:      s.conns.Load(),
		Streams:    s.streams.Load(),
		Goroutines: runtime.NumGoroutine(),
		RSS:        rss(),
		HeapAlloc:  ms.HeapAlloc,
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		Sys:        ms.Sys,
		Published:  s.published.Load(),
		NumGC:      ms.NumGC,
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// rss reads VmRSS from /proc/self/status, in bytes; 0 where there is none.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// readEvents reads a POST /publish body: the data of one event a line.
func readEvents(r *http.Request) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"), err
}

// StreamController is the godanet variant's controller.
type StreamController struct {
	core.Controller `path:"/"`
	Hub             *sse.Hub

	_ core.SSE  `path:"/events" handler:"Events"`
	_ core.POST `path:"/publish" handler:"Publish" status:"204"`
}

// NewStreamController is the controller's constructor, for DI.
func NewStreamController(h *sse.Hub) *StreamController { return &StreamController{Hub: h} }

// Events streams the topic from the client's Last-Event-ID on.
func (s *StreamController) Events(c core.Context) (<-chan sse.Message, error) {
	return s.Hub.Subscribe(c.Request().Context(), "bench", sse.LastEventID(c.Request()))
}

// Publish publishes each line of the request body.
func (s *StreamController) Publish(c core.Context) error {
	events, err := readEvents(c.Request())
	if err != nil {
		return err
	}
	for _, data := range events {
		if _, err := s.Hub.Publish(c.Request().Context(), "bench", sse.Message{Event: EventName, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// godanet serves hub, which release closes (with what it was made
// from) once the app is shut down.
func (s *Server) godanet(hub *sse.Hub, release func()) (http.Handler, func(), error) {
	app, err := core.New(&module.Module{
		Name:        "bench",
		Providers:   []any{func() *sse.Hub { return hub }},
		Controllers: []any{NewStreamController},
	}, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		release()
		return nil, nil, err
	}
	// Served as an App serves itself: its limits and connection hooks.
	s.configure = app.ConfigureServer
	return app.Handler(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = app.Shutdown(ctx)
		release()
	}, nil
}

// godanetRedis is the godanet variant with its Hub on Redis, as an app of
// several instances would be set up (see package redisbroker).
func (s *Server) godanetRedis(o Options) (http.Handler, func(), error) {
	if o.Redis == "" {
		return nil, nil, fmt.Errorf("sseserver: the %s variant needs the address of a Redis server", Redis)
	}
	client := redis.NewClient(&redis.Options{
		Addr:                  o.Redis,
		ClientName:            "sseload-" + o.Instance,
		ContextTimeoutEnabled: true,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("sseserver: Redis at %s: %w", o.Redis, err)
	}
	hub := sse.NewHub(sse.WithBroker(redisbroker.New(client)))
	return s.godanet(hub, func() {
		_ = hub.Close() // closes the broker, not the client
		_ = client.Close()
	})
}

// broadcaster is the hand-written fan-out of the echo variant.
type broadcaster struct {
	mu      sync.Mutex
	clients map[chan []byte]struct{}
	seq     uint64
	closed  bool
}

func (b *broadcaster) subscribe() (chan []byte, bool) {
	ch := make(chan []byte, 16)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, false
	}
	b.clients[ch] = struct{}{}
	return ch, true
}

func (b *broadcaster) unsubscribe(ch chan []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.clients[ch]; ok {
		delete(b.clients, ch)
		close(ch)
	}
}

// publish formats the event once and hands it to every client; one whose
// buffer is full is dropped.
func (b *broadcaster) publish(data string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	ev := []byte("id: " + strconv.FormatUint(b.seq, 10) + "\nevent: " + EventName + "\ndata: " + data + "\n\n")
	for ch := range b.clients {
		select {
		case ch <- ev:
		default:
			delete(b.clients, ch)
			close(ch)
		}
	}
}

func (b *broadcaster) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.clients {
		delete(b.clients, ch)
		close(ch)
	}
}

func (s *Server) echo() (http.Handler, func()) {
	b := &broadcaster{clients: map[chan []byte]struct{}{}}
	e := echo.New()
	e.GET("/events", func(c echo.Context) error {
		ch, ok := b.subscribe()
		if !ok {
			return echo.ErrServiceUnavailable
		}
		defer b.unsubscribe(ch)
		res := c.Response()
		res.Header().Set("Content-Type", "text/event-stream")
		res.Header().Set("Cache-Control", "no-cache")
		res.WriteHeader(http.StatusOK)
		res.Flush()
		ctx := c.Request().Context()
		for {
			select {
			case <-ctx.Done():
				return nil
			case ev, ok := <-ch:
				if !ok {
					return nil
				}
				if _, err := res.Write(ev); err != nil {
					return nil
				}
				res.Flush()
			}
		}
	})
	e.POST("/publish", func(c echo.Context) error {
		events, err := readEvents(c.Request())
		if err != nil {
			return err
		}
		for _, data := range events {
			b.publish(data)
		}
		return c.NoContent(http.StatusNoContent)
	})
	return e, b.close
}

func (s *Server) goSSE() (http.Handler, func()) {
	srv := &gosse.Server{}
	var seq atomic.Uint64
	mux := http.NewServeMux()
	mux.Handle("GET /events", srv)
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		events, err := readEvents(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, data := range events {
			m := &gosse.Message{ID: gosse.ID(strconv.FormatUint(seq.Add(1), 10)), Type: gosse.Type(EventName)}
			m.AppendData(data)
			if err := srv.Publish(m); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux, func() { _ = srv.Shutdown(context.Background()) }
}
