package bench_test

import (
	"context"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godanet/godanet/sse"
	gosse "github.com/tmaxmax/go-sse"
)

// fanoutData is the payload of a fanned-out event, already JSON, so that
// both libraries send it as it is.
const fanoutData = `{"id":1,"title":"fan out","done":false}`

// A fanout is one library's publish to n subscribers. Every subscriber
// does what a stream does with an event before the network: it puts the
// event's bytes into its writer (here io.Discard). publish returns once
// every subscriber has done so, so both libraries are timed to the last
// delivery, not to the return of their Publish.
type fanout struct {
	name  string
	start func(tb testing.TB, n int) (publish func(), stop func())
}

func fanouts() []fanout {
	return []fanout{
		{"godanet-hub", startHubFanout(false)},
		{"godanet-hub-drain", startHubFanout(true)},
		{"go-sse-joe", startJoeFanout},
	}
}

// countdown is reset to n before each publish; the subscriber that takes
// it to zero says so on done.
type countdown struct {
	left atomic.Int64
	done chan struct{}
}

func newCountdown() *countdown { return &countdown{done: make(chan struct{}, 1)} }

// arm expects n deliveries, forgetting a signal no one waited for.
func (c *countdown) arm(n int) {
	select {
	case <-c.done:
	default:
	}
	c.left.Store(int64(n))
}

func (c *countdown) hit() {
	if c.left.Add(-1) == 0 {
		c.done <- struct{}{}
	}
}

// wait waits for the last delivery of a publish, for at most d.
func (c *countdown) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// startHubFanout subscribes n subscribers to one topic of a Hub. Each has
// a goroutine, as each stream has in a server (the connection's), that
// appends the event to its buffer as sse.Serve does (a copy of the bytes
// the Hub encoded once) and writes it. With drain, one goroutine instead
// takes the event from every subscriber in turn after each publish: the
// Hub's own cost, with no scheduler in it.
func startHubFanout(drain bool) func(testing.TB, int) (func(), func()) {
	return func(tb testing.TB, n int) (func(), func()) {
		hub := sse.NewHub(sse.History(16))
		ctx, cancel := context.WithCancel(context.Background())
		subs := make([]<-chan sse.Message, n)
		for i := range subs {
			ch, err := hub.Subscribe(ctx, "bench", "")
			if err != nil {
				tb.Fatal(err)
			}
			subs[i] = ch
		}
		m := sse.Message{Event: "todo.updated", Data: fanoutData}
		if drain {
			buf := make([]byte, 0, 512)
			return func() {
					if _, err := hub.Publish(context.Background(), "bench", m); err != nil {
						tb.Fatal(err)
					}
					for _, ch := range subs {
						buf, _ = sse.AppendMessage(buf[:0], <-ch)
						_, _ = io.Discard.Write(buf)
					}
				}, func() {
					cancel()
					hub.Close()
				}
		}
		cd := newCountdown()
		var wg sync.WaitGroup
		for _, ch := range subs {
			wg.Go(func() {
				buf := make([]byte, 0, 512)
				for m := range ch {
					buf, _ = sse.AppendMessage(buf[:0], m)
					_, _ = io.Discard.Write(buf)
					cd.hit()
				}
			})
		}
		return func() {
				cd.arm(n)
				if _, err := hub.Publish(context.Background(), "bench", m); err != nil {
					tb.Fatal(err)
				}
				if !cd.wait(time.Minute) {
					tb.Fatalf("hub: %d of %d subscribers never got the event", cd.left.Load(), n)
				}
			}, func() {
				cancel()
				hub.Close()
				wg.Wait()
			}
	}
}

// joeClient is a go-sse subscriber: Joe calls Send then Flush on it, from
// Joe's one goroutine, for each subscriber in turn. Send writes the event
// as a session does.
type joeClient struct{ cd *countdown }

func (c joeClient) Send(m *gosse.Message) error {
	_, err := m.WriteTo(io.Discard)
	return err
}

func (c joeClient) Flush() error {
	c.cd.hit()
	return nil
}

// startJoeFanout subscribes n clients to go-sse's default provider. Joe's
// Subscribe blocks for the life of the subscription, as it does in a
// handler, so each has a goroutine (which then only waits).
func startJoeFanout(tb testing.TB, n int) (func(), func()) {
	joe := &gosse.Joe{}
	ctx, cancel := context.WithCancel(context.Background())
	cd := newCountdown()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_ = joe.Subscribe(ctx, gosse.Subscription{Client: joeClient{cd}, Topics: []string{gosse.DefaultTopic}})
		})
	}
	m := &gosse.Message{Type: gosse.Type("todo.updated")}
	m.AppendData(fanoutData)
	topics := []string{gosse.DefaultTopic}
	publish := func() {
		cd.arm(n)
		if err := joe.Publish(m, topics); err != nil {
			tb.Fatal(err)
		}
		if !cd.wait(time.Minute) {
			tb.Fatalf("joe: %d of %d subscribers never got the event", cd.left.Load(), n)
		}
	}
	// Joe takes subscriptions on its own goroutine and says nothing when
	// it has; publish until one reaches all n.
	for deadline := time.Now().Add(10 * time.Second); ; {
		cd.arm(n)
		if err := joe.Publish(m, topics); err != nil {
			tb.Fatal(err)
		}
		if cd.wait(100 * time.Millisecond) {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("joe: only %d of %d subscribers registered in 10s", int64(n)-cd.left.Load(), n)
		}
		// Let the stragglers of this publish land before the next arm.
		time.Sleep(50 * time.Millisecond)
	}
	return publish, func() {
		cancel()
		_ = joe.Shutdown(context.Background())
		wg.Wait()
	}
}

// BenchmarkFanout publishes one event to 1,000 and 10,000 subscribers
// and times until every subscriber has it; deliveries/s is subscribers
// times publishes per second.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, v := range fanouts() {
			b.Run(strconv.Itoa(n)+"/"+v.name, func(b *testing.B) {
				publish, stop := v.start(b, n)
				defer stop()
				publish() // warm: every subscriber has had one event
				b.ReportAllocs()
				b.ResetTimer()
				stopCPU := cpuClock(b)
				for range b.N {
					publish()
				}
				stopCPU()
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
			})
		}
	}
}
