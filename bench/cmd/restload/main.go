// Command restload measures whole servers over loopback: requests per
// second and latency for the REST route of internal/restapi, served by
// each variant in turn (hand-written echo, godanet, huma) in a child
// process of its own, and driven by kept-alive connections from this one:
//
//	go run ./cmd/restload -server all -conns 32 -duration 5s
//
// Every answer is checked against the expected status and body. On a
// small machine the server and the load generator share the cores; by
// default each process gets GOMAXPROCS=1 (-server-procs, -client-procs),
// so neither starves the other. wrk does the same job from C; see
// bench/README.md.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/godanet/godanet/bench/internal/proc"
	"github.com/godanet/godanet/bench/internal/restapi"
)

type result struct {
	Variant  string
	Requests int64
	Errors   int64
	Seconds  float64
	RPS      float64
	P50, P99 time.Duration
	// CPUPerReq is the server process's CPU time (user and system) per
	// request while measuring.
	CPUPerReq time.Duration
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("restload: ")
	var (
		servers     = flag.String("server", "all", "variants, comma-separated: echo, godanet, huma, or all")
		conns       = flag.Int("conns", 32, "kept-alive connections")
		duration    = flag.Duration("duration", 5*time.Second, "how long to measure each variant, each round")
		rounds      = flag.Int("rounds", 1, "rounds; each runs every variant once, in turn, and the table gives medians")
		warmup      = flag.Duration("warmup", time.Second, "load before measuring")
		serverProcs = flag.Int("server-procs", 1, "GOMAXPROCS of the server (0: Go's default)")
		clientProcs = flag.Int("client-procs", 1, "GOMAXPROCS of the load generator (0: Go's default)")
		serve       = flag.String("serve", "", "serve this variant and print its address (what the child process does)")
		listen      = flag.String("listen", "127.0.0.1:0", "with -serve: the address to listen on")
	)
	flag.Parse()
	if *serve != "" {
		if err := serveVariant(*serve, *listen); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *clientProcs > 0 {
		runtime.GOMAXPROCS(*clientProcs)
	}
	var names []string
	for _, v := range restapi.Variants() {
		if *servers == "all" || slices.Contains(strings.Split(*servers, ","), v.Name) {
			names = append(names, v.Name)
		}
	}
	if len(names) == 0 {
		log.Fatalf("-server %q names no variant", *servers)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Rounds interleave the variants, so that a slow spell of a shared
	// machine falls on all of them.
	byVariant := map[string][]result{}
	for round := range *rounds {
		for _, name := range names {
			r, err := runOne(ctx, name, *conns, *warmup, *duration, *serverProcs)
			if err != nil {
				log.Fatalf("%s: %v", name, err)
			}
			fmt.Printf("round %d  %-8s %8.0f req/s  p50 %v  p99 %v  server CPU %v/req  (%d requests, %d errors)\n", round+1, r.Variant, r.RPS,
				r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.CPUPerReq, r.Requests, r.Errors)
			byVariant[name] = append(byVariant[name], r)
		}
	}
	var results []result
	for _, name := range names {
		results = append(results, median(byVariant[name]))
	}
	fmt.Printf("\nmedians of %d rounds: %d connections, %v per variant per round, server GOMAXPROCS=%d, client GOMAXPROCS=%d, %d cores\n",
		*rounds, *conns, *duration, *serverProcs, *clientProcs, runtime.NumCPU())
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\treq/s\tp50\tp99\tserver CPU/req\treq/s vs echo\tp99 vs echo\tCPU/req vs echo\t")
	var base *result
	for i := range results {
		if results[i].Variant == "echo" {
			base = &results[i]
		}
	}
	failed := false
	for _, r := range results {
		rps, p99, cpu := "-", "-", "-"
		if base != nil {
			rps = fmt.Sprintf("%.3fx", r.RPS/base.RPS)
			p99 = fmt.Sprintf("%.2fx", float64(r.P99)/float64(base.P99))
			cpu = fmt.Sprintf("%.3fx", float64(r.CPUPerReq)/float64(base.CPUPerReq))
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%v\t%v\t%v\t%s\t%s\t%s\t\n", r.Variant, r.RPS, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond),
			r.CPUPerReq, rps, p99, cpu)
		failed = failed || r.Errors > 0 || r.Requests == 0
	}
	tw.Flush()
	if failed {
		log.Fatal("some requests failed")
	}
}

// median is the run with the median req/s, with the median p50, p99 and
// CPU per request of all, and the errors of all.
func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.RPS, b.RPS) })
	m := rs[len(rs)/2]
	p50s, p99s, cpus := make([]time.Duration, len(rs)), make([]time.Duration, len(rs)), make([]time.Duration, len(rs))
	m.Errors = 0
	for i, r := range rs {
		p50s[i], p99s[i], cpus[i] = r.P50, r.P99, r.CPUPerReq
		m.Errors += r.Errors
	}
	slices.Sort(p50s)
	slices.Sort(p99s)
	slices.Sort(cpus)
	m.P50, m.P99, m.CPUPerReq = p50s[len(rs)/2], p99s[len(rs)/2], cpus[len(rs)/2]
	return m
}

