package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

// name is the run's variant and arm: "godanet, 100 stalled".
func (r result) name() string { return r.Variant + r.Arm.label() }

func printResult(w io.Writer, r result) {
	fmt.Fprintf(w, "%s, round %d, conns %d: held %d (opened %d in %.1fs)\n", r.name(), r.Round, r.Conns, r.Held, r.Connected, r.ConnectS)
	fmt.Fprintf(w, "  per connection, idle:   RSS %s, heap %s, stacks %s, goroutines %.2f\n",
		kib(r.IdleRSS), kib(r.IdleHeap), kib(r.IdleStack), r.GoroutinesConn)
	fmt.Fprintf(w, "  per connection, loaded: RSS %s, heap %s, stacks %s\n",
		kib(r.LoadedRSS), kib(r.LoadedHeap), kib(r.LoadedStack))
	fmt.Fprintf(w, "  published %d, delivered %d of %d, %.0f events/s, server CPU %.2fµs/event, %.3f writes/event; latency p50 %.2fms p99 %.2fms max %.2fms\n",
		r.Published, r.Delivered, r.Expected, r.DeliveredPS, r.CPUPerEventUs, r.WritesPerEvent, r.P50ms, r.P99ms, r.MaxMs)
	if r.RedisConnsIdle != nil {
		fmt.Fprintf(w, "  %d instances on one Redis (Redis CPU %.2fµs/event); connections to Redis by client: %s open, %s after publishing\n",
			r.Instances, r.RedisCPUPerEventUs, connsText(r.RedisConnsIdle), connsText(r.RedisConnsLoaded))
	}
	if r.Arm.History > 0 {
		fmt.Fprintf(w, "  history of %d events first; replayed to each client: %d to %d\n", r.Arm.History, r.ReplayedMin, r.ReplayedMax)
	}
	if s := r.Stalled; s.Opened > 0 {
		if !s.Measured {
			fmt.Fprintf(w, "  stalled: %d opened; when the server cut them is not known (it does not answer GET /closed)\n", s.Opened)
			return
		}
		fmt.Fprintf(w, "  stalled: %d opened, %d cut, %d still open at the end", s.Opened, len(s.CutS), s.Open)
		if len(s.CutS) > 0 {
			fmt.Fprintf(w, "; cut after median %.1fs, max %.1fs from the first publish", s.median(), s.most())
		}
		fmt.Fprintln(w)
	}
}

// printSummary prints one table of every run and, where the hand-written
// echo server ran at the same connection count, each figure's ratio to it.
func printSummary(w io.Writer, cfg config, results []result) {
	rate := fmt.Sprintf("%g/s", cfg.rate)
	if cfg.rate == 0 {
		rate = "closed loop"
	}
	burst := ""
	if cfg.burst > 1 {
		burst = fmt.Sprintf(" in bursts of %d", cfg.burst)
	}
	fmt.Fprintf(w, "\nsummary: publishing %s%s for %v, %d-byte events; per-connection figures are growth over the idle server\n", rate, burst, cfg.duration, cfg.payload)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tround\tconns\theld\tRSS/conn\theap+stack/conn\tgoroutines/conn\tp50 ms\tp99 ms\tmax ms\tevents/s\tCPU µs/event\twrites/event\tRSS vs echo\theap+stack vs echo\tp99 vs echo\tevents/s vs echo\tCPU/event vs echo\t")
	// The baseline of a run is echo's run in the same round, at the same
	// count, with the same arm.
	type key struct {
		round, conns int
		arm          arm
	}
	baseline := map[key]result{}
	for _, r := range results {
		if r.Variant == "echo" {
			baseline[key{r.Round, r.Conns, r.Arm}] = r
		}
	}
	ratio := func(a, b float64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	for _, r := range results {
		b, ok := baseline[key{r.Round, r.Conns, r.Arm}]
		rss, mem, p99, eps, cpu := "-", "-", "-", "-", "-"
		if ok {
			rss = ratio(r.LoadedRSS, b.LoadedRSS)
			mem = ratio(r.LoadedHeap+r.LoadedStack, b.LoadedHeap+b.LoadedStack)
			p99 = ratio(r.P99ms, b.P99ms)
			eps = ratio(r.DeliveredPS, b.DeliveredPS)
			cpu = ratio(r.CPUPerEventUs, b.CPUPerEventUs)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t%.3f\t%s\t%s\t%s\t%s\t%s\t\n",
			r.name(), r.Round, r.Conns, r.Held, kib(r.LoadedRSS), kib(r.LoadedHeap+r.LoadedStack), r.GoroutinesConn,
			r.P50ms, r.P99ms, r.MaxMs, r.DeliveredPS, r.CPUPerEventUs, r.WritesPerEvent, rss, mem, p99, eps, cpu)
	}
	tw.Flush()
}
