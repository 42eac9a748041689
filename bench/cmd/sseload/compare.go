package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// pair is one round's scenario and baseline runs of one variant at one
// connection count.
type pair struct{ scenario, baseline result }

// printComparisons prints, for a mode, each variant's scenario beside its
// baseline at each connection count: medians over rounds and the ratio of
// the scenario's to the baseline's, with the spread of the per-round
// ratios. Without a mode there is nothing to compare.
func printComparisons(w io.Writer, cfg config, results []result) {
	if cfg.stalled == 0 && cfg.lastEventID == "" {
		return
	}
	type key struct {
		variant string
		conns   int
	}
	var order []key
	rounds := map[key]map[int]*pair{}
	for _, r := range results {
		k := key{r.Variant, r.Conns}
		if rounds[k] == nil {
			order = append(order, k)
			rounds[k] = map[int]*pair{}
		}
		p := rounds[k][r.Round]
		if p == nil {
			p = &pair{}
			rounds[k][r.Round] = p
		}
		switch r.Arm.Role {
		case scenario:
			p.scenario = r
		case baseline:
			p.baseline = r
		}
	}
	for _, k := range order {
		var pairs []pair
		for round := 1; round <= cfg.rounds; round++ {
			if p := rounds[k][round]; p != nil && p.scenario.Variant != "" && p.baseline.Variant != "" {
				pairs = append(pairs, *p)
			}
		}
		if len(pairs) > 0 {
			printComparison(w, pairs)
		}
	}
}

// printComparison prints one variant's scenario and baseline at one
// connection count, over the rounds in pairs.
func printComparison(w io.Writer, pairs []pair) {
	first := pairs[0].scenario
	fmt.Fprintf(w, "\ncomparison: %s, %d healthy clients, %d round(s); medians over rounds; ratio: the scenario's median over the baseline's [min–max of the per-round ratios]\n",
		first.Variant, first.Conns, len(pairs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\theld\tp50 ms\tp99 ms\tmax ms\tRSS/conn\theap+stack/conn\tRSS growth\theap+stack growth\treplayed/client\t")
	row := func(label string, pick func(pair) result) {
		med := func(f func(result) float64) float64 {
			return medianOver(pairs, func(p pair) float64 { return f(pick(p)) })
		}
		var held, replayed []string
		for _, p := range pairs {
			r := pick(p)
			held = append(held, fmt.Sprint(r.Held))
			replayed = append(replayed, fmt.Sprintf("%d–%d", r.ReplayedMin, r.ReplayedMax))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t\n", label, strings.Join(held, ", "),
			med(p50), med(p99), med(maxLatency), kib(med(rssPerConn)), kib(med(memPerConn)), mb(med(rssGrowth)), mb(med(memGrowth)),
			strings.Join(slices.Compact(replayed), ", "))
	}
	row(strings.TrimPrefix(first.Arm.label(), ", "), func(p pair) result { return p.scenario })
	row("baseline", func(p pair) result { return p.baseline })
	tw.Flush()

	fmt.Fprintf(w, "  healthy p99:       %s\n", compare(pairs, p99, msText))
	fmt.Fprintf(w, "  healthy p50:       %s\n", compare(pairs, p50, msText))
	// Growth, not growth per connection: with stalled clients the two
	// runs divide by different numbers of connections.
	fmt.Fprintf(w, "  RSS growth:        %s\n", compare(pairs, rssGrowth, mb))
	fmt.Fprintf(w, "  heap+stack growth: %s\n", compare(pairs, memGrowth, mb))

	if first.Stalled.Opened == 0 {
		return
	}
	if !first.Stalled.Measured {
		fmt.Fprintf(w, "  stalled clients: when the server cut them is not known (it does not answer GET /closed)\n")
		return
	}
	// Over rounds: the median of the rounds' medians and the latest cut,
	// of the rounds in which any was cut.
	var medians, most, open []string
	var cutMedians []float64
	latest := 0.0
	for _, p := range pairs {
		s := p.scenario.Stalled
		open = append(open, fmt.Sprintf("%d of %d", s.Open, s.Opened))
		if len(s.CutS) == 0 {
			medians, most = append(medians, "-"), append(most, "-")
			continue
		}
		medians = append(medians, fmt.Sprintf("%.1fs", s.median()))
		most = append(most, fmt.Sprintf("%.1fs", s.most()))
		cutMedians = append(cutMedians, s.median())
		latest = max(latest, s.most())
	}
	if len(cutMedians) > 0 {
		fmt.Fprintf(w, "  stalled clients: cut after median %.1fs, max %.1fs from the first publish", medianOf(cutMedians), latest)
	} else {
		fmt.Fprintf(w, "  stalled clients: none cut")
	}
	fmt.Fprintf(w, " (per round: median %s; max %s); still open at the end: %s\n",
		strings.Join(medians, ", "), strings.Join(most, ", "), strings.Join(open, ", "))
}

func msText(x float64) string { return fmt.Sprintf("%.2f ms", x) }
func mb(x float64) string     { return fmt.Sprintf("%.1f MB", x/1e6) }

// The figures compared.
func p50(r result) float64        { return r.P50ms }
func p99(r result) float64        { return r.P99ms }
func maxLatency(r result) float64 { return r.MaxMs }
func rssPerConn(r result) float64 { return r.LoadedRSS }
func memPerConn(r result) float64 { return r.LoadedHeap + r.LoadedStack }
func rssGrowth(r result) float64  { return float64(r.Loaded.RSS) - float64(r.Base.RSS) }
func memGrowth(r result) float64 {
	return float64(r.Loaded.HeapAlloc+r.Loaded.StackInuse) - float64(r.Base.HeapAlloc+r.Base.StackInuse)
}

// compare gives a figure's ratio, scenario over baseline: the ratio of
// the medians over rounds, then the two medians in unit, then the least
// and greatest per-round ratio.
func compare(pairs []pair, f func(result) float64, unit func(float64) string) string {
	s := medianOver(pairs, func(p pair) float64 { return f(p.scenario) })
	b := medianOver(pairs, func(p pair) float64 { return f(p.baseline) })
	if b == 0 {
		return "-"
	}
	lo, hi := 0.0, 0.0
	for i, p := range pairs {
		r := f(p.scenario) / f(p.baseline)
		if i == 0 || r < lo {
			lo = r
		}
		if i == 0 || r > hi {
			hi = r
		}
	}
	return fmt.Sprintf("%.2fx (%s / %s) [%.2fx–%.2fx]", s/b, unit(s), unit(b), lo, hi)
}

func medianOver(pairs []pair, f func(pair) float64) float64 {
	xs := make([]float64, len(pairs))
	for i, p := range pairs {
		xs[i] = f(p)
	}
	return medianOf(xs)
}

// medianOf is the median of xs: the middle one, or the mean of the two in
// the middle; 0 for none.
func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}