// serveVariant is the child process.
func serveVariant(name, addr string) error {
	var h http.Handler
	for _, v := range restapi.Variants() {
		if v.Name == name {
			var err error
			if h, err = v.New(); err != nil {
				return err
			}
		}
	}
	if h == nil {
		return fmt.Errorf("unknown variant %q", name)
	}
	return proc.ServeChild(&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, addr)
}

func startServer(ctx context.Context, name string, procs int) (string, int, func(), error) {
	child, err := proc.StartChild(ctx, procs, 5*time.Second, "-serve", name)
	if err != nil {
		return "", 0, nil, err
	}
	return child.Addr, child.PID, func() { _ = child.Stop() }, nil
}

func runOne(ctx context.Context, name string, conns int, warmup, duration time.Duration, procs int) (result, error) {
	r := result{Variant: name}
	addr, pid, stop, err := startServer(ctx, name, procs)
	if err != nil {
		return r, err
	}
	defer stop()
	request := []byte(restapi.Method + " " + restapi.Target + " HTTP/1.1\r\nHost: restload\r\nContent-Type: " + restapi.ContentType +
		"\r\nContent-Length: " + strconv.Itoa(len(restapi.Body)) + "\r\n\r\n" + restapi.Body)

	var (
		measuring atomic.Bool
		done      atomic.Bool
		requests  atomic.Int64
		errs      atomic.Int64
		firstErr  error
		errOnce   sync.Once
		wg        sync.WaitGroup
		lats      = make([][]time.Duration, conns)
	)
	for i := range conns {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs.Add(1)
				errOnce.Do(func() { firstErr = err })
				return
			}
			defer conn.Close()
			br := bufio.NewReaderSize(conn, 4096)
			body := make([]byte, 0, 512)
			for !done.Load() {
				start := time.Now()
				_, err := conn.Write(request)
				if err == nil {
					body, err = readResponse(br, body)
				}
				if err != nil {
					errs.Add(1)
					errOnce.Do(func() { firstErr = err })
					return
				}
				if measuring.Load() {
					lats[i] = append(lats[i], time.Since(start))
					requests.Add(1)
				}
			}
		})
	}
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
	}
	cpu0, err := proc.CPU(pid)
	if err != nil {
		return r, err
	}
	measuring.Store(true)
	start := time.Now()
	select {
	case <-time.After(duration):
	case <-ctx.Done():
	}
	measuring.Store(false)
	r.Seconds = time.Since(start).Seconds()
	cpu1, err := proc.CPU(pid)
	if err != nil {
		return r, err
	}
	done.Store(true)
	wg.Wait()
	r.Requests, r.Errors = requests.Load(), errs.Load()
	if firstErr != nil {
		fmt.Printf("  %s: %v\n", name, firstErr)
	}
	r.RPS = float64(r.Requests) / r.Seconds
	if r.Requests > 0 {
		r.CPUPerReq = (cpu1 - cpu0) / time.Duration(r.Requests)
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	r.P50, r.P99 = quantile(all, 0.50), quantile(all, 0.99)
	return r, ctx.Err()
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)]
}

var (
	wantStatus = []byte("HTTP/1.1 " + strconv.Itoa(restapi.WantStatus) + " ")
	wantBody   = []byte(restapi.Want)
)

// readResponse reads one response with a Content-Length and checks its
// status and body, reusing body's storage.
func readResponse(br *bufio.Reader, body []byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return body, err
	}
	if !bytes.HasPrefix(line, wantStatus) {
		return body, fmt.Errorf("unexpected status line %q", bytes.TrimSpace(line))
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return body, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return body, fmt.Errorf("bad Content-Length %q", value)
			}
		}
	}
	if length < 0 {
		return body, errors.New("the response has no Content-Length")
	}
	body = slices.Grow(body[:0], length)[:length]
	if _, err := io.ReadFull(br, body); err != nil {
		return body, err
	}
	if !bytes.Equal(body, wantBody) {
		return body, fmt.Errorf("unexpected body %q", body)
	}
	return body, nil
}
