// Command hardenload measures how godanet holds up against three kinds of
// load that a hardened server must survive, each in a mode of its own:
//
//   - shutdown: how long App.Shutdown takes with many open SSE streams
//     and a few connections that never send a request (browsers open them
//     ahead of time), and how long until the client saw every stream end
//     and the server process exit;
//   - body: how much memory the server takes for a few concurrent, very
//     large request bodies on a route that binds a JSON input struct, sent
//     with a Content-Length and chunked, and what each client was answered;
//   - topics: how much live heap an sse.Hub holds for many per-resource
//     topics that got one publish each, right after and after a quiet spell.
//
// The shutdown and body modes run the server under test in a child process
// (this binary with -serve app), a godanet app served with App.Start as a
// user's would be, so that its memory and timings are its own. The topics
// mode needs no network and runs the Hub in this process. Each mode repeats
// its measurement -rounds times, each round on a fresh server, and prints
// every round, then the median with the spread (min–max):
//
//	go run ./cmd/hardenload -mode shutdown -streams 10000 -idle 10 -rounds 5
//	go run ./cmd/hardenload -mode body -bodies 10 -size 200000000 -rounds 3
//	go run ./cmd/hardenload -mode topics -topics 100000 -wait 2s -rounds 5
//
// Every wait is bounded by -timeout. The command raises its open-file limit
// itself, as cmd/sseload does; the child inherits it.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config holds the flags of every mode.
type config struct {
	rounds  int
	timeout time.Duration
	procs   int

	streams         int
	idle            int
	dialers         int
	shutdownTimeout time.Duration

	bodies int
	size   int64

	topics    int
	wait      time.Duration
	topicIdle time.Duration
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("hardenload: ")
	var (
		cfg    config
		mode   = flag.String("mode", "", "what to measure: shutdown, body or topics")
		serve  = flag.String("serve", "", `serve the app under test and print its address (what the child process does; the one value is "app")`)
		listen = flag.String("listen", "127.0.0.1:0", "with -serve: the address to listen on")
		report = flag.String("report", "", "with -serve: write how long Shutdown took to this file")
	)
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds, each on a fresh server; the summary gives medians and the spread")
	flag.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "bound on each phase of a round (opening, shutting down, sending)")
	flag.IntVar(&cfg.procs, "server-procs", 0, "GOMAXPROCS of the server process (0: Go's default)")
	flag.IntVar(&cfg.streams, "streams", 10000, "shutdown: open SSE streams")
	flag.IntVar(&cfg.idle, "idle", 10, "shutdown: connections that never send a request")
	flag.IntVar(&cfg.dialers, "dialers", 128, "shutdown: connections opened at once")
	flag.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 30*time.Second, "the context the server gives App.Shutdown (with -serve, too)")
	flag.IntVar(&cfg.bodies, "bodies", 10, "body: concurrent requests")
	flag.Int64Var(&cfg.size, "size", 200_000_000, "body: bytes per request body")
	flag.IntVar(&cfg.topics, "topics", 100000, "topics: distinct topics, one publish each")
	flag.DurationVar(&cfg.wait, "wait", 2*time.Second, "topics: how long the Hub stays idle before the last reading")
	flag.DurationVar(&cfg.topicIdle, "topic-idle", 0, "topics: pass sse.TopicIdle(d) to the Hub (0: the Hub's default; below 0: keep topics for good)")
	flag.Parse()

	if *serve != "" {
		if *serve != "app" {
			log.Fatalf("-serve: unknown server %q; the one there is is \"app\"", *serve)
		}
		if err := serveApp(*listen, *report, cfg.shutdownTimeout); err != nil {
			log.Fatal(err)
		}
		return
	}
	if cfg.rounds < 1 {
		log.Fatal("-rounds must be at least 1")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch *mode {
	case "shutdown":
		err = runShutdown(ctx, cfg)
	case "body":
		err = runBody(ctx, cfg)
	case "topics":
		err = runTopics(ctx, cfg)
	default:
		log.Fatalf("-mode: want shutdown, body or topics, not %q", *mode)
	}
	if err != nil {
		log.Fatal(err)
	}
}
