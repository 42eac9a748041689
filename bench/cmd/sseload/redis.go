package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/godanet/godanet/bench/internal/sseserver"
)

// The godanet-redis variant: a godanet app whose Hub is on Redis
// (package redisbroker), run as redisInstances processes on one
// redis-server that the run starts (proc.StartRedis). The clients are
// split between the instances and the events are published on the first,
// so that every event reaches the subscribers of the others through Redis.
// Its baseline is the godanet variant, the in-memory Hub in one process,
// in the same rounds: printRedisComparison gives the ratios.
//
// Redis connections are counted with CLIENT LIST by client name; each
// instance names its connections "sseload-<instance>". A broker has one
// Pub/Sub connection whatever the number of subscribers, so an instance's
// count should not grow with the subscribers.

// printRedisComparison prints, at each connection count at which both ran,
// godanet-redis beside godanet: medians over rounds of events/s, latency
// and CPU, the ratio of the medians and the spread of the per-round
// ratios, and the connections to Redis per instance.
func printRedisComparison(w io.Writer, cfg config, results []result) {
	type key struct{ round, conns int }
	mem := map[key]result{}
	var counts []int
	for _, r := range results {
		if r.Variant == "godanet" && r.Arm.Role == plain {
			mem[key{r.Round, r.Conns}] = r
		}
	}
	pairs := map[int][]pair{}
	for _, r := range results {
		if r.Variant != sseserver.Redis || r.Arm.Role != plain {
			continue
		}
		b, ok := mem[key{r.Round, r.Conns}]
		if !ok {
			continue
		}
		if pairs[r.Conns] == nil {
			counts = append(counts, r.Conns)
		}
		pairs[r.Conns] = append(pairs[r.Conns], pair{scenario: r, baseline: b})
	}
	for _, n := range counts {
		ps := pairs[n]
		fmt.Fprintf(w, "\nredis: %s (%d instances on one Redis, clients split between them, publishing on the first) against godanet (in-memory Hub, one process), %d subscribers, %d round(s); medians over rounds; ratio: %s's median over godanet's [min–max of the per-round ratios]\n",
			sseserver.Redis, ps[0].scenario.Instances, n, len(ps), sseserver.Redis)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "figure\t"+sseserver.Redis+"\tgodanet\tratio\t")
		row := func(name string, f func(result) float64, format string) {
			fmt.Fprintf(tw, "%s\t"+format+"\t"+format+"\t%s\t\n", name,
				medianOver(ps, func(p pair) float64 { return f(p.scenario) }),
				medianOver(ps, func(p pair) float64 { return f(p.baseline) }),
				ratioSpread(ps, f))
		}
		row("events/s", func(r result) float64 { return r.DeliveredPS }, "%.0f")
		row("p50 ms", p50, "%.2f")
		row("p99 ms", p99, "%.2f")
		row("max ms", maxLatency, "%.2f")
		row("server CPU µs/event", func(r result) float64 { return r.CPUPerEventUs }, "%.2f")
		row("Redis CPU µs/event", func(r result) float64 { return r.RedisCPUPerEventUs }, "%.2f")
		row("RSS/conn KiB", func(r result) float64 { return rssPerConn(r) / 1024 }, "%.1f")
		tw.Flush()
		var idle, loaded []string
		for _, p := range ps {
			idle = append(idle, connsText(p.scenario.RedisConnsIdle))
			loaded = append(loaded, connsText(p.scenario.RedisConnsLoaded))
		}
		fmt.Fprintf(w, "  connections to Redis by client, with every stream open: %s; after publishing: %s\n",
			strings.Join(slices.Compact(idle), " | "), strings.Join(slices.Compact(loaded), " | "))
	}
}

// ratioSpread is the ratio of the scenario's median to the baseline's,
// and the least and greatest per-round ratio.
func ratioSpread(ps []pair, f func(result) float64) string {
	s := medianOver(ps, func(p pair) float64 { return f(p.scenario) })
	b := medianOver(ps, func(p pair) float64 { return f(p.baseline) })
	if b == 0 {
		return "-"
	}
	var lo, hi float64
	for i, p := range ps {
		if f(p.baseline) == 0 {
			continue
		}
		r := f(p.scenario) / f(p.baseline)
		if i == 0 || r < lo {
			lo = r
		}
		if i == 0 || r > hi {
			hi = r
		}
	}
	return fmt.Sprintf("%.2fx [%.2fx–%.2fx]", s/b, lo, hi)
}

// connsText prints connection counts by client name, sorted by name:
// "sseload-a=2 sseload-b=2".
func connsText(counts map[string]int) string {
	if len(counts) == 0 {
		return "none"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s=%d", name, counts[name]))
	}
	return strings.Join(parts, " ")
}
