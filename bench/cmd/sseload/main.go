// Command sseload opens many real SSE connections over loopback to a
// server, publishes at a set rate, and reports what the server holds and
// how fast events reach the clients:
//
//   - connections held to the end, of those asked for;
//   - the server's memory per connection: RSS, live Go heap and goroutine
//     stacks, and goroutines per connection, each the growth from the
//     idle server (read by the server itself at GET /stats, after a GC);
//   - p50, p99 and max publish-to-receive latency;
//   - events delivered per second.
//
// Two modes put a scenario beside its baseline: each round runs the
// scenario and then, in the same way, the baseline without it (in the
// other order every second round), and the comparison gives medians over
// rounds and the ratio of the scenario's to the baseline's:
//
//   - -stalled N opens N more clients that read the response head and
//     never read again (see stalled.go); the figures are the healthy
//     clients' latency and when the server cut each stalled one;
//   - -last-event-id unknown fills the topic's history first and has every
//     client send a Last-Event-ID the server never issued, so that each
//     connection is replayed the whole history (see replay.go); the figure
//     is the server's memory per connection.
//
// The server runs in a child process (this binary, with -serve), one of
// the variants of internal/sseserver, so that its figures are its own:
//
//	go run ./cmd/sseload -server all -conns 1000,5000,20000 -rate 2 -duration 10s
//
// The godanet-redis variant is two such children sharing one redis-server
// that the command starts for each run (see redis.go): the clients are
// split between them, and the events are published on the first.
//
// -burst B publishes B events at a time (in one request, which the server
// publishes back to back), so that each stream has several queued at once;
// the summary gives the server's write system calls per event delivered,
// which is how often it flushed (see publish.go).
//
// With -target it drives a server that is already running instead; that
// server must answer GET /events, POST /publish and GET /stats as the
// variants do.
//
// The command raises its open-file limit itself (both soft and hard, as
// root), and the child inherits it: 20,000 connections are 20,000 file
// descriptors on each side.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godanet/godanet/bench/internal/proc"
	"github.com/godanet/godanet/bench/internal/sseserver"
)

// fdReserve is the descriptors a process needs besides its connections.
const fdReserve = proc.FileReserve

