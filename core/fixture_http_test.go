package core_test

// The harness of the tests that drive an App over real HTTP (binding,
// limits, SSE routes, stalled clients): a request helper, checks of JSON
// and problem answers, a log sink, polling with a deadline, and go-sse's
// spec-following reader. The request helpers are internal/testhttp's,
// which the root package's end-to-end tests use too.

import (
	"io"
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
// r is left open (a test closes its response): the reader stops
// delivering when the test ends.
func events(t *testing.T, r io.Reader) func() gosse.Event {
	return testhttp.ReadEvents(t, "", struct{ io.Reader }{r}).Next
}
