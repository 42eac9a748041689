package ssetest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godanet/godanet/sse"
)

// Recorder is a Listener that keeps the frames a broker passes it, for a
// broker's own tests as for this suite. It counts the calls that break the
// Listener contract: Frame while another call is under way or after End,
// and a second End; Listen checks the count at cleanup.
type Recorder struct {
	frames     chan sse.Frame
	ended      chan error
	busy       atomic.Int32
	violations atomic.Int32
	endOnce    sync.Once
	isEnded    atomic.Bool
}

// NewRecorder returns a Recorder that holds up to 10,000 frames.
func NewRecorder() *Recorder {
	return &Recorder{frames: make(chan sse.Frame, 10000), ended: make(chan error, 1)}
}

// Frame implements sse.Listener.
func (r *Recorder) Frame(f sse.Frame) {
	if r.busy.Add(1) != 1 || r.isEnded.Load() {
		r.violations.Add(1)
	}
	select {
	case r.frames <- f:
	default:
		r.violations.Add(1)
	}
	r.busy.Add(-1)
}

// End implements sse.Listener.
func (r *Recorder) End(err error) {
	first := false
	r.endOnce.Do(func() { first = true })
	if !first {
		r.violations.Add(1)
		return
	}
	r.isEnded.Store(true)
	r.ended <- err
}

// Frames yields the frames passed so far and to come.
func (r *Recorder) Frames() <-chan sse.Frame { return r.frames }

// Ended yields End's error once it is called.
func (r *Recorder) Ended() <-chan error { return r.ended }

// Violations is the number of calls that broke the Listener contract.
func (r *Recorder) Violations() int { return int(r.violations.Load()) }

// Listen starts a Recorder on topic, stopped at cleanup, where the test
// fails if the broker broke the Listener contract.
func Listen(t *testing.T, b sse.Broker, topic string) *Recorder {
	t.Helper()
	r := NewRecorder()
	stop, err := b.Listen(context.Background(), topic, r)
	if err != nil {
		t.Fatalf("Listen(%q): %v", topic, err)
	}
	t.Cleanup(func() {
		stop()
		if n := r.Violations(); n > 0 {
			t.Errorf("listener of %q: %d calls overlapped, came after End, or End came twice", topic, n)
		}
	})
	return r
}

// Take receives n frames, failing after the suite's wait or on End.
func (r *Recorder) Take(t *testing.T, n int) []sse.Frame {
	t.Helper()
	got := make([]sse.Frame, 0, n)
	deadline := time.After(wait)
	for len(got) < n {
		select {
		case f := <-r.frames: // frames first: End may be ready too
			got = append(got, f)
			continue
		default:
		}
		select {
		case f := <-r.frames:
			got = append(got, f)
		case err := <-r.ended:
			t.Fatalf("the listener ended (%v) after %d of %d frames %q", err, len(got), n, FrameIDs(got))
		case <-deadline:
			t.Fatalf("the listener got %d of %d frames in %v: %q", len(got), n, wait, FrameIDs(got))
		}
	}
	return got
}

// Expect takes len(ids) frames and checks they are those.
func (r *Recorder) Expect(t *testing.T, ids []string) {
	t.Helper()
	if got := FrameIDs(r.Take(t, len(ids))); !slices.Equal(got, ids) {
		t.Fatalf("the listener got %q, want %q", got, ids)
	}
}

// Quiet checks that r has received nothing more and was not ended.
func (r *Recorder) Quiet(t *testing.T) {
	t.Helper()
	select {
	case f := <-r.frames:
		t.Errorf("unexpected frame %q", f.ID)
	case err := <-r.ended:
		t.Errorf("unexpected End(%v)", err)
	default:
	}
}

// AwaitEnd waits for End and returns its error.
func (r *Recorder) AwaitEnd(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.ended:
		return err
	case <-time.After(wait):
		t.Fatalf("the listener was not ended within %v", wait)
		return nil
	}
}

// Body is the body of a frame numbered i: "data: <i>" and a blank line.
func Body(i int) []byte { return []byte("data: " + strconv.Itoa(i) + "\n\n") }

// AppendN appends n frames numbered from first (see Body), and returns
// their ids.
func AppendN(t *testing.T, b sse.Broker, topic string, first, n int, keep sse.Retention) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := first; i < first+n; i++ {
		id, err := b.Append(context.Background(), topic, Body(i), keep)
		if err != nil {
			t.Fatalf("Append %d to %q: %v", i, topic, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// Read calls b.Read and fails the test on an error.
func Read(t *testing.T, b sse.Broker, topic, after string, limit int) ([]sse.Frame, bool) {
	t.Helper()
	frames, found, err := b.Read(context.Background(), topic, after, limit)
	if err != nil {
		t.Fatalf("Read(%q after %q): %v", topic, after, err)
	}
	return frames, found
}

// FrameIDs returns the frames' ids.
func FrameIDs(frames []sse.Frame) []string {
	ids := make([]string, len(frames))
	for i, f := range frames {
		ids[i] = f.ID
	}
	return ids
}
