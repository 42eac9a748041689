// Command todo is godanet's showcase: a todo list served from three modules
// (store, auth, todo) as a REST API with validation, a bearer-token guard
// and problem-details errors, a live event stream of every change (with
// replay on reconnect), and a web page that stays in step with it.
//
//	go run ./examples/todo              # listens on :8080
//	go run ./examples/todo -addr :8081  # when 8080 is taken
//
// Writes need "Authorization: Bearer <token>": the token is TODO_TOKEN, or
// a random one printed at start-up.
//
// With -redis URL (or TODO_REDIS) the todos and their events live in
// Redis, so that several instances serve one list: run two on two ports,
// open one page on each, and each sees the other's changes live; a page
// that moves from one instance to the other with its Last-Event-ID gets
// exactly what it missed. Give them one TODO_TOKEN. While Redis is away,
// writes answer 503 and open streams wait for it, for -redis-grace (10s
// by default); past it they end, so that clients reconnect and replay
// what they missed once Redis is back.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"syscall"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/openapi"
	"github.com/godanet/godanet/redisbroker"
	"github.com/labstack/echo/v4/middleware"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on, such as :8081 or 127.0.0.1:8080")
	redisURL := flag.String("redis", os.Getenv("TODO_REDIS"), "keep the todos and their events in Redis at this URL, such as redis://localhost:6379/0, to run several instances (default $TODO_REDIS; empty: in memory)")
	grace := flag.Duration("redis-grace", 10*time.Second, "with -redis: how long open streams wait for an unreachable Redis before they end, so that their clients reconnect and replay what they missed")
	flag.Parse()

	token := Token(os.Getenv("TODO_TOKEN"))
	if token == "" {
		token = randomToken()
		fmt.Printf("TODO_TOKEN is not set; writes need this token: %s\n", token)
	}
	backend := MemoryBackend()
	if *redisURL != "" {
		client, err := connectRedis(*redisURL)
		if err != nil {
			log.Fatal(err)
		}
		defer client.Close()
		backend = RedisBackend(client, redisbroker.GracePeriod(*grace))
		fmt.Printf("todo: todos and events are kept in Redis at %s\n", *redisURL)
	}
	app, err := newApp(token, backend)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("todo: open http://localhost%s/\n", listenPort(*addr))
	if err := app.Listen(*addr); err != nil {
		log.Fatal(explainListen(*addr, err))
	}
}

// explainListen turns the error a newcomer is most likely to meet, a
// port already taken (often by an earlier run), into one that says what
// to do; other errors are returned as they are.
func explainListen(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return &addrInUseError{addr: addr, err: err}
	}
	return err
}

// addrInUseError says which address is taken and how to choose another.
// The cause stays reachable with errors.Is and errors.As.
type addrInUseError struct {
	addr string
	err  error
}

func (e *addrInUseError) Error() string {
	return fmt.Sprintf("todo: cannot listen on %q: the address is already in use (by another program, or an earlier run of this one); "+
		"stop it, or pass another address with -addr, e.g. go run ./examples/todo -addr :8081", e.addr)
}

func (e *addrInUseError) Unwrap() error { return e.err }

// newApp assembles the application on a backend; tests call it too.
func newApp(token Token, backend Backend, options ...core.Option) (*core.App, error) {
	root := &module.Module{
		Name:    "app",
		Imports: []*module.Module{TodoModule(BackendModule(backend), AuthModule(token))},
	}
	// A todo is a short title: 64 KiB is ample, where the default is 1 MiB.
	options = append([]core.Option{
		core.WithMiddleware(middleware.RequestID()),
		core.WithLimits(core.Limits{BodyBytes: 64 << 10}),
		openapi.With(openapi.Config{Title: "Todos", Version: "1.0.0", Description: "The godanet example: todos over REST, their changes over Server-Sent Events."}),
	}, options...)
	return core.New(root, options...)
}

// listenPort turns ":8080" or "0.0.0.0:8080" into ":8080" for the URL.
func listenPort(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i:]
		}
	}
	return addr
}
