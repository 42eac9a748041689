// Command startupload measures start-up as whole processes: a child
// process that builds an app with N routes, each with its own input type
// (internal/startupapi), and exits, timed from its start to its exit, for
// godanet and for the echo app a user would write instead, in interleaved
// rounds.
//
//	go run ./cmd/startupload -routes 1000 -rounds 5
//	go run ./cmd/startupload -routes 100,1000,10000 -rounds 3 -apps echo,godanet,godanet-log
//
// Each child is this program again (startupload -child NAME -routes N), so
// both variants load the same binary and differ only in what they build.
// The table gives, per variant, medians over rounds of the wall time from
// starting the child to its exit, of the app's build inside the child, of
// the child's CPU time and peak RSS, and the ratio of wall time to echo's
// in the same round (median and spread). The routes are made in each child
// (reflect.StructOf for every input type), for both variants alike; that
// time is reported apart as "gen".
//
// Variants: echo (echo.New, one validator, e.Add per route), godanet
// (core.New, logging discarded, as BenchmarkStartup does), godanet-log
// (core.New with the default logger, which writes one line per route;
// the child's stderr goes to a pipe this program drains).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godanet/godanet/bench/internal/startupapi"
	"github.com/godanet/godanet/core"
)

var apps = map[string]func([]startupapi.Route) error{
	"echo": func(routes []startupapi.Route) error {
		startupapi.Echo(routes)
		return nil
	},
	"godanet": func(routes []startupapi.Route) error {
		_, err := startupapi.Godanet(routes, core.WithLogger(slog.New(slog.DiscardHandler)))
		return err
	},
	"godanet-log": func(routes []startupapi.Route) error {
		_, err := startupapi.Godanet(routes)
		return err
	},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("startupload: ")
	var (
		routes  = flag.String("routes", "1000", "numbers of routes, comma-separated")
		rounds  = flag.Int("rounds", 5, "rounds; each runs every variant once per number of routes, in reverse order every second round")
		names   = flag.String("apps", "echo,godanet", "variants, comma-separated: echo, godanet, godanet-log; echo is the baseline")
		procs   = flag.Int("procs", 0, "GOMAXPROCS of the children (0: Go's default)")
		child   = flag.String("child", "", "build this variant and exit (what the child process does)")
		nRoutes = flag.Int("n", 0, "with -child: the number of routes")
	)
	flag.Parse()
	if *child != "" {
		if err := runChild(*child, *nRoutes); err != nil {
			log.Fatal(err)
		}
		return
	}
	variants := strings.Split(*names, ",")
	for _, v := range variants {
		if apps[v] == nil {
			log.Fatalf("-apps: no variant %q; the variants are echo, godanet, godanet-log", v)
		}
	}
	if !slices.Contains(variants, "echo") {
		variants = append([]string{"echo"}, variants...)
	}
	var sizes []int
	for _, s := range strings.Split(*routes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("-routes: %q is not a positive number", s)
		}
		sizes = append(sizes, n)
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	results := map[key][]result{}
	for round := range *rounds {
		order := slices.Clone(variants)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, n := range sizes {
			for _, v := range order {
				r, err := runOne(self, v, n, *procs)
				if err != nil {
					log.Fatalf("round %d, %s with %d routes: %v", round+1, v, n, err)
				}
				results[key{v, n}] = append(results[key{v, n}], r)
			}
		}
		fmt.Fprintf(os.Stderr, "round %d of %d done\n", round+1, *rounds)
	}
	printTable(os.Stdout, variants, sizes, results, *rounds)
}

type key struct {
	variant string
	routes  int
}

// result is one child's run.
type result struct {
	wall, build, gen, cpu time.Duration
	maxRSS                int64 // bytes
}

// runChild is the child: make the routes, build the app, report both
// times on stdout, exit.
func runChild(name string, n int) error {
	build := apps[name]
	if build == nil || n < 1 {
		return fmt.Errorf("-child %q -n %d: no such variant, or no routes", name, n)
	}
	t0 := time.Now()
	routes := startupapi.Routes(n)
	t1 := time.Now()
	if err := build(routes); err != nil {
		return err
	}
	t2 := time.Now()
	_, err := fmt.Printf("%d %d\n", t1.Sub(t0).Nanoseconds(), t2.Sub(t1).Nanoseconds())
	return err
}

// runOne starts one child and waits for it to exit.
func runOne(self, name string, n, procs int) (result, error) {
	cmd := exec.Command(self, "-child", name, "-n", strconv.Itoa(n))
	cmd.Env = os.Environ()
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	var stdout bytes.Buffer
	stderr := &tail{max: 4096}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("%w: %s", err, stderr.b)
	}
	var gen, build int64
	if _, err := fmt.Sscan(stdout.String(), &gen, &build); err != nil {
		return result{}, fmt.Errorf("reading the child's times from %q: %w", stdout.String(), err)
	}
	r := result{wall: wall, gen: time.Duration(gen), build: time.Duration(build)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.maxRSS = ru.Maxrss * 1024 // KiB on Linux
	}
	return r, nil
}

// tail keeps the last max bytes written to it: the child's error, without
// holding every log line of a godanet-log child.
type tail struct {
	b   []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func printTable(w io.Writer, variants []string, sizes []int, results map[key][]result, rounds int) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/1e6) }
	fmt.Fprintf(w, "\nmedians over %d rounds; \"vs echo\" is the median of the per-round ratios of wall time, [least-greatest]\n\n", rounds)
	fmt.Fprintln(w, "| routes | variant | wall ms | vs echo | build ms | gen ms | CPU ms | max RSS MiB |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, n := range sizes {
		base := results[key{"echo", n}]
		for _, v := range variants {
			rs := results[key{v, n}]
			ratios := make([]float64, len(rs))
			for i := range rs {
				ratios[i] = float64(rs[i].wall) / float64(base[i].wall)
			}
			fmt.Fprintf(w, "| %d | %s | %s | %.2fx [%.2f-%.2f] | %s | %s | %s | %.1f |\n", n, v,
				ms(median(rs, func(r result) time.Duration { return r.wall })),
				medianF(ratios), slices.Min(ratios), slices.Max(ratios),
				ms(median(rs, func(r result) time.Duration { return r.build })),
				ms(median(rs, func(r result) time.Duration { return r.gen })),
				ms(median(rs, func(r result) time.Duration { return r.cpu })),
				float64(median(rs, func(r result) time.Duration { return time.Duration(r.maxRSS) }))/(1<<20))
		}
	}
}

func median(rs []result, f func(result) time.Duration) time.Duration {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = float64(f(r))
	}
	return time.Duration(medianF(xs))
}

func medianF(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
