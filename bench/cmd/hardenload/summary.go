package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// spread is one figure over the rounds.
type spread []float64

// format gives the median and, over several rounds, the spread, as
// "1.07 (0.75–1.80)"; format prints each number.
func (s spread) format(format func(float64) string) string {
	if len(s) == 0 {
		return "-"
	}
	sorted := slices.Sorted(slices.Values(s))
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	if len(sorted) == 1 {
		return format(med)
	}
	return fmt.Sprintf("%s (%s–%s)", format(med), format(sorted[0]), format(sorted[len(sorted)-1]))
}

func seconds(v float64) string { return fmt.Sprintf("%.3f s", v) }

func mib(v float64) string { return fmt.Sprintf("%.1f MiB", v/(1<<20)) }

func bytesPer(v float64) string { return fmt.Sprintf("%.0f B", v) }

func secs(d time.Duration) float64 { return d.Seconds() }

// tally counts outcomes, such as status codes or errors, and prints them
// in a stable order.
type tally map[string]int

func (t tally) String() string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range t {
			if !yield(k) {
				return
			}
		}
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, t[k])
	}
	return strings.Join(parts, ", ")
}
