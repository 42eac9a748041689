package bench_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock reports, as cpu-ns/op, the CPU time the whole process (every
// thread: the benchmark, the goroutines it feeds, the garbage collector)
// used per operation between the call and the call of the function it
// returns. On a shared machine ns/op is wall time, and grows whenever
// another process takes the core; CPU time barely does, so the ratios
// between variants are read from it.
func cpuClock(b *testing.B) (stop func()) {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
