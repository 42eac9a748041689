package core_test

// The harness of the tests that drive an App over real HTTP (binding,
// limits, SSE routes, stalled clients): a request helper, checks of JSON
// and problem answers, a log sink, polling with a deadline, and go-sse's
// spec-following reader. The request helpers are internal/testhttp's,
// which the root package's end-to-end tests use too.

import (
	"io"
	"sync"
	"testing"

	"github.com/godanet/godanet/internal/testhttp"
	gosse "github.com/tmaxmax/go-sse"
)

// syncBuffer is a log sink the server and the test share.
type syncBuffer = testhttp.LogBuffer

// harness is one application under test, served over real HTTP; request
// and response are the calls it makes. All are testhttp's, which the root
// package's end-to-end tests share.
type (
	harness  = testhttp.Harness
	request  = testhttp.Request
	response = testhttp.Response
)

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testhttp.WaitFor(t, what, cond)
}

// events reads events with go-sse's parser, one at a time, on demand.
func events(t *testing.T, r io.Reader) func() gosse.Event {
	next, stop := iterPull(gosse.Read(r, nil))
	t.Cleanup(stop)
	return func() gosse.Event {
		t.Helper()
		e, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("stream ended (%v) before the next event", err)
		}
		return e
	}
}

// iterPull adapts go-sse's push iterator to pulling one event at a time.
func iterPull(seq func(func(gosse.Event, error) bool)) (func() (gosse.Event, error, bool), func()) {
	type item struct {
		e   gosse.Event
		err error
	}
	items := make(chan item)
	done := make(chan struct{})
	go func() {
		defer close(items)
		seq(func(e gosse.Event, err error) bool {
			select {
			case items <- item{e, err}:
				return true
			case <-done:
				return false
			}
		})
	}()
	var once sync.Once
	return func() (gosse.Event, error, bool) {
			it, ok := <-items
			return it.e, it.err, ok
		}, func() {
			once.Do(func() { close(done) })
		}
}
