package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/godanet/godanet/sse"
)

// topicsRound is one Hub's live heap: before the publishes, right after,
// and after cfg.wait with nothing happening.
type topicsRound struct {
	Before, After, Later uint64
	Took                 time.Duration
}

func runTopics(ctx context.Context, cfg config) error {
	options := hubOptions(cfg)
	fmt.Printf("topics: an sse.Hub with %s, one publish on each of %d topics (todo/1, todo/2, ...), then %v idle; live heap after a GC, %d rounds\n",
		describeOptions(options), cfg.topics, cfg.wait, cfg.rounds)
	var rounds []topicsRound
	for i := range cfg.rounds {
		r, err := topicsOnce(ctx, cfg, options)
		if err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		fmt.Printf("round %d: published in %.2fs; live heap %s before; held right after %s (%s per topic), after %v idle %s\n",
			i+1, r.Took.Seconds(), mib(float64(r.Before)), mib(grow(r.After, r.Before)),
			bytesPer(grow(r.After, r.Before)/float64(cfg.topics)), cfg.wait, mib(grow(r.Later, r.Before)))
		rounds = append(rounds, r)
	}
	var after, later, perTopic spread
	for _, r := range rounds {
		after = append(after, grow(r.After, r.Before))
		later = append(later, grow(r.Later, r.Before))
		perTopic = append(perTopic, grow(r.After, r.Before)/float64(cfg.topics))
	}
	fmt.Printf("\nmedian (min–max) over %d rounds, %d topics, live heap held by the Hub:\n", len(rounds), cfg.topics)
	fmt.Printf("  right after the publishes  %s\n", after.format(mib))
	fmt.Printf("  per topic                  %s\n", perTopic.format(bytesPer))
	fmt.Printf("  after %-20v %s\n", cfg.wait.String()+" idle", later.format(mib))
	return nil
}

// grow is b's growth over a, which may be negative.
func grow(b, a uint64) float64 { return float64(b) - float64(a) }

// topicsOnce fills a fresh Hub. The Hub runs in this process: it needs no
// network, and nothing else here allocates while it is measured.
func topicsOnce(ctx context.Context, cfg config, options []sse.HubOption) (topicsRound, error) {
	var r topicsRound
	r.Before = liveHeap()
	hub := sse.NewHub(options...)
	defer hub.Close()
	start := time.Now()
	for i := 1; i <= cfg.topics; i++ {
		id := strconv.Itoa(i)
		if _, err := hub.Publish(context.Background(), "todo/"+id, sse.Message{Event: "updated", Data: `{"id":` + id + `,"done":true}`}); err != nil {
			return r, err
		}
		if i%1024 == 0 && ctx.Err() != nil {
			return r, ctx.Err()
		}
	}
	r.Took = time.Since(start)
	r.After = liveHeap()
	select {
	case <-time.After(cfg.wait):
	case <-ctx.Done():
		return r, ctx.Err()
	}
	r.Later = liveHeap()
	runtime.KeepAlive(hub)
	return r, nil
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