type config struct {
	servers  []string
	conns    []int
	rate     float64
	duration time.Duration
	payload  int
	dialers  int
	target   string
	procs    int
	pprof    bool
	jsonOut  string
	// burst is how many events each publish slot publishes, back to back.
	burst int

	// rounds is how many times every run is made, interleaved.
	rounds int
	// stalled is the number of clients that stop reading after the
	// response head, beside the healthy ones, in the scenario's runs.
	stalled int
	// lastEventID is the -last-event-id mode: "" or "unknown".
	lastEventID string
	// history is the number of messages published before the clients
	// connect, with -last-event-id.
	history int
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("sseload: ")
	var (
		cfg     config
		servers = flag.String("server", "all", "server variants, comma-separated: "+strings.Join(sseserver.Names, ", ")+", or all")
		conns   = flag.String("conns", "1000", "connection counts, comma-separated; each variant runs at each")
		serve   = flag.String("serve", "", "serve this variant and print its address (what the child process does)")
		listen  = flag.String("listen", "127.0.0.1:0", "with -serve: the address to listen on")
		child   sseserver.Options
	)
	flag.StringVar(&child.Redis, "redis", "", "with -serve "+sseserver.Redis+": the Redis server's address")
	flag.StringVar(&child.Instance, "instance", "a", "with -serve "+sseserver.Redis+": the instance's name, in its Redis connections' names")
	flag.Float64Var(&cfg.rate, "rate", 2, "publishes per second; 0 publishes each event once the last has reached every client")
	flag.IntVar(&cfg.burst, "burst", 1, "events per publish: each publish slot (-rate, or each turn of the closed loop) publishes this many back to back")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long to publish for")
	flag.IntVar(&cfg.payload, "payload", 64, "bytes of data per event")
	flag.IntVar(&cfg.dialers, "dialers", 128, "connections opened at once")
	flag.StringVar(&cfg.target, "target", "", "base URL of a running server to drive, instead of starting one")
	flag.IntVar(&cfg.procs, "server-procs", 0, "GOMAXPROCS of the server process (0: Go's default)")
	flag.BoolVar(&cfg.pprof, "pprof", false, "serve net/http/pprof from the server under /debug/pprof/, recording every allocation (slower)")
	flag.StringVar(&cfg.jsonOut, "json", "", "also write the results to this file as JSON")
	// -rounds repeats every run, interleaved, so that a slow spell of a
	// shared machine falls on each; the comparison of a mode takes medians.
	flag.IntVar(&cfg.rounds, "rounds", 1, "rounds; each makes every run once, a mode's scenario and baseline in alternating order")
	// -stalled opens clients that never read their response body after
	// the head, to see what they cost the healthy ones and how long the
	// server keeps them; each round also runs without them, as baseline.
	flag.IntVar(&cfg.stalled, "stalled", 0, "also open this many clients on the same topic that stop reading after the response head, and compare with a run without them")
	// -last-event-id unknown makes every connection a full replay of the
	// topic's history, to see what a replay holds per connection; each
	// round also runs without the header, as baseline.
	flag.StringVar(&cfg.lastEventID, "last-event-id", "", `"unknown": publish -history messages first, then have every client send a Last-Event-ID the server never issued; compare with a run without the header`)
	// -history is how full the topic is when the replaying clients come.
	flag.IntVar(&cfg.history, "history", 1000, "with -last-event-id: messages of -payload bytes published before the clients connect (the godanet Hub keeps 1000)")
	flag.Parse()

	limit, limitErr := proc.RaiseFileLimit(1 << 17)
	if *serve != "" {
		child.Pprof = cfg.pprof
		if err := serveVariant(*serve, *listen, child); err != nil {
			log.Fatal(err)
		}
		return
	}

	cfg.servers = strings.Split(*servers, ",")
	if *servers == "all" {
		cfg.servers = sseserver.Names
	}
	if cfg.target != "" {
		cfg.servers = []string{"target"}
	}
	for _, s := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("-conns: %q is not a positive number", s)
		}
		cfg.conns = append(cfg.conns, n)
	}
	switch {
	case cfg.rounds < 1:
		log.Fatalf("-rounds %d: give at least 1", cfg.rounds)
	case cfg.stalled < 0:
		log.Fatalf("-stalled %d: give a count of clients, 0 for none", cfg.stalled)
	case cfg.lastEventID != "" && cfg.lastEventID != "unknown":
		log.Fatalf(`-last-event-id %q: the one mode is "unknown"`, cfg.lastEventID)
	case cfg.history < 0:
		log.Fatalf("-history %d: give a count of messages", cfg.history)
	case cfg.burst < 1:
		log.Fatalf("-burst %d: give at least 1", cfg.burst)
	}
	// Each side holds one descriptor per connection, plus a few of its
	// own: stdio, the poller, the listener, the admin connection.
	if most := slices.Max(cfg.conns) + cfg.stalled; uint64(most)+fdReserve > limit {
		log.Fatalf("%d connections need %d file descriptors on each side, over the limit of %d (%v); ask for at most %d",
			most, most+fdReserve, limit, limitErr, limit-fdReserve)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var results []result
	for round := 1; round <= cfg.rounds; round++ {
		for _, n := range cfg.conns {
			// The variants in turn, in reverse order every second round,
			// so that none always runs first or last.
			order := slices.Clone(cfg.servers)
			if round%2 == 0 {
				slices.Reverse(order)
			}
			for _, variant := range order {
				for _, a := range cfg.arms(round) {
					r, err := runOne(ctx, cfg, variant, n, a)
					if err != nil {
						log.Fatalf("%s at %d connections%s: %v", variant, n, a.label(), err)
					}
					r.Round = round
					printResult(os.Stdout, r)
					results = append(results, r)
				}
			}
		}
	}
	printSummary(os.Stdout, cfg, results)
	printComparisons(os.Stdout, cfg, results)
	printRedisComparison(os.Stdout, cfg, results)
	if cfg.jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(cfg.jsonOut, append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	for _, r := range results {
		if r.Held < r.Conns {
			log.Printf("%s held %d of %d connections", r.name(), r.Held, r.Conns)
			os.Exit(1)
		}
	}
}

// serveVariant is the child process: it serves the variant, prints its
// address on stdout, and stops on SIGTERM or SIGINT.
func serveVariant(variant, addr string, o sseserver.Options) error {
	if o.Pprof {
		// Every allocation, so that a heap profile accounts for each
		// connection's bytes exactly rather than by sampling.
		runtime.MemProfileRate = 1
	}
	srv, err := sseserver.New(variant, o)
	if err != nil {
		return err
	}
	return proc.ServeChild(srv, addr)
}

// startServer starts a child process serving variant, with extra
// arguments, and returns its base URL, its process id and a function
// that stops it.
func startServer(ctx context.Context, cfg config, variant string, extra ...string) (string, int, func() error, error) {
	args := append([]string{"-serve", variant}, extra...)
	if cfg.pprof {
		args = append(args, "-pprof")
	}
	child, err := proc.StartChild(ctx, cfg.procs, 10*time.Second, args...)
	if err != nil {
		return "", 0, nil, err
	}
	return "http://" + child.Addr, child.PID, child.Stop, nil
}

// stats reads the server's figures; gc collects first.
func stats(ctx context.Context, base string, gc bool) (sseserver.Stats, error) {
	var st sseserver.Stats
	url := base + "/stats"
	if gc {
		url += "?gc=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return st, err
	}
	res, err := adminClient.Do(req)
	if err != nil {
		return st, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}

// adminClient carries /stats and /publish: one kept-alive connection.
var adminClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true},
}
